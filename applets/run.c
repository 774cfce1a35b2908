// SPDX-License-Identifier: Apache-2.0
/* run.c - `dory run` and `dory create`: Docker's run options into a
 * container record, then (run) its start, attached or detached. The engine
 * lives in core/ctr/ctr_ops.c, core/ctr/supervisor.c and core/runtime/runtime.c. */
//@applet run     APPLET_RUN  run_main     NEEDROOT
//@applet create  APPLET_RUN  create_main  NEEDROOT
//@applet _supervise  APPLET_RUN  supervise_main  NEEDROOT
//@config APPLET_RUN
//@	bool "run, create (~50 KB)"
//@	default y
//@	select CORE_RUNTIME
//@	select CORE_IMAGE
//@	help
//@	  Usage: dory run [OPTIONS] IMAGE [COMMAND [ARG...]]
//@	     or: dory run --rootfs DIR [OPTIONS] [--] COMMAND [ARG...]
//@	     or: dory create [OPTIONS] IMAGE [COMMAND [ARG...]]
//@
//@	  Run a command in a new container made from IMAGE (pulled if missing)
//@	  or on the root filesystem DIR, in new pid, mount, uts, ipc, cgroup
//@	  and network namespaces (loopback only). The container is kept once
//@	  it exits (see 'dory ps -a') unless --rm. create makes it, to start
//@	  later with 'dory start'.
//@
//@	    -d, --detach         run in the background; print the id
//@	        --name NAME      name the container (default: generated)
//@	        --restart P      no, always, unless-stopped, on-failure[:N]
//@	        --log-opt O      max-size=SIZE (1m), max-file=N (2)
//@	    -l, --label K=V      set a label
//@	        --stop-signal S  signal for 'dory stop' (default SIGTERM)
//@	        --stop-timeout N seconds 'dory stop' waits (default 10)
//@	        --userns host    not the user namespace "userns-remap" asks for
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
//@	        --rm             remove the container when it exits
//@
//@	  Exit status: the command's, 128+N if killed by signal N, 125 if
//@	  dory failed, 126 if COMMAND cannot run, 127 if it is not found.
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/ctr/ctr.h"
#include "core/ctr/ctr_make.h"
#include "core/ctr/ctr_ops.h"
#include "core/ctr/ctrlog.h"
#include "core/ctr/supervisor.h"
#include "core/fs/ctrfs.h"
#include "core/fs/userns.h"
#include "core/image/image.h"
#include "core/image/ref.h"
#include "core/kernel/caps.h"
#include "core/kernel/cgroup.h"
#include "core/kernel/seccomp.h"
#include "core/registry/image_pull.h"
#include "core/runtime/rootfs.h"
#include "core/runtime/runtime.h"
#include "core/util/conf.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/json.h"
#include "core/util/log.h"
#include "core/util/opt.h"
#include "core/util/str.h"
#include "core/util/xalloc.h"

struct run_opts {
	const char *rootfs, *hostname, *user, *workdir, *entrypoint, *pull, *platform, *driver;
	const char *memory, *memory_swap, *cpus, *cpu_shares, *pids, *cpuset_cpus, *cpuset_mems;
	const char *name, *restart, *stop_signal, *stop_timeout, *userns;
	struct strv env, env_files, secopts, cap_add, cap_drop, devices, log_opts, labels;
	bool interactive, tty, readonly, rm, privileged, detach;
};

static const struct opt run_optv[] = {
	OPT_BOOL('d', "detach", offsetof(struct run_opts, detach)),
	OPT_STR(0, "name", offsetof(struct run_opts, name)),
	OPT_STR(0, "restart", offsetof(struct run_opts, restart)),
	OPT_LIST(0, "log-opt", offsetof(struct run_opts, log_opts)),
	OPT_LIST('l', "label", offsetof(struct run_opts, labels)),
	OPT_STR(0, "stop-signal", offsetof(struct run_opts, stop_signal)),
	OPT_STR(0, "stop-timeout", offsetof(struct run_opts, stop_timeout)),
	OPT_STR(0, "userns", offsetof(struct run_opts, userns)),
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

static void run_env_file(struct strv *env, const char *path)
{
	autofree char *text = NULL;
	char *save = NULL;

	if (fsutil_read_file(path, &text) < 0)
		die("env file: %s", err_str());
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		l += strspn(l, " \t");
		l[strcspn(l, "\r")] = '\0';
		if (*l && *l != '#' && strv_docker_env(env, l, path) < 0)
			die_err();
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

static const char *run_rootfs(const char *dir)
{
	static char real[PATH_MAX];
	struct stat st;

	if (!realpath(dir, real) || stat(real, &st) < 0)
		die_errno("rootfs %s", dir);
	if (!S_ISDIR(st.st_mode))
		die("rootfs %s: not a directory", dir);
	if (!strcmp(real, "/"))
		die("rootfs %s: is the host's root (give a container's root directory)", dir);
	return real;
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

/* --cap-add, --cap-drop on Docker's default set; --privileged has all,
 * whatever they say (moby oci/caps TweakCapabilities). "All" means all
 * this process holds, as no container can have more. */
static void run_caps(const struct run_opts *o, struct ctr_config *c)
{
	uint64_t held;
	bool all = o->privileged;

	for (size_t i = 0; i < o->cap_add.n; i++)
		all |= !strcasecmp(o->cap_add.v[i], "ALL");
	if (caps_adjust(caps_docker_default(), &o->cap_add, &o->cap_drop, &c->caps) < 0)
		die_err();
	if (o->privileged)
		c->caps = caps_all();
	if (all && caps_held(&held) == 0)
		c->caps &= held;
	err_clear();
	for (size_t i = 0; i < o->cap_add.n; i++)
		strv_push(&c->cap_add, o->cap_add.v[i]);
	for (size_t i = 0; i < o->cap_drop.n; i++)
		strv_push(&c->cap_drop, o->cap_drop.v[i]);
}

/* --device: checked now, so that a missing host device fails before
 * anything is made; the supervisor describes the nodes at each start. */
static void run_devices(const struct run_opts *o, struct ctr_config *c)
{
	c->devices = xzalloc((o->devices.n + 1) * sizeof(*c->devices));
	for (size_t i = 0; i < o->devices.n; i++, c->ndevices++) {
		struct rootfs_device d;

		if (secpol_device_parse(o->devices.v[i], &c->devices[i]) < 0)
			die_err();
		if (rootfs_device_from_host(c->devices[i].host, c->devices[i].path, &d) < 0)
			die("invalid --device %s: %s", o->devices.v[i], err_str());
	}
}

/* --security-opt: the seccomp mode (Docker's default unless told); a
 * profile file is checked now and copied into the container's records.
 * no_new_privs is always on. */
static void run_security(const struct run_opts *o, struct ctr_config *c)
{
	const char *profile = NULL;

	for (size_t i = 0; i < o->secopts.n; i++) {
		const char *v = o->secopts.v[i];

		if (!strncmp(v, "seccomp=", 8) || !strncmp(v, "seccomp:", 8))
			profile = v + 8;
		else if (strcmp(v, "no-new-privileges") && strcmp(v, "no-new-privileges=true") &&
			 strcmp(v, "no-new-privileges:true"))
			die("unsupported --security-opt \"%s\" (use seccomp=FILE, "
			    "seccomp=unconfined or no-new-privileges)", v);
	}
	c->seccomp = !profile ? SECPOL_SECCOMP_DEFAULT : !strcmp(profile, "unconfined") ?
		     SECPOL_SECCOMP_UNCONFINED : SECPOL_SECCOMP_FILE;
	if (c->seccomp != SECPOL_SECCOMP_FILE)
		return;
	if (fsutil_read_file(profile, &c->seccomp_text) < 0)
		die("seccomp profile: %s", err_str());
	if (seccomp_policy_load(profile, c->caps, &c->seccomp_prog) < 0)
		die_err();
}

/* The image's part, with Docker's override rules: a given command
 * replaces Cmd; --entrypoint replaces Entrypoint and drops Cmd. */
struct run_image {
	struct store *st;
	struct dory_conf conf;
	struct image im;
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

static void run_image_spec(struct run_image *ri, const struct run_opts *o, const char *name,
			   char **cmd, struct ctr_config *c)
{
	const struct json *j = json_get(ri->im.config, "config");
	const struct json *env = json_get(j, "Env");
	const char *wd = json_get_str(j, "WorkingDir"), *user = json_get_str(j, "User");
	const char *stop = json_get_str(j, "StopSignal");
	c->image = xstrdup(name);
	c->image_id = xstrdup(ri->im.id);
	if (o->entrypoint) {
		if (*o->entrypoint)
			strv_push(&c->entrypoint, o->entrypoint);
	} else {
		run_json_strv(json_get(j, "Entrypoint"), &c->entrypoint);
	}
	if (*cmd)
		for (; *cmd; cmd++)
			strv_push(&c->cmd, *cmd);
	else if (!o->entrypoint)
		run_json_strv(json_get(j, "Cmd"), &c->cmd);
	if (!c->entrypoint.n && !c->cmd.n)
		die("no command specified (the image %s has none: give one)", ri->im.id);
	for (int i = 0; i < json_arr_len(env); i++)
		if (json_str(json_arr_at(env, i)))
			strv_setenv(&c->env, json_str(json_arr_at(env, i)));
	if (!o->workdir && wd && *wd)
		c->workdir = xstrdup(wd);
	if (!o->user && user && *user)
		c->user = xstrdup(user);
	if (!o->stop_signal && stop && *stop)
		c->stop_signal = xstrdup(stop);
	if (ctrfs_pick(dory.root, o->driver, &ri->conf, &c->driver) < 0)
		die_err();
}

/* Restart, logs, labels and stop options. */
static void run_policy(const struct run_opts *o, struct ctr_config *c)
{
	unsigned long long n;

	if (o->restart && ctr_restart_parse(o->restart, c) < 0)
		die_err();
	if (o->rm && c->restart != CTR_RESTART_NO)
		die("conflicting options: --restart and --rm (drop one)");
	for (size_t i = 0; i < o->log_opts.n; i++)
		if (ctrlog_parse_opt(o->log_opts.v[i], &c->log_max_size, &c->log_max_file) < 0)
			die_err();
	for (size_t i = 0; i < o->labels.n; i++) {
		if (o->labels.v[i][0] == '=' || !o->labels.v[i][0])
			die("invalid label \"%s\" (use KEY=VALUE)", o->labels.v[i]);
		strv_push_take(&c->labels, strchr(o->labels.v[i], '=') ? xstrdup(o->labels.v[i])
					    : xasprintf("%s=", o->labels.v[i]));
	}
	if (o->stop_signal && ctr_signal_parse(o->stop_signal) < 0)
		die_err();
	if (o->stop_signal)
		c->stop_signal = xstrdup(o->stop_signal);
	c->stop_timeout = 10;
	if (o->stop_timeout && str_to_u64(o->stop_timeout, 1U << 30, &n) < 0)
		die("invalid --stop-timeout \"%s\" (use seconds)", o->stop_timeout);
	if (o->stop_timeout)
		c->stop_timeout = (int)n;
	if (o->name && !ctr_name_ok(o->name[0] == '/' ? o->name + 1 : o->name))
		die("invalid container name \"%s\" (use letters, digits, '_', '.' and '-', "
		    "starting with a letter or digit)", o->name);
	if (o->name)
		c->name = xstrdup(o->name[0] == '/' ? o->name + 1 : o->name);
	c->autoremove = o->rm;
}

/* The environment: the image's, PATH, HOSTNAME, TERM, then --env-file and
 * -e in order. */
static void run_env(const struct run_opts *o, struct ctr_config *c)
{
	if (!strv_getenv(&c->env, "PATH"))
		strv_setenv(&c->env,
			    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	strv_push_take(&c->env, xasprintf("HOSTNAME=%s", c->hostname));
	if (o->tty)
		strv_setenv(&c->env, "TERM=xterm");
	for (size_t i = 0; i < o->env_files.n; i++)
		run_env_file(&c->env, o->env_files.v[i]);
	for (size_t i = 0; i < o->env.n; i++)
		if (strv_docker_env(&c->env, o->env.v[i], NULL) < 0)
			die_err();
}

/* Idmapped layers where the kernel and the store's filesystem take them
 * (or unless "userns-idmap": false); else the fallback, a private copy of
 * the image with its owners shifted into the range (bind-copy). */
static void run_userns_mode(const struct dory_conf *conf, struct ctr_config *c)
{
	char why[256] = "\"userns-idmap\": false";

	if (!conf->userns_no_idmap && (fsutil_mkdir_p(dory.root, 0700) < 0 ||
				       userns_idmap_usable(dory.root, &c->userns, why, sizeof(why))))
		return;
	err_clear();
	info("no idmapped layers (%s): this container gets a shifted copy of its image", why);
	c->userns_shifted = true;
	c->driver = CTRFS_BINDCOPY;
}

/* "userns-remap" in the config file: container root is an unprivileged
 * host id (its image's files seen through idmapped mounts), unless
 * --userns=host. */
static void run_userns(const struct run_opts *o, struct ctr_config *c)
{
	struct dory_conf conf = { 0 };

	if (o->userns && strcmp(o->userns, "host") && *o->userns)
		die("invalid --userns \"%s\" (use host, or leave it out)", o->userns);
	if (conf_load(&conf) < 0)
		die_err();
	if (conf.userns_remap && !o->userns) {
		if (userns_map_parse(conf.userns_remap, &c->userns) < 0)
			die_err();
		if (o->privileged || o->devices.n)
			die("--privileged and --device need the host's user namespace "
			    "(add --userns=host)");
		if (o->rootfs)
			die("--rootfs has no idmapped layers for \"userns-remap\" "
			    "(add --userns=host, or run an image)");
		run_userns_mode(&conf, c);
	}
	conf_clear(&conf);
}

/* Everything create needs, checked: the container's config. */
static void run_config(int argc, char **argv, struct run_opts *o, struct run_image *ri,
		       struct ctr_config *c)
{
	char **cmd;

	(void)argc;
	cmd = opt_parse(run_optv, o, argv);
	if (!o->rootfs && !*cmd)
		die("no image given (usage: dory %s [OPTIONS] IMAGE [COMMAND...])", dory.applet);
	if (o->rootfs && !*cmd)
		die("no command given (usage: dory %s --rootfs DIR COMMAND [ARG...])", dory.applet);
	if (rt_new_id(c->id) < 0)
		die_err();
	c->hostname = o->hostname ? xstrdup(o->hostname) : xstrndup(c->id, 12);
	if (!run_hostname_ok(c->hostname))
		die("invalid hostname '%s' (use letters, digits, '-' and '.')", c->hostname);
	if (o->interactive && o->tty && !o->detach && !isatty(0))
		die("the input device is not a TTY (drop -t, or run from a terminal)");
	if (o->workdir && o->workdir[0] != '/')
		die("the working directory '%s' is invalid, it needs to be an absolute path",
		    o->workdir);
	run_limits(o, &c->limits);
	c->limits.cpuset_cpus = o->cpuset_cpus ? xstrdup(o->cpuset_cpus) : NULL;
	c->limits.cpuset_mems = o->cpuset_mems ? xstrdup(o->cpuset_mems) : NULL;
	run_policy(o, c);
	if (o->rootfs) {
		c->rootfs = xstrdup(run_rootfs(o->rootfs));
		for (; *cmd; cmd++)
			strv_push(&c->cmd, *cmd);
	} else {
		run_image_open(ri, o, cmd[0]);
		run_image_spec(ri, o, cmd[0], cmd + 1, c);
	}
	run_userns(o, c);
	for (size_t i = 0; i < c->entrypoint.n; i++)
		strv_push(&c->argv, c->entrypoint.v[i]);
	for (size_t i = 0; i < c->cmd.n; i++)
		strv_push(&c->argv, c->cmd.v[i]);
	run_env(o, c);
	if (o->workdir)
		c->workdir = xstrdup(o->workdir);
	if (o->user)
		c->user = xstrdup(o->user);
	run_caps(o, c);
	run_security(o, c);
	run_devices(o, c);
	c->privileged = o->privileged;
	c->readonly = o->readonly;
	c->tty = o->tty;
	c->interactive = o->interactive;
}

/* Make the container from the options; its id in c->id. */
static void run_make(int argc, char **argv, struct run_opts *o, struct ctr_config *c)
{
	struct run_image ri = { 0 };

	run_config(argc, argv, o, &ri, c);
	if (ctr_make(c, ri.st, o->rootfs ? NULL : &ri.im) < 0)
		die_err();
	if (!o->rootfs) {
		image_close(&ri.im);
		store_close(TAKE(ri.st));	/* the hold keeps the image meanwhile */
	}
}

int create_main(int argc, char **argv)
{
	struct run_opts o = { 0 };
	struct ctr_config c = { 0 };

	run_make(argc, argv, &o, &c);
	printf("%s\n", c.id);
	return fflush(stdout) ? 125 : 0;
}

int run_main(int argc, char **argv)
{
	struct run_opts o = { 0 };
	struct ctr_config c = { 0 };
	char msg[256] = "";
	int status, rc;

	run_make(argc, argv, &o, &c);
	rc = ctr_start(c.id, !o.detach, &status);
	if (rc < 0)
		snprintf(msg, sizeof(msg), "%s", err_str());
	if (o.rm && (rc < 0 || !o.detach) && ctr_delete(c.id, false) < 0)
		warn("%s", err_str());
	if (rc < 0) {
		dory.fail_code = status;
		die("%s", msg);
	}
	if (o.detach) {
		printf("%s\n", c.id);
		return fflush(stdout) ? 125 : 0;
	}
	return status;
}

/* The hidden command a detached container's supervisor runs (sup_spawn). */
int supervise_main(int argc, char **argv)
{
	unsigned long long fd;
	int status;

	if (argc != 3 || strlen(argv[1]) != CTR_ID_LEN || str_to_u64(argv[2], 1024, &fd) < 0)
		die("internal command: dory _supervise ID FD (started by run -d and start)");
	if (sup_run(argv[1], (int)fd, false, &status) < 0)
		return 125;
	return status;
}
