// SPDX-License-Identifier: Apache-2.0
/* save.c - `dory save`: images of the store as a Docker or OCI archive.
 * The work is core/image/archive.c's; this file is the command line. */
//@applet save  APPLET_SAVE  save_main  NEEDROOT
//@config APPLET_SAVE
//@	bool "save (~10 KB)"
//@	default y
//@	select CORE_IMAGE
//@	help
//@	  Usage: dory save [-o FILE] [--format docker|oci] IMAGE...
//@
//@	  Write images and their layers to a tar archive that `dory load` and
//@	  `docker load` read: to FILE, or to standard output when it is not a
//@	  terminal. A name without a tag saves every tag of it, as Docker.
//@
//@	    -o, --output FILE    write FILE, which appears only once complete
//@	        --format F       docker (the default): uncompressed layers;
//@	                         oci: blobs and manifests as stored, so the
//@	                         digests stay the same
//@
//@	  Saving needs the layer blobs, which the store keeps unless
//@	  keep-layer-blobs is off in /etc/dory/config.json.
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/image/archive.h"
#include "core/util/err.h"
#include "core/util/log.h"
#include "core/util/opt.h"

struct save_opts {
	const char *output, *format;
};

static const struct opt save_optv[] = {
	OPT_STR('o', "output", offsetof(struct save_opts, output)),
	OPT_STR(0, "format", offsetof(struct save_opts, format)),
	OPT_END
};

int save_main(int argc, char **argv)
{
	struct save_opts o = { 0 };
	enum archive_format fmt = ARCHIVE_DOCKER;
	bool to_stdout;
	struct store *st;
	char **args;
	int rc;

	(void)argc;
	args = opt_parse(save_optv, &o, argv);
	if (!args[0])
		die("give at least one image (usage: dory save [-o FILE] IMAGE...)");
	if (o.format && !strcmp(o.format, "oci"))
		fmt = ARCHIVE_OCI;
	else if (o.format && strcmp(o.format, "docker"))
		die("invalid --format \"%s\" (use docker or oci)", o.format);
	to_stdout = !o.output || !strcmp(o.output, "-");
	if (to_stdout && isatty(1))
		die("cowardly refusing to save to a terminal. Use the -o flag or redirect");
	if (store_open(dory.root, &st) < 0)
		die_err();
	if (to_stdout)
		rc = archive_save(st, args, fmt, 1);
	else
		rc = archive_save_file(st, args, fmt, o.output);
	if (rc == -EPIPE)
		return dory.fail_code;	/* the reader went away: nothing to say */
	if (rc < 0)
		die_err();
	store_close(st);
	return 0;
}
