// SPDX-License-Identifier: Apache-2.0
/* pull.c - `dory pull`: fetch an image from its registry into the store.
 * The work is core/registry/image_pull.c's; this file is the command line. */
//@applet pull  APPLET_PULL  pull_main  NEEDROOT
//@config APPLET_PULL
//@	bool "pull (~60 KB with TLS)"
//@	default y
//@	select CORE_REGISTRY
//@	help
//@	  Usage: dory pull [OPTIONS] NAME[:TAG|@DIGEST]
//@
//@	  Download an image and its missing layers from a registry, verify
//@	  every digest, and tag it once it is complete. An interrupted pull
//@	  resumes where it stopped. Prints each layer's progress (redrawn
//@	  on a terminal) and then the image's full name on stdout, as
//@	  Docker does; only errors go to stderr.
//@
//@	        --platform P     e.g. linux/arm/v7 (default: this machine's)
//@	    -q, --quiet          no progress, only the name
//@	    -j, --jobs N         layers fetched at once (default: CPUs, <= 4)
//@
//@	  Registries: /etc/dory/config.json (insecure-registries,
//@	  registry-mirrors), CAs in /etc/dory/certs.d/HOST:PORT/ca.crt,
//@	  credentials from 'dory login'.
#include <errno.h>
#include <stdio.h>

#include "core/image/image.h"
#include "core/image/ref.h"
#include "core/registry/image_pull.h"
#include "core/registry/pull_progress.h"
#include "core/util/conf.h"
#include "core/util/err.h"
#include "core/util/log.h"
#include "core/util/opt.h"
#include "core/util/str.h"

struct pull_opts {
	const char *platform, *jobs;
	bool quiet;
};

static const struct opt pull_optv[] = {
	OPT_STR(0, "platform", offsetof(struct pull_opts, platform)),
	OPT_BOOL('q', "quiet", offsetof(struct pull_opts, quiet)),
	OPT_STR('j', "jobs", offsetof(struct pull_opts, jobs)),
	OPT_END
};

/* The progress on stdout, as Docker's pull writes it (only errors go to
 * stderr), in core/registry/pull_progress.c's words; each piece at once. */
static void pull_show(void *view, const struct image_pull_event *e)
{
	autofree char *s = pull_progress_text(view, e, -1);

	fputs(s, stdout);
	fflush(stdout);
}

int pull_main(int argc, char **argv)
{
	struct pull_opts o = { 0 };
	struct image_pull_opts po = { 0 };
	struct pull_progress view = { .tty = isatty(1) };
	struct dory_conf conf;
	struct store *st;
	struct ref r;
	char id[DIGEST_STRLEN];
	unsigned long long jobs = 0;
	char **args;

	(void)argc;
	args = opt_parse(pull_optv, &o, argv);
	if (!args[0] || args[1])
		die("give exactly one image (usage: dory pull NAME[:TAG|@DIGEST])");
	if (o.jobs && (str_to_u64(o.jobs, 8, &jobs) < 0 || !jobs))
		die("invalid --jobs \"%s\" (use 1 to 8)", o.jobs);
	if (ref_parse(args[0], &r) < 0)
		die_err();
	po.platform = o.platform;
	if (!o.quiet) {
		po.progress = pull_show;
		po.progress_ctx = &view;
	}
	po.jobs = (int)jobs;
	if (conf_load(&conf) < 0 || store_open(dory.root, &st) < 0)
		die_err();
	store_set_keep_layer_blobs(st, conf.keep_layer_blobs);
	if (image_pull(st, &conf, args[0], &po, id) < 0)
		die_err();
	store_close(st);
	{
		char *s = ref_str(&r);

		puts(s);
		free(s);
	}
	ref_clear(&r);
	conf_clear(&conf);
	pull_progress_clear(&view);
	return 0;
}
