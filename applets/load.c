// SPDX-License-Identifier: Apache-2.0
/* load.c - `dory load`: images from a Docker or OCI archive into the store.
 * The work is core/image/archive_load.c's; this file is the command line. */
//@applet load  APPLET_LOAD  load_main  NEEDROOT
//@config APPLET_LOAD
//@	bool "load (~18 KB)"
//@	default y
//@	select CORE_IMAGE
//@	help
//@	  Usage: dory load [-i FILE] [--platform P]
//@
//@	  Load images from a tar archive, as `docker save` (any version) and
//@	  skopeo's docker-archive: and oci-archive: write them; it may be
//@	  gzip-compressed. The archive is read once, from FILE or standard
//@	  input, so it may be larger than memory. Every digest is checked: a
//@	  damaged archive leaves the store as it was. Prints each image's name
//@	  (or its ID when it has none).
//@
//@	    -i, --input FILE     read FILE ("-": standard input, the default)
//@	        --platform P     from a multi-platform index, the image for P,
//@	                         e.g. linux/arm/v7 (default: this machine's)
//@	    -q, --quiet          accepted for Docker's sake: there is no
//@	                         progress to hide
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "core/image/archive.h"
#include "core/util/conf.h"
#include "core/util/err.h"
#include "core/util/log.h"
#include "core/util/opt.h"
#include "core/util/str.h"

struct load_opts {
	const char *input, *platform;
	bool quiet;
};

static const struct opt load_optv[] = {
	OPT_STR('i', "input", offsetof(struct load_opts, input)),
	OPT_STR(0, "platform", offsetof(struct load_opts, platform)),
	OPT_BOOL('q', "quiet", offsetof(struct load_opts, quiet)),
	OPT_END
};

int load_main(int argc, char **argv)
{
	struct load_opts o = { 0 };
	struct archive_load_opts lo = { 0 };
	struct strv loaded = { 0 };
	struct dory_conf conf;
	struct store *st;
	char **args;
	int fd = 0;

	(void)argc;
	args = opt_parse(load_optv, &o, argv);
	if (args[0])
		die("unexpected argument \"%s\" (usage: dory load [-i FILE])", args[0]);
	if (o.input && strcmp(o.input, "-")) {
		fd = openat(AT_FDCWD, o.input, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			die_errno("open %s", o.input);
	} else if (isatty(0)) {
		die("requested load from stdin, but stdin is a terminal (use -i FILE or "
		    "redirect)");
	}
	lo.platform = o.platform;
	if (conf_load(&conf) < 0 || store_open(dory.root, &st) < 0)
		die_err();
	store_set_keep_layer_blobs(st, conf.keep_layer_blobs);
	if (archive_load(st, fd, &lo, &loaded) < 0)
		die_err();
	store_close(st);
	for (size_t i = 0; i < loaded.n; i++)
		printf("Loaded image%s: %s\n", str_has_prefix(loaded.v[i], "sha256:") ? " ID" : "",
		       loaded.v[i]);
	strv_free(&loaded);
	conf_clear(&conf);
	return 0;
}
