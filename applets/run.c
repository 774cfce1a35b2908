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
//@	select APPLET_DOCKER_INIT
//@	help
//@	  Usage: dory run [OPTIONS] IMAGE [COMMAND [ARG...]]
//@	     or: dory run --rootfs DIR [OPTIONS] [--] COMMAND [ARG...]
//@	     or: dory create [OPTIONS] IMAGE [COMMAND [ARG...]]
//@
//@	  Run a command in a new container made from IMAGE (pulled if missing)
//@	  or on the root filesystem DIR, in new pid, mount, uts, ipc, cgroup
//@	  and network namespaces. The container is kept once
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
//@	        --network N      bridge (default), host, none, container:NAME
//@	                         or a network's name ('dory network'); --net
//@	        --ip ADDR        its IPv4 address on a network of yours
//@	        --ip6 ADDR       its IPv6 address on a network of yours made with --ipv6
//@	        --network-alias A  another name for it on that network
//@	        --mac-address M  its MAC address (default: from its address)
//@	    -p, --publish P      publish a port: [IP:][HOST[-END]:]PORT[-END][/udp]
//@	    -P, --publish-all    publish every EXPOSE of the image on free ports
//@	        --link C[:ALIAS] reach container C by name (default bridge)
//@	        --add-host N:IP  add "IP N" to /etc/hosts (IP host-gateway: the
//@	                         host, as the container reaches it)
//@	        --dns IP         a nameserver for /etc/resolv.conf
//@	        --dns-search D   a search domain for /etc/resolv.conf ("." none)
//@	        --dns-option O   an option for /etc/resolv.conf (e.g. ndots:2)
//@	    -i, --interactive    keep stdin open
//@	    -t, --tty            allocate a pseudo-terminal
//@	    -u, --user U[:G]     user and group, by number or by name
//@	    -w, --workdir DIR    working directory (created if missing)
//@	        --read-only      mount the root filesystem read-only
//@	    -v, --volume V       NAME:/PATH[:ro] a named volume (made if missing;
//@	                         a new empty one gets the image's files there),
//@	                         or /HOST:/PATH[:ro] a host directory (made if
//@	                         missing); ro is read-only all the way down;
//@	                         /PATH alone: an anonymous volume
//@	        --mount M        type=bind|volume|tmpfs,source=,target=,readonly,
//@	                         bind-propagation=, volume-nocopy, tmpfs-size=,
//@	                         tmpfs-mode= (a bind's source must exist)
//@	        --tmpfs P[:O]    a tmpfs at P; O: size=, mode=, uid=, gid=, exec...
//@	                         (default noexec,nosuid,nodev)
//@	        --volumes-from C[:ro|rw]  the volumes and binds of container C
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
//@	        --pids-limit N   most processes at once (0, -1: none; default 2048)
//@	        --cpuset-cpus L  CPUs allowed, e.g. 0-1
//@	        --cpuset-mems L  memory nodes allowed
//@	        --cgroup-parent P  cgroup the container's goes below (default:
//@	                         "cgroup-parent" of the config, else /dory)
//@	        --rm             remove the container when it exits
//@	        --init           run a tiny init as PID 1: it forwards signals
//@	                         and reaps zombies ("init": true in the config
//@	                         makes it the default; --init=false: none)
//@	        --health-cmd C   a health check: C run by /bin/sh -c in it
//@	        --health-interval D  between checks (default 30s; D: 1m30s, 500ms)
//@	        --health-timeout D   a check is killed after D (default 30s)
//@	        --health-retries N   failures in a row for unhealthy (default 3)
//@	        --health-start-period D  failures in D from the start do not count
//@	        --health-start-interval D  between checks then (default 5s)
//@	        --no-healthcheck     no health check, not even the image's
//@	        --ulimit N=S[:H] a resource limit, e.g. nofile=1024:2048 (not
//@	                         above dory's own hard limit)
//@	        --sysctl K=V     a namespaced sysctl: kernel.msg*, kernel.sem,
//@	                         kernel.shm*, fs.mqueue.*, net.* (not with
//@	                         --network host)
//@	        --shm-size B     size of /dev/shm (default 64m)
//@	        --group-add G    another group, by id or by the image's name
//@	        --oom-score-adj N  -1000..1000 (lowering needs CAP_SYS_RESOURCE)
//@	        --pid host       the host's pid namespace (/proc shows its
//@	                         processes); container:NAME: that running
//@	                         container's
//@
//@	  Exit status: the command's, 128+N if killed by signal N, 125 if
//@	  dory failed, 126 if COMMAND cannot run, 127 if it is not found.
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/ctr/ctr.h"
#include "core/ctr/ctr_build.h"
#include "core/ctr/ctr_make.h"
#include "core/ctr/ctr_ops.h"
#include "core/ctr/supervisor.h"
#include "core/image/image.h"
#include "core/image/ref.h"
#include "core/registry/image_pull.h"
#include "core/registry/pull_progress.h"
#include "core/util/conf.h"
#include "core/util/err.h"
#include "core/util/log.h"
#include "core/util/opt.h"
#include "core/util/str.h"

struct run_opts {
	struct ctr_flags f;	/* checked by core/ctr/ctr_build.c */
	const char *pull, *platform;
	bool detach;
};

#define RUN_F(field) offsetof(struct run_opts, f.field)
static const struct opt run_optv[] = {
	OPT_BOOL('d', "detach", offsetof(struct run_opts, detach)),
	OPT_STR(0, "name", RUN_F(name)),
	OPT_STR(0, "restart", RUN_F(restart)),
	OPT_LIST(0, "log-opt", RUN_F(log_opts)),
	OPT_LIST('l', "label", RUN_F(labels)),
	OPT_STR(0, "stop-signal", RUN_F(stop_signal)),
	OPT_STR(0, "stop-timeout", RUN_F(stop_timeout)),
	OPT_STR(0, "userns", RUN_F(userns)),
	OPT_STR(0, "rootfs", RUN_F(rootfs)),
	OPT_STR(0, "entrypoint", RUN_F(entrypoint)),
	OPT_STR(0, "pull", offsetof(struct run_opts, pull)),
	OPT_STR(0, "platform", offsetof(struct run_opts, platform)),
	OPT_STR(0, "storage-driver", RUN_F(driver)),
	OPT_LIST(0, "security-opt", RUN_F(secopts)),
	OPT_LIST(0, "cap-add", RUN_F(cap_add)),
	OPT_LIST(0, "cap-drop", RUN_F(cap_drop)),
	OPT_BOOL(0, "privileged", RUN_F(privileged)),
	OPT_LIST(0, "device", RUN_F(devices)),
	OPT_STR('m', "memory", RUN_F(memory)),
	OPT_STR(0, "memory-swap", RUN_F(memory_swap)),
	OPT_STR(0, "cpus", RUN_F(cpus)),
	OPT_STR(0, "cpu-shares", RUN_F(cpu_shares)),
	OPT_STR(0, "pids-limit", RUN_F(pids)),
	OPT_STR(0, "cpuset-cpus", RUN_F(cpuset_cpus)),
	OPT_STR(0, "cpuset-mems", RUN_F(cpuset_mems)),
	OPT_STR(0, "cgroup-parent", RUN_F(cgroup_parent)),
	OPT_LIST('e', "env", RUN_F(env)),
	OPT_LIST(0, "env-file", RUN_F(env_files)),
	OPT_STR('h', "hostname", RUN_F(hostname)),
	OPT_STR(0, "network", RUN_F(network)),
	OPT_STR(0, "net", RUN_F(network)),
	OPT_STR(0, "ip", RUN_F(ip)),
	OPT_STR(0, "ip6", RUN_F(ip6)),
	OPT_LIST(0, "network-alias", RUN_F(aliases)),
	OPT_LIST(0, "net-alias", RUN_F(aliases)),
	OPT_STR(0, "mac-address", RUN_F(mac)),
	OPT_LIST('p', "publish", RUN_F(publish)),
	OPT_BOOL('P', "publish-all", RUN_F(publish_all)),
	OPT_LIST(0, "link", RUN_F(links)),
	OPT_LIST(0, "add-host", RUN_F(add_hosts)),
	OPT_LIST(0, "dns", RUN_F(dns)),
	OPT_LIST(0, "dns-search", RUN_F(dns_search)),
	OPT_LIST(0, "dns-option", RUN_F(dns_opts)),
	OPT_BOOL('i', "interactive", RUN_F(interactive)),
	OPT_BOOL('t', "tty", RUN_F(tty)),
	OPT_STR('u', "user", RUN_F(user)),
	OPT_STR('w', "workdir", RUN_F(workdir)),
	OPT_BOOL(0, "read-only", RUN_F(readonly)),
	OPT_LIST('v', "volume", RUN_F(volumes)),
	OPT_LIST(0, "mount", RUN_F(mounts)),
	OPT_LIST(0, "tmpfs", RUN_F(tmpfs)),
	OPT_LIST(0, "volumes-from", RUN_F(volumes_from)),
	OPT_BOOL(0, "rm", RUN_F(rm)),
	OPT_TRI(0, "init", RUN_F(init)),
	OPT_STR(0, "health-cmd", RUN_F(health.cmd)),
	OPT_STR(0, "health-interval", RUN_F(health.interval)),
	OPT_STR(0, "health-timeout", RUN_F(health.timeout)),
	OPT_STR(0, "health-retries", RUN_F(health.retries)),
	OPT_STR(0, "health-start-period", RUN_F(health.start_period)),
	OPT_STR(0, "health-start-interval", RUN_F(health.start_interval)),
	OPT_BOOL(0, "no-healthcheck", RUN_F(health.none)),
	OPT_LIST(0, "ulimit", RUN_F(ulimits)),
	OPT_LIST(0, "sysctl", RUN_F(sysctls)),
	OPT_LIST(0, "group-add", RUN_F(group_add)),
	OPT_STR(0, "shm-size", RUN_F(shm_size)),
	OPT_STR(0, "oom-score-adj", RUN_F(oom_score_adj)),
	OPT_STR(0, "pid", RUN_F(pid)),
	OPT_END
};

/* A pull's progress on stderr, as core/registry/pull_progress.c words it. */
static void run_pull_show(void *view, const struct image_pull_event *e)
{
	autofree char *s = pull_progress_text(view, e, -1);

	fputs(s, stderr);
}

/* The image, pulled if missing (--pull missing, the default), always, or
 * never. */
static void run_image_open(const struct run_opts *o, const struct dory_conf *conf,
			   struct store **st, struct image *im)
{
	struct pull_progress view = { .tty = isatty(2) };
	struct image_pull_opts po = { .platform = o->platform, .progress = run_pull_show,
				      .progress_ctx = &view };
	const char *pull = o->pull ? o->pull : "missing", *name = o->f.args[0];
	char id[DIGEST_STRLEN];
	int rc = -ENOENT;

	if (store_open(dory.root, st) < 0)
		die_err();
	store_set_keep_layer_blobs(*st, conf->keep_layer_blobs);
	if (strcmp(pull, "always"))
		rc = image_open(*st, name, im);
	if (rc == -ENOENT && strcmp(pull, "never") && !ref_is_id(name) && CFG_CORE_REGISTRY) {
		if (strcmp(pull, "always"))
			fprintf(stderr, "Unable to find image '%s' locally\n", name);
		if (image_pull(*st, conf, name, &po, id) < 0)
			die_err();
		pull_progress_clear(&view);
		rc = image_open(*st, id, im);
	}
	if (rc == -ENOENT && err_errno() == ENOENT)
		die("no such image: %s (pull it, or leave out --pull never)", name);
	if (rc < 0)
		die_err();
}

/* Make the container from the options; its id in c->id. */
static void run_make(char **argv, struct run_opts *o, struct ctr_config *c)
{
	struct dory_conf conf = { 0 };
	struct store *st = NULL;
	struct image im = { 0 };
	char note[256];

	o->f.args = opt_parse(run_optv, o, argv);
	if (!o->f.rootfs && !o->f.args[0])
		die("no image given (usage: dory %s [OPTIONS] IMAGE [COMMAND...])", dory.applet);
	if (o->f.rootfs && !o->f.args[0])
		die("no command given (usage: dory %s --rootfs DIR COMMAND [ARG...])", dory.applet);
	if (o->f.interactive && o->f.tty && !o->detach && !isatty(0))
		die("the input device is not a TTY (drop -t, or run from a terminal)");
	if (o->pull && strcmp(o->pull, "missing") && strcmp(o->pull, "always") &&
	    strcmp(o->pull, "never"))
		die("invalid --pull \"%s\" (use missing, always or never)", o->pull);
	if (conf_load(&conf) < 0 || ctr_build_check(&o->f, &conf, c) < 0)
		die_err();
	if (!o->f.rootfs)
		run_image_open(o, &conf, &st, &im);
	if (ctr_build_finish(&o->f, &conf, o->f.rootfs ? NULL : &im, c, note) < 0)
		die_err();
	if (*note)
		info("%s", note);
	if (ctr_make(c, st, o->f.rootfs ? NULL : &im) < 0)
		die_err();
	if (!o->f.rootfs) {
		image_close(&im);
		store_close(st);	/* the hold keeps the image meanwhile */
	}
	conf_clear(&conf);
}

int create_main(int argc, char **argv)
{
	struct run_opts o = { 0 };
	struct ctr_config c = { 0 };

	(void)argc;
	run_make(argv, &o, &c);
	printf("%s\n", c.id);
	return fflush(stdout) ? 125 : 0;
}

int run_main(int argc, char **argv)
{
	struct run_opts o = { 0 };
	struct ctr_config c = { 0 };
	char msg[256] = "";
	int status, rc;

	(void)argc;
	run_make(argv, &o, &c);
	rc = ctr_start(c.id, !o.detach, &status);
	if (rc < 0)
		snprintf(msg, sizeof(msg), "%s", err_str());
	if (o.f.rm && (rc < 0 || !o.detach) && ctr_delete_volumes(c.id, false, true) < 0)
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
