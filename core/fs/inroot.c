// SPDX-License-Identifier: Apache-2.0
/* inroot.c - path resolution confined to a root directory: a container's
 * root seen from the host (cp), where a symlink to /etc must not lead out,
 * or from inside before its mounts (a volume's or bind's mount point, made
 * when missing). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifdef SYS_openat2
#include <linux/openat2.h>
#endif

#include "core/fs/inroot.h"
#include "core/util/err.h"
#include "core/util/xalloc.h"

enum { INROOT_LINKS = 40, INROOT_DEPTH = 256 };

static bool inroot_walk_only;

void inroot_force_walk(bool on)
{
	inroot_walk_only = on;
}

static int inroot_fast(int rootfd, const char *path, bool follow)
{
#ifdef SYS_openat2
	struct open_how how = { .flags = O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW),
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	int fd = (int)syscall(SYS_openat2, rootfd, *path ? path : ".", &how, sizeof(how));

	if (fd >= 0 || (errno != ENOSYS && errno != EPERM && errno != E2BIG &&
			 errno != EAGAIN && errno != EINVAL))
		return fd < 0 ? -errno : fd;
#else
	(void)rootfd, (void)path, (void)follow;
#endif
	return -ENOSYS;
}

/* The walk: a stack of directory fds (stack[0] is the root, not ours),
 * so ".." pops and never goes above the root. With make, what is missing
 * is made: directories with mode, the last one a file unless dir. */
struct walk {
	int stack[INROOT_DEPTH];
	int depth;
	int links;
	bool make, dir;
	mode_t mode;
};

static void walk_pop(struct walk *w)
{
	if (w->depth > 0)
		close(w->stack[w->depth--]);
}

static void walk_reset(struct walk *w)
{
	while (w->depth > 0)
		walk_pop(w);
}

/* Make the missing name in the directory on top, a directory or (the last
 * component) an empty file with the mode less its x bits, and open it as
 * the walk does. Someone else's making it meanwhile is fine: what is there
 * is opened. An fd, or -1 with errno. */
static int walk_make(struct walk *w, const char *name, bool last)
{
	int dfd = w->stack[w->depth], fd;

	if (!last || w->dir)
		fd = mkdirat(dfd, name, w->mode);
	else if ((fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC |
			      O_NOCTTY, w->mode & 0666)) >= 0)
		close(fd);
	if (fd < 0 && errno != EEXIST)
		return -1;
	return openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
}

/* Resolve rest (modified) from the top of the stack; the last component is
 * left open on top (a symlink itself when !follow). */
static int walk_path(struct walk *w, char *rest, bool follow)
{
	char *name, *save = NULL;

	if (*rest == '/')
		walk_reset(w);
	for (name = strtok_r(rest, "/", &save); name; name = strtok_r(NULL, "/", &save)) {
		bool last = !save || !save[strspn(save, "/")];
		char link[PATH_MAX];
		struct stat st;
		ssize_t n;
		int fd;

		if (!strcmp(name, "."))
			continue;
		if (!strcmp(name, "..")) {
			walk_pop(w);
			continue;
		}
		fd = openat(w->stack[w->depth], name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT && w->make)
			fd = walk_make(w, name, last);
		if (fd < 0 || fstat(fd, &st) < 0)
			return fd < 0 ? -errno : (close(fd), -errno);
		if (!S_ISLNK(st.st_mode) || (last && !follow)) {
			if (!last && !S_ISDIR(st.st_mode))
				return close(fd), -ENOTDIR;
			if (w->depth + 1 >= INROOT_DEPTH)
				return close(fd), -ENAMETOOLONG;
			w->stack[++w->depth] = fd;
			continue;
		}
		n = readlinkat(fd, "", link, sizeof(link) - 1);
		close(fd);
		if (n < 0)
			return -errno;
		if (++w->links > INROOT_LINKS)
			return -ELOOP;
		link[n] = '\0';
		{
			autofree char *sub = xasprintf("%s%s%s", link, last ? "" : "/",
						       last ? "" : save);
			return walk_path(w, sub, follow);
		}
	}
	return 0;
}

static int inroot_walk(struct walk *w, const char *path, bool follow)
{
	int rootfd = w->stack[0];
	autofree char *buf = xstrdup(path);
	int r = walk_path(w, buf, follow), fd;

	if (r < 0) {
		walk_reset(w);
		return r;
	}
	fd = w->depth ? w->stack[w->depth--] : fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
	walk_reset(w);
	return fd < 0 ? -errno : fd;
}

int inroot_open(int rootfd, const char *path, bool follow)
{
	struct walk w = { .stack = { rootfd } };
	int fd = inroot_walk_only ? -ENOSYS : inroot_fast(rootfd, path, follow);

	if (fd == -ENOSYS)
		fd = inroot_walk(&w, path, follow);
	return fd < 0 ? err_set(-fd, "%s", path) : fd;
}

int inroot_make(int rootfd, const char *path, bool dir, mode_t mode)
{
	struct walk w = { .stack = { rootfd }, .make = true, .dir = dir, .mode = mode };
	int fd = inroot_walk_only ? -ENOSYS : inroot_fast(rootfd, path, true);

	/* Something missing: the walk makes it (openat2 cannot). */
	if (fd == -ENOSYS || fd == -ENOENT)
		fd = inroot_walk(&w, path, true);
	return fd < 0 ? err_set(-fd, "%s", path) : fd;
}
