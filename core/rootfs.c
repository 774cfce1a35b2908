// SPDX-License-Identifier: Apache-2.0
/* rootfs.c - mounts inside the container's mount namespace. Everything here
 * dies with the namespace, so a failure needs no undo on the host. Paths and
 * flags follow Docker's defaults (moby oci/defaults.go, runc libcontainer). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "core/err.h"
#include "core/mnt.h"
#include "core/rootfs.h"
#include "core/xalloc.h"
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

static int rootfs_dev(const char *dir)
{
	autofree char *dev = xasprintf("%s/dev", dir);
	const unsigned long nse = MS_NOSUID | MS_NOEXEC | MS_NODEV;

	if (rootfs_mount_at(dir, "dev", "tmpfs", MS_NOSUID | MS_STRICTATIME,
			    "mode=755,size=65536k") < 0)
		return -err_errno();
	for (size_t i = 0; i < ARRAY_SIZE(rootfs_devs); i++) {
		const struct rootfs_dev *d = &rootfs_devs[i];
		autofree char *p = xasprintf("%s/%s", dev, d->name);

		if (mknod(p, S_IFCHR | 0666, makedev(d->maj, d->min)) < 0)
			return err_set(errno, "mknod %s", p);
	}
	for (size_t i = 0; i < ARRAY_SIZE(rootfs_links); i++) {
		autofree char *p = xasprintf("%s/%s", dev, rootfs_links[i][1]);

		if (symlink(rootfs_links[i][0], p) < 0)
			return err_set(errno, "symlink %s", p);
	}
	if (rootfs_mount_at(dev, "pts", "devpts", MS_NOSUID | MS_NOEXEC,
			    "newinstance,ptmxmode=0666,mode=0620,gid=5") < 0 ||
	    rootfs_mount_at(dev, "shm", "tmpfs", nse, "mode=1777,size=65536k") < 0 ||
	    rootfs_mount_at(dev, "mqueue", "mqueue", nse, NULL) < 0)
		return -err_errno();
	return 0;
}

/* pivot_root(".", ".") stacks the old root on the new one; detaching it
 * then leaves only the new root, with no put_old directory needed. */
static int rootfs_pivot(const char *dir)
{
	if (chdir(dir) < 0)
		return err_set(errno, "chdir %s", dir);
	if (compat_pivot_root(".", ".") < 0)
		return err_set(errno, "pivot_root into %s", dir);
	if (umount2(".", MNT_DETACH) < 0)
		return err_set(errno, "detach the old root");
	if (chdir("/") < 0)
		return err_set(errno, "chdir /");
	return 0;
}

int rootfs_enter(const char *dir)
{
	const unsigned long nse = MS_NOSUID | MS_NOEXEC | MS_NODEV;
	mode_t old = umask(0);
	int r = -1;

	/* Nothing the container mounts may reach the host's namespace. */
	if (mnt_mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mnt_bind(dir, dir, true, 0) < 0 ||
	    rootfs_mount_at(dir, "proc", "proc", nse, NULL) < 0 ||
	    rootfs_mount_at(dir, "sys", "sysfs", nse | MS_RDONLY, NULL) < 0 ||
	    rootfs_dev(dir) < 0)
		goto out;
	r = rootfs_pivot(dir);
out:
	umask(old);
	return r < 0 ? -err_errno() : 0;
}

int rootfs_bind_console(int slave)
{
	autofree char *src = xasprintf("/proc/self/fd/%d", slave);
	int fd = open("/dev/console", O_CREAT | O_WRONLY | O_CLOEXEC, 0600);

	if (fd < 0)
		return err_set(errno, "create /dev/console");
	close(fd);
	return mnt_bind(src, "/dev/console", false, 0);
}

int rootfs_finish(bool readonly)
{
	for (size_t i = 0; i < ARRAY_SIZE(rootfs_masked); i++)
		if (mnt_mask(rootfs_masked[i]) < 0)
			return err_ctx("mask");
	for (size_t i = 0; i < ARRAY_SIZE(rootfs_readonly); i++)
		if (mnt_make_ro(rootfs_readonly[i]) < 0)
			return err_ctx("read-only path");
	if (readonly && mnt_remount_ro("/") < 0)
		return err_ctx("read-only root");
	return 0;
}
