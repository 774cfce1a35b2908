// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "core/kernel/mnt.h"
#include "nsutil.h"
#include "tap.h"

static char dir[] = "/tmp/dory-mnt-XXXXXX";

static int mount_shapes(void)
{
	char f[64], d[64];
	int fd;

	snprintf(f, sizeof(f), "%s/t/file", dir);
	snprintf(d, sizeof(d), "%s/t/dir", dir);
	if (mnt_mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return 1;
	if (mnt_mount("tmpfs", dir, "tmpfs", 0, "size=1m") < 0)
		return 2;
	snprintf(d, sizeof(d), "%s/t", dir);
	if (mkdir(d, 0755) < 0)
		return 3;
	snprintf(d, sizeof(d), "%s/t/dir", dir);
	if (mkdir(d, 0755) < 0)
		return 3;
	close(open(f, O_CREAT | O_WRONLY, 0644));
	if (mnt_mask(f) < 0 || mnt_mask(d) < 0)
		return 4;
	fd = open(f, O_WRONLY);
	if (fd < 0 || write(fd, "x", 1) != 1)	/* /dev/null takes it */
		return 5;
	close(fd);
	snprintf(f, sizeof(f), "%s/t/dir/new", dir);
	if (mkdir(f, 0755) == 0 || errno != EROFS)
		return 6;
	snprintf(d, sizeof(d), "%s/t", dir);
	if (mnt_make_ro(d) < 0)
		return 7;
	snprintf(f, sizeof(f), "%s/t/other", dir);
	if (mkdir(f, 0755) == 0 || errno != EROFS)
		return 8;
	if (mnt_mask("/nonexistent/dory") < 0 || mnt_make_ro("/nonexistent/dory") < 0)
		return 9;
	return 0;
}

TEST(mnt_masks_and_read_only_binds)
{
	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	CHECK(mkdtemp(dir) != NULL);
	CHECK_EQ_INT(in_ns(CLONE_NEWNS, mount_shapes), 0);
	CHECK_EQ_INT(rmdir(dir), 0);	/* nothing leaked into our namespace */
}

TEST(mnt_line_fields_and_escapes)
{
	char l1[] = "36 35 98:0 /mnt1 /mnt\\040two rw,noatime master:1 shared:2 - ext3 /dev/root "
		    "rw,errors=continue";
	char l2[] = "81 81 0:2 / / rw,nosuid - rootfs rootfs rw,size=1k";
	char l3[] = "7 1 0:5 / /back\\134slash rw - tmpfs none rw";
	struct mnt_line m;

	CHECK(mnt_line_parse(l1, &m));
	CHECK_EQ_INT(m.id, 36);
	CHECK_EQ_INT(m.parent, 35);
	CHECK_EQ_STR(m.root, "/mnt1");
	CHECK_EQ_STR(m.point, "/mnt two");
	CHECK_EQ_STR(m.fstype, "ext3");
	CHECK_EQ_STR(m.source, "/dev/root");
	CHECK_EQ_STR(m.super, "rw,errors=continue");
	CHECK(mnt_line_parse(l2, &m));
	CHECK_EQ_INT(m.id, m.parent);
	CHECK_EQ_STR(m.fstype, "rootfs");
	CHECK(mnt_line_parse(l3, &m));
	CHECK_EQ_STR(m.point, "/back\\slash");
}

TEST(mnt_line_malformed)
{
	const char *bad[] = {
		"", "36 35 98:0 / /", "36 35 98:0 / / rw shared:1 ext4 /dev/x rw",
		"36 35 98:0 / / rw - ext4 /dev/x", "x 35 98:0 / / rw - ext4 /dev/x rw",
		"36 3y 98:0 / / rw - ext4 /dev/x rw",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char buf[128];
		struct mnt_line m;

		snprintf(buf, sizeof(buf), "%s", bad[i]);
		CHECK(!mnt_line_parse(buf, &m));
	}
}
