// SPDX-License-Identifier: Apache-2.0
/* network.c - network records under ROOT/networks: Docker's checks and
 * pools at create, the predefined networks, lookup, list and removal with
 * the bridge link dory made. Leases are ipam.c's; rules nft.c's. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

#include "core/net/ipam.h"
#include "core/net/link.h"
#include "core/net/nft.h"
#include "core/net/network.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/json.h"
#include "core/util/lock.h"
#include "core/util/xalloc.h"

#define NET_OPT_BRIDGE "com.docker.network.bridge.name"

/* ---- names and options ---- */

bool net_name_ok(const char *s)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-";
	size_t n = strlen(s);

	return n && n <= 64 && !strchr("_.-", s[0]) && s[strspn(s, ok)] == '\0';
}

bool net_is_builtin(const struct net_cfg *c)
{
	return c->name && (!strcmp(c->name, "bridge") || !strcmp(c->name, "host") ||
			   !strcmp(c->name, "none"));
}

const char *net_option(const struct net_cfg *c, const char *key)
{
	ssize_t i = strv_find_key(&c->options, key, strlen(key));

	return i < 0 ? NULL : strchr(c->options.v[i], '=') + 1;
}

void net_cfg_clear(struct net_cfg *c)
{
	free(c->name);
	free(c->driver);
	free(c->bridge);
	strv_free(&c->labels);
	strv_free(&c->options);
	memset(c, 0, sizeof(*c));
}

void net_list_free(struct net_cfg *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		net_cfg_clear(&v[i]);
	free(v);
}

/* ---- the record ---- */

static void net_put_map(struct json *o, const char *key, const struct strv *kv)
{
	struct json *m = json_add_obj(o, key);

	for (size_t i = 0; i < kv->n; i++) {
		const char *eq = strchr(kv->v[i], '=');
		autofree char *k = eq ? xstrndup(kv->v[i], (size_t)(eq - kv->v[i])) : NULL;

		json_add_str(m, k ? k : kv->v[i], eq ? eq + 1 : "");
	}
}

char *net_cfg_json(const struct net_cfg *c)
{
	struct json *o = json_new_obj();
	char buf[24], *t;

	json_add_str(o, "Id", c->id);
	json_add_str(o, "Name", c->name);
	json_add_str(o, "Driver", c->driver);
	snprintf(buf, sizeof(buf), "%lld", c->created_ns);
	json_add_str(o, "CreatedNs", buf);	/* beyond a double's exact integers */
	if (c->bridge)
		json_add_str(o, "Bridge", c->bridge);
	if (c->prefix) {
		ipam_cidr_format(c->subnet, c->prefix, buf);
		json_add_str(o, "Subnet", buf);
		ipam_ip_format(c->gateway, buf);
		json_add_str(o, "Gateway", buf);
	}
	if (c->range_prefix) {
		ipam_cidr_format(c->range, c->range_prefix, buf);
		json_add_str(o, "IPRange", buf);
	}
	json_add_bool(o, "EnableIPv6", c->ipv6);
	if (c->prefix6) {
		char v6[IPAM_CIDR6_LEN];

		ipam_cidr6_format(c->subnet6, c->prefix6, v6);
		json_add_str(o, "Subnet6", v6);
		ipam_ip6_format(c->gateway6, v6);
		json_add_str(o, "Gateway6", v6);
	}
	json_add_bool(o, "Internal", c->internal);
	json_add_bool(o, "UserBridge", c->user_bridge);
	net_put_map(o, "Labels", &c->labels);
	net_put_map(o, "Options", &c->options);
	t = json_print(o, false);
	json_free(o);
	return t;
}

static char *net_dup(const struct json *o, const char *key)
{
	const char *s = json_get_str(o, key);

	return s ? xstrdup(s) : NULL;
}

int net_cfg_parse(const char *text, struct net_cfg *c)
{
	struct json *o = json_parse(text, strlen(text));
	const char *id = json_get_str(o, "Id"), *s;
	int r = 0;

	memset(c, 0, sizeof(*c));
	if (!id || strlen(id) != NET_ID_LEN || !json_get_str(o, "Name")) {
		json_free(o);
		return err_setx(EINVAL, "not a network record");
	}
	memcpy(c->id, id, NET_ID_LEN + 1);
	c->name = net_dup(o, "Name");
	c->driver = net_dup(o, "Driver");
	c->bridge = net_dup(o, "Bridge");
	c->created_ns = (s = json_get_str(o, "CreatedNs")) ? strtoll(s, NULL, 10) : 0;
	if ((s = json_get_str(o, "Subnet")))
		r |= ipam_cidr_parse(s, &c->subnet, &c->prefix);
	if ((s = json_get_str(o, "Gateway")))
		r |= ipam_ip_parse(s, &c->gateway);
	if ((s = json_get_str(o, "IPRange")))
		r |= ipam_cidr_parse(s, &c->range, &c->range_prefix);
	c->ipv6 = json_is_true(json_get(o, "EnableIPv6"));
	if ((s = json_get_str(o, "Subnet6")))
		r |= ipam_cidr6_parse(s, c->subnet6, &c->prefix6);
	if ((s = json_get_str(o, "Gateway6")))
		r |= ipam_ip6_parse(s, c->gateway6);
	if (c->ipv6 != (c->prefix6 != 0))
		r |= err_setx(EINVAL, "EnableIPv6 without an IPv6 subnet");
	c->internal = json_is_true(json_get(o, "Internal"));
	c->user_bridge = json_is_true(json_get(o, "UserBridge"));
	json_get_kv(o, "Labels", &c->labels);
	json_get_kv(o, "Options", &c->options);
	json_free(o);
	if (!c->driver)
		c->driver = xstrdup("bridge");
	if (r) {
		net_cfg_clear(c);
		return err_ctx("a damaged network record");
	}
	return 0;
}

/* ---- on disk ---- */

static char *net_path(const char *sub)
{
	return xasprintf("%s/" NET_DIR "%s%s", dory.root, sub ? "/" : "", sub ? sub : "");
}

static int net_load(const char *id, struct net_cfg *c)
{
	autofree char *p = xasprintf("%s/" NET_DIR "/%s/config.json", dory.root, id);
	autofree char *text = NULL;

	if (fsutil_read_file(p, &text) < 0)
		return -err_errno();
	if (net_cfg_parse(text, c) < 0)
		return err_ctx("%s", p);
	return 0;
}

static bool net_is_id(const char *s)
{
	return strlen(s) == NET_ID_LEN && s[strspn(s, "0123456789abcdef")] == '\0';
}

/* Docker's ls order (sortorder.NaturalLess): runs of digits compare as
 * numbers, so net9 comes before net10. */
static int net_natural_cmp(const char *a, const char *b)
{
	static const char digits[] = "0123456789";

	while (*a && *b) {
		if (strchr(digits, *a) && strchr(digits, *b)) {
			size_t za = strspn(a, "0"), zb = strspn(b, "0");
			size_t na = strspn(a + za, digits), nb = strspn(b + zb, digits);
			int c = na != nb ? (na < nb ? -1 : 1) : strncmp(a + za, b + zb, na);

			if (c)
				return c;
			a += za + na;
			b += zb + nb;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		a++, b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

static int net_cmp(const void *a, const void *b)
{
	return net_natural_cmp(((const struct net_cfg *)a)->name, ((const struct net_cfg *)b)->name);
}

/* Every record on disk, by name (none before the directory exists). */
static int net_read_all(struct net_cfg **v, size_t *n)
{
	autofree char *dir = net_path(NULL);
	autoclosedir DIR *d = opendir(dir);
	struct dirent *e;
	size_t cap = 0;

	*v = NULL;
	*n = 0;
	if (!d)
		return errno == ENOENT ? 0 : err_set(errno, "open %s", dir);
	while ((e = readdir(d))) {
		struct net_cfg c;

		if (!net_is_id(e->d_name))
			continue;
		if (net_load(e->d_name, &c) < 0) {
			if (err_errno() == ENOENT) {	/* removed meanwhile */
				err_clear();
				continue;
			}
			net_list_free(*v, *n);
			return -err_errno();
		}
		if (*n == cap) {
			cap = cap ? 2 * cap : 8;
			*v = xrealloc(*v, cap * sizeof(**v));
		}
		(*v)[(*n)++] = c;
	}
	if (*n)
		qsort(*v, *n, sizeof(**v), net_cmp);
	return 0;
}

static const struct net_cfg *net_by_name(const struct net_cfg *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return &v[i];
	return NULL;
}

static int net_new_id(char id[NET_ID_LEN + 1])
{
	unsigned char raw[NET_ID_LEN / 2];
	size_t got = 0;

	while (got < sizeof(raw)) {
		ssize_t k = getrandom(raw + got, sizeof(raw) - got, 0);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return err_set(errno, "getrandom");
		got += (size_t)k;
	}
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(id + 2 * i, 3, "%02x", raw[i]);
	return 0;
}

static long long net_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Write c's record: staged under tmp/, renamed into place, durable. */
static int net_commit(const struct net_cfg *c)
{
	autofree char *tmp = net_path("tmp"), *stage = xasprintf("%s/%s", tmp, c->id);
	autofree char *file = xasprintf("%s/config.json", stage), *dst = net_path(c->id);
	autofree char *text = net_cfg_json(c);
	autoclose int dfd = -1;

	if (fsutil_mkdir_p(tmp, 0700) < 0)
		return -err_errno();
	if (mkdir(stage, 0700) < 0)
		return err_set(errno, "mkdir %s", stage);
	if (fsutil_write_atomic(file, text, true) < 0)
		goto undo;
	if (rename(stage, dst) < 0) {
		err_set(errno, "rename %s", stage);
		goto undo;
	}
	dfd = openat(AT_FDCWD, dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0)
		fsync(dfd);
	return 0;
undo:
	fsutil_rmtree_scratch(AT_FDCWD, stage);
	return -err_errno();
}

/* Leftovers of a create or remove killed half-way; under the lock. */
static void net_sweep(void)
{
	autofree char *tmp = net_path("tmp");
	autoclosedir DIR *d = opendir(tmp);
	struct dirent *e;

	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			fsutil_rmtree_scratch(dirfd(d), e->d_name);
}

/* ---- the host's routes ---- */

int net_routes(struct ipam_span **v, size_t *n)
{
	struct link_route *r = NULL;
	size_t nr = 0, k = 0;

	if (link_routes(&r, &nr) < 0)
		return err_ctx("check the host's routes");
	*v = xmalloc((nr + 1) * sizeof(**v));
	for (size_t i = 0; i < nr; i++)
		if (r[i].prefix && r[i].dst >> 24 != 127)
			(*v)[k++] = (struct ipam_span){ r[i].dst & ipam_mask(r[i].prefix),
							r[i].prefix };
	*n = k;
	free(r);
	return 0;
}

/* ---- pools ---- */

/* Docker's default address pools (libnetwork's local scope defaults):
 * 172.17.0.0/16 to 172.31.0.0/16, then 192.168.0.0/16 cut into /20s. */
static const struct {
	uint32_t base;
	unsigned prefix, size;
} net_pools[] = {
	{ 0xac110000, 12, 16 },	/* 172.16.0.0/12 from 172.17: the /16s */
	{ 0xc0a80000, 16, 20 },
};

static bool net_span_free(const struct ipam_span *used, size_t n, uint32_t a, unsigned p)
{
	for (size_t i = 0; i < n; i++)
		if (ipam_overlaps(a, p, used[i].addr, used[i].prefix))
			return false;
	return true;
}

int net_pool_pick(const struct ipam_span *used, size_t n, struct ipam_span *out)
{
	for (size_t k = 0; k < ARRAY_SIZE(net_pools); k++) {
		uint32_t end = (net_pools[k].base & ipam_mask(net_pools[k].prefix)) +
			       (uint32_t)(1ULL << (32 - net_pools[k].prefix));
		uint32_t step = (uint32_t)(1ULL << (32 - net_pools[k].size));

		for (uint32_t a = net_pools[k].base; a < end; a += step)
			if (net_span_free(used, n, a, net_pools[k].size)) {
				*out = (struct ipam_span){ a, net_pools[k].size };
				return 0;
			}
	}
	return err_setx(ENOSPC, "could not find an available, non-overlapping IPv4 address pool "
			"among the defaults to assign to the network (give --subnet, or remove "
			"a network)");
}

/* The blocks taken: every network's subnet, then the host's routes. */
static int net_used(const struct net_cfg *v, size_t n, struct ipam_span **used, size_t *nused,
		    size_t *nroutes)
{
	struct ipam_span *routes = NULL;
	size_t nr = 0, k = 0;

	if (net_routes(&routes, &nr) < 0)
		return -err_errno();
	*used = xmalloc((n + nr + 1) * sizeof(**used));
	for (size_t i = 0; i < n; i++)
		if (v[i].prefix)
			(*used)[k++] = (struct ipam_span){ v[i].subnet, v[i].prefix };
	if (nr)
		memcpy(*used + k, routes, nr * sizeof(*routes));
	*nused = k + nr;
	*nroutes = nr;
	free(routes);
	return 0;
}

/* ---- create ---- */

/* The subnet: c's, checked against used (networks first, then nroutes
 * routes at the end), or the first free pool block. */
static int net_place(struct net_cfg *c, const struct net_cfg *v, size_t n)
{
	autofree struct ipam_span *used = NULL;
	struct ipam_span got;
	size_t nused = 0, nroutes = 0;
	char want[20], other[20];

	if (net_used(v, n, &used, &nused, &nroutes) < 0)
		return -err_errno();
	if (!c->prefix) {
		if (net_pool_pick(used, nused, &got) < 0)
			return -err_errno();
		c->subnet = got.addr;
		c->prefix = got.prefix;
		return 0;
	}
	ipam_cidr_format(c->subnet, c->prefix, want);
	for (size_t i = 0; i < nused; i++) {
		if (!ipam_overlaps(c->subnet, c->prefix, used[i].addr, used[i].prefix))
			continue;
		ipam_cidr_format(used[i].addr, used[i].prefix, other);
		if (i < nused - nroutes)
			return err_setx(EADDRINUSE, "Pool overlaps with other one on this address "
					"space: %s overlaps network %s's %s (choose another --subnet)",
					want, v[i].name, other);
		return err_setx(EADDRINUSE, "subnet %s overlaps the host's route to %s (choose "
				"another --subnet)", want, other);
	}
	return 0;
}

/* Gateway and range: defaults, and inside the subnet. */
static int net_check_addrs(struct net_cfg *c)
{
	char sub[20], a[20];
	uint32_t host = ~ipam_mask(c->prefix);

	ipam_cidr_format(c->subnet, c->prefix, sub);
	if (c->prefix > 30)
		return err_setx(EINVAL, "subnet %s is too small: it leaves no address for a "
				"container (use /30 or larger)", sub);
	if (!c->gateway)
		c->gateway = c->subnet + 1;
	ipam_ip_format(c->gateway, a);
	if (!ipam_contains(c->subnet, c->prefix, c->gateway) || !(c->gateway & host) ||
	    (c->gateway & host) == host)
		return err_setx(EINVAL, "no matching subnet for gateway %s: it must be an address "
				"of %s, not its first or last", a, sub);
	if (c->range_prefix) {
		ipam_cidr_format(c->range, c->range_prefix, a);
		if (c->range_prefix < c->prefix || !ipam_contains(c->subnet, c->prefix, c->range))
			return err_setx(EINVAL, "no matching subnet for range %s: it must lie in %s",
					a, sub);
	}
	return 0;
}

/* The kernel has IPv6 (not built without it, nor booted ipv6.disable=1)? */
static int net_ipv6_ok(void)
{
	if (access("/proc/sys/net/ipv6", F_OK) == 0)
		return 0;
	return err_setx(ENOTSUP, "this kernel has no IPv6 (CONFIG_IPV6, or ipv6.disable=1 on "
			"its command line): create the network without --ipv6");
}

/* A unique local /64 (RFC 4193): fd, 40 random bits, subnet 0. */
static int net_ula(uint8_t out[16])
{
	memset(out, 0, 16);
	out[0] = 0xfd;
	if (getrandom(out + 1, 5, 0) != 5)
		return err_set(errno, "getrandom");
	return 0;
}

/* c's IPv6 block: the one given, checked against the other networks', or
 * a unique local /64 that overlaps none. */
static int net_place6(struct net_cfg *c, const struct net_cfg *v, size_t n)
{
	char want[IPAM_CIDR6_LEN], other[IPAM_CIDR6_LEN];
	bool pick = !c->prefix6;

	for (int tries = 0; tries < 8; tries++) {
		size_t i = 0;

		if (pick && net_ula(c->subnet6) < 0)
			return -err_errno();
		if (pick)
			c->prefix6 = 64;
		while (i < n && !(v[i].prefix6 && ipam_overlaps6(c->subnet6, c->prefix6,
								 v[i].subnet6, v[i].prefix6)))
			i++;
		if (i == n)
			return 0;
		if (pick)
			continue;
		ipam_cidr6_format(c->subnet6, c->prefix6, want);
		ipam_cidr6_format(v[i].subnet6, v[i].prefix6, other);
		return err_setx(EADDRINUSE, "Pool overlaps with other one on this address space: %s "
				"overlaps network %s's %s (choose another --subnet)", want,
				v[i].name, other);
	}
	return err_setx(EADDRINUSE, "no free unique local IPv6 block after 8 tries (give an "
			"IPv6 --subnet)");
}

/* The IPv6 gateway: the default ::1 of the block, or inside it. */
static int net_check_addrs6(struct net_cfg *c)
{
	char sub[IPAM_CIDR6_LEN], a[IPAM_IP6_LEN];
	uint8_t net[16];

	ipam_cidr6_format(c->subnet6, c->prefix6, sub);
	if (c->prefix6 > 126)
		return err_setx(EINVAL, "subnet %s is too small: it leaves no address for a "
				"container (use /126 or larger)", sub);
	if (ipam_is_zero6(c->gateway6)) {
		memcpy(c->gateway6, c->subnet6, 16);
		c->gateway6[15] |= 1;
	}
	ipam_ip6_format(c->gateway6, a);
	memcpy(net, c->subnet6, 16);
	if (!ipam_contains6(c->subnet6, c->prefix6, c->gateway6) || !memcmp(net, c->gateway6, 16))
		return err_setx(EINVAL, "no matching subnet for gateway %s: it must be an address "
				"of %s, not its first", a, sub);
	return 0;
}

/* Driver, name, bridge link name: what c says, checked, with defaults. */
static int net_check_names(struct net_cfg *c, const struct net_cfg *v, size_t n)
{
	const char *br = net_option(c, NET_OPT_BRIDGE);
	const struct net_cfg *other;

	if (!c->driver)
		c->driver = xstrdup("bridge");
	if (strcmp(c->driver, "bridge"))
		return err_setx(ENOTSUP, "network driver \"%s\" is not supported (use -d bridge)",
				c->driver);
	if (!c->name || !net_name_ok(c->name))
		return err_setx(EINVAL, "invalid network name \"%s\": only [a-zA-Z0-9][a-zA-Z0-9_.-] "
				"are allowed", c->name ? c->name : "");
	if ((other = net_by_name(v, n, c->name)))
		return err_setx(EEXIST, "network with name %s already exists (remove it, or choose "
				"another name)", c->name);
	if (!c->bridge)
		c->bridge = br ? xstrdup(br) : xasprintf("br-%.12s", c->id);
	if (!*c->bridge || strlen(c->bridge) >= IFNAMSIZ || strpbrk(c->bridge, "/ :\t\n") ||
	    !strcmp(c->bridge, ".") || !strcmp(c->bridge, ".."))
		return err_setx(EINVAL, "invalid bridge name \"%s\": at most %d characters, no / : "
				"or space", c->bridge, IFNAMSIZ - 1);
	for (size_t i = 0; i < n; i++)
		if (v[i].bridge && !strcmp(v[i].bridge, c->bridge))
			return err_setx(EEXIST, "bridge %s is already used by network %s (choose "
					"another " NET_OPT_BRIDGE ")", c->bridge, v[i].name);
	return 0;
}

/* Under the lock, with v the networks there are. */
static int net_create_locked(struct net_cfg *c, const struct net_cfg *v, size_t n)
{
	if (!c->id[0] && net_new_id(c->id) < 0)
		return -err_errno();
	if (net_check_names(c, v, n) < 0 || net_place(c, v, n) < 0 || net_check_addrs(c) < 0)
		return -err_errno();
	if (!c->ipv6 && (c->prefix6 || !ipam_is_zero6(c->gateway6)))
		return err_setx(EINVAL, "an IPv6 subnet or gateway needs --ipv6 (add it, or give IPv4 "
				"ones)");
	if (c->ipv6 && (net_ipv6_ok() < 0 || net_place6(c, v, n) < 0 || net_check_addrs6(c) < 0))
		return -err_errno();
	c->user_bridge = link_exists(c->bridge);
	c->created_ns = net_now();
	return net_commit(c);
}

/* The predefined network called name, filled in. */
static void net_builtin(const char *name, struct net_cfg *c)
{
	static const char *const bridge_opts[] = {
		"com.docker.network.bridge.default_bridge=true",
		"com.docker.network.bridge.enable_icc=true",
		"com.docker.network.bridge.enable_ip_masquerade=true",
		"com.docker.network.bridge.host_binding_ipv4=0.0.0.0",
		NET_OPT_BRIDGE "=" NET_DEFAULT_BRIDGE,
	};

	memset(c, 0, sizeof(*c));
	c->name = xstrdup(name);
	if (strcmp(name, "bridge")) {
		c->driver = xstrdup(!strcmp(name, "host") ? "host" : "null");
		return;
	}
	c->driver = xstrdup("bridge");
	c->bridge = xstrdup(NET_DEFAULT_BRIDGE);
	for (size_t i = 0; i < ARRAY_SIZE(bridge_opts); i++)
		strv_push(&c->options, bridge_opts[i]);
}

/* The default network on a device whose dory0 is there already, with an
 * address (another --root, or one given by the device's own set-up): its
 * subnet, as Docker takes docker0's, rather than a second address on it. */
static int net_bridge_adopt(struct net_cfg *c)
{
	uint32_t a;
	unsigned p;

	if (link_addr4(c->bridge, &a, &p) < 0 || !p || p > 30) {
		err_clear();
		return -ENOENT;
	}
	c->subnet = a & ipam_mask(p);
	c->prefix = p;
	c->gateway = a;
	return 0;
}

/* Make the predefined networks missing from v (under the lock); v is
 * read again when one was made. */
static int net_builtins_locked(struct net_cfg **v, size_t *n)
{
	static const char *const names[] = { "bridge", "host", "none" };
	bool made = false;

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		struct net_cfg c;
		int r;

		if (net_by_name(*v, *n, names[i]))
			continue;
		net_builtin(names[i], &c);
		if (c.bridge) {
			r = net_new_id(c.id);
			if (r == 0)
				r = net_bridge_adopt(&c) == 0 ? 0 : net_place(&c, *v, *n);
			if (r == 0)
				r = net_check_addrs(&c);
			if (r == 0) {
				c.user_bridge = link_exists(c.bridge);
				c.created_ns = net_now();
				r = net_commit(&c);
			}
		} else {
			r = net_new_id(c.id);
			c.created_ns = net_now();
			if (r == 0)
				r = net_commit(&c);
		}
		net_cfg_clear(&c);
		if (r < 0)
			return err_ctx("make the predefined network %s", names[i]);
		made = true;
	}
	if (!made)
		return 0;
	net_list_free(*v, *n);
	return net_read_all(v, n);
}

static int net_lock(unsigned flags)
{
	autofree char *dir = net_path(NULL), *p = net_path("lock");
	int lk;

	if (fsutil_mkdir_p(dir, 0700) < 0)
		return -err_errno();
	lk = lock_open(p, flags);
	return lk < 0 ? err_ctx("lock %s", p) : lk;
}

/* Every network, the predefined ones made first if missing. */
static int net_all(struct net_cfg **v, size_t *n)
{
	int lk, r;

	if (net_read_all(v, n) < 0)
		return -err_errno();
	if (net_by_name(*v, *n, "bridge") && net_by_name(*v, *n, "host") &&
	    net_by_name(*v, *n, "none"))
		return 0;
	net_list_free(*v, *n);
	lk = net_lock(LOCK_EXCL);
	if (lk < 0)
		return lk;
	r = net_read_all(v, n);
	if (r == 0) {
		net_sweep();
		r = net_builtins_locked(v, n);
	}
	lock_close(lk);
	return r;
}

int net_create(struct net_cfg *c)
{
	struct net_cfg *v = NULL;
	size_t n = 0;
	int lk, r;

	lk = net_lock(LOCK_EXCL);
	if (lk < 0)
		return lk;
	r = net_read_all(&v, &n);
	if (r == 0) {
		net_sweep();
		r = net_builtins_locked(&v, &n);
	}
	if (r == 0)
		r = net_create_locked(c, v, n);
	net_list_free(v, n);
	lock_close(lk);
	return r;
}

int net_list(struct net_cfg **v, size_t *n)
{
	return net_all(v, n);
}

/* ---- lookup ---- */

/* The index in v of ref: full id, name, unique id prefix; -1 recorded. */
static ssize_t net_find(const struct net_cfg *v, size_t n, const char *ref)
{
	size_t hits = 0, len = strlen(ref);
	ssize_t at = -1;

	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].id, ref))
			return (ssize_t)i;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, ref))
			return (ssize_t)i;
	for (size_t i = 0; len && i < n; i++)
		if (!strncmp(v[i].id, ref, len) && hits++ == 0)
			at = (ssize_t)i;
	if (hits > 1) {
		err_setx(EINVAL, "network %s is ambiguous: it matches %zu network ids (give more of "
			 "the id, or the name)", ref, hits);
		return -1;
	}
	if (at < 0)
		err_setx(ENOENT, "No such network: %s (see 'dory network ls')", ref);
	return at;
}

static void net_take(struct net_cfg *dst, struct net_cfg *src)
{
	*dst = *src;
	memset(src, 0, sizeof(*src));
}

int net_lookup(const char *ref, struct net_cfg *out)
{
	struct net_cfg *v;
	size_t n;
	ssize_t i;

	memset(out, 0, sizeof(*out));
	if (net_all(&v, &n) < 0)
		return -err_errno();
	i = net_find(v, n, ref);
	if (i >= 0)
		net_take(out, &v[i]);
	net_list_free(v, n);
	return i < 0 ? -err_errno() : 0;
}

/* ---- remove ---- */

/* Under the lock: refuse while leases live, then the link, the record. */
static int net_remove_locked(const struct net_cfg *c)
{
	autofree char *dir = net_path(c->id), *tmp = net_path("tmp");
	autofree char *gone = xasprintf("%s/%s", tmp, c->id);
	struct ipam_lease *l;
	size_t nv, nl = 0;

	if (ipam_list(c, &l, &nv) < 0)
		return -err_errno();
	for (size_t i = 0; i < nv; i++)
		nl += !l[i].v6;	/* one each, whatever else they hold */
	ipam_leases_free(l, nv);
	if (nl)
		return err_setx(EBUSY, "error while removing network: network %s has active "
				"endpoints (remove or disconnect its %zu container%s first)", c->name,
				nl, nl == 1 ? "" : "s");
	/* Its rules first: masquerade and isolation name its bridge. */
	if (c->bridge && ((nft_available() == 0 && nft_net_del(c->name, c->bridge) < 0) ||
			  (!c->user_bridge && link_del(c->bridge) < 0)))
		return -err_errno();
	if (fsutil_mkdir_p(tmp, 0700) < 0)
		return -err_errno();
	if (rename(dir, gone) < 0)
		return err_set(errno, "rename %s", dir);
	fsutil_rmtree_scratch(AT_FDCWD, gone);
	return 0;
}

int net_remove(const char *ref)
{
	struct net_cfg *v = NULL;
	size_t n = 0;
	ssize_t i = -1;
	int lk, r;

	lk = net_lock(LOCK_EXCL);
	if (lk < 0)
		return lk;
	r = net_read_all(&v, &n);
	if (r == 0)
		r = net_builtins_locked(&v, &n);
	if (r == 0 && (i = net_find(v, n, ref)) < 0)
		r = -err_errno();
	else if (r == 0 && net_is_builtin(&v[i]))
		r = err_setx(EPERM, "%s is a pre-defined network and cannot be removed", v[i].name);
	else if (r == 0)
		r = net_remove_locked(&v[i]);
	net_list_free(v, n);
	lock_close(lk);
	return r;
}

void net_forget(const char *ctr_id)
{
	struct net_cfg *v = NULL;
	size_t n = 0;

	if (nft_available() == 0 && nft_ports_del(ctr_id) < 0)
		err_clear();
	if (net_list(&v, &n) == 0)
		for (size_t i = 0; i < n; i++)
			if (v[i].prefix && ipam_release(&v[i], ctr_id) < 0)
				err_clear();
	net_list_free(v, n);
	err_clear();
}
