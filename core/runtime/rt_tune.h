// SPDX-License-Identifier: Apache-2.0
/* rt_tune.h - a container's process settings beyond the security policy:
 * resource limits (--ulimit), namespaced sysctls, /dev/shm's size, extra
 * groups, the OOM score and the host's pid namespace. Checked once at
 * create, applied by the container's init before exec. */
#ifndef DORY_RT_TUNE_H
#define DORY_RT_TUNE_H

#include "core/util/base.h"
#include "core/util/str.h"

/* --ulimit NAME=SOFT[:HARD]; -1 is unlimited. */
struct rt_ulimit {
	int resource;		/* RLIMIT_* */
	long long soft, hard;
};

struct rt_tune {
	struct rt_ulimit *ulimits;
	size_t nulimits;
	struct strv sysctls;	/* K=V, checked */
	struct strv groups;	/* --group-add: gids, or names in the container's /etc/group */
	long long shm_size;	/* /dev/shm in bytes; 0: Docker's 64 MiB */
	int oom_score_adj;
	bool oom_set;		/* --oom-score-adj given */
	bool hostpid;		/* --pid host: no pid namespace of its own */
};

enum { RT_SHM_DEFAULT = 64 << 20 };

/* Docker's grammar into out; the limits may not exceed this process's
 * hard limit (raising it needs CAP_SYS_RESOURCE). -EINVAL with the reason. */
int rt_ulimit_parse(const char *spec, struct rt_ulimit *out);
/* Docker's name of a resource ("nofile"), or NULL. */
const char *rt_ulimit_name(int resource);
/* The resource of a name, or -1. */
int rt_ulimit_resource(const char *name);
/* K=V a sysctl Docker lets a container set: the IPC ones and fs.mqueue.*,
 * and net.* when ownnet (not --network host). -EINVAL with the reason. */
int rt_sysctl_check(const char *kv, bool ownnet);
/* adj in -1000..1000, and not below this process's own score unless it
 * holds CAP_SYS_RESOURCE (the kernel refuses that). */
int rt_oom_check(long long adj);

/* In the container, with its /proc mounted and before it is made
 * read-only: the sysctls, the limits and the OOM score. */
int rt_tune_apply(const struct rt_tune *t);
void rt_tune_clear(struct rt_tune *t);

#endif
