// SPDX-License-Identifier: Apache-2.0
/* layer.c - OCI layer unpack: the safe making of a tar stream's entries
 * below one directory. Reading the tar is tar.c's; committing the store's. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#ifdef SYS_openat2
#include <linux/openat2.h>
#endif

#include "core/image/layer.h"
#include "core/image/tar.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/str.h"
#include "core/util/xalloc.h"

enum {
	RM_DEPTH = 256,		/* directory levels a removal descends (an fd each) */
	XNAME = 255,		/* XATTR_NAME_MAX */
};

struct lbuf {
	char *p;
	size_t len, cap;
};

/* Deferred directory metadata, followed by the path and a NUL. */
struct layer_dirrec {
	long long sec;
	long nsec;
	unsigned mode;
	unsigned len;
};

struct layer_unpack {
	int dirfd;
	unsigned flags;
	int err;			/* positive errno once failed */
	bool done;			/* finished */
	struct tar_reader *tr;
	const struct tar_entry *e;	/* the current entry (the reader's) */
	int fd;				/* regular file being written, or -1 */
	struct lbuf name;		/* raw name, for messages */
	struct lbuf path, lpath;	/* cleaned: relative, no "." or "" parts */
	struct lbuf cache;		/* path of cfd, the last parent directory */
	int cfd;
	bool cache_stale;		/* a directory was removed since */
	struct lbuf dirs;		/* struct layer_dirrec records */
	struct {			/* APPLY: hashes of paths this layer made */
		uint64_t *v;
		size_t n, cap;
	} marks;
	struct layer_stats stats;
	int *lower;			/* OVERLAY: lower layers, top first */
	int nlower;
	uint32_t id_base, id_count;	/* layer_unpack_set_idshift; count 0: none */
};

static void lbuf_reserve(struct lbuf *b, size_t n)
{
	if (n <= b->cap)
		return;
	b->cap = n > 2 * b->cap ? n : 2 * b->cap;
	b->p = xrealloc(b->p, b->cap);
}

static void lbuf_put(struct lbuf *b, const void *s, size_t n)
{
	lbuf_reserve(b, b->len + n + 1);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* Record "layer entry "NAME": WHAT[: strerror]" and return -errnum. */
static int PRINTF(4, 5) layer_fail(struct layer_unpack *u, int errnum, bool why,
				   const char *fmt, ...)
{
	char buf[200], what[200], name[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	str_printable(what, sizeof(what), buf);
	str_printable(name, sizeof(name), u->name.p ? u->name.p : "");
	if (why)
		return err_set(errnum, "layer entry \"%s\": %s", name, what);
	return err_setx(errnum, "layer entry \"%s\": %s", name, what);
}

/* ---- paths ---- */

/* Clean raw into out: relative, without empty or "." components or a
 * trailing slash. Leading slashes go, as in docker (pkg/archive) and
 * umoci. Any ".." component is refused (-EPERM), even one that would stay
 * inside, as GNU tar does: layers have no reason to write one. */
static int path_clean(const char *raw, struct lbuf *out)
{
	out->len = 0;
	lbuf_put(out, "", 0);
	for (const char *s = raw; *s;) {
		const char *e = strchrnul(s, '/');
		size_t n = (size_t)(e - s);

		if (n == 2 && s[0] == '.' && s[1] == '.')
			return -EPERM;
		if (n && !(n == 1 && *s == '.')) {
			if (out->len)
				lbuf_put(out, "/", 1);
			lbuf_put(out, s, n);
		}
		s = *e ? e + 1 : e;
	}
	return 0;
}

/* Length of the directory part of a clean path, 0 for a top-level name. */
static size_t path_dirlen(const char *p, size_t len)
{
	while (len && p[len - 1] != '/')
		len--;
	return len ? len - 1 : 0;
}

/* ---- marks: what this layer made, for whiteouts in APPLY mode ---- */

/* 64-bit FNV-1a hashes of clean paths, 8 bytes an entry. A collision can
 * only spare one lower file from a whiteout. */
#define LAYER_FNV0 0xcbf29ce484222325ULL

static uint64_t fnv(uint64_t h, const char *s, size_t n)
{
	while (n--) {
		h ^= (unsigned char)*s++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static void mark_insert(uint64_t *v, size_t cap, uint64_t h)
{
	size_t i = (size_t)h & (cap - 1);

	while (v[i] && v[i] != h)
		i = (i + 1) & (cap - 1);
	v[i] = h;
}

static bool mark_has(const struct layer_unpack *u, uint64_t h)
{
	size_t cap = u->marks.cap, i;

	h += !h;
	if (!cap)
		return false;
	for (i = (size_t)h & (cap - 1); u->marks.v[i]; i = (i + 1) & (cap - 1))
		if (u->marks.v[i] == h)
			return true;
	return false;
}

static void mark_add(struct layer_unpack *u, uint64_t h)
{
	h += !h;
	if (mark_has(u, h))
		return;
	if (2 * (u->marks.n + 1) > u->marks.cap) {
		size_t cap = u->marks.cap ? 2 * u->marks.cap : 1024;
		uint64_t *v = xzalloc(cap * sizeof(*v));

		for (size_t i = 0; i < u->marks.cap; i++)
			if (u->marks.v[i])
				mark_insert(v, cap, u->marks.v[i]);
		free(u->marks.v);
		u->marks.v = v;
		u->marks.cap = cap;
	}
	mark_insert(u->marks.v, u->marks.cap, h);
	u->marks.n++;
}

/* Mark the entry's path and every directory above it: a whiteout later in
 * this layer must spare them (umoci's "upperPaths"). */
static void mark_path(struct layer_unpack *u)
{
	uint64_t h = LAYER_FNV0;

	if (!(u->flags & LAYER_WH_APPLY))
		return;
	for (size_t i = 0; i < u->path.len; i++) {
		if (u->path.p[i] == '/')
			mark_add(u, h);
		h = fnv(h, u->path.p + i, 1);
	}
	mark_add(u, h);
}

/* ---- walking below the layer root ---- */

static bool is_whiteout(const struct layer_unpack *u, const struct stat *st)
{
	return (u->flags & LAYER_WH_OVERLAY) && S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

static int set_opaque_fd(struct layer_unpack *u, int fd)
{
	if (fsetxattr(fd, "trusted.overlay.opaque", "y", 1, 0) < 0)
		return layer_fail(u, errno, true, "set trusted.overlay.opaque");
	return 0;
}

static int set_opaque(struct layer_unpack *u, int pfd, const char *name)
{
	autoclose int fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return layer_fail(u, errno, true, "open %s", name);
	return set_opaque_fd(u, fd);
}

/* A directory the archive implies but does not list: 0755 like docker's
 * MkdirAll, whatever our umask. The chmod by name is safe: we just made
 * it, in a tree only we write to. */
static int mkdir_implied(int cur, const char *comp)
{
	if (mkdirat(cur, comp, 0755) < 0)
		return -errno;
	return fchmodat(cur, comp, 0755, 0) < 0 ? -errno : 0;
}

/* OVERLAY: a directory where this layer put a whiteout, hiding the lower
 * one's entries while holding this layer's. */
static int whiteout_to_dir(struct layer_unpack *u, int cur, const char *comp)
{
	int r = unlinkat(cur, comp, 0) < 0 ? -errno : mkdir_implied(cur, comp);

	if (r < 0)
		return layer_fail(u, -r, true, "replace whiteout %s with a directory", comp);
	return set_opaque(u, cur, comp);
}

/* One step down from cur: open comp as a directory, never following a
 * symlink. With create, a missing one is made (pre is the path so far,
 * for messages). */
static int walk_step(struct layer_unpack *u, int cur, const char *comp, bool create,
		     const char *role, const char *pre, int plen)
{
	struct stat st;
	int fd, r;

	for (int tries = 0;; tries++) {
		fd = openat(cur, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0 || tries)
			break;
		if (errno == ENOENT && create) {
			if ((r = mkdir_implied(cur, comp)) < 0 && r != -EEXIST)
				return layer_fail(u, -r, true, "mkdir %.*s", plen, pre);
		} else if ((errno == ENOTDIR || errno == ELOOP) &&
			   !fstatat(cur, comp, &st, AT_SYMLINK_NOFOLLOW)) {
			if (S_ISLNK(st.st_mode))
				return layer_fail(u, EPERM, false, "%s goes through symlink \"%.*s\"",
						  role, plen, pre);
			if (!create || !is_whiteout(u, &st))
				return layer_fail(u, ENOTDIR, false, "\"%.*s\" is not a directory",
						  plen, pre);
			if ((r = whiteout_to_dir(u, cur, comp)) < 0)
				return r;
		} else {
			break;
		}
	}
	if (fd < 0)
		return layer_fail(u, errno, true, "open %.*s", plen, pre);
	return fd;
}

/* openat2 resolves the whole path in one call where the kernel has it;
 * -1 sends the caller to the step-by-step walk, which also says exactly
 * what is wrong. Old kernels, qemu-user and seccomp filters lack it: that
 * is the process's lot, so it is remembered once for all unpacks. */
static bool layer_no_openat2;

static int walk_fast(struct layer_unpack *u, char *dir, size_t dlen)
{
#ifdef SYS_openat2
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	char save = dir[dlen];
	long fd;

	if (layer_no_openat2)
		return -1;
	dir[dlen] = '\0';
	fd = syscall(SYS_openat2, u->dirfd, dir, &how, sizeof(how));
	dir[dlen] = save;
	if (fd < 0 && (errno == ENOSYS || errno == EPERM || errno == EINVAL || errno == E2BIG))
		layer_no_openat2 = true;
	return (int)fd;
#else
	(void)u, (void)dir, (void)dlen;
	return -1;
#endif
}

/* Open the directory dir (dlen bytes of a clean path) below the layer root
 * as O_PATH, never leaving it and never through a symlink, including one
 * this same layer made. Returns an fd of the caller's, or -errno. */
static int walk(struct layer_unpack *u, char *dir, size_t dlen, bool create, const char *role)
{
	char comp[NAME_MAX + 1];
	int cur = u->dirfd;

	if (!dlen) {
		cur = fcntl(u->dirfd, F_DUPFD_CLOEXEC, 3);
		return cur < 0 ? layer_fail(u, errno, true, "dup") : cur;
	}
	if ((cur = walk_fast(u, dir, dlen)) >= 0)
		return cur;
	cur = u->dirfd;
	for (size_t i = 0, j; i < dlen; i = j + 1) {
		int fd;

		for (j = i; j < dlen && dir[j] != '/'; j++)
			;
		if (j - i > NAME_MAX) {
			fd = layer_fail(u, ENAMETOOLONG, false, "a path component is over %d bytes",
					NAME_MAX);
		} else {
			memcpy(comp, dir + i, j - i);
			comp[j - i] = '\0';
			fd = walk_step(u, cur, comp, create, role, dir, (int)j);
		}
		if (cur != u->dirfd)
			close(cur);
		if (fd < 0)
			return fd;
		cur = fd;
	}
	return cur;
}

/* The entry's parent directory (dlen bytes of u->path), borrowed: the root
 * or a one-entry cache, as tar entries come grouped by directory. */
static int parent_fd(struct layer_unpack *u, size_t dlen, bool create)
{
	int fd;

	if (!dlen)
		return u->dirfd;
	if (u->cache_stale && u->cfd >= 0) {
		close(u->cfd);
		u->cfd = -1;
	}
	u->cache_stale = false;
	if (u->cfd >= 0 && u->cache.len == dlen && !memcmp(u->cache.p, u->path.p, dlen))
		return u->cfd;
	fd = walk(u, u->path.p, dlen, create, "path");
	if (fd < 0)
		return fd;
	if (u->cfd >= 0)
		close(u->cfd);
	u->cfd = fd;
	u->cache.len = 0;
	lbuf_put(&u->cache, u->path.p, dlen);
	return fd;
}

/* ---- removal ---- */

/* rm -rf pfd/name, never following a symlink. Removing a directory makes
 * the parent cache stale: it may sit below. It never is the current
 * entry's parent, which lies above everything an entry removes. */
static int rm_tree(struct layer_unpack *u, int pfd, const char *name, int depth)
{
	struct dirent *de;
	DIR *d;
	int fd, r = 0;

	if (!unlinkat(pfd, name, 0) || errno == ENOENT)
		return 0;
	if (errno != EISDIR)
		return layer_fail(u, errno, true, "remove %s", name);
	u->cache_stale = true;
	if (!unlinkat(pfd, name, AT_REMOVEDIR) || errno == ENOENT)
		return 0;
	if (errno != ENOTEMPTY && errno != EEXIST)
		return layer_fail(u, errno, true, "remove %s", name);
	if (depth >= RM_DEPTH)
		return layer_fail(u, ELOOP, false, "tree under %s too deep to remove", name);
	fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		r = layer_fail(u, errno, true, "open %s", name);
		if (fd >= 0)
			close(fd);
		return r;
	}
	while (!r && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			r = rm_tree(u, dirfd(d), de->d_name, depth + 1);
	closedir(d);
	if (!r && unlinkat(pfd, name, AT_REMOVEDIR) < 0)
		r = layer_fail(u, errno, true, "remove %s", name);
	return r;
}

static int prune(struct layer_unpack *u, int pfd, const char *name, uint64_t h, int depth);

/* Prune every entry of directory fd (taken); hp hashes "DIR/" (or "" at
 * the root) so that a child's hash is fnv(hp, child). */
static int prune_dir(struct layer_unpack *u, int fd, uint64_t hp, int depth)
{
	struct dirent *de;
	DIR *d = depth < RM_DEPTH ? fdopendir(fd) : NULL;
	int r = 0;

	if (!d) {
		r = depth < RM_DEPTH ? layer_fail(u, errno, true, "read directory")
				     : layer_fail(u, ELOOP, false, "tree too deep to prune");
		close(fd);
		return r;
	}
	while (!r && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			r = prune(u, dirfd(d), de->d_name, fnv(hp, de->d_name, strlen(de->d_name)),
				  depth);
	closedir(d);
	return r;
}

/* A whiteout applied to the flattened tree removes name (h: hash of its
 * path), unless this layer made it; in a directory this layer made or
 * entered only the other entries go. OCI layer.md: "Whiteout files MUST
 * only apply to resources in lower/parent layers", in whatever order. */
static int prune(struct layer_unpack *u, int pfd, const char *name, uint64_t h, int depth)
{
	struct stat st;
	int fd;

	if (!mark_has(u, h))
		return rm_tree(u, pfd, name, depth);
	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
		return 0;
	fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return layer_fail(u, errno, true, "open %s", name);
	return prune_dir(u, fd, fnv(h, "/", 1), depth + 1);
}

/* ---- attributes ---- */

static int set_owner(struct layer_unpack *u, int fd, int pfd, const char *base)
{
	bool own = !(u->flags & LAYER_NO_CHOWN);
	long long uid = own ? u->e->uid : 0, gid = own ? u->e->gid : 0;
	int r;

	if (!own && !u->id_count)
		return 0;
	if (u->id_count && (uid >= u->id_count || gid >= u->id_count))
		return layer_fail(u, EPERM, false, "owner %lld:%lld is outside the %u ids of the "
				  "user namespace", uid, gid, u->id_count);
	if (u->id_count) {
		uid += u->id_base;
		gid += u->id_base;
	}
	if (fd >= 0)
		r = fchown(fd, (uid_t)uid, (gid_t)gid);
	else
		r = fchownat(pfd, base, (uid_t)uid, (gid_t)gid, AT_SYMLINK_NOFOLLOW);
	if (r < 0)
		return layer_fail(u, errno, true, "chown %lld:%lld", uid, gid);
	return 0;
}

static int set_times(struct layer_unpack *u, int fd, int pfd, const char *base)
{
	struct timespec t = { .tv_sec = u->e->mtime, .tv_nsec = u->e->mtime_nsec };
	struct timespec ts[2] = { t, t };
	int r = fd >= 0 ? futimens(fd, ts) : utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW);

	return r < 0 ? layer_fail(u, errno, true, "set mtime") : 0;
}

/* The on-disk name of archive xattr x in buf: 1, or 0 to drop it. SELinux
 * labels and NFSv4 ACLs belong to the build host (umoci drops them). In
 * an overlay layer, trusted.overlay.* from the archive would steer the
 * mount (opaque, redirect): it is stored escaped as
 * trusted.overlay.overlay.*, which overlayfs (Linux 6.7+) shows under the
 * archive's name, as umoci does. */
static int xattr_name(struct layer_unpack *u, const struct tar_xattr *x, char *buf)
{
	static const char ovl[] = "trusted.overlay.";
	size_t len = strlen(x->name), skip = 0;

	if (len > XNAME)
		return layer_fail(u, ERANGE, false, "xattr name over %d bytes", XNAME);
	memcpy(buf, x->name, len + 1);
	if (!strcmp(buf, "security.selinux") || !strcmp(buf, "system.nfs4_acl"))
		return 0;
	if ((u->flags & LAYER_WH_OVERLAY) && !strncmp(buf, ovl, sizeof(ovl) - 1)) {
		skip = sizeof(ovl) - 1;
		memmove(buf + skip + 8, buf + skip, len - skip + 1);
		memcpy(buf + skip, "overlay.", 8);
	}
	return 1;
}

/* The entry's SCHILY.xattr.* records, through fd, or (symlinks, device
 * nodes: no fd to write through) the /proc magic link of an O_PATH fd,
 * which names the inode itself. ENOTSUP and EPERM skip the xattr and are
 * counted, as docker does. */
static int set_xattrs(struct layer_unpack *u, int fd, int pfd, const char *base)
{
	char name[XNAME + 16], proc[40];
	autoclose int pathfd = -1;

	for (size_t i = 0; i < u->e->nxattrs; i++) {
		const struct tar_xattr *x = &u->e->xattrs[i];
		int k;

		if ((k = xattr_name(u, x, name)) <= 0) {
			if (k < 0)
				return k;
			continue;
		}
		if (fd < 0 && pathfd < 0) {
			pathfd = openat(pfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
			if (pathfd < 0)
				return layer_fail(u, errno, true, "open");
			snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pathfd);
		}
		if (fd >= 0 ? !fsetxattr(fd, name, x->value, x->len, 0)
			    : !setxattr(proc, name, x->value, x->len, 0))
			continue;
		if (errno != ENOTSUP && errno != EPERM)
			return layer_fail(u, errno, true, "set xattr %s", name);
		u->stats.xattr_skipped++;
	}
	return 0;
}

/* A directory entry over a directory replaces its attributes (OCI
 * layer.md), so the xattrs that the entry does not list go. */
static int clear_xattrs(struct layer_unpack *u, int fd)
{
	autofree char *list = NULL;
	ssize_t n = flistxattr(fd, NULL, 0);

	if (n <= 0)
		return 0;
	list = xmalloc((size_t)n);
	n = flistxattr(fd, list, (size_t)n);
	for (char *s = list; n > 0 && s < list + n; s += strlen(s) + 1) {
		if (!strcmp(s, "security.selinux") || !strcmp(s, "system.nfs4_acl"))
			continue;
		if (fremovexattr(fd, s) < 0 && errno != ENODATA)
			return layer_fail(u, errno, true, "remove xattr %s", s);
	}
	return 0;
}

/* ---- entries ---- */

/* After EEXIST at pfd/base (OCI layer.md, "Changeset over existing
 * files"): a directory stays for a directory entry (*kept); anything else
 * goes, a directory with all it holds. */
static int make_room(struct layer_unpack *u, int pfd, const char *base, bool *kept, bool *was_wh)
{
	struct stat st;

	if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return layer_fail(u, errno, true, "stat");
	if (was_wh)
		*was_wh = is_whiteout(u, &st);
	if (kept && S_ISDIR(st.st_mode)) {
		*kept = true;
		return 0;
	}
	return rm_tree(u, pfd, base, 0);
}

/* O_EXCL: an existing name (a symlink, a hardlinked lower file) is
 * replaced, never written through. */
static int make_file(struct layer_unpack *u, int pfd, const char *base)
{
	int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, r;
	int fd = openat(pfd, base, flags, 0600);

	if (fd < 0 && errno == EEXIST) {
		if ((r = make_room(u, pfd, base, NULL, NULL)) < 0)
			return r;
		fd = openat(pfd, base, flags, 0600);
	}
	if (fd < 0)
		return layer_fail(u, errno, true, "create");
	u->fd = fd;
	return 0;
}

static int file_write(struct layer_unpack *u, const char *p, size_t n)
{
	int r = fsutil_write_full(u->fd, p, n);

	if (r < 0)
		return layer_fail(u, -r, true, "write");
	u->stats.bytes += n;
	return 0;
}

/* Owner before mode (chown clears setuid), xattrs after both (chown and
 * writes drop security.capability), mtime last. */
static int file_done(struct layer_unpack *u)
{
	int fd = u->fd, r;

	u->fd = -1;
	r = set_owner(u, fd, -1, "");
	if (!r && fchmod(fd, u->e->mode) < 0)
		r = layer_fail(u, errno, true, "chmod");
	if (!r)
		r = set_xattrs(u, fd, -1, "");
	if (!r)
		r = set_times(u, fd, -1, "");
	if (close(fd) < 0 && !r)
		r = layer_fail(u, errno, true, "close");
	return r;
}

/* Directories get their mode and mtime at the end (dirs_apply): entries
 * made in them later change the mtime, and a read-only mode would stop
 * them when we are not root. */
static void dir_defer(struct layer_unpack *u)
{
	struct layer_dirrec rec = {
		.sec = u->e->mtime, .nsec = u->e->mtime_nsec,
		.mode = u->e->mode, .len = (unsigned)u->path.len,
	};

	lbuf_put(&u->dirs, &rec, sizeof(rec));
	lbuf_put(&u->dirs, u->path.p, u->path.len + 1);
}

static int make_dir(struct layer_unpack *u, int pfd, const char *base)
{
	bool kept = !*base, was_wh = false;
	autoclose int fd = -1;
	int r;

	if (*base && mkdirat(pfd, base, 0700) < 0) {
		if (errno != EEXIST)
			return layer_fail(u, errno, true, "mkdir");
		if ((r = make_room(u, pfd, base, &kept, &was_wh)) < 0)
			return r;
		if (!kept && mkdirat(pfd, base, 0700) < 0)
			return layer_fail(u, errno, true, "mkdir");
	}
	fd = openat(pfd, *base ? base : ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return layer_fail(u, errno, true, "open");
	if (kept && (u->flags & LAYER_WH_APPLY) && (r = clear_xattrs(u, fd)) < 0)
		return r;
	if ((r = set_owner(u, fd, -1, "")) < 0 || (r = set_xattrs(u, fd, -1, "")) < 0)
		return r;
	/* Over this layer's own whiteout: the lower directory stays hidden. */
	if (was_wh && (r = set_opaque_fd(u, fd)) < 0)
		return r;
	dir_defer(u);
	return 0;
}

/* Hardlinks, symlinks and nodes: make, and on EEXIST clear and retry. */
static int make_link(struct layer_unpack *u, int pfd, const char *base, int tfd,
		     const char *tbase)
{
	static const mode_t node[] = { ['3'] = S_IFCHR, ['4'] = S_IFBLK, ['6'] = S_IFIFO };
	unsigned char t = (unsigned char)u->e->type;

	for (int tries = 0;; tries++) {
		int r;

		if (t == '1')
			r = linkat(tfd, tbase, pfd, base, 0);
		else if (t == '2')
			r = symlinkat(u->e->linkname, pfd, base);
		else
			r = mknodat(pfd, base, node[t] | 0600,
				    makedev(u->e->devmajor, u->e->devminor));
		if (!r)
			return 0;
		if (errno != EEXIST || tries)
			return layer_fail(u, errno, true, "%s", t == '1' ? "link" :
					  t == '2' ? "symlink" : "mknod");
		if ((r = make_room(u, pfd, base, NULL, NULL)) < 0)
			return r;
	}
}

/* Symlinks have no mode; nodes get theirs by name, which is safe: we just
 * made the node, in a tree only we write to. */
static int make_special(struct layer_unpack *u, int pfd, const char *base)
{
	int r;

	if ((r = make_link(u, pfd, base, -1, NULL)) < 0 || (r = set_owner(u, -1, pfd, base)) < 0)
		return r;
	if (u->e->type != TAR_SYMLINK && fchmodat(pfd, base, u->e->mode, 0) < 0)
		return layer_fail(u, errno, true, "chmod");
	if ((r = set_xattrs(u, -1, pfd, base)) < 0)
		return r;
	return set_times(u, -1, pfd, base);
}

/* Copy the regular file, symlink or node sfd/name of a lower layer to
 * dfd/name of this one, with owner, mode and times. */
static int copy_entry(struct layer_unpack *u, int sfd, int dfd, const char *name,
		      const struct stat *st)
{
	autoclose int in = -1, out = -1;
	char buf[4096];
	ssize_t n;

	if (S_ISLNK(st->st_mode)) {
		n = readlinkat(sfd, name, buf, sizeof(buf) - 1);
		if (n < 0)
			return layer_fail(u, errno, true, "read lower symlink");
		buf[n] = '\0';
		if (symlinkat(buf, dfd, name) < 0)
			return layer_fail(u, errno, true, "copy up symlink");
	} else if (!S_ISREG(st->st_mode)) {
		if (mknodat(dfd, name, st->st_mode, st->st_rdev) < 0)
			return layer_fail(u, errno, true, "copy up node");
	} else {
		in = openat(sfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		out = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (in < 0 || out < 0)
			return layer_fail(u, errno, true, "copy up");
		while ((n = read(in, buf, sizeof(buf))) > 0)
			if (fsutil_write_full(out, buf, n) < 0)
				return layer_fail(u, errno, true, "copy up");
		if (n < 0)
			return layer_fail(u, errno, true, "copy up");
	}
	if (!(u->flags & LAYER_NO_CHOWN) &&
	    fchownat(dfd, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		return layer_fail(u, errno, true, "chown copied file");
	if (!S_ISLNK(st->st_mode) && fchmodat(dfd, name, st->st_mode & 07777, 0) < 0)
		return layer_fail(u, errno, true, "chmod copied file");
	return utimensat(dfd, name, (struct timespec[2]){ st->st_atim, st->st_mtim },
			 AT_SYMLINK_NOFOLLOW) < 0 ? layer_fail(u, errno, true, "copy up times") : 0;
}

/* A hardlink to a file of a lower layer: overlayfs cannot link across
 * layers, so the file is first copied up into this one (as a write to it
 * in a container would) and linked there. The topmost lower layer that
 * has the name, or hides it with a whiteout, decides. Returns the parent
 * fd in this layer, or -errno. */
static int copy_up(struct layer_unpack *u, size_t tdl, const char *tbase, const char *shown)
{
	for (int i = 0; i < u->nlower; i++) {
		int save = u->dirfd, lfd, dfd, r;
		struct stat st;

		u->dirfd = u->lower[i];
		lfd = walk(u, u->lpath.p, tdl, false, "hardlink target");
		u->dirfd = save;
		if (lfd == -ENOENT)
			continue;
		if (lfd < 0)
			return lfd;
		if (fstatat(lfd, tbase, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			close(lfd);
			continue;
		}
		if (is_whiteout(u, &st) || S_ISDIR(st.st_mode)) {
			close(lfd);
			break;
		}
		dfd = walk(u, u->lpath.p, tdl, true, "hardlink target");
		r = dfd < 0 ? dfd : copy_entry(u, lfd, dfd, tbase, &st);
		close(lfd);
		if (r < 0 && dfd >= 0)
			close(dfd);
		return r < 0 ? r : dfd;
	}
	err_clear();
	return layer_fail(u, ENOENT, false, "hardlink target \"%s\" not found", shown);
}

/* The target must already be in the tree (earlier in this layer, or a
 * lower layer in APPLY mode), reached without a symlink; a final symlink
 * is linked itself, not followed. Like umoci, the link's header metadata
 * is not applied: it would change the shared inode. In OVERLAY mode a
 * target below this layer is copied up when the lower layers are known,
 * else the unpack fails with EXDEV so the caller can retry with them. */
static int make_hardlink(struct layer_unpack *u, int pfd, const char *base)
{
	autoclose int tfd = -1;
	const char *tbase;
	struct stat st;
	size_t tdl;
	char shown[128];

	if (path_clean(u->e->linkname, &u->lpath) < 0 || !u->lpath.len)
		return layer_fail(u, EPERM, false, "hardlink target leaves the layer");
	if (!strcmp(u->lpath.p, u->path.p))
		return 0;
	snprintf(shown, sizeof(shown), "%s", u->e->linkname);
	tdl = path_dirlen(u->lpath.p, u->lpath.len);
	tbase = u->lpath.p + (tdl ? tdl + 1 : 0);
	tfd = walk(u, u->lpath.p, tdl, false, "hardlink target");
	if (tfd < 0 && tfd != -ENOENT)
		return tfd;
	if (tfd < 0 || fstatat(tfd, tbase, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (!(u->flags & LAYER_WH_OVERLAY))
			return layer_fail(u, ENOENT, false, "hardlink target \"%s\" not found", shown);
		if (!u->nlower)
			return layer_fail(u, EXDEV, false, "hardlink target \"%s\" is in a lower layer",
					  shown);
		if (tfd >= 0)
			close(tfd);
		tfd = copy_up(u, tdl, tbase, shown);
		if (tfd < 0)
			return tfd;
		st.st_mode = 0;
	}
	if (S_ISDIR(st.st_mode))
		return layer_fail(u, EPERM, false, "hardlink target \"%s\" is a directory", shown);
	return make_link(u, pfd, base, tfd, tbase);
}

/* OVERLAY: ".wh.NAME" becomes a 0/0 character device of mode 0, as
 * overlayfs makes them; ".wh..wh..opq" the opaque xattr. */
static int whiteout_overlay(struct layer_unpack *u, int pfd, const char *name, bool opaque)
{
	struct stat st;

	if (opaque)
		return set_opaque(u, pfd, ".");
	if (!mknodat(pfd, name, S_IFCHR, makedev(0, 0)))
		return 0;
	if (errno != EEXIST)
		return layer_fail(u, errno, true, "mknod whiteout %s", name);
	/* This layer made name already: it stays, and if it is a directory
	 * the lower one's entries must stay hidden. */
	if (!fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) && S_ISDIR(st.st_mode))
		return set_opaque(u, pfd, name);
	return 0;
}

static int whiteout(struct layer_unpack *u, size_t dl, const char *base)
{
	const char *name = base + 4;
	bool opaque = !strcmp(name, ".wh..opq");
	uint64_t h;
	int pfd, fd;

	u->stats.whiteouts++;
	if (!(u->flags & (LAYER_WH_OVERLAY | LAYER_WH_APPLY)))
		return layer_fail(u, EINVAL, false, "whiteout in a layer that may have none");
	/* Other ".wh..wh." names are AUFS bookkeeping (plnk): docker skips them. */
	if (!opaque && !strncmp(name, ".wh.", 4))
		return 0;
	if (!*name || !strcmp(name, ".") || !strcmp(name, ".."))
		return layer_fail(u, EPERM, false, "whiteout of \"%s\" refused", name);
	pfd = parent_fd(u, dl, u->flags & LAYER_WH_OVERLAY);
	if (u->flags & LAYER_WH_OVERLAY)
		return pfd < 0 ? pfd : whiteout_overlay(u, pfd, name, opaque);
	if (pfd == -ENOENT || pfd == -ENOTDIR)
		return 0;	/* nothing below to hide */
	if (pfd < 0)
		return pfd;
	h = fnv(LAYER_FNV0, u->path.p, dl);
	if (dl)
		h = fnv(h, "/", 1);
	if (!opaque)
		return prune(u, pfd, name, fnv(h, name, strlen(name)), 0);
	fd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return layer_fail(u, errno, true, "open");
	return prune_dir(u, fd, h, 0);
}

/* Apply the entry just read (u->e, u->name). A regular file
 * is left open in u->fd for its data. */
static int entry_apply(struct layer_unpack *u)
{
	const char *base;
	size_t dl;
	int pfd, r;

	if (path_clean(u->name.p, &u->path) < 0)
		return layer_fail(u, EPERM, false, "path leaves the layer");
	dl = path_dirlen(u->path.p, u->path.len);
	base = u->path.p + (dl ? dl + 1 : 0);
	if (!strncmp(base, ".wh.", 4))
		return whiteout(u, dl, base);
	if (!u->path.len && u->e->type != TAR_DIR)
		return layer_fail(u, EPERM, false, "the layer root can only be a directory");
	pfd = parent_fd(u, dl, true);
	if (pfd < 0)
		return pfd;
	if (u->e->type == TAR_REG)
		r = make_file(u, pfd, base);
	else if (u->e->type == TAR_HARDLINK)
		r = make_hardlink(u, pfd, base);
	else if (u->e->type == TAR_DIR)
		r = make_dir(u, pfd, base);
	else
		r = make_special(u, pfd, base);
	if (r >= 0)
		mark_path(u);
	return r;
}

/* Mode and mtime of one directory, found again by path: it may have been
 * replaced later in the layer, then there is nothing to do. */
static int dir_meta(struct layer_unpack *u, char *path, const struct layer_dirrec *rec)
{
	struct timespec ts[2] = { { rec->sec, rec->nsec }, { rec->sec, rec->nsec } };
	autoclose int pfd = -1, fd = -1;

	u->name.len = 0;
	lbuf_put(&u->name, path, rec->len);
	pfd = walk(u, path, rec->len, false, "path");
	if (pfd == -ENOENT || pfd == -ENOTDIR || pfd == -EPERM)
		return 0;
	if (pfd < 0)
		return pfd;
	fd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return layer_fail(u, errno, true, "open");
	if (fchmod(fd, rec->mode) < 0 || futimens(fd, ts) < 0)
		return layer_fail(u, errno, true, "set mode and mtime");
	return 0;
}

static int dirs_apply(struct layer_unpack *u)
{
	size_t off = 0;

	while (off < u->dirs.len) {
		struct layer_dirrec rec;
		char *path;
		int r;

		memcpy(&rec, u->dirs.p + off, sizeof(rec));
		path = u->dirs.p + off + sizeof(rec);
		off += sizeof(rec) + rec.len + 1;
		if ((r = dir_meta(u, path, &rec)) < 0)
			return r;
	}
	return 0;
}

/* ---- the tar reader's callbacks ---- */

/* An error of ours, as against the reader's (which gets "layer: " in
 * front of it, as it does not say what it reads). */
static int layer_failed(struct layer_unpack *u, int r)
{
	if (r < 0)
		u->err = -r;
	return r;
}

static int on_entry(void *arg, const struct tar_entry *e)
{
	struct layer_unpack *u = arg;

	u->e = e;
	u->name.len = 0;
	lbuf_put(&u->name, e->name, strlen(e->name));
	u->stats.entries++;
	return layer_failed(u, entry_apply(u));
}

/* Data of anything but a file being written (a whiteout's) is dropped. */
static int on_data(void *arg, const void *p, size_t n)
{
	struct layer_unpack *u = arg;

	return u->fd >= 0 ? layer_failed(u, file_write(u, p, n)) : 0;
}

static int on_end(void *arg)
{
	struct layer_unpack *u = arg;
	int r = u->fd >= 0 ? file_done(u) : 0;

	u->e = NULL;
	return layer_failed(u, r);
}

static const struct tar_reader_ops layer_tar_ops = { on_entry, on_data, on_end };

static int reader_failed(struct layer_unpack *u, int r)
{
	if (!u->err)
		err_ctx("layer");
	return layer_failed(u, r);
}

void layer_unpack_set_idshift(struct layer_unpack *u, uint32_t base, uint32_t count)
{
	u->id_base = base;
	u->id_count = count;
}

struct layer_unpack *layer_unpack_new(int dirfd, unsigned flags)
{
	struct layer_unpack *u;
	struct stat st;

	if ((flags & LAYER_WH_OVERLAY) && (flags & LAYER_WH_APPLY)) {
		err_setx(EINVAL, "layer unpack: whiteouts are either overlay or applied, not both");
		return NULL;
	}
	if (fstat(dirfd, &st) < 0 || !S_ISDIR(st.st_mode)) {
		err_setx(ENOTDIR, "layer unpack: the target is not a directory");
		return NULL;
	}
	u = xzalloc(sizeof(*u));
	u->dirfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
	if (u->dirfd < 0) {
		err_set(errno, "layer unpack: dup");
		free(u);
		return NULL;
	}
	u->flags = flags;
	u->fd = u->cfd = -1;
	u->tr = tar_reader_new(&layer_tar_ops, u);
	return u;
}

int layer_unpack_set_lowers(struct layer_unpack *u, const int *fds, int n)
{
	u->lower = xrealloc(u->lower, sizeof(int) * (n ? n : 1));
	for (; u->nlower < n; u->nlower++) {
		u->lower[u->nlower] = fcntl(fds[u->nlower], F_DUPFD_CLOEXEC, 3);
		if (u->lower[u->nlower] < 0)
			return err_set(errno, "layer unpack: dup");
	}
	return 0;
}

int layer_unpack_feed(struct layer_unpack *u, const void *p, size_t n)
{
	int r;

	if (u->err)
		return -u->err;
	if (u->done)
		return err_setx(EINVAL, "layer unpack: data fed after the end");
	u->stats.tar_bytes += n;
	r = tar_reader_feed(u->tr, p, n);
	return r < 0 ? reader_failed(u, r) : 0;
}

int layer_unpack_finish(struct layer_unpack *u)
{
	int r;

	if (u->err)
		return -u->err;
	if (u->done)
		return 0;
	r = tar_reader_finish(u->tr);
	if (r < 0)
		return reader_failed(u, r);
	r = dirs_apply(u);
	if (r < 0)
		return layer_failed(u, r);
	u->done = true;
	return 0;
}

const struct layer_stats *layer_unpack_stats(const struct layer_unpack *u)
{
	return &u->stats;
}

void layer_unpack_free(struct layer_unpack *u)
{
	if (!u)
		return;
	if (u->fd >= 0)
		close(u->fd);
	if (u->cfd >= 0)
		close(u->cfd);
	close(u->dirfd);
	for (int i = 0; i < u->nlower; i++)
		close(u->lower[i]);
	free(u->lower);
	tar_reader_free(u->tr);
	free(u->name.p), free(u->path.p), free(u->lpath.p);
	free(u->cache.p), free(u->dirs.p), free(u->marks.v);
	free(u);
}

int layer_unpack_fd(int dirfd, int fd, unsigned flags, struct layer_stats *st)
{
	struct layer_unpack *u = layer_unpack_new(dirfd, flags);
	enum { CHUNK = 64 * 1024 };
	autofree char *buf = NULL;
	int r = 0;

	if (!u)
		return -err_errno();
	buf = xmalloc(CHUNK);
	while (!r) {
		ssize_t n = read(fd, buf, CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = err_set(errno, "read layer");
		else if (!n)
			break;
		else
			r = layer_unpack_feed(u, buf, (size_t)n);
	}
	if (!r)
		r = layer_unpack_finish(u);
	if (st)
		*st = u->stats;
	layer_unpack_free(u);
	return r;
}
