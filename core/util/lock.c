// SPDX-License-Identifier: Apache-2.0
/* lock.c - flock(2) with the EINTR retry in one place, and the open-lock-
 * recheck loop that makes a lock file safe to unlink while it is held. */
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "core/util/err.h"
#include "core/util/lock.h"

/* flock, retried on EINTR; 0 or -errno with nothing recorded. */
static int lock_flock(int fd, unsigned flags)
{
	int op = (flags & LOCK_EXCL ? LOCK_EX : LOCK_SH) | (flags & LOCK_TRY ? LOCK_NB : 0);

	while (flock(fd, op) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

int lock_fd(int fd, unsigned flags)
{
	int r = lock_flock(fd, flags);

	if (r == -EWOULDBLOCK)
		return err_setx(EWOULDBLOCK, "locked by another process");
	if (r < 0)
		return err_set(-r, "lock");
	return 0;
}

/* Open name for locking: read-write and created when we may, else read-only
 * (flock works on any fd, so a read-only store can still be shared). */
static int lock_open_file(int dirfd, const char *name)
{
	int fd;

	do
		fd = openat(dirfd, name, O_RDWR | O_CREAT | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC,
			    0644);
	while (fd < 0 && errno == EINTR);
	if (fd >= 0 || (errno != EACCES && errno != EROFS && errno != EPERM))
		return fd < 0 ? -errno : fd;
	do
		fd = openat(dirfd, name, O_RDONLY | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	return fd < 0 ? -errno : fd;
}

/* true when fd is still the file named dirfd/name (not unlinked or replaced
 * while we waited for its lock). */
static bool lock_is_current(int dirfd, const char *name, int fd)
{
	struct stat a, b;

	if (fstat(fd, &a) < 0 || fstatat(dirfd, name, &b, AT_SYMLINK_NOFOLLOW) < 0)
		return false;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int lock_open_at(int dirfd, const char *name, unsigned flags)
{
	for (;;) {
		int fd = lock_open_file(dirfd, name), r;

		if (fd < 0)
			return err_set(-fd, "open lock file %s", name);
		r = lock_flock(fd, flags);
		if (r < 0) {
			close(fd);
			if (r == -EWOULDBLOCK)
				return err_setx(EWOULDBLOCK, "%s is locked by another process",
						name);
			return err_set(-r, "lock %s", name);
		}
		if (lock_is_current(dirfd, name, fd))
			return fd;
		close(fd);	/* the holder removed it: lock the new one */
	}
}

int lock_open(const char *path, unsigned flags)
{
	return lock_open_at(AT_FDCWD, path, flags);
}

void lock_close(int fd)
{
	if (fd >= 0)
		close(fd);
}
