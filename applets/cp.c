// SPDX-License-Identifier: Apache-2.0
/* cp.c - `dory cp`: files between a container and the host. Docker's path
 * rules and the container's root are core/ctr/ctr_cp.c's; this is the command. */
//@applet cp  APPLET_CP  cp_main  NEEDROOT
//@config APPLET_CP
//@	bool "cp (~8 KB)"
//@	default y
//@	select CORE_RUNTIME
//@	select CORE_IMAGE
//@	help
//@	  Usage: dory cp [OPTIONS] CONTAINER:SRC DEST|-
//@	         dory cp [OPTIONS] SRC|- CONTAINER:DEST
//@
//@	  Copy files or folders between a container, running or stopped, and
//@	  the host. Paths in the container are resolved inside its root: its
//@	  symlinks never lead to the host's files. A running container's
//@	  volumes are seen too. "-" is a tar archive on stdout (of SRC) or
//@	  on stdin (plain or gzip, unpacked into the directory DEST).
//@	  SRC ending in "/." copies what is in the directory, not the
//@	  directory itself; DEST ending in "/" must be a directory.
//@
//@	    -a, --archive        keep owners (uid and gid); files copied into
//@	                         a container are root's otherwise
//@	    -L, --follow-link    follow a symlink SRC
//@	    -q, --quiet          print nothing (dory prints no progress)
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "core/ctr/ctr.h"
#include "core/ctr/ctr_cp.h"
#include "core/util/err.h"
#include "core/util/log.h"
#include "core/util/opt.h"

struct cp_opts {
	bool archive, follow, quiet;
};

static const struct opt cp_optv[] = {
	OPT_BOOL('a', "archive", offsetof(struct cp_opts, archive)),
	OPT_BOOL('L', "follow-link", offsetof(struct cp_opts, follow)),
	OPT_BOOL('q', "quiet", offsetof(struct cp_opts, quiet)),
	OPT_END
};

/* Docker's split: "NAME:PATH" names a container unless the argument is
 * an absolute or "."-relative local path (which may hold a colon). */
static char *cp_split(char *arg)
{
	char *colon;

	if (arg[0] == '/' || arg[0] == '.' || !(colon = strchr(arg, ':')) || colon == arg)
		return NULL;
	*colon = '\0';
	return colon + 1;
}

int cp_main(int argc, char **argv)
{
	struct cp_opts o = { 0 };
	struct ctr_cp_opts co;
	char id[CTR_ID_LEN + 1], **args, *spath, *dpath;
	int rc;

	(void)argc;
	args = opt_parse(cp_optv, &o, argv);
	if (!args[0] || !args[1] || args[2])
		die("give a source and a destination (usage: dory cp CONTAINER:SRC DEST, or "
		    "dory cp SRC CONTAINER:DEST)");
	spath = cp_split(args[0]);
	dpath = cp_split(args[1]);
	if (spath && dpath)
		die("copying between containers is not supported (copy to the host, then on)");
	if (!spath && !dpath)
		die("must specify at least one container source (CONTAINER:PATH)");
	if (!*(spath ? spath : dpath))
		die("give a path in the container after \"%s:\"", spath ? args[0] : args[1]);
	if (ctr_find(spath ? args[0] : args[1], id) < 0)
		die_err();
	co = (struct ctr_cp_opts){ .archive = o.archive, .follow = o.follow };
	if (spath) {
		if (!strcmp(args[1], "-") && isatty(1))
			die("cowardly refusing to write a tar archive to a terminal (redirect it)");
		rc = ctr_cp_out(id, args[0], spath, args[1], 1, &co);
	} else {
		rc = ctr_cp_in(id, args[1], args[0], 0, dpath, &co);
	}
	if (rc == -EPIPE)
		return dory.fail_code;
	if (rc < 0)
		die_err();
	return 0;
}
