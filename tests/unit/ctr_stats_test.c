// SPDX-License-Identifier: Apache-2.0
#include <string.h>

#include "core/ctr/ctr_stats.h"
#include "core/util/json.h"
#include "core/util/tpl.h"
#include "tap.h"

static const char *field(const struct json *row, const char *k)
{
	const char *v = json_get_str(row, k);

	return v ? v : "(none)";
}

/* docker/cli's formulas: CPU % = container delta / host delta * CPUs *
 * 100; memory without inactive file; the host's memory when no limit. */
TEST(ctr_stats_row_as_docker)
{
	struct ctr_config c = { .id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
				.name = (char *)"web" };
	struct ctr_stats_host host = { .ncpu = 2, .mem = 33575960576ULL };
	struct ctr_sample a = { .running = true, .u.cpu_ns = 1000000000ULL, .sys_ns = 100000000000ULL };
	struct ctr_sample b = a;
	struct json *row;

	b.u.cpu_ns += 500000000ULL;	/* half a CPU second ... */
	b.sys_ns += 2000000000ULL;	/* ... in a second of 2 CPUs */
	b.u.mem = 2097152;
	b.u.mem_inactive_file = 524288;
	b.u.mem_limit = 67108864;
	b.u.pids = 4;
	b.rx = 1234;
	b.tx = 648;
	b.u.blk_read = 1500000;
	b.u.blk_write = 0;
	row = ctr_stats_row(&c, NULL, true, &a, &b, &host);
	CHECK_EQ_STR(field(row, "ID"), "0123456789ab");
	CHECK_EQ_STR(field(row, "Container"), "0123456789ab");
	CHECK_EQ_STR(field(row, "Name"), "web");
	CHECK_EQ_STR(field(row, "CPUPerc"), "50.00%");
	CHECK_EQ_STR(field(row, "MemUsage"), "1.5MiB / 64MiB");
	CHECK_EQ_STR(field(row, "MemPerc"), "2.34%");
	CHECK_EQ_STR(field(row, "NetIO"), "1.23kB / 648B");
	CHECK_EQ_STR(field(row, "BlockIO"), "1.5MB / 0B");
	CHECK_EQ_STR(field(row, "PIDs"), "4");
	json_free(row);
	b.u.mem_limit = 0;
	row = ctr_stats_row(&c, "web", false, &a, &b, &host);
	CHECK_EQ_STR(field(row, "MemUsage"), "1.5MiB / 31.27GiB");
	CHECK_EQ_STR(field(row, "Container"), "web");
	CHECK_EQ_INT(strlen(field(row, "ID")), 64);
	json_free(row);
	/* stopped: zeros, as Docker shows a container that does not run */
	row = ctr_stats_row(&c, NULL, true, &(struct ctr_sample){ 0 }, &(struct ctr_sample){ 0 },
			    &host);
	CHECK_EQ_STR(field(row, "CPUPerc"), "0.00%");
	CHECK_EQ_STR(field(row, "MemUsage"), "0B / 0B");
	CHECK_EQ_STR(field(row, "PIDs"), "0");
	json_free(row);
}

TEST(ctr_stats_header_names_the_columns)
{
	struct json *h = ctr_stats_header();
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	CHECK_EQ_INT(tpl_run(strchr(ctr_stats_format, ' ') + 1, h, f), 0);
	fclose(f);
	CHECK_EQ_STR(buf, "CONTAINER ID\\tNAME\\tCPU %\\tMEM USAGE / LIMIT\\tMEM %\\tNET I/O\\t"
		     "BLOCK I/O\\tPIDS");
	free(buf);
	json_free(h);
}
