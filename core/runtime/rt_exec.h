// SPDX-License-Identifier: Apache-2.0
/* rt_exec.h - run one more process in a running container (docker exec):
 * join its namespaces, cgroup and root, become its user; the caller relays
 * signals and the terminal. Starting the container is runtime.h's. */
#ifndef DORY_RT_EXEC_H
#define DORY_RT_EXEC_H

#include <stdint.h>
#include <sys/types.h>

#include "core/kernel/cgroup.h"
#include "core/util/base.h"
#include "core/util/str.h"

struct secpol;

struct rt_exec_spec {
	pid_t pid;		/* the container's init, in the caller's pid namespace */
	const struct cg *cg;	/* its cgroup, joined before exec; NULL or n 0: none */
	char *const *argv;	/* argv[0] looked up in the env's PATH */
	struct strv env;	/* complete; PATH and HOME are added if absent */
	const char *user;	/* "" or NULL: root (the caller passes the container's) */
	const struct strv *groups;	/* the container's --group-add; may be NULL */
	bool hostpid;		/* the container has the host's pid namespace (--pid host) */
	const char *cwd;	/* NULL or "": "/"; must exist, as Docker's exec */
	const struct secpol *policy;	/* the container's (secpol_build) */
	bool tty;		/* a pty of the container's devpts, relayed */
	bool interactive;	/* relay stdin; else stdin is /dev/null */
	/* Return once it has exec'd; its stdio is /dev/null (no pty), and an
	 * intermediate process exits so that it is reparented (to the
	 * caller's nearest subreaper or init) and reaped, never waited for. */
	bool detach;
};

/* Run s in the container. *status is the exit status dory should return:
 * the process's own or 128+signal (0 with detach once it has exec'd), or
 * 125 (dory failed), 126 (cannot run, or no such working directory) or 127
 * (not found), with the error recorded. Returns 0 when the process ran.
 * Signals SIGINT, TERM, HUP, QUIT, USR1, USR2 and WINCH to the caller are
 * forwarded to it meanwhile. */
int rt_exec(const struct rt_exec_spec *s, int *status);
/* Start s (no tty, stdin or detach) with stdin /dev/null and stdout and
 * stderr on out, and return once it has exec'd: *pid is then the
 * caller's child, to wait for (and kill) as it likes. Fails as rt_exec,
 * with *status 125, 126 or 127 and *pid -1. Signals are the caller's. */
int rt_exec_spawn(const struct rt_exec_spec *s, int out, pid_t *pid, int *status);

#endif
