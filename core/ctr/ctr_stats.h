// SPDX-License-Identifier: Apache-2.0
/* ctr_stats.h - a container's resource use as `stats` shows it: samples
 * of its cgroup, network namespace and the host's CPU time, and a row of
 * Docker's strings from two of them. The display is the applet's. */
#ifndef DORY_CTR_STATS_H
#define DORY_CTR_STATS_H

#include "core/ctr/ctr.h"
#include "core/kernel/cgstats.h"
#include "core/util/json.h"

struct ctr_sample {
	bool running;
	struct cg_usage u;
	unsigned long long rx, tx;	/* network bytes, lo left out */
	unsigned long long sys_ns;	/* the host's CPU time then */
};

/* Sample container id now; a container that does not run gives zeros. */
int ctr_stats_sample(const char *id, struct ctr_sample *out);

/* The host's figures a row needs: online CPUs and memory (the limit
 * shown for a container without one, as Docker's). */
struct ctr_stats_host {
	unsigned ncpu;
	unsigned long long mem;
};
void ctr_stats_host(struct ctr_stats_host *out);

/* Docker's stats row (Container, Name, ID, CPUPerc, MemUsage, MemPerc,
 * NetIO, BlockIO, PIDs) from the samples before and now: CPU % as Docker
 * computes it (the container's CPU time over the host's, times the CPUs),
 * memory without its inactive file cache. ref: .Container; trunc: a
 * 12-digit .ID. Allocated. */
struct json *ctr_stats_row(const struct ctr_config *c, const char *ref, bool trunc,
			   const struct ctr_sample *before, const struct ctr_sample *now,
			   const struct ctr_stats_host *host);
/* The table's header row, and Docker's default format. */
struct json *ctr_stats_header(void);
extern const char ctr_stats_format[];

#endif
