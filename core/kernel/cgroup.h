// SPDX-License-Identifier: Apache-2.0
/* cgroup.h - a container's cgroup in every hierarchy the caller is in:
 * cgroup v1 controllers, the v2 unified tree, or both (hybrid layouts). */
#ifndef DORY_CGROUP_H
#define DORY_CGROUP_H

#include <sys/types.h>

#include "core/kernel/cgbase.h"
#include "core/util/base.h"

/* From the text of /proc/self/mountinfo and /proc/self/cgroup, the
 * caller's own cgroup directory in each mounted hierarchy. */
int cg_parse(const char *mountinfo, const char *selfcg, struct cg *out);
/* The leaf below the parent where supervisors wait. */
#define CG_LEAF_SUPERVISOR "supervisor"
/* Make cgroup name below parent, in every hierarchy that l (the limits it
 * will get; NULL: none) needs: a v1 cpuset hierarchy only when l asks for
 * a cpuset, since the kernel patches its own text each time the first
 * cpuset group below the root comes or the last goes. The parent is the
 * same path from the root of each hierarchy: parent ("/a/b" or "a/b", as
 * --cgroup-parent gives it) if set; else the cgroup an init system
 * delegated to the service the caller runs in (systemd's Delegate=yes
 * marks it with the xattr trusted.delegate), whose own processes are
 * moved into the leaf CG_LEAF_SUPERVISOR; else /dory. Never the caller's
 * own cgroup: v2 hands no controller down from a group with processes.
 * -ENODEV when no hierarchy is mounted at all. */
int cg_create(const char *parent, const char *name, const struct cg_limits *l, struct cg *out);
/* cg_create for the hierarchies described by the two texts (tests give a
 * fake tree in a temporary directory). */
int cg_create_at(const char *mountinfo, const char *selfcg, const char *parent,
		 const char *name, const struct cg_limits *l, struct cg *out);
/* Where cg_create puts containers' groups, made or not: each of self's
 * hierarchies (cg_parse's) with dir the parent's directory there; nothing
 * is made. *delegated: it is the caller's service's delegated cgroup,
 * whose processes cg_create moves into the supervisors' leaf. */
int cg_where(const struct cg *self, const char *parent, struct cg *out, bool *delegated);
/* Is parent a path cg_create takes? */
int cg_parent_check(const char *parent);
/* Move the caller into the leaf CG_LEAF_SUPERVISOR below parent (as
 * cg_create finds it) in every hierarchy a container without a cpuset
 * joins: a supervisor then outlives the session or service that started
 * it, and holds no group's controllers back. */
int cg_join_supervisors(const char *parent);
/* Move pid into the cgroup in every hierarchy. */
int cg_add_pid(const struct cg *cg, pid_t pid);
/* Remove the cgroup directories (waiting briefly for exiting tasks). */
int cg_destroy(struct cg *cg);
void cg_free(struct cg *cg);
/* A line per hierarchy, for a record another process reads back. */
char *cg_to_text(const struct cg *cg);
int cg_from_text(const char *text, struct cg *out);
bool cg_has_v1(const struct cg *cg);
/* Is controller ctrl attached to one of cg's v1 hierarchies? */
bool cg_has_v1_ctrl(const struct cg *cg, const char *ctrl);
bool cg_has_v2(const struct cg *cg);

/* Docker's rules on a set of limits (swap needs memory, ranges, cpuset
 * syntax), without touching the system. */
int cg_limits_check(const struct cg_limits *l);
/* Apply l to a fresh cgroup, each controller where it is attached: a v1
 * hierarchy that has it, else cgroup v2 (enabled on the way down). A
 * controller that is missing fails before anything is written. */
int cg_set_limits(const struct cg *cg, const struct cg_limits *l);
/* cg_set_limits on a group that runs (update): a pids limit lifted
 * (-1) is written as "max" too. */
int cg_update_limits(const struct cg *cg, const struct cg_limits *l);
/* The hierarchy where controller ctrl is attached (a v1 one that has it,
 * else v2 where its root offers it); NULL if none. */
const struct cg_hier *cg_hier_of(const struct cg *cg, const char *ctrl);
/* What the kernel counted against the group's limits, for inspect. */
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
/* Load (and drop) the default program: 0 when this kernel and this
 * process can give cgroup v2 device rules, else why not. */
int cg_dev_bpf_probe(void);
/* Freeze (or thaw) every task of the group; returns once they are. */
int cg_freeze(const struct cg *cg, bool frozen);
int cg_is_frozen(const struct cg *cg, bool *out);

/* Docker's size units: "512m", "1.5g", "100k", "1024", "2GiB". */
int cg_parse_bytes(const char *s, long long *out);
/* --cpus "0.5" as CFS quota and period (Docker's NanoCPUs); "0": none. */
int cg_parse_cpus(const char *s, long long *quota, long long *period);
/* A cpuset list such as "0-3,5": 0 or -EINVAL. */
int cg_parse_cpuset(const char *s);

#endif
