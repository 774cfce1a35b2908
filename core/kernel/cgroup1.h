// SPDX-License-Identifier: Apache-2.0
/* cgroup1.h - the cgroup v1 control files, for cgroup.c: memory and cpu
 * limits, OOM counts, the freezer. */
#ifndef DORY_CGROUP1_H
#define DORY_CGROUP1_H

#include "core/kernel/cgbase.h"

void cg1_plan_memory(struct cg_plan *p, const char *dir, const struct cg_limits *l);
void cg1_plan_cpu(struct cg_plan *p, const char *dir, const struct cg_limits *l);
int cg1_memory_events(const char *dir, struct cg_events *out);
int cg1_freeze(const char *dir, bool frozen);
int cg1_is_frozen(const char *dir, bool *out);

#endif
