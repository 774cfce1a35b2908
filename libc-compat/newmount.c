// SPDX-License-Identifier: Apache-2.0
/* newmount.c - fsopen(2), fsconfig(2), fsmount(2), move_mount(2) by number.
 * Kernels before 5.2 answer ENOSYS, which callers take as "use mount(2)". */
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "libc-compat/compat.h"

int compat_fsopen(const char *fsname, unsigned int flags)
{
#ifdef SYS_fsopen
	return (int)syscall(SYS_fsopen, fsname, flags);
#else
	(void)fsname, (void)flags;
	errno = ENOSYS;
	return -1;
#endif
}

int compat_fsconfig(int fd, unsigned int cmd, const char *key, const void *value, int aux)
{
#ifdef SYS_fsconfig
	return (int)syscall(SYS_fsconfig, fd, cmd, key, value, aux);
#else
	(void)fd, (void)cmd, (void)key, (void)value, (void)aux;
	errno = ENOSYS;
	return -1;
#endif
}

int compat_fsmount(int fd, unsigned int flags, unsigned int attr_flags)
{
#ifdef SYS_fsmount
	return (int)syscall(SYS_fsmount, fd, flags, attr_flags);
#else
	(void)fd, (void)flags, (void)attr_flags;
	errno = ENOSYS;
	return -1;
#endif
}

int compat_move_mount(int from_dfd, const char *from_path, int to_dfd, const char *to_path,
		      unsigned int flags)
{
#ifdef SYS_move_mount
	return (int)syscall(SYS_move_mount, from_dfd, from_path, to_dfd, to_path, flags);
#else
	(void)from_dfd, (void)from_path, (void)to_dfd, (void)to_path, (void)flags;
	errno = ENOSYS;
	return -1;
#endif
}
