// SPDX-License-Identifier: Apache-2.0
/* ctr.h - a container's records without a daemon: its config (fixed at
 * create), its durable state under ROOT/containers/ID (the truth across
 * reboots) and its runtime record under STATE/containers/ID (pids and
 * cgroup, while a supervisor owns it), with the lock that orders them. */
#ifndef DORY_CTR_H
#define DORY_CTR_H

#include <stdint.h>
#include <sys/types.h>

#include "core/ctr/health.h"
#include "core/fs/ctrfs.h"
#include "core/fs/volume.h"
#include "core/fs/userns.h"
#include "core/kernel/cgroup.h"
#include "core/runtime/rt_tune.h"
#include "core/runtime/secpol.h"
#include "core/util/base.h"
#include "core/util/str.h"

struct seccomp_policy;

/*
 * ROOT/containers/ID/
 *   config.json     struct ctr_config, written once by create
 *   state.json      the durable part of struct ctr_state (atomic replace)
 *   lock            flock: one CLI or supervisor changes the state at a time
 *   seccomp.json    a copy of --security-opt seccomp=FILE, if given
 *   seccomp.bpf     the program built from it (for this dory and kernel)
 *   hosts hostname resolv.conf   its /etc files, written at each start
 *                   (netfiles.h) and bound into it; hosts.lock
 *   ctr.log, ctr.log.1...   output of a detached container (ctrlog.h)
 *   upper/ work/ rootfs/ copy/   the root filesystem (ctrfs.h)
 * STATE/containers/ID/run.json   the runtime part of struct ctr_state
 * ROOT/containers.lock           flock: creating and naming containers
 */

enum { CTR_ID_LEN = 64 };

enum ctr_status {
	CTR_CREATED, CTR_RUNNING, CTR_PAUSED, CTR_RESTARTING, CTR_EXITED, CTR_DEAD,
};

/* A network the container joins, by name, with what was asked of it. */
struct ctr_endpoint {
	char *network;
	char *ip;		/* --ip (dotted); NULL: any free address */
	char *ip6;		/* --ip6; NULL: any free one (on an IPv6 network) */
	struct strv aliases;	/* --network-alias: more names on that network */
};

enum ctr_restart {
	CTR_RESTART_NO, CTR_RESTART_ALWAYS, CTR_RESTART_UNLESS_STOPPED, CTR_RESTART_ON_FAILURE,
};

/* What to run: everything create was told, checked, so that start, the
 * supervisor and exec rebuild the same container from it. Modes are enums
 * here; config.json spells them as Docker does (ctr.c). */
struct ctr_config {
	char id[CTR_ID_LEN + 1];
	char *name;		/* without Docker's leading '/' */
	char *image;		/* as given ("alpine:3.19"); NULL with --rootfs */
	char *image_id;		/* "sha256:..."; NULL with --rootfs */
	char *rootfs;		/* --rootfs DIR; NULL for an image */
	enum ctrfs_driver driver;	/* an image's storage driver */
	struct strv argv;	/* the command: entrypoint then cmd */
	struct strv entrypoint, cmd;	/* as inspect shows them */
	struct strv env;	/* complete, as the container gets it */
	char *hostname, *user, *workdir;	/* user, workdir: "" for none */
	uint64_t caps;		/* the capability set, cap-add/drop applied */
	struct strv cap_add, cap_drop, labels;	/* as given; labels K=V */
	/* --dns, --dns-search, --dns-option, --add-host (NAME:IP), as given */
	struct strv dns, dns_search, dns_opts, extra_hosts;
	struct secpol_device *devices;	/* --device */
	size_t ndevices;
	bool readonly, tty, interactive, privileged, autoremove;
	bool no_new_privs;	/* --security-opt no-new-privileges[=true|false], or the config's */
	struct cg_limits limits;	/* cpuset strings owned */
	enum secpol_seccomp seccomp;	/* FILE: seccomp.json */
	char *cgroup_parent;	/* --cgroup-parent or the config's; NULL: the default */
	/* --network: "none", "host", "bridge", a network's name, or
	 * "container:ID" (the full id, resolved at create). */
	char *network_mode;
	struct ctr_endpoint *eps;	/* bridge or a name: the networks it joins, that one first */
	size_t neps;
	char *mac;		/* --mac-address on the first; NULL: from its address */
	struct strv publish;	/* -p as given, checked at create */
	bool publish_all;	/* -P: every port of expose, on host ports picked at start */
	struct strv expose;	/* the image's EXPOSE ("80/tcp") */
	struct strv links;	/* --link NAME[:ALIAS] */
	struct vol_mount *mounts;	/* -v, in the order given */
	size_t nmounts;
	char *stop_signal;	/* "SIGTERM" unless the image says otherwise */
	int stop_timeout;	/* seconds; 10 */
	enum ctr_restart restart;
	int restart_max;	/* on-failure:N; 0: no limit */
	long long log_max_size;	/* bytes; 0: the default (ctrlog.h) */
	int log_max_file;	/* 0: the default */
	long long created_ns;	/* CLOCK_REALTIME */
	/* --ulimit, --sysctl, --shm-size, --group-add, --oom-score-adj, --pid */
	struct rt_tune tune;
	char *pid_ctr;		/* --pid container:ID: the full id (resolved at create) */
	struct userns_map userns;	/* count 0: the host's user namespace */
	bool userns_shifted;	/* a private copy shifted into the range, not idmapped */
	struct health_config health;	/* Config.Healthcheck: the flags over the image's */
	bool init;		/* --init: the docker-init applet runs as its PID 1 */
	/* At create only, not in config.json: seccomp=FILE's text and the
	 * program built from it, which ctr_make keeps with the records. */
	char *seccomp_text;
	struct seccomp_policy *seccomp_prog;
};

struct ctr_state {
	enum ctr_status status;
	int exit_code;
	bool oom_killed;
	bool manual_stop;	/* stop/kill said so: no restart until start */
	int restart_count;
	long long started_ns, finished_ns;	/* 0: never */
	char error[256];	/* why it could not start, "" */
	/* --rm: its records need not survive a power cut (no fsync), which
	 * saves a few ms a start on flash. Set at create. */
	bool ephemeral;
	/* runtime, from STATE (all 0 when no supervisor owns it) */
	pid_t pid;		/* the container's init, in the host's pid namespace */
	pid_t sup_pid;		/* its supervisor */
	unsigned long long sup_start;	/* the supervisor's start time (proc stat) */
	struct cg cg;		/* the container's cgroup; n 0 when none */
};

const char *ctr_status_name(enum ctr_status s);	/* "running", ... */
/* "no", "always", "unless-stopped", "on-failure[:N]" into c; -EINVAL. */
int ctr_restart_parse(const char *s, struct ctr_config *c);
/* Docker's names: "no"..."on-failure"; "overlay", "bind-copy". */
const char *ctr_restart_name(enum ctr_restart r);
const char *ctr_driver_name(enum ctrfs_driver d);
/* Is the network mode one that joins networks (bridge or a name)? */
bool ctr_net_joins(const struct ctr_config *c);
void ctr_endpoint_clear(struct ctr_endpoint *e);
/* Docker's name rule: [a-zA-Z0-9][a-zA-Z0-9_.-]+. */
bool ctr_name_ok(const char *name);

/* "SIGTERM", "TERM", "term" or "15" into 15; -EINVAL. */
int ctr_signal_parse(const char *s);
/* The signal stop sends: --stop-signal, the image's STOPSIGNAL, SIGTERM. */
int ctr_stop_signal(const struct ctr_config *c);

/* ROOT/containers/ID (allocated). */
char *ctr_dir(const char *id);

/* Write a new container's records (its directory may exist already,
 * made by ctrfs_prepare). Fills c->id if empty, c->name if NULL (a
 * generated name), created_ns. -EEXIST when the name is taken. */
int ctr_create(struct ctr_config *c);
/* Give it a new name (Docker's rule), running or not; -EEXIST when the
 * name is taken, -EINVAL when it is its name already. */
int ctr_rename(const char *id, const char *name);
/* Resolve a name, a full id or a unique id prefix to the full id;
 * -ENOENT "no such container", -EINVAL "ambiguous". */
int ctr_find(const char *ref, char id[CTR_ID_LEN + 1]);
/* Every container id, oldest first (by created_ns, then id). */
int ctr_list(struct strv *ids);
int ctr_config_load(const char *id, struct ctr_config *c);
/* Replace its config.json (under its lock): connect and disconnect. */
int ctr_config_save(const struct ctr_config *c);
void ctr_config_clear(struct ctr_config *c);
/* The container's security policy, from its records: the one its init
 * and every exec get (secpol_build; free with secpol_clear). */
int ctr_policy(const struct ctr_config *c, struct secpol *out);

/* The container's lock (exclusive, waiting): an fd for lock_close. */
int ctr_lock(const char *id);
/* Read the state, reconciled with the processes: when the durable state
 * says it runs but its supervisor is gone (killed, or the machine
 * rebooted and STATE was wiped), it is recorded as exited (137 if the
 * supervisor died, 255 after a reboot) and its cgroup removed. Takes the
 * lock unless locked (the caller holds it). */
int ctr_state_load(const char *id, bool locked, struct ctr_state *s);
/* /proc/PID/ns/NS of running container id's init, into buf (len); an
 * error "cannot join NS of a non running container: ID" when it is not
 * running, "no such container" when it is gone. */
int ctr_ns_path(const char *id, const char *ns, char *buf, size_t len);
/* Write both parts atomically (the runtime part only while sup_pid). */
int ctr_state_save(const char *id, const struct ctr_state *s);
void ctr_state_clear(struct ctr_state *s);
/* Is the supervisor process alive (not a zombie) and the same one? */
bool ctr_sup_alive(const struct ctr_state *s);
/* Remove its records, the config first (it is then no longer listed);
 * the directory and what else is in it stay for the caller. */
int ctr_remove(const char *id);

/* The records as text, for tests and fuzzing: config.json, state.json and
 * run.json (the *_json are allocated). The state's parsers read a damaged
 * record as ctr_state_load does, as far as it goes; a config without a
 * valid Id and a Name is -EINVAL. */
char *ctr_config_json(const struct ctr_config *c);
int ctr_config_parse(const char *text, struct ctr_config *c);
char *ctr_state_json(const struct ctr_state *s);
void ctr_state_parse(const char *text, struct ctr_state *s);
char *ctr_run_json(const struct ctr_state *s);
void ctr_run_parse(const char *text, struct ctr_state *s);

/* --ulimit as Docker's HostConfig.Ulimits under key: [{Name, Hard, Soft}],
 * null when none (config.json and inspect alike). */
void ctr_ulimits_json(const struct rt_tune *t, struct json *o, const char *key);

/* The time now, CLOCK_REALTIME in ns. */
long long ctr_now(void);

/* Is this state one of a container that runs (running, paused,
 * restarting)? */
bool ctr_active(const struct ctr_state *s);

#endif
