// SPDX-License-Identifier: Apache-2.0
/* cgbase.h - what cgroup.c and its per-version halves cgroup1.c and
 * cgroup2.c share: the types, a plan of control-file writes, reading a
 * counter. Below all three, so that none of them calls back up. */
#ifndef DORY_CGBASE_H
#define DORY_CGBASE_H

#include <stdbool.h>
#include <stddef.h>

enum { CG_MAX = 16 };
enum cg_ver { CG_V1 = 1, CG_V2 = 2 };

struct cg_hier {
	enum cg_ver ver;
	char *ctrl;	/* v1: "cpu,cpuacct" or "name=systemd"; v2: "" */
	char *dir;	/* absolute path of the cgroup in this hierarchy */
	size_t mnt_len;	/* dir[0, mnt_len) is the hierarchy's mount point */
};

struct cg {
	size_t n;
	struct cg_hier h[CG_MAX];
};

/* Resource limits as Docker's run flags give them. Zero means "not set"
 * everywhere, so {0} asks for nothing. */
struct cg_limits {
	long long memory;	/* -m, bytes; 0 or -1: none */
	/* --memory-swap, memory plus swap in bytes: -1 unlimited swap, 0 unset
	 * (twice memory, as Docker, where swap accounting is on). */
	long long memory_swap;
	long long cpu_quota_us;	/* --cpus: quota per period; 0: none */
	long long cpu_period_us;	/* 0: 100000 */
	long long cpu_shares;	/* --cpu-shares, 2..262144; 0: none */
	long long pids;		/* --pids-limit; 0 or -1: none */
	bool pids_default;	/* pids is the config's default: none without a pids controller */
	const char *cpuset_cpus;	/* --cpuset-cpus "0-1"; NULL or "": none */
	const char *cpuset_mems;	/* --cpuset-mems */
};

/* What the kernel counted against the group's limits, for inspect. */
struct cg_events {
	long long oom_kills;	/* tasks the OOM killer took; -1: unknown (v1 < 4.13) */
	long long memory_max;	/* times usage hit the memory limit */
	long long pids_max;	/* forks refused at the pids limit */
};

/* A list of control files to write, checked to exist before any is:
 * cgroup.c plans, cgroup1.c and cgroup2.c add their files. */
enum { CG_PLAN_MAX = 12 };
struct cg_write {
	const char *dir, *file, *val;
	const char *flag;	/* the run flag it comes from, for messages */
	const char *hint;	/* why the file may be missing; NULL: optional */
	char num[32];		/* val, when the plan formats it */
};
struct cg_plan {
	size_t n;
	struct cg_write w[CG_PLAN_MAX];
};
void cg_plan_str(struct cg_plan *p, const char *dir, const char *file, const char *val,
		 const char *flag, const char *hint);
void cg_plan_num(struct cg_plan *p, const char *dir, const char *file, long long val,
		 const char *flag, const char *hint);
/* The value of "key N" in dir/file; -ENOENT, with nothing recorded, if
 * the file or the key is missing. A NULL key reads a file holding N. */
int cg_read_key(const char *dir, const char *file, const char *key, long long *out);
/* dir/file's text, allocated; "" when it is missing or unreadable. */
char *cg_read_text(const char *dir, const char *file);
/* Wait a little before polling again; false once about ms have passed. */
bool cg_backoff(unsigned *waited_ms, unsigned ms);

#endif
