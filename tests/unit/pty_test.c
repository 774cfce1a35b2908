// SPDX-License-Identifier: Apache-2.0
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "core/kernel/pty.h"
#include "tap.h"

TEST(pty_pair_carries_bytes_and_sizes)
{
	int m, s, n;
	char buf[16];
	struct winsize ws;

	CHECK_EQ_INT(pty_open(&m, &s), 0);
	CHECK(isatty(s));
	CHECK_EQ_INT(write(s, "hi", 2), 2);
	n = (int)read(m, buf, sizeof(buf));
	CHECK_EQ_INT(n, 2);
	/* A pty that reports 0x0, like a serial console, gives 80x24. */
	ws = (struct winsize){ 0 };
	ioctl(m, TIOCSWINSZ, &ws);
	CHECK_EQ_INT(pty_copy_winsize(m, s), 0);
	CHECK_EQ_INT(ioctl(s, TIOCGWINSZ, &ws), 0);
	CHECK_EQ_INT(ws.ws_row, 24);
	CHECK_EQ_INT(ws.ws_col, 80);
	close(m);
	close(s);
}

TEST(pty_raw_mode_and_restore)
{
	struct termios saved, now;
	int m, s;

	CHECK_EQ_INT(pty_open(&m, &s), 0);
	CHECK_EQ_INT(pty_make_raw(s, &saved), 0);
	tcgetattr(s, &now);
	CHECK(!(now.c_lflag & (ICANON | ECHO)));
	pty_restore(s, &saved);
	tcgetattr(s, &now);
	CHECK(now.c_lflag & ICANON);
	close(m);
	close(s);
}

TEST(pty_fd_passing)
{
	int sv[2], fd = -1;

	CHECK_EQ_INT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	CHECK_EQ_INT(pty_send_fd(sv[0], 1), 0);
	CHECK_EQ_INT(pty_recv_fd(sv[1], &fd), 0);
	CHECK(fd > 2);
	close(fd);
	close(sv[0]);
	CHECK(pty_recv_fd(sv[1], &fd) < 0);	/* peer closed: an error, not a hang */
	close(sv[1]);
}
