// SPDX-License-Identifier: Apache-2.0
/* bindcopy.c - flattening overlay-form layers into one plain tree, copies
 * of such trees, rm -rf, and the bind mounts. Unpacking is layer.c's job. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "core/fs/bindcopy.h"
#include "core/kernel/mnt.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/xalloc.h"

#ifndef FICLONE
#define FICLONE _IOW(0x94, 9, int)	/* <linux/fs.h>, which clashes with <sys/mount.h> */
#endif

enum {
	BC_BUF = 64 * 1024,		/* read/write copy buffer */
	BC_CFR_MAX = 1 << 30,		/* one copy_file_range(2) call */
	BC_PROC = 32 + NAME_MAX,	/* "/proc/self/fd/N/NAME" */
};

/* Source inode -> the first copy's path, for hardlinks within one tree. */
struct bc_link {
	dev_t dev;
	ino_t ino;
	char *path;	/* NULL: a free slot */
};

struct bc_links {
	struct bc_link *v;
	size_t cap, n;	/* cap: 0 or a power of two */
};

/* What a tree being removed must stay on: no descent into mounts. */
struct bc_rm {
	dev_t dev;
	int mnt;	/* mount ID, -1 when the filesystem cannot say */
};

struct bc {
	int root;		/* dst */
	const char *src, *dst;	/* for messages */
	bool overlay_form;	/* whiteouts and opaque dirs mean what overlayfs says */
	bool try_clone;		/* FICLONE has not failed for want of support */
	bool proc;		/* /proc/self/fd reaches xattrs of devices and symlinks */
	char *buf;		/* BC_BUF bytes */
	char *path;		/* entry at hand, relative to both roots */
	size_t plen, pcap;
	struct bc_links links;
	struct bc_rm keep;
};

static int bc_serr(struct bc *c, int errnum, const char *what)
{
	return err_set(errnum, "%s %s/%s", what, c->src, c->path);
}

static int bc_derr(struct bc *c, int errnum, const char *what)
{
	return err_set(errnum, "%s %s/%s", what, c->dst, c->path);
}

static size_t bc_push(struct bc *c, const char *name)
{
	size_t old = c->plen, n = strlen(name);

	if (old + n + 2 > c->pcap) {
		c->pcap = 2 * (old + n + 2);
		c->path = xrealloc(c->path, c->pcap);
	}
	if (old)
		c->path[c->plen++] = '/';
	memcpy(c->path + c->plen, name, n + 1);
	c->plen += n;
	return old;
}

static void bc_pop(struct bc *c, size_t old)
{
	c->plen = old;
	c->path[old] = '\0';
}

/* ---- the hardlink map ---- */

static struct bc_link *bc_link_slot(const struct bc_links *l, dev_t dev, ino_t ino)
{
	unsigned long long h = ((unsigned long long)ino ^ ((unsigned long long)dev << 40)) *
			       0x9E3779B97F4A7C15ull;
	size_t i = (size_t)(h >> 24) & (l->cap - 1);

	while (l->v[i].path && (l->v[i].dev != dev || l->v[i].ino != ino))
		i = (i + 1) & (l->cap - 1);
	return &l->v[i];
}

static const char *bc_link_find(const struct bc_links *l, dev_t dev, ino_t ino)
{
	return l->cap ? bc_link_slot(l, dev, ino)->path : NULL;
}

static void bc_link_add(struct bc_links *l, dev_t dev, ino_t ino, const char *path)
{
	struct bc_link *slot;

	if (2 * (l->n + 1) > l->cap) {
		struct bc_links g = { xzalloc(sizeof(*g.v) * (l->cap ? 2 * l->cap : 64)),
				      l->cap ? 2 * l->cap : 64, l->n };

		for (size_t i = 0; i < l->cap; i++)
			if (l->v[i].path)
				*bc_link_slot(&g, l->v[i].dev, l->v[i].ino) = l->v[i];
		free(l->v);
		*l = g;
	}
	slot = bc_link_slot(l, dev, ino);
	*slot = (struct bc_link){ dev, ino, xstrdup(path) };
	l->n++;
}

static void bc_links_clear(struct bc_links *l)
{
	for (size_t i = 0; i < l->cap; i++)
		free(l->v[i].path);
	free(l->v);
	*l = (struct bc_links){ 0 };
}

/* ---- rm -rf ---- */

static int bc_mnt_id(int dfd, const char *name, int flags)
{
	_Alignas(struct file_handle) char b[sizeof(struct file_handle) + MAX_HANDLE_SZ];
	struct file_handle *fh = (struct file_handle *)b;
	int id;

	fh->handle_bytes = MAX_HANDLE_SZ;
	return name_to_handle_at(dfd, name, fh, &id, flags) < 0 ? -1 : id;
}

static int bc_rmdir_entries(int fd, const struct bc_rm *keep);

/* A second descriptor of a dir with its own read position (dup shares it). */
static int bc_reopen(int dfd)
{
	return openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* Remove dfd/name and all below; missing is fine. 0 or -errno. */
static int bc_rmtree(int dfd, const char *name, const struct bc_rm *keep)
{
	struct stat st;
	int id, r;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dfd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
	id = keep->mnt < 0 ? -1 : bc_mnt_id(dfd, name, 0);	/* 0: no following */
	if (st.st_dev != keep->dev || (id >= 0 && id != keep->mnt))
		return -EBUSY;
	for (int pass = 0; pass < 3; pass++) {
		int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		if (fd < 0)
			return -errno;
		r = bc_rmdir_entries(fd, keep);	/* closes fd */
		if (r < 0)
			return r;
		if (unlinkat(dfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
			return 0;
		if (errno != ENOTEMPTY)
			return -errno;
	}
	return -ENOTEMPTY;
}

/* Empty the directory fd (taken and closed). */
static int bc_rmdir_entries(int fd, const struct bc_rm *keep)
{
	autoclosedir DIR *d = fdopendir(fd);
	struct dirent *e;
	int r = 0;

	if (!d) {
		r = -errno;
		close(fd);
		return r;
	}
	while (r == 0 && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			r = bc_rmtree(dirfd(d), e->d_name, keep);
	return r;
}

/* ---- xattrs: by fd for files and dirs, by /proc path for the rest ---- */

struct bc_xh {
	int fd;			/* f*xattr when >= 0 */
	const char *path;	/* else l*xattr */
};

static ssize_t bc_xlist(const struct bc_xh *h, char *b, size_t n)
{
	return h->fd >= 0 ? flistxattr(h->fd, b, n) : llistxattr(h->path, b, n);
}

static ssize_t bc_xget(const struct bc_xh *h, const char *k, void *b, size_t n)
{
	return h->fd >= 0 ? fgetxattr(h->fd, k, b, n) : lgetxattr(h->path, k, b, n);
}

static int bc_xset(const struct bc_xh *h, const char *k, const void *v, size_t n)
{
	return h->fd >= 0 ? fsetxattr(h->fd, k, v, n, 0) : lsetxattr(h->path, k, v, n, 0);
}

static int bc_xdel(const struct bc_xh *h, const char *k)
{
	return h->fd >= 0 ? fremovexattr(h->fd, k) : lremovexattr(h->path, k);
}

/* The NUL-separated names (allocated, NULL if none) and their length. */
static int bc_xnames(const struct bc_xh *h, char **out, ssize_t *len)
{
	*out = NULL;
	for (;;) {
		ssize_t n = bc_xlist(h, NULL, 0);

		*len = 0;
		if (n < 0 && (errno == ENOTSUP || errno == ENOSYS))
			return 0;
		if (n <= 0)
			return n < 0 ? -errno : 0;
		*out = xrealloc(*out, (size_t)n);
		*len = bc_xlist(h, *out, (size_t)n);
		if (*len >= 0)
			return 0;
		if (errno != ERANGE)
			return -errno;
	}
}

static ssize_t bc_xvalue(const struct bc_xh *h, const char *k, char **val)
{
	for (;;) {
		ssize_t n = bc_xget(h, k, NULL, 0), m;

		if (n < 0)
			return -errno;
		*val = xrealloc(*val, (size_t)n + 1);
		m = bc_xget(h, k, *val, (size_t)n);
		if (m >= 0 || errno != ERANGE)
			return m < 0 ? -errno : m;
	}
}

static bool bc_xskip(const char *k)
{
	return strncmp(k, "trusted.overlay.", 16) == 0;
}

/* Drop the xattrs a merged dir had from a lower layer. */
static int bc_xclear(struct bc *c, const struct bc_xh *to)
{
	autofree char *names = NULL;
	ssize_t len;
	int r = bc_xnames(to, &names, &len);

	if (r < 0)
		return bc_derr(c, -r, "list xattrs of");
	for (char *k = names; k && k < names + len; k += strlen(k) + 1)
		if (bc_xdel(to, k) < 0 && errno != ENODATA)
			return bc_derr(c, errno, "remove xattr of");
	return 0;
}

static int bc_xcopy(struct bc *c, const struct bc_xh *from, const struct bc_xh *to, bool clear)
{
	autofree char *names = NULL, *val = NULL;
	ssize_t len, n;
	int r;

	if (clear && bc_xclear(c, to) < 0)
		return -err_errno();
	r = bc_xnames(from, &names, &len);
	if (r < 0)
		return bc_serr(c, -r, "list xattrs of");
	for (char *k = names; k && k < names + len; k += strlen(k) + 1) {
		if (bc_xskip(k))
			continue;
		n = bc_xvalue(from, k, &val);
		if (n == -ENODATA)
			continue;
		if (n < 0)
			return bc_serr(c, (int)-n, "read xattrs of");
		if (bc_xset(to, k, val, (size_t)n) < 0)
			return err_set(errno, "set xattr %s on %s/%s", k, c->dst, c->path);
	}
	return 0;
}

/* ---- metadata, after the content: chown drops setuid and capabilities ---- */

static int bc_meta_fd(struct bc *c, int sfd, int dfd, const struct stat *st, bool clear)
{
	struct bc_xh from = { sfd, NULL }, to = { dfd, NULL };
	struct timespec ts[2] = { st->st_atim, st->st_mtim };

	if (fchown(dfd, st->st_uid, st->st_gid) < 0)
		return bc_derr(c, errno, "chown");
	if (bc_xcopy(c, &from, &to, clear) < 0)
		return -err_errno();
	if (fchmod(dfd, st->st_mode & 07777) < 0)
		return bc_derr(c, errno, "chmod");
	if (futimens(dfd, ts) < 0)
		return bc_derr(c, errno, "set times of");
	return 0;
}

/* The same for devices, fifos, sockets and symlinks, which we never open. */
static int bc_meta_at(struct bc *c, int sdir, int ddir, const char *name, const struct stat *st)
{
	char sp[BC_PROC], dp[BC_PROC];
	struct bc_xh from = { -1, sp }, to = { -1, dp };
	struct timespec ts[2] = { st->st_atim, st->st_mtim };

	if (fchownat(ddir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		return bc_derr(c, errno, "chown");
	snprintf(sp, sizeof(sp), "/proc/self/fd/%d/%s", sdir, name);
	snprintf(dp, sizeof(dp), "/proc/self/fd/%d/%s", ddir, name);
	if (c->proc && bc_xcopy(c, &from, &to, false) < 0)
		return -err_errno();
	if (!S_ISLNK(st->st_mode) && fchmodat(ddir, name, st->st_mode & 07777, 0) < 0)
		return bc_derr(c, errno, "chmod");
	if (utimensat(ddir, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return bc_derr(c, errno, "set times of");
	return 0;
}

/* ---- nodes ---- */

/* Share blocks if the filesystem can, else copy_file_range(2), else (or
 * for what it left) read and write. */
static int bc_data(struct bc *c, int in, int out)
{
	ssize_t n;
	int r;

	if (c->try_clone) {
		if (ioctl(out, FICLONE, in) == 0)
			return 0;
		if (errno == EOPNOTSUPP || errno == EXDEV || errno == EINVAL || errno == ENOTTY)
			c->try_clone = false;
	}
	do
		n = copy_file_range(in, NULL, out, NULL, BC_CFR_MAX, 0);
	while (n > 0 || (n < 0 && errno == EINTR));
	if (n < 0 && errno != EXDEV && errno != EINVAL && errno != ENOSYS &&
	    errno != EOPNOTSUPP && errno != EBADF)
		return -errno;
	while ((n = fsutil_read_full(in, c->buf, BC_BUF)) > 0)
		if ((r = fsutil_write_full(out, c->buf, (size_t)n)) < 0)
			return r;
	return (int)n;
}

static int bc_file(struct bc *c, int sdir, int ddir, const char *name, const struct stat *st)
{
	autoclose int in = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	autoclose int out = -1;
	int r;

	if (in < 0)
		return bc_serr(c, errno, "open");
	out = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return bc_derr(c, errno, "create");
	r = bc_data(c, in, out);
	if (r < 0)
		return err_set(-r, "copy %s/%s to %s", c->src, c->path, c->dst);
	return bc_meta_fd(c, in, out, st, false);
}

static int bc_special(struct bc *c, int sdir, int ddir, const char *name, const struct stat *st)
{
	if (S_ISLNK(st->st_mode)) {
		autofree char *t = xmalloc(PATH_MAX);
		ssize_t n = readlinkat(sdir, name, t, PATH_MAX);

		if (n < 0 || n >= PATH_MAX)
			return bc_serr(c, n < 0 ? errno : ENAMETOOLONG, "read link");
		t[n] = '\0';
		if (symlinkat(t, ddir, name) < 0)
			return bc_derr(c, errno, "symlink");
	} else if (mknodat(ddir, name, (st->st_mode & S_IFMT) | 0600, st->st_rdev) < 0) {
		return bc_derr(c, errno, "mknod");
	}
	return bc_meta_at(c, sdir, ddir, name, st);
}

static int bc_nondir(struct bc *c, int sdir, int ddir, const char *name, const struct stat *st)
{
	bool multi = st->st_nlink > 1;
	const char *first = multi ? bc_link_find(&c->links, st->st_dev, st->st_ino) : NULL;
	int r;

	if (first) {
		if (linkat(c->root, first, ddir, name, 0) < 0)
			return bc_derr(c, errno, "hardlink");
		return 0;
	}
	r = S_ISREG(st->st_mode) ? bc_file(c, sdir, ddir, name, st)
				 : bc_special(c, sdir, ddir, name, st);
	if (r == 0 && multi)
		bc_link_add(&c->links, st->st_dev, st->st_ino, c->path);
	return r;
}

static int bc_tree(struct bc *c, int sdir, int ddir, bool fresh);

static bool bc_opaque(int fd)
{
	char v[2];

	return fgetxattr(fd, "trusted.overlay.opaque", v, sizeof(v)) == 1 && v[0] == 'y';
}

/* A dir over a dir merges unless opaque; over anything else it replaces. */
static int bc_dir(struct bc *c, int sdir, int ddir, const char *name, const struct stat *st,
		  bool fresh)
{
	autoclose int s = openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	autoclose int d = -1;
	struct stat old;
	bool merge = false;
	int r;

	if (s < 0)
		return bc_serr(c, errno, "open");
	if (!fresh && fstatat(ddir, name, &old, AT_SYMLINK_NOFOLLOW) == 0) {
		merge = S_ISDIR(old.st_mode) && !(c->overlay_form && bc_opaque(s));
		if (!merge && (r = bc_rmtree(ddir, name, &c->keep)) < 0)
			return bc_derr(c, -r, "replace");
	} else if (!fresh && errno != ENOENT) {
		return bc_derr(c, errno, "stat");
	}
	if (!merge && mkdirat(ddir, name, 0700) < 0)
		return bc_derr(c, errno, "mkdir");
	d = openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d < 0)
		return bc_derr(c, errno, "open");
	if (bc_tree(c, s, d, !merge) < 0)
		return -err_errno();
	return bc_meta_fd(c, s, d, st, merge);
}

static bool bc_whiteout(const struct bc *c, const struct stat *st)
{
	return c->overlay_form && S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

/* fresh: ddir was made in this pass, so nothing in it needs replacing. */
static int bc_entry(struct bc *c, int sdir, int ddir, const char *name, bool fresh)
{
	struct stat st;
	int r;

	if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return bc_serr(c, errno, "stat");
	if (S_ISDIR(st.st_mode))
		return bc_dir(c, sdir, ddir, name, &st, fresh);
	if (!fresh && (r = bc_rmtree(ddir, name, &c->keep)) < 0)
		return bc_derr(c, -r, "replace");
	if (bc_whiteout(c, &st))
		return 0;
	return bc_nondir(c, sdir, ddir, name, &st);
}

static int bc_tree(struct bc *c, int sdir, int ddir, bool fresh)
{
	int fd = bc_reopen(sdir);
	autoclosedir DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *e;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return bc_serr(c, errno, "read dir");
	}
	for (errno = 0; (e = readdir(d)); errno = 0) {
		size_t old;
		int r;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		old = bc_push(c, e->d_name);
		r = bc_entry(c, sdir, ddir, e->d_name, fresh);
		bc_pop(c, old);
		if (r < 0)
			return r;
	}
	return errno ? bc_serr(c, errno, "read dir") : 0;
}

/* ---- whole trees ---- */

static int bc_layer(struct bc *c, const char *src, bool fresh)
{
	autoclose int s = openat(AT_FDCWD, src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;

	c->src = src;
	bc_pop(c, 0);
	if (s < 0 || fstat(s, &st) < 0)
		return err_set(errno, "open layer %s", src);
	if (bc_tree(c, s, c->root, fresh) < 0)
		return -err_errno();
	bc_links_clear(&c->links);	/* hardlinks never cross layers */
	return bc_meta_fd(c, s, c->root, &st, !fresh);
}

static bool bc_empty(int fd)
{
	int dup = bc_reopen(fd);
	autoclosedir DIR *d = dup < 0 ? NULL : fdopendir(dup);
	struct dirent *e;

	if (!d && dup >= 0)
		close(dup);
	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			return false;
	return d != NULL;
}

/* dst: made here (*made), or an existing empty dir. */
static int bc_open_dst(struct bc *c, const char *dst, bool *made)
{
	struct stat st;

	*made = mkdir(dst, 0700) == 0;
	if (!*made && errno != EEXIST)
		return err_set(errno, "mkdir %s", dst);
	c->root = openat(AT_FDCWD, dst, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (c->root < 0 || fstat(c->root, &st) < 0)
		return err_set(errno, "open %s", dst);
	if (!*made && !bc_empty(c->root))
		return err_setx(EEXIST, "copy into %s: it exists and is not empty", dst);
	c->keep = (struct bc_rm){ st.st_dev, bc_mnt_id(c->root, "", AT_EMPTY_PATH) };
	return 0;
}

static int bc_run(const char *const *srcs, int n, const char *dst, bool overlay_form)
{
	struct bc c = { .root = -1, .dst = dst, .overlay_form = overlay_form, .try_clone = true };
	bool made = false;
	int r;

	if (n < 1)
		return err_setx(EINVAL, "copy into %s: no layers", dst);
	r = bc_open_dst(&c, dst, &made);
	if (r == 0) {
		c.proc = access("/proc/self/fd", F_OK) == 0;
		c.buf = xmalloc(BC_BUF);
		c.pcap = 256;
		c.path = xzalloc(c.pcap);
		for (int i = n - 1; r == 0 && i >= 0; i--)
			r = bc_layer(&c, srcs[i], i == n - 1);
		/* undo: dst is ours, so all in it goes (and dst too, if made here) */
		if (r < 0)
			bc_rmdir_entries(bc_reopen(c.root), &c.keep);
	}
	if (r < 0 && made)
		rmdir(dst);
	if (c.root >= 0)
		close(c.root);
	bc_links_clear(&c.links);
	free(c.path);
	free(c.buf);
	return r < 0 ? -err_errno() : 0;
}

int bindcopy_flatten(const char *const *lowers, int n, const char *dst)
{
	return bc_run(lowers, n, dst, true);
}

int bindcopy_clone(const char *src_flat, const char *dst)
{
	return bc_run(&src_flat, 1, dst, false);
}

int bindcopy_mount(const char *src, const char *target, bool readonly)
{
	return mnt_bind(src, target, false, readonly ? MS_RDONLY : 0);
}

int bindcopy_umount(const char *target)
{
	if (umount2(target, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL &&
	    errno != ENOENT)
		return err_set(errno, "unmount %s", target);
	return 0;
}

int bindcopy_remove(const char *path)
{
	autofree char *parent = xasprintf("%s/..", path);
	struct stat st;
	struct bc_rm keep;
	int r;

	if (stat(parent, &st) < 0)
		return errno == ENOENT ? 0 : err_set(errno, "stat %s", parent);
	keep = (struct bc_rm){ st.st_dev, bc_mnt_id(AT_FDCWD, parent, 0) };
	r = bc_rmtree(AT_FDCWD, path, &keep);
	if (r == -EBUSY) {
		err_setx(EBUSY, "remove %s: something is mounted there or inside", path);
		return err_hint("unmount it first");
	}
	return r < 0 ? err_set(-r, "remove %s", path) : 0;
}
