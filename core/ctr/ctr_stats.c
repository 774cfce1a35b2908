// SPDX-License-Identifier: Apache-2.0
/* ctr_stats.c - `stats` figures for a container: what its cgroup and its
 * network namespace counted, and Docker's strings for them (docker/cli
 * formatter_stats.go and stats_helpers.go: the same units and formulas). */
#include <string.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "core/ctr/ctr.h"
#include "core/ctr/ctr_stats.h"
#include "core/kernel/cgstats.h"
#include "core/util/err.h"
#include "core/util/json.h"
#include "core/util/str.h"

const char ctr_stats_format[] = "table {{.ID}}\\t{{.Name}}\\t{{.CPUPerc}}\\t{{.MemUsage}}\\t"
				"{{.MemPerc}}\\t{{.NetIO}}\\t{{.BlockIO}}\\t{{.PIDs}}";

int ctr_stats_sample(const char *id, struct ctr_sample *out)
{
	struct ctr_state st;
	int r;

	*out = (struct ctr_sample){ 0 };
	r = ctr_state_load(id, false, &st);
	if (r < 0)
		return r;
	out->running = st.status == CTR_RUNNING || st.status == CTR_PAUSED;
	if (out->running && st.cg.n)
		r = cg_usage_read(&st.cg, &out->u);
	/* its namespace may be gone between the state and the read: zeros */
	if (r == 0 && out->running && st.pid > 0 && cg_netdev_read(st.pid, &out->rx, &out->tx) < 0)
		err_clear();
	if (r == 0)
		r = cg_cputime_read(&out->sys_ns);
	ctr_state_clear(&st);
	return r;
}

void ctr_stats_host(struct ctr_stats_host *out)
{
	struct sysinfo si;
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	out->ncpu = n > 0 ? (unsigned)n : 1;
	out->mem = sysinfo(&si) == 0 ? (unsigned long long)si.totalram * si.mem_unit : 0;
}

/* num / den as a percentage with two decimals, rounded ("12.34%"). */
static void ctr_stats_perc(char out[32], unsigned long long num, unsigned long long den)
{
	unsigned long long h = den ? (num * 10000 + den / 2) / den : 0;	/* hundredths */

	snprintf(out, 32, "%llu.%02llu%%", h / 100, h % 100);
}

static void ctr_stats_pair(struct json *row, const char *key, unsigned long long a,
			   unsigned long long b, int prec, bool binary)
{
	char x[24], y[24], both[52];

	str_size(x, sizeof(x), a, prec, binary);
	str_size(y, sizeof(y), b, prec, binary);
	snprintf(both, sizeof(both), "%s / %s", x, y);
	json_add_str(row, key, both);
}

struct json *ctr_stats_row(const struct ctr_config *c, const char *ref, bool trunc,
			   const struct ctr_sample *before, const struct ctr_sample *now,
			   const struct ctr_stats_host *host)
{
	struct json *row = json_new_obj();
	const struct cg_usage *u = &now->u;
	unsigned long long cpu = 0, sys = 0, mem, lim = u->mem_limit;
	char pc[32], id[CTR_ID_LEN + 1];

	/* Docker's calculateCPUPercentUnix: nothing until both deltas grew */
	if (before->running && now->running && u->cpu_ns > before->u.cpu_ns &&
	    now->sys_ns > before->sys_ns) {
		cpu = (u->cpu_ns - before->u.cpu_ns) * host->ncpu;
		sys = now->sys_ns - before->sys_ns;
	}
	/* calculateMemUsageUnixNoCache: usage less the inactive file cache */
	mem = u->mem_inactive_file < u->mem ? u->mem - u->mem_inactive_file : u->mem;
	/* the daemon's rule: no limit, or one above the host's memory, is it */
	if (now->running && (!lim || lim > host->mem))
		lim = host->mem;
	snprintf(id, sizeof(id), "%.*s", trunc ? 12 : CTR_ID_LEN, c->id);
	json_add_str(row, "Container", ref ? ref : id);
	json_add_str(row, "Name", c->name);
	json_add_str(row, "ID", id);
	ctr_stats_perc(pc, cpu, sys);
	json_add_str(row, "CPUPerc", pc);
	ctr_stats_pair(row, "MemUsage", mem, lim, 4, true);
	ctr_stats_perc(pc, mem, lim);
	json_add_str(row, "MemPerc", pc);
	ctr_stats_pair(row, "NetIO", now->rx, now->tx, 3, false);
	ctr_stats_pair(row, "BlockIO", u->blk_read, u->blk_write, 3, false);
	snprintf(pc, sizeof(pc), "%llu", u->pids);
	json_add_str(row, "PIDs", pc);
	return row;
}

struct json *ctr_stats_header(void)
{
	static const char *const kv[][2] = {
		{ "Container", "CONTAINER" }, { "Name", "NAME" }, { "ID", "CONTAINER ID" },
		{ "CPUPerc", "CPU %" }, { "MemUsage", "MEM USAGE / LIMIT" }, { "MemPerc", "MEM %" },
		{ "NetIO", "NET I/O" }, { "BlockIO", "BLOCK I/O" }, { "PIDs", "PIDS" },
	};

	return json_new_pairs(kv, ARRAY_SIZE(kv));
}
