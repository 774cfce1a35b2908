// SPDX-License-Identifier: Apache-2.0
/* cgroup2.h - the cgroup v2 control files, for cgroup.c: enabling
 * controllers down the tree, memory and cpu limits, OOM events, freezing. */
#ifndef DORY_CGROUP2_H
#define DORY_CGROUP2_H

#include "core/kernel/cgbase.h"

/* Is ctrl listed in the cgroup.controllers of h's mount point? */
bool cg2_has(const struct cg_hier *h, const char *ctrl);
/* Enable the space-separated controllers in every cgroup.subtree_control
 * from h's mount point down to its parent. */
int cg2_enable(const struct cg_hier *h, const char *ctrls);
/* Move every process of dir into its child leaf (made if missing). */
int cg2_evacuate(const char *dir, const char *leaf);
void cg2_plan_memory(struct cg_plan *p, const char *dir, const struct cg_limits *l);
void cg2_plan_cpu(struct cg_plan *p, const char *dir, const struct cg_limits *l);
int cg2_memory_events(const char *dir, struct cg_events *out);
int cg2_freeze(const char *dir, bool frozen);
int cg2_is_frozen(const char *dir, bool *out);

#endif
