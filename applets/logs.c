// SPDX-License-Identifier: Apache-2.0
/* logs.c - `dory logs`: print a detached container's output. The log's
 * format, rotation and following are core/ctr/ctrlog.c's; this is the command. */
//@applet logs  APPLET_LOGS  logs_main  NEEDROOT
//@config APPLET_LOGS
//@	bool "logs (~6 KB)"
//@	default y
//@	select CORE_RUNTIME
//@	select CORE_IMAGE
//@	help
//@	  Usage: dory logs [OPTIONS] CONTAINER
//@
//@	  Print what a detached container wrote: its stdout on stdout, its
//@	  stderr on stderr. A container run in the foreground keeps no log.
//@	  It keeps 2 files of 1 MiB unless run was given --log-opt
//@	  max-size=N[k|m|g] or max-file=N.
//@
//@	    -f, --follow         keep printing new output until it stops
//@	    -n, --tail N         only the last N lines, or all (the default)
//@	    -t, --timestamps     start each line with its time (RFC 3339)
//@	        --since T        only lines from T on: 2024-01-02T15:04:05Z,
//@	                         Unix seconds, or back from now (10m, 1h30m)
#include <errno.h>
#include <string.h>

#include "core/ctr/ctr.h"
#include "core/ctr/ctrlog.h"
#include "core/util/err.h"
#include "core/util/log.h"
#include "core/util/opt.h"
#include "core/util/str.h"
#include "core/util/xalloc.h"

struct logs_opts {
	const char *tail, *since;
	bool follow, timestamps;
};

static const struct opt logs_optv[] = {
	OPT_BOOL('f', "follow", offsetof(struct logs_opts, follow)),
	OPT_STR('n', "tail", offsetof(struct logs_opts, tail)),
	OPT_BOOL('t', "timestamps", offsetof(struct logs_opts, timestamps)),
	OPT_STR(0, "since", offsetof(struct logs_opts, since)),
	OPT_END
};

/* Follow ends when the container no longer runs (or is gone). */
static bool logs_running(void *arg)
{
	struct ctr_state st;
	bool run;

	memset(&st, 0, sizeof(st));
	if (ctr_state_load(arg, false, &st) < 0)
		return false;
	run = st.status == CTR_RUNNING || st.status == CTR_PAUSED ||
	      st.status == CTR_RESTARTING;
	ctr_state_clear(&st);
	return run;
}

int logs_main(int argc, char **argv)
{
	struct logs_opts o = { 0 };
	struct ctrlog_read_opts ro = { .tail = -1 };
	struct ctr_config cfg;
	char id[CTR_ID_LEN + 1];
	unsigned long long n;
	char **args, *dir, *path;
	int rc;

	(void)argc;
	args = opt_parse(logs_optv, &o, argv);
	if (!args[0] || args[1])
		die("give exactly one container (usage: dory logs [OPTIONS] CONTAINER)");
	if (o.tail && strcmp(o.tail, "all")) {
		if (str_to_u64(o.tail, (unsigned long long)1 << 62, &n) < 0)
			die("invalid --tail \"%s\" (use a number of lines or all)", o.tail);
		ro.tail = (long long)n;
	}
	if (o.since && ctrlog_parse_since(o.since, ctr_now(), &ro.since_ns) < 0) {
		err_ctx("--since");
		die_err();
	}
	memset(&cfg, 0, sizeof(cfg));
	if (ctr_find(args[0], id) < 0 || ctr_config_load(id, &cfg) < 0)
		die_err();
	ro.timestamps = o.timestamps;
	ro.follow = o.follow && logs_running(id);	/* a stopped one: print and go */
	ro.running = logs_running;
	ro.arg = id;
	dir = ctr_dir(id);
	path = xasprintf("%s/ctr.log", dir);
	rc = ctrlog_print(path, cfg.log_max_file, &ro, 1, 2);
	if (rc == -EPIPE)
		return dory.fail_code;	/* the reader went away: nothing to say */
	if (rc < 0 && rc != -ENOENT)	/* none: it ran in the foreground */
		die_err();
	free(path);
	free(dir);
	ctr_config_clear(&cfg);
	return 0;
}
