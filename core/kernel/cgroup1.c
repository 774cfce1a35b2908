// SPDX-License-Identifier: Apache-2.0
/* cgroup1.c - the cgroup v1 control files: memory and cpu limits, OOM
 * counts, the freezer. Choosing a hierarchy is cgroup.c's job. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>

#include "core/kernel/cgbase.h"
#include "core/kernel/cgroup1.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/xalloc.h"

static const char cg1_noswap[] =
	"swap accounting is off: boot with swapaccount=1, or drop --memory-swap";
static const char cg1_nocfs[] = "the kernel needs CONFIG_CFS_BANDWIDTH, or drop --cpus";

/* memory+swap: --memory-swap, else twice the memory (Docker's default,
 * optional: where swap accounting is on), -1 unlimited. */
static void cg1_plan_memsw(struct cg_plan *p, const char *dir, const struct cg_limits *l)
{
	if (l->memory_swap > 0)
		cg_plan_num(p, dir, "memory.memsw.limit_in_bytes", l->memory_swap,
			    "--memory-swap", cg1_noswap);
	else if (l->memory_swap == 0 && l->memory > 0 && l->memory <= LLONG_MAX / 2)
		cg_plan_num(p, dir, "memory.memsw.limit_in_bytes", 2 * l->memory,
			    "-m/--memory", NULL);
	else if (l->memory_swap == -1)
		cg_plan_num(p, dir, "memory.memsw.limit_in_bytes", -1, "--memory-swap", NULL);
}

/* The kernel wants memsw >= limit at every step: a fresh group has both
 * unlimited, so the limit goes first, unless the group's memsw is below
 * the new limit (update raising it), where memsw must go first. */
void cg1_plan_memory(struct cg_plan *p, const char *dir, const struct cg_limits *l)
{
	long long cur = 0;
	bool memsw_first = l->memory > 0 &&
			   cg_read_key(dir, "memory.memsw.limit_in_bytes", NULL, &cur) == 0 &&
			   l->memory > cur;

	if (memsw_first)
		cg1_plan_memsw(p, dir, l);
	if (l->memory > 0)
		cg_plan_num(p, dir, "memory.limit_in_bytes", l->memory, "-m/--memory",
			    "is the memory controller enabled for it?");
	if (!memsw_first)
		cg1_plan_memsw(p, dir, l);
}

void cg1_plan_cpu(struct cg_plan *p, const char *dir, const struct cg_limits *l)
{
	if (l->cpu_quota_us > 0) {
		cg_plan_num(p, dir, "cpu.cfs_period_us",
			    l->cpu_period_us > 0 ? l->cpu_period_us : 100000, "--cpus", cg1_nocfs);
		cg_plan_num(p, dir, "cpu.cfs_quota_us", l->cpu_quota_us, "--cpus", cg1_nocfs);
	}
	if (l->cpu_shares > 0)
		cg_plan_num(p, dir, "cpu.shares", l->cpu_shares, "--cpu-shares",
			    "is the cpu controller enabled for it?");
}

/* oom_kill in memory.oom_control came with Linux 4.13. The kernel checks
 * memory+swap first, so a hit there is counted in memsw.failcnt only. */
int cg1_memory_events(const char *dir, struct cg_events *out)
{
	int r = cg_read_key(dir, "memory.oom_control", "oom_kill", &out->oom_kills);
	long long memsw = 0;

	if (r == -ENOENT)
		out->oom_kills = -1;
	else if (r < 0)
		return r;
	r = cg_read_key(dir, "memory.failcnt", NULL, &out->memory_max);
	if (r == 0 || r == -ENOENT)
		r = cg_read_key(dir, "memory.memsw.failcnt", NULL, &memsw);
	out->memory_max += memsw;
	return r == -ENOENT ? 0 : r;
}

/* freezer.state reads FROZEN, FREEZING or THAWED. */
static int cg1_state(const char *dir, const char *want, bool *out)
{
	autofree char *path = xasprintf("%s/freezer.state", dir), *text = NULL;

	if (fsutil_read_file(path, &text) < 0)
		return -err_errno();
	*out = strncmp(text, want, strlen(want)) == 0;
	return 0;
}

int cg1_is_frozen(const char *dir, bool *out)
{
	return cg1_state(dir, "FROZEN", out);
}

/* A task in an uninterruptible sleep holds the group in FREEZING; asking
 * again retries it, and after 5 s we give up and thaw what did stop. */
int cg1_freeze(const char *dir, bool frozen)
{
	const char *want = frozen ? "FROZEN" : "THAWED";
	autoclose int dfd = openat(AT_FDCWD, dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	unsigned waited = 0;
	bool done = false;

	if (dfd < 0)
		return err_set(errno, "open %s", dir);
	do {
		if (fsutil_write_at(dfd, "freezer.state", want) < 0)
			return err_ctx("%s", dir);
		if (cg1_state(dir, want, &done) < 0)
			return -err_errno();
	} while (!done && cg_backoff(&waited, 5000));
	if (done)
		return 0;
	if (frozen)
		fsutil_write_at(dfd, "freezer.state", "THAWED");
	return err_setx(EBUSY, "%s %s: freezer.state is not %s after 5 s",
			frozen ? "freeze" : "thaw", dir, want);
}
