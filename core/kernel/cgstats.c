// SPDX-License-Identifier: Apache-2.0
/* cgstats.c - the counters `stats` reads: a cgroup's CPU time, memory,
 * block I/O and tasks (v1 and v2 files), a network namespace's interface
 * bytes and the host's CPU time. Nothing is written here. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/kernel/cgbase.h"
#include "core/kernel/cgroup.h"
#include "core/kernel/cgstats.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/xalloc.h"

/* A counter that is not there counts 0: its controller is not attached,
 * or the kernel is older than the file. */
static int cg_count(const char *dir, const char *file, const char *key,
		    unsigned long long *out)
{
	long long v = 0;
	int r = cg_read_key(dir, file, key, &v);

	if (r == -ENOENT) {
		v = 0;
		r = 0;
	}
	*out = v > 0 ? (unsigned long long)v : 0;
	return r;
}

/* Docker's per-line walk: the word after the device, then the number. */
void cg_blkio_parse(const char *text, unsigned long long *rd, unsigned long long *wr)
{
	*rd = *wr = 0;
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		char dev[32], op[16];
		unsigned long long n;

		if (sscanf(l, "%31s %15s %llu", dev, op, &n) != 3 || !strchr(dev, ':'))
			continue;
		if (!strcasecmp(op, "read"))
			*rd += n;
		else if (!strcasecmp(op, "write"))
			*wr += n;
	}
}

void cg_iostat_parse(const char *text, unsigned long long *rd, unsigned long long *wr)
{
	*rd = *wr = 0;
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *end = strchr(l, '\n'), *p;

		if (!end)
			end = l + strlen(l);
		for (p = l; (p = strstr(p, "bytes=")) && p < end; p += 6) {
			if (p - l >= 1 && p[-1] == 'r' && (p - l == 1 || p[-2] == ' '))
				*rd += strtoull(p + 6, NULL, 10);
			else if (p - l >= 1 && p[-1] == 'w' && (p - l == 1 || p[-2] == ' '))
				*wr += strtoull(p + 6, NULL, 10);
		}
	}
}

static void cg_usage_blkio(const struct cg *cg, struct cg_usage *u)
{
	static const char *const v1[] = { "blkio.bfq.io_service_bytes_recursive",
					  "blkio.io_service_bytes_recursive",
					  "blkio.throttle.io_service_bytes_recursive" };
	const struct cg_hier *h = cg_hier_of(cg, "blkio");

	if (h && h->ver == CG_V1) {
		/* As runc: the first file that has a device line (the scheduler's
		 * counters, else the throttling layer's, which always counts). */
		for (size_t i = 0; i < ARRAY_SIZE(v1) && !u->blk_read && !u->blk_write; i++) {
			autofree char *t = cg_read_text(h->dir, v1[i]);

			cg_blkio_parse(t, &u->blk_read, &u->blk_write);
		}
		return;
	}
	h = cg_hier_of(cg, "io");
	if (h) {
		autofree char *t = cg_read_text(h->dir, "io.stat");

		cg_iostat_parse(t, &u->blk_read, &u->blk_write);
	}
}

/* memory.limit_in_bytes reads PAGE_COUNTER_MAX pages, memory.max "max",
 * when there is no limit. */
static unsigned long long cg_limit_or_none(long long v)
{
	return v <= 0 || v >= LLONG_MAX / 2 ? 0 : (unsigned long long)v;
}

static int cg_usage_memory(const struct cg *cg, struct cg_usage *u)
{
	const struct cg_hier *h = cg_hier_of(cg, "memory");
	long long lim = 0;
	bool v1 = h && h->ver == CG_V1;
	int r;

	if (!h)
		return 0;
	r = cg_count(h->dir, v1 ? "memory.usage_in_bytes" : "memory.current", NULL, &u->mem);
	if (r == 0)
		r = cg_count(h->dir, "memory.stat", v1 ? "total_inactive_file" : "inactive_file",
			     &u->mem_inactive_file);
	if (r == 0)
		r = cg_read_key(h->dir, v1 ? "memory.limit_in_bytes" : "memory.max", NULL, &lim);
	if (r == -ENOENT)
		r = 0;
	u->mem_limit = cg_limit_or_none(lim);
	return r;
}

int cg_usage_read(const struct cg *cg, struct cg_usage *out)
{
	const struct cg_hier *h = cg_hier_of(cg, "cpuacct");
	int r = 0;

	*out = (struct cg_usage){ 0 };
	if (h && h->ver == CG_V1) {
		r = cg_count(h->dir, "cpuacct.usage", NULL, &out->cpu_ns);
	} else {
		/* v2's cpu.stat is in every group, cpu controller or not */
		for (size_t i = 0; i < cg->n && r == 0; i++)
			if (cg->h[i].ver == CG_V2) {
				r = cg_count(cg->h[i].dir, "cpu.stat", "usage_usec", &out->cpu_ns);
				out->cpu_ns *= 1000;
				break;
			}
	}
	if (r == 0)
		r = cg_usage_memory(cg, out);
	h = cg_hier_of(cg, "pids");
	if (r == 0 && h)
		r = cg_count(h->dir, "pids.current", NULL, &out->pids);
	if (r == 0)
		cg_usage_blkio(cg, out);
	return r;
}

/* ---- /proc ---- */

void cg_netdev_parse(const char *text, unsigned long long *rx, unsigned long long *tx)
{
	*rx = *tx = 0;
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *colon = strchr(l, ':'), *end = strchr(l, '\n');
		unsigned long long v[9];
		char name[32];

		/* "  eth0: RXBYTES packets errs drop fifo frame compressed
		 * multicast TXBYTES ..."; the two header lines have no colon */
		if (!colon || (end && colon > end) || sscanf(l, " %31[^:]", name) != 1)
			continue;
		if (!strcmp(name, "lo"))
			continue;
		if (sscanf(colon + 1, "%llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
			   &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8]) != 9)
			continue;
		*rx += v[0];
		*tx += v[8];
	}
}

int cg_netdev_read(pid_t pid, unsigned long long *rx, unsigned long long *tx)
{
	char path[40];
	autofree char *text = NULL;

	snprintf(path, sizeof(path), "/proc/%d/net/dev", (int)pid);
	*rx = *tx = 0;
	if (fsutil_read_file(path, &text) < 0)
		return -err_errno();
	cg_netdev_parse(text, rx, tx);
	return 0;
}

int cg_cputime_parse(const char *text, unsigned long long *ns)
{
	unsigned long long f[7], sum = 0;
	long hz = sysconf(_SC_CLK_TCK);

	*ns = 0;
	if (strncmp(text, "cpu ", 4) ||
	    sscanf(text + 4, "%llu %llu %llu %llu %llu %llu %llu", &f[0], &f[1], &f[2], &f[3],
		   &f[4], &f[5], &f[6]) != 7)
		return err_setx(EINVAL, "/proc/stat: no \"cpu\" line");
	for (int i = 0; i < 7; i++)
		sum += f[i];
	*ns = sum * (1000000000ULL / (unsigned long long)(hz > 0 ? hz : 100));
	return 0;
}

int cg_cputime_read(unsigned long long *ns)
{
	autofree char *text = NULL;

	*ns = 0;
	if (fsutil_read_file("/proc/stat", &text) < 0)
		return -err_errno();
	return cg_cputime_parse(text, ns);
}
