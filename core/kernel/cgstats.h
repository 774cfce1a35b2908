// SPDX-License-Identifier: Apache-2.0
/* cgstats.h - what the kernel counts for a cgroup (CPU time, memory, block
 * I/O, tasks) in v1 or v2, and for a network namespace and the host's CPUs
 * (/proc), as `stats` shows them. Limits are cgroup.c's. */
#ifndef DORY_CGSTATS_H
#define DORY_CGSTATS_H

#include <sys/types.h>

#include "core/kernel/cgroup.h"

struct cg_usage {
	unsigned long long cpu_ns;	/* CPU time of all its tasks */
	unsigned long long mem;		/* memory charged, page cache included */
	unsigned long long mem_inactive_file;	/* of which inactive file cache */
	unsigned long long mem_limit;	/* 0: none */
	unsigned long long blk_read, blk_write;	/* bytes */
	unsigned long long pids;	/* tasks now */
};

/* Read the group's counters, each where its controller is attached (v1
 * or v2, as cg_hier_of finds it); 0 for one that no hierarchy counts. */
int cg_usage_read(const struct cg *cg, struct cg_usage *out);
/* Bytes read and written: v1 blkio's "MAJ:MIN Read N" lines, or v2
 * io.stat's "MAJ:MIN rbytes=N wbytes=N ..." lines, summed over devices. */
void cg_blkio_parse(const char *text, unsigned long long *rd, unsigned long long *wr);
void cg_iostat_parse(const char *text, unsigned long long *rd, unsigned long long *wr);
/* /proc/PID/net/dev's text: bytes received and sent by every interface
 * but lo. */
void cg_netdev_parse(const char *text, unsigned long long *rx, unsigned long long *tx);
int cg_netdev_read(pid_t pid, unsigned long long *rx, unsigned long long *tx);
/* /proc/stat's "cpu" line: the host's CPU time in ns, as Docker counts it
 * (user nice system idle iowait irq softirq). -EINVAL without the line. */
int cg_cputime_parse(const char *text, unsigned long long *ns);
int cg_cputime_read(unsigned long long *ns);

#endif
