// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "core/kernel/cgstats.h"
#include "core/util/err.h"
#include "core/util/xalloc.h"
#include "tap.h"
#include "fixture.h"

/* A v2 group and a v1 one as the kernel lays their files out, in a
 * temporary directory: the mount point's cgroup.controllers, then the
 * group's counters. */
static char *v2_tree(struct cg *cg, const char *ctrls)
{
	char *d = fix_tmpdir("cgstats");

	CHECK(d != NULL);
	CHECK_EQ_INT(fix_put(d, "cgroup.controllers", ctrls, 0644), 0);
	CHECK_EQ_INT(mkdir(fix_path(d, "c"), 0755), 0);
	*cg = (struct cg){ .n = 1 };
	cg->h[0] = (struct cg_hier){ .ver = CG_V2, .ctrl = (char *)"",
				     .dir = xasprintf("%s/c", d), .mnt_len = strlen(d) };
	return d;
}

TEST(cg_usage_read_v2_files)
{
	struct cg cg;
	struct cg_usage u;
	char *d = v2_tree(&cg, "cpuset cpu io memory hugetlb pids rdma misc\n");

	fix_put(d, "c/cpu.stat", "usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\n"
		"nr_periods 0\nnr_throttled 0\nthrottled_usec 0\n", 0644);
	fix_put(d, "c/memory.current", "10485760\n", 0644);
	fix_put(d, "c/memory.stat", "anon 4096\nfile 8388608\nkernel 0\nactive_anon 0\n"
		"inactive_anon 4096\nactive_file 4194304\ninactive_file 4194304\n", 0644);
	fix_put(d, "c/memory.max", "67108864\n", 0644);
	fix_put(d, "c/pids.current", "3\n", 0644);
	fix_put(d, "c/io.stat", "8:0 rbytes=1024 wbytes=4096 rios=1 wios=2 dbytes=0 dios=0\n"
		"253:1 rbytes=512 wbytes=0 rios=1 wios=0 dbytes=7 dios=1\n", 0644);
	CHECK_EQ_INT(cg_usage_read(&cg, &u), 0);
	CHECK_EQ_INT(u.cpu_ns, 2500000000ULL);
	CHECK_EQ_INT(u.mem, 10485760);
	CHECK_EQ_INT(u.mem_inactive_file, 4194304);
	CHECK_EQ_INT(u.mem_limit, 67108864);
	CHECK_EQ_INT(u.pids, 3);
	CHECK_EQ_INT(u.blk_read, 1536);
	CHECK_EQ_INT(u.blk_write, 4096);
	/* no limit: "max"; a controller not enabled: its figures are 0 */
	fix_put(d, "c/memory.max", "max\n", 0644);
	fix_put(d, "cgroup.controllers", "cpu memory\n", 0644);
	CHECK_EQ_INT(cg_usage_read(&cg, &u), 0);
	CHECK_EQ_INT(u.mem_limit, 0);
	CHECK_EQ_INT(u.pids, 0);
	CHECK_EQ_INT(u.blk_read + u.blk_write, 0);
	free(cg.h[0].dir);
	fix_rmtree(d);
}

TEST(cg_usage_read_v1_files)
{
	static const char *const ctrl[] = { "memory", "cpu,cpuacct", "blkio", "pids" };
	struct cg cg = { .n = ARRAY_SIZE(ctrl) };
	struct cg_usage u;
	char *d = fix_tmpdir("cgstats1");

	for (size_t i = 0; i < ARRAY_SIZE(ctrl); i++) {
		CHECK_EQ_INT(mkdir(fix_path(d, ctrl[i]), 0755), 0);
		cg.h[i] = (struct cg_hier){ .ver = CG_V1, .ctrl = (char *)ctrl[i],
					    .dir = xasprintf("%s/%s/c", d, ctrl[i]),
					    .mnt_len = strlen(d) + 1 + strlen(ctrl[i]) };
		CHECK_EQ_INT(mkdir(cg.h[i].dir, 0755), 0);
	}
	fix_put(d, "memory/c/memory.usage_in_bytes", "20971520\n", 0644);
	fix_put(d, "memory/c/memory.stat", "cache 8192\ninactive_file 4096\n"
		"total_cache 10485760\ntotal_inactive_file 6291456\n", 0644);
	fix_put(d, "memory/c/memory.limit_in_bytes", "9223372036854771712\n", 0644);
	fix_put(d, "cpu,cpuacct/c/cpuacct.usage", "123456789\n", 0644);
	fix_put(d, "pids/c/pids.current", "7\n", 0644);
	/* no I/O scheduler counters: the throttling layer's */
	fix_put(d, "blkio/c/blkio.throttle.io_service_bytes_recursive",
		"8:0 Read 4096\n8:0 Write 8192\n8:0 Total 12288\nTotal 12288\n", 0644);
	CHECK_EQ_INT(cg_usage_read(&cg, &u), 0);
	CHECK_EQ_INT(u.mem, 20971520);
	CHECK_EQ_INT(u.mem_inactive_file, 6291456);
	CHECK_EQ_INT(u.mem_limit, 0);
	CHECK_EQ_INT(u.cpu_ns, 123456789);
	CHECK_EQ_INT(u.pids, 7);
	CHECK_EQ_INT(u.blk_read, 4096);
	CHECK_EQ_INT(u.blk_write, 8192);
	for (size_t i = 0; i < ARRAY_SIZE(ctrl); i++)
		free(cg.h[i].dir);
	fix_rmtree(d);
}

TEST(cg_blkio_parse_v1_lines)
{
	unsigned long long r, w;

	cg_blkio_parse("8:0 Read 1000\n8:0 Write 24\n8:0 Sync 1024\n8:0 Async 0\n8:0 Discard 0\n"
		       "8:0 Total 1024\n8:16 Read 5\n8:16 Write 6\nTotal 1035\n", &r, &w);
	CHECK_EQ_INT(r, 1005);
	CHECK_EQ_INT(w, 30);
	cg_blkio_parse("Total 0\n", &r, &w);
	CHECK_EQ_INT(r + w, 0);
	cg_blkio_parse(NULL, &r, &w);
	CHECK_EQ_INT(r + w, 0);
}

TEST(cg_netdev_parse_leaves_lo_out)
{
	unsigned long long rx, tx;
	static const char dev[] =
		"Inter-|   Receive                                                |  Transmit\n"
		" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets "
		"errs drop fifo colls carrier compressed\n"
		"    lo:  123456     100    0    0    0     0          0         0   123456     100 "
		"   0    0    0     0       0          0\n"
		"  eth0:    1200      10    0    0    0     0          0         0      648       6 "
		"   0    0    0     0       0          0\n"
		"  eth1:      34       1    0    0    0     0          0         0        2       1 "
		"   0    0    0     0       0          0\n";

	cg_netdev_parse(dev, &rx, &tx);
	CHECK_EQ_INT(rx, 1234);
	CHECK_EQ_INT(tx, 650);
}

TEST(cg_cputime_parse_sums_seven_fields)
{
	unsigned long long ns;
	long hz = sysconf(_SC_CLK_TCK);

	CHECK_EQ_INT(cg_cputime_parse("cpu  10 1 5 100 2 3 4 99 0 0\ncpu0 1 1 1 1 1 1 1 0 0 0\n",
				      &ns), 0);
	CHECK_EQ_INT(ns, 125ULL * (1000000000ULL / (unsigned long long)hz));
	CHECK_EQ_INT(cg_cputime_parse("intr 1\n", &ns), -EINVAL);
	err_clear();
}
