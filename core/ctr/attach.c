// SPDX-License-Identifier: Apache-2.0
/* attach.c - attach through the supervisor: it serves a SOCK_SEQPACKET
 * socket, one record per message ('o'/'e' output, 'x' exit status out;
 * 'i' input, 'F' a terminal to take the window size of, in), and the
 * client relays it to its own terminal. The container's pty and pipes
 * stay with the supervisor (supervisor.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/ctr/attach.h"
#include "core/kernel/pty.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/xalloc.h"

socklen_t attach_addr(int dfd, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/attach.sock", dfd);
	return (socklen_t)sizeof(*sa);
}

int attach_dir_open(const char *dir)
{
	int dfd = openat(AT_FDCWD, dir, O_PATH | O_DIRECTORY | O_CLOEXEC);

	return dfd < 0 ? err_set(errno, "open %s", dir) : dfd;
}

/* ---- the supervisor's side ---- */

int attach_hub_open(struct attach_hub *h, const char *id, int in, int master)
{
	struct sockaddr_un sa;
	autoclose int dfd = -1;
	socklen_t len;
	mode_t old;
	int r;

	h->lfd = -1;
	for (size_t i = 0; i < ATTACH_CLIENTS; i++)
		h->cfd[i] = -1;
	h->in = in;
	h->master = master;
	h->dir = xasprintf("%s/containers/%s", dory.state, id);
	dfd = attach_dir_open(h->dir);
	if (dfd < 0)
		return dfd;
	len = attach_addr(dfd, &sa);
	unlinkat(dfd, "attach.sock", 0);	/* a supervisor killed before */
	h->lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	/* root's alone (0700), whatever the directories above allow: who
	 * connects types into the container */
	old = umask(0077);
	r = h->lfd < 0 ? -1 : bind(h->lfd, (struct sockaddr *)&sa, len);
	umask(old);
	if (r < 0 || listen(h->lfd, ATTACH_CLIENTS) < 0) {
		err_set(errno, "serve %s/attach.sock", h->dir);
		if (h->lfd >= 0)
			close(TAKE_FD(h->lfd));
		return -err_errno();
	}
	/* input is dropped, never waited for, when the container reads none */
	if (in >= 0)
		fcntl(in, F_SETFL, fcntl(in, F_GETFL) | O_NONBLOCK);
	return 0;
}

size_t attach_hub_fds(const struct attach_hub *h, struct pollfd *f)
{
	size_t n = 0;

	if (!h->dir || h->lfd < 0)
		return 0;
	f[n++] = (struct pollfd){ .fd = h->lfd, .events = POLLIN };
	for (size_t i = 0; i < ATTACH_CLIENTS; i++)
		f[n++] = (struct pollfd){ .fd = h->cfd[i], .events = POLLIN };
	return n;
}

static void attach_drop(struct attach_hub *h, size_t i)
{
	close(TAKE_FD(h->cfd[i]));
}

static void attach_accept(struct attach_hub *h)
{
	int fd = accept4(h->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return;
	for (size_t i = 0; i < ATTACH_CLIENTS; i++)
		if (h->cfd[i] < 0) {
			h->cfd[i] = fd;
			return;
		}
	close(fd);	/* full: that client sees the end at once */
}

/* One record from client i: input for the container, or a terminal. */
static void attach_from(struct attach_hub *h, size_t i)
{
	char buf[ATTACH_REC + 1];
	ssize_t n = recv(h->cfd[i], buf, sizeof(buf), MSG_PEEK);
	int tfd;

	if (n <= 0) {
		if (n == 0 || (errno != EINTR && errno != EAGAIN))
			attach_drop(h, i);
		return;
	}
	if (buf[0] == 'F') {
		if (pty_recv_fd(h->cfd[i], &tfd) < 0) {
			err_clear();
			return;
		}
		if (h->master >= 0 && pty_copy_winsize(tfd, h->master) < 0)
			err_clear();
		close(tfd);
		return;
	}
	n = recv(h->cfd[i], buf, sizeof(buf), 0);
	if (n > 1 && buf[0] == 'i' && h->in >= 0 && write(h->in, buf + 1, (size_t)n - 1) < 0)
		err_clear();	/* nobody reads it: dropped */
}

void attach_hub_poll(struct attach_hub *h, const struct pollfd *f, size_t n)
{
	if (!n)
		return;
	for (size_t i = 0; i < ATTACH_CLIENTS && i + 1 < n; i++)
		if (f[i + 1].revents && h->cfd[i] >= 0) {
			if (f[i + 1].revents & POLLIN)
				attach_from(h, i);
			else
				attach_drop(h, i);
		}
	if (f[0].revents & POLLIN)
		attach_accept(h);
}

static void attach_send(struct attach_hub *h, char type, const void *buf, size_t n)
{
	char rec[ATTACH_REC + 1];

	rec[0] = type;
	memcpy(rec + 1, buf, n);
	for (size_t i = 0; i < ATTACH_CLIENTS; i++)
		if (h->cfd[i] >= 0 && send(h->cfd[i], rec, n + 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			attach_drop(h, i);
}

void attach_hub_out(struct attach_hub *h, int stream, const void *buf, size_t n)
{
	const char *p = buf;

	if (!h->dir || h->lfd < 0)
		return;
	for (size_t k; n; p += k, n -= k) {
		k = n < ATTACH_REC ? n : ATTACH_REC;
		attach_send(h, stream == 2 ? 'e' : 'o', p, k);
	}
}

void attach_hub_close(struct attach_hub *h, int status)
{
	char num[16];
	int n = snprintf(num, sizeof(num), "%d", status);
	autoclose int dfd = -1;

	if (!h->dir)
		return;
	if (h->lfd < 0)
		goto out;
	attach_send(h, 'x', num, (size_t)n);
	for (size_t i = 0; i < ATTACH_CLIENTS; i++)
		if (h->cfd[i] >= 0)
			attach_drop(h, i);
	close(TAKE_FD(h->lfd));
	dfd = openat(AT_FDCWD, h->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0)
		unlinkat(dfd, "attach.sock", 0);
out:
	free(h->dir);
	h->dir = NULL;
}

/* ---- detach keys (Docker's moby/term ToBytes grammar) ---- */

static int attach_ctrl_key(const char *k, unsigned char *out)
{
	static const char punct[] = "@[\\]^_";
	const char *p;

	if (k[0] >= 'a' && k[0] <= 'z' && !k[1]) {
		*out = (unsigned char)(k[0] - 'a' + 1);
		return 0;
	}
	p = k[0] && !k[1] ? strchr(punct, k[0]) : NULL;
	if (!p)
		return -EINVAL;
	*out = (unsigned char)(p - punct + (*k == '@' ? 0 : 26));
	return 0;
}

int attach_keys_parse(const char *s, unsigned char keys[ATTACH_KEYS_MAX], size_t *n)
{
	autofree char *copy = xstrdup(s);
	char *save = NULL;
	bool ok = true;

	*n = 0;
	for (char *k = strtok_r(copy, ",", &save); k && ok; k = strtok_r(NULL, ",", &save)) {
		ok = *n < ATTACH_KEYS_MAX;
		if (ok && !strncmp(k, "ctrl-", 5))
			ok = attach_ctrl_key(k + 5, &keys[*n]) == 0;
		else if (ok && strlen(k) == 1)
			keys[*n] = (unsigned char)k[0];
		else
			ok = false;
		(*n)++;
	}
	if (ok && *n)
		return 0;
	*n = 0;
	return err_setx(EINVAL, "invalid detach keys \"%s\" (use a letter or ctrl-KEY, comma "
			"separated, such as ctrl-p,ctrl-q)", s);
}

size_t attach_esc_feed(struct attach_esc *e, const char *in, size_t n, char *out, bool *detach)
{
	size_t k = 0;

	*detach = false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == e->keys[e->matched]) {
			if (++e->matched == e->n) {
				e->matched = 0;
				*detach = true;
				return k;
			}
			continue;
		}
		/* the held bytes were input after all; c may begin the keys */
		memcpy(out + k, e->keys, e->matched);
		k += e->matched;
		e->matched = 0;
		if (c == e->keys[0] && e->n > 1)
			e->matched = 1;
		else if (c == e->keys[0])
			*detach = true;
		else
			out[k++] = (char)c;
		if (*detach)
			return k;
	}
	return k;
}
