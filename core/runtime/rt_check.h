// SPDX-License-Identifier: Apache-2.0
/* rt_check.h - `dory check`'s lines for what the runtime needs of the
 * kernel: namespaces, seccomp, cgroups and their controllers, device rules,
 * and the links networking will use. Required is what `dory run IMAGE`
 * cannot do without; the rest says what is lost without it. */
#ifndef DORY_RT_CHECK_H
#define DORY_RT_CHECK_H

#include "core/util/chk.h"

/* kernel, namespaces, user namespace, seccomp, cgroups and a line per
 * controller (memory, cpu, pids, cpuset, devices, freezer), usable below
 * cg_parent ("cgroup-parent" of the config; NULL: cg_create's default). */
void rt_check(const char *cg_parent, struct chk_list *l);
/* What `dory info` says of cgroups below cg_parent: Docker's version ("1"
 * for v1 and hybrid layouts, "2", "" with none mounted) and the limits
 * that cannot be applied. */
struct rt_cg_info {
	const char *version;
	bool none, no_memory, no_swap, no_cpu, no_cfs, no_pids;
};
void rt_cg_info(const char *cg_parent, struct rt_cg_info *out);
/* veth, bridge, nf_tables, tried in a throwaway network namespace. */
void rt_check_net(struct chk_list *l);

#endif
