// SPDX-License-Identifier: Apache-2.0
/* store_util.c - the store's crash-safe file writes (tmp/ name, fsync,
 * rename, fsync dir), JSON file reads, and a careful recursive removal. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/store/store_int.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/json.h"
#include "core/util/xalloc.h"

/* "DIR/" for a directory under ROOT, "" for ROOT itself, in messages. */
#define DSEP(d) (d), (*(d) ? "/" : "")

int store_fsync_dir(int dirfd, const char *name)
{
	if (fsync(dirfd) < 0 && errno != EINVAL && errno != EROFS)
		return err_set(errno, "sync directory %s", *name ? name : "(store root)");
	return 0;
}

int store_tmp_create(struct store *st, const char *base, char name[STORE_TMPNAME])
{
	struct timespec ts;

	for (int i = 0; i < 1000; i++) {
		int fd;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		snprintf(name, STORE_TMPNAME, "%.64s.%d.%lx.%d", base, (int)getpid(),
			 (unsigned long)ts.tv_nsec, i);
		fd = openat(st->tmpfd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    0644);
		if (fd >= 0)
			return fd;
		if (errno != EEXIST && errno != EINTR)
			return err_set(errno, "create %s/tmp/%s", st->root, name);
	}
	return err_setx(EEXIST, "create a file in %s/tmp: no free name", st->root);
}

/* fsync, close and rename tmp/tname to dirfd/name, then sync dirfd. */
static int store_tmp_commit(struct store *st, int fd, const char *tname, int dirfd,
			    const char *dname, const char *name)
{
	if (fsync(fd) < 0) {
		err_set(errno, "sync %s/tmp/%s", st->root, tname);
		close(fd);
		return -err_errno();
	}
	close(fd);
	if (renameat(st->tmpfd, tname, dirfd, name) < 0)
		return err_set(errno, "rename %s/tmp/%s to %s/%s%s%s", st->root, tname, st->root,
			       DSEP(dname), name);
	return store_fsync_dir(dirfd, dname);
}

int store_write_atomic(struct store *st, int dirfd, const char *dname, const char *name,
		       const void *p, size_t n)
{
	char tname[STORE_TMPNAME];
	int fd = store_tmp_create(st, name, tname), r;

	if (fd < 0)
		return fd;
	r = fsutil_write_full(fd, p, n);
	if (r < 0) {
		err_set(-r, "write %s/tmp/%s", st->root, tname);
		close(fd);
	} else {
		r = store_tmp_commit(st, fd, tname, dirfd, dname, name);
	}
	if (r < 0)
		unlinkat(st->tmpfd, tname, 0);
	return r;
}

int store_write_json(struct store *st, int dirfd, const char *dname, const char *name,
		     const struct json *j)
{
	autofree char *s = json_print(j, false);

	return store_write_atomic(st, dirfd, dname, name, s, strlen(s));
}

struct json *store_read_json(struct store *st, int dirfd, const char *dname, const char *name,
			     size_t max)
{
	autoclose int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	autofree char *buf = NULL;
	struct json *j;
	struct stat sb;
	ssize_t r;

	if (fd < 0 || fstat(fd, &sb) < 0) {
		err_set(errno, "%s/%s%s%s", st->root, DSEP(dname), name);
		return NULL;
	}
	if (!S_ISREG(sb.st_mode) || (unsigned long long)sb.st_size > max) {
		err_setx(EFBIG, "%s/%s%s%s is not a regular file of at most %zu bytes", st->root,
			 DSEP(dname), name, max);
		return NULL;
	}
	buf = xmalloc((size_t)sb.st_size + 1);
	r = fsutil_read_full(fd, buf, (size_t)sb.st_size);
	if (r < 0) {
		err_set((int)-r, "read %s/%s%s%s", st->root, DSEP(dname), name);
		return NULL;
	}
	j = json_parse(buf, (size_t)r);
	if (!j)
		err_ctx("%s/%s%s%s", st->root, DSEP(dname), name);
	return j;
}

int store_list_dir(struct store *st, int dirfd, const char *dname, struct strv *names)
{
	int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	struct dirent *e;
	DIR *d;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return err_set(errno, "read %s/%s", st->root, dname);
	}
	rewinddir(d);
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			strv_push(names, e->d_name);
	}
	closedir(d);
	return 0;
}

/* ---- recursive removal ---- */

/* Open directory dirfd/name for emptying: on the same device as the tree's
 * top (never into a mount), and with u+rwx so its entries can go. */
static int rmtree_open(int dirfd, const char *name, dev_t dev)
{
	int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	int fd = openat(dirfd, name, flags);
	struct stat sb;

	if (fd < 0 && errno == EACCES && fchmodat(dirfd, name, 0700, 0) == 0)
		fd = openat(dirfd, name, flags);
	if (fd < 0)
		return err_set(errno, "open %s", name);
	if (fstat(fd, &sb) < 0) {
		err_set(errno, "stat %s", name);
		close(fd);
		return -err_errno();
	}
	if (sb.st_dev != dev) {
		close(fd);
		return err_setx(EXDEV, "%s is a mount point: not removing what is mounted there",
				name);
	}
	if ((sb.st_mode & 0700) != 0700)
		fchmod(fd, (sb.st_mode & 07777) | 0700);
	return fd;
}

/* Remove one entry of dirfd that is not a non-empty directory. Returns 0
 * when it is gone, 1 for a directory that still has entries. */
static int rmtree_entry(int dirfd, const char *name, unsigned long long *bytes)
{
	struct stat sb;

	if (fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : err_set(errno, "stat %s", name);
	if (S_ISDIR(sb.st_mode)) {
		if (unlinkat(dirfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
			return 0;
		if (errno == ENOTEMPTY || errno == EEXIST)
			return 1;
		return err_set(errno, "remove %s", name);
	}
	if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
		return err_set(errno, "remove %s", name);
	if (bytes && S_ISREG(sb.st_mode))
		*bytes += (unsigned long long)sb.st_size;
	return 0;
}

/* Empty the directory *cur, or stop at its first non-empty subdirectory:
 * then *cur becomes that (its name pushed on stack) and the result is 1. */
static int rmtree_scan(int *cur, dev_t dev, struct strv *stack, unsigned long long *bytes)
{
	int fd = fcntl(*cur, F_DUPFD_CLOEXEC, 0), r = 0;
	struct dirent *e;
	DIR *d;

	if (fd < 0 || !(d = fdopendir(fd))) {
		r = err_set(errno, "read directory %s", stack->v[stack->n - 1]);
		if (fd >= 0)
			close(fd);
		return r;
	}
	rewinddir(d);
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		r = rmtree_entry(*cur, e->d_name, bytes);
		if (r <= 0) {
			if (r < 0)
				break;
			continue;
		}
		r = rmtree_open(*cur, e->d_name, dev);
		if (r >= 0) {
			close(*cur);
			*cur = r;
			strv_push(stack, e->d_name);
			r = 1;
		}
		break;
	}
	closedir(d);
	return r;
}

/*
 * Depth-first with one directory fd at a time and a stack of names, going
 * back up through "..": a hostile tree (a layer is untrusted input) can be
 * deeper than the fd limit or the C stack allows. The trees removed here
 * are the store's own, which nobody else renames meanwhile.
 */
int store_rmtree_at(int dirfd, const char *name, unsigned long long *bytes)
{
	struct strv stack = { 0 };
	struct stat sb;
	int cur, r = 0;

	r = rmtree_entry(dirfd, name, bytes);
	if (r <= 0)
		return r;
	if (fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return err_set(errno, "stat %s", name);
	cur = rmtree_open(dirfd, name, sb.st_dev);
	if (cur < 0)
		return cur;
	strv_push(&stack, name);
	while (stack.n) {
		int parent;

		r = rmtree_scan(&cur, sb.st_dev, &stack, bytes);
		if (r < 0)
			break;
		if (r == 1)
			continue;
		parent = dirfd;
		if (stack.n > 1 && (parent = openat(cur, "..", O_RDONLY | O_DIRECTORY |
						   O_CLOEXEC)) < 0) {
			r = err_set(errno, "open the parent of %s", stack.v[stack.n - 1]);
			break;
		}
		close(cur);
		cur = parent;
		if (unlinkat(cur, stack.v[stack.n - 1], AT_REMOVEDIR) < 0 && errno != ENOENT) {
			r = err_set(errno, "remove %s", stack.v[stack.n - 1]);
			break;
		}
		free(stack.v[--stack.n]);
		stack.v[stack.n] = NULL;
	}
	if (cur != dirfd && cur >= 0)
		close(cur);
	strv_free(&stack);
	return r < 0 ? r : 0;
}
