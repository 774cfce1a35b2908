// SPDX-License-Identifier: Apache-2.0
/* cgprobe.h - which cgroup controllers dory could apply a limit with, right
 * now, below the parent cg_create would use (cg_where), read without
 * writing anything. For `dory check`; cgroup.c does the work. */
#ifndef DORY_CGPROBE_H
#define DORY_CGPROBE_H

#include "core/kernel/cgbase.h"

enum cg_layout { CG_LAYOUT_NONE, CG_LAYOUT_V1, CG_LAYOUT_V2, CG_LAYOUT_HYBRID };
enum cgp_ctrl { CGP_MEMORY, CGP_CPU, CGP_PIDS, CGP_CPUSET, CGP_DEVICES, CGP_FREEZER, CGP_N };
/* "memory", "cpu", "pids", "cpuset", "devices", "freezer". */
extern const char *const cgp_name[CGP_N];

struct cgp_state {
	enum cg_ver ver;	/* where dory would use it; 0: nowhere */
	int err;		/* 0: usable; else why not (ENOENT: no hierarchy has it) */
	bool partial;		/* usable for some of its run flags only */
	char why[176];		/* why not, or what is missing when partial */
};

struct cg_probe {
	enum cg_layout layout;
	char v2ctrls[80];	/* the v2 root's cgroup.controllers */
	struct cgp_state c[CGP_N];
};

/* From /proc/self/mountinfo and /proc/self/cgroup; parent as cg_create
 * takes it (--cgroup-parent, "cgroup-parent"; NULL: its default). */
int cg_probe(const char *parent, struct cg_probe *out);
/* The same from their texts (tests give a fake tree). */
int cg_probe_at(const char *mountinfo, const char *selfcg, const char *parent,
		struct cg_probe *out);

#endif
