// SPDX-License-Identifier: Apache-2.0
/* ctr_build.h - `run` and `create` flags, as given, into a checked struct
 * ctr_config: every flag is validated and converted here, once. Parsing
 * the command line and fetching the image are the applet's. */
#ifndef DORY_CTR_BUILD_H
#define DORY_CTR_BUILD_H

#include "core/ctr/ctr.h"
#include "core/ctr/health.h"
#include "core/util/conf.h"
#include "core/util/str.h"

struct image;

/* The flags, as the command line gave them (NULL or empty: not given). */
struct ctr_flags {
	const char *rootfs, *hostname, *user, *workdir, *entrypoint, *driver;
	const char *memory, *memory_swap, *cpus, *cpu_shares, *pids, *cpuset_cpus, *cpuset_mems;
	const char *name, *restart, *stop_signal, *stop_timeout, *userns, *cgroup_parent;
	struct strv env, env_files, secopts, cap_add, cap_drop, devices, log_opts, labels;
	struct strv dns, dns_search, dns_opts, add_hosts;
	struct strv volumes, mounts, tmpfs, volumes_from;	/* -v, --mount... */
	bool interactive, tty, readonly, rm, privileged;
	const char *network, *ip, *ip6, *mac;
	struct strv aliases, links, publish;
	bool publish_all;
	struct health_flags health;	/* --health-*, --no-healthcheck */
	int init;		/* --init: 1, --init=false: -1, not given: 0 (the config's) */
	/* --ulimit, --sysctl, --group-add, --shm-size, --oom-score-adj, --pid */
	struct strv ulimits, sysctls, group_add;
	const char *shm_size, *oom_score_adj, *pid;
	/* The operands: IMAGE [COMMAND [ARG...]], or COMMAND [ARG...] with
	 * --rootfs. */
	char *const *args;
};

/* Every flag checked and converted into c (a new id included), before
 * the image is fetched; -errno with Docker's message for a bad one. A
 * seccomp profile is read and built here, once (c->seccomp_text/prog). */
int ctr_build_check(const struct ctr_flags *f, const struct dory_conf *conf,
		    struct ctr_config *c);
/* update: the limit flags (memory, memory_swap, cpus, cpu_shares, pids)
 * and restart of f that are given, checked as run checks them, over c. */
int ctr_build_update(const struct ctr_flags *f, struct ctr_config *c);
/* The image's part (NULL with --rootfs): Docker's rules for its
 * Entrypoint, Cmd, Env, WorkingDir, User and StopSignal under the flags,
 * the storage driver, the environment and the command. note gets a line
 * worth showing with -v, or "". */
int ctr_build_finish(const struct ctr_flags *f, const struct dory_conf *conf,
		     const struct image *im, struct ctr_config *c, char note[256]);

#endif
