// SPDX-License-Identifier: Apache-2.0
/* ctr_build.c - Docker's run options into a container's config: limits,
 * restart and log policy, names, environment, user namespace, capabilities,
 * seccomp and devices, each checked once with Docker's message. Making the
 * container from the config is ctr_make.c's. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/ctr/ctr.h"
#include "core/ctr/ctr_build.h"
#include "core/ctr/ctr_vol.h"
#include "core/ctr/ctrlog.h"
#include "core/fs/ctrfs.h"
#include "core/fs/userns.h"
#include "core/image/image.h"
#include "core/kernel/caps.h"
#include "core/kernel/cgroup.h"
#include "core/kernel/seccomp.h"
#include "core/net/link.h"
#include "core/net/network.h"
#include "core/net/port.h"
#include "core/net/netfiles.h"
#include "core/runtime/rootfs.h"
#include "core/runtime/runtime.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/json.h"
#include "core/util/xalloc.h"

#define CTR_DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* ---- resources ---- */

/* "-1" or a byte count with Docker's units. */
static int build_bytes(const char *flag, const char *v, bool minus_one, long long *out)
{
	if (minus_one && !strcmp(v, "-1")) {
		*out = -1;
		return 0;
	}
	if (cg_parse_bytes(v, out) < 0)
		return err_setx(EINVAL, "invalid %s \"%s\" (use a size like 64m or 1g%s)", flag, v,
				minus_one ? ", or -1" : "");
	return 0;
}

static int build_cpus(const char *v, struct cg_limits *l)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	if (cg_parse_cpus(v, &l->cpu_quota_us, &l->cpu_period_us) < 0)
		return -err_errno();
	if (l->cpu_quota_us > l->cpu_period_us * ncpu)
		return err_setx(EINVAL, "range of CPUs is from 0.01 to %ld.00, as there are only "
				"%ld CPUs available", ncpu, ncpu);
	return 0;
}

/* --pids-limit N; 0 or below is none, as Docker's API takes -1, 0 and
 * (historically) any negative. Without it, the config's default. */
static int build_pids(const struct ctr_flags *f, const struct dory_conf *conf,
		      struct cg_limits *l)
{
	unsigned long long n;
	bool neg = f->pids && f->pids[0] == '-';

	if (!f->pids) {
		l->pids = conf->default_pids;
		l->pids_default = l->pids > 0;
		return 0;
	}
	if (str_to_u64(f->pids + neg, 1ULL << 31, &n) < 0)
		return err_setx(EINVAL, "invalid --pids-limit \"%s\" (use a positive number, "
				"or 0 or -1 for none)", f->pids);
	l->pids = neg || !n ? -1 : (long long)n;
	return 0;
}

/* The resource flags that are given into l; the pids limit's default
 * from conf too, unless conf is NULL (update: what is not given stays). */
static int build_resources(const struct ctr_flags *f, const struct dory_conf *conf,
			   struct cg_limits *l)
{
	unsigned long long n;

	if (f->memory && build_bytes("--memory", f->memory, false, &l->memory) < 0)
		return -err_errno();
	if (f->memory_swap && build_bytes("--memory-swap", f->memory_swap, true,
					  &l->memory_swap) < 0)
		return -err_errno();
	if (f->cpus && build_cpus(f->cpus, l) < 0)
		return -err_errno();
	if (f->cpu_shares && str_to_u64(f->cpu_shares, 262144, &n) < 0)
		return err_setx(EINVAL, "invalid --cpu-shares \"%s\" (use 2 to 262144)",
				f->cpu_shares);
	if (f->cpu_shares)
		l->cpu_shares = (long long)n;
	if ((conf || f->pids) && build_pids(f, conf, l) < 0)
		return -err_errno();
	return 0;
}

/* Docker's resource flags into limits (cpuset strings allocated). */
static int build_limits(const struct ctr_flags *f, const struct dory_conf *conf,
			struct cg_limits *l)
{
	if (build_resources(f, conf, l) < 0)
		return -err_errno();
	l->cpuset_cpus = f->cpuset_cpus ? xstrdup(f->cpuset_cpus) : NULL;
	l->cpuset_mems = f->cpuset_mems ? xstrdup(f->cpuset_mems) : NULL;
	return cg_limits_check(l);
}

/* update's flags over c's limits and restart policy, with the checks and
 * messages of run: only what is given changes. */
int ctr_build_update(const struct ctr_flags *f, struct ctr_config *c)
{
	if (build_resources(f, NULL, &c->limits) < 0)
		return -err_errno();
	if (f->pids)
		c->limits.pids_default = false;
	if (f->restart && ctr_restart_parse(f->restart, c) < 0)
		return -err_errno();
	if (f->restart && c->autoremove && c->restart != CTR_RESTART_NO)
		return err_setx(EINVAL, "Restart policy cannot be updated because AutoRemove is "
				"enabled for the container (it was run with --rm)");
	return cg_limits_check(&c->limits);
}

/* ---- restart, logs, labels, stop, name ---- */

static int build_labels(const struct ctr_flags *f, struct ctr_config *c)
{
	for (size_t i = 0; i < f->labels.n; i++) {
		const char *l = f->labels.v[i];

		if (l[0] == '=' || !l[0])
			return err_setx(EINVAL, "invalid label \"%s\" (use KEY=VALUE)", l);
		strv_push_take(&c->labels, strchr(l, '=') ? xstrdup(l) : xasprintf("%s=", l));
	}
	return 0;
}

static int build_stop(const struct ctr_flags *f, struct ctr_config *c)
{
	unsigned long long n;

	if (f->stop_signal && ctr_signal_parse(f->stop_signal) < 0)
		return -err_errno();
	if (f->stop_signal)
		c->stop_signal = xstrdup(f->stop_signal);
	c->stop_timeout = 10;
	if (f->stop_timeout && str_to_u64(f->stop_timeout, 1U << 30, &n) < 0)
		return err_setx(EINVAL, "invalid --stop-timeout \"%s\" (use seconds)",
				f->stop_timeout);
	if (f->stop_timeout)
		c->stop_timeout = (int)n;
	return 0;
}

static int build_policy(const struct ctr_flags *f, struct ctr_config *c)
{
	const char *name = f->name && f->name[0] == '/' ? f->name + 1 : f->name;

	if (f->restart && ctr_restart_parse(f->restart, c) < 0)
		return -err_errno();
	if (f->rm && c->restart != CTR_RESTART_NO)
		return err_setx(EINVAL, "conflicting options: --restart and --rm (drop one)");
	for (size_t i = 0; i < f->log_opts.n; i++)
		if (ctrlog_parse_opt(f->log_opts.v[i], &c->log_max_size, &c->log_max_file) < 0)
			return -err_errno();
	if (build_labels(f, c) < 0 || build_stop(f, c) < 0)
		return -err_errno();
	if (name && !ctr_name_ok(name))
		return err_setx(EINVAL, "invalid container name \"%s\" (use letters, digits, '_', "
				"'.' and '-', starting with a letter or digit)", f->name);
	c->name = name ? xstrdup(name) : NULL;
	c->autoremove = f->rm;
	return 0;
}

/* ---- identity and root ---- */

/* RFC 1123 host name characters, at most 63 bytes as sethostname allows. */
static bool build_hostname_ok(const char *h)
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

static int build_rootfs(const char *dir, struct ctr_config *c)
{
	char real[PATH_MAX];
	struct stat st;

	if (!realpath(dir, real) || stat(real, &st) < 0)
		return err_set(errno, "rootfs %s", dir);
	if (!S_ISDIR(st.st_mode))
		return err_setx(ENOTDIR, "rootfs %s: not a directory", dir);
	if (!strcmp(real, "/"))
		return err_setx(EINVAL, "rootfs %s: is the host's root (give a container's root "
				"directory)", dir);
	c->rootfs = xstrdup(real);
	return 0;
}

static int build_identity(const struct ctr_flags *f, struct ctr_config *c)
{
	if (rt_new_id(c->id) < 0)
		return -err_errno();
	c->hostname = f->hostname ? xstrdup(f->hostname) : xstrndup(c->id, 12);
	if (!build_hostname_ok(c->hostname))
		return err_setx(EINVAL, "invalid hostname '%s' (use letters, digits, '-' and '.')",
				c->hostname);
	if (f->workdir && f->workdir[0] != '/')
		return err_setx(EINVAL, "the working directory '%s' is invalid, it needs to be an "
				"absolute path", f->workdir);
	c->workdir = f->workdir ? xstrdup(f->workdir) : NULL;
	c->user = f->user ? xstrdup(f->user) : NULL;
	return f->rootfs ? build_rootfs(f->rootfs, c) : 0;
}

/* --dns, --dns-search, --dns-option, --add-host: checked here, kept as
 * given (Docker's HostConfig keeps them so), written into the container's
 * files at each start. */
static int build_netfiles(const struct ctr_flags *f, struct ctr_config *c)
{
	static const struct {
		int (*check)(const char *);
		size_t flag, conf;
	} lists[] = {
		{ netfiles_check_dns, offsetof(struct ctr_flags, dns), offsetof(struct ctr_config, dns) },
		{ netfiles_check_search, offsetof(struct ctr_flags, dns_search),
		  offsetof(struct ctr_config, dns_search) },
		{ netfiles_check_option, offsetof(struct ctr_flags, dns_opts),
		  offsetof(struct ctr_config, dns_opts) },
		{ netfiles_check_host, offsetof(struct ctr_flags, add_hosts),
		  offsetof(struct ctr_config, extra_hosts) },
	};

	for (size_t l = 0; l < ARRAY_SIZE(lists); l++) {
		const struct strv *in = (const void *)((const char *)f + lists[l].flag);
		struct strv *out = (void *)((char *)c + lists[l].conf);

		for (size_t i = 0; i < in->n; i++) {
			if (lists[l].check(in->v[i]) < 0)
				return -err_errno();
			strv_push(out, in->v[i]);
		}
	}
	return 0;
}

/* "userns-remap" in the config file: container root is an unprivileged
 * host id, unless --userns=host. */
static int build_userns(const struct ctr_flags *f, const struct dory_conf *conf,
			struct ctr_config *c)
{
	if (f->userns && strcmp(f->userns, "host") && *f->userns)
		return err_setx(EINVAL, "invalid --userns \"%s\" (use host, or leave it out)",
				f->userns);
	if (!conf->userns_remap || f->userns)
		return 0;
	if (userns_map_parse(conf->userns_remap, &c->userns) < 0)
		return -err_errno();
	if (f->privileged || f->devices.n)
		return err_setx(EINVAL, "--privileged and --device need the host's user namespace "
				"(add --userns=host)");
	if (f->rootfs)
		return err_setx(EINVAL, "--rootfs has no idmapped layers for \"userns-remap\" "
				"(add --userns=host, or run an image)");
	return 0;
}

/* ---- the environment ---- */

/* --env-file and -e, in order, as overrides of what the image sets. */
static int build_env_flags(const struct ctr_flags *f, struct strv *env)
{
	for (size_t i = 0; i < f->env_files.n; i++) {
		autofree char *text = NULL;
		char *save = NULL;

		if (fsutil_read_file(f->env_files.v[i], &text) < 0)
			return err_ctx("env file");
		for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			l += strspn(l, " \t");
			l[strcspn(l, "\r")] = '\0';
			if (*l && *l != '#' && strv_docker_env(env, l, f->env_files.v[i]) < 0)
				return -err_errno();
		}
	}
	for (size_t i = 0; i < f->env.n; i++)
		if (strv_docker_env(env, f->env.v[i], NULL) < 0)
			return -err_errno();
	return 0;
}

/* Docker's order: the image's, PATH, HOSTNAME, TERM, then the flags'. */
static void build_env(const struct ctr_flags *f, const struct json *image_env,
		      struct ctr_config *c)
{
	struct strv env = { 0 };

	for (int i = 0; i < json_arr_len(image_env); i++)
		if (json_str(json_arr_at(image_env, i)))
			strv_setenv(&env, json_str(json_arr_at(image_env, i)));
	if (!strv_getenv(&env, "PATH"))
		strv_setenv(&env, CTR_DEFAULT_PATH);
	strv_push_take(&env, xasprintf("HOSTNAME=%s", c->hostname));
	if (f->tty)
		strv_setenv(&env, "TERM=xterm");
	for (size_t i = 0; i < c->env.n; i++)
		strv_setenv(&env, c->env.v[i]);
	strv_free(&c->env);
	c->env = env;
}

/* ---- security ---- */

/* --cap-add, --cap-drop on Docker's default set; --privileged has all,
 * whatever they say (moby oci/caps TweakCapabilities). "All" means all
 * this process holds, as no container can have more. */
static int build_caps(const struct ctr_flags *f, struct ctr_config *c)
{
	bool all = f->privileged;
	uint64_t held;

	for (size_t i = 0; i < f->cap_add.n; i++)
		all |= !strcasecmp(f->cap_add.v[i], "ALL");
	if (caps_adjust(caps_docker_default(), &f->cap_add, &f->cap_drop, &c->caps) < 0)
		return -err_errno();
	if (f->privileged)
		c->caps = caps_all();
	if (all && caps_held(&held) == 0)
		c->caps &= held;
	err_clear();
	for (size_t i = 0; i < f->cap_add.n; i++)
		strv_push(&c->cap_add, f->cap_add.v[i]);
	for (size_t i = 0; i < f->cap_drop.n; i++)
		strv_push(&c->cap_drop, f->cap_drop.v[i]);
	return 0;
}

/* --security-opt no-new-privileges[=BOOL] (Docker: a bare name is true;
 * the config file's "no-new-privileges" is the default). 1 if v is one. */
static int build_nnp(const char *v, struct ctr_config *c)
{
	static const char *const yes[] = { "", "=true", ":true", "=1", ":1" };
	static const char *const no[] = { "=false", ":false", "=0", ":0" };

	if (strncmp(v, "no-new-privileges", 17))
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(yes) + ARRAY_SIZE(no); i++)
		if (!strcmp(v + 17, i < ARRAY_SIZE(yes) ? yes[i] : no[i - ARRAY_SIZE(yes)])) {
			c->no_new_privs = i < ARRAY_SIZE(yes);
			return 1;
		}
	return err_setx(EINVAL, "invalid --security-opt \"%s\" (use no-new-privileges, "
			"or no-new-privileges=true or =false)", v);
}

/* --security-opt: the seccomp mode (Docker's default unless told) and
 * no_new_privs; a profile is read and built now, once, and kept by ctr_make. */
static int build_security(const struct ctr_flags *f, const struct dory_conf *conf,
			  struct ctr_config *c)
{
	const char *profile = NULL;
	int r;

	c->no_new_privs = conf->no_new_privs;
	for (size_t i = 0; i < f->secopts.n; i++) {
		const char *v = f->secopts.v[i];

		if (!strncmp(v, "seccomp=", 8) || !strncmp(v, "seccomp:", 8))
			profile = v + 8;
		else if ((r = build_nnp(v, c)) < 0)
			return r;
		else if (!r)
			return err_setx(EINVAL, "unsupported --security-opt \"%s\" (use "
					"seccomp=FILE, seccomp=unconfined or no-new-privileges)",
					v);
	}
	c->seccomp = !profile ? SECPOL_SECCOMP_DEFAULT : !strcmp(profile, "unconfined") ?
		     SECPOL_SECCOMP_UNCONFINED : SECPOL_SECCOMP_FILE;
	if (c->seccomp != SECPOL_SECCOMP_FILE)
		return 0;
	if (fsutil_read_file(profile, &c->seccomp_text) < 0)
		return err_ctx("seccomp profile");
	return seccomp_policy_parse(profile, c->seccomp_text, c->caps, &c->seccomp_prog);
}

/* --device: parsed once; the host's node is looked at now too, so that a
 * missing one fails before anything is made (and again at each start). */
static int build_devices(const struct ctr_flags *f, struct ctr_config *c)
{
	c->devices = xzalloc((f->devices.n + 1) * sizeof(*c->devices));
	for (size_t i = 0; i < f->devices.n; i++) {
		struct secpol_device *d = &c->devices[i];
		struct rootfs_device node;

		if (secpol_device_parse(f->devices.v[i], d) < 0)
			return -err_errno();
		c->ndevices++;
		if (rootfs_device_from_host(d->host, d->path, &node) < 0)
			return err_ctx("invalid --device %s", f->devices.v[i]);
	}
	return 0;
}

/* --cgroup-parent, else the config's, kept with the container as Docker
 * keeps the flag; checked now rather than at each start. */
static int build_cgroup_parent(const struct ctr_flags *f, const struct dory_conf *conf,
			       struct ctr_config *c)
{
	const char *p = f->cgroup_parent ? f->cgroup_parent : conf->cgroup_parent;

	if (!p || !*p)
		return 0;
	if (cg_parent_check(p) < 0)
		return err_ctx("%s", f->cgroup_parent ? "--cgroup-parent" : "cgroup-parent");
	c->cgroup_parent = xstrdup(p);
	return 0;
}

/* --network container:REF: Docker's conflicts, and REF to its full id. */
static int build_net_container(const struct ctr_flags *f, struct ctr_config *c)
{
	char id[CTR_ID_LEN + 1];

	if (f->hostname)
		return err_setx(EINVAL, "conflicting options: hostname and the network mode");
	if (f->mac)
		return err_setx(EINVAL, "conflicting options: mac-address and the network mode");
	if (f->publish.n || f->publish_all)
		return err_setx(EINVAL, "conflicting options: port publishing and the container "
				"type network mode");
	if (f->links.n)
		return err_setx(EINVAL, "conflicting options: container type network can't be "
				"used with links. This would result in undefined behavior");
	/* its /etc files are the other container's */
	if (f->dns.n || f->dns_search.n || f->dns_opts.n)
		return err_setx(EINVAL, "conflicting options: dns and the network mode");
	if (f->add_hosts.n)
		return err_setx(EINVAL, "conflicting options: custom host-to-IP mapping and the "
				"network mode");
	if (!f->network[10])
		return err_setx(EINVAL, "--network container: needs a container's name or id");
	if (ctr_find(f->network + 10, id) < 0)
		return -err_errno();
	c->network_mode = xasprintf("container:%s", id);
	return 0;
}

/* --ip, --ip6 and --mac-address: well-formed (the addresses are checked
 * against their network's subnets at each start). */
static int build_net_addrs(const struct ctr_flags *f)
{
	struct in_addr a;
	struct in6_addr a6;
	uint8_t mac[6];

	if (f->ip && inet_pton(AF_INET, f->ip, &a) != 1)
		return err_setx(EINVAL, strchr(f->ip, ':') ? "%s is an IPv6 address: give it with "
				"--ip6" : "invalid IPv4 address: %s", f->ip);
	if (f->ip6 && (!strchr(f->ip6, ':') || inet_pton(AF_INET6, f->ip6, &a6) != 1))
		return err_setx(EINVAL, "invalid IPv6 address: %s", f->ip6);
	if (f->mac && link_mac_parse(f->mac, mac) < 0)
		return err_setx(EINVAL, "%s is not a valid mac address", f->mac);
	return 0;
}

/* A network of the user's, by name or id: it must exist now (Docker
 * checks at create too); it is looked up again at each start. */
static int build_net_exists(const char *m)
{
	struct net_cfg n = { 0 };
	int r = net_name_ok(m) || strspn(m, "0123456789abcdef") == strlen(m) ? net_lookup(m, &n)
									   : -ENOENT;

	net_cfg_clear(&n);
	if (r == -ENOENT)
		return err_setx(ENOENT, "network %s not found (see 'dory network ls')", m);
	return r;
}

/* --link NAME[:ALIAS]: NAME must be a container (it need not run yet). */
static int build_links(const struct ctr_flags *f)
{
	for (size_t i = 0; i < f->links.n; i++) {
		autofree char *name = xstrdup(f->links.v[i]);
		char *colon = strchr(name, ':'), id[CTR_ID_LEN + 1];

		if (colon)
			*colon = '\0';
		if (!*name || (colon && !colon[1]))
			return err_setx(EINVAL, "invalid --link %s: give NAME or NAME:ALIAS",
					f->links.v[i]);
		if (ctr_find(name, id) < 0)
			return err_setx(ENOENT, "could not get container for %s", name);
	}
	return 0;
}

/* --network and what goes with it, Docker's rules: the mode (the
 * config's "default-network", else bridge), --ip and aliases only on a
 * network of the user's, links not with host. */
static int build_network(const struct ctr_flags *f, const struct dory_conf *conf,
			 struct ctr_config *c)
{
	const char *m = f->network ? f->network : conf->default_network ? conf->default_network
					       : "bridge";
	bool user;

	if (!*m)
		return err_setx(EINVAL, "--network needs a value: bridge, host, none, "
				"container:NAME or a network's name");
	if (f->network && !strncmp(m, "container:", 10))
		return build_net_container(f, c);
	if (build_net_addrs(f) < 0)
		return -err_errno();
	user = strcmp(m, "bridge") && strcmp(m, "host") && strcmp(m, "none") &&
	       strcmp(m, "default");
	if ((f->ip || f->ip6) && !user)
		return err_setx(EINVAL, "user specified IP address is supported on user defined "
				"networks only");
	if (f->aliases.n && !user)
		return err_setx(EINVAL, "network-scoped alias is supported only for containers in "
				"user defined networks");
	if (f->links.n && !strcmp(m, "host"))
		return err_setx(EINVAL, "conflicting options: host type networking can't be used "
				"with links. This would result in undefined behavior");
	if (user && build_net_exists(m) < 0)
		return -err_errno();
	c->network_mode = xstrdup(strcmp(m, "default") ? m : "bridge");
	if (!strcmp(m, "host") && !f->hostname) {
		char h[HOST_NAME_MAX + 1] = "";

		gethostname(h, sizeof(h) - 1);
		free(c->hostname);
		c->hostname = xstrdup(h);
	}
	if (ctr_net_joins(c)) {
		c->eps = xzalloc(sizeof(*c->eps));
		c->neps = 1;
		c->eps->network = xstrdup(c->network_mode);
		c->eps->ip = f->ip ? xstrdup(f->ip) : NULL;
		c->eps->ip6 = f->ip6 ? xstrdup(f->ip6) : NULL;
		for (size_t i = 0; i < f->aliases.n; i++)
			strv_push(&c->eps->aliases, f->aliases.v[i]);
		c->mac = f->mac ? xstrdup(f->mac) : NULL;
	}
	if (build_links(f) < 0)
		return -err_errno();
	for (size_t i = 0; i < f->links.n; i++)
		strv_push(&c->links, f->links.v[i]);
	for (size_t i = 0; i < f->publish.n; i++) {
		struct port_map *v = NULL;
		size_t n = 0;

		if (port_parse(f->publish.v[i], &v, &n) < 0)
			return -err_errno();
		free(v);
		strv_push(&c->publish, f->publish.v[i]);
	}
	c->publish_all = f->publish_all;
	return 0;
}

/* --oom-score-adj N: -1000..1000, and what the kernel will take. */
static int build_oom(const char *v, struct rt_tune *t)
{
	unsigned long long n;
	bool neg = v[0] == '-';

	if (str_to_u64(v + neg, 1ULL << 31, &n) < 0)
		return err_setx(EINVAL, "invalid --oom-score-adj \"%s\" (use a number from -1000 "
				"to 1000)", v);
	if (rt_oom_check(neg ? -(long long)n : (long long)n) < 0)
		return -err_errno();
	t->oom_score_adj = neg ? -(int)n : (int)n;
	t->oom_set = true;
	return 0;
}

/* --pid host (no pid namespace of its own) or container:REF (that one's,
 * REF to its full id, joined at each start as Docker does). */
static int build_pid(const struct ctr_flags *f, struct ctr_config *c)
{
	char id[CTR_ID_LEN + 1];
	bool other = f->pid && !strncmp(f->pid, "container:", 10);

	if (f->pid && *f->pid && strcmp(f->pid, "host") && !other)
		return err_setx(EINVAL, "invalid --pid \"%s\" (use host or container:NAME, or "
				"leave it out)", f->pid);
	c->tune.hostpid = f->pid && !strcmp(f->pid, "host");
	/* the proc file system of a pid namespace mounts only from its own
	 * user namespace's side */
	if ((c->tune.hostpid || other) && c->userns.count)
		return err_setx(EINVAL, "--pid %s needs the host's user namespace (add "
				"--userns=host)", other ? "container:" : "host");
	if (!other)
		return 0;
	if (!f->pid[10])
		return err_setx(EINVAL, "--pid container: needs a container's name or id");
	if (ctr_find(f->pid + 10, id) < 0)
		return -err_errno();
	c->pid_ctr = xstrdup(id);
	return 0;
}

/* --pid, --shm-size, --group-add. */
static int build_pid_shm(const struct ctr_flags *f, struct ctr_config *c)
{
	struct rt_tune *t = &c->tune;

	if (build_pid(f, c) < 0)
		return -err_errno();
	if (f->shm_size && build_bytes("--shm-size", f->shm_size, false, &t->shm_size) < 0)
		return -err_errno();
	if (!t->shm_size)
		t->shm_size = RT_SHM_DEFAULT;
	for (size_t i = 0; i < f->group_add.n; i++) {
		const char *g = f->group_add.v[i];

		if (!*g || strchr(g, ':') || strchr(g, '\n'))
			return err_setx(EINVAL, "invalid --group-add \"%s\" (use a group id, or a "
					"group name of the image's /etc/group)", g);
		strv_push(&t->groups, g);
	}
	return 0;
}

/* --ulimit, --sysctl, --oom-score-adj, --pid, --shm-size, --group-add:
 * Docker's rules, and nothing the kernel would refuse at start. */
static int build_tune(const struct ctr_flags *f, struct ctr_config *c)
{
	struct rt_tune *t = &c->tune;
	bool ownnet = !c->network_mode || strcmp(c->network_mode, "host");

	t->ulimits = xzalloc((f->ulimits.n + 1) * sizeof(*t->ulimits));
	for (size_t i = 0; i < f->ulimits.n; i++) {
		struct rt_ulimit *u = &t->ulimits[t->nulimits];
		size_t k;

		if (rt_ulimit_parse(f->ulimits.v[i], u) < 0)
			return -err_errno();
		for (k = 0; k < t->nulimits && t->ulimits[k].resource != u->resource; k++)
			;
		t->ulimits[k] = *u;	/* a later one of a name wins, as Docker's map */
		t->nulimits += k == t->nulimits;
	}
	for (size_t i = 0; i < f->sysctls.n; i++) {
		if (rt_sysctl_check(f->sysctls.v[i], ownnet) < 0)
			return -err_errno();
		strv_push(&t->sysctls, f->sysctls.v[i]);
	}
	if (f->oom_score_adj && build_oom(f->oom_score_adj, t) < 0)
		return -err_errno();
	return build_pid_shm(f, c);
}

/* -v, --mount, --tmpfs, --volumes-from: core/ctr/ctr_vol.c. */
static int build_volumes(const struct ctr_flags *f, struct ctr_config *c)
{
	const struct ctr_vol_flags v = { &f->volumes, &f->mounts, &f->tmpfs, &f->volumes_from };

	return ctr_vol_build(&v, c);
}

int ctr_build_check(const struct ctr_flags *f, const struct dory_conf *conf,
		    struct ctr_config *c)
{
	if (build_cgroup_parent(f, conf, c) < 0 ||
	    build_identity(f, c) < 0 || build_network(f, conf, c) < 0 ||
	    build_limits(f, conf, &c->limits) < 0 ||
	    build_policy(f, c) < 0 || build_userns(f, conf, c) < 0 ||
	    build_env_flags(f, &c->env) < 0 || build_caps(f, c) < 0 ||
	    build_security(f, conf, c) < 0 || build_devices(f, c) < 0 || build_netfiles(f, c) < 0 ||
	    build_volumes(f, c) < 0 || build_tune(f, c) < 0)
		return -err_errno();
	if (health_config_from_flags(&f->health, &c->health) < 0)
		return -err_errno();
	c->init = f->init ? f->init > 0 : conf->init;
	c->privileged = f->privileged;
	c->readonly = f->readonly;
	c->tty = f->tty;
	c->interactive = f->interactive;
	return 0;
}

/* ---- the image's part ---- */

static void build_json_strv(const struct json *arr, struct strv *out)
{
	for (int i = 0; i < json_arr_len(arr); i++) {
		const char *v = json_str(json_arr_at(arr, i));

		if (v)
			strv_push(out, v);
	}
}

/* The image's VOLUMEs ({"/path": {}}): anonymous volumes. */
static int build_image_volumes(const struct json *vols, struct ctr_config *c)
{
	struct strv paths = { 0 };
	int r;

	for (const struct json *m = json_first(vols); m; m = json_next(m))
		strv_push(&paths, json_key(m));
	r = ctr_vol_image(&paths, c);
	strv_free(&paths);
	return r;
}

/* Docker's override rules: a given command replaces Cmd; --entrypoint
 * replaces Entrypoint and drops Cmd. */
static int build_command(const struct ctr_flags *f, const struct image *im,
			 const struct json *j, struct ctr_config *c)
{
	char *const *cmd = f->args + !f->rootfs;

	if (f->entrypoint && *f->entrypoint)
		strv_push(&c->entrypoint, f->entrypoint);
	else if (!f->entrypoint)
		build_json_strv(json_get(j, "Entrypoint"), &c->entrypoint);
	for (; *cmd; cmd++)
		strv_push(&c->cmd, *cmd);
	if (!c->cmd.n && !f->entrypoint)
		build_json_strv(json_get(j, "Cmd"), &c->cmd);
	if (!c->entrypoint.n && !c->cmd.n)
		return err_setx(EINVAL, "no command specified (the image %s has none: give one)",
				im ? im->id : "");
	for (size_t i = 0; i < c->entrypoint.n; i++)
		strv_push(&c->argv, c->entrypoint.v[i]);
	for (size_t i = 0; i < c->cmd.n; i++)
		strv_push(&c->argv, c->cmd.v[i]);
	return 0;
}

/* The image's HEALTHCHECK under the flags (Docker's merge). */
static void build_health(const struct json *j, struct ctr_config *c)
{
	struct health_config image;

	health_config_get(j, "Healthcheck", &image);
	health_config_merge(&c->health, &image);
	health_config_clear(&image);
}

/* Idmapped layers where the kernel and the store's filesystem take them
 * (or unless "userns-idmap": false); else the fallback, a private copy of
 * the image with its owners shifted into the range (bind-copy). */
static void build_userns_mode(const struct dory_conf *conf, struct ctr_config *c, char note[256])
{
	char why[180] = "\"userns-idmap\": false";
	bool idmap = !conf->userns_no_idmap;

	if (idmap && (fsutil_mkdir_p(dory.root, 0700) < 0 ||
		      userns_idmap_usable(dory.root, &c->userns, why, sizeof(why))))
		return;
	err_clear();
	snprintf(note, 256, "no idmapped layers (%s): this container gets a shifted copy of its "
		 "image", why);
	c->userns_shifted = true;
	c->driver = CTRFS_BINDCOPY;
}

int ctr_build_finish(const struct ctr_flags *f, const struct dory_conf *conf,
		     const struct image *im, struct ctr_config *c, char note[256])
{
	const struct json *j = im ? json_get(im->config, "config") : NULL;
	const char *wd = json_get_str(j, "WorkingDir"), *user = json_get_str(j, "User");
	const char *stop = json_get_str(j, "StopSignal");

	*note = '\0';
	if (build_command(f, im, j, c) < 0)
		return -err_errno();
	build_env(f, json_get(j, "Env"), c);
	if (!im)
		return 0;
	c->image = xstrdup(f->args[0]);
	c->image_id = xstrdup(im->id);
	for (const struct json *m = json_first(json_get(j, "ExposedPorts")); m; m = json_next(m))
		strv_push(&c->expose, json_key(m));
	if (!c->workdir && wd && *wd)
		c->workdir = xstrdup(wd);
	if (!c->user && user && *user)
		c->user = xstrdup(user);
	if (!c->stop_signal && stop && *stop)
		c->stop_signal = xstrdup(stop);
	build_health(j, c);
	if (ctrfs_pick(dory.root, f->driver, conf, &c->driver) < 0)
		return -err_errno();
	if (c->userns.count)
		build_userns_mode(conf, c, note);
	return build_image_volumes(json_get(j, "Volumes"), c);
}
