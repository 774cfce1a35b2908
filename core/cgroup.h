// SPDX-License-Identifier: Apache-2.0
/* cgroup.h - a container's cgroup in every hierarchy the caller is in:
 * cgroup v1 controllers, the v2 unified tree, or both (hybrid layouts). */
#ifndef DORY_CGROUP_H
#define DORY_CGROUP_H

#include <sys/types.h>

#include "core/base.h"

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
	const char *cpuset_cpus;	/* --cpuset-cpus "0-1"; NULL or "": none */
	const char *cpuset_mems;	/* --cpuset-mems */
};

/* From the text of /proc/self/mountinfo and /proc/self/cgroup, the
 * caller's own cgroup directory in each mounted hierarchy. */
int cg_parse(const char *mountinfo, const char *selfcg, struct cg *out);
/* Make cgroup name below the caller's own, in every hierarchy; -ENODEV
 * when no hierarchy is mounted at all. */
int cg_create(const char *name, struct cg *out);
/* cg_create for the hierarchies described by the two texts (tests give a
 * fake tree in a temporary directory). */
int cg_create_at(const char *mountinfo, const char *selfcg, const char *name, struct cg *out);
/* Move pid into the cgroup in every hierarchy. */
int cg_add_pid(const struct cg *cg, pid_t pid);
/* Remove the cgroup directories (waiting briefly for exiting tasks). */
int cg_destroy(struct cg *cg);
void cg_free(struct cg *cg);
/* A line per hierarchy, for a record another process reads back. */
char *cg_to_text(const struct cg *cg);
int cg_from_text(const char *text, struct cg *out);
bool cg_has_v1(const struct cg *cg);
bool cg_has_v2(const struct cg *cg);

/* Docker's rules on a set of limits (swap needs memory, ranges, cpuset
 * syntax), without touching the system. */
int cg_limits_check(const struct cg_limits *l);
/* Apply l to a fresh cgroup, each controller where it is attached: a v1
 * hierarchy that has it, else cgroup v2 (enabled on the way down). A
 * controller that is missing fails before anything is written. */
int cg_set_limits(const struct cg *cg, const struct cg_limits *l);
/* What the kernel counted against the group's limits, for inspect. */
struct cg_events {
	long long oom_kills;	/* tasks the OOM killer took; -1: unknown (v1 < 4.13) */
	long long memory_max;	/* times usage hit the memory limit */
	long long pids_max;	/* forks refused at the pids limit */
};
/* Read them before cg_destroy; 0 where no controller counts. */
int cg_events(const struct cg *cg, struct cg_events *out);
/* Did the kernel's OOM killer kill a task of the group? Read it before
 * cg_destroy. False when no memory controller watches the group. */
int cg_oom_killed(const struct cg *cg, bool *out);
/* Docker's default device rules, NULL-terminated ("c 1:3 rwm"...). */
extern const char *const cg_dev_default[];
/* Docker's device rules (v1): deny all but the default /dev nodes, plus
 * extra rules ("c 1:3 rwm"); all: allow every device (--privileged). */
int cg_set_devices(const struct cg *cg, bool all, const char *const *extra);
/* cgroup_bpf.c: the same rules on cgroup v2, where a BPF program of type
 * CGROUP_DEVICE attached to the group decides. A rule as v1 writes it. */
struct cg_dev_rule {
	char type;		/* 'a' (any), 'b' or 'c' */
	long major, minor;	/* -1: any ("*") */
	unsigned access;	/* BPF_DEVCG_ACC_*: 1 mknod, 2 read, 4 write */
};
/* "a", or "c 1:3 rwm" ("*" for any number; a missing access is rwm). */
int cg_dev_rule_parse(const char *s, struct cg_dev_rule *out);
struct bpf_insn;
/* The program for Docker's default rules plus extra: allocated, *n
 * instructions. Pure: no kernel needed. */
int cg_dev_prog(const char *const *extra, struct bpf_insn **out, size_t *n);
/* Load and attach it to the v2 group (after cg_set_devices); all: attach
 * nothing, which allows every device. 0 when there is no v2 hierarchy. */
int cg_set_devices_v2(const struct cg *cg, bool all, const char *const *extra);
/* Freeze (or thaw) every task of the group; returns once they are. */
int cg_freeze(const struct cg *cg, bool frozen);
int cg_is_frozen(const struct cg *cg, bool *out);

/* Docker's size units: "512m", "1.5g", "100k", "1024", "2GiB". */
int cg_parse_bytes(const char *s, long long *out);
/* --cpus "0.5" as CFS quota and period (Docker's NanoCPUs); "0": none. */
int cg_parse_cpus(const char *s, long long *quota, long long *period);
/* A cpuset list such as "0-3,5": 0 or -EINVAL. */
int cg_parse_cpuset(const char *s);

/* Between cgroup.c and its per-version halves cgroup1.c and cgroup2.c:
 * a list of control files to write, checked to exist before any is. */
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
/* Wait a little before polling again; false once about ms have passed. */
bool cg_backoff(unsigned *waited_ms, unsigned ms);

void cg1_plan_memory(struct cg_plan *p, const char *dir, const struct cg_limits *l);
void cg1_plan_cpu(struct cg_plan *p, const char *dir, const struct cg_limits *l);
int cg1_memory_events(const char *dir, struct cg_events *out);
int cg1_freeze(const char *dir, bool frozen);
int cg1_is_frozen(const char *dir, bool *out);

/* Is ctrl listed in the cgroup.controllers of h's mount point? */
bool cg2_has(const struct cg_hier *h, const char *ctrl);
/* Enable the space-separated controllers in every cgroup.subtree_control
 * from h's mount point down to its parent. */
int cg2_enable(const struct cg_hier *h, const char *ctrls);
void cg2_plan_memory(struct cg_plan *p, const char *dir, const struct cg_limits *l);
void cg2_plan_cpu(struct cg_plan *p, const char *dir, const struct cg_limits *l);
int cg2_memory_events(const char *dir, struct cg_events *out);
int cg2_freeze(const char *dir, bool frozen);
int cg2_is_frozen(const char *dir, bool *out);

#endif
