// SPDX-License-Identifier: Apache-2.0
/* rootfs.c - mounts inside the container's mount namespace. Everything here
 * dies with the namespace, so a failure needs no undo on the host. Paths and
 * flags follow Docker's defaults (moby oci/defaults.go, runc libcontainer). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "core/fs/bindcopy.h"
#include "core/fs/inroot.h"
#include "core/kernel/cgroup.h"
#include "core/kernel/mnt.h"
#include "core/runtime/rootfs.h"
#include "core/runtime/runtime.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/str.h"
#include "core/util/xalloc.h"
#include "libc-compat/compat.h"

static const char *const rootfs_masked[] = {
	"/proc/asound", "/proc/acpi", "/proc/interrupts", "/proc/kcore", "/proc/keys",
	"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
	"/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
};

static const char *const rootfs_readonly[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

static const struct rootfs_dev {
	const char *name;
	unsigned maj, min;
} rootfs_devs[] = {
	{ "null", 1, 3 }, { "zero", 1, 5 }, { "full", 1, 7 },
	{ "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
};

static const char *const rootfs_links[][2] = {
	{ "/proc/self/fd", "fd" }, { "/proc/self/fd/0", "stdin" },
	{ "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" },
	{ "/proc/kcore", "core" }, { "pts/ptmx", "ptmx" },
};

/* Mount type at dir/sub, creating the mount point if the rootfs lacks it. */
static int rootfs_mount_at(const char *dir, const char *sub, const char *type,
			   unsigned long flags, const char *data)
{
	autofree char *dst = xasprintf("%s/%s", dir, sub);

	if (mkdir(dst, 0755) < 0 && errno != EEXIST)
		return err_set(errno, "create mount point %s", dst);
	return mnt_mount(type, dst, type, flags, data);
}

/* A node of the host's /dev at p: made, or in a user namespace (where
 * mknod is refused) the host's own bound onto an empty file. */
static int rootfs_node(const char *p, const char *host, mode_t mode, dev_t rdev, bool userns)
{
	int fd;

	if (!userns)
		return mknod(p, mode, rdev) < 0 ? err_set(errno, "mknod %s", p) : 0;
	fd = openat(AT_FDCWD, p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return err_set(errno, "create %s", p);
	close(fd);
	return mnt_bind(host, p, false, 0);
}

static int rootfs_dev(const char *dir, bool userns, long long shm_size)
{
	autofree char *dev = xasprintf("%s/dev", dir);
	autofree char *shm = xasprintf("mode=1777,size=%lldk", (shm_size ? shm_size : 64LL << 20) / 1024);
	const unsigned long nse = MS_NOSUID | MS_NOEXEC | MS_NODEV;

	if (rootfs_mount_at(dir, "dev", "tmpfs", MS_NOSUID | MS_STRICTATIME,
			    "mode=755,size=65536k") < 0)
		return -err_errno();
	for (size_t i = 0; i < ARRAY_SIZE(rootfs_devs); i++) {
		const struct rootfs_dev *d = &rootfs_devs[i];
		autofree char *p = xasprintf("%s/%s", dev, d->name);
		autofree char *host = xasprintf("/dev/%s", d->name);

		if (rootfs_node(p, host, S_IFCHR | 0666, makedev(d->maj, d->min), userns) < 0)
			return -err_errno();
	}
	for (size_t i = 0; i < ARRAY_SIZE(rootfs_links); i++) {
		autofree char *p = xasprintf("%s/%s", dev, rootfs_links[i][1]);

		if (symlink(rootfs_links[i][0], p) < 0)
			return err_set(errno, "symlink %s", p);
	}
	if (rootfs_mount_at(dev, "pts", "devpts", MS_NOSUID | MS_NOEXEC,
			    "newinstance,ptmxmode=0666,mode=0620,gid=5") < 0 ||
	    rootfs_mount_at(dev, "shm", "tmpfs", nse, shm) < 0 ||
	    rootfs_mount_at(dev, "mqueue", "mqueue", nse, NULL) < 0)
		return -err_errno();
	return 0;
}

int rootfs_device_from_host(const char *host, const char *path, struct rootfs_device *out)
{
	struct stat st;

	if (strncmp(path, "/dev/", 5) || !path[5] || strstr(path, "/../") ||
	    !strcmp(path + strlen(path) - 3, "/.."))
		return err_setx(EINVAL, "device path \"%s\" in the container is invalid "
				"(use a path under /dev/)", path);
	if (stat(host, &st) < 0)
		return err_set(errno, "device %s", host);
	if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
		return err_setx(ENODEV, "device %s: not a character or block device", host);
	*out = (struct rootfs_device){ .path = path, .mode = st.st_mode & (S_IFMT | 07777),
				       .rdev = st.st_rdev, .uid = st.st_uid, .gid = st.st_gid };
	return 0;
}

/* Make the node d under dir, replacing what is there (a default node). */
static int rootfs_mknod(const char *dir, const struct rootfs_device *d)
{
	autofree char *p = xasprintf("%s%s", dir, d->path);
	char *slash = strrchr(p, '/');

	*slash = '\0';
	if (fsutil_mkdir_p(p, 0755) < 0)
		return err_ctx("device %s", d->path);
	*slash = '/';
	if (unlink(p) < 0 && errno != ENOENT)
		return err_set(errno, "replace %s", p);
	if (mknod(p, d->mode, d->rdev) < 0)
		return err_set(errno, "mknod %s", p);
	if (chown(p, d->uid, d->gid) < 0)
		return err_set(errno, "chown %s", p);
	return 0;
}

/* Host /dev entries --privileged leaves out: our own mounts and nodes. */
static bool rootfs_host_skip(const char *rel)
{
	static const char *const skip[] = {
		"pts", "shm", "mqueue", "console", "ptmx", "fd", "core",
	};

	for (size_t i = 0; i < ARRAY_SIZE(skip); i++)
		if (!strcmp(rel, skip[i]))
			return true;
	return false;
}

/* --privileged: a node for every character and block device in the
 * host's /dev/rel (still visible before pivot_root), a few levels deep. */
static int rootfs_host_devices(const char *dir, const char *rel, int depth)
{
	autofree char *hp = xasprintf("/dev%s%s", *rel ? "/" : "", rel);
	DIR *d = opendir(hp);
	struct dirent *e;
	int r = 0;

	if (!d)
		return depth ? 0 : err_set(errno, "read the host's %s", hp);
	while (r == 0 && (e = readdir(d))) {
		autofree char *sub = xasprintf("%s%s%s", rel, *rel ? "/" : "", e->d_name);
		autofree char *host = xasprintf("/dev/%s", sub);
		struct rootfs_device dev;
		struct stat st;

		if (e->d_name[0] == '.' || rootfs_host_skip(sub) || lstat(host, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode) && depth < 3)
			r = rootfs_host_devices(dir, sub, depth + 1);
		else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
			dev = (struct rootfs_device){ .path = host, .mode = st.st_mode,
						      .rdev = st.st_rdev, .uid = st.st_uid,
						      .gid = st.st_gid };
			r = rootfs_mknod(dir, &dev);
		}
	}
	closedir(d);
	return r;
}

static int rootfs_devices(const char *dir, const struct rootfs_opts *o)
{
	if (o->privileged && rootfs_host_devices(dir, "", 0) < 0)
		return err_ctx("copy the host's devices");
	for (size_t i = 0; i < o->ndevices; i++)
		if (rootfs_mknod(dir, &o->devices[i]) < 0)
			return -err_errno();
	return 0;
}

/* ---- binds ----
 * A bind's source is the host's, its mount point the container's. The
 * source must be bound while the host's tree is still in the namespace
 * (a detached mount is no bind source), the mount point found only once
 * the root is the container's (an image's symlink must not lead out of
 * it). So each source is first bound on a file of our own /dev tmpfs,
 * and from there, after the switch, onto its mount point. */
#define ROOTFS_STAGE "dev/.dory-binds"

/* Stage bind i at stage/i: its source bound there, or its new file
 * system mounted; read-only all the way down with ro. */
static int rootfs_bind_stage(const char *stage, const struct rootfs_opts *o, size_t i, bool dir)
{
	const struct rt_bind *b = &o->binds[i];
	autofree char *p = xasprintf("%s/%zu", stage, i);
	autofree char *src = xasprintf("/proc/self/fd/%d", o->src_fds[i]);
	int fd = dir ? mkdir(p, 0755) :
		 openat(AT_FDCWD, p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0)
		return err_set(errno, "create %s", p);
	if (!dir)
		close(fd);
	if (b->fstype && mnt_mount(b->fstype, p, b->fstype,
				   b->flags ? b->flags : MS_NOSUID | MS_NODEV, b->data) < 0)
		return err_ctx("volume");
	if (!b->fstype && mnt_bind(src, p, dir, 0) < 0)
		return err_ctx("bind %s", b->src);
	return 0;
}

/* Directories first: a recursive bind copies the mounts below its source,
 * which may hold the container's root (-v /:/host), and a staged file
 * copied with it could not be removed. */
static int rootfs_binds_stage(const char *dir, const struct rootfs_opts *o)
{
	autofree char *stage = xasprintf("%s/" ROOTFS_STAGE, dir);

	if (!o->nbinds)
		return 0;
	if (mkdir(stage, 0700) < 0)
		return err_set(errno, "mkdir %s", stage);
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < o->nbinds; i++) {
			struct stat st;

			if (o->binds[i].fstype)
				st.st_mode = S_IFDIR;
			else if (fstat(o->src_fds[i], &st) < 0)
				return err_set(errno, "bind %s", o->binds[i].src);
			if (S_ISDIR(st.st_mode) == !pass &&
			    rootfs_bind_stage(stage, o, i, S_ISDIR(st.st_mode)) < 0)
				return -err_errno();
		}
	return 0;
}

/* ---- a bind's mount point, inside the container's root ----
 * By now "/" is the container's root, so no lookup leaves it; but a
 * symlink of the image may lead to /proc or /dev, and another process may
 * swap a directory for a symlink meanwhile. So the point is opened once,
 * without magic links, and mounted on through its descriptor. */

/* An O_PATH descriptor of the mount point for a bind at path, made when
 * missing (an empty file, or a directory for dir). */
static int rootfs_bind_point(const char *path, bool dir)
{
	autoclose int root = openat(AT_FDCWD, "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int fd = root < 0 ? err_set(errno, "open /") : inroot_make(root, path, dir, 0755);

	return fd < 0 ? err_ctx("mount point") : fd;
}

/* Docker's rule: the image's content at the mount point goes into an
 * empty volume (staged at stage), owners and modes kept. */
static int rootfs_copy_up(const char *stage, int point)
{
	autofree char *from = xasprintf("/proc/self/fd/%d", point);
	autoclosedir DIR *d = opendir(stage);
	struct dirent *e;
	struct stat st;

	if (fstat(point, &st) < 0 || !S_ISDIR(st.st_mode) || !d)
		return 0;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			return 0;	/* not empty: left as it is */
	return bindcopy_clone(from, stage) < 0 ? err_ctx("copy the image's content") : 0;
}

/* Read-only all the way down: mount_setattr(2) with AT_RECURSIVE where
 * the kernel has it (5.12), else a remount of the top. */
static int rootfs_ro_tree(const char *path)
{
#ifdef SYS_mount_setattr
	struct { unsigned long long set, clr, prop, userns; } a = { COMPAT_MOUNT_ATTR_RDONLY, 0,
								    0, 0 };

	if (syscall(SYS_mount_setattr, AT_FDCWD, path, 0x8000 /* AT_RECURSIVE */, &a,
		    sizeof(a)) == 0)
		return 0;
	if (errno != ENOSYS)
		return err_set(errno, "make %s read-only", path);
#endif
	return mnt_remount_ro(path);
}

/* Bind i (staged at p) on its mount point. */
static int rootfs_bind_place(const struct rt_bind *b, const char *p, bool dir)
{
	autofree char *at = NULL;
	int fd = rootfs_bind_point(b->dst, dir), r;

	if (fd < 0)
		return fd;
	at = xasprintf("/proc/self/fd/%d", fd);
	r = b->copy_up && dir ? rootfs_copy_up(p, fd) : 0;
	if (r == 0 && b->ro && rootfs_ro_tree(p) < 0)
		r = -err_errno();
	/* A bind keeps its source's propagation: set on the staged one. */
	if (r == 0 && mnt_mount("none", p, NULL, b->propagation ? b->propagation :
				MS_PRIVATE | MS_REC, NULL) < 0)
		r = -err_errno();
	if (r == 0 && mnt_bind(p, at, dir, 0) < 0)
		r = -err_errno();
	close(fd);
	return r;
}

/* After the switch: each staged source onto its mount point. */
static int rootfs_binds_place(const struct rootfs_opts *o)
{
	for (size_t i = 0; i < o->nbinds; i++) {
		const struct rt_bind *b = &o->binds[i];
		autofree char *p = xasprintf("/" ROOTFS_STAGE "/%zu", i);
		struct stat st;
		int r;

		if (stat(p, &st) < 0)
			return err_set(errno, "stat %s", p);
		r = rootfs_bind_place(b, p, S_ISDIR(st.st_mode));
		if (r == -EROFS && b->optional)
			err_clear();
		else if (r < 0)
			return err_ctx("bind %s on %s", b->src ? b->src : b->fstype, b->dst);
		if (umount2(p, MNT_DETACH) < 0)
			return err_set(errno, "detach %s", p);
		/* Busy: a copy in another recursive bind; an empty entry stays. */
		if ((S_ISDIR(st.st_mode) ? rmdir(p) : unlink(p)) < 0 && errno != EBUSY)
			return err_set(errno, "remove %s", p);
	}
	if (o->nbinds && rmdir("/" ROOTFS_STAGE) < 0 && errno != EBUSY && errno != ENOTEMPTY)
		return err_set(errno, "remove /" ROOTFS_STAGE);
	return 0;
}

enum rootfs_root rootfs_root_kind(const char *mountinfo)
{
	autofree char *text = xstrdup(mountinfo);
	enum rootfs_root k = ROOTFS_ROOT_DIR;
	char *save = NULL;

	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		struct mnt_line m;

		if (!mnt_line_parse(l, &m) || strcmp(m.point, "/"))
			continue;
		/* The namespace's first mount is its own parent; the kernel
		 * calls it rootfs, and pivot_root cannot leave it. */
		if (!strcmp(m.fstype, "rootfs") || m.id == m.parent)
			return ROOTFS_ROOT_INITRAMFS;
		k = ROOTFS_ROOT_MOUNT;
	}
	return k;
}

/* What the root is, by proc/self/mountinfo under the proc mount proc. */
static int rootfs_root_at(const char *proc, enum rootfs_root *k)
{
	autofree char *p = xasprintf("%s/self/mountinfo", proc), *text = NULL;

	if (fsutil_read_file(p, &text) < 0)
		return err_ctx("find the root's mount (mount /proc)");
	*k = rootfs_root_kind(text);
	return 0;
}

/* setns into the namespace we are in: the root and the working directory
 * become the namespace's root (the top mount on it), out of a chroot. */
static int rootfs_ns_root(const char *proc)
{
	autofree char *p = xasprintf("%s/self/ns/mnt", proc);
	autoclose int ns = openat(AT_FDCWD, p, O_RDONLY | O_CLOEXEC);

	if (ns < 0)
		return err_set(errno, "open %s", p);
	if (setns(ns, CLONE_NEWNS) < 0)
		return err_set(errno, "enter the mount namespace at its root");
	return 0;
}

int rootfs_private(void)
{
	autoclose int old = -1, cwd = -1;
	enum rootfs_root k;
	int e;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0)
		return 0;
	e = errno;
	if (e != EINVAL || rootfs_root_at("/proc", &k) < 0 || k != ROOTFS_ROOT_DIR)
		return err_set(e, "make the mounts under / private");
	/* A chroot's root that is no mount point cannot be named: the
	 * namespace's own root can, and then the chroot is entered again
	 * (and the working directory, which setns moved). */
	old = openat(AT_FDCWD, "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	cwd = openat(AT_FDCWD, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (old < 0 || cwd < 0)
		return err_set(errno, "open the root");
	if (rootfs_ns_root("/proc") < 0 ||
	    mnt_mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -err_errno();
	if (fchdir(old) < 0 || chroot(".") < 0 || fchdir(cwd) < 0)
		return err_set(errno, "enter the chroot again");
	return 0;
}

/* Detach every mount of the namespace that is neither the root nor under
 * here (the new root) nor on the way to it; those on the way are added
 * to up, for after the move. A mount that is gone already went with the
 * one it was under. */
static void rootfs_detach_others(const char *mountinfo, const char *here, struct strv *up)
{
	autofree char *text = xstrdup(mountinfo);
	size_t n = strlen(here);
	char *save = NULL;

	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		struct mnt_line m;
		size_t pn;

		if (!mnt_line_parse(l, &m) || !strcmp(m.point, "/"))
			continue;
		pn = strlen(m.point);
		if (!strncmp(m.point, here, n) && (m.point[n] == '/' || !m.point[n]))
			continue;	/* the container's own */
		if (pn < n && !strncmp(here, m.point, pn) && here[pn] == '/')
			strv_push(up, m.point);
		else
			umount2(m.point, MNT_DETACH);
	}
}

/* No pivot_root out of the initial ramfs: the root (the working
 * directory) is moved over "/" and entered with chroot, as switch_root
 * and runc's --no-pivot do. What the old root had mounted is detached
 * first, so that nothing but its own files (covered) stays below. */
static int rootfs_move(void)
{
	autofree char *text = NULL, *here = xmalloc(PATH_MAX);
	struct strv up = { 0 };
	int r = 0;

	if (fsutil_read_file("proc/self/mountinfo", &text) < 0)
		return err_ctx("list the mounts");
	if (!getcwd(here, PATH_MAX))
		return err_set(errno, "find the container's root");
	rootfs_detach_others(text, here, &up);
	if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
		r = err_set(errno, "move the container's root over the initial ramfs");
	/* "/" still names the ramfs itself until the chroot below: the
	 * mounts on the way to the root can go now that it is not on them. */
	for (size_t i = 0; r == 0 && i < up.n; i++)
		while (umount2(up.v[i], MNT_DETACH) == 0)
			;
	if (r == 0 && (chroot(".") < 0 || chdir("/") < 0))
		r = err_set(errno, "enter the container's root");
	strv_free(&up);
	return r;
}

/* Make the working directory (a mount) the root. pivot_root(".", ".")
 * stacks the old root on the new one; detaching it then leaves only the
 * new root, with no put_old directory needed. In a chroot whose root is no
 * mount point, the namespace's root is pivoted from instead: the new root
 * then sits where it did, not on a directory of the host's file system
 * through whose ".." a chroot escape would climb back to the host. */
static int rootfs_switch(const char *dir)
{
	autoclose int here = -1;
	enum rootfs_root k;

	if (rootfs_root_at("proc", &k) < 0)
		return -err_errno();
	if (k == ROOTFS_ROOT_DIR) {
		here = openat(AT_FDCWD, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (here < 0)
			return err_set(errno, "open the container's root");
		if (rootfs_ns_root("proc") < 0)
			return -err_errno();
		if (fchdir(here) < 0)
			return err_set(errno, "enter the container's root");
		if (rootfs_root_at("proc", &k) < 0)
			return -err_errno();
	}
	if (k == ROOTFS_ROOT_INITRAMFS)
		return rootfs_move();
	if (k == ROOTFS_ROOT_DIR)
		return err_setx(EINVAL, "the mount namespace has no root mount");
	if (compat_pivot_root(".", ".") < 0)
		return err_set(errno, "pivot_root into %s", dir);
	if (umount2(".", MNT_DETACH) < 0)
		return err_set(errno, "detach the old root");
	if (chdir("/") < 0)
		return err_set(errno, "chdir /");
	return 0;
}

/* Whether a bind wants the host's mount events (rslave, rshared...). */
static bool rootfs_wants_slave(const struct rootfs_opts *o)
{
	for (size_t i = 0; i < o->nbinds; i++)
		if (o->binds[i].propagation & (MS_SLAVE | MS_SHARED))
			return true;
	return false;
}

int rootfs_isolate(const struct rootfs_opts *o)
{
	if (!rootfs_wants_slave(o))
		return rootfs_private();
	return mnt_mount("none", "/", NULL, MS_SLAVE | MS_REC, NULL);
}

/* The container's root itself private again, once its binds are placed
 * with their own propagation. */
static int rootfs_slave_end(const struct rootfs_opts *o)
{
	return rootfs_wants_slave(o) ? mnt_mount("none", "/", NULL, MS_PRIVATE, NULL) : 0;
}

/* Link each controller of a co-mounted v1 hierarchy ("cpu,cpuacct") to
 * it, as the host's /sys/fs/cgroup has them. */
static int rootfs_cg_links(const char *top, const char *name)
{
	autofree char *copy = xstrdup(name);
	char *save = NULL;

	if (!strchr(name, ','))
		return 0;
	for (char *c = strtok_r(copy, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
		autofree char *p = xasprintf("%s/%s", top, c);

		if (symlink(name, p) < 0 && errno != EEXIST)
			return err_set(errno, "symlink %s", p);
	}
	return 0;
}

/* One hierarchy at p: mounted anew inside the cgroup namespace, or without
 * one (kernels before 4.6) the container's own group bound there, so that
 * neither shows more than that group (runc does the same). */
static int rootfs_cg_mount(const struct cg_hier *h, const char *p, unsigned long fl, bool ns)
{
	if (!ns)
		return mnt_bind(h->dir, p, false, fl);
	if (h->ver == CG_V2)
		return mnt_mount("cgroup2", p, "cgroup2", fl, NULL);
	return mnt_mount("cgroup", p, "cgroup", fl, h->ctrl);
}

/*
 * /sys/fs/cgroup as Docker gives it: the container's own cgroup, from
 * inside its cgroup namespace (joined before it was made, so that group is
 * each hierarchy's root here). Pure v2: cgroup2 itself. v1 and hybrid (as
 * runc): a tmpfs with each hierarchy the container has a group in, under
 * the name of its mount point ("memory", "unified"), then made read-only.
 * Read-only, nosuid, nodev, noexec unless privileged; release_agent only
 * exists at a hierarchy's real root, which this view never shows. A
 * hierarchy without a usable name (mounted at /, or a name taken) is left out.
 */
static int rootfs_cgroups(const char *dir, const struct rootfs_opts *o)
{
	const unsigned long fl = MS_NOSUID | MS_NOEXEC | MS_NODEV | (o->privileged ? 0 : MS_RDONLY);
	autofree char *top = xasprintf("%s/sys/fs/cgroup", dir);
	const struct cg *cg = o->cg;
	bool ns = access("/proc/self/ns/cgroup", F_OK) == 0;

	for (size_t i = 0; cg && i < cg->n; i++)
		if (cg->h[i].ver == CG_V2 && cg->h[i].mnt_len == 14 &&
		    !strncmp(cg->h[i].dir, "/sys/fs/cgroup", 14))
			return rootfs_cg_mount(&cg->h[i], top, fl, ns);
	if (!cg || !cg->n)
		return 0;
	if (mnt_mount("tmpfs", top, "tmpfs", MS_NOSUID | MS_NOEXEC | MS_NODEV, "mode=755") < 0)
		return -err_errno();
	for (size_t i = 0; i < cg->n; i++) {
		const struct cg_hier *h = &cg->h[i];
		autofree char *mnt = xstrndup(h->dir, h->mnt_len);
		const char *name = strrchr(mnt, '/') ? strrchr(mnt, '/') + 1 : mnt;
		autofree char *p = xasprintf("%s/%s", top, name);

		if (!*name || !strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		if (mkdir(p, 0555) < 0) {
			if (errno == EEXIST)
				continue;
			return err_set(errno, "cgroup mount point %s", p);
		}
		if (rootfs_cg_mount(h, p, fl, ns) < 0 ||
		    (h->ver == CG_V1 && rootfs_cg_links(top, name) < 0))
			return -err_errno();
	}
	return o->privileged ? 0 : mnt_mount(NULL, top, NULL, MS_REMOUNT | fl, "mode=755");
}

int rootfs_enter(const char *dir)
{
	const struct rootfs_opts o = { 0 };

	return rootfs_enter_opts(dir, &o);
}

int rootfs_enter_opts(const char *dir, const struct rootfs_opts *o)
{
	const unsigned long nse = MS_NOSUID | MS_NOEXEC | MS_NODEV;
	const unsigned long sysro = o->privileged ? 0 : MS_RDONLY;
	mode_t old = umask(0);
	int r = -1;

	/* Nothing the container mounts may reach the host's namespace. */
	if (rootfs_isolate(o) < 0 || mnt_bind(dir, dir, true, 0) < 0 ||
	    rootfs_mount_at(dir, "proc", "proc", nse, NULL) < 0 ||
	    rootfs_mount_at(dir, "sys", "sysfs", nse | sysro, NULL) < 0 ||
	    rootfs_cgroups(dir, o) < 0 ||
	    rootfs_dev(dir, o->userns, o->shm_size) < 0 || rootfs_devices(dir, o) < 0 ||
	    rootfs_binds_stage(dir, o) < 0)
		goto out;
	if (chdir(dir) < 0)
		err_set(errno, "chdir %s", dir);
	else if (rootfs_switch(dir) == 0 && rootfs_binds_place(o) == 0)
		r = rootfs_slave_end(o);
out:
	umask(old);
	return r < 0 ? -err_errno() : 0;
}

int rootfs_bind_console(int slave)
{
	autofree char *src = xasprintf("/proc/self/fd/%d", slave);
	int fd = openat(AT_FDCWD, "/dev/console", O_CREAT | O_WRONLY | O_CLOEXEC, 0600);

	if (fd < 0)
		return err_set(errno, "create /dev/console");
	close(fd);
	return mnt_bind(src, "/dev/console", false, 0);
}

int rootfs_finish(bool readonly)
{
	const struct rootfs_opts o = { .readonly = readonly };

	return rootfs_finish_opts(&o);
}

int rootfs_finish_opts(const struct rootfs_opts *o)
{
	for (size_t i = 0; !o->privileged && i < ARRAY_SIZE(rootfs_masked); i++)
		if (mnt_mask(rootfs_masked[i]) < 0)
			return err_ctx("mask");
	for (size_t i = 0; !o->privileged && i < ARRAY_SIZE(rootfs_readonly); i++)
		if (mnt_make_ro(rootfs_readonly[i]) < 0)
			return err_ctx("read-only path");
	if (o->readonly && mnt_remount_ro("/") < 0)
		return err_ctx("read-only root");
	return 0;
}
