// SPDX-License-Identifier: Apache-2.0
/* run.c - `dory run`: parse Docker's run options into a runtime spec and run
 * the container in the foreground. The engine lives in core/runtime.c. */
//@applet run  APPLET_RUN  run_main  NEEDROOT
//@config APPLET_RUN
//@	bool "run (~40 KB)"
//@	default y
//@	select CORE_RUNTIME
//@	select CORE_IMAGE
//@	help
//@	  Usage: dory run [OPTIONS] IMAGE [COMMAND [ARG...]]
//@	     or: dory run --rootfs DIR [OPTIONS] [--] COMMAND [ARG...]
//@
//@	  Run a command in a new container made from IMAGE (pulled if missing)
//@	  or on the root filesystem DIR, in new pid, mount, uts, ipc, cgroup
//@	  and network namespaces (loopback only).
//@
//@	        --rootfs DIR     root filesystem directory to run in
//@	        --entrypoint CMD override the image's entrypoint ("" for none)
//@	        --pull WHEN      missing (default), always or never
//@	        --platform P     image platform to pull, e.g. linux/arm/v7
//@	        --storage-driver D  overlay or bind-copy (default: detected)
//@	    -e, --env K=V        set an environment variable (K alone: copy it)
//@	        --env-file FILE  read K=V lines from FILE
//@	    -h, --hostname NAME  container host name (default: short id)
//@	    -i, --interactive    keep stdin open
//@	    -t, --tty            allocate a pseudo-terminal
//@	    -u, --user U[:G]     user and group, by number or by name
//@	    -w, --workdir DIR    working directory (created if missing)
//@	        --read-only      mount the root filesystem read-only
//@	        --security-opt O seccomp=FILE|unconfined, no-new-privileges
//@	        --cap-add CAP    add a capability (e.g. NET_ADMIN, or ALL)
//@	        --cap-drop CAP   drop a capability (drops apply before adds)
//@	        --privileged     all capabilities, no seccomp, no masked paths,
//@	                         /sys read-write and the host's devices
//@	        --device H[:C][:rwm]  make host device H as C (default: H)
//@	                         in the container's /dev
//@	    -m, --memory BYTES   memory limit (k, m, g suffixes)
//@	        --memory-swap B  memory plus swap limit (-1: unlimited swap)
//@	        --cpus N         CPU quota, e.g. 0.5
//@	        --cpu-shares N   relative CPU weight (default 1024)
//@	        --pids-limit N   most processes at once (-1: no limit)
//@	        --cpuset-cpus L  CPUs allowed, e.g. 0-1
//@	        --cpuset-mems L  memory nodes allowed
//@	        --rm             remove the container when it exits (for now
//@	                         every container is removed when it exits)
//@
//@	  Exit status: the command's, 128+N if killed by signal N, 125 if
//@	  dory failed, 126 if COMMAND cannot run, 127 if it is not found.
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/caps.h"
#include "core/cgroup.h"
#include "core/conf.h"
#include "core/ctrfs.h"
#include "core/err.h"
#include "core/image.h"
#include "core/json.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "core/opt.h"
#include "core/ref.h"
#include "core/rootfs.h"
#include "core/runtime.h"
#include "core/seccomp.h"
#include "core/str.h"
#include "core/xalloc.h"

struct run_opts {
	const char *rootfs, *hostname, *user, *workdir, *entrypoint, *pull, *platform, *driver;
	const char *memory, *memory_swap, *cpus, *cpu_shares, *pids, *cpuset_cpus, *cpuset_mems;
	struct strv env, env_files, secopts, cap_add, cap_drop, devices;
	bool interactive, tty, readonly, rm, privileged;
};

static const struct opt run_optv[] = {
	OPT_STR(0, "rootfs", offsetof(struct run_opts, rootfs)),
	OPT_STR(0, "entrypoint", offsetof(struct run_opts, entrypoint)),
	OPT_STR(0, "pull", offsetof(struct run_opts, pull)),
	OPT_STR(0, "platform", offsetof(struct run_opts, platform)),
	OPT_STR(0, "storage-driver", offsetof(struct run_opts, driver)),
	OPT_LIST(0, "security-opt", offsetof(struct run_opts, secopts)),
	OPT_LIST(0, "cap-add", offsetof(struct run_opts, cap_add)),
	OPT_LIST(0, "cap-drop", offsetof(struct run_opts, cap_drop)),
	OPT_BOOL(0, "privileged", offsetof(struct run_opts, privileged)),
	OPT_LIST(0, "device", offsetof(struct run_opts, devices)),
	OPT_STR('m', "memory", offsetof(struct run_opts, memory)),
	OPT_STR(0, "memory-swap", offsetof(struct run_opts, memory_swap)),
	OPT_STR(0, "cpus", offsetof(struct run_opts, cpus)),
	OPT_STR(0, "cpu-shares", offsetof(struct run_opts, cpu_shares)),
	OPT_STR(0, "pids-limit", offsetof(struct run_opts, pids)),
	OPT_STR(0, "cpuset-cpus", offsetof(struct run_opts, cpuset_cpus)),
	OPT_STR(0, "cpuset-mems", offsetof(struct run_opts, cpuset_mems)),
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

	if (!realpath(dir, real) || stat(real, &st) < 0)
		die_errno("rootfs %s", dir);
	if (!S_ISDIR(st.st_mode))
		die("rootfs %s: not a directory", dir);
	if (!strcmp(real, "/"))
		die("rootfs %s: is the host's root (give a container's root directory)", dir);
	s->rootfs = real;
}

/* "-1" or a byte count with Docker's units. */
static long long run_bytes(const char *flag, const char *v, bool minus_one)
{
	long long n;

	if (minus_one && !strcmp(v, "-1"))
		return -1;
	if (cg_parse_bytes(v, &n) < 0)
		die("invalid %s \"%s\" (use a size like 64m or 1g%s)", flag, v,
		    minus_one ? ", or -1" : "");
	return n;
}

/* Docker's resource flags into limits, checked before anything is made. */
static void run_limits(const struct run_opts *o, struct cg_limits *l)
{
	unsigned long long n;

	if (o->memory)
		l->memory = run_bytes("--memory", o->memory, false);
	if (o->memory_swap)
		l->memory_swap = run_bytes("--memory-swap", o->memory_swap, true);
	if (o->cpus && cg_parse_cpus(o->cpus, &l->cpu_quota_us, &l->cpu_period_us) < 0)
		die_err();
	if (o->cpus && l->cpu_quota_us > l->cpu_period_us * sysconf(_SC_NPROCESSORS_ONLN))
		die("range of CPUs is from 0.01 to %ld.00, as there are only %ld CPUs available",
		    sysconf(_SC_NPROCESSORS_ONLN), sysconf(_SC_NPROCESSORS_ONLN));
	if (o->cpu_shares) {
		if (str_to_u64(o->cpu_shares, 262144, &n) < 0)
			die("invalid --cpu-shares \"%s\" (use 2 to 262144)", o->cpu_shares);
		l->cpu_shares = (long long)n;
	}
	if (o->pids && !strcmp(o->pids, "-1"))
		l->pids = -1;
	else if (o->pids && (str_to_u64(o->pids, 1ULL << 31, &n) < 0 || !n))
		die("invalid --pids-limit \"%s\" (use a positive number, or -1)", o->pids);
	else if (o->pids)
		l->pids = (long long)n;
	l->cpuset_cpus = o->cpuset_cpus;
	l->cpuset_mems = o->cpuset_mems;
	if (cg_limits_check(l) < 0)
		die_err();
}

/* --cap-add, --cap-drop on Docker's default set (all with --privileged).
 * "All" means all this process holds, as no container can have more. */
static void run_caps(const struct run_opts *o, struct rt_spec *s)
{
	uint64_t held;
	bool all = o->privileged;

	for (size_t i = 0; i < o->cap_add.n; i++)
		all |= !strcasecmp(o->cap_add.v[i], "ALL");
	if (caps_adjust(o->privileged ? caps_all() : caps_docker_default(), &o->cap_add,
			&o->cap_drop, &s->caps) < 0)
		die_err();
	if (all && caps_held(&held) == 0)
		s->caps &= held;
	err_clear();
}

static bool run_device_mode_ok(const char *m)
{
	return *m && strlen(m) <= 3 && !m[strspn(m, "rwm")];
}

/* --device HOST[:CONTAINER][:rwm] (Docker's grammar); the node is
 * described now, so a missing host device fails before anything starts. */
static void run_devices(const struct run_opts *o, struct rt_spec *s, char **paths)
{
	struct rootfs_device *d = xzalloc((o->devices.n + 1) * sizeof(*d));

	for (size_t i = 0; i < o->devices.n; i++) {
		const char *v = o->devices.v[i], *c1 = strchr(v, ':');
		const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		autofree char *host = xstrndup(v, c1 ? (size_t)(c1 - v) : strlen(v));

		if (c2 && !run_device_mode_ok(c2 + 1))
			die("invalid device mode \"%s\" in --device %s (use r, w and m)", c2 + 1, v);
		if (c2)
			paths[i] = xstrndup(c1 + 1, (size_t)(c2 - c1 - 1));
		else if (c1 && !run_device_mode_ok(c1 + 1))
			paths[i] = xstrdup(c1 + 1);
		else
			paths[i] = xstrdup(host);
		if (!*host || rootfs_device_from_host(host, paths[i], &d[i]) < 0)
			die("invalid --device %s: %s", v, *host ? err_str() : "no host path");
	}
	s->devices = d;
	s->ndevices = o->devices.n;
}

/* --security-opt: the seccomp policy (Docker's default unless told), built
 * here so that the container only installs it. no_new_privs is always on. */
static void run_security(const struct run_opts *o, struct rt_spec *s)
{
	const char *profile = NULL;
	struct seccomp_policy *p = NULL;

	for (size_t i = 0; i < o->secopts.n; i++) {
		const char *v = o->secopts.v[i];

		if (!strncmp(v, "seccomp=", 8) || !strncmp(v, "seccomp:", 8))
			profile = v + 8;
		else if (strcmp(v, "no-new-privileges") && strcmp(v, "no-new-privileges=true") &&
			 strcmp(v, "no-new-privileges:true"))
			die("unsupported --security-opt \"%s\" (use seccomp=FILE, "
			    "seccomp=unconfined or no-new-privileges)", v);
	}
	if ((profile && !strcmp(profile, "unconfined")) || o->privileged)
		return;	/* Docker: --privileged runs with no seccomp at all */
	if (!CFG_CORE_SECCOMP && !profile)
		return;	/* this build has no seccomp: containers run unfiltered */
	if ((profile ? seccomp_policy_load(profile, s->caps, &p) :
		       seccomp_policy_default_cached(s->caps, dory.state, &p)) < 0)
		die_err();
	s->seccomp = p;
}

/* The image's part of the spec, with Docker's override rules: a given
 * command replaces Cmd; --entrypoint replaces Entrypoint and drops Cmd. */
struct run_image {
	struct store *st;
	struct dory_conf conf;
	struct image im;
	struct ctrfs fs;
	struct strv argv;
};

static void run_json_strv(const struct json *arr, struct strv *out)
{
	for (int i = 0; i < json_arr_len(arr); i++) {
		const char *v = json_str(json_arr_at(arr, i));

		if (v)
			strv_push(out, v);
	}
}

static void run_image_open(struct run_image *ri, const struct run_opts *o, const char *name)
{
	struct image_pull_opts po = { .platform = o->platform };
	const char *pull = o->pull ? o->pull : "missing";
	char id[DIGEST_STRLEN];
	int rc = -ENOENT;

	if (strcmp(pull, "missing") && strcmp(pull, "always") && strcmp(pull, "never"))
		die("invalid --pull \"%s\" (use missing, always or never)", pull);
	if (conf_load(&ri->conf) < 0 || store_open(dory.root, &ri->st) < 0)
		die_err();
	store_set_keep_layer_blobs(ri->st, ri->conf.keep_layer_blobs);
	if (strcmp(pull, "always"))
		rc = image_open(ri->st, name, &ri->im);
	if (rc == -ENOENT && strcmp(pull, "never") && !ref_is_id(name) && CFG_CORE_REGISTRY) {
		if (strcmp(pull, "always"))
			fprintf(stderr, "Unable to find image '%s' locally\n", name);
		if (image_pull(ri->st, &ri->conf, name, &po, id) < 0)
			die_err();
		rc = image_open(ri->st, id, &ri->im);
	}
	if (rc == -ENOENT && err_errno() == ENOENT)
		die("no such image: %s (pull it, or leave out --pull never)", name);
	if (rc < 0)
		die_err();
}

static void run_image_spec(struct run_image *ri, const struct run_opts *o, char **cmd,
			   struct rt_spec *s)
{
	const struct json *c = json_get(ri->im.config, "config");
	const struct json *env = json_get(c, "Env");
	const char *wd = json_get_str(c, "WorkingDir"), *user = json_get_str(c, "User");

	if (o->entrypoint) {
		if (*o->entrypoint)
			strv_push(&ri->argv, o->entrypoint);
	} else {
		run_json_strv(json_get(c, "Entrypoint"), &ri->argv);
	}
	if (*cmd)
		for (; *cmd; cmd++)
			strv_push(&ri->argv, *cmd);
	else if (!o->entrypoint)
		run_json_strv(json_get(c, "Cmd"), &ri->argv);
	if (!ri->argv.n)
		die("no command specified (the image %s has none: give one)", ri->im.id);
	for (int i = 0; i < json_arr_len(env); i++)
		if (json_str(json_arr_at(env, i)))
			strv_setenv(&s->env, json_str(json_arr_at(env, i)));
	if (!o->workdir && wd && *wd)
		s->cwd = wd;
	if (!o->user && user && *user)
		s->user = user;
	s->argv = ri->argv.v;
}

static void run_image_fs(struct run_image *ri, const struct run_opts *o, struct rt_spec *s)
{
	enum ctrfs_driver drv;

	if (ctrfs_pick(dory.root, o->driver, &ri->conf, &drv) < 0 ||
	    ctrfs_prepare(ri->st, &ri->im, s->id, drv, o->readonly, &ri->fs) < 0)
		die_err();
	if (store_hold_put(ri->st, s->id, ri->im.id) < 0) {
		ctrfs_remove(&ri->fs);
		die_err();
	}
	s->rootfs = ri->fs.rootfs;
	s->mount_root = ctrfs_mount;
	s->mount_arg = &ri->fs;
	/* Not holding the store's lock while the container runs: gc waits
	 * for no one, and the hold keeps this image. */
	store_close(TAKE(ri->st));
}

static void run_image_done(struct run_image *ri, const char *id)
{
	if (store_open(dory.root, &ri->st) == 0) {
		if (store_hold_del(ri->st, id) < 0)
			warn("%s", err_str());
		store_close(TAKE(ri->st));
	}
	if (ctrfs_remove(&ri->fs) < 0)
		warn("%s", err_str());
}

int run_main(int argc, char **argv)
{
	struct run_opts o = { 0 };
	struct rt_spec s = { 0 };
	struct run_image ri = { 0 };
	char **devpaths;
	char **cmd;
	int status, rc;

	(void)argc;
	cmd = opt_parse(run_optv, &o, argv);
	if (!o.rootfs && !*cmd)
		die("no image given (usage: dory run [OPTIONS] IMAGE [COMMAND...])");
	if (o.rootfs && !*cmd)
		die("no command given (usage: dory run --rootfs DIR COMMAND [ARG...])");
	if (o.rootfs)
		run_rootfs(&s, o.rootfs);
	if (rt_new_id(s.id) < 0)
		die_err();
	s.hostname = o.hostname ? o.hostname : xstrndup(s.id, 12);
	if (!run_hostname_ok(s.hostname))
		die("invalid hostname '%s' (use letters, digits, '-' and '.')", s.hostname);
	if (o.interactive && o.tty && !isatty(0))
		die("the input device is not a TTY (drop -t, or run from a terminal)");
	if (o.workdir && o.workdir[0] != '/')
		die("the working directory '%s' is invalid, it needs to be an absolute path",
		    o.workdir);
	s.argv = cmd;
	run_limits(&o, &s.limits);
	if (!o.rootfs) {
		run_image_open(&ri, &o, cmd[0]);
		run_image_spec(&ri, &o, cmd + 1, &s);
	}
	if (!strv_getenv(&s.env, "PATH"))
		strv_setenv(&s.env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	strv_push_take(&s.env, xasprintf("HOSTNAME=%s", s.hostname));
	if (o.tty)
		strv_setenv(&s.env, "TERM=xterm");
	for (size_t i = 0; i < o.env_files.n; i++)
		run_env_file(&s.env, o.env_files.v[i]);
	for (size_t i = 0; i < o.env.n; i++)
		run_add_env(&s.env, o.env.v[i], NULL);
	if (o.workdir)
		s.cwd = o.workdir;
	if (o.user)
		s.user = o.user;
	run_caps(&o, &s);
	run_security(&o, &s);
	devpaths = xzalloc((o.devices.n + 1) * sizeof(*devpaths));	/* live until exit */
	run_devices(&o, &s, devpaths);
	s.privileged = o.privileged;
	s.readonly = o.readonly;
	s.tty = o.tty;
	s.interactive = o.interactive;
	if (!o.rootfs)
		run_image_fs(&ri, &o, &s);
	rc = rt_run(&s, &status);
	if (rc < 0) {
		char msg[256];

		snprintf(msg, sizeof(msg), "%s", err_str());
		if (!o.rootfs)
			run_image_done(&ri, s.id);
		dory.fail_code = status;
		die("%s", msg);
	}
	if (!o.rootfs)
		run_image_done(&ri, s.id);
	return status;
}
