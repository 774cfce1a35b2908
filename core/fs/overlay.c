// SPDX-License-Identifier: Apache-2.0
/* overlay.c - overlayfs mounts of store layers: the new mount API where the
 * kernel takes "lowerdir+" (6.8), else mount(2) within its one-page limit. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#include "core/fs/overlay.h"
#include "core/kernel/mnt.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/xalloc.h"
#include "libc-compat/compat.h"

enum {
	OVL_MAX_LAYERS = 500,	/* the kernel's OVL_MAX_STACK */
	OVL_VALUE_MAX = 255,	/* fsconfig(2) copies at most 256 bytes a value */
	OVL_LOG_MAX = 240,	/* one message from the kernel's fs context log */
};

/* Safety first: no index (needs stable file handles), and never follow
 * or make redirects or metacopy, which a crafted layer could abuse. */
static const char *const ovl_opts[][2] = {
	{ "index", "off" }, { "redirect_dir", "nofollow" }, { "metacopy", "off" },
};

struct ovl_req {
	const char *const *lowers;	/* top first */
	int n;
	const char *upper, *work;	/* upper NULL: lowers only */
	const char *target;
	bool ro;
};

/* Short names for long paths: symlinks "0".."n-1", "u", "w" in a scratch
 * dir inside target, which is our cwd while mounting. Held by fds, as the
 * mount then covers the dir. */
struct ovl_short {
	int tfd, dfd, cwd;	/* target, scratch dir, old cwd; -1 when unused */
	int n;
	char name[32];		/* the scratch dir in target */
};
#define OVL_SHORT_NONE { -1, -1, -1, 0, "" }

static const char *ovl_lower(const struct ovl_req *r, const struct ovl_short *s, int i,
			     char buf[12])
{
	if (s->dfd < 0)
		return r->lowers[i];
	snprintf(buf, 12, "%d", i);
	return buf;
}

static const char *ovl_upper(const struct ovl_req *r, const struct ovl_short *s)
{
	return s->dfd < 0 ? r->upper : "u";
}

static const char *ovl_work(const struct ovl_req *r, const struct ovl_short *s)
{
	return s->dfd < 0 ? r->work : "w";
}

static void ovl_short_drop(struct ovl_short *s)
{
	char b[12];

	/* If the old cwd cannot be restored there is no better place to go. */
	if (s->cwd >= 0 && fchdir(s->cwd) < 0) {
	}
	if (s->dfd >= 0) {
		for (int i = 0; i < s->n; i++) {
			snprintf(b, sizeof(b), "%d", i);
			unlinkat(s->dfd, b, 0);
		}
		unlinkat(s->dfd, "u", 0);
		unlinkat(s->dfd, "w", 0);
		unlinkat(s->tfd, s->name, AT_REMOVEDIR);
	}
	if (s->cwd >= 0)
		close(s->cwd);
	if (s->dfd >= 0)
		close(s->dfd);
	if (s->tfd >= 0)
		close(s->tfd);
	*s = (struct ovl_short)OVL_SHORT_NONE;
}

static int ovl_short_link(struct ovl_short *s, const char *path, const char *name)
{
	if (path && symlinkat(path, s->dfd, name) < 0)
		return err_set(errno, "symlink %s/%s", s->name, name);
	return 0;
}

static int ovl_short_make(const struct ovl_req *r, struct ovl_short *s)
{
	autofree char *tmp = xasprintf("%s/.dory-ovl-XXXXXX", r->target);
	char b[12];

	if (!mkdtemp(tmp))
		return err_set(errno, "create a scratch dir in %s", r->target);
	snprintf(s->name, sizeof(s->name), "%s", strrchr(tmp, '/') + 1);
	s->tfd = openat(AT_FDCWD, r->target, O_PATH | O_DIRECTORY | O_CLOEXEC);
	s->dfd = s->tfd < 0 ? -1 : openat(s->tfd, s->name, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (s->dfd < 0) {
		err_set(errno, "open %s", tmp);
		rmdir(tmp);
		goto fail;
	}
	for (s->n = 0; s->n < r->n; s->n++) {
		snprintf(b, sizeof(b), "%d", s->n);
		if (ovl_short_link(s, r->lowers[s->n], b) < 0)
			goto fail;
	}
	if (ovl_short_link(s, r->upper, "u") < 0 || ovl_short_link(s, r->work, "w") < 0)
		goto fail;
	s->cwd = openat(AT_FDCWD, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (s->cwd < 0 || fchdir(s->dfd) < 0) {
		err_set(errno, "chdir %s", tmp);
		goto fail;
	}
	return 0;
fail:
	ovl_short_drop(s);
	return -err_errno();
}

static int ovl_no_kernel(void)
{
	err_setx(ENODEV, "the kernel has no overlay filesystem");
	return err_hint("enable CONFIG_OVERLAY_FS, load it with 'modprobe overlay', "
			"or use the bind-copy driver");
}

/* ---- the new mount API ---- */

void overlay_fslog(int fd, char *msg, size_t n)
{
	char b[OVL_LOG_MAX];
	ssize_t len;

	if (msg)
		msg[0] = '\0';
	for (int i = 0; i < 16 && (len = read(fd, b, sizeof(b) - 1)) > 0; i++) {
		b[len] = '\0';
		b[strcspn(b, "\n")] = '\0';
		if (msg && len > 2 && b[0] == 'e' && b[1] == ' ')
			snprintf(msg, n, "%s", b + 2);
	}
}

int overlay_fsfail(int fd, int errnum, const char *what)
{
	char msg[OVL_LOG_MAX];

	overlay_fslog(fd, msg, sizeof(msg));
	if (msg[0])
		return err_setx(errnum, "%s: %s: %s", what, msg, strerror(errnum));
	return err_set(errnum, "%s", what);
}

static int ovl_fail(int fd, int errnum, const char *what, const char *target)
{
	overlay_fsfail(fd, errnum, what);
	return err_ctx("mount overlay on %s", target);
}

static int ovl_set(int fd, const char *key, const char *val)
{
	return compat_fsconfig(fd, COMPAT_FSCONFIG_SET_STRING, key, val, 0) < 0 ? -errno : 0;
}

int overlay_fsconfig_common(int fd, const char *upper, const char *work, const char *what_upper)
{
	int ret;

	for (size_t i = 0; i < ARRAY_SIZE(ovl_opts); i++)
		if ((ret = ovl_set(fd, ovl_opts[i][0], ovl_opts[i][1])) < 0)
			return overlay_fsfail(fd, -ret, ovl_opts[i][0]);
	if (upper && ((ret = ovl_set(fd, "upperdir", upper)) < 0 ||
		      (ret = ovl_set(fd, "workdir", work)) < 0))
		return overlay_fsfail(fd, -ret, what_upper);
	if ((ret = ovl_set(fd, "source", "overlay")) < 0)
		return overlay_fsfail(fd, -ret, "source");
	return 0;
}

/* Options, then the layers one by one: no length limit but the kernel's.
 * 1 when this kernel cannot (no fsopen, or no "lowerdir+" before 6.8). */
static int ovl_new_config(const struct ovl_req *r, const struct ovl_short *s, int fd)
{
	char b[12];
	int ret;

	/* Kernels before 6.5 take any key here and hand all to mount(2) later. */
	if (compat_fsconfig(fd, COMPAT_FSCONFIG_SET_FLAG, "x-dory-probe", NULL, 0) == 0)
		return 1;
	overlay_fslog(fd, NULL, 0);
	for (int i = 0; i < r->n; i++) {
		ret = ovl_set(fd, "lowerdir+", ovl_lower(r, s, i, b));
		if (ret == -EINVAL && i == 0)
			return 1;
		if (ret < 0)
			return ovl_fail(fd, -ret, r->lowers[i], r->target);
	}
	if (overlay_fsconfig_common(fd, r->upper ? ovl_upper(r, s) : NULL,
				    r->upper ? ovl_work(r, s) : NULL, "upper and work dirs") < 0)
		return err_ctx("mount overlay on %s", r->target);
	return 0;
}

static int ovl_new_mount(const struct ovl_req *r, const struct ovl_short *s)
{
	autoclose int fd = compat_fsopen("overlay", COMPAT_FSOPEN_CLOEXEC);
	autoclose int mfd = -1;
	int ret;

	if (fd < 0)
		return errno == ENODEV ? ovl_no_kernel() : 1;
	ret = ovl_new_config(r, s, fd);
	if (ret != 0)
		return ret;
	if (compat_fsconfig(fd, COMPAT_FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return ovl_fail(fd, errno, "create", r->target);
	mfd = compat_fsmount(fd, COMPAT_FSMOUNT_CLOEXEC, r->ro ? COMPAT_MOUNT_ATTR_RDONLY : 0);
	if (mfd < 0)
		return ovl_fail(fd, errno, "fsmount", r->target);
	if (compat_move_mount(mfd, "", AT_FDCWD, r->target, COMPAT_MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return err_set(errno, "mount overlay on %s", r->target);
	return 0;
}

static bool ovl_too_long(const struct ovl_req *r)
{
	for (int i = 0; i < r->n; i++)
		if (strlen(r->lowers[i]) > OVL_VALUE_MAX)
			return true;
	return r->upper && (strlen(r->upper) > OVL_VALUE_MAX || strlen(r->work) > OVL_VALUE_MAX);
}

static int ovl_new(const struct ovl_req *r)
{
	struct ovl_short s = OVL_SHORT_NONE;
	int ret;

	if (ovl_too_long(r) && ovl_short_make(r, &s) < 0)
		return -err_errno();
	ret = ovl_new_mount(r, &s);
	ovl_short_drop(&s);
	return ret;
}

/* ---- mount(2) ---- */

static void ovl_cat(char **buf, size_t *len, const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);

	*buf = xrealloc(*buf, *len + na + nb + 1);
	memcpy(*buf + *len, a, na);
	memcpy(*buf + *len + na, b, nb + 1);
	*len += na + nb;
}

static bool ovl_has_param(const char *name)
{
	char p[96];

	snprintf(p, sizeof(p), "/sys/module/overlay/parameters/%s", name);
	return access(p, F_OK) == 0;
}

/* The options string (allocated); features the kernel lacks need no "off". */
static char *ovl_legacy_data(const struct ovl_req *r, const struct ovl_short *s, size_t *len)
{
	char *d = NULL, b[12];

	*len = 0;
	ovl_cat(&d, len, "", "");
	if (ovl_has_param("index"))
		ovl_cat(&d, len, "index=off,", "");
	if (ovl_has_param("redirect_always_follow"))	/* 4.15: nofollow exists */
		ovl_cat(&d, len, "redirect_dir=nofollow,", "");
	else if (ovl_has_param("redirect_dir"))
		ovl_cat(&d, len, "redirect_dir=off,", "");
	if (ovl_has_param("metacopy"))
		ovl_cat(&d, len, "metacopy=off,", "");
	for (int i = 0; i < r->n; i++)
		ovl_cat(&d, len, i ? ":" : "lowerdir=", ovl_lower(r, s, i, b));
	if (r->upper) {
		ovl_cat(&d, len, ",upperdir=", ovl_upper(r, s));
		ovl_cat(&d, len, ",workdir=", ovl_work(r, s));
	}
	return d;
}

/* ':' splits lowerdir, ',' options; short names need no escaping. */
static bool ovl_needs_short(const struct ovl_req *r, size_t len)
{
	if (len + 2 > (size_t)getpagesize())
		return true;
	for (int i = 0; i < r->n; i++)
		if (strpbrk(r->lowers[i], ":,\\"))
			return true;
	return r->upper && (strpbrk(r->upper, ":,\\") || strpbrk(r->work, ":,\\"));
}

static int ovl_legacy(const struct ovl_req *r)
{
	struct ovl_short s = OVL_SHORT_NONE;
	autofree char *data = NULL;
	size_t len;
	int ret = 0;

	data = ovl_legacy_data(r, &s, &len);
	if (ovl_needs_short(r, len)) {
		free(data);
		if (ovl_short_make(r, &s) < 0)
			return -err_errno();
		data = ovl_legacy_data(r, &s, &len);
		if (len + 2 > (size_t)getpagesize())
			ret = err_setx(E2BIG, "mount overlay on %s: %d layers do not fit the "
				       "%d bytes of mount(2) options", r->target, r->n, getpagesize());
	}
	if (ret == 0 && mount("overlay", r->target, "overlay", r->ro ? MS_RDONLY : 0, data) < 0) {
		ret = errno == ENODEV ? ovl_no_kernel()
				      : err_set(errno, "mount overlay on %s", r->target);
		if (ret != -ENODEV)
			err_hint("the kernel log (dmesg) says why");
	}
	ovl_short_drop(&s);
	return ret;
}

/* ---- entry points ---- */

static int ovl_check(const struct ovl_req *r)
{
	if (r->n < 1 || !r->target || (r->upper && !r->work))
		return err_setx(EINVAL, "overlay mount: no layers, target or work dir");
	if (r->n > OVL_MAX_LAYERS)
		return err_setx(EINVAL, "mount overlay on %s: %d layers (overlayfs takes at most %d)",
				r->target, r->n, OVL_MAX_LAYERS);
	for (int i = 0; i < r->n; i++)
		if (r->lowers[i][0] != '/')
			return err_setx(EINVAL, "overlay layer %s: not an absolute path", r->lowers[i]);
	if (r->target[0] != '/' || (r->upper && (r->upper[0] != '/' || r->work[0] != '/')))
		return err_setx(EINVAL, "overlay on %s: paths must be absolute", r->target);
	return 0;
}

/* Lowers alone: the kernel wants two, so one layer is a read-only bind. */
static int ovl_start(struct ovl_req *r, int (*how)(const struct ovl_req *))
{
	int ret = ovl_check(r);

	if (ret < 0)
		return ret;
	if (!r->upper && r->n == 1)
		return mnt_bind(r->lowers[0], r->target, false, MS_RDONLY);
	return how(r);
}

static int ovl_new_or_legacy(const struct ovl_req *r)
{
	int ret = ovl_new(r);

	return ret == 1 ? ovl_legacy(r) : ret;
}

int overlay_mount(const char *const *lowers, int nlowers, const char *upper, const char *work,
		  const char *target, bool readonly)
{
	struct ovl_req r = { lowers, nlowers, upper, work, target, readonly || !upper };

	return ovl_start(&r, ovl_new_or_legacy);
}

int overlay_mount_legacy(const char *const *lowers, int nlowers, const char *upper,
			 const char *work, const char *target, bool readonly)
{
	struct ovl_req r = { lowers, nlowers, upper, work, target, readonly || !upper };

	return ovl_start(&r, ovl_legacy);
}

int overlay_umount(const char *target)
{
	if (umount2(target, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL &&
	    errno != ENOENT)
		return err_set(errno, "unmount %s", target);
	return 0;
}

/* ---- the probe ---- */

static int ovl_probe_file(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd < 0)
		return err_set(errno, "create %s", name);
	close(fd);
	return 0;
}

/* lower l2: gone, d/hidden; l1 over it: a whiteout for gone and an opaque
 * d holding kept. The filesystem must store both forms and keep d_type. */
static int ovl_probe_tree(int dfd)
{
	static const char *const dirs[] = { "l1", "l1/d", "l2", "l2/d", "u", "w", "m" };
	autoclose int d = -1;

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		if (mkdirat(dfd, dirs[i], 0755) < 0)
			return err_set(errno, "mkdir %s", dirs[i]);
	if (ovl_probe_file(dfd, "l2/gone") < 0 || ovl_probe_file(dfd, "l2/d/hidden") < 0 ||
	    ovl_probe_file(dfd, "l1/d/kept") < 0)
		return -err_errno();
	if (mknodat(dfd, "l1/gone", S_IFCHR | 0600, makedev(0, 0)) < 0)
		return err_set(errno, "make a whiteout (char device 0/0)");
	d = openat(dfd, "l1/d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d < 0 || fsetxattr(d, "trusted.overlay.opaque", "y", 1, 0) < 0)
		return err_set(errno, "set the trusted.overlay.opaque xattr");
	return 0;
}

static bool ovl_probe_dtype(const char *dir)
{
	autofree char *l2 = xasprintf("%s/l2", dir);
	autoclosedir DIR *d = opendir(l2);
	struct dirent *e;
	bool ok = d != NULL;

	while (d && (e = readdir(d)))
		ok = ok && e->d_type != DT_UNKNOWN;
	return ok;
}

static int ovl_probe_view(const char *m)
{
	autofree char *gone = xasprintf("%s/gone", m);
	autofree char *hidden = xasprintf("%s/d/hidden", m);
	autofree char *kept = xasprintf("%s/d/kept", m);
	autofree char *fresh = xasprintf("%s/new", m);
	int fd;

	if (access(gone, F_OK) == 0 || access(hidden, F_OK) == 0 || access(kept, F_OK) < 0)
		return err_setx(ENOTSUP, "the test mount shows whiteouts or opaque dirs wrong");
	if (unlink(kept) < 0)
		return err_set(errno, "remove a file through the test mount");
	fd = openat(AT_FDCWD, fresh, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return err_set(errno, "create a file through the test mount");
	close(fd);
	return 0;
}

static int ovl_probe(const char *dir)
{
	autoclose int dfd = openat(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	autofree char *l1 = xasprintf("%s/l1", dir), *l2 = xasprintf("%s/l2", dir);
	autofree char *u = xasprintf("%s/u", dir), *w = xasprintf("%s/w", dir);
	autofree char *m = xasprintf("%s/m", dir);
	const char *lowers[] = { l1, l2 };
	int ret;

	if (dfd < 0)
		return err_set(errno, "open %s", dir);
	if (ovl_probe_tree(dfd) < 0)
		return -err_errno();
	if (!ovl_probe_dtype(dir))
		return err_setx(ENOTSUP, "the filesystem does not report file types (d_type)");
	if (overlay_mount(lowers, 2, u, w, m, false) < 0)
		return -err_errno();
	ret = ovl_probe_view(m);
	overlay_umount(m);
	return ret;
}

/* In a child with a mount namespace of its own where it can have one, so
 * that a crash leaves no mount behind and nothing propagates elsewhere.
 * Its exit status says whether it worked; its error comes through fd. */
static NORETURN void ovl_probe_child(const char *dir, int fd)
{
	int ret;

	if (unshare(CLONE_NEWNS) == 0)
		mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	ret = ovl_probe(dir);
	if (ret < 0 && fsutil_write_full(fd, err_str(), strlen(err_str())) < 0)
		ret = -EIO;
	_exit(ret < 0 ? 1 : 0);
}

static int ovl_probe_wait(pid_t pid, int fd, char *msg, size_t n)
{
	ssize_t len = fsutil_read_full(fd, msg, n - 1);
	int st;

	msg[len > 0 ? len : 0] = '\0';
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return err_set(errno, "wait for the overlay probe");
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (!msg[0])
		snprintf(msg, n, "the probe died (status %d)", st);
	return err_setx(ENOTSUP, "%s", msg);
}

bool overlay_usable(const char *dir, char *why, size_t whylen)
{
	autofree char *tmp = xasprintf("%s/.dory-ovl-probe-XXXXXX", dir);
	char msg[256];
	int fds[2], ret = -1;
	pid_t pid;

	if (!mkdtemp(tmp)) {
		snprintf(why, whylen, "create a scratch dir in %s: %s", dir, strerror(errno));
		return false;
	}
	if (pipe2(fds, O_CLOEXEC) == 0) {
		pid = fork();
		if (pid == 0)
			ovl_probe_child(tmp, fds[1]);
		close(fds[1]);
		ret = pid < 0 ? err_set(errno, "fork") : ovl_probe_wait(pid, fds[0], msg, sizeof(msg));
		close(fds[0]);
	} else {
		err_set(errno, "pipe");
	}
	if (ret < 0)
		snprintf(why, whylen, "overlay on %s: %s", dir, err_str());
	fsutil_rmtree_scratch(AT_FDCWD, tmp);
	return ret == 0;
}
