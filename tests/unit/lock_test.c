// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "core/util/err.h"
#include "core/util/lock.h"
#include "tap.h"

/* A fresh directory in d and its file "lock" in f (no heap: the forked
 * children exit without freeing, and valgrind follows them). */
static void tmpdir(char d[64], char f[80])
{
	snprintf(d, 64, "/tmp/dory-lock-XXXXXX");
	if (!mkdtemp(d))
		abort();
	snprintf(f, 80, "%s/lock", d);
}

static void rmdir_with(const char *d, const char *f)
{
	unlink(f);
	rmdir(d);
}

/* fork with nothing buffered: a child must not print the parent's TAP. */
static pid_t tfork(void)
{
	fflush(stdout);
	return fork();
}

static int child_status(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* true when fd becomes readable within ms milliseconds. */
static bool readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1;
}

TEST(lock_shared_excl_try)
{
	char d[64], f[80];
	int a, b, c;

	tmpdir(d, f);
	/* flock conflicts between open files, even within one process. */
	a = lock_open(f, LOCK_SHARED);
	CHECK(a >= 0);
	b = lock_open(f, LOCK_SHARED | LOCK_TRY);
	CHECK(b >= 0);
	c = lock_open(f, LOCK_EXCL | LOCK_TRY);
	CHECK_EQ_INT(c, -EWOULDBLOCK);
	CHECK(strstr(err_str(), "locked by another process") != NULL);
	lock_close(b);
	CHECK_EQ_INT(lock_fd(a, LOCK_EXCL | LOCK_TRY), 0);	/* upgrade when alone */
	c = lock_open(f, LOCK_SHARED | LOCK_TRY);
	CHECK_EQ_INT(c, -EWOULDBLOCK);
	CHECK_EQ_INT(lock_fd(a, LOCK_SHARED), 0);
	c = lock_open(f, LOCK_SHARED | LOCK_TRY);
	CHECK(c >= 0);
	CHECK(fcntl(c, F_GETFD) & FD_CLOEXEC);
	lock_close(c);
	lock_close(a);
	lock_close(-1);
	rmdir_with(d, f);
}

TEST(lock_dead_holder_is_free)
{
	char d[64], f[80];
	pid_t pid;
	int fd;

	tmpdir(d, f);
	pid = tfork();
	if (pid == 0) {
		if (lock_open(f, LOCK_EXCL) < 0)
			_exit(1);
		raise(SIGKILL);
	}
	CHECK_EQ_INT(child_status(pid), 128 + SIGKILL);
	fd = lock_open(f, LOCK_EXCL | LOCK_TRY);
	CHECK(fd >= 0);
	lock_close(fd);
	rmdir_with(d, f);
}

TEST(lock_waits_for_holder)
{
	char d[64], f[80];
	int fd, p[2];
	pid_t pid;

	tmpdir(d, f);
	fd = lock_open(f, LOCK_EXCL);
	CHECK(fd >= 0);
	CHECK_EQ_INT(pipe2(p, O_CLOEXEC), 0);
	pid = tfork();
	if (pid == 0) {
		int l;

		close(fd);	/* our copy of the parent's lock would keep it held */
		l = lock_open(f, LOCK_SHARED);

		_exit(l >= 0 && write(p[1], "x", 1) == 1 ? 0 : 1);
	}
	close(p[1]);
	CHECK(!readable(p[0], 200));	/* still waiting */
	lock_close(fd);
	CHECK(readable(p[0], 5000));
	CHECK_EQ_INT(child_status(pid), 0);
	close(p[0]);
	rmdir_with(d, f);
}

TEST(lock_unlinked_while_held_is_retaken)
{
	char d[64], f[80];
	int fd, p[2];
	pid_t pid;

	tmpdir(d, f);
	fd = lock_open(f, LOCK_EXCL);
	CHECK(fd >= 0);
	CHECK_EQ_INT(pipe2(p, O_CLOEXEC), 0);
	pid = tfork();
	if (pid == 0) {
		struct stat a, b;
		int l;

		close(fd);
		l = lock_open(f, LOCK_EXCL);

		/* The lock we got must be on the file now named f. */
		if (l < 0 || fstat(l, &a) < 0 || stat(f, &b) < 0 || a.st_ino != b.st_ino)
			_exit(1);
		_exit(write(p[1], "x", 1) == 1 ? 0 : 1);
	}
	close(p[1]);
	CHECK(!readable(p[0], 200));
	CHECK_EQ_INT(unlink(f), 0);	/* the holder removes the file, then lets go */
	lock_close(fd);
	CHECK(readable(p[0], 5000));
	CHECK_EQ_INT(child_status(pid), 0);
	close(p[0]);
	rmdir_with(d, f);
}

TEST(lock_errors)
{
	char d[64], f[80];

	tmpdir(d, f);
	snprintf(f, sizeof(f), "%s/missing/lock", d);
	CHECK_EQ_INT(lock_open(f, LOCK_SHARED), -ENOENT);
	CHECK(strstr(err_str(), "missing/lock") != NULL);
	CHECK_EQ_INT(lock_fd(-1, LOCK_SHARED), -EBADF);
	rmdir(d);
}
