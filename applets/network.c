// SPDX-License-Identifier: Apache-2.0
/* network.c - dory network (net): create, ls, inspect, rm and prune, as
 * Docker prints them. Records and their checks are core/net/network.c's,
 * leases core/net/ipam.c's; connect and disconnect drive containers. */
//@applet net      APPLET_NET  net_main  NEEDROOT
//@applet network  APPLET_NET  net_main  NEEDROOT
//@config APPLET_NET
//@	bool "net, network: create, ls, inspect, rm, prune, connect (~24 KB)"
//@	default y
//@	select CORE_IMAGE
//@	select CORE_RUNTIME
//@	help
//@	  Usage: dory network COMMAND [OPTIONS]   ('dory net' is the same)
//@
//@	  create [OPTIONS] NAME  make a bridge network; prints its ID
//@	    -d, --driver D       bridge, the only driver
//@	        --subnet CIDR    its IPv4 block; default: the first free one of
//@	                         172.17-31.0.0/16, then 192.168.N.0/20
//@	        --gateway IP     the bridge's address; default: the first one
//@	        --ipv6           dual-stack: an IPv6 block too, given with a
//@	                         second --subnet (and --gateway), or else a
//@	                         unique local /64 (fdXX:XXXX:XXXX::/64) at random
//@	        --ip-range CIDR  lease containers' addresses from here only
//@	        --internal       no traffic in or out, only between its own
//@	    -o, --opt K=V        com.docker.network.bridge.name=BR names the
//@	                         bridge (default br- and 12 of the ID)
//@	        --label K=V      set a label
//@	  ls [OPTIONS]           list the networks (also: list)
//@	    -q, --quiet          only the IDs
//@	    -f, --filter K=V     name=, id= (^ $ . * + ?), driver=, scope=,
//@	                         label=KEY[=VALUE], type=custom|builtin,
//@	                         dangling=true|false (no container on it)
//@	        --no-trunc       full IDs
//@	        --format T       {{.ID}} {{.Name}} {{.Driver}} {{.Scope}}
//@	                         {{.Internal}} {{.Labels}} {{.CreatedAt}};
//@	                         'table T' aligns columns under a header
//@	  inspect [-f T] NETWORK...  details as JSON, as Docker prints them
//@	  rm [-f] NETWORK...     remove networks no container is on
//@	    -f, --force          no error for a network that does not exist
//@	  prune [-f] [--filter label=K[=V]]  remove every network but the
//@	                         predefined ones that no container is on
//@	  connect [OPTIONS] NETWORK CONTAINER  put a container on a network,
//@	                         at once if it runs, and at its every start
//@	        --ip ADDR        its IPv4 address there
//@	        --ip6 ADDR       its IPv6 address there (a network made with --ipv6)
//@	        --alias A        another name for it there
//@	  disconnect [-f] NETWORK CONTAINER  take it off (-f: no error if
//@	                         it is not on it)
#include <errno.h>
#include <string.h>
#include <time.h>

#include "applets.h"
#include "core/ctr/ctr.h"
#include "core/ctr/ctr_net.h"
#include "core/ctr/ctr_view.h"
#include "core/net/ipam.h"
#include "core/net/network.h"
#include "core/util/err.h"
#include "core/util/json.h"
#include "core/util/log.h"
#include "core/util/opt.h"
#include "core/util/str.h"
#include "core/util/tpl.h"
#include "core/util/xalloc.h"

enum { SHORT_ID = 12 };

static const char net_ls_format[] = "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}";

static int out_flush(void)
{
	if (fflush(stdout) != 0 || ferror(stdout))
		die_errno("write the output");
	return 0;
}

/* Number of live leases on n: its containers. */
static size_t net_users(const struct net_cfg *n)
{
	struct ipam_lease *v;
	size_t nv;

	if (ipam_list(n, &v, &nv) < 0)
		die_err();
	ipam_leases_free(v, nv);
	return nv;
}

/* ---- create ---- */

struct create_opts {
	const char *driver, *range;
	struct strv subnet, gateway, opt, label;
	bool internal, ipv6, attachable;
};

static const struct opt create_optv[] = {
	OPT_STR('d', "driver", offsetof(struct create_opts, driver)),
	OPT_LIST(0, "subnet", offsetof(struct create_opts, subnet)),
	OPT_LIST(0, "gateway", offsetof(struct create_opts, gateway)),
	OPT_STR(0, "ip-range", offsetof(struct create_opts, range)),
	OPT_BOOL(0, "internal", offsetof(struct create_opts, internal)),
	OPT_BOOL(0, "ipv6", offsetof(struct create_opts, ipv6)),
	OPT_BOOL(0, "attachable", offsetof(struct create_opts, attachable)),
	OPT_LIST('o', "opt", offsetof(struct create_opts, opt)),
	OPT_LIST(0, "label", offsetof(struct create_opts, label)),
	OPT_END
};

/* --subnet and --gateway, at most one of each family: a gateway goes with
 * the subnet of its family. */
static void create_addrs(const struct create_opts *o, struct net_cfg *c)
{
	bool sub6 = false;

	for (size_t i = 0; i < o->subnet.n; i++) {
		const char *s = o->subnet.v[i];
		bool v6 = strchr(s, ':') != NULL;

		if (v6 ? sub6 : c->prefix != 0)
			die("give at most one IPv4 and one IPv6 --subnet (%s is a second IPv%c one)",
			    s, v6 ? '6' : '4');
		if (v6 ? ipam_cidr6_parse(s, c->subnet6, &c->prefix6) < 0
		       : ipam_cidr_parse(s, &c->subnet, &c->prefix) < 0)
			die_err();
		if (v6 ? c->prefix6 == 0 : c->prefix == 0)
			die("invalid subnet %s: a network needs a prefix of /1 or longer", s);
		sub6 |= v6;
	}
	for (size_t i = 0; i < o->gateway.n; i++) {
		const char *g = o->gateway.v[i];
		bool v6 = strchr(g, ':') != NULL;

		if (v6 ? !sub6 : !c->prefix)
			die("every ip-range or gateway must have a corresponding subnet (add an "
			    "IPv%c --subnet for gateway %s)", v6 ? '6' : '4', g);
		if (v6 ? !ipam_is_zero6(c->gateway6) : c->gateway != 0)
			die("give at most one --gateway per subnet (%s is a second one)", g);
		if (v6 ? ipam_ip6_parse(g, c->gateway6) < 0 : ipam_ip_parse(g, &c->gateway) < 0)
			die_err();
	}
}

/* The flags into c: addresses parsed, options as K=V. */
static void create_fill(const struct create_opts *o, struct net_cfg *c)
{
	create_addrs(o, c);
	c->ipv6 = o->ipv6;
	if (o->range && !c->prefix)
		die("every ip-range or gateway must have a corresponding subnet (add --subnet)");
	if (o->range && strchr(o->range, ':'))
		die("an IPv6 --ip-range is not supported: leave it out (containers get the "
		    "lowest free addresses of the IPv6 subnet)");
	if (o->range && ipam_cidr_parse(o->range, &c->range, &c->range_prefix) < 0)
		die_err();
	if (o->range && c->range_prefix == 0)
		die("invalid --ip-range %s: give a block inside the subnet", o->range);
	for (size_t i = 0; i < o->opt.n; i++) {
		if (!strchr(o->opt.v[i], '=') || o->opt.v[i][0] == '=')
			die("invalid option \"%s\" (use -o KEY=VALUE)", o->opt.v[i]);
		strv_setenv(&c->options, o->opt.v[i]);
	}
	for (size_t i = 0; i < o->label.n; i++) {
		const char *l = o->label.v[i];

		if (l[0] == '=' || !l[0])
			die("invalid label \"%s\" (use --label KEY=VALUE)", l);
		if (strchr(l, '='))
			strv_setenv(&c->labels, l);
		else
			strv_push_take(&c->labels, xasprintf("%s=", l));
	}
	c->internal = o->internal;
	c->driver = o->driver ? xstrdup(o->driver) : NULL;
}

static int netcreate_main(int argc, char **argv)
{
	struct create_opts o = { 0 };
	struct net_cfg c = { 0 };
	char **args;

	(void)argc;
	args = opt_parse(create_optv, &o, argv);
	if (!args[0] || args[1])
		die("give one network NAME (usage: dory network create [OPTIONS] NAME)");
	create_fill(&o, &c);
	c.name = xstrdup(args[0]);
	if (net_create(&c) < 0)
		die_err();
	puts(c.id);
	net_cfg_clear(&c);
	return out_flush();
}

/* ---- ls ---- */

struct ls_filter {
	struct strv name, id, driver, scope, label, type, dangling;
};

/* One --filter K=V into f; a key or value Docker does not know dies. */
static void ls_filter_add(struct ls_filter *f, const char *kv)
{
	static const char *const keys[] = { "name", "id", "driver", "scope", "label", "type",
					    "dangling" };
	struct strv *lists[] = { &f->name, &f->id, &f->driver, &f->scope, &f->label, &f->type,
				 &f->dangling };
	const char *eq = strchr(kv, '=');
	size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);

	for (size_t i = 0; eq && i < ARRAY_SIZE(keys); i++) {
		if (strlen(keys[i]) != klen || strncmp(kv, keys[i], klen))
			continue;
		if (lists[i] == &f->type && strcmp(eq + 1, "custom") && strcmp(eq + 1, "builtin"))
			die("invalid filter 'type=%s' (use type=custom or type=builtin)", eq + 1);
		if (lists[i] == &f->dangling && strcmp(eq + 1, "true") && strcmp(eq + 1, "false") &&
		    strcmp(eq + 1, "1") && strcmp(eq + 1, "0"))
			die("invalid filter 'dangling=%s' (use dangling=true or false)", eq + 1);
		strv_push(lists[i], eq + 1);
		return;
	}
	die("invalid filter '%s' (use name=, id=, driver=, scope=, label=, type= or dangling=)",
	    kv);
}

static bool ls_any(const struct strv *pats, const char *s, bool regex)
{
	if (!pats->n)
		return true;
	for (size_t i = 0; i < pats->n; i++)
		if (regex ? ctr_name_match(pats->v[i], s) : !strcmp(pats->v[i], s))
			return true;
	return false;
}

/* label=KEY or label=KEY=VALUE, every one of them (Docker's rule). */
static bool ls_labels(const struct strv *want, const struct net_cfg *c)
{
	for (size_t i = 0; i < want->n; i++) {
		const char *w = want->v[i], *eq = strchr(w, '=');
		ssize_t k = strv_find_key(&c->labels, w, eq ? (size_t)(eq - w) : strlen(w));

		if (k < 0 || (eq && strcmp(strchr(c->labels.v[k], '=') + 1, eq + 1)))
			return false;
	}
	return true;
}

static bool ls_match(const struct ls_filter *f, const struct net_cfg *c)
{
	const char *type = net_is_builtin(c) ? "builtin" : "custom";

	if (!ls_any(&f->name, c->name, true) || !ls_any(&f->id, c->id, true) ||
	    !ls_any(&f->driver, c->driver, false) || !ls_any(&f->scope, "local", false) ||
	    !ls_any(&f->type, type, false) || !ls_labels(&f->label, c))
		return false;
	for (size_t i = 0; i < f->dangling.n; i++) {
		bool want = !strcmp(f->dangling.v[i], "true") || !strcmp(f->dangling.v[i], "1");

		/* the predefined networks are never dangling, as in Docker */
		if (want != (!net_is_builtin(c) && net_users(c) == 0))
			return false;
	}
	return true;
}

static void ls_filter_clear(struct ls_filter *f)
{
	strv_free(&f->name), strv_free(&f->id), strv_free(&f->driver), strv_free(&f->scope);
	strv_free(&f->label), strv_free(&f->type), strv_free(&f->dangling);
}

/* The row for --format: Docker's network ls fields. */
static struct json *ls_row(const struct net_cfg *c, bool trunc)
{
	struct json *o = json_new_obj();
	autofree char *labels = ctr_labels_text(&c->labels);
	char id[NET_ID_LEN + 1], when[80];

	snprintf(id, sizeof(id), "%.*s", trunc ? SHORT_ID : NET_ID_LEN, c->id);
	ctr_time_go(c->created_ns, when);
	json_add_str(o, "ID", id);
	json_add_str(o, "Name", c->name);
	json_add_str(o, "Driver", c->driver);
	json_add_str(o, "Scope", "local");
	json_add_str(o, "IPv6", "false");
	json_add_str(o, "Internal", c->internal ? "true" : "false");
	json_add_str(o, "Labels", labels);
	json_add_str(o, "CreatedAt", when);
	return o;
}

static struct json *ls_header(void)
{
	static const char *const kv[][2] = {
		{ "ID", "NETWORK ID" }, { "Name", "NAME" }, { "Driver", "DRIVER" },
		{ "Scope", "SCOPE" }, { "IPv6", "IPV6" }, { "Internal", "INTERNAL" },
		{ "Labels", "LABELS" }, { "CreatedAt", "CREATED AT" },
	};

	return json_new_pairs(kv, ARRAY_SIZE(kv));
}

struct ls_opts {
	bool quiet, notrunc;
	const char *format;
	struct strv filter;
};

static const struct opt ls_optv[] = {
	OPT_BOOL('q', "quiet", offsetof(struct ls_opts, quiet)),
	OPT_LIST('f', "filter", offsetof(struct ls_opts, filter)),
	OPT_BOOL(0, "no-trunc", offsetof(struct ls_opts, notrunc)),
	OPT_STR(0, "format", offsetof(struct ls_opts, format)),
	OPT_END
};

static int netls_main(int argc, char **argv)
{
	struct ls_opts o = { 0 };
	struct ls_filter f = { 0 };
	struct tpl_list l;
	struct json *h = ls_header();
	struct net_cfg *v;
	const char *format;
	size_t n;
	char **args;

	(void)argc;
	args = opt_parse(ls_optv, &o, argv);
	if (args[0])
		die("unexpected argument \"%s\" (usage: dory network ls [OPTIONS])", args[0]);
	for (size_t i = 0; i < o.filter.n; i++)
		ls_filter_add(&f, o.filter.v[i]);
	format = o.format ? o.format : net_ls_format;
	if (o.quiet) {
		if (o.format)
			warn("ignoring the custom format, because both --format and --quiet are set");
		format = "{{.ID}}";
	}
	if (tpl_list_begin(&l, format, net_ls_format + strlen("table "), h, stdout) < 0)
		die_err();
	json_free(h);
	if (net_list(&v, &n) < 0)
		die_err();
	for (size_t i = 0; i < n; i++) {
		struct json *row;

		if (!ls_match(&f, &v[i]))
			continue;
		row = ls_row(&v[i], !o.notrunc);
		if (tpl_list_row(&l, row) < 0)
			die_err();
		json_free(row);
	}
	if (tpl_list_end(&l) < 0)
		die_err();
	net_list_free(v, n);
	ls_filter_clear(&f);
	return out_flush();
}

/* ---- inspect ---- */

static void inspect_ipam(const struct net_cfg *c, struct json *o)
{
	struct json *ipam = json_add_obj(o, "IPAM"), *cfg, *one;
	char buf[20];

	json_add_str(ipam, "Driver", "default");
	json_add_obj(ipam, "Options");
	cfg = json_add_arr(ipam, "Config");
	if (!c->prefix)
		return;
	one = json_add_obj(cfg, NULL);
	ipam_cidr_format(c->subnet, c->prefix, buf);
	json_add_str(one, "Subnet", buf);
	if (c->range_prefix) {
		ipam_cidr_format(c->range, c->range_prefix, buf);
		json_add_str(one, "IPRange", buf);
	}
	ipam_ip_format(c->gateway, buf);
	json_add_str(one, "Gateway", buf);
	if (c->prefix6) {
		char v6[IPAM_CIDR6_LEN];

		one = json_add_obj(cfg, NULL);
		ipam_cidr6_format(c->subnet6, c->prefix6, v6);
		json_add_str(one, "Subnet", v6);
		ipam_ip6_format(c->gateway6, v6);
		json_add_str(one, "Gateway", v6);
	}
}

/* "ADDR/N" of the IPv6 lease of ctr_id among v, or "". */
static void inspect_lease6(const struct net_cfg *c, const struct ipam_lease *v, size_t n,
			   const char *ctr_id, char out[IPAM_CIDR6_LEN])
{
	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		if (v[i].v6 && !strcmp(v[i].ctr_id, ctr_id))
			ipam_cidr6_format(v[i].ip6, c->prefix6, out);
}

/* Containers: one per live lease, keyed by the container's id. */
static void inspect_containers(const struct net_cfg *c, struct json *o)
{
	struct json *m = json_add_obj(o, "Containers");
	struct ipam_lease *v;
	size_t n;

	if (ipam_list(c, &v, &n) < 0)
		die_err();
	for (size_t i = 0; i < n && !v[i].v6; i++) {
		struct json *e = json_add_obj(m, v[i].ctr_id);
		char ip[16], addr[24], addr6[IPAM_CIDR6_LEN];

		ipam_ip_format(v[i].ip, ip);
		snprintf(addr, sizeof(addr), "%s/%u", ip, c->prefix);
		inspect_lease6(c, v, n, v[i].ctr_id, addr6);
		json_add_str(e, "Name", v[i].name);
		json_add_str(e, "EndpointID", "");
		json_add_str(e, "MacAddress", "");
		json_add_str(e, "IPv4Address", addr);
		json_add_str(e, "IPv6Address", addr6);
	}
	ipam_leases_free(v, n);
}

/* Docker's network inspect object. */
static struct json *inspect_obj(const struct net_cfg *c)
{
	struct json *o = json_new_obj();
	char when[40];

	ctr_time_rfc3339(c->created_ns, when);
	json_add_str(o, "Name", c->name);
	json_add_str(o, "Id", c->id);
	json_add_str(o, "Created", when);
	json_add_str(o, "Scope", "local");
	json_add_str(o, "Driver", c->driver);
	json_add_bool(o, "EnableIPv6", c->ipv6);
	inspect_ipam(c, o);
	json_add_bool(o, "Internal", c->internal);
	json_add_bool(o, "Attachable", false);
	json_add_bool(o, "Ingress", false);
	json_add_str(json_add_obj(o, "ConfigFrom"), "Network", "");
	json_add_bool(o, "ConfigOnly", false);
	inspect_containers(c, o);
	json_add_kv(o, "Options", &c->options);
	json_add_kv(o, "Labels", &c->labels);
	return o;
}

struct inspect_opts {
	const char *format;
	bool verbose;
};

static const struct opt inspect_optv[] = {
	OPT_STR('f', "format", offsetof(struct inspect_opts, format)),
	OPT_BOOL('v', "verbose", offsetof(struct inspect_opts, verbose)),
	OPT_END
};

static int netinspect_main(int argc, char **argv)
{
	struct inspect_opts o = { 0 };
	struct json *all = json_new_arr();
	struct tpl t = { 0 };
	char **args;

	(void)argc;
	args = opt_parse(inspect_optv, &o, argv);
	if (!args[0])
		die("give a NETWORK (usage: dory network inspect [-f FORMAT] NETWORK...)");
	if (o.format && tpl_parse(o.format, NULL, &t) < 0)
		die_err();
	for (size_t i = 0; args[i]; i++) {
		struct net_cfg c;
		struct json *obj;

		if (net_lookup(args[i], &c) < 0)
			die_err();
		obj = inspect_obj(&c);
		json_add_copy(all, NULL, obj);
		json_free(obj);
		net_cfg_clear(&c);
	}
	for (int i = 0; o.format && i < json_arr_len(all); i++) {
		if (tpl_run(t.text, json_arr_at(all, i), stdout) < 0)
			die_err();
		putchar('\n');
	}
	if (!o.format) {
		autofree char *text = json_print(all, true);

		puts(text);
	}
	json_free(all);
	tpl_free(&t);
	return out_flush();
}

/* ---- rm and prune ---- */

struct rm_opts {
	bool force;
};

static const struct opt rm_optv[] = {
	OPT_BOOL('f', "force", offsetof(struct rm_opts, force)),
	OPT_END
};

static int netrm_main(int argc, char **argv)
{
	struct rm_opts o = { 0 };
	int rc = 0;
	char **args;

	(void)argc;
	args = opt_parse(rm_optv, &o, argv);
	if (!args[0])
		die("give a NETWORK (usage: dory network rm [-f] NETWORK...)");
	for (size_t i = 0; args[i]; i++) {
		if (net_remove(args[i]) == 0) {
			puts(args[i]);
			continue;
		}
		if (o.force && err_errno() == ENOENT)
			continue;
		warn("%s", err_str());
		rc = dory.fail_code;
	}
	out_flush();
	return rc;
}

struct prune_opts {
	bool force;
	struct strv filter;
};

static const struct opt prune_optv[] = {
	OPT_BOOL('f', "force", offsetof(struct prune_opts, force)),
	OPT_LIST(0, "filter", offsetof(struct prune_opts, filter)),
	OPT_END
};

/* Ask on a terminal, as Docker does; a device's scripts must say -f. */
static bool prune_confirm(void)
{
	char line[16];

	if (!isatty(0))
		die("not pruning without asking: stdin is not a terminal (add -f to prune "
		    "without asking)");
	fputs("WARNING! This will remove all custom networks not used by at least one "
	      "container.\nAre you sure you want to continue? [y/N] ", stderr);
	if (!fgets(line, sizeof(line), stdin))
		return false;
	return (line[0] == 'y' || line[0] == 'Y') && (line[1] == '\n' || !line[1]);
}

static int netprune_main(int argc, char **argv)
{
	struct prune_opts o = { 0 };
	struct ls_filter f = { 0 };
	struct net_cfg *v;
	size_t n, gone = 0;
	char **args;
	int rc = 0;

	(void)argc;
	args = opt_parse(prune_optv, &o, argv);
	if (args[0])
		die("unexpected argument \"%s\" (usage: dory network prune [-f] [--filter "
		    "label=K])", args[0]);
	for (size_t i = 0; i < o.filter.n; i++) {
		if (!str_has_prefix(o.filter.v[i], "label="))
			die("invalid filter '%s' (prune takes label=KEY[=VALUE])", o.filter.v[i]);
		ls_filter_add(&f, o.filter.v[i]);
	}
	if (!o.force && !prune_confirm())
		return 0;
	if (net_list(&v, &n) < 0)
		die_err();
	for (size_t i = 0; i < n; i++) {
		if (net_is_builtin(&v[i]) || !ls_match(&f, &v[i]))
			continue;
		if (net_remove(v[i].id) < 0) {
			if (err_errno() != EBUSY && err_errno() != ENOENT) {
				warn("%s", err_str());
				rc = dory.fail_code;
			}
			continue;
		}
		if (!gone++)
			puts("Deleted Networks:");
		puts(v[i].name);
	}
	net_list_free(v, n);
	ls_filter_clear(&f);
	out_flush();
	return rc;
}

/* ---- the family ---- */

static const struct opt connect_optv[] = {
	OPT_STR(0, "ip", offsetof(struct ctr_endpoint, ip)),
	OPT_STR(0, "ip6", offsetof(struct ctr_endpoint, ip6)),
	OPT_LIST(0, "alias", offsetof(struct ctr_endpoint, aliases)),
	OPT_END
};

/* NETWORK CONTAINER, as both commands take them. */
static void net_two_args(char **args, const char *usage, char id[CTR_ID_LEN + 1])
{
	if (!args[0] || !args[1] || args[2])
		die("requires exactly 2 arguments (usage: %s)", usage);
	if (ctr_find(args[1], id) < 0)
		die_err();
}

static int netconnect_main(int argc, char **argv)
{
	struct ctr_endpoint o = { 0 };
	char id[CTR_ID_LEN + 1];
	char **args;

	(void)argc;
	args = opt_parse(connect_optv, &o, argv);
	net_two_args(args, "dory network connect [OPTIONS] NETWORK CONTAINER", id);
	if (ctr_net_connect(id, args[0], &o) < 0)
		die_err();
	return 0;
}

struct disconnect_opts {
	bool force;
};

static const struct opt disconnect_optv[] = {
	OPT_BOOL('f', "force", offsetof(struct disconnect_opts, force)),
	OPT_END
};

static int netdisconnect_main(int argc, char **argv)
{
	struct disconnect_opts o = { 0 };
	char id[CTR_ID_LEN + 1];
	char **args;

	(void)argc;
	args = opt_parse(disconnect_optv, &o, argv);
	net_two_args(args, "dory network disconnect [-f] NETWORK CONTAINER", id);
	if (ctr_net_disconnect(id, args[0]) < 0 && !(o.force && err_errno() == ENOENT))
		die_err();
	return 0;
}

static const struct {
	const char *name, *label;
	int (*main)(int argc, char **argv);
} net_cmds[] = {
	{ "connect", "network connect", netconnect_main },
	{ "create", "network create", netcreate_main },
	{ "disconnect", "network disconnect", netdisconnect_main },
	{ "inspect", "network inspect", netinspect_main },
	{ "list", "network ls", netls_main },
	{ "ls", "network ls", netls_main },
	{ "prune", "network prune", netprune_main },
	{ "remove", "network rm", netrm_main },
	{ "rm", "network rm", netrm_main },
};

int net_main(int argc, char **argv)
{
	if (argc < 2 || argv[1][0] == '-')
		die("give a command: create, ls, inspect, rm, prune, connect or disconnect (see "
		    "'dory network --help')");
	for (size_t i = 0; i < ARRAY_SIZE(net_cmds); i++)
		if (!strcmp(argv[1], net_cmds[i].name)) {
			dory.applet = net_cmds[i].label;
			return net_cmds[i].main(argc - 1, argv + 1);
		}
	die("'%s' is not a dory network command (see 'dory network --help')", argv[1]);
}
