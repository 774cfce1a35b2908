// SPDX-License-Identifier: Apache-2.0
/* runtime.h - run one container in the foreground: namespaces, cgroup,
 * rootfs, user, capabilities, then exec; the caller relays signals and the
 * terminal and returns the container's exit status. */
#ifndef DORY_RUNTIME_H
#define DORY_RUNTIME_H

#include <stdint.h>

#include "core/base.h"
#include "core/cgroup.h"

struct seccomp_policy;
struct rootfs_device;
#include "core/str.h"

enum { RT_ID_LEN = 64 };

struct rt_spec {
	char id[RT_ID_LEN + 1];	/* hex; the cgroup is named after it */
	const char *rootfs;	/* directory to pivot into */
	char *const *argv;	/* the command, argv[0] looked up in the env's PATH */
	struct strv env;	/* complete environment; HOME is added if absent */
	const char *hostname;
	const char *cwd;	/* NULL: "/"; created if missing, as Docker does */
	const char *user;	/* "" or NULL: root */
	uint64_t caps;		/* bounding, permitted and effective set */
	bool readonly, tty, interactive;
	bool privileged;	/* /sys read-write, host devices, no masked paths */
	const struct rootfs_device *devices;	/* --device nodes to make */
	size_t ndevices;
	struct cg_limits limits;	/* -m, --cpus, --pids-limit...; {0}: none */
	const struct seccomp_policy *seccomp;	/* NULL: unconfined */
	bool *oom_killed;	/* set when the OOM killer struck; may be NULL */
	/* Called in the container's private mount namespace before rootfs
	 * is entered, to mount it (an image's overlay); may be NULL. */
	int (*mount_root)(void *arg);
	void *mount_arg;
};

/* Fill id with random hex. */
int rt_new_id(char id[RT_ID_LEN + 1]);
/* Run spec to completion. *status is the exit status dory should return:
 * the container's own, 128+signal, or 125/126/127 when it could not start
 * (with the error recorded). Returns 0 when the container ran. */
int rt_run(const struct rt_spec *spec, int *status);

#endif
