// SPDX-License-Identifier: Apache-2.0
/* rename.c - dory rename: a container's new name, running or not. The
 * name rule and the crash-safe record are core/ctr/ctr.c's. */
//@applet rename  APPLET_RENAME  rename_main  NEEDROOT
//@config APPLET_RENAME
//@	bool "rename (~1 KB)"
//@	default y
//@	depends on APPLET_RUN
//@	help
//@	  Usage: dory rename CONTAINER NEW_NAME
//@
//@	  Give a container, running or not, a new name: ps, inspect (.Name)
//@	  and every command that takes a CONTAINER know it by that one, and
//@	  so do the containers on its user networks (their /etc/hosts).
#include "applets.h"
#include "core/ctr/ctr.h"
#include "core/ctr/ctr_net.h"
#include "core/util/err.h"
#include "core/util/log.h"
#include "core/util/opt.h"

static const struct opt rename_optv[] = { OPT_END };

int rename_main(int argc, char **argv)
{
	char **args = opt_parse(rename_optv, NULL, argv), id[CTR_ID_LEN + 1];

	(void)argc;
	if (!args[0] || !args[1] || args[2])
		die("give a container and its new name (see 'dory rename --help')");
	if (!*args[0] || !*args[1]) {
		warn("Neither old nor new names may be empty");
		return 1;
	}
	if (ctr_find(args[0], id) < 0 || ctr_rename(id, args[1]) < 0) {
		warn("%s", err_str());
		return 1;
	}
	ctr_net_renamed(id, args[1]);
	return 0;
}
