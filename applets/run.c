// SPDX-License-Identifier: Apache-2.0
/* run.c - `dory run`: parse Docker's run options into a runtime spec and run
 * the container in the foreground. The engine lives in core/runtime.c. */
//@applet run  APPLET_RUN  run_main  NEEDROOT
//@config APPLET_RUN
//@	bool "run (~40 KB)"
//@	default y
//@	select CORE_RUNTIME
//@	help
//@	  Usage: dory run --rootfs DIR [OPTIONS] [--] COMMAND [ARG...]
//@
//@	  Run COMMAND in a new container on the root filesystem DIR, in new
//@	  pid, mount, uts, ipc, cgroup and network namespaces (loopback only).
//@
//@	    --rootfs DIR         root filesystem directory to run in
//@	    -e, --env K=V        set an environment variable (K alone: copy it)
//@	        --env-file FILE  read K=V lines from FILE
//@	    -h, --hostname NAME  container host name (default: short id)
//@	    -i, --interactive    keep stdin open
//@	    -t, --tty            allocate a pseudo-terminal
//@	    -u, --user U[:G]     user and group, by number or by name
//@	    -w, --workdir DIR    working directory (created if missing)
//@	        --read-only      mount the root filesystem read-only
//@	        --rm             remove the container when it exits
//@
//@	  Exit status: the command's, 128+N if killed by signal N, 125 if
//@	  dory failed, 126 if COMMAND cannot run, 127 if it is not found.
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/caps.h"
#include "core/err.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "core/opt.h"
#include "core/runtime.h"
#include "core/str.h"
#include "core/xalloc.h"

struct run_opts {
	const char *rootfs, *hostname, *user, *workdir;
	struct strv env, env_files;
	bool interactive, tty, readonly, rm;
};

static const struct opt run_optv[] = {
	OPT_STR(0, "rootfs", offsetof(struct run_opts, rootfs)),
	OPT_LIST('e', "env", offsetof(struct run_opts, env)),
	OPT_LIST(0, "env-file", offsetof(struct run_opts, env_files)),
	OPT_STR('h', "hostname", offsetof(struct run_opts, hostname)),
	OPT_BOOL('i', "interactive", offsetof(struct run_opts, interactive)),
	OPT_BOOL('t', "tty", offsetof(struct run_opts, tty)),
	OPT_STR('u', "user", offsetof(struct run_opts, user)),
	OPT_STR('w', "workdir", offsetof(struct run_opts, workdir)),
	OPT_BOOL(0, "read-only", offsetof(struct run_opts, readonly)),
	OPT_BOOL(0, "rm", offsetof(struct run_opts, rm)),
	OPT_END
};

/* One -e or --env-file entry: "K=V" as is; "K" copies the caller's K if
 * set (Docker's rule); a name with white space is refused. */
static void run_add_env(struct strv *env, const char *kv, const char *from)
{
	size_t klen = strcspn(kv, "=");
	autofree char *key = xstrndup(kv, klen);
	const char *val;

	if (!klen || key[strcspn(key, " \t")])
		die("invalid environment variable '%s'%s%s (use NAME=VALUE)", kv,
		    from ? " in " : "", from ? from : "");
	if (kv[klen] == '=') {
		strv_setenv(env, kv);
		return;
	}
	val = getenv(key);
	if (val) {
		autofree char *full = xasprintf("%s=%s", key, val);

		strv_setenv(env, full);
	}
}

static void run_env_file(struct strv *env, const char *path)
{
	autofree char *text = NULL;
	char *save = NULL;

	if (fsutil_read_file(path, &text) < 0)
		die("env file: %s", err_str());
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		l += strspn(l, " \t");
		l[strcspn(l, "\r")] = '\0';
		if (*l && *l != '#')
			run_add_env(env, l, path);
	}
}

/* RFC 1123 host name characters, at most 63 bytes as sethostname allows. */
static bool run_hostname_ok(const char *h)
{
	size_t n = strlen(h);

	if (!n || n > 63 || h[0] == '-' || h[0] == '.')
		return false;
	for (; *h; h++)
		if (!((*h >= 'a' && *h <= 'z') || (*h >= 'A' && *h <= 'Z') ||
		      (*h >= '0' && *h <= '9') || *h == '-' || *h == '.'))
			return false;
	return true;
}

static void run_rootfs(struct rt_spec *s, const char *dir)
{
	static char real[PATH_MAX];
	struct stat st;

	if (!dir)
		die("no --rootfs given: running images is not supported yet "
		    "(use --rootfs DIR)");
	if (!realpath(dir, real) || stat(real, &st) < 0)
		die_errno("rootfs %s", dir);
	if (!S_ISDIR(st.st_mode))
		die("rootfs %s: not a directory", dir);
	if (!strcmp(real, "/"))
		die("rootfs %s: is the host's root (give a container's root directory)", dir);
	s->rootfs = real;
}

int run_main(int argc, char **argv)
{
	struct run_opts o = { 0 };
	struct rt_spec s = { 0 };
	char **cmd;
	int status;

	(void)argc;
	cmd = opt_parse(run_optv, &o, argv);
	if (!*cmd)
		die("no command given (usage: dory run --rootfs DIR COMMAND [ARG...])");
	run_rootfs(&s, o.rootfs);
	if (rt_new_id(s.id) < 0)
		die_err();
	s.hostname = o.hostname ? o.hostname : xstrndup(s.id, 12);
	if (!run_hostname_ok(s.hostname))
		die("invalid hostname '%s' (use letters, digits, '-' and '.')", s.hostname);
	if (o.interactive && o.tty && !isatty(0))
		die("the input device is not a TTY (drop -t, or run from a terminal)");
	strv_setenv(&s.env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	strv_push_take(&s.env, xasprintf("HOSTNAME=%s", s.hostname));
	if (o.tty)
		strv_setenv(&s.env, "TERM=xterm");
	for (size_t i = 0; i < o.env_files.n; i++)
		run_env_file(&s.env, o.env_files.v[i]);
	for (size_t i = 0; i < o.env.n; i++)
		run_add_env(&s.env, o.env.v[i], NULL);
	if (o.workdir && o.workdir[0] != '/')
		die("the working directory '%s' is invalid, it needs to be an absolute path",
		    o.workdir);
	s.argv = cmd;
	s.cwd = o.workdir;
	s.user = o.user;
	s.caps = caps_docker_default();
	s.readonly = o.readonly;
	s.tty = o.tty;
	s.interactive = o.interactive;
	if (rt_run(&s, &status) < 0) {
		dory.fail_code = status;
		die_err();
	}
	return status;
}
