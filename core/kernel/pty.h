// SPDX-License-Identifier: Apache-2.0
/* pty.h - pseudo-terminals: open a pair, raw mode on the caller's terminal,
 * window sizes, and passing the master fd between processes. */
#ifndef DORY_PTY_H
#define DORY_PTY_H

#include <termios.h>

#include "core/util/base.h"

/* Open a new pty in the current /dev/pts; *slave is the opened slave. */
int pty_open(int *master, int *slave);
/* Put fd in raw mode, saving the old settings into *saved. */
int pty_make_raw(int fd, struct termios *saved);
void pty_restore(int fd, const struct termios *saved);
/* Copy the window size of from to to; a terminal that reports 0x0 (a
 * serial console) gives 80x24. */
int pty_copy_winsize(int from, int to);
/* Send fd over the unix socket sock (SCM_RIGHTS) / receive one. */
int pty_send_fd(int sock, int fd);
int pty_recv_fd(int sock, int *fd);

#endif
