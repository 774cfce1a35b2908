// SPDX-License-Identifier: Apache-2.0
/* sigfd.h - signals read from a descriptor: block a set and open a
 * signalfd for it, so that a poll loop sees them with its other fds. */
#ifndef DORY_SIGFD_H
#define DORY_SIGFD_H

#include <signal.h>

/* Block set (the mask before into *old) and return a non-blocking,
 * close-on-exec signalfd reading it; -errno with the mask restored. */
int sigfd_block(const sigset_t *set, sigset_t *old);

#endif
