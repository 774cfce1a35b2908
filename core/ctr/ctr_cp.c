// SPDX-License-Identifier: Apache-2.0
/* ctr_cp.c - docker cp and export: where the container's root is (its
 * init's, or a private mount of its filesystem), Docker's path rules, and
 * a tree streamed through the one tar writer into the one unpacker. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/ctr/ctr.h"
#include "core/ctr/ctr_cp.h"
#include "core/ctr/ctr_vol.h"
#include "core/fs/inroot.h"
#include "core/fs/overlay.h"
#include "core/image/layer.h"
#include "core/image/tartree.h"
#include "core/kernel/mnt.h"
#include "core/runtime/rootfs.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/gz.h"
#include "core/util/lock.h"
#include "core/util/xalloc.h"

enum { CP_BUF = 64 * 1024 };

/* One end of a copy: the host (ctr NULL, paths as the caller's), or a
 * container's root (paths resolved inside fd). */
struct cp_root {
	int fd;
	int lock;		/* the container's, held while a private mount is used */
	const char *ctr;
	struct userns_map map;	/* count 0: the host's ids */
	bool readonly;		/* --read-only: only its volumes take files */
};

static void cp_root_close(struct cp_root *r)
{
	if (r->fd >= 0)
		close(r->fd);
	if (r->lock >= 0)
		lock_close(r->lock);
	r->fd = r->lock = -1;
}

/* A read-only view of an overlay root: its upper dir as the top lower, so
 * no work dir is shared with a running container's mount. */
static int cp_mount_ro(const struct ctrfs *f)
{
	const char **lowers = xzalloc((f->lowers.n + 1) * sizeof(*lowers));
	autofree char *upper = xasprintf("%s/upper", f->dir);
	int rc;

	lowers[0] = upper;
	for (size_t i = 0; i < f->lowers.n; i++)
		lowers[i + 1] = f->lowers.v[i];
	rc = overlay_mount(lowers, (int)f->lowers.n + 1, NULL, NULL, f->rootfs, true);
	free(lowers);
	return rc;
}

/* In a user namespace, written as the runtime mounts it (a detached
 * mount, its layers idmapped), so that what overlayfs copies up gets the
 * owners the container sees. Clears f. */
static int cp_mount_userns(const struct ctr_config *c, struct ctrfs *f)
{
	int fd = -1, rc = ctrfs_idmap_open(f, &c->userns, c->userns_shifted, &fd);

	if (rc == 0 && fd < 0) {	/* a shifted copy, before Linux 5.2 */
		fd = openat(AT_FDCWD, f->src, O_PATH | O_DIRECTORY | O_CLOEXEC);
		rc = fd < 0 ? err_set(errno, "open %s", f->src) : 0;
	}
	ctrfs_clear(f);
	return rc < 0 ? rc : fd;
}

/* A mount namespace of this process only: what is mounted in it goes
 * when the process exits. */
static int cp_private_ns(void)
{
	if (unshare(CLONE_NEWNS) < 0)
		return err_set(errno, "unshare the mount namespace");
	return rootfs_private();
}

/* A stopped container's volumes where it would see them (as Docker's cp
 * does). A tmpfs volume holds nothing then; a missing mount point is made
 * when write (as the next start would), else that volume left out. In
 * this process's own mount namespace. */
static int cp_mount_volumes(const struct ctr_config *c, int rootfd, bool write)
{
	struct ctr_vol_binds b = { 0 };
	int rc = ctr_vol_binds(c, &b);

	for (size_t i = 0; rc == 0 && i < b.n; i++) {
		struct stat st;
		char at[40];
		int fd;

		if (b.v[i].fstype)
			continue;
		/* Made as a start would: missing directories, the last a file
		 * unless the source is a directory. */
		if (write && stat(b.v[i].src, &st) == 0)
			fd = inroot_make(rootfd, b.v[i].dst, S_ISDIR(st.st_mode), 0755);
		else
			fd = inroot_open(rootfd, b.v[i].dst, true);
		if (fd < 0)
			continue;
		snprintf(at, sizeof(at), "/proc/self/fd/%d", fd);
		rc = mnt_bind(b.v[i].src, at, true, 0);
		close(fd);
		/* The new mount is on top: open it again to make it read-only. */
		if (rc == 0 && b.v[i].ro && (fd = inroot_open(rootfd, b.v[i].dst, true)) >= 0) {
			snprintf(at, sizeof(at), "/proc/self/fd/%d", fd);
			rc = mnt_remount_ro(at);
			close(fd);
		}
	}
	ctr_vol_binds_clear(&b);
	if (rc < 0)
		return err_ctx("bind the container's volumes");
	err_clear();	/* a mount point left out */
	return 0;
}

/* Mount f for the view: overlay read-write when rw, else read-only with
 * no work dir; bind-copy read-only unless rw. */
static int cp_mount_root(struct ctrfs *f, bool rw)
{
	if (f->driver == CTRFS_OVERLAY && !rw)
		return cp_mount_ro(f);
	f->readonly = !rw;
	return ctrfs_mount(f);
}

/* The container's root filesystem without starting it, with its volumes
 * when vols, mounted in a mount namespace of this process only (gone when
 * it exits): writable only when write and the container's root is. As at
 * a start, a --read-only overlay is writable until the volumes' mount
 * points are made. */
static int cp_mount_view(const char *id, const struct ctr_config *c, bool write, bool vols)
{
	struct store *st = NULL;
	struct image im = { 0 };
	struct ctrfs f = { 0 };
	const char *dir = c->rootfs;
	bool points, rw;
	int rc = 0, fd;

	vols = vols && c->nmounts;
	if (!dir) {
		if ((rc = store_open(dory.root, &st)) < 0)
			return rc;
		rc = image_open(st, c->image_id, &im);
		if (rc == 0)
			rc = ctrfs_open(st, &im, id, c->driver, c->readonly && !c->userns_shifted,
					&f);
		image_close(&im);
		store_close(st);
		if (rc < 0)
			return err_ctx("the container's image %.19s", c->image_id);
		if (write && !c->readonly && c->userns.count)
			return cp_mount_userns(c, &f);
		dir = f.rootfs;
	}
	points = write && vols;
	rw = (write && !c->readonly) || (points && f.driver == CTRFS_OVERLAY);
	if (vols || f.dir)
		rc = cp_private_ns();
	if (rc == 0 && f.dir)
		rc = cp_mount_root(&f, rw);
	fd = rc < 0 ? -1 : openat(AT_FDCWD, dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rc == 0 && fd < 0)
		rc = err_set(errno, "open the container's root");
	if (rc == 0 && vols)
		rc = cp_mount_volumes(c, fd, points);
	if (rc == 0 && f.dir && rw && c->readonly)
		rc = mnt_remount_ro(f.rootfs);
	ctrfs_clear(&f);
	if (rc < 0 && fd >= 0)
		close(fd);
	return rc < 0 ? rc : fd;
}

/* live: a running container through its init's root (volumes and all);
 * otherwise, or when it is stopped, its own filesystem. */
static int cp_root_ctr(const char *id, const char *ctr, bool write, bool live, struct cp_root *r)
{
	struct ctr_config c = { 0 };
	struct ctr_state s = { 0 };
	char proc[40];
	int rc;

	r->ctr = ctr ? ctr : id;
	r->fd = -1;
	if ((r->lock = ctr_lock(id)) < 0)
		return r->lock;
	rc = ctr_config_load(id, &c);
	if (rc == 0)
		rc = ctr_state_load(id, true, &s);
	r->map = c.userns;
	r->readonly = c.readonly;
	if (rc == 0 && live && ctr_active(&s) && s.pid > 0) {
		snprintf(proc, sizeof(proc), "/proc/%d/root", (int)s.pid);
		r->fd = openat(AT_FDCWD, proc, O_PATH | O_DIRECTORY | O_CLOEXEC);
		rc = r->fd < 0 ? err_set(errno, "open %s", proc) : 0;
		lock_close(r->lock);
		r->lock = -1;
	} else if (rc == 0 && write && c.readonly && c.rootfs) {
		rc = err_setx(EROFS, "container %s has a read-only root filesystem (create it "
			      "without --read-only)", r->ctr);
	} else if (rc == 0) {
		r->fd = cp_mount_view(id, &c, write, live);
		rc = r->fd < 0 ? r->fd : 0;
	}
	ctr_config_clear(&c);
	ctr_state_clear(&s);
	if (rc < 0)
		cp_root_close(r);
	return rc;
}

/* ---- Docker's path rules ---- */

static bool cp_ends_dot(const char *p)
{
	size_t n = strlen(p);

	return !strcmp(p, ".") || (n >= 2 && !strcmp(p + n - 2, "/."));
}

static bool cp_ends_slash(const char *p)
{
	size_t n = strlen(p);

	return n && p[n - 1] == '/';
}

/* p without trailing "/" and "/." (allocated; "" for the root). */
static char *cp_trim(const char *p)
{
	char *s = xstrdup(p);
	size_t n = strlen(s);

	for (;;) {
		if (n && s[n - 1] == '/')
			s[--n] = '\0';
		else if (n >= 2 && !strcmp(s + n - 2, "/."))
			s[n -= 2] = '\0';
		else
			break;
	}
	return s;
}

/* The last name of p (allocated; "" for the root, "." for "."). */
static char *cp_base(const char *p)
{
	autofree char *t = cp_trim(p);
	const char *b = strrchr(t, '/');

	return xstrdup(b ? b + 1 : t);
}

/* The directory p's last name is in (allocated; "/" or "."). */
static char *cp_dir(const char *p)
{
	char *t = cp_trim(p), *b = strrchr(t, '/');

	if (!b) {
		free(t);
		return xstrdup(".");
	}
	if (b == t)
		b[1] = '\0';
	else
		*b = '\0';
	return t;
}

static int cp_open(const struct cp_root *r, const char *path, bool follow)
{
	int fd;

	if (r->fd >= 0) {
		fd = inroot_open(r->fd, path, follow);
		if (fd == -ENOENT)
			return err_setx(ENOENT, "Could not find the file %s in container %s", path,
					r->ctr);
		return fd;
	}
	fd = openat(AT_FDCWD, path, O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
	return fd < 0 ? err_set(errno, "lstat %s", path) : fd;
}

struct cp_src {
	int fd;
	struct stat st;
	char *base;	/* the name it gets */
	bool contents;	/* "/.": only what is in it */
	struct userns_map map;	/* its root's: owners written as the container sees them */
};

static int cp_src_open(const struct cp_root *r, const char *path, bool follow, struct cp_src *s)
{
	bool dot = cp_ends_dot(path), slash = dot || cp_ends_slash(path);

	s->fd = cp_open(r, path, follow || slash);
	if (s->fd == -ENOTDIR && slash)
		return err_setx(ENOTDIR, "%s is not a directory (drop the trailing \"/\")", path);
	if (s->fd < 0)
		return s->fd;
	if (fstat(s->fd, &s->st) < 0)
		return err_set(errno, "stat %s", path);
	if (slash && !S_ISDIR(s->st.st_mode))
		return err_setx(ENOTDIR, "%s is not a directory (drop the trailing \"/\")", path);
	s->base = cp_base(path);
	s->map = r->map;
	s->contents = dot || !*s->base || !strcmp(s->base, ".");
	return 0;
}

static void cp_src_close(struct cp_src *s)
{
	if (s->fd >= 0)
		close(s->fd);
	free(s->base);
}

/* Docker refuses to put a file where a directory is, or the other way. */
static int cp_no_clash(int pfd, const char *as, const char *path, const struct cp_src *s)
{
	bool sdir = S_ISDIR(s->st.st_mode);
	const char *sep = cp_ends_slash(path) ? "" : "/";
	struct stat st;

	if (!*as || fstatat(pfd, as, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    S_ISDIR(st.st_mode) == sdir)
		return 0;
	if (sdir)
		return err_setx(EEXIST, "cannot overwrite the file %s%s%s with a directory "
				"(remove it first)", path, sep, as);
	return err_setx(EISDIR, "cannot overwrite the directory %s%s%s with a file", path, sep,
			as);
}

/* Where SRC goes: into the directory *pfd as the name *as ("": SRC's
 * content right in it). */
static int cp_dst_open(const struct cp_root *r, const char *path, const struct cp_src *s,
		       int *pfd, char **as)
{
	bool slash = cp_ends_slash(path) || cp_ends_dot(path), sdir = S_ISDIR(s->st.st_mode);
	autofree char *dir = NULL;
	struct stat st;
	int fd = cp_open(r, path, true);

	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		*pfd = fd;
		*as = xstrdup(sdir && s->contents ? "" : s->base);
		return cp_no_clash(fd, *as, path, s);
	}
	if (fd >= 0) {
		close(fd);
		if (sdir)
			return err_setx(ENOTDIR, "cannot copy a directory to the file %s (name a "
					"directory)", path);
		if (slash)
			return err_setx(ENOTDIR, "%s is not a directory", path);
	} else if (fd != -ENOENT) {
		return fd;
	} else if (slash && !sdir) {
		return err_setx(ENOENT, "the directory %s does not exist (make it first, or drop "
				"the trailing \"/\")", path);
	}
	err_clear();
	dir = cp_dir(path);
	if ((fd = cp_open(r, dir, true)) < 0)
		return fd;
	if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode)) {
		close(fd);
		return err_setx(ENOTDIR, "%s is not a directory", dir);
	}
	*pfd = fd;
	*as = cp_base(path);
	return cp_no_clash(fd, *as, dir, s);
}

/* ---- streaming ---- */

static int cp_sink_unpack(void *arg, const void *p, size_t n)
{
	return layer_unpack_feed(arg, p, n);
}

static int cp_sink_fd(void *arg, const void *p, size_t n)
{
	int rc = fsutil_write_full(*(const int *)arg, p, n);

	return rc < 0 && rc != -EPIPE ? err_set(-rc, "write the archive") : rc;
}

/* The tree s (named as) into the tar writer over sink; out of a user
 * namespace, with the owners its processes see (Docker's export and cp
 * of a remapped container give the container's ids, not the host's). */
static int cp_tar(const struct cp_src *s, const char *as, tar_sink_fn sink, void *arg)
{
	struct tar_writer *w = tar_writer_new(sink, arg);
	struct tartree *t = tartree_new(w);
	int rc;

	tartree_set_idshift(t, s->map.base, s->map.count);
	rc = tartree_add(t, s->fd, as);

	if (rc == 0)
		rc = tar_writer_finish(w);
	tartree_free(t);
	tar_writer_free(w);
	return rc;
}

/* An unpacker into pfd of root r: owners kept with archive, else root's;
 * in a user namespace, as its host ids (what the container writes). */
static struct layer_unpack *cp_unpacker(const struct cp_root *r, int pfd, bool archive)
{
	struct layer_unpack *u = layer_unpack_new(pfd, archive ? 0 : LAYER_NO_CHOWN);

	if (u && r->map.count)
		layer_unpack_set_idshift(u, r->map.base, r->map.count);
	return u;
}

static int cp_run(const struct cp_src *s, const struct cp_root *r, int pfd, const char *as,
		  bool archive)
{
	struct layer_unpack *u = cp_unpacker(r, pfd, archive);
	int rc;

	if (!u)
		return -err_errno();
	rc = cp_tar(s, as, cp_sink_unpack, u);
	if (rc == 0)
		rc = layer_unpack_finish(u);
	layer_unpack_free(u);
	return rc;
}

/* What to do when the container's root would not take the files. */
static int cp_erofs_hint(const struct cp_root *r, int rc)
{
	if (rc == -EROFS && r->readonly)
		err_hint("container %s has a read-only root filesystem: copy into one of "
			 "its volumes", r->ctr);
	return rc;
}

/* Copy s to path of root r. */
static int cp_to(const struct cp_src *s, const struct cp_root *r, const char *path, bool archive)
{
	autofree char *as = NULL;
	int pfd = -1, rc = cp_dst_open(r, path, s, &pfd, &as);

	if (rc == 0)
		rc = cp_run(s, r, pfd, as, archive);
	if (pfd >= 0)
		close(pfd);
	return cp_erofs_hint(r, rc);
}

int ctr_cp_out(const char *id, const char *ctr, const char *src, const char *dst, int outfd,
	       const struct ctr_cp_opts *o)
{
	struct cp_root cr, host = { .fd = -1, .lock = -1 };
	struct cp_src s = { .fd = -1 };
	int rc = cp_root_ctr(id, ctr, false, true, &cr);

	if (rc < 0)
		return rc;
	rc = cp_src_open(&cr, src, o->follow, &s);
	if (rc == 0 && !strcmp(dst, "-"))
		rc = cp_tar(&s, s.contents ? "" : s.base, cp_sink_fd, &outfd);
	else if (rc == 0)
		rc = cp_to(&s, &host, dst, o->archive);
	cp_src_close(&s);
	cp_root_close(&cr);
	return rc;
}

/* A tar read from fd into u, gunzipped first if it is gzip (Docker takes
 * a compressed archive too). */
static int cp_feed(struct layer_unpack *u, int fd)
{
	autofree char *buf = xmalloc(CP_BUF);
	struct gz *z = NULL;
	bool first = true;
	ssize_t n;
	int rc = 0;

	while (rc == 0 && (n = fsutil_read_full(fd, buf, CP_BUF)) != 0) {
		if (n < 0) {
			rc = err_set((int)-n, "read the archive");
			break;
		}
		if (first && gz_is_gzip(buf, (size_t)n))
			z = gz_inflate_new(cp_sink_unpack, u);
		first = false;
		rc = z ? gz_feed(z, buf, (size_t)n) : layer_unpack_feed(u, buf, (size_t)n);
	}
	if (rc == 0 && z)
		rc = gz_finish(z);
	gz_free(z);
	return rc == 0 ? layer_unpack_finish(u) : rc;
}

/* A tar from fd into the directory path of r. */
static int cp_untar(const struct cp_root *r, const char *path, int fd, bool archive)
{
	struct layer_unpack *u = NULL;
	struct stat st;
	int dfd = cp_open(r, path, true), rc;

	if (dfd < 0)
		return dfd;
	if (fstat(dfd, &st) < 0 || !S_ISDIR(st.st_mode))
		rc = err_setx(ENOTDIR, "destination \"%s\" must be a directory", path);
	else if (!(u = cp_unpacker(r, dfd, archive)))
		rc = -err_errno();
	else
		rc = cp_feed(u, fd);
	layer_unpack_free(u);
	close(dfd);
	return cp_erofs_hint(r, rc);
}

int ctr_cp_in(const char *id, const char *ctr, const char *src, int infd, const char *dst,
	      const struct ctr_cp_opts *o)
{
	struct cp_root cr = { .fd = -1, .lock = -1 }, host = { .fd = -1, .lock = -1 };
	struct cp_src s = { .fd = -1 };
	bool stream = !strcmp(src, "-");
	int rc = stream ? 0 : cp_src_open(&host, src, o->follow, &s);

	if (rc == 0)
		rc = cp_root_ctr(id, ctr, true, true, &cr);
	if (rc == 0 && stream)
		rc = cp_untar(&cr, dst, infd, o->archive);
	else if (rc == 0)
		rc = cp_to(&s, &cr, dst, o->archive);
	cp_src_close(&s);
	cp_root_close(&cr);
	return rc;
}

int ctr_export(const char *id, int fd)
{
	struct cp_root cr;
	struct cp_src s = { .fd = -1 };
	int rc = cp_root_ctr(id, NULL, false, false, &cr);

	if (rc < 0)
		return rc;
	s.fd = cr.fd;
	s.map = cr.map;
	rc = cp_tar(&s, "", cp_sink_fd, &fd);
	cp_root_close(&cr);
	return rc;
}
