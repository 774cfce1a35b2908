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
/* Every descriptor from low up close-on-exec (before an execve that must
 * not pass on what the caller inherited). */
void compat_cloexec_from(int low);

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

/* The new mount API (Linux 5.2): musl has no wrappers, and glibc's clash
 * with <linux/mount.h>, so our own names for what we use. */
int compat_fsopen(const char *fsname, unsigned int flags);
int compat_fsconfig(int fd, unsigned int cmd, const char *key, const void *value, int aux);
int compat_fsmount(int fd, unsigned int flags, unsigned int attr_flags);
int compat_move_mount(int from_dfd, const char *from_path, int to_dfd, const char *to_path,
		      unsigned int flags);
enum {
	COMPAT_FSOPEN_CLOEXEC = 0x01,
	COMPAT_FSCONFIG_SET_FLAG = 0,
	COMPAT_FSCONFIG_SET_STRING = 1,
	COMPAT_FSCONFIG_CMD_CREATE = 6,
	COMPAT_FSMOUNT_CLOEXEC = 0x01,
	COMPAT_MOUNT_ATTR_RDONLY = 0x01,
	COMPAT_MOVE_MOUNT_F_EMPTY_PATH = 0x04,
	COMPAT_MOVE_MOUNT_T_EMPTY_PATH = 0x40,
};

#endif
