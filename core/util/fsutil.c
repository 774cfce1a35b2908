// SPDX-License-Identifier: Apache-2.0
/* fsutil.c - the EINTR-retrying I/O loops and directory helpers. Errors are
 * recorded with the path involved. */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/xalloc.h"

ssize_t fsutil_read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

int fsutil_write_full(int fd, const void *buf, size_t n)
{
	while (n) {
		ssize_t r = write(fd, buf, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		buf = (const char *)buf + r;
		n -= (size_t)r;
	}
	return 0;
}

int fsutil_write_at(int dirfd, const char *name, const char *s)
{
	autoclose int fd = openat(dirfd, name, O_WRONLY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return err_set(errno, "open %s", name);
	r = fsutil_write_full(fd, s, strlen(s));
	if (r < 0)
		return err_set(-r, "write %s", name);
	return 0;
}

int fsutil_read_file(const char *path, char **out)
{
	autoclose int fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	size_t cap = 4096, len = 0;
	autofree char *buf = NULL;

	if (fd < 0)
		return err_set(errno, "open %s", path);
	buf = xmalloc(cap);
	for (;;) {
		ssize_t r = fsutil_read_full(fd, buf + len, cap - len - 1);

		if (r < 0)
			return err_set((int)-r, "read %s", path);
		len += (size_t)r;
		if (len < cap - 1)
			break;
		cap *= 2;
		buf = xrealloc(buf, cap);
	}
	buf[len] = '\0';
	*out = TAKE(buf);
	return 0;
}

int fsutil_mkdir_p(const char *path, mode_t mode)
{
	struct stat st;

	/* Mostly the path is there, or all but its last part: one call. */
	if (mkdir(path, mode) == 0)
		return 0;
	if (errno == ENOENT) {
		autofree char *p = xstrdup(path);

		for (char *s = p + 1; *s; s++) {
			if (*s != '/')
				continue;
			*s = '\0';
			if (mkdir(p, mode) < 0 && errno != EEXIST)
				return err_set(errno, "mkdir %s", p);
			*s = '/';
		}
		if (mkdir(path, mode) == 0)
			return 0;
	}
	if (errno != EEXIST)
		return err_set(errno, "mkdir %s", path);
	if (stat(path, &st) < 0)
		return err_set(errno, "stat %s", path);
	if (!S_ISDIR(st.st_mode))
		return err_setx(ENOTDIR, "%s exists and is not a directory", path);
	return 0;
}

int fsutil_poll(int fd, short ev, int ms)
{
	struct pollfd p = { .fd = fd, .events = ev };
	int r;

	do
		r = poll(&p, 1, ms);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	return r ? 0 : -ETIMEDOUT;
}

int fsutil_write_atomic(const char *path, const char *s, bool durable)
{
	autofree char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	autofree char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	int fd = openat(AT_FDCWD, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int r;

	if (fd < 0)
		return err_set(errno, "create %s", tmp);
	r = fsutil_write_full(fd, s, strlen(s));
	if (r == 0 && durable && fsync(fd) < 0)
		r = -errno;
	close(fd);
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return err_set(-r, "write %s", path);
	}
	if (durable && slash) {
		*slash = '\0';
		fd = openat(AT_FDCWD, *dir ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0) {
			fsync(fd);
			close(fd);
		}
	}
	return 0;
}

void fsutil_rmtree_scratch(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	autoclosedir DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *e;

	if (fd >= 0 && !d)
		close(fd);
	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			fsutil_rmtree_scratch(fd, e->d_name);
	if (unlinkat(dfd, name, AT_REMOVEDIR) < 0)
		unlinkat(dfd, name, 0);
}

unsigned long long fsutil_tree_bytes(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	autoclosedir DIR *d = fd < 0 ? NULL : fdopendir(fd);
	unsigned long long n = 0;
	struct dirent *e;
	struct stat top, st;

	if (fd >= 0 && !d)
		close(fd);
	if (!d || fstat(fd, &top) < 0)
		return 0;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != top.st_dev)
			continue;
		if (S_ISDIR(st.st_mode))
			n += fsutil_tree_bytes(fd, e->d_name);
		else if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))
			n += (unsigned long long)st.st_size;
	}
	return n;
}
