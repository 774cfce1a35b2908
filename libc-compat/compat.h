// SPDX-License-Identifier: Apache-2.0
/* compat.h - what musl (or an older kernel's headers) lacks: syscall
 * wrappers and constants. One .c file per gap. */
#ifndef DORY_COMPAT_H
#define DORY_COMPAT_H

#include <sys/types.h>

/* pivot_root(2): musl has no wrapper. */
int compat_pivot_root(const char *new_root, const char *put_old);

/* fork(2) into new namespaces: clone(2) without a new stack, so the child
 * returns here like fork() does. Only for single-threaded callers. */
pid_t compat_clone_fork(unsigned long flags);

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

#endif
