// SPDX-License-Identifier: Apache-2.0
/* ctr_net.c - a container's network for one run, from its config: the
 * namespace it joins, or in a new one a veth on each network's bridge
 * with a leased address, its published ports (nf_tables rules, or the
 * userland proxy where the kernel has none or the config asks for it),
 * and the record of what it got. */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "core/ctr/ctr_net.h"
#include "core/fs/userns.h"
#include "core/kernel/proc.h"
#include "core/net/ipam.h"
#include "core/net/link.h"
#include "core/net/netfiles.h"
#include "core/net/nft.h"
#include "core/net/proxy.h"
#include "core/util/conf.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/json.h"
#include "core/util/lock.h"
#include "core/util/log.h"
#include "core/util/xalloc.h"

enum { CTR_NET_MAX = 16 };

static char *ctr_net_path(const char *id)
{
	return xasprintf("%s/containers/%s/net.json", dory.state, id);
}

/* --network container:ID: that container's namespace, while it runs. */
static int ctr_net_join(const char *id, struct ctr_net_run *r, struct rt_spec *s)
{
	int rc = ctr_ns_path(id, "net", r->netns, sizeof(r->netns));

	if (rc == -ENOENT)
		return err_setx(ENOENT, "the container %.12s whose network this one joins is gone",
				id);
	if (rc == 0)
		s->netns = r->netns;
	return rc;
}

/* Network n's bridge up with its gateway, forwarding on (unless internal)
 * and, where the kernel has nf_tables (nft), its rules; without: no NAT
 * nor isolation, and published ports go through the proxy (ctr_net_ports). */
static int ctr_net_bridge(const struct net_cfg *n, bool nft)
{
	int r = link_bridge(n->bridge, n->gateway, n->prefix, n->prefix6 ? n->gateway6 : NULL,
			    n->prefix6);

	if (r == 0 && !n->internal)
		r = link_forwarding();
	if (r == 0 && !n->internal && n->prefix6)
		r = link_forwarding6();
	if (r < 0 || !nft)
		return r;
	if (n->prefix6 && nft_available6() < 0)
		return -err_errno();
	return nft_net_add(&(struct nft_net){ .name = n->name, .bridge = n->bridge,
					      .subnet = n->subnet, .prefix = n->prefix,
					      .internal = n->internal,
					      .subnet6 = n->prefix6 ? n->subnet6 : NULL,
					      .prefix6 = n->prefix6 });
}

/* The IPv6 address of a container on n (n has IPv6): want (--ip6), or
 * the lowest free one; leased for h. */
static int ctr_net_lease6(const struct net_cfg *n, const struct ipam_holder *h,
			  const char *want, uint8_t ip[16])
{
	uint8_t w[16];
	int r;

	if (want && ipam_ip6_parse(want, w) < 0)
		return -err_errno();
	r = ipam_lease6(n, h, want ? w : NULL, ip);
	if (r == -EADDRINUSE)
		return err_setx(EADDRINUSE, "address %s is already in use on network %s: choose "
				"another --ip6", want, n->name);
	return r < 0 ? err_ctx("network %s", n->name) : 0;
}

/* The network of endpoint i: its address leased (by this process, the
 * supervisor, for as long as it lives), its bridge and rules in place. */
static int ctr_net_lease(const struct ctr_config *c, size_t i, bool nft, struct ctr_net_ep *e)
{
	const struct ctr_endpoint *ce = &c->eps[i];
	struct ipam_holder h = { .ctr_id = c->id, .name = c->name,
				 .aliases = (const char *const *)ce->aliases.v,
				 .pid = getpid(), .start = proc_self_start() };
	uint32_t want = 0;
	int r;

	if (net_lookup(ce->network, &e->net) < 0)
		return err_ctx("network %s", ce->network);
	if (!e->net.bridge || !e->net.prefix)
		return err_setx(EINVAL, "network %s: a container joins it with --network %s, "
				"not as one of several", ce->network, e->net.name);
	if (ce->ip && ipam_ip_parse(ce->ip, &want) < 0)
		return -err_errno();
	r = ipam_lease(&e->net, &h, want, &e->ip);
	if (r == -EADDRINUSE)
		return err_setx(EADDRINUSE, "address %s is already in use on network %s: choose "
				"another --ip", ce->ip, e->net.name);
	if (r < 0)
		return err_ctx("network %s", e->net.name);
	if (ce->ip6 && !e->net.prefix6)
		return err_setx(EINVAL, "network %s has no IPv6: leave --ip6 out, or use a network "
				"made with --ipv6", e->net.name);
	e->has6 = e->net.prefix6 != 0;
	if (e->has6 && ctr_net_lease6(&e->net, &h, ce->ip6, e->ip6) < 0)
		return -err_errno();
	snprintf(e->host, sizeof(e->host), "dv%.11s%x", c->id, (unsigned)i & 0xf);
	snprintf(e->ifname, sizeof(e->ifname), "eth%u", (unsigned)i & 0xf);
	if (i == 0 && c->mac)
		link_mac_parse(c->mac, e->mac);
	else
		link_mac(e->ip, e->mac);
	return ctr_net_bridge(&e->net, nft) < 0 ? err_ctx("network %s", e->net.name) : 0;
}

/* -p, and with -P every EXPOSE not published already, on a free port. */
static int ctr_net_port_maps(const struct ctr_config *c, struct ctr_net_run *r)
{
	for (size_t i = 0; i < c->publish.n; i++)
		if (port_parse(c->publish.v[i], &r->ports, &r->nports) < 0)
			return -err_errno();
	for (size_t i = 0; c->publish_all && i < c->expose.n; i++) {
		struct port_map m = { 0 };
		bool done = false;

		if (port_parse_exposed(c->expose.v[i], &m.proto, &m.ctr_port) < 0) {
			err_clear();	/* sctp and the like: not published, as Docker's CLI */
			continue;
		}
		for (size_t j = 0; j < r->nports; j++)
			done |= r->ports[j].proto == m.proto && r->ports[j].ctr_port == m.ctr_port;
		if (done)
			continue;
		r->ports = xrealloc(r->ports, (r->nports + 1) * sizeof(*r->ports));
		r->ports[r->nports++] = m;
	}
	return 0;
}

/* On an IPv6 network, the ports published on every address get the
 * device's IPv6 ones too (by nf_tables only; no socket holds them). */
static void ctr_net_ports6(struct ctr_net_run *r)
{
	size_t n = r->nports;

	r->ports = xrealloc(r->ports, 2 * n * sizeof(*r->ports));
	r->fds = xrealloc(r->fds, 2 * n * sizeof(*r->fds));
	for (size_t i = 0; i < n; i++) {
		if (r->ports[i].host_ip)
			continue;
		r->ports[r->nports] = r->ports[i];
		r->ports[r->nports].v6 = true;
		r->fds[r->nports++] = -1;
	}
}

/* Hold the host ports, and decide how they reach the container. */
static int ctr_net_ports(const struct ctr_config *c, struct ctr_net_run *r)
{
	struct dory_conf conf;

	if (ctr_net_port_maps(c, r) < 0)
		return -err_errno();
	if (!r->nports || !r->neps)
		return 0;	/* on no network (all disconnected): nowhere to go */
	r->fds = xmalloc(r->nports * sizeof(*r->fds));
	for (size_t i = 0; i < r->nports; i++)
		r->fds[i] = -1;
	if (port_reserve(r->ports, r->nports, r->fds) < 0)
		return -err_errno();
	if (conf_load(&conf) < 0)
		return -err_errno();
	r->nat = r->nft && !conf.userland_proxy;
	conf_clear(&conf);
	if (r->nat && r->eps[0].has6)
		ctr_net_ports6(r);
	return 0;
}

/* The ports' forwarding to the first network's addresses. */
static int ctr_net_forward(struct ctr_net_run *r)
{
	const struct ctr_net_ep *e = &r->eps[0];
	struct nft_port *np;
	int rc;

	if (!r->nports)
		return 0;
	if (!r->nat)
		return proxy_spawn(r->ports, r->nports, r->fds, e->ip, NULL, &r->proxy);
	np = xzalloc(r->nports * sizeof(*np));
	for (size_t i = 0; i < r->nports; i++) {
		const struct port_map *p = &r->ports[i];

		np[i] = (struct nft_port){ .proto = p->proto, .host_ip = p->host_ip,
					   .host_port = p->host_port, .ctr_ip = e->ip,
					   .ctr_port = p->ctr_port, .v6 = p->v6 };
		if (p->v6)
			memcpy(np[i].ctr_ip6, e->ip6, 16);
	}
	rc = nft_ports_add(r->c->id, np, r->nports);
	free(np);
	return rc;
}

/* After the clone, before the container runs on: its links, then ports. */
static int ctr_net_setup(void *arg, pid_t pid)
{
	struct ctr_net_run *r = arg;
	unsigned mtu = link_default_mtu();

	for (size_t i = 0; i < r->neps; i++) {
		struct ctr_net_ep *e = &r->eps[i];
		struct link_ep le = { .host = e->host, .bridge = e->net.bridge, .ifname = e->ifname,
				      .addr = e->ip, .gw = i == 0 && !e->net.internal ? e->net.gateway : 0,
				      .prefix = e->net.prefix, .mtu = mtu,
				      .addr6 = e->has6 ? e->ip6 : NULL, .prefix6 = e->net.prefix6,
				      .gw6 = i == 0 && !e->net.internal ? e->net.gateway6 : NULL };

		memcpy(le.mac, e->mac, 6);
		if (link_veth(pid, &le) < 0)
			return err_ctx("network %s", e->net.name);
	}
	return ctr_net_forward(r);
}

/* What this run got, as net.json holds it. */
static int ctr_net_record(const struct ctr_net_run *r)
{
	struct ctr_net_info ni = { .neps = r->neps, .ports = r->ports, .nports = r->nports };
	int rc;

	ni.eps = xzalloc((r->neps + 1) * sizeof(*ni.eps));
	for (size_t i = 0; i < r->neps; i++) {
		const struct ctr_net_ep *e = &r->eps[i];
		struct ctr_net_info_ep *o = &ni.eps[i];

		o->network = e->net.name;
		o->net_id = (char *)e->net.id;	/* borrowed: only read */
		o->ip = e->ip;
		o->prefix = e->net.prefix;
		o->gateway = e->net.gateway;
		o->has6 = e->has6;
		memcpy(o->ip6, e->ip6, 16);
		memcpy(o->gateway6, e->net.gateway6, 16);
		o->prefix6 = e->net.prefix6;
		memcpy(o->mac, e->mac, 6);
		o->aliases = r->c->eps[i].aliases;
		snprintf(o->host, sizeof(o->host), "%s", e->host);
		snprintf(o->ifname, sizeof(o->ifname), "%s", e->ifname);
	}
	rc = ctr_net_info_save(r->c->id, &ni);
	free(ni.eps);
	return rc;
}

int ctr_net_info_save(const char *id, const struct ctr_net_info *ni)
{
	struct json *o = json_new_obj(), *a = json_add_arr(o, "Networks"), *p;
	autofree char *path = ctr_net_path(id), *text = NULL;
	char buf[24];

	for (size_t i = 0; i < ni->neps; i++) {
		const struct ctr_net_info_ep *e = &ni->eps[i];
		struct json *n = json_add_obj(a, NULL), *al;

		json_add_str(n, "Name", e->network);
		json_add_str(n, "NetworkID", e->net_id);
		ipam_ip_format(e->ip, buf);
		json_add_str(n, "IPAddress", buf);
		json_add_i64(n, "IPPrefixLen", e->prefix);
		ipam_ip_format(e->gateway, buf);
		json_add_str(n, "Gateway", buf);
		if (e->has6) {
			char v6[IPAM_IP6_LEN];

			ipam_ip6_format(e->ip6, v6);
			json_add_str(n, "GlobalIPv6Address", v6);
			json_add_i64(n, "GlobalIPv6PrefixLen", e->prefix6);
			ipam_ip6_format(e->gateway6, v6);
			json_add_str(n, "IPv6Gateway", v6);
		}
		link_mac_format(e->mac, buf);
		json_add_str(n, "MacAddress", buf);
		json_add_str(n, "HostLink", e->host);
		json_add_str(n, "IfName", e->ifname);
		al = json_add_arr(n, "Aliases");
		for (size_t j = 0; j < e->aliases.n; j++)
			json_add_str(al, NULL, e->aliases.v[j]);
	}
	p = json_add_arr(o, "Ports");
	for (size_t i = 0; i < ni->nports; i++) {
		struct json *m = json_add_obj(p, NULL);

		json_add_i64(m, "Proto", ni->ports[i].proto);
		json_add_i64(m, "HostIp", ni->ports[i].host_ip);
		if (ni->ports[i].v6)
			json_add_bool(m, "IPv6", true);
		json_add_i64(m, "HostPort", ni->ports[i].host_port);
		json_add_i64(m, "ContainerPort", ni->ports[i].ctr_port);
	}
	text = json_print(o, false);
	json_free(o);
	return fsutil_write_atomic(path, text, false) < 0 ? err_ctx("record its network") : 0;
}

/* ---- its network files, and the names others know it by ---- */

/* The live leases of the user network called name: the containers that
 * know each other by name there (none on the default bridge, as Docker's). */
static bool ctr_net_named(const char *name, struct ipam_lease **v, size_t *nv)
{
	struct net_cfg n = { 0 };
	bool ok = strcmp(name, "bridge") && net_lookup(name, &n) == 0 && ipam_list(&n, v, nv) == 0;

	if (!ok)
		err_clear();
	net_cfg_clear(&n);
	return ok;
}

/* "IP NAME ALIAS..." for each other container holding a lease on the
 * user network called name (the default bridge names nobody, as Docker's). */
static void ctr_net_peers(const char *id, const char *name, struct strv *peers)
{
	struct ipam_lease *v = NULL;
	size_t nv = 0;

	if (!ctr_net_named(name, &v, &nv))
		return;
	for (size_t i = 0; i < nv; i++) {
		struct sbuf line = { 0 };
		char ip[IPAM_IP6_LEN];

		if (!strcmp(v[i].ctr_id, id) || !v[i].name)
			continue;
		if (v[i].v6)
			ipam_ip6_format(v[i].ip6, ip);
		else
			ipam_ip_format(v[i].ip, ip);
		sbuf_addf(&line, "%s\t%s", ip, v[i].name);
		for (size_t k = 0; k < v[i].aliases.n; k++)
			sbuf_addf(&line, " %s", v[i].aliases.v[k]);
		strv_push_take(peers, line.s);
	}
	ipam_leases_free(v, nv);
}

/* --link NAME[:ALIAS]: "IP ALIAS NAME" while NAME runs on the default
 * bridge; one that does not is left out, as it may come later. */
static void ctr_net_links(const struct ctr_config *c, struct strv *peers)
{
	for (size_t i = 0; i < c->links.n; i++) {
		autofree char *name = xstrdup(c->links.v[i]);
		char *alias = strchr(name, ':'), id[CTR_ID_LEN + 1], ip[16];
		struct ctr_net_info ni;

		if (alias)
			*alias++ = '\0';
		if (ctr_find(name, id) < 0 || ctr_net_info_load(id, &ni) < 0) {
			err_clear();
			continue;
		}
		for (size_t k = 0; k < ni.neps; k++)
			if (!strcmp(ni.eps[k].network, "bridge")) {
				ipam_ip_format(ni.eps[k].ip, ip);
				strv_push_take(peers, alias && strcmp(alias, name) ?
					       xasprintf("%s\t%s %s", ip, alias, name) :
					       xasprintf("%s\t%s", ip, name));
			}
		ctr_net_info_clear(&ni);
	}
}

/* c's files from what it got (ni); hosts only when refreshing a peer. */
static int ctr_net_write(const struct ctr_config *c, const struct ctr_net_info *ni, bool hosts)
{
	struct strv addrs = { 0 }, aliases = { 0 }, peers = { 0 };
	autofree char *dir = ctr_dir(c->id);
	const char *m = c->network_mode ? c->network_mode : "none";
	char gw[16] = "";
	struct netfiles f = {
		.mode = !strcmp(m, "host") ? NETFILES_HOST : ctr_net_joins(c) ? NETFILES_BRIDGE
									 : NETFILES_NONE,
		.hostname = c->hostname,
		.extra = (const char *const *)c->extra_hosts.v,
		.dns = (const char *const *)c->dns.v,
		.search = (const char *const *)c->dns_search.v,
		.opts = (const char *const *)c->dns_opts.v,
	};
	int r;

	for (size_t i = 0; i < ni->neps; i++) {
		char ip[IPAM_IP6_LEN];

		ipam_ip_format(ni->eps[i].ip, ip);
		strv_push(&addrs, ip);
		if (ni->eps[i].has6) {
			ipam_ip6_format(ni->eps[i].ip6, ip);
			strv_push(&addrs, ip);
		}
		for (size_t k = 0; k < ni->eps[i].aliases.n; k++)
			strv_push(&aliases, ni->eps[i].aliases.v[k]);
		ctr_net_peers(c->id, ni->eps[i].network, &peers);
	}
	ctr_net_links(c, &peers);
	f.ipv6 = ni->neps && ni->eps[0].has6;
	if (ni->neps && ni->eps[0].gateway) {
		ipam_ip_format(ni->eps[0].gateway, gw);
		f.gateway = gw;
	}
	f.addrs = (const char *const *)addrs.v;
	f.aliases = (const char *const *)aliases.v;
	f.peers = (const char *const *)peers.v;
	if (c->userns.count) {
		f.uid = userns_host_id(&c->userns, 0);
		f.gid = userns_host_id(&c->userns, 0);
	}
	r = hosts ? netfiles_hosts_update(dir, &f) : netfiles_write(dir, &f);
	strv_free(&addrs);
	strv_free(&aliases);
	strv_free(&peers);
	return r;
}

/* Every other running container of the user network name: its hosts
 * file rewritten (from its own records) to name who is there now. */
static void ctr_net_refresh(const char *id, const char *name)
{
	struct ipam_lease *v = NULL;
	size_t nv = 0;

	if (!ctr_net_named(name, &v, &nv))
		return;
	for (size_t i = 0; i < nv; i++) {
		struct ctr_config pc;
		struct ctr_net_info pi;

		if (!strcmp(v[i].ctr_id, id) || ctr_config_load(v[i].ctr_id, &pc) < 0) {
			err_clear();
			continue;
		}
		if (ctr_net_info_load(pc.id, &pi) == 0) {
			if (ctr_net_write(&pc, &pi, true) < 0)
				err_clear();	/* that one is on its way out */
			ctr_net_info_clear(&pi);
		}
		err_clear();
		ctr_config_clear(&pc);
	}
	ipam_leases_free(v, nv);
}

/* The lock that orders the writers of hosts files: whoever writes last
 * has seen every lease made before it took the lock. */
static int ctr_net_names_lock(void)
{
	autofree char *dir = xasprintf("%s/networks", dory.root);
	autofree char *p = xasprintf("%s/hosts.lock", dir);

	if (fsutil_mkdir_p(dir, 0700) < 0)
		return -err_errno();
	return lock_open(p, LOCK_EXCL);
}

int ctr_net_files(const struct ctr_config *c, const struct ctr_net_run *r)
{
	struct ctr_net_info ni = { 0 };
	int lk = -1, rc;

	if (r->neps) {
		if (ctr_net_info_load(c->id, &ni) < 0)
			return err_ctx("the container's network record");
		lk = ctr_net_names_lock();
		if (lk < 0)
			return err_ctx("lock the containers' names");
	}
	rc = ctr_net_write(c, &ni, false);
	for (size_t i = 0; rc == 0 && i < ni.neps; i++)
		ctr_net_refresh(c->id, ni.eps[i].network);
	if (lk >= 0)
		lock_close(lk);
	ctr_net_info_clear(&ni);
	return rc;
}

/* ---- one run ---- */

/* Its networks as its config has them now (connect and disconnect
 * change them while a supervisor holds an older copy). */
static void ctr_net_reload(struct ctr_config *c)
{
	struct ctr_config d;
	struct ctr_endpoint *eps;
	size_t n;

	if (ctr_config_load(c->id, &d) < 0) {
		err_clear();
		return;
	}
	eps = c->eps;
	n = c->neps;
	c->eps = d.eps;
	c->neps = d.neps;
	d.eps = eps;
	d.neps = n;
	ctr_config_clear(&d);
}

int ctr_net_start(struct ctr_config *c, struct ctr_net_run *r, struct rt_spec *s)
{
	const char *m = c->network_mode ? c->network_mode : "none";

	memset(r, 0, sizeof(*r));
	r->c = c;
	r->proxy = -1;
	s->hostnet = !strcmp(m, "host");
	s->netns = NULL;
	s->net_setup = NULL;
	if (!strncmp(m, "container:", 10))
		return ctr_net_join(m + 10, r, s);
	if (!ctr_net_joins(c))
		return 0;
	ctr_net_reload(c);
	if (c->neps > CTR_NET_MAX)
		return err_setx(E2BIG, "a container joins at most %d networks", CTR_NET_MAX);
	/* Asked once a run: its networks' rules and its ports both depend on it. */
	r->nft = nft_available() == 0;
	if (!r->nft)
		dbg("no nf_tables rules for %s (published ports by proxy): %s", c->name, err_str());
	err_clear();
	r->eps = xzalloc(c->neps * sizeof(*r->eps));
	for (; r->neps < c->neps; r->neps++)
		if (ctr_net_lease(c, r->neps, r->nft, &r->eps[r->neps]) < 0) {
			int e = err_errno();
			char msg[256];

			/* A lease it got there already goes (stop sees neps only). */
			snprintf(msg, sizeof(msg), "%s", err_str());
			if (r->eps[r->neps].net.prefix)
				ipam_release(&r->eps[r->neps].net, c->id);
			net_cfg_clear(&r->eps[r->neps].net);
			return err_setx(e ? e : EIO, "%s", msg);
		}
	if (ctr_net_ports(c, r) < 0)
		return -err_errno();
	s->net_setup = ctr_net_setup;
	s->net_arg = r;
	return ctr_net_record(r);
}

/* Leave one network: its link (gone with the namespace once its last
 * process is, but not always yet) and its lease. */
static void ctr_net_leave(const char *id, const struct ctr_net_info_ep *e, bool unlink)
{
	struct net_cfg n = { 0 };

	if (unlink && e->host[0] && link_del(e->host) < 0)
		err_clear();
	if (net_lookup(e->network, &n) < 0 || ipam_release(&n, id) < 0)
		err_clear();
	net_cfg_clear(&n);
}

/* After a run its host links go with the container's namespace, which
 * the kernel tears down on its own; a delete that meets that teardown
 * waits for it (~20 ms, the rtnl lock). A child of ours asks all the
 * same, in case something still holds the namespace, so nobody waits. */
static void ctr_net_unlink_later(const struct ctr_net_info *ni)
{
	pid_t pid = fork();

	if (pid != 0)
		return;	/* reaped as a subreaper's stray child, or by init */
	for (int fd = 0; fd < 3; fd++)
		close(fd);	/* no pipe of the caller's waits for it */
	for (size_t i = 0; i < ni->neps; i++)
		if (ni->eps[i].host[0])
			link_del(ni->eps[i].host);
	_exit(0);
}

/* The hosts files of the containers of these networks, after a change. */
static void ctr_net_refresh_all(const char *id, const struct ctr_net_info *ni)
{
	int lk;

	if (!ni->neps)
		return;
	lk = ctr_net_names_lock();
	for (size_t i = 0; i < ni->neps; i++)
		ctr_net_refresh(id, ni->eps[i].network);
	if (lk >= 0)
		lock_close(lk);
	err_clear();
}

/* After a rename: its leases carry the new name, and the hosts files of
 * its peers say it. Best effort: a peer that misses it learns the name
 * at its next start. */
void ctr_net_renamed(const char *id, const char *name)
{
	struct ctr_net_info ni = { 0 };

	if (ctr_net_info_load(id, &ni) < 0) {
		err_clear();
		return;
	}
	for (size_t i = 0; i < ni.neps; i++) {
		struct net_cfg n = { 0 };

		if (net_lookup(ni.eps[i].network, &n) == 0 && ipam_rename(&n, id, name) < 0)
			err_clear();
		net_cfg_clear(&n);
	}
	ctr_net_refresh_all(id, &ni);
	ctr_net_info_clear(&ni);
	err_clear();
}

void ctr_net_stop(struct ctr_net_run *r)
{
	struct ctr_net_info ni = { 0 };

	if (r->proxy > 0) {
		kill(r->proxy, SIGKILL);
		while (waitpid(r->proxy, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (r->fds)
		port_release(r->fds, r->nports);
	if (r->nat && r->nports && nft_ports_del(r->c->id) < 0)
		err_clear();
	/* What it is on now: net.json, kept by connect and disconnect. */
	if (r->neps && ctr_net_info_load(r->c->id, &ni) == 0) {
		autofree char *path = ctr_net_path(r->c->id);

		ctr_net_unlink_later(&ni);
		for (size_t i = 0; i < ni.neps; i++)
			ctr_net_leave(r->c->id, &ni.eps[i], false);
		unlink(path);
		ctr_net_refresh_all(r->c->id, &ni);
	} else {
		for (size_t i = 0; i < r->neps; i++)
			if (link_del(r->eps[i].host) < 0 || ipam_release(&r->eps[i].net, r->c->id) < 0)
				err_clear();
	}
	err_clear();
	ctr_net_info_clear(&ni);
	for (size_t i = 0; i < r->neps; i++)
		net_cfg_clear(&r->eps[i].net);
	free(r->eps);
	free(r->ports);
	free(r->fds);
	memset(r, 0, sizeof(*r));
}

/* ---- connect and disconnect ---- */

/* The network to connect to or disconnect from, and whether c's mode
 * allows it (Docker's words). */
static int ctr_net_which(const struct ctr_config *c, const char *network, struct net_cfg *n)
{
	if (!ctr_net_joins(c))
		return err_setx(EINVAL, !strcmp(c->network_mode ? c->network_mode : "", "host") ?
				"container cannot be disconnected from host network or connected "
				"to host network" : "container sharing network namespace with another "
				"container or host cannot be connected to any other network");
	if (net_lookup(network, n) < 0)
		return -err_errno();
	if (!n->bridge || !n->prefix)
		return err_setx(EINVAL, "container cannot be disconnected from host network or "
				"connected to host network");
	return 0;
}

static ssize_t ctr_net_ep_index(const struct ctr_config *c, const char *name)
{
	for (size_t i = 0; i < c->neps; i++)
		if (!strcmp(c->eps[i].network, name))
			return (ssize_t)i;
	return -1;
}

/* The first ethN (and its host link) a running container does not use. */
static void ctr_net_free_if(const char *id, const struct ctr_net_info *ni,
			    struct ctr_net_info_ep *e)
{
	for (unsigned k = 0; k < CTR_NET_MAX; k++) {
		bool used = false;

		snprintf(e->ifname, sizeof(e->ifname), "eth%u", k);
		for (size_t i = 0; i < ni->neps; i++)
			used |= !strcmp(ni->eps[i].ifname, e->ifname);
		if (!used) {
			snprintf(e->host, sizeof(e->host), "dv%.11s%x", id, k);
			return;
		}
	}
	e->ifname[0] = '\0';
}

/* A running container joins n now: a lease held by its supervisor, the
 * link, and its record. */
static int ctr_net_attach(const struct ctr_config *c, const struct ctr_state *st,
			  const struct net_cfg *n, const struct ctr_endpoint *want)
{
	struct ipam_holder h = { .ctr_id = c->id, .name = c->name,
				 .aliases = (const char *const *)want->aliases.v,
				 .pid = st->sup_pid, .start = st->sup_start };
	const char *ip = want->ip;
	struct ctr_net_info ni = { 0 };
	struct ctr_net_info_ep *e;
	struct link_ep le = { .bridge = n->bridge, .prefix = n->prefix, .mtu = link_default_mtu() };
	uint32_t ip4 = 0, addr;
	int r;

	if ((ip && ipam_ip_parse(ip, &ip4) < 0) || ctr_net_info_load(c->id, &ni) < 0)
		return -err_errno();
	r = ipam_lease(n, &h, ip4, &addr);
	if (r < 0) {
		ctr_net_info_clear(&ni);
		return r == -EADDRINUSE ? err_setx(EADDRINUSE, "address %s is already in use on "
						   "network %s", ip, n->name) : r;
	}
	ni.eps = xrealloc(ni.eps, (ni.neps + 1) * sizeof(*ni.eps));
	e = &ni.eps[ni.neps];
	*e = (struct ctr_net_info_ep){ .network = xstrdup(n->name), .net_id = xstrdup(n->id),
				       .ip = addr, .gateway = n->gateway, .prefix = n->prefix,
				       .has6 = n->prefix6 != 0, .prefix6 = n->prefix6 };
	memcpy(e->gateway6, n->gateway6, 16);
	for (size_t i = 0; i < want->aliases.n; i++)
		strv_push(&e->aliases, want->aliases.v[i]);
	link_mac(addr, e->mac);
	ctr_net_free_if(c->id, &ni, e);
	ni.neps++;
	le.host = e->host;
	le.ifname = e->ifname;
	le.addr = addr;
	le.addr6 = e->has6 ? e->ip6 : NULL;
	le.prefix6 = n->prefix6;
	memcpy(le.mac, e->mac, 6);
	r = !e->ifname[0] ? err_setx(E2BIG, "a container joins at most %d networks", CTR_NET_MAX)
			  : 0;
	if (r == 0 && e->has6)
		r = ctr_net_lease6(n, &h, want->ip6, e->ip6);
	if (r == 0)
		r = ctr_net_bridge(n, nft_available() == 0);
	if (r == 0)
		err_clear();	/* a kernel without nf_tables said so */
	if (r == 0)
		r = link_veth(st->pid, &le);
	if (r == 0)
		r = ctr_net_info_save(c->id, &ni);
	if (r < 0) {
		int keep = err_errno();

		if (link_del(e->host) < 0 || ipam_release(n, c->id) < 0)
			err_clear();
		r = -keep;
	}
	ctr_net_info_clear(&ni);
	return r;
}

/* After a change to the running container id on network name: its own
 * hosts file, and those of the others there. */
static void ctr_net_names_changed(const struct ctr_config *c, const char *name)
{
	struct ctr_net_info ni = { 0 };
	int lk = ctr_net_names_lock();

	if (ctr_net_info_load(c->id, &ni) == 0 && ctr_net_write(c, &ni, true) < 0)
		err_clear();
	ctr_net_refresh(c->id, name);
	ctr_net_info_clear(&ni);
	if (lk >= 0)
		lock_close(lk);
	err_clear();
}

int ctr_net_connect(const char *id, const char *network, const struct ctr_endpoint *want)
{
	struct ctr_config c;
	struct ctr_state st = { 0 };
	struct net_cfg n = { 0 };
	struct ctr_endpoint *ep;
	bool live = false;
	int lk = ctr_lock(id), r;

	if (lk < 0)
		return lk;
	r = ctr_config_load(id, &c);
	if (r == 0)
		r = ctr_net_which(&c, network, &n);
	if (r == 0 && want->ip6 && ipam_ip6_parse(want->ip6, (uint8_t[16]){ 0 }) < 0)
		r = -err_errno();
	if (r == 0 && ctr_net_ep_index(&c, n.name) >= 0)
		r = err_setx(EEXIST, "endpoint with name %s already exists in network %s", c.name,
			     n.name);
	if (r == 0 && !strcmp(n.name, "bridge") && (want->ip || want->ip6))
		r = err_setx(EINVAL, "user specified IP address is supported on user defined "
			     "networks only");
	if (r == 0 && want->ip6 && !n.prefix6)
		r = err_setx(EINVAL, "network %s has no IPv6: leave --ip6 out, or use a network "
			     "made with --ipv6", n.name);
	if (r == 0 && !strcmp(n.name, "bridge") && want->aliases.n)
		r = err_setx(EINVAL, "network-scoped alias is supported only for containers in "
			     "user defined networks");
	if (r == 0)
		r = ctr_state_load(id, true, &st);
	if (r == 0 && ctr_active(&st) && st.pid > 0 && st.sup_pid > 0) {
		live = true;
		r = ctr_net_attach(&c, &st, &n, want);
	}
	if (r == 0) {
		c.eps = xrealloc(c.eps, (c.neps + 1) * sizeof(*c.eps));
		ep = &c.eps[c.neps++];
		*ep = (struct ctr_endpoint){ .network = xstrdup(n.name),
					     .ip = want->ip ? xstrdup(want->ip) : NULL,
					     .ip6 = want->ip6 ? xstrdup(want->ip6) : NULL };
		for (size_t i = 0; i < want->aliases.n; i++)
			strv_push(&ep->aliases, want->aliases.v[i]);
		r = ctr_config_save(&c);
	}
	lock_close(lk);
	if (r == 0 && live)
		ctr_net_names_changed(&c, n.name);
	ctr_state_clear(&st);
	net_cfg_clear(&n);
	ctr_config_clear(&c);
	return r;
}

int ctr_net_disconnect(const char *id, const char *network)
{
	struct ctr_config c;
	struct ctr_state st = { 0 };
	struct ctr_net_info ni = { 0 };
	struct net_cfg n = { 0 };
	ssize_t k = -1;
	bool live = false;
	int lk = ctr_lock(id), r;

	if (lk < 0)
		return lk;
	r = ctr_config_load(id, &c);
	if (r == 0)
		r = ctr_net_which(&c, network, &n);
	if (r == 0 && (k = ctr_net_ep_index(&c, n.name)) < 0)
		r = err_setx(ENOENT, "container %s is not connected to network %s", c.name, n.name);
	if (r == 0)
		r = ctr_state_load(id, true, &st);
	if (r == 0 && ctr_active(&st) && ctr_net_info_load(id, &ni) == 0) {
		live = true;
		for (size_t i = 0; i < ni.neps; i++) {
			if (strcmp(ni.eps[i].network, n.name))
				continue;
			ctr_net_leave(id, &ni.eps[i], true);
			free(ni.eps[i].network);
			free(ni.eps[i].net_id);
			strv_free(&ni.eps[i].aliases);
			ni.eps[i] = ni.eps[--ni.neps];
			break;
		}
		r = ctr_net_info_save(id, &ni);
	}
	if (r == 0)
		err_clear();
	if (r == 0) {
		ctr_endpoint_clear(&c.eps[k]);
		memmove(&c.eps[k], &c.eps[k + 1], (c.neps - (size_t)k - 1) * sizeof(*c.eps));
		c.neps--;
		r = ctr_config_save(&c);
	}
	lock_close(lk);
	if (r == 0 && live)
		ctr_net_names_changed(&c, n.name);
	ctr_net_info_clear(&ni);
	ctr_state_clear(&st);
	net_cfg_clear(&n);
	ctr_config_clear(&c);
	return r;
}

/* ---- what it got, for inspect, ps and port ---- */

static uint32_t ctr_net_ip(const char *s)
{
	uint32_t ip = 0;

	if (s && ipam_ip_parse(s, &ip) < 0) {
		err_clear();
		ip = 0;
	}
	return ip;
}

int ctr_net_info_load(const char *id, struct ctr_net_info *out)
{
	autofree char *path = ctr_net_path(id), *text = NULL;
	struct json *o;
	const struct json *a, *p;

	memset(out, 0, sizeof(*out));
	if (fsutil_read_file(path, &text) < 0)
		return -err_errno();
	o = json_parse(text, strlen(text));
	a = json_get(o, "Networks");
	p = json_get(o, "Ports");
	out->eps = xzalloc(((size_t)json_arr_len(a) + 1) * sizeof(*out->eps));
	for (int i = 0; i < json_arr_len(a); i++) {
		const struct json *n = json_arr_at(a, i), *al = json_get(n, "Aliases");
		struct ctr_net_info_ep *e = &out->eps[out->neps++];
		long long v = 0;

		e->network = xstrdup(json_get_str(n, "Name") ? json_get_str(n, "Name") : "");
		e->net_id = xstrdup(json_get_str(n, "NetworkID") ? json_get_str(n, "NetworkID") : "");
		e->ip = ctr_net_ip(json_get_str(n, "IPAddress"));
		e->gateway = ctr_net_ip(json_get_str(n, "Gateway"));
		if (json_get_i64(n, "IPPrefixLen", &v) && v >= 0 && v <= 32)
			e->prefix = (unsigned)v;
		e->has6 = json_get_str(n, "GlobalIPv6Address") &&
			  ipam_ip6_parse(json_get_str(n, "GlobalIPv6Address"), e->ip6) == 0 &&
			  json_get_str(n, "IPv6Gateway") &&
			  ipam_ip6_parse(json_get_str(n, "IPv6Gateway"), e->gateway6) == 0 &&
			  json_get_i64(n, "GlobalIPv6PrefixLen", &v) && v > 0 && v <= 128;
		e->prefix6 = e->has6 ? (unsigned)v : 0;
		err_clear();
		if (json_get_str(n, "MacAddress") &&
		    link_mac_parse(json_get_str(n, "MacAddress"), e->mac) < 0)
			memset(e->mac, 0, sizeof(e->mac));	/* damaged: shown as none */
		for (int k = 0; k < json_arr_len(al); k++)
			if (json_str(json_arr_at(al, k)))
				strv_push(&e->aliases, json_str(json_arr_at(al, k)));
		snprintf(e->host, sizeof(e->host), "%s",
			 json_get_str(n, "HostLink") ? json_get_str(n, "HostLink") : "");
		snprintf(e->ifname, sizeof(e->ifname), "%s",
			 json_get_str(n, "IfName") ? json_get_str(n, "IfName") : "");
	}
	out->ports = xzalloc(((size_t)json_arr_len(p) + 1) * sizeof(*out->ports));
	for (int i = 0; i < json_arr_len(p); i++) {
		const struct json *m = json_arr_at(p, i);
		long long pr = 0, hi = 0, hp = 0, cp = 0;

		json_get_i64(m, "Proto", &pr);
		json_get_i64(m, "HostIp", &hi);
		json_get_i64(m, "HostPort", &hp);
		json_get_i64(m, "ContainerPort", &cp);
		out->ports[out->nports++] = (struct port_map){ .proto = (uint8_t)pr,
			.host_ip = (uint32_t)hi, .host_port = (uint16_t)hp, .ctr_port = (uint16_t)cp,
			.v6 = json_is_true(json_get(m, "IPv6")) };
	}
	json_free(o);
	return 0;
}

void ctr_net_info_clear(struct ctr_net_info *i)
{
	for (size_t k = 0; k < i->neps; k++) {
		free(i->eps[k].network);
		free(i->eps[k].net_id);
		strv_free(&i->eps[k].aliases);
	}
	free(i->eps);
	free(i->ports);
	memset(i, 0, sizeof(*i));
}
