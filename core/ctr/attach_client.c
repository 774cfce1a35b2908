// SPDX-License-Identifier: Apache-2.0
/* attach_client.c - dory attach's side: connect to the supervisor's
 * socket (attach.c), relay this terminal to it, watch for the detach
 * keys, pass window sizes and signals on. Printing is the applet's. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/ctr/attach.h"
#include "core/ctr/attach_client.h"
#include "core/ctr/ctr.h"
#include "core/ctr/ctr_ops.h"
#include "core/kernel/pty.h"
#include "core/kernel/sigfd.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/xalloc.h"

static int attach_connect(const char *id, int *fd)
{
	autofree char *dir = xasprintf("%s/containers/%s", dory.state, id);
	autoclose int dfd = attach_dir_open(dir);
	struct sockaddr_un sa;
	socklen_t len;

	if (dfd < 0)
		return dfd;
	len = attach_addr(dfd, &sa);
	*fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (*fd < 0 || connect(*fd, (struct sockaddr *)&sa, len) < 0) {
		err_set(errno, "connect to %s/attach.sock", dir);
		if (*fd >= 0)
			close(TAKE_FD(*fd));
		return err_hint("is the container running, started by this dory?");
	}
	return 0;
}

/* One record from the supervisor: 1 once it said the container exited
 * or hung up, else 0. */
static int attach_recv(int fd, int *status, bool *said)
{
	char rec[ATTACH_REC + 1];
	ssize_t n = recv(fd, rec, sizeof(rec) - 1, 0);

	if (n < 0 && errno == EINTR)
		return 0;
	if (n <= 0)
		return 1;
	if (rec[0] == 'x') {
		rec[n] = '\0';
		*status = atoi(rec + 1);
		*said = true;
		return 1;
	}
	if (n > 1 && fsutil_write_full(rec[0] == 'e' ? 2 : 1, rec + 1, (size_t)n - 1) < 0)
		return 1;	/* our output is gone (a closed pipe): so are we */
	return 0;
}

/* Input for the container; 1 when the detach keys were typed. */
static int attach_input(int fd, struct attach_esc *esc, bool *open)
{
	char buf[ATTACH_REC / 2], rec[ATTACH_REC + 1];
	ssize_t n = read(0, buf, sizeof(buf));
	bool detach = false;
	size_t k;

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) {
		*open = false;	/* its stdin stays as it is: Docker closes it only for run -a */
		return 0;
	}
	rec[0] = 'i';
	k = attach_esc_feed(esc, buf, (size_t)n, rec + 1, &detach);
	if (k && send(fd, rec, k + 1, MSG_NOSIGNAL) < 0)
		err_clear();
	return detach ? 1 : 0;
}

/* A signal: a new window size for a pty, else passed on (--sig-proxy). */
static void attach_signal(const char *id, int fd, int sfd, const struct attach_opts *o)
{
	struct signalfd_siginfo si;

	while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGWINCH && o->tty) {
			if (pty_send_fd(fd, 1) < 0)
				err_clear();
		} else if (si.ssi_signo != SIGWINCH && ctr_kill(id, (int)si.ssi_signo) < 0)
			err_clear();
	}
}

static int attach_loop(const char *id, int fd, int sfd, const struct attach_opts *o,
		       int *status, bool *said)
{
	struct attach_esc esc = o->esc;
	bool in = o->in;

	for (;;) {
		struct pollfd f[3] = {
			{ .fd = fd, .events = POLLIN },
			{ .fd = in ? 0 : -1, .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
		};

		if (poll(f, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return err_set(errno, "poll");
		}
		if (f[0].revents && attach_recv(fd, status, said))
			return 0;
		if (f[1].revents && attach_input(fd, &esc, &in))
			return 1;
		if (f[2].revents)
			attach_signal(id, fd, sfd, o);
	}
}

/* The signals the client takes: window changes, and with --sig-proxy
 * (no pty) those a user sends to stop or poke a process. */
static int attach_signals(const struct attach_opts *o, sigset_t *old)
{
	static const int proxied[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGWINCH);
	for (size_t i = 0; o->proxy && !o->tty && i < ARRAY_SIZE(proxied); i++)
		sigaddset(&set, proxied[i]);
	return sigfd_block(&set, old);
}

int attach_run(const char *id, const struct attach_opts *o, int *status)
{
	struct termios saved;
	sigset_t old;
	autoclose int fd = -1;
	int sfd, r;
	bool raw, said = false;

	*status = 0;
	if (attach_connect(id, &fd) < 0)
		return -err_errno();
	sfd = attach_signals(o, &old);
	if (sfd < 0)
		return sfd;
	raw = o->tty && o->in && isatty(0) && pty_make_raw(0, &saved) == 0;
	if (o->tty && isatty(1) && pty_send_fd(fd, 1) < 0)
		err_clear();
	r = attach_loop(id, fd, sfd, o, status, &said);
	if (raw)
		pty_restore(0, &saved);
	close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (r == 0 && !said) {
		struct ctr_state st;

		/* hung up without a word (its supervisor died): the record says */
		if (ctr_wait(id, 2000, &st) == 0) {
			*status = st.exit_code;
			ctr_state_clear(&st);
		}
		err_clear();
	}
	return r;
}
