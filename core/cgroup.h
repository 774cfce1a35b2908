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
};

struct cg {
	size_t n;
	struct cg_hier h[CG_MAX];
};

/* From the text of /proc/self/mountinfo and /proc/self/cgroup, the
 * caller's own cgroup directory in each mounted hierarchy. */
int cg_parse(const char *mountinfo, const char *selfcg, struct cg *out);
/* Make cgroup name below the caller's own, in every hierarchy; -ENODEV
 * when no hierarchy is mounted at all. */
int cg_create(const char *name, struct cg *out);
/* Move pid into the cgroup in every hierarchy. */
int cg_add_pid(const struct cg *cg, pid_t pid);
/* Remove the cgroup directories (waiting briefly for exiting tasks). */
int cg_destroy(struct cg *cg);
void cg_free(struct cg *cg);
bool cg_has_v1(const struct cg *cg);
bool cg_has_v2(const struct cg *cg);

#endif
