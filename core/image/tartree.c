// SPDX-License-Identifier: Apache-2.0
/* tartree.c - walk a tree one descriptor at a time (openat, O_NOFOLLOW)
 * and write it as tar entries. The format is tar.c's. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "core/image/tartree.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/xalloc.h"

enum { TT_BUF = 128 * 1024, TT_DEPTH = 1024 };

/* A file with several links, by inode, and the name it was written as. */
struct tt_link {
	dev_t dev;
	ino_t ino;
	char *name;
};

struct tartree {
	struct tar_writer *w;
	char *buf;
	struct tt_link *links;
	size_t nlinks, caplinks;
	uint32_t id_base, id_count;	/* tartree_set_idshift; count 0: none */
};

struct tartree *tartree_new(struct tar_writer *w)
{
	struct tartree *t = xzalloc(sizeof(*t));

	t->w = w;
	t->buf = xmalloc(TT_BUF);
	return t;
}

void tartree_set_idshift(struct tartree *t, uint32_t base, uint32_t count)
{
	t->id_base = base;
	t->id_count = count;
}

/* id as the user namespace sees it (tartree_set_idshift). */
static long long tt_id(const struct tartree *t, uint32_t id)
{
	if (t->id_count && id >= t->id_base && id - t->id_base < t->id_count)
		return id - t->id_base;
	return id;
}

void tartree_free(struct tartree *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nlinks; i++)
		free(t->links[i].name);
	free(t->links);
	free(t->buf);
	free(t);
}

/* The name a file of several links was first written as, or NULL (and
 * this one is remembered). */
static const char *tt_link_seen(struct tartree *t, const struct stat *st, const char *name)
{
	for (size_t i = 0; i < t->nlinks; i++)
		if (t->links[i].ino == st->st_ino && t->links[i].dev == st->st_dev)
			return t->links[i].name;
	if (t->nlinks == t->caplinks) {
		t->caplinks = t->caplinks ? 2 * t->caplinks : 64;
		t->links = xrealloc(t->links, t->caplinks * sizeof(*t->links));
	}
	t->links[t->nlinks++] = (struct tt_link){ st->st_dev, st->st_ino, xstrdup(name) };
	return NULL;
}

/* The xattrs an entry carries, read from an open fd. */
struct tt_xattrs {
	struct tar_xattr *v;
	size_t n;
	char *names;
};

static bool tt_xattr_kept(const char *name)
{
	return !strncmp(name, "user.", 5) || !strcmp(name, "security.capability");
}

static void tt_xattrs_get(int fd, struct tt_xattrs *x)
{
	ssize_t n = flistxattr(fd, NULL, 0);

	if (n <= 0)
		return;
	x->names = xmalloc((size_t)n);
	n = flistxattr(fd, x->names, (size_t)n);
	for (char *k = x->names; n > 0 && k < x->names + n; k += strlen(k) + 1) {
		ssize_t vn = tt_xattr_kept(k) ? fgetxattr(fd, k, NULL, 0) : -1;
		char *v = vn < 0 ? NULL : xmalloc(vn ? (size_t)vn : 1);

		if (v && (vn = fgetxattr(fd, k, v, (size_t)vn)) < 0) {
			free(v);
			v = NULL;
		}
		if (!v)
			continue;
		x->v = xrealloc(x->v, (x->n + 1) * sizeof(*x->v));
		x->v[x->n++] = (struct tar_xattr){ k, v, (size_t)vn };
	}
}

static void tt_xattrs_free(struct tt_xattrs *x)
{
	for (size_t i = 0; i < x->n; i++)
		free((char *)x->v[i].value);
	free(x->v);
	free(x->names);
}

/* Open dirfd/name (name "": dirfd itself, which may be O_PATH) for reading. */
static int tt_open(int dirfd, const char *name, int flags)
{
	char self[32];

	if (*name)
		return openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (flags & O_DIRECTORY)
		return openat(dirfd, ".", flags | O_CLOEXEC);
	snprintf(self, sizeof(self), "/proc/self/fd/%d", dirfd);
	return openat(AT_FDCWD, self, flags | O_CLOEXEC | O_NOCTTY);
}

/* A regular file's data: exactly e->size bytes. */
static int tt_data(struct tartree *t, int dirfd, const char *name, const struct stat *st,
		   struct tar_entry *e)
{
	autoclose int fd = tt_open(dirfd, name, O_RDONLY | O_NONBLOCK);
	struct tt_xattrs x = { 0 };
	long long left = e->size;
	struct stat now;
	int rc;

	if (fd < 0 || fstat(fd, &now) < 0)
		return err_set(errno, "open %s", e->name);
	if (!S_ISREG(now.st_mode) || now.st_ino != st->st_ino)
		return err_setx(EAGAIN, "%s changed while it was read", e->name);
	tt_xattrs_get(fd, &x);
	e->xattrs = x.v;
	e->nxattrs = x.n;
	rc = tar_writer_add(t->w, e);
	tt_xattrs_free(&x);
	if (rc < 0)
		return rc;
	while (left > 0) {
		size_t want = left < TT_BUF ? (size_t)left : TT_BUF;
		ssize_t n = fsutil_read_full(fd, t->buf, want);

		if (n < 0)
			return err_set((int)-n, "read %s", e->name);
		if ((size_t)n < want) {	/* shrank: zeros keep the archive whole */
			memset(t->buf + n, 0, want - (size_t)n);
			n = (ssize_t)want;
		}
		if ((rc = tar_writer_data(t->w, t->buf, (size_t)n)) < 0)
			return rc;
		left -= n;
	}
	return 0;
}

static int tt_add_at(struct tartree *t, int dirfd, const char *name, const char *as, int depth);

/* The entries below the directory fd (taken), named prefix + their names. */
static int tt_children(struct tartree *t, int fd, const char *prefix, int depth)
{
	autoclosedir DIR *d = fdopendir(fd);
	struct dirent *de;
	int rc = 0;

	if (!d) {
		close(fd);
		return err_set(errno, "open %s", *prefix ? prefix : ".");
	}
	if (depth >= TT_DEPTH)
		return err_setx(ELOOP, "%s: more than %d levels of directories", prefix, TT_DEPTH);
	errno = 0;
	while (rc == 0 && (de = readdir(d))) {
		autofree char *as = NULL;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		as = *prefix ? xasprintf("%s/%s", prefix, de->d_name) : xstrdup(de->d_name);
		rc = tt_add_at(t, fd, de->d_name, as, depth + 1);
		errno = 0;
	}
	if (rc == 0 && errno)
		rc = err_set(errno, "read directory %s", prefix);
	return rc;
}

/* A directory's entry (none for the top of "": its children only), then
 * what is below it. */
static int tt_dir(struct tartree *t, int dirfd, const char *name, struct tar_entry *e,
		  int depth)
{
	int fd = tt_open(dirfd, name, O_RDONLY | O_DIRECTORY);
	const char *prefix = e->name;
	struct tt_xattrs x = { 0 };
	int rc = 0;

	if (fd < 0)
		return err_set(errno, "open %s", *prefix ? prefix : ".");
	if (*prefix) {
		autofree char *dname = xasprintf("%s/", prefix);

		tt_xattrs_get(fd, &x);
		e->name = dname;
		e->xattrs = x.v;
		e->nxattrs = x.n;
		rc = tar_writer_add(t->w, e);
		tt_xattrs_free(&x);
	}
	if (rc < 0) {
		close(fd);
		return rc;
	}
	return tt_children(t, fd, prefix, depth);
}

/* One entry (and, for a directory, all below it). */
static int tt_add_at(struct tartree *t, int dirfd, const char *name, const char *as, int depth)
{
	struct tar_entry e = { .name = as, .linkname = "", .uname = "", .gname = "" };
	char link[PATH_MAX];
	const char *first;
	struct stat st;
	ssize_t n;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW | (*name ? 0 : AT_EMPTY_PATH)) < 0)
		return err_set(errno, "stat %s", as);
	e.mode = st.st_mode & 07777;
	e.uid = tt_id(t, st.st_uid);
	e.gid = tt_id(t, st.st_gid);
	e.mtime = st.st_mtim.tv_sec;
	e.mtime_nsec = st.st_mtim.tv_nsec;
	if (S_ISSOCK(st.st_mode))
		return 0;
	if (!S_ISDIR(st.st_mode) && st.st_nlink > 1 && (first = tt_link_seen(t, &st, as))) {
		e.type = TAR_HARDLINK;
		e.linkname = first;
		return tar_writer_add(t->w, &e);
	}
	switch (st.st_mode & S_IFMT) {
	case S_IFREG:
		e.type = TAR_REG;
		e.size = st.st_size;
		return tt_data(t, dirfd, name, &st, &e);
	case S_IFLNK:
		n = readlinkat(dirfd, name, link, sizeof(link) - 1);
		if (n < 0)
			return err_set(errno, "readlink %s", as);
		link[n] = '\0';
		e.type = TAR_SYMLINK;
		e.linkname = link;
		return tar_writer_add(t->w, &e);
	case S_IFCHR:
	case S_IFBLK:
		e.type = S_ISCHR(st.st_mode) ? TAR_CHR : TAR_BLK;
		e.devmajor = major(st.st_rdev);
		e.devminor = minor(st.st_rdev);
		return tar_writer_add(t->w, &e);
	case S_IFIFO:
		e.type = TAR_FIFO;
		return tar_writer_add(t->w, &e);
	}
	e.type = TAR_DIR;
	return tt_dir(t, dirfd, name, &e, depth);
}

int tartree_add(struct tartree *t, int fd, const char *as)
{
	return tt_add_at(t, fd, "", as, 0);
}
