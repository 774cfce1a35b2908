// SPDX-License-Identifier: Apache-2.0
/* sup_health.h - the supervisor's health checks: when one is due, a
 * prober (a fork of the supervisor) execs the check into the container,
 * collects its output, kills it at the timeout and records the result in
 * health.json (health.h). The supervisor's loop only keeps the clock and
 * reaps the prober, so a slow or hanging check never holds up its log
 * copying, signals or wait. */
#ifndef DORY_SUP_HEALTH_H
#define DORY_SUP_HEALTH_H

#include <sys/types.h>

#include "core/ctr/ctr.h"
#include "core/runtime/runtime.h"

struct sup_health {
	const struct ctr_config *c;	/* NULL: no checks */
	const struct secpol *policy;	/* the container's, as exec gets it */
	pid_t prober;		/* 0: none running */
	long long started_ns;	/* the container's start */
	long long next_ns;	/* the next check is due */
	long long kill_ns;	/* a prober still running then is killed */
};

/* The container (re)started at started_ns: its health is "starting"
 * (health.json written) and the first check one interval away. Nothing
 * when c has no active check. */
void sup_health_begin(struct sup_health *h, const struct ctr_config *c,
		      const struct secpol *policy, long long started_ns);
/* Milliseconds until sup_health_tick has work; -1: none. */
int sup_health_wait_ms(const struct sup_health *h, long long now_ns);
/* Start the prober when a check is due; kill one that overran. */
void sup_health_tick(struct sup_health *h, const struct rt_proc *p, long long now_ns);
/* pid was reaped with wait status st: was it the prober? */
bool sup_health_reaped(struct sup_health *h, pid_t pid, int st, long long now_ns);
/* The container stopped: no more checks; a running prober (and so its
 * check) is killed and reaped. */
void sup_health_end(struct sup_health *h);

#endif
