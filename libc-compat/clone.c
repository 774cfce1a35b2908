// SPDX-License-Identifier: Apache-2.0
/* clone.c - fork-like clone(2) with namespace flags. With a NULL stack and
 * zero pointer arguments the argument order, which differs between
 * architectures, does not matter. */
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "libc-compat/compat.h"

pid_t compat_clone_fork(unsigned long flags)
{
	return (pid_t)syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
}
