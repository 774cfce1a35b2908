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
#include "core/net/ipam.h"
#include "core/net/link.h"
#include "core/net/nft.h"
#include "core/net/proxy.h"
#include "core/util/conf.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/json.h"
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
	struct ctr_state st;
	int rc = ctr_state_load(id, false, &st);

	if (rc < 0)
		return rc == -ENOENT ? err_setx(ENOENT, "the container %.12s whose network this "
						"one joins is gone", id) : rc;
	if (st.status != CTR_RUNNING || st.pid <= 0)
		rc = err_setx(EINVAL, "cannot join network of a non running container: %.12s", id);
	else
		snprintf(r->netns, sizeof(r->netns), "/proc/%d/ns/net", (int)st.pid);
	ctr_state_clear(&st);
	if (rc == 0)
		s->netns = r->netns;
	return rc;
}

/* The network of endpoint i: its address leased (by this process, the
 * supervisor, for as long as it lives), its bridge and rules in place. */
static int ctr_net_lease(const struct ctr_config *c, size_t i, struct ctr_net_ep *e)
{
	const struct ctr_endpoint *ce = &c->eps[i];
	struct ipam_holder h = { .ctr_id = c->id, .name = c->name,
				 .aliases = (const char *const *)ce->aliases.v,
				 .pid = getpid(), .start = ctr_self_start() };
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
	snprintf(e->host, sizeof(e->host), "dv%.11s%zx", c->id, i);
	snprintf(e->ifname, sizeof(e->ifname), "eth%zu", i);
	if (i == 0 && c->mac)
		link_mac_parse(c->mac, e->mac);
	else
		link_mac(e->ip, e->mac);
	r = link_bridge(e->net.bridge, e->net.gateway, e->net.prefix);
	if (r == 0 && !e->net.internal)
		r = link_forwarding();
	if (r == 0 && nft_available() == 0)
		r = nft_net_add(&(struct nft_net){ .name = e->net.name, .bridge = e->net.bridge,
						   .subnet = e->net.subnet, .prefix = e->net.prefix,
						   .internal = e->net.internal });
	else
		err_clear();	/* no nf_tables: no NAT nor isolation (said by ctr_net_ports) */
	return r < 0 ? err_ctx("network %s", e->net.name) : 0;
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

/* Hold the host ports, and decide how they reach the container. */
static int ctr_net_ports(const struct ctr_config *c, struct ctr_net_run *r)
{
	struct dory_conf conf;
	int rc;

	if (ctr_net_port_maps(c, r) < 0)
		return -err_errno();
	if (!r->nports)
		return 0;
	r->fds = xmalloc(r->nports * sizeof(*r->fds));
	for (size_t i = 0; i < r->nports; i++)
		r->fds[i] = -1;
	if (port_reserve(r->ports, r->nports, r->fds) < 0)
		return -err_errno();
	if (conf_load(&conf) < 0)
		return -err_errno();
	rc = conf.userland_proxy ? -EPERM : nft_available();
	conf_clear(&conf);
	if (rc < 0 && rc != -EPERM)
		info("published ports of %s go through the userland proxy: %s", c->name, err_str());
	err_clear();
	r->nat = rc == 0;
	return 0;
}

/* The ports' forwarding to the first network's address. */
static int ctr_net_forward(struct ctr_net_run *r)
{
	struct nft_port *np;
	int rc;

	if (!r->nports)
		return 0;
	if (!r->nat)
		return proxy_spawn(r->ports, r->nports, r->fds, r->eps[0].ip, &r->proxy);
	np = xmalloc(r->nports * sizeof(*np));
	for (size_t i = 0; i < r->nports; i++)
		np[i] = (struct nft_port){ .proto = r->ports[i].proto, .host_ip = r->ports[i].host_ip,
					   .host_port = r->ports[i].host_port,
					   .ctr_ip = r->eps[0].ip, .ctr_port = r->ports[i].ctr_port };
	rc = nft_ports_add(r->c->id, r->eps[0].net.bridge, np, r->nports);
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
				      .prefix = e->net.prefix, .mtu = mtu };

		memcpy(le.mac, e->mac, 6);
		if (link_veth(pid, &le) < 0)
			return err_ctx("network %s", e->net.name);
	}
	return ctr_net_forward(r);
}

static void ctr_net_record(const struct ctr_net_run *r)
{
	struct json *o = json_new_obj(), *a = json_add_arr(o, "Networks"), *p;
	autofree char *path = ctr_net_path(r->c->id), *text = NULL;
	char buf[24];

	for (size_t i = 0; i < r->neps; i++) {
		const struct ctr_net_ep *e = &r->eps[i];
		struct json *n = json_add_obj(a, NULL), *al;

		json_add_str(n, "Name", e->net.name);
		json_add_str(n, "NetworkID", e->net.id);
		ipam_ip_format(e->ip, buf);
		json_add_str(n, "IPAddress", buf);
		json_add_i64(n, "IPPrefixLen", e->net.prefix);
		ipam_ip_format(e->net.internal && i ? 0 : e->net.gateway, buf);
		json_add_str(n, "Gateway", buf);
		snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", e->mac[0], e->mac[1],
			 e->mac[2], e->mac[3], e->mac[4], e->mac[5]);
		json_add_str(n, "MacAddress", buf);
		al = json_add_arr(n, "Aliases");
		for (size_t j = 0; j < r->c->eps[i].aliases.n; j++)
			json_add_str(al, NULL, r->c->eps[i].aliases.v[j]);
	}
	p = json_add_arr(o, "Ports");
	for (size_t i = 0; i < r->nports; i++) {
		struct json *m = json_add_obj(p, NULL);

		json_add_i64(m, "Proto", r->ports[i].proto);
		json_add_i64(m, "HostIp", r->ports[i].host_ip);
		json_add_i64(m, "HostPort", r->ports[i].host_port);
		json_add_i64(m, "ContainerPort", r->ports[i].ctr_port);
	}
	text = json_print(o, false);
	json_free(o);
	if (fsutil_write_atomic(path, text, false) < 0)
		err_clear();	/* only what inspect shows */
}

int ctr_net_start(const struct ctr_config *c, struct ctr_net_run *r, struct rt_spec *s)
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
	if (c->neps > CTR_NET_MAX)
		return err_setx(E2BIG, "a container joins at most %d networks", CTR_NET_MAX);
	r->eps = xzalloc(c->neps * sizeof(*r->eps));
	for (; r->neps < c->neps; r->neps++)
		if (ctr_net_lease(c, r->neps, &r->eps[r->neps]) < 0) {
			net_cfg_clear(&r->eps[r->neps].net);
			return -err_errno();
		}
	if (ctr_net_ports(c, r) < 0)
		return -err_errno();
	s->net_setup = ctr_net_setup;
	s->net_arg = r;
	ctr_net_record(r);
	return 0;
}

void ctr_net_stop(struct ctr_net_run *r)
{
	autofree char *path = r->c && r->neps ? ctr_net_path(r->c->id) : NULL;

	if (r->proxy > 0) {
		kill(r->proxy, SIGKILL);
		while (waitpid(r->proxy, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (r->fds)
		port_release(r->fds, r->nports);
	if (r->nat && r->nports && nft_ports_del(r->c->id) < 0)
		err_clear();
	for (size_t i = 0; i < r->neps; i++) {
		/* Gone with the namespace once its last process is; not always yet. */
		if (link_del(r->eps[i].host) < 0 || ipam_release(&r->eps[i].net, r->c->id) < 0)
			err_clear();
		net_cfg_clear(&r->eps[i].net);
	}
	if (path)
		unlink(path);
	free(r->eps);
	free(r->ports);
	free(r->fds);
	memset(r, 0, sizeof(*r));
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
		unsigned b[6] = { 0 };

		e->network = xstrdup(json_get_str(n, "Name") ? json_get_str(n, "Name") : "");
		e->net_id = xstrdup(json_get_str(n, "NetworkID") ? json_get_str(n, "NetworkID") : "");
		e->ip = ctr_net_ip(json_get_str(n, "IPAddress"));
		e->gateway = ctr_net_ip(json_get_str(n, "Gateway"));
		if (json_get_i64(n, "IPPrefixLen", &v) && v >= 0 && v <= 32)
			e->prefix = (unsigned)v;
		if (json_get_str(n, "MacAddress") &&
		    sscanf(json_get_str(n, "MacAddress"), "%2x:%2x:%2x:%2x:%2x:%2x", &b[0], &b[1],
			   &b[2], &b[3], &b[4], &b[5]) == 6)
			for (int k = 0; k < 6; k++)
				e->mac[k] = (uint8_t)b[k];
		for (int k = 0; k < json_arr_len(al); k++)
			if (json_str(json_arr_at(al, k)))
				strv_push(&e->aliases, json_str(json_arr_at(al, k)));
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
			.host_ip = (uint32_t)hi, .host_port = (uint16_t)hp, .ctr_port = (uint16_t)cp };
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
