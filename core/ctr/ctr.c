// SPDX-License-Identifier: Apache-2.0
/* ctr.c - container records: config.json and state.json under
 * ROOT/containers/ID, run.json under STATE/containers/ID, names, lookup by
 * name or id prefix, and the reconciliation of a state whose supervisor is
 * gone. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/ctr/ctr.h"
#include "core/kernel/proc.h"
#include "core/kernel/seccomp.h"
#include "core/net/network.h"
#include "core/runtime/runtime.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/json.h"
#include "core/util/lock.h"
#include "core/util/log.h"
#include "core/util/xalloc.h"

static const char *const ctr_status_names[] = {
	[CTR_CREATED] = "created", [CTR_RUNNING] = "running", [CTR_PAUSED] = "paused",
	[CTR_RESTARTING] = "restarting", [CTR_EXITED] = "exited", [CTR_DEAD] = "dead",
};

static const char *const ctr_restart_names[] = {
	[CTR_RESTART_NO] = "no", [CTR_RESTART_ALWAYS] = "always",
	[CTR_RESTART_UNLESS_STOPPED] = "unless-stopped", [CTR_RESTART_ON_FAILURE] = "on-failure",
};

static const char *const ctr_driver_names[] = {
	[CTRFS_OVERLAY] = "overlay", [CTRFS_BINDCOPY] = "bind-copy",
};

static const char *const ctr_seccomp_names[] = {
	[SECPOL_SECCOMP_DEFAULT] = "default", [SECPOL_SECCOMP_UNCONFINED] = "unconfined",
	[SECPOL_SECCOMP_FILE] = "file",
};

const char *ctr_status_name(enum ctr_status s)
{
	return (unsigned)s < ARRAY_SIZE(ctr_status_names) ? ctr_status_names[s] : "dead";
}

const char *ctr_restart_name(enum ctr_restart r)
{
	return (unsigned)r < ARRAY_SIZE(ctr_restart_names) ? ctr_restart_names[r] : "no";
}

const char *ctr_driver_name(enum ctrfs_driver d)
{
	return (unsigned)d < ARRAY_SIZE(ctr_driver_names) ? ctr_driver_names[d] : "overlay";
}

/* The index of name in names (n of them); dflt when it is not there. */
static unsigned ctr_name_index(const char *const *names, size_t n, const char *name,
			       unsigned dflt)
{
	for (size_t i = 0; name && i < n; i++)
		if (!strcmp(name, names[i]))
			return (unsigned)i;
	return dflt;
}

int ctr_restart_parse(const char *s, struct ctr_config *c)
{
	unsigned long long n = 0;

	c->restart_max = 0;
	for (size_t i = 0; i < ARRAY_SIZE(ctr_restart_names); i++)
		if (!strcmp(s, ctr_restart_names[i])) {
			c->restart = (enum ctr_restart)i;
			return 0;
		}
	if (!strncmp(s, "on-failure:", 11) && str_to_u64(s + 11, 1U << 30, &n) == 0) {
		c->restart = CTR_RESTART_ON_FAILURE;
		c->restart_max = (int)n;
		return 0;
	}
	return err_setx(EINVAL, "invalid restart policy \"%s\" (use no, always, unless-stopped "
			"or on-failure[:N])", s);
}

bool ctr_name_ok(const char *n)
{
	static const char alnum[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

	if (!*n || !strchr(alnum, *n) || !n[1] || strlen(n) > 128)
		return false;
	for (n++; *n; n++)
		if (!strchr(alnum, *n) && !strchr("_.-", *n))
			return false;
	return true;
}

long long ctr_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

char *ctr_dir(const char *id)
{
	return xasprintf("%s/containers/%s", dory.root, id);
}

static char *ctr_file(const char *id, const char *name)
{
	return xasprintf("%s/containers/%s/%s", dory.root, id, name);
}

static char *ctr_run_file(const char *id)
{
	return xasprintf("%s/containers/%s/run.json", dory.state, id);
}

static bool ctr_is_id(const char *s)
{
	return strlen(s) == CTR_ID_LEN && s[strspn(s, "0123456789abcdef")] == '\0';
}

/* ---- config.json ---- */

static void ctr_put_strv(struct json *o, const char *key, const struct strv *v)
{
	struct json *a = json_add_arr(o, key);

	for (size_t i = 0; i < v->n; i++)
		json_add_str(a, NULL, v->v[i]);
}

static void ctr_get_strv(const struct json *o, const char *key, struct strv *v)
{
	const struct json *a = json_get(o, key);

	for (int i = 0; i < json_arr_len(a); i++)
		if (json_str(json_arr_at(a, i)))
			strv_push(v, json_str(json_arr_at(a, i)));
}

/* Times in ns pass 2^53, past what a JSON number keeps: a decimal string. */
static void ctr_put_ns(struct json *o, const char *key, long long ns)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%lld", ns);
	json_add_str(o, key, buf);
}

static long long ctr_get_ns(const struct json *o, const char *key)
{
	const char *v = json_get_str(o, key);

	return v ? strtoll(v, NULL, 10) : 0;
}

static void ctr_put_str(struct json *o, const char *key, const char *v)
{
	if (v)
		json_add_str(o, key, v);
}

static char *ctr_get_str(const struct json *o, const char *key)
{
	const char *v = json_get_str(o, key);

	return v ? xstrdup(v) : NULL;
}

static long long ctr_get_num(const struct json *o, const char *key)
{
	long long v = 0;

	json_get_i64(o, key, &v);
	return v;
}

static void ctr_put_limits(struct json *o, const struct cg_limits *l)
{
	json_add_i64(o, "Memory", l->memory);
	json_add_i64(o, "MemorySwap", l->memory_swap);
	json_add_i64(o, "CpuQuota", l->cpu_quota_us);
	json_add_i64(o, "CpuPeriod", l->cpu_period_us);
	json_add_i64(o, "CpuShares", l->cpu_shares);
	json_add_i64(o, "PidsLimit", l->pids);
	json_add_bool(o, "PidsDefault", l->pids_default);
	ctr_put_str(o, "CpusetCpus", l->cpuset_cpus);
	ctr_put_str(o, "CpusetMems", l->cpuset_mems);
}

static void ctr_get_limits(const struct json *o, struct cg_limits *l)
{
	l->memory = ctr_get_num(o, "Memory");
	l->memory_swap = ctr_get_num(o, "MemorySwap");
	l->cpu_quota_us = ctr_get_num(o, "CpuQuota");
	l->cpu_period_us = ctr_get_num(o, "CpuPeriod");
	l->cpu_shares = ctr_get_num(o, "CpuShares");
	l->pids = ctr_get_num(o, "PidsLimit");
	l->pids_default = json_is_true(json_get(o, "PidsDefault"));
	l->cpuset_cpus = ctr_get_str(o, "CpusetCpus");
	l->cpuset_mems = ctr_get_str(o, "CpusetMems");
}

void ctr_ulimits_json(const struct rt_tune *t, struct json *o, const char *key)
{
	struct json *a;

	if (!t->nulimits) {
		json_add_null(o, key);
		return;
	}
	a = json_add_arr(o, key);
	for (size_t i = 0; i < t->nulimits; i++) {
		struct json *u = json_add_obj(a, NULL);

		json_add_str(u, "Name", rt_ulimit_name(t->ulimits[i].resource));
		json_add_i64(u, "Hard", t->ulimits[i].hard);
		json_add_i64(u, "Soft", t->ulimits[i].soft);
	}
}

static void ctr_put_tune(struct json *o, const struct rt_tune *t)
{
	ctr_ulimits_json(t, o, "Ulimits");
	json_add_kv(o, "Sysctls", &t->sysctls);
	ctr_put_strv(o, "GroupAdd", &t->groups);
	json_add_i64(o, "ShmSize", t->shm_size);
	if (t->oom_set)
		json_add_i64(o, "OomScoreAdj", t->oom_score_adj);
}

/* --pid as Docker's HostConfig.PidMode: "host" or "container:ID". */
static void ctr_put_pidmode(struct json *o, const struct ctr_config *c)
{
	autofree char *m = c->pid_ctr ? xasprintf("container:%s", c->pid_ctr) : NULL;

	if (m || c->tune.hostpid)
		json_add_str(o, "PidMode", m ? m : "host");
}

static void ctr_get_tune(const struct json *o, struct rt_tune *t)
{
	const struct json *a = json_get(o, "Ulimits");
	long long v;

	t->ulimits = xzalloc((size_t)(json_arr_len(a) + 1) * sizeof(*t->ulimits));
	for (int i = 0; i < json_arr_len(a); i++) {
		const struct json *e = json_arr_at(a, i);
		const char *n = json_get_str(e, "Name");
		struct rt_ulimit *u = &t->ulimits[t->nulimits];

		if (!n || (u->resource = rt_ulimit_resource(n)) < 0)
			continue;	/* damaged: left out */
		u->soft = ctr_get_num(e, "Soft");
		u->hard = ctr_get_num(e, "Hard");
		t->nulimits++;
	}
	json_get_kv(o, "Sysctls", &t->sysctls);
	ctr_get_strv(o, "GroupAdd", &t->groups);
	t->shm_size = ctr_get_num(o, "ShmSize");
	t->oom_set = json_get_i64(o, "OomScoreAdj", &v);
	t->oom_score_adj = t->oom_set ? (int)v : 0;
	t->hostpid = json_get_str(o, "PidMode") && !strcmp(json_get_str(o, "PidMode"), "host");
}

/* --device as Docker's grammar, in full: HOST:CONTAINER:ACCESS. */
static void ctr_put_devices(struct json *o, const struct ctr_config *c)
{
	struct json *a = json_add_arr(o, "Devices");

	for (size_t i = 0; i < c->ndevices; i++) {
		autofree char *v = secpol_device_str(&c->devices[i]);

		json_add_str(a, NULL, v);
	}
}

static void ctr_get_devices(const struct json *o, struct ctr_config *c)
{
	const struct json *a = json_get(o, "Devices");

	c->devices = xzalloc((json_arr_len(a) + 1) * sizeof(*c->devices));
	for (int i = 0; i < json_arr_len(a); i++) {
		const char *v = json_str(json_arr_at(a, i));

		if (v && secpol_device_parse(v, &c->devices[c->ndevices]) == 0)
			c->ndevices++;
		err_clear();	/* checked at create: a damaged entry is left out */
	}
}

bool ctr_net_joins(const struct ctr_config *c)
{
	const char *m = c->network_mode;

	return m && strcmp(m, "none") && strcmp(m, "host") && strncmp(m, "container:", 10);
}

void ctr_endpoint_clear(struct ctr_endpoint *e)
{
	free(e->network);
	free(e->ip);
	free(e->ip6);
	strv_free(&e->aliases);
	memset(e, 0, sizeof(*e));
}

static void ctr_put_net(struct json *o, const struct ctr_config *c)
{
	struct json *a = json_add_arr(o, "Networks");

	ctr_put_str(o, "NetworkMode", c->network_mode);
	for (size_t i = 0; i < c->neps; i++) {
		struct json *e = json_add_obj(a, NULL);

		json_add_str(e, "Name", c->eps[i].network);
		ctr_put_str(e, "IPv4Address", c->eps[i].ip);
		ctr_put_str(e, "IPv6Address", c->eps[i].ip6);
		ctr_put_strv(e, "Aliases", &c->eps[i].aliases);
	}
	ctr_put_str(o, "MacAddress", c->mac);
	ctr_put_strv(o, "Publish", &c->publish);
	json_add_bool(o, "PublishAllPorts", c->publish_all);
	ctr_put_strv(o, "ExposedPorts", &c->expose);
	ctr_put_strv(o, "Links", &c->links);
}

static void ctr_get_net(const struct json *o, struct ctr_config *c)
{
	const struct json *a = json_get(o, "Networks");
	int n = json_arr_len(a);

	c->network_mode = ctr_get_str(o, "NetworkMode");
	c->eps = xzalloc(((size_t)(n > 0 ? n : 0) + 1) * sizeof(*c->eps));
	for (int i = 0; i < n; i++) {
		const struct json *e = json_arr_at(a, i);
		struct ctr_endpoint *ep = &c->eps[c->neps];

		if (!json_get_str(e, "Name"))
			continue;	/* damaged: left out */
		ep->network = ctr_get_str(e, "Name");
		ep->ip = ctr_get_str(e, "IPv4Address");
		ep->ip6 = ctr_get_str(e, "IPv6Address");
		ctr_get_strv(e, "Aliases", &ep->aliases);
		c->neps++;
	}
	c->mac = ctr_get_str(o, "MacAddress");
	ctr_get_strv(o, "Publish", &c->publish);
	c->publish_all = json_is_true(json_get(o, "PublishAllPorts"));
	ctr_get_strv(o, "ExposedPorts", &c->expose);
	ctr_get_strv(o, "Links", &c->links);
}

/* -v, --mount, --tmpfs and the image's VOLUMEs: Docker's MountPoint
 * fields, and what the mount needs beyond them. */
static const char *const ctr_mount_types[] = { "bind", "volume", "tmpfs" };
static const char *const ctr_mount_froms[] = { "v", "mount", "tmpfs", "image" };

static int ctr_mount_index(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; s && i < n; i++)
		if (!strcmp(names[i], s))
			return (int)i;
	return -1;
}

static void ctr_put_mounts(struct json *o, const struct ctr_config *c)
{
	struct json *a = json_add_arr(o, "Mounts");

	for (size_t i = 0; i < c->nmounts; i++) {
		const struct vol_mount *m = &c->mounts[i];
		struct json *e = json_add_obj(a, NULL);

		json_add_str(e, "Type", ctr_mount_types[m->type]);
		ctr_put_str(e, "Name", m->name);
		ctr_put_str(e, "Source", m->source);
		json_add_str(e, "Destination", m->target);
		json_add_str(e, "Mode", m->mode ? m->mode : "");
		json_add_bool(e, "RW", !m->ro);
		ctr_put_str(e, "Propagation", m->propagation);
		ctr_put_str(e, "Data", m->data);
		json_add_str(e, "From", ctr_mount_froms[m->from]);
		json_add_bool(e, "NoCopy", m->nocopy);
		json_add_bool(e, "Anonymous", m->anon);
	}
}

/* Mount e, or false when it is damaged: left out, never a mount of
 * something else. */
static bool ctr_get_mount(const struct json *e, struct vol_mount *m)
{
	const char *d = json_get_str(e, "Destination"), *name = json_get_str(e, "Name");
	int t = ctr_mount_index(ctr_mount_types, ARRAY_SIZE(ctr_mount_types),
				json_get_str(e, "Type"));
	int from = ctr_mount_index(ctr_mount_froms, ARRAY_SIZE(ctr_mount_froms),
				   json_get_str(e, "From"));

	if (t < 0 || !d || d[0] != '/' ||
	    (t == VOL_MOUNT_VOLUME && (!name || !vol_name_ok(name))) ||
	    (t == VOL_MOUNT_BIND && !json_get_str(e, "Source")))
		return false;
	m->type = (enum vol_mount_type)t;
	m->from = from < 0 ? VOL_FROM_V : (enum vol_mount_from)from;
	m->name = t == VOL_MOUNT_VOLUME ? xstrdup(name) : NULL;
	m->source = t == VOL_MOUNT_BIND ? ctr_get_str(e, "Source") : NULL;
	m->target = xstrdup(d);
	m->mode = ctr_get_str(e, "Mode");
	m->ro = !json_is_true(json_get(e, "RW"));
	m->propagation = ctr_get_str(e, "Propagation");
	m->data = ctr_get_str(e, "Data");
	/* Records before NoCopy had it in Mode only. */
	m->nocopy = json_is_true(json_get(e, "NoCopy")) ||
		    (m->mode && strstr(m->mode, "nocopy"));
	m->anon = json_is_true(json_get(e, "Anonymous"));
	return true;
}

static void ctr_get_mounts(const struct json *o, struct ctr_config *c)
{
	const struct json *a = json_get(o, "Mounts");
	int n = json_arr_len(a);

	c->mounts = xzalloc(((size_t)(n > 0 ? n : 0) + 1) * sizeof(*c->mounts));
	for (int i = 0; i < n; i++)
		if (ctr_get_mount(json_arr_at(a, i), &c->mounts[c->nmounts]))
			c->nmounts++;
}

char *ctr_config_json(const struct ctr_config *c)
{
	struct json *o = json_new_obj();
	char caps[24];
	char *s;

	json_add_str(o, "Id", c->id);
	json_add_str(o, "Name", c->name);
	ctr_put_str(o, "Image", c->image);
	ctr_put_str(o, "ImageId", c->image_id);
	ctr_put_str(o, "Rootfs", c->rootfs);
	json_add_str(o, "Driver", ctr_driver_name(c->driver));
	ctr_put_strv(o, "Argv", &c->argv);
	ctr_put_strv(o, "Entrypoint", &c->entrypoint);
	ctr_put_strv(o, "Cmd", &c->cmd);
	ctr_put_strv(o, "Env", &c->env);
	ctr_put_str(o, "Hostname", c->hostname);
	ctr_put_str(o, "User", c->user);
	ctr_put_str(o, "WorkingDir", c->workdir);
	snprintf(caps, sizeof(caps), "%llx", (unsigned long long)c->caps);
	json_add_str(o, "Caps", caps);
	ctr_put_strv(o, "CapAdd", &c->cap_add);
	ctr_put_strv(o, "CapDrop", &c->cap_drop);
	ctr_put_devices(o, c);
	ctr_put_strv(o, "Labels", &c->labels);
	ctr_put_strv(o, "Dns", &c->dns);
	ctr_put_strv(o, "DnsSearch", &c->dns_search);
	ctr_put_strv(o, "DnsOptions", &c->dns_opts);
	ctr_put_strv(o, "ExtraHosts", &c->extra_hosts);
	json_add_bool(o, "ReadonlyRootfs", c->readonly);
	json_add_bool(o, "Tty", c->tty);
	json_add_bool(o, "OpenStdin", c->interactive);
	json_add_bool(o, "Privileged", c->privileged);
	json_add_bool(o, "AutoRemove", c->autoremove);
	json_add_bool(o, "NoNewPrivileges", c->no_new_privs);
	ctr_put_limits(json_add_obj(o, "Limits"), &c->limits);
	json_add_str(o, "Seccomp", ctr_seccomp_names[c->seccomp]);
	ctr_put_str(o, "StopSignal", c->stop_signal);
	ctr_put_str(o, "CgroupParent", c->cgroup_parent);
	ctr_put_net(o, c);
	ctr_put_mounts(o, c);
	json_add_i64(o, "StopTimeout", c->stop_timeout);
	json_add_str(o, "Restart", ctr_restart_names[c->restart]);
	json_add_i64(o, "RestartMax", c->restart_max);
	json_add_i64(o, "LogMaxSize", c->log_max_size);
	json_add_i64(o, "LogMaxFile", c->log_max_file);
	ctr_put_tune(o, &c->tune);
	ctr_put_pidmode(o, c);
	ctr_put_ns(o, "Created", c->created_ns);
	health_config_put(o, "Healthcheck", &c->health);
	if (c->init)
		json_add_bool(o, "Init", true);
	if (c->userns.count) {
		char map[32];

		snprintf(map, sizeof(map), "%u:%u", c->userns.base, c->userns.count);
		json_add_str(o, "UsernsRemap", map);
		json_add_bool(o, "UsernsShifted", c->userns_shifted);
	}
	s = json_print(o, false);
	json_free(o);
	return s;
}

int ctr_config_parse(const char *text, struct ctr_config *c)
{
	struct json *o = json_parse(text, strlen(text));
	const char *v;

	memset(c, 0, sizeof(*c));
	if (!json_is_obj(o) || !(v = json_get_str(o, "Id")) || !ctr_is_id(v) ||
	    !json_get_str(o, "Name")) {
		json_free(o);
		return err_setx(EINVAL, "damaged container record (config.json)");
	}
	memcpy(c->id, v, CTR_ID_LEN + 1);
	c->name = ctr_get_str(o, "Name");
	c->image = ctr_get_str(o, "Image");
	c->image_id = ctr_get_str(o, "ImageId");
	c->rootfs = ctr_get_str(o, "Rootfs");
	c->driver = ctr_name_index(ctr_driver_names, ARRAY_SIZE(ctr_driver_names),
				   json_get_str(o, "Driver"), CTRFS_OVERLAY);
	ctr_get_strv(o, "Argv", &c->argv);
	ctr_get_strv(o, "Entrypoint", &c->entrypoint);
	ctr_get_strv(o, "Cmd", &c->cmd);
	ctr_get_strv(o, "Env", &c->env);
	c->hostname = ctr_get_str(o, "Hostname");
	c->user = ctr_get_str(o, "User");
	c->workdir = ctr_get_str(o, "WorkingDir");
	c->caps = strtoull(json_get_str(o, "Caps") ? json_get_str(o, "Caps") : "0", NULL, 16);
	ctr_get_strv(o, "CapAdd", &c->cap_add);
	ctr_get_strv(o, "CapDrop", &c->cap_drop);
	ctr_get_devices(o, c);
	ctr_get_strv(o, "Labels", &c->labels);
	ctr_get_strv(o, "Dns", &c->dns);
	ctr_get_strv(o, "DnsSearch", &c->dns_search);
	ctr_get_strv(o, "DnsOptions", &c->dns_opts);
	ctr_get_strv(o, "ExtraHosts", &c->extra_hosts);
	c->readonly = json_is_true(json_get(o, "ReadonlyRootfs"));
	c->tty = json_is_true(json_get(o, "Tty"));
	c->interactive = json_is_true(json_get(o, "OpenStdin"));
	c->privileged = json_is_true(json_get(o, "Privileged"));
	c->autoremove = json_is_true(json_get(o, "AutoRemove"));
	/* Absent: made by a dory that always set it; it keeps it. */
	c->no_new_privs = !json_get(o, "NoNewPrivileges") ||
			  json_is_true(json_get(o, "NoNewPrivileges"));
	ctr_get_limits(json_get(o, "Limits"), &c->limits);
	/* Absent or unknown: the default profile, never less confinement. */
	c->seccomp = ctr_name_index(ctr_seccomp_names, ARRAY_SIZE(ctr_seccomp_names),
				    json_get_str(o, "Seccomp"), SECPOL_SECCOMP_DEFAULT);
	c->stop_signal = ctr_get_str(o, "StopSignal");
	c->cgroup_parent = ctr_get_str(o, "CgroupParent");
	ctr_get_net(o, c);
	ctr_get_mounts(o, c);
	c->stop_timeout = (int)ctr_get_num(o, "StopTimeout");
	if (json_get_str(o, "Restart") && ctr_restart_parse(json_get_str(o, "Restart"), c) < 0)
		err_clear();
	c->restart_max = (int)ctr_get_num(o, "RestartMax");
	c->log_max_size = ctr_get_num(o, "LogMaxSize");
	c->log_max_file = (int)ctr_get_num(o, "LogMaxFile");
	ctr_get_tune(o, &c->tune);
	if (json_get_str(o, "PidMode") && !strncmp(json_get_str(o, "PidMode"), "container:", 10))
		c->pid_ctr = xstrdup(json_get_str(o, "PidMode") + 10);
	c->created_ns = ctr_get_ns(o, "Created");
	health_config_get(o, "Healthcheck", &c->health);
	c->init = json_is_true(json_get(o, "Init"));
	if (json_get_str(o, "UsernsRemap") &&
	    sscanf(json_get_str(o, "UsernsRemap"), "%u:%u", &c->userns.base, &c->userns.count) != 2)
		c->userns = (struct userns_map){ 0 };
	c->userns_shifted = json_is_true(json_get(o, "UsernsShifted"));
	json_free(o);
	return 0;
}

int ctr_config_load(const char *id, struct ctr_config *c)
{
	autofree char *path = ctr_file(id, "config.json");
	autofree char *text = NULL;

	if (fsutil_read_file(path, &text) < 0) {
		int e = err_errno();

		memset(c, 0, sizeof(*c));
		return e == ENOENT ? err_setx(ENOENT, "no such container: %.12s", id) : -e;
	}
	return ctr_config_parse(text, c);
}

void ctr_config_clear(struct ctr_config *c)
{
	free(c->name);
	free(c->image);
	free(c->image_id);
	free(c->rootfs);
	strv_free(&c->argv);
	strv_free(&c->entrypoint);
	strv_free(&c->cmd);
	strv_free(&c->env);
	free(c->hostname);
	free(c->user);
	free(c->workdir);
	strv_free(&c->cap_add);
	strv_free(&c->cap_drop);
	for (size_t i = 0; i < c->ndevices; i++)
		secpol_device_clear(&c->devices[i]);
	free(c->devices);
	strv_free(&c->labels);
	strv_free(&c->dns);
	strv_free(&c->dns_search);
	strv_free(&c->dns_opts);
	strv_free(&c->extra_hosts);
	free((char *)c->limits.cpuset_cpus);
	free((char *)c->limits.cpuset_mems);
	free(c->stop_signal);
	free(c->cgroup_parent);
	health_config_clear(&c->health);
	rt_tune_clear(&c->tune);
	free(c->pid_ctr);
	free(c->network_mode);
	for (size_t i = 0; i < c->neps; i++)
		ctr_endpoint_clear(&c->eps[i]);
	free(c->eps);
	free(c->mac);
	strv_free(&c->publish);
	strv_free(&c->expose);
	strv_free(&c->links);
	for (size_t i = 0; i < c->nmounts; i++)
		vol_mount_clear(&c->mounts[i]);
	free(c->mounts);
	free(c->seccomp_text);
	seccomp_policy_free(c->seccomp_prog);
	memset(c, 0, sizeof(*c));
}

int ctr_policy(const struct ctr_config *c, struct secpol *out)
{
	autofree char *profile = ctr_file(c->id, "seccomp.json");
	autofree char *program = ctr_file(c->id, "seccomp.bpf");
	const struct secpol_opts o = {
		.caps = c->caps, .privileged = c->privileged, .seccomp = c->seccomp,
		.no_new_privs = c->no_new_privs,
		.profile = profile, .program = program, .cache_dir = dory.state,
		.devices = c->devices, .ndevices = c->ndevices,
	};

	return secpol_build(&o, out);
}

/* ---- lookup ---- */

/* Every directory under ROOT/containers that holds a config. */
static int ctr_ids(struct strv *ids)
{
	autofree char *base = xasprintf("%s/containers", dory.root);
	DIR *d = opendir(base);
	struct dirent *e;

	if (!d)
		return errno == ENOENT ? 0 : err_set(errno, "open %s", base);
	while ((e = readdir(d)))
		if (ctr_is_id(e->d_name)) {
			autofree char *cfg = ctr_file(e->d_name, "config.json");

			if (access(cfg, F_OK) == 0)
				strv_push(ids, e->d_name);
		}
	closedir(d);
	return 0;
}

struct ctr_sort {
	long long created;
	char *id;
};

static int ctr_sort_cmp(const void *a, const void *b)
{
	const struct ctr_sort *x = a, *y = b;

	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	return strcmp(x->id, y->id);
}

int ctr_list(struct strv *out)
{
	struct strv ids = { 0 };
	struct ctr_sort *v;
	size_t n = 0;

	if (ctr_ids(&ids) < 0)
		return -err_errno();
	v = xzalloc((ids.n + 1) * sizeof(*v));
	for (size_t i = 0; i < ids.n; i++) {
		struct ctr_config c;

		if (ctr_config_load(ids.v[i], &c) < 0) {
			err_clear();	/* removed meanwhile, or damaged: not listed */
			continue;
		}
		v[n++] = (struct ctr_sort){ c.created_ns, ids.v[i] };
		ctr_config_clear(&c);
	}
	qsort(v, n, sizeof(*v), ctr_sort_cmp);
	for (size_t i = 0; i < n; i++)
		strv_push(out, v[i].id);
	free(v);
	strv_free(&ids);
	return 0;
}

/* The name of each of ids, read once ("" for a record that is gone). */
static void ctr_names(const struct strv *ids, struct strv *names)
{
	for (size_t i = 0; i < ids->n; i++) {
		struct ctr_config c;

		if (ctr_config_load(ids->v[i], &c) < 0) {
			err_clear();
			strv_push(names, "");
			continue;
		}
		strv_push_take(names, TAKE(c.name));
		ctr_config_clear(&c);
	}
}

/* The id of the container named name, or NULL. */
static const char *ctr_by_name(const struct strv *ids, const struct strv *names,
			       const char *name)
{
	for (size_t i = 0; i < names->n; i++)
		if (!strcmp(names->v[i], name))
			return ids->v[i];
	return NULL;
}

int ctr_find(const char *ref, char id[CTR_ID_LEN + 1])
{
	struct strv ids = { 0 }, names = { 0 };
	const char *name = ref[0] == '/' ? ref + 1 : ref, *hit;
	size_t n = 0, len = strlen(ref);
	bool named;
	int r = 0;

	if (ctr_ids(&ids) < 0)
		return -err_errno();
	ctr_names(&ids, &names);
	hit = *name ? ctr_by_name(&ids, &names, name) : NULL;
	named = hit != NULL;
	for (size_t i = 0; !named && len && i < ids.n; i++)	/* count every match */
		if (!strncmp(ids.v[i], ref, len) && n++ == 0)
			hit = ids.v[i];
	if (n > 1)
		r = err_setx(EINVAL, "\"%s\" matches %zu containers (give more of the id, or the "
			     "name)", ref, n);
	else if (!hit)
		r = err_setx(ENOENT, "no such container: %s (see 'dory ps -a')", ref);
	else
		memcpy(id, hit, CTR_ID_LEN + 1);
	strv_free(&names);
	strv_free(&ids);
	return r;
}

/* 0 if no container has name, else -EEXIST with Docker's message. */
static int ctr_name_free(const struct strv *ids, const struct strv *names, const char *name)
{
	const char *taken = ctr_by_name(ids, names, name);

	if (!taken)
		return 0;
	return err_setx(EEXIST, "Conflict. The container name \"/%s\" is already in use by "
			"container \"%s\" (remove or rename that container to reuse the name)",
			name, taken);
}

/* ---- create ---- */

static const char *const ctr_adj[] = {
	"bold", "brave", "calm", "clever", "eager", "fancy", "gentle", "happy", "jolly",
	"keen", "lively", "merry", "nimble", "proud", "quick", "quiet", "shiny", "swift",
	"tender", "vivid", "witty", "zealous",
};
static const char *const ctr_fish[] = {
	"anchovy", "barracuda", "carp", "cod", "eel", "flounder", "grouper", "haddock",
	"herring", "koi", "marlin", "minnow", "perch", "pike", "salmon", "sardine", "shark",
	"snapper", "sole", "trout", "tuna", "wrasse",
};

/* A free adjective_fish name, numbered when the plain ones run out. */
static char *ctr_gen_name(const struct strv *ids, const struct strv *names, const char *seed)
{
	unsigned long v = strtoul((char[9]){ seed[0], seed[1], seed[2], seed[3], seed[4],
					     seed[5], seed[6], seed[7], 0 }, NULL, 16);

	for (unsigned i = 0;; i++) {
		unsigned long k = v + i * 7919UL;
		char *name = i < 64 ? xasprintf("%s_%s", ctr_adj[k % ARRAY_SIZE(ctr_adj)],
						 ctr_fish[(k / 31) % ARRAY_SIZE(ctr_fish)])
				    : xasprintf("%s_%s%u", ctr_adj[k % ARRAY_SIZE(ctr_adj)],
						ctr_fish[(k / 31) % ARRAY_SIZE(ctr_fish)], i);
		if (!ctr_by_name(ids, names, name))
			return name;
		free(name);
	}
}

int ctr_config_save(const struct ctr_config *c)
{
	autofree char *path = ctr_file(c->id, "config.json");
	autofree char *text = ctr_config_json(c);

	return fsutil_write_atomic(path, text, !c->autoremove);
}

static int ctr_write_new(const struct ctr_config *c)
{
	autofree char *dir = ctr_dir(c->id), *path = ctr_file(c->id, "config.json");
	autofree char *text = ctr_config_json(c);
	struct ctr_state s = { .status = CTR_CREATED, .ephemeral = c->autoremove };

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return err_set(errno, "mkdir %s", dir);
	if (fsutil_write_atomic(path, text, !c->autoremove) < 0)
		return -err_errno();
	return ctr_state_save(c->id, &s);
}

int ctr_create(struct ctr_config *c)
{
	autofree char *base = xasprintf("%s/containers", dory.root);
	autofree char *lockp = xasprintf("%s/containers.lock", dory.root);
	struct strv ids = { 0 }, names = { 0 };
	int lk, r;

	if (fsutil_mkdir_p(base, 0700) < 0)
		return -err_errno();
	lk = lock_open(lockp, LOCK_EXCL);
	if (lk < 0)
		return lk;
	r = ctr_ids(&ids);
	if (r < 0)
		goto out;
	ctr_names(&ids, &names);
	if (!c->id[0]) {
		r = rt_new_id(c->id);
		if (r < 0)
			goto out;
	}
	if (!c->name)
		c->name = ctr_gen_name(&ids, &names, c->id);
	r = ctr_name_free(&ids, &names, c->name);
	if (r < 0)
		goto out;
	c->created_ns = ctr_now();
	r = ctr_write_new(c);
out:
	strv_free(&names);
	strv_free(&ids);
	lock_close(lk);
	return r;
}

/* Rename under both locks: containers.lock orders it with create and
 * other renames, the container's own with connect and disconnect, which
 * also rewrite its config. The config is replaced atomically, so a crash
 * leaves either name, never none. */
int ctr_rename(const char *id, const char *name)
{
	autofree char *lockp = xasprintf("%s/containers.lock", dory.root);
	struct strv ids = { 0 }, names = { 0 };
	struct ctr_config c;
	int lk, clk = -1, r;

	if (!ctr_name_ok(name))
		return err_setx(EINVAL, "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] "
				"are allowed", name);
	lk = lock_open(lockp, LOCK_EXCL);
	if (lk < 0)
		return lk;
	clk = ctr_lock(id);
	r = clk < 0 ? clk : ctr_ids(&ids);
	if (r < 0)
		goto out;
	ctr_names(&ids, &names);
	r = ctr_config_load(id, &c);
	if (r < 0)
		goto out;
	if (!strcmp(c.name, name))
		r = err_setx(EINVAL, "Renaming a container with the same name as its current "
			     "name");
	else
		r = ctr_name_free(&ids, &names, name);
	if (r == 0) {
		free(c.name);
		c.name = xstrdup(name);
		r = ctr_config_save(&c);
	}
	ctr_config_clear(&c);
out:
	strv_free(&names);
	strv_free(&ids);
	lock_close(clk);
	lock_close(lk);
	return r;
}

/* ---- state ---- */

int ctr_lock(const char *id)
{
	autofree char *path = ctr_file(id, "lock");
	int fd = lock_open(path, LOCK_EXCL);

	if (fd == -ENOENT)
		return err_setx(ENOENT, "no such container: %.12s (it was removed)", id);
	return fd;
}

bool ctr_sup_alive(const struct ctr_state *s)
{
	if (s->sup_pid > 0 && s->sup_pid == getpid())
		return s->sup_start == proc_self_start();
	return proc_alive(s->sup_pid, s->sup_start);
}

void ctr_state_parse(const char *text, struct ctr_state *s)
{
	struct json *o = json_parse(text, strlen(text));

	s->status = ctr_name_index(ctr_status_names, ARRAY_SIZE(ctr_status_names),
				   json_get_str(o, "Status"), CTR_CREATED);
	s->exit_code = (int)ctr_get_num(o, "ExitCode");
	s->oom_killed = json_is_true(json_get(o, "OOMKilled"));
	s->manual_stop = json_is_true(json_get(o, "ManualStop"));
	s->ephemeral = json_is_true(json_get(o, "Ephemeral"));
	s->restart_count = (int)ctr_get_num(o, "RestartCount");
	s->started_ns = ctr_get_ns(o, "StartedAt");
	s->finished_ns = ctr_get_ns(o, "FinishedAt");
	snprintf(s->error, sizeof(s->error), "%s", json_get_str(o, "Error") ? json_get_str(o, "Error") : "");
	json_free(o);
}

void ctr_run_parse(const char *text, struct ctr_state *s)
{
	struct json *o = json_parse(text, strlen(text));
	const char *cg = json_get_str(o, "Cgroup");
	long long v = 0;

	s->pid = (pid_t)ctr_get_num(o, "Pid");
	s->sup_pid = (pid_t)ctr_get_num(o, "SupervisorPid");
	if (json_get_i64(o, "SupervisorStart", &v))
		s->sup_start = (unsigned long long)v;
	if (cg && cg_from_text(cg, &s->cg) < 0)
		err_clear();
	json_free(o);
}

/* The supervisor is gone but the record says the container runs: it died
 * with it (PDEATHSIG), or the machine restarted. */
static int ctr_reconcile(const char *id, struct ctr_state *s, bool had_run)
{
	s->status = CTR_EXITED;
	s->exit_code = had_run ? 137 : 255;
	s->finished_ns = ctr_now();
	snprintf(s->error, sizeof(s->error), "%s",
		 had_run ? "its supervisor was killed" : "the system restarted while it ran");
	if (s->cg.n && cg_destroy(&s->cg) < 0)
		err_clear();	/* a stray task: the group is left, as the kernel wants */
	cg_free(&s->cg);
	/* Its veths went with its namespace and its proxy died with it: its
	 * rules and (stale) leases remain. */
	net_forget(id);
	s->pid = 0;
	s->sup_pid = 0;
	s->sup_start = 0;
	return ctr_state_save(id, s);
}

int ctr_ns_path(const char *id, const char *ns, char *buf, size_t len)
{
	struct ctr_state st;
	int rc = ctr_state_load(id, false, &st);

	if (rc < 0)
		return rc;
	/* Docker's message, its namespace's name included */
	if (st.status != CTR_RUNNING || st.pid <= 0)
		rc = err_setx(EINVAL, "cannot join %s of a non running container: %.12s",
			      !strcmp(ns, "net") ? "network" : "PID", id);
	else
		snprintf(buf, len, "/proc/%d/ns/%s", (int)st.pid, ns);
	ctr_state_clear(&st);
	return rc;
}

int ctr_state_load(const char *id, bool locked, struct ctr_state *s)
{
	autofree char *path = ctr_file(id, "state.json"), *runp = ctr_run_file(id);
	autofree char *text = NULL, *run = NULL;
	int lk = -1, r = 0;
	bool active;

	memset(s, 0, sizeof(*s));
	if (!locked) {
		lk = ctr_lock(id);
		if (lk < 0)
			return lk;
	}
	if (fsutil_read_file(path, &text) < 0) {
		r = err_errno() == ENOENT ? err_setx(ENOENT, "no such container: %.12s", id)
					  : -err_errno();
		goto out;
	}
	ctr_state_parse(text, s);
	if (fsutil_read_file(runp, &run) == 0)
		ctr_run_parse(run, s);
	err_clear();
	active = s->status == CTR_RUNNING || s->status == CTR_PAUSED ||
		 s->status == CTR_RESTARTING;
	if (!ctr_sup_alive(s)) {
		if (active)
			r = ctr_reconcile(id, s, run != NULL);
		else if (run)
			unlink(runp);
		s->pid = s->sup_pid = 0;
		s->sup_start = 0;
		cg_free(&s->cg);
	}
out:
	lock_close(lk);
	return r;
}

char *ctr_state_json(const struct ctr_state *s)
{
	struct json *o = json_new_obj();
	char *t;

	json_add_str(o, "Status", ctr_status_name(s->status));
	json_add_i64(o, "ExitCode", s->exit_code);
	json_add_bool(o, "OOMKilled", s->oom_killed);
	json_add_bool(o, "ManualStop", s->manual_stop);
	if (s->ephemeral)
		json_add_bool(o, "Ephemeral", true);
	json_add_i64(o, "RestartCount", s->restart_count);
	ctr_put_ns(o, "StartedAt", s->started_ns);
	ctr_put_ns(o, "FinishedAt", s->finished_ns);
	json_add_str(o, "Error", s->error);
	t = json_print(o, false);
	json_free(o);
	return t;
}

char *ctr_run_json(const struct ctr_state *s)
{
	struct json *o = json_new_obj();
	autofree char *cg = cg_to_text(&s->cg);
	char *t;

	json_add_i64(o, "Pid", s->pid);
	json_add_i64(o, "SupervisorPid", s->sup_pid);
	json_add_i64(o, "SupervisorStart", (long long)s->sup_start);
	json_add_str(o, "Cgroup", cg);
	t = json_print(o, false);
	json_free(o);
	return t;
}

int ctr_state_save(const char *id, const struct ctr_state *s)
{
	autofree char *path = ctr_file(id, "state.json"), *runp = ctr_run_file(id);
	autofree char *text = ctr_state_json(s);

	if (fsutil_write_atomic(path, text, !s->ephemeral) < 0)
		return -err_errno();
	if (s->sup_pid > 0) {
		autofree char *run = ctr_run_json(s);
		autofree char *dir = xasprintf("%s/containers/%s", dory.state, id);

		if (fsutil_mkdir_p(dir, 0700) < 0 || fsutil_write_atomic(runp, run, false) < 0)
			return -err_errno();
	} else if (unlink(runp) < 0 && errno != ENOENT) {
		return err_set(errno, "remove %s", runp);
	} else {
		autofree char *dir = xasprintf("%s/containers/%s", dory.state, id);

		rmdir(dir);	/* not needed until it runs again */
	}
	return 0;
}

void ctr_state_clear(struct ctr_state *s)
{
	cg_free(&s->cg);
}

int ctr_remove(const char *id)
{
	autofree char *sdir = xasprintf("%s/containers/%s", dory.state, id);
	autofree char *runp = ctr_run_file(id);
	static const char *const files[] = { "config.json", "state.json", "seccomp.json",
					     "seccomp.bpf" };

	/* The config first: without it the container is no longer listed. */
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		autofree char *p = ctr_file(id, files[i]);

		if (unlink(p) < 0 && errno != ENOENT)
			return err_set(errno, "remove %s", p);
	}
	unlink(runp);
	rmdir(sdir);
	return 0;
}

static const struct {
	const char *name;
	int sig;
} ctr_signals[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "ILL", SIGILL },
	{ "TRAP", SIGTRAP }, { "ABRT", SIGABRT }, { "BUS", SIGBUS }, { "FPE", SIGFPE },
	{ "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV }, { "USR2", SIGUSR2 },
	{ "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM }, { "CHLD", SIGCHLD },
	{ "CONT", SIGCONT }, { "STOP", SIGSTOP }, { "TSTP", SIGTSTP }, { "TTIN", SIGTTIN },
	{ "TTOU", SIGTTOU }, { "URG", SIGURG }, { "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ },
	{ "VTALRM", SIGVTALRM }, { "PROF", SIGPROF }, { "WINCH", SIGWINCH }, { "IO", SIGIO },
	{ "PWR", SIGPWR }, { "SYS", SIGSYS },
};

int ctr_stop_signal(const struct ctr_config *c)
{
	int sig = c->stop_signal ? ctr_signal_parse(c->stop_signal) : SIGTERM;

	if (sig > 0)
		return sig;
	err_clear();	/* checked at create: a damaged record stops with TERM */
	return SIGTERM;
}

int ctr_signal_parse(const char *s)
{
	unsigned long long n;

	if (str_to_u64(s, 64, &n) == 0 && n > 0)
		return (int)n;
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < ARRAY_SIZE(ctr_signals); i++)
		if (!strcasecmp(s, ctr_signals[i].name))
			return ctr_signals[i].sig;
	return err_setx(EINVAL, "invalid signal \"%s\" (use a name such as SIGTERM or KILL, or "
			"a number)", s);
}

bool ctr_active(const struct ctr_state *s)
{
	return s->status == CTR_RUNNING || s->status == CTR_PAUSED ||
	       s->status == CTR_RESTARTING;
}
