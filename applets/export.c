// SPDX-License-Identifier: Apache-2.0
/* export.c - `dory export` (a container's filesystem as a tar) and `dory
 * import` (an image from one). The work is core/ctr/ctr_cp.c's and
 * core/image/import.c's; this file is the command line. */
//@applet export  APPLET_EXPORT  export_main  NEEDROOT
//@applet import  APPLET_EXPORT  import_main  NEEDROOT
//@config APPLET_EXPORT
//@	bool "export and import (~12 KB)"
//@	default y
//@	select CORE_RUNTIME
//@	select CORE_IMAGE
//@	help
//@	  Usage: dory export [-o FILE] CONTAINER
//@	         dory import [-c CHANGE]... [-m MSG] FILE|- [REPO[:TAG]]
//@
//@	  export writes a container's root filesystem, running or not, as a
//@	  tar: to FILE, or to standard output when it is not a terminal. Its
//@	  volumes are not in it, as in Docker.
//@	    -o, --output FILE    write FILE, which appears only once complete
//@
//@	  import makes an image of one layer from a root filesystem tar
//@	  (plain or gzip; "-" reads standard input) and prints its ID.
//@	    -c, --change LINE    a Dockerfile instruction for its config: CMD,
//@	                         ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME,
//@	                         WORKDIR (repeatable)
//@	    -m, --message MSG    the comment of its history entry
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/ctr/ctr.h"
#include "core/ctr/ctr_cp.h"
#include "core/image/import.h"
#include "core/util/err.h"
#include "core/util/log.h"
#include "core/util/opt.h"
#include "core/util/xalloc.h"

struct export_opts {
	const char *output;
};

static const struct opt export_optv[] = {
	OPT_STR('o', "output", offsetof(struct export_opts, output)),
	OPT_END
};

/* To path crash-safely: a temporary name beside it, fsync, rename. */
static int export_file(const char *id, const char *path)
{
	autofree char *tmp = xasprintf("%s.tmp%d", path, (int)getpid());
	int fd = openat(AT_FDCWD, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644), rc;

	if (fd < 0)
		return err_set(errno, "create %s", tmp);
	rc = ctr_export(id, fd);
	if (rc == 0 && fsync(fd) < 0)
		rc = err_set(errno, "write %s", path);
	if (close(fd) < 0 && rc == 0)
		rc = err_set(errno, "write %s", path);
	if (rc == 0 && rename(tmp, path) < 0)
		rc = err_set(errno, "rename to %s", path);
	if (rc < 0)
		unlink(tmp);
	return rc;
}

int export_main(int argc, char **argv)
{
	struct export_opts o = { 0 };
	char id[CTR_ID_LEN + 1], **args;
	bool to_stdout;
	int rc;

	(void)argc;
	args = opt_parse(export_optv, &o, argv);
	if (!args[0] || args[1])
		die("give one container (usage: dory export [-o FILE] CONTAINER)");
	to_stdout = !o.output || !strcmp(o.output, "-");
	if (to_stdout && isatty(1))
		die("cowardly refusing to save to a terminal. Use the -o flag or redirect");
	if (ctr_find(args[0], id) < 0)
		die_err();
	rc = to_stdout ? ctr_export(id, 1) : export_file(id, o.output);
	if (rc == -EPIPE)
		return dory.fail_code;
	if (rc < 0)
		die_err();
	return 0;
}

struct import_opts {
	struct strv changes;
	const char *message;
};

static const struct opt import_optv[] = {
	OPT_LIST('c', "change", offsetof(struct import_opts, changes)),
	OPT_STR('m', "message", offsetof(struct import_opts, message)),
	OPT_END
};

int import_main(int argc, char **argv)
{
	struct import_opts o = { 0 };
	struct image_import_opts io;
	char imid[DIGEST_STRLEN], **args;
	struct store *st;
	struct stat sb;
	int fd = 0;

	(void)argc;
	args = opt_parse(import_optv, &o, argv);
	if (!args[0] || (args[1] && args[2]))
		die("give a tar file or - (usage: dory import [-c CHANGE]... FILE|- [REPO[:TAG]])");
	if (strcmp(args[0], "-") && (fd = openat(AT_FDCWD, args[0], O_RDONLY | O_CLOEXEC)) < 0)
		die_errno("open %s", args[0]);
	if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode))
		die("%s is a directory (give a tar of it: tar -C DIR -c .)", args[0]);
	if (!strcmp(args[0], "-") && isatty(0))
		die("give a tar on standard input, not a terminal (or name a file)");
	io = (struct image_import_opts){ .changes = &o.changes, .message = o.message,
					 .source = args[0], .ref = args[1] };
	if (store_open(dory.root, &st) < 0)
		die_err();
	if (image_import(st, fd, &io, imid) < 0)
		die_err();
	store_close(st);
	printf("%s\n", imid);
	return 0;
}
