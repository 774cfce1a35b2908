// SPDX-License-Identifier: Apache-2.0
/* pty.c - pty plumbing. The container's pty is opened inside the container
 * (its own devpts instance) and the master is handed to the caller, so
 * `tty` in the container names a device that exists there. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "core/kernel/pty.h"
#include "core/util/err.h"

int pty_open(int *master, int *slave)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC), s;
	char name[64];

	if (m < 0)
		return err_set(errno, "open /dev/ptmx");
	if (unlockpt(m) < 0 || ptsname_r(m, name, sizeof(name))) {
		err_set(errno, "unlock pty");
		close(m);
		return -err_errno();
	}
	s = openat(AT_FDCWD, name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0) {
		err_set(errno, "open %s", name);
		close(m);
		return -err_errno();
	}
	*master = m;
	*slave = s;
	return 0;
}

int pty_make_raw(int fd, struct termios *saved)
{
	struct termios t;

	if (tcgetattr(fd, saved) < 0)
		return err_set(errno, "get terminal settings");
	t = *saved;
	cfmakeraw(&t);
	if (tcsetattr(fd, TCSANOW, &t) < 0)
		return err_set(errno, "set terminal to raw mode");
	return 0;
}

void pty_restore(int fd, const struct termios *saved)
{
	while (tcsetattr(fd, TCSANOW, saved) < 0 && errno == EINTR)
		;
}

int pty_copy_winsize(int from, int to)
{
	struct winsize ws = { 0 };

	if (ioctl(from, TIOCGWINSZ, &ws) < 0 || !ws.ws_row || !ws.ws_col) {
		ws.ws_row = 24;
		ws.ws_col = 80;
	}
	if (ioctl(to, TIOCSWINSZ, &ws) < 0)
		return err_set(errno, "set window size");
	return 0;
}

int pty_send_fd(int sock, int fd)
{
	char c = 'F';
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm;

	memset(&u, 0, sizeof(u));
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	while (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0)
		if (errno != EINTR)
			return err_set(errno, "send pty");
	return 0;
}

int pty_recv_fd(int sock, int *fd)
{
	char c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm;
	ssize_t n;

	while ((n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0)
		if (errno != EINTR)
			return err_set(errno, "receive pty");
	cm = CMSG_FIRSTHDR(&msg);
	if (n == 0 || !cm || cm->cmsg_type != SCM_RIGHTS)
		return err_setx(EPIPE, "receive pty: the container side closed");
	memcpy(fd, CMSG_DATA(cm), sizeof(int));
	return 0;
}
