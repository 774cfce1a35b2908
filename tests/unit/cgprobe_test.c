// SPDX-License-Identifier: Apache-2.0
/* cgprobe_test.c - which controllers dory could use, on fake cgroup trees
 * in a temporary directory: the layout, v1 and v2 picks, what a v2 group
 * with processes forbids, the files whose absence limits a controller. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <string.h>
#include <sys/stat.h>

#include "core/kernel/cgprobe.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/xalloc.h"
#include "tap.h"

struct fake {
	char *dir;
	char *mi;
};

/* dir/NAME for each mount: "v2" is cgroup2, others v1 hierarchies of the
 * controllers their names list. */
static void fake_init(struct fake *f, const char *const *mounts)
{
	char tmpl[] = "/tmp/dory-cgprobe-XXXXXX";

	f->dir = xstrdup(mkdtemp(tmpl));
	f->mi = xstrdup("");
	for (size_t i = 0; mounts[i]; i++) {
		bool v2 = !strcmp(mounts[i], "v2");
		char *line = xasprintf("%s%zu 1 0:%zu / %s/%s rw - %s cgroup rw%s%s\n", f->mi,
				       40 + i, i, f->dir, mounts[i], v2 ? "cgroup2" : "cgroup",
				       v2 ? "" : ",", v2 ? "" : mounts[i]);
		char *d = xasprintf("%s/%s", f->dir, mounts[i]);

		fsutil_mkdir_p(d, 0755);
		free(d);
		free(f->mi);
		f->mi = line;
	}
}

static void fake_put(const struct fake *f, const char *rel, const char *text)
{
	char *path = xasprintf("%s/%s", f->dir, rel);
	int fd;

	*strrchr(path, '/') = '\0';
	fsutil_mkdir_p(path, 0755);
	path[strlen(path)] = '/';
	fd = openat(AT_FDCWD, path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0 || fsutil_write_full(fd, text, strlen(text)) < 0)
		TAP_FAIL("write %s", path);
	close(fd);
	free(path);
}

static int rm_one(const char *p, const struct stat *st, int type, struct FTW *w)
{
	(void)st, (void)type, (void)w;
	return remove(p);
}

static void fake_free(struct fake *f)
{
	nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f->dir);
	free(f->mi);
}

TEST(cgprobe_nothing_mounted)
{
	struct cg_probe p;

	CHECK_EQ_INT(cg_probe_at("22 1 8:1 / / rw - ext4 /dev/sda1 rw\n", "0::/\n", NULL, &p), 0);
	CHECK_EQ_INT(p.layout, CG_LAYOUT_NONE);
	for (int c = 0; c < CGP_N; c++) {
		CHECK_EQ_INT(p.c[c].err, ENOENT);
		CHECK_EQ_INT(p.c[c].ver, 0);
	}
	CHECK(strstr(p.c[CGP_DEVICES].why, "no cgroup hierarchy is mounted"));
}

/* v1 memory without memsw (no swap accounting), cpu with its quota file;
 * systemd's named hierarchy alone does not make a v1 layout. The parent
 * (/dory by default) is not made yet: the group above it is looked at. */
TEST(cgprobe_v1_controllers_and_their_limits)
{
	static const char *const m[] = { "memory", "cpu", "devices", "name=systemd", NULL };
	struct fake f;
	struct cg_probe p;

	fake_init(&f, m);
	fake_put(&f, "cpu/cpu.shares", "1024\n");
	fake_put(&f, "cpu/cpu.cfs_quota_us", "-1\n");
	fake_put(&f, "memory/memory.limit_in_bytes", "9223372036854771712\n");
	CHECK_EQ_INT(cg_probe_at(f.mi, "4:name=systemd:/\n3:devices:/\n2:cpu:/\n1:memory:/svc\n",
				 NULL, &p), 0);
	CHECK_EQ_INT(p.layout, CG_LAYOUT_V1);
	CHECK_EQ_INT(p.c[CGP_MEMORY].ver, CG_V1);
	CHECK_EQ_INT(p.c[CGP_MEMORY].err, 0);
	CHECK(p.c[CGP_MEMORY].partial);
	CHECK(strstr(p.c[CGP_MEMORY].why, "--memory-swap"));
	CHECK_EQ_INT(p.c[CGP_CPU].err, 0);
	CHECK(!p.c[CGP_CPU].partial);
	CHECK_EQ_INT(p.c[CGP_DEVICES].ver, CG_V1);
	CHECK_EQ_INT(p.c[CGP_DEVICES].err, 0);
	/* pids, cpuset and freezer: no hierarchy, and no v2 to fall back on. */
	CHECK_EQ_INT(p.c[CGP_PIDS].err, ENOENT);
	CHECK_EQ_INT(p.c[CGP_FREEZER].err, ENOENT);
	/* No quota file under cpu.shares: --cpus is lost, --cpu-shares not. */
	fake_put(&f, "cpu/dory/cpu.shares", "1024\n");
	CHECK_EQ_INT(cg_probe_at(f.mi, "2:cpu:/\n", NULL, &p), 0);
	CHECK(p.c[CGP_CPU].partial);
	CHECK(strstr(p.c[CGP_CPU].why, "no --cpus"));
	fake_free(&f);
}

/* Hybrid: memory on v1 wins even where v2 lists it too (cg_find's order);
 * pids from v2; cpu not listed there. */
TEST(cgprobe_hybrid_prefers_v1)
{
	static const char *const m[] = { "memory", "v2", NULL };
	struct fake f;
	struct cg_probe p;

	fake_init(&f, m);
	fake_put(&f, "v2/cgroup.controllers", "memory pids hugetlb\n");
	fake_put(&f, "v2/cgroup.subtree_control", "");
	fake_put(&f, "memory/memory.limit_in_bytes", "0\n");
	fake_put(&f, "memory/memory.memsw.limit_in_bytes", "0\n");
	CHECK_EQ_INT(cg_probe_at(f.mi, "1:memory:/\n0::/\n", NULL, &p), 0);
	CHECK_EQ_INT(p.layout, CG_LAYOUT_HYBRID);
	CHECK_EQ_STR(p.v2ctrls, "memory pids hugetlb");
	CHECK_EQ_INT(p.c[CGP_MEMORY].ver, CG_V1);
	CHECK(!p.c[CGP_MEMORY].partial);
	CHECK_EQ_INT(p.c[CGP_PIDS].ver, CG_V2);
	CHECK_EQ_INT(p.c[CGP_PIDS].err, 0);
	CHECK_EQ_INT(p.c[CGP_CPU].ver, CG_V2);
	CHECK_EQ_INT(p.c[CGP_CPU].err, ENOENT);
	CHECK(strstr(p.c[CGP_CPU].why, "not in cgroup.controllers of"));
	fake_free(&f);
}

/* v2: dory's service group svc has processes. Containers below /dory (the
 * default) get memory; below a parent svc that has not handed it down, the
 * no-internal-process rule forbids it, and cgroup2.c enables no threaded
 * controller there either (its children would become threads). */
TEST(cgprobe_v2_parent_and_internal_processes)
{
	static const char *const m[] = { "v2", NULL };
	struct fake f;
	struct cg_probe p;

	fake_init(&f, m);
	fake_put(&f, "v2/cgroup.controllers", "cpu memory pids\n");
	fake_put(&f, "v2/cgroup.subtree_control", "cpu memory pids\n");
	fake_put(&f, "v2/svc/cgroup.procs", "42\n");
	fake_put(&f, "v2/svc/cgroup.subtree_control", "");
	fake_put(&f, "v2/svc/cpu.weight", "100\n");
	fake_put(&f, "v2/svc/cpu.max", "max 100000\n");
	fake_put(&f, "v2/svc/memory.max", "max\n");
	CHECK_EQ_INT(cg_probe_at(f.mi, "0::/svc\n", NULL, &p), 0);
	CHECK_EQ_INT(p.layout, CG_LAYOUT_V2);
	CHECK_EQ_INT(p.c[CGP_MEMORY].err, 0);
	CHECK_EQ_INT(p.c[CGP_CPU].err, 0);
	CHECK(!p.c[CGP_CPU].partial);	/* as svc has it: cpu.max by cpu.weight */
	CHECK_EQ_INT(cg_probe_at(f.mi, "0::/svc\n", "/svc", &p), 0);
	CHECK_EQ_INT(p.c[CGP_MEMORY].err, EBUSY);
	CHECK(strstr(p.c[CGP_MEMORY].why, "has processes of its own"));
	CHECK_EQ_INT(p.c[CGP_PIDS].err, EBUSY);
	CHECK_EQ_INT(p.c[CGP_CPU].err, EBUSY);
	/* Once it has handed memory down, memory is usable; no swap file. */
	fake_put(&f, "v2/svc/cgroup.subtree_control", "memory\n");
	CHECK_EQ_INT(cg_probe_at(f.mi, "0::/svc\n", "svc/", &p), 0);
	CHECK_EQ_INT(p.c[CGP_MEMORY].err, 0);
	CHECK(p.c[CGP_MEMORY].partial);
	CHECK(strstr(p.c[CGP_MEMORY].why, "swap"));
	/* Freezing: cgroup.freeze in a group below the root (Linux 5.2). */
	CHECK_EQ_INT(p.c[CGP_FREEZER].err, ENOENT);
	fake_put(&f, "v2/svc/cgroup.freeze", "0\n");
	CHECK_EQ_INT(cg_probe_at(f.mi, "0::/svc\n", NULL, &p), 0);
	CHECK_EQ_INT(p.c[CGP_FREEZER].err, 0);
	/* A parent cg_create refuses is refused here too. */
	CHECK(cg_probe_at(f.mi, "0::/svc\n", "/a/../b", &p) < 0);
	CHECK(strstr(err_str(), "are not allowed"));
	err_clear();
	fake_free(&f);
}
