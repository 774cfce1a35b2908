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
