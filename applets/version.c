// SPDX-License-Identifier: Apache-2.0
/* version.c - `dory version`: what this binary is and what it was built
 * from (commit, config, dependency versions), for bug reports from the
 * field, read off a serial console. */
//@applet version  APPLET_VERSION  version_main
//@config APPLET_VERSION
//@	bool "version (~1 KB)"
//@	default y
//@	help
//@	  Usage: dory version [-f FORMAT]
//@
//@	  Print the version of dory, the commit, date and config it was
//@	  built from, the versions of the Debian source packages of the
//@	  libraries inside it, the architecture and the kernel.
//@
//@	    -f, --format T  a Go template over Docker's fields
//@	                    ({{.Client.Version}}, {{.Server.Version}}, ...)
#include <stddef.h>
#include <sys/utsname.h>
#include <time.h>

#include "buildinfo.h"
#include "core/util/json.h"
#include "core/util/log.h"
#include "core/util/opt.h"
#include "core/util/tpl.h"
#include "version.h"

struct version_opts {
	const char *format;
};

/* The libraries linked in, as this config uses them: name, Debian version. */
static const struct {
	const char *name;
	const char *version;
	bool used;
} version_deps[] = {
	{ "musl", DORY_DEP_MUSL, true },
	{ "zlib", DORY_DEP_ZLIB, CFG_CORE_IMAGE },
	{ "cJSON", DORY_DEP_CJSON, CFG_CORE_IMAGE },
	{ "BearSSL", DORY_DEP_BEARSSL, CFG_CORE_TLS },
	{ "libseccomp", DORY_DEP_LIBSECCOMP, CFG_CORE_SECCOMP },
};

/* Docker's names for the fields, so that `docker version --format` scripts
 * run; there is no daemon, so Server is this binary too. */
static struct json *version_json(const char *built, const struct utsname *u)
{
	struct json *root = json_new_obj(), *c, *deps;
	const char *side[] = { "Client", "Server" };
	size_t i, k;

	for (k = 0; k < 2; k++) {
		c = json_add_obj(root, side[k]);
		json_add_str(c, "Version", DORY_VERSION);
		json_add_str(c, "GitCommit", DORY_COMMIT);
		json_add_str(c, "BuildTime", built);
		json_add_str(c, "Os", "linux");
		json_add_str(c, "Arch", DORY_ARCH);
		json_add_str(c, "KernelVersion", u->release);
		json_add_str(c, "Config", DORY_CONFIG_NAME);
		deps = json_add_obj(c, "Deps");
		for (i = 0; i < sizeof(version_deps) / sizeof(version_deps[0]); i++)
			if (version_deps[i].used)
				json_add_str(deps, version_deps[i].name, version_deps[i].version);
	}
	return root;
}

int version_main(int argc, char **argv)
{
	static const struct opt optv[] = {
		OPT_STR('f', "format", offsetof(struct version_opts, format)),
		OPT_END
	};
	struct version_opts o = { 0 };
	time_t t = DORY_BUILD_EPOCH;
	char built[80];
	struct utsname u;
	struct tm tm;
	size_t i;

	(void)argc;
	argv = opt_parse(optv, &o, argv);
	if (*argv)
		die("takes no arguments (see 'dory version --help')");
	if (uname(&u) < 0)
		die_errno("uname");
	gmtime_r(&t, &tm);
	snprintf(built, sizeof(built), "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (o.format) {
		struct json *j;
		struct tpl f;
		int r;

		if (!CFG_CORE_IMAGE)
			die("--format needs CONFIG_CORE_IMAGE, which this build lacks");
		if (tpl_parse(o.format, NULL, &f) < 0)
			die_err();
		j = version_json(built, &u);
		r = tpl_run(f.text, j, stdout);
		fputc('\n', stdout);
		json_free(j);
		tpl_free(&f);
		if (r < 0)
			die_err();
		return fflush(stdout) ? 125 : 0;
	}
	printf("dory version %s\n Commit:     %s\n Built:      %s\n Config:     %s\n"
	       " Arch:       %s\n Kernel:     %s %s %s\n", DORY_VERSION, DORY_COMMIT, built,
	       DORY_CONFIG_NAME, DORY_ARCH, u.sysname, u.release, u.machine);
	for (i = 0; i < sizeof(version_deps) / sizeof(version_deps[0]); i++)
		if (version_deps[i].used)
			printf(" %-11s %s\n", version_deps[i].name, version_deps[i].version);
	return fflush(stdout) ? 125 : 0;
}
