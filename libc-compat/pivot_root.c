// SPDX-License-Identifier: Apache-2.0
/* pivot_root.c - the pivot_root(2) wrapper musl does not provide. */
#include <sys/syscall.h>
#include <unistd.h>

#include "libc-compat/compat.h"

int compat_pivot_root(const char *new_root, const char *put_old)
{
	return (int)syscall(SYS_pivot_root, new_root, put_old);
}
