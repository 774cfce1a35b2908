// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <sys/stat.h>

#include "core/cgroup.h"
#include "tap.h"

/* A hybrid host like the test machine: v1 controllers plus a v2 tree. */
static const char hybrid_mi[] =
	"30 24 0:26 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755\n"
	"31 30 0:27 / /sys/fs/cgroup/cpu rw,relatime shared:9 - cgroup cgroup rw,cpu\n"
	"32 30 0:28 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
	"33 30 0:29 / /sys/fs/cgroup/cpuset,cpuacct rw - cgroup cgroup rw,cpuset,cpuacct\n"
	"34 30 0:30 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd\n"
	"35 30 0:31 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n";
static const char hybrid_self[] =
	"5:name=systemd:/\n4:cpuacct,cpuset:/\n3:memory:/svc/a\n2:cpu:/\n1:blkio:/\n0::/u\n";

TEST(cg_parse_hybrid)
{
	struct cg cg;

	CHECK_EQ_INT(cg_parse(hybrid_mi, hybrid_self, &cg), 0);
	CHECK_EQ_INT(cg.n, 5);	/* blkio is not mounted: skipped */
	CHECK_EQ_STR(cg.h[0].dir, "/sys/fs/cgroup/systemd");
	CHECK_EQ_STR(cg.h[1].dir, "/sys/fs/cgroup/cpuset,cpuacct");
	CHECK_EQ_STR(cg.h[2].dir, "/sys/fs/cgroup/memory/svc/a");
	CHECK_EQ_STR(cg.h[3].dir, "/sys/fs/cgroup/cpu");
	CHECK_EQ_STR(cg.h[4].dir, "/sys/fs/cgroup/unified/u");
	CHECK_EQ_INT(cg.h[4].ver, CG_V2);
	CHECK(cg_has_v1(&cg) && cg_has_v2(&cg));
	cg_free(&cg);
}

TEST(cg_parse_pure_v2_inside_a_namespace)
{
	/* Mount root /ctr: our path /ctr/app is /app below the mount point. */
	static const char mi[] = "40 1 0:40 /ctr /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
	struct cg cg;

	CHECK_EQ_INT(cg_parse(mi, "0::/ctr/app\n", &cg), 0);
	CHECK_EQ_INT(cg.n, 1);
	CHECK_EQ_STR(cg.h[0].dir, "/sys/fs/cgroup/app");
	CHECK(!cg_has_v1(&cg));
	cg_free(&cg);
	CHECK_EQ_INT(cg_parse(mi, "0::/\n", &cg), 0);
	CHECK_EQ_STR(cg.h[0].dir, "/sys/fs/cgroup");
	cg_free(&cg);
}

TEST(cg_parse_nothing_mounted)
{
	struct cg cg;

	CHECK_EQ_INT(cg_parse("1 0 0:1 / / rw - ext4 /dev/vda rw\n", "0::/\n", &cg), -ENODEV);
}

TEST(cg_create_join_destroy_for_real)
{
	struct cg cg;
	char name[32];
	struct stat st;

	SKIP_IF(geteuid() != 0 || access("/sys/fs/cgroup", W_OK), "needs root and cgroups");
	snprintf(name, sizeof(name), "dory-unit-%d", (int)getpid());
	CHECK_EQ_INT(cg_create(name, &cg), 0);
	CHECK(cg.n > 0);
	for (size_t i = 0; i < cg.n; i++)
		CHECK(stat(cg.h[i].dir, &st) == 0);
	CHECK_EQ_INT(cg_destroy(&cg), 0);
	for (size_t i = 0; i < cg.n; i++)
		CHECK(stat(cg.h[i].dir, &st) < 0);
	cg_free(&cg);
}
