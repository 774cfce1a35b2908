// SPDX-License-Identifier: Apache-2.0
/* ctrfs.c - choosing a storage driver and laying out a container's root
 * filesystem; the mounting itself is overlay.c's and bindcopy.c's. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "core/fs/bindcopy.h"
#include "core/fs/ctrfs.h"
#include "core/fs/overlay.h"
#include "core/fs/userns.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/log.h"
#include "core/util/xalloc.h"

int ctrfs_pick(const char *root, const char *driver, const struct dory_conf *conf,
	       enum ctrfs_driver *out)
{
	char why[160];

	if (!driver)
		driver = conf->storage_driver;
	if (driver && !strcmp(driver, "bind-copy")) {
		*out = CTRFS_BINDCOPY;
		return 0;
	}
	if (driver && strcmp(driver, "overlay"))
		return err_setx(EINVAL, "unknown storage driver \"%s\" (use overlay or bind-copy)",
				driver);
	if (overlay_usable(root, why, sizeof(why))) {
		*out = CTRFS_OVERLAY;
		return 0;
	}
	if (driver)
		return err_setx(ENOTSUP, "overlay cannot be used under %s: %s (use bind-copy)",
				root, why);
	dbg("overlay unusable under %s (%s): bind-copy", root, why);
	*out = CTRFS_BINDCOPY;
	return 0;
}

static int ctrfs_mkdirs(struct ctrfs *f, const char *const *names)
{
	for (; *names; names++) {
		autofree char *p = xasprintf("%s/%s", f->dir, *names);

		if (mkdir(p, 0700) < 0)
			return err_set(errno, "mkdir %s", p);
	}
	return 0;
}

/* A read-only bind-copy container shares one flattened copy per image
 * (ROOT/flat/IDHEX), made once; writable ones copy it. */
static int ctrfs_flat(struct store *st, const struct image *im, struct ctrfs *f, char **out)
{
	autofree char *flat = xasprintf("%s/flat/%s", store_root(st), im->id + 7);
	autofree char *tmp = xasprintf("%s.%d", flat, (int)getpid());
	struct stat sb;
	int rc;

	if (stat(flat, &sb) == 0) {
		*out = TAKE(flat);
		return 0;
	}
	rc = fsutil_mkdir_p(tmp, 0700);
	if (!rc)
		rc = bindcopy_flatten((const char *const *)f->lowers.v, f->lowers.n, tmp);
	/* Mount points the runtime needs, since this copy is bound read-only. */
	for (const char *const *d = (const char *const[]){ "proc", "sys", "dev", NULL };
	     !rc && *d; d++) {
		autofree char *p = xasprintf("%s/%s", tmp, *d);

		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			rc = err_set(errno, "mkdir %s", p);
	}
	if (!rc && rename(tmp, flat) < 0 && errno != EEXIST && errno != ENOTEMPTY)
		rc = err_set(errno, "rename %s", tmp);
	if (rc < 0 || stat(tmp, &sb) == 0)
		bindcopy_remove(tmp);
	if (!rc)
		*out = TAKE(flat);
	return rc;
}

/* The merged root takes the upper dir's mode and owner: the image's own
 * (0755 where its top layer says nothing), or a user that is not root
 * could not enter "/". */
static int ctrfs_upper_root(const struct ctrfs *f)
{
	autofree char *upper = xasprintf("%s/upper", f->dir);
	struct stat st = { .st_mode = 0755 };

	if (f->lowers.n && stat(f->lowers.v[0], &st) < 0)
		st = (struct stat){ .st_mode = 0755 };
	if (chmod(upper, st.st_mode & 07777) < 0 || chown(upper, st.st_uid, st.st_gid) < 0)
		return err_set(errno, "set the root of %s", upper);
	return 0;
}

int ctrfs_prepare(struct store *st, const struct image *im, const char *id,
		  enum ctrfs_driver driver, bool readonly, struct ctrfs *f)
{
	static const char *const ov[] = { "upper", "work", "rootfs", NULL };
	static const char *const bc[] = { "rootfs", NULL };
	autofree char *base = xasprintf("%s/containers", store_root(st));
	int rc;

	memset(f, 0, sizeof(*f));
	f->driver = driver;
	f->readonly = readonly;
	rc = image_layer_dirs(st, im, &f->lowers);
	if (rc < 0)
		return rc;
	if (fsutil_mkdir_p(base, 0700) < 0)
		return -err_errno();
	f->dir = xasprintf("%s/%s", base, id);
	if (mkdir(f->dir, 0700) < 0) {
		rc = err_set(errno, "mkdir %s", f->dir);
		free(TAKE(f->dir));
		return rc;
	}
	f->rootfs = xasprintf("%s/rootfs", f->dir);
	rc = ctrfs_mkdirs(f, driver == CTRFS_OVERLAY ? ov : bc);
	if (!rc && driver == CTRFS_OVERLAY)
		rc = ctrfs_upper_root(f);
	if (!rc && driver == CTRFS_BINDCOPY) {
		autofree char *flat = NULL;

		rc = ctrfs_flat(st, im, f, &flat);
		if (!rc && readonly) {
			f->src = TAKE(flat);
		} else if (!rc) {
			f->src = xasprintf("%s/copy", f->dir);
			rc = bindcopy_clone(flat, f->src);
		}
	}
	if (rc < 0) {
		char keep[256];

		snprintf(keep, sizeof(keep), "%s", err_str());
		ctrfs_remove(f);
		err_setx(-rc, "%s", keep);
	}
	return rc;
}

int ctrfs_open(struct store *st, const struct image *im, const char *id,
	       enum ctrfs_driver driver, bool readonly, struct ctrfs *f)
{
	int rc;

	memset(f, 0, sizeof(*f));
	f->driver = driver;
	f->readonly = readonly;
	f->dir = xasprintf("%s/containers/%s", store_root(st), id);
	f->rootfs = xasprintf("%s/rootfs", f->dir);
	rc = image_layer_dirs(st, im, &f->lowers);
	if (!rc && driver == CTRFS_BINDCOPY)
		f->src = readonly ? xasprintf("%s/flat/%s", store_root(st), im->id + 7)
				  : xasprintf("%s/copy", f->dir);
	if (!rc && access(f->rootfs, F_OK) < 0)
		rc = err_set(errno, "container root %s", f->rootfs);
	if (rc < 0)
		ctrfs_clear(f);
	return rc;
}

int ctrfs_idmap_open(const struct ctrfs *f, const struct userns_map *m, bool shifted, int *out)
{
	autofree char *upper = xasprintf("%s/upper", f->dir), *work = xasprintf("%s/work", f->dir);
	int usfd, *fds, r = 0;
	size_t n = 0;

	if (shifted) {	/* owners are on disk already: a plain bind */
		*out = userns_idmap_open(f->src, -1, false);
		if (*out == -ENOSYS) {	/* before 5.2: the container binds it */
			*out = -1;
			err_clear();
			return 0;
		}
		return *out < 0 ? *out : 0;
	}
	usfd = userns_open(m);
	if (usfd < 0)
		return usfd;
	if (f->driver == CTRFS_BINDCOPY) {
		*out = userns_idmap_open(f->src, usfd, f->readonly);
		close(usfd);
		return *out < 0 ? *out : 0;
	}
	fds = xzalloc((f->lowers.n + 1) * sizeof(*fds));
	for (; n < f->lowers.n && r == 0; n++)
		if ((fds[n] = userns_idmap_open(f->lowers.v[n], usfd, true)) < 0)
			r = fds[n];
	/* The upper layer is not idmapped: its root must be the mapped root's. */
	if (r == 0 && chown(upper, userns_host_id(m, 0), userns_host_id(m, 0)) < 0)
		r = err_set(errno, "chown %s", upper);
	if (r == 0) {
		*out = userns_overlay_open(fds, (int)n, upper, work);
		r = *out < 0 ? *out : 0;
	}
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
	close(usfd);
	if (r < 0)
		err_hint("the kernel or the filesystem under --root cannot idmap mounts "
			 "(Linux 6.8+; ext4, xfs, btrfs, tmpfs): run it with --userns=host");
	return r;
}

int ctrfs_mount(void *arg)
{
	const struct ctrfs *f = arg;

	if (f->driver == CTRFS_BINDCOPY)
		return bindcopy_mount(f->src, f->rootfs, f->readonly);
	/* Always with an upper dir: the runtime makes mount points, and
	 * --read-only turns the whole root read-only at the end. */
	{
		autofree char *upper = xasprintf("%s/upper", f->dir);
		autofree char *work = xasprintf("%s/work", f->dir);

		return overlay_mount((const char *const *)f->lowers.v, f->lowers.n, upper, work,
				     f->rootfs, false);
	}
}

int ctrfs_remove(struct ctrfs *f)
{
	if (!f->dir)
		return 0;
	return bindcopy_remove(f->dir);
}

void ctrfs_clear(struct ctrfs *f)
{
	strv_free(&f->lowers);
	free(f->dir);
	free(f->rootfs);
	free(f->src);
	memset(f, 0, sizeof(*f));
}
