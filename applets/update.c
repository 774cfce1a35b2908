// SPDX-License-Identifier: Apache-2.0
/* update.c - dory update: new limits or restart policy for containers,
 * running or not. Parsing the values and applying them is core/ctr's
 * (ctr_build.c, ctr_update.c). */
//@applet update  APPLET_UPDATE  update_main  NEEDROOT
//@config APPLET_UPDATE
//@	bool "update (~2 KB)"
//@	default y
//@	depends on APPLET_RUN
//@	help
//@	  Usage: dory update [OPTIONS] CONTAINER...
//@
//@	  Change the limits of containers: a running one at once (in its
//@	  cgroup), and every later start of it (in its config). Prints each
//@	  container done.
//@
//@	    -m, --memory BYTES      memory limit (64m, 1g)
//@	        --memory-swap BYTES memory plus swap; -1: unlimited swap
//@	        --cpus N            CPUs (0.5, 2)
//@	    -c, --cpu-shares N      relative CPU weight (2 to 262144)
//@	        --pids-limit N      most processes; 0 or -1: none
//@	        --restart POLICY    no, always, unless-stopped, on-failure[:N]
#include <string.h>

#include "applets.h"
#include "core/ctr/ctr.h"
#include "core/ctr/ctr_build.h"
#include "core/ctr/ctr_update.h"
#include "core/util/err.h"
#include "core/util/log.h"
#include "core/util/opt.h"

static const struct opt update_optv[] = {
	OPT_STR('m', "memory", offsetof(struct ctr_flags, memory)),
	OPT_STR(0, "memory-swap", offsetof(struct ctr_flags, memory_swap)),
	OPT_STR(0, "cpus", offsetof(struct ctr_flags, cpus)),
	OPT_STR('c', "cpu-shares", offsetof(struct ctr_flags, cpu_shares)),
	OPT_STR(0, "pids-limit", offsetof(struct ctr_flags, pids)),
	OPT_STR(0, "restart", offsetof(struct ctr_flags, restart)),
	OPT_END
};

int update_main(int argc, char **argv)
{
	struct ctr_flags f = { 0 };
	char **refs;
	int ret = 0;

	(void)argc;
	refs = opt_parse(update_optv, &f, argv);
	if (!f.memory && !f.memory_swap && !f.cpus && !f.cpu_shares && !f.pids && !f.restart)
		die("you must provide one or more flags when using this command (see 'dory update "
		    "--help')");
	if (!*refs)
		die("give at least one container (see 'dory update --help')");
	/* As Docker: each container in turn, on past a failure, exit 1. */
	for (; *refs; refs++) {
		char id[CTR_ID_LEN + 1];

		if (ctr_find(*refs, id) < 0 || ctr_update(id, &f) < 0) {
			warn("%s: %s", *refs, err_str());
			err_clear();
			ret = 1;
		} else {
			printf("%s\n", *refs);
		}
	}
	return fflush(stdout) ? 125 : ret;
}
