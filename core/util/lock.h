// SPDX-License-Identifier: Apache-2.0
/* lock.h - advisory whole-file locks (flock(2)), shared or exclusive, waiting
 * or not. Where lock files live is the caller's business (see store.h). */
#ifndef DORY_LOCK_H
#define DORY_LOCK_H

/*
 * A flock lock belongs to the open file description: it dies with the last
 * fd referring to it, so a lock held by a dead process is free, and a
 * crashed holder never needs cleaning up. A forked child shares its parent's
 * lock until one of them closes the fd (every fd here is O_CLOEXEC, so an
 * exec'd program never inherits one).
 */
enum lock_flags {
	LOCK_SHARED = 0,	/* readers: any number at once */
	LOCK_EXCL = 1,		/* one holder, no shared holders */
	LOCK_TRY = 2,		/* do not wait: -EWOULDBLOCK when held */
};

/*
 * Open dirfd/name (created 0644 if missing, read-only if it cannot be
 * created or written) and lock it as flags say, waiting unless LOCK_TRY.
 * Returns the locked fd (O_CLOEXEC) or -errno. The lock is checked to be on
 * the file still named dirfd/name: a holder may unlink the file before it
 * closes the fd, and a waiter then retries on the new file of that name.
 */
int lock_open_at(int dirfd, const char *name, unsigned flags);
/* lock_open_at for a path (relative paths from the working directory). */
int lock_open(const char *path, unsigned flags);
/*
 * Lock (or change the lock on) an open fd: shared <-> exclusive. Not
 * atomic: flock drops the old lock before it takes the new one, so another
 * process may get in between. 0 or -errno (-EWOULDBLOCK with LOCK_TRY).
 */
int lock_fd(int fd, unsigned flags);
/* Release: close the fd (and with it the lock); -1 is fine. */
void lock_close(int fd);

#endif
