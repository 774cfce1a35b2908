// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "core/runtime/rootfs.h"
#include "nsutil.h"
#include "tap.h"

static char dir[] = "/tmp/dory-rootfs-XXXXXX";

/* An empty directory becomes a root with Docker's /proc, /sys and /dev. */
static int enter(void)
{
	struct stat st;
	struct statvfs sv;

	if (rootfs_enter(dir) < 0)
		return 1;
	if (stat("/dev/null", &st) < 0 || !S_ISCHR(st.st_mode))
		return 2;
	if (stat("/proc/self", &st) < 0 || access("/dev/pts/ptmx", F_OK) < 0)
		return 3;
	if (statvfs("/sys", &sv) < 0 || !(sv.f_flag & ST_RDONLY))
		return 4;
	if (access(dir, F_OK) == 0)	/* the host's /tmp is gone */
		return 5;
	if (rootfs_finish(true) < 0)
		return 6;
	if (open("/proc/sys/kernel/hostname", O_WRONLY) >= 0 || errno != EROFS)
		return 7;
	if (mkdir("/x", 0755) == 0 || errno != EROFS)
		return 8;
	return 0;
}

TEST(rootfs_enter_and_finish)
{
	char p[64];

	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	CHECK(mkdtemp(dir) != NULL);
	CHECK_EQ_INT(in_ns(CLONE_NEWNS | CLONE_NEWPID, enter), 0);
	/* Mount points were made in the directory; no mount stayed behind. */
	for (const char *const *s = (const char *const[]){ "proc", "sys", "dev", NULL }; *s; s++) {
		snprintf(p, sizeof(p), "%s/%s", dir, *s);
		CHECK_EQ_INT(rmdir(p), 0);
	}
	CHECK_EQ_INT(rmdir(dir), 0);
}

TEST(rootfs_root_kinds)
{
	/* A booted system: the real root over rootfs, which is not shown. */
	CHECK_EQ_INT(rootfs_root_kind("21 26 0:20 / /proc rw - proc proc rw\n"
				      "26 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"),
		     ROOTFS_ROOT_MOUNT);
	/* Still on the initramfs: rootfs, its own parent. */
	CHECK_EQ_INT(rootfs_root_kind("1 1 0:2 / / rw - rootfs rootfs rw\n"
				      "7 1 0:5 / /proc rw - proc proc rw\n"),
		     ROOTFS_ROOT_INITRAMFS);
	CHECK_EQ_INT(rootfs_root_kind("81 81 0:2 / / rw - tmpfs none rw\n"),
		     ROOTFS_ROOT_INITRAMFS);
	/* A mount over the rootfs at "/" does not make it leavable. */
	CHECK_EQ_INT(rootfs_root_kind("1 1 0:2 / / rw - rootfs rootfs rw\n"
				      "9 1 0:9 / / rw - tmpfs t rw\n"),
		     ROOTFS_ROOT_INITRAMFS);
	/* A chroot into a directory: no line for "/". */
	CHECK_EQ_INT(rootfs_root_kind("30 26 0:20 / /proc rw - proc proc rw\n"), ROOTFS_ROOT_DIR);
	CHECK_EQ_INT(rootfs_root_kind(""), ROOTFS_ROOT_DIR);
	CHECK_EQ_INT(rootfs_root_kind("garbage\n26 1 254:0 / / rw - ext4 /dev/vda rw"),
		     ROOTFS_ROOT_MOUNT);
}
