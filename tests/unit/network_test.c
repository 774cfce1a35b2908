// SPDX-License-Identifier: Apache-2.0
/* network_test.c - addresses and CIDRs, overlaps, Docker's pool choice,
 * the record's JSON, and create/lookup/remove in a scratch ROOT inside a
 * network namespace of the test's own (routes, bridge links). */
#include <errno.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/kernel/nl.h"
#include "core/kernel/proc.h"
#include "core/net/ipam.h"
#include "core/net/network.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/xalloc.h"
#include "nsutil.h"
#include "tap.h"
#include "fixture.h"

TEST(ipam_parses_addresses_and_cidrs_strictly)
{
	uint32_t a = 0;
	unsigned p = 0;
	char buf[20];

	CHECK_EQ_INT(ipam_ip_parse("172.18.0.2", &a), 0);
	CHECK_EQ_INT(a, 0xac120002);
	CHECK_EQ_INT(ipam_cidr_parse("10.0.0.0/8", &a, &p), 0);
	CHECK_EQ_INT(a, 0x0a000000);
	CHECK_EQ_INT(p, 8);
	CHECK_EQ_INT(ipam_cidr_parse("0.0.0.0/0", &a, &p), 0);
	CHECK_EQ_INT(ipam_cidr_parse("10.1.2.3/24", &a, &p), -EINVAL);
	CHECK(strstr(err_str(), "use 10.1.2.0/24") != NULL);
	static const char *const bad[] = { "10.0.0.0/33", "10.0.0/8", "010.0.0.0/8", "10.0.0.0/",
					   "10.0.0.0/08", "10.0.0.0", "256.0.0.0/8", "a.b.c.d/8",
					   "10.0.0.0/8x", " 10.0.0.0/8", "10..0.0/8" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (ipam_cidr_parse(bad[i], &a, &p) != -EINVAL)
			TAP_FAIL("%s parsed", bad[i]);
	CHECK_EQ_INT(ipam_cidr_parse("fd00::/64", &a, &p), -EINVAL);
	CHECK(strstr(err_str(), "IPv6") != NULL);
	CHECK_EQ_INT(ipam_ip_parse("1.2.3.256", &a), -EINVAL);
	CHECK_EQ_INT(ipam_ip_parse("1.2.3.4.5", &a), -EINVAL);
	CHECK_EQ_INT(ipam_ip_parse("::1", &a), -EINVAL);
	ipam_cidr_format(0xc0a81000, 20, buf);
	CHECK_EQ_STR(buf, "192.168.16.0/20");
	CHECK_EQ_INT(ipam_mask(0), 0);
	CHECK_EQ_INT(ipam_mask(32), 0xffffffff);
	CHECK_EQ_INT(ipam_mask(20), 0xfffff000);
}

TEST(ipam_overlaps_both_ways)
{
	CHECK(ipam_overlaps(0x0a000000, 8, 0x0a010000, 16));
	CHECK(ipam_overlaps(0x0a010000, 16, 0x0a000000, 8));
	CHECK(!ipam_overlaps(0x0a000000, 16, 0x0a010000, 16));
	CHECK(ipam_overlaps(0, 0, 0xc0a80000, 16));
	CHECK(!ipam_overlaps(0xac110000, 16, 0xac120000, 16));
	CHECK(ipam_contains(0xac110000, 16, 0xac11ffff));
	CHECK(!ipam_contains(0xac110000, 16, 0xac120000));
}

TEST(net_pool_pick_follows_dockers_defaults)
{
	struct ipam_span used[20], got;
	size_t n = 0;

	CHECK_EQ_INT(net_pool_pick(NULL, 0, &got), 0);
	CHECK_EQ_INT(got.addr, 0xac110000);	/* 172.17.0.0/16 */
	CHECK_EQ_INT(got.prefix, 16);
	used[n++] = (struct ipam_span){ 0xac110000, 16 };
	used[n++] = (struct ipam_span){ 0xac120500, 24 };	/* a route inside 172.18 */
	CHECK_EQ_INT(net_pool_pick(used, n, &got), 0);
	CHECK_EQ_INT(got.addr, 0xac130000);	/* 172.19.0.0/16 */
	used[n++] = (struct ipam_span){ 0xac100000, 12 };	/* all of 172.16/12 */
	CHECK_EQ_INT(net_pool_pick(used, n, &got), 0);
	CHECK_EQ_INT(got.addr, 0xc0a80000);	/* 192.168.0.0/20 */
	CHECK_EQ_INT(got.prefix, 20);
	used[n++] = (struct ipam_span){ 0xc0a80000, 20 };
	CHECK_EQ_INT(net_pool_pick(used, n, &got), 0);
	CHECK_EQ_INT(got.addr, 0xc0a81000);	/* 192.168.16.0/20 */
	used[n++] = (struct ipam_span){ 0xc0a80000, 16 };
	CHECK_EQ_INT(net_pool_pick(used, n, &got), -ENOSPC);
	CHECK(strstr(err_str(), "non-overlapping IPv4 address pool") != NULL);
	used[0] = (struct ipam_span){ 0, 0 };	/* a route to everything */
	CHECK_EQ_INT(net_pool_pick(used, 1, &got), -ENOSPC);
}

TEST(net_names_as_docker_takes_them)
{
	CHECK(net_name_ok("a"));
	CHECK(net_name_ok("my-net_1.x"));
	CHECK(!net_name_ok(""));
	CHECK(!net_name_ok("-x"));
	CHECK(!net_name_ok("a/b"));
	CHECK(!net_name_ok("a b"));
	CHECK(!net_name_ok("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

TEST(net_record_round_trips)
{
	struct net_cfg c = { 0 }, d;
	char *text;

	memset(c.id, 'b', NET_ID_LEN);
	c.name = xstrdup("lan");
	c.driver = xstrdup("bridge");
	c.bridge = xstrdup("br-lan0");
	c.subnet = 0x0a2a0000, c.prefix = 16, c.gateway = 0x0a2a00fe;
	c.range = 0x0a2a0100, c.range_prefix = 24;
	c.internal = true;
	c.created_ns = 1765000000123456789LL;
	strv_push(&c.labels, "a=b");
	strv_push(&c.options, "com.docker.network.bridge.name=br-lan0");
	text = net_cfg_json(&c);
	CHECK_EQ_INT(net_cfg_parse(text, &d), 0);
	CHECK_EQ_STR(d.name, "lan");
	CHECK_EQ_STR(d.bridge, "br-lan0");
	CHECK_EQ_INT(d.subnet, c.subnet);
	CHECK_EQ_INT(d.prefix, 16);
	CHECK_EQ_INT(d.gateway, c.gateway);
	CHECK_EQ_INT(d.range, c.range);
	CHECK_EQ_INT(d.range_prefix, 24);
	CHECK(d.internal && !d.user_bridge);
	CHECK_EQ_INT(d.created_ns, c.created_ns);
	CHECK_EQ_STR(net_option(&d, "com.docker.network.bridge.name"), "br-lan0");
	CHECK_EQ_STR(d.labels.v[0], "a=b");
	net_cfg_clear(&d);
	CHECK_EQ_INT(net_cfg_parse("{\"Name\": \"x\"}", &d), -EINVAL);
	free(text);
	net_cfg_clear(&c);
}

/* ---- in a network namespace of the test's own ---- */

/* A bridge t-rt0, up, with addr/prefix: the kernel adds a route of its
 * subnet to the main table (on lo it would go to the local table). */
static int route_to(uint32_t addr, unsigned prefix)
{
	struct nl_msg m = { 0 };
	struct ifaddrmsg *ifa;
	int r;

	if (nl_link_add("t-rt0", "bridge", NULL) < 0 || nl_link_up("t-rt0") < 0)
		return -1;
	ifa = nl_msg_begin(&m, RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (unsigned char)prefix;
	ifa->ifa_index = if_nametoindex("t-rt0");
	nl_put_be32(&m, IFA_LOCAL, addr);
	nl_put_be32(&m, IFA_ADDRESS, addr);
	r = nl_talk_once(NETLINK_ROUTE, &m, NULL, NULL);
	nl_msg_free(&m);
	return r;
}

static bool link_there(const char *name)
{
	bool up;

	return nl_link_is_up(name, &up) == 0;
}

static struct net_cfg mk(const char *name, const char *subnet)
{
	struct net_cfg c = { 0 };

	c.name = xstrdup(name);
	if (subnet && ipam_cidr_parse(subnet, &c.subnet, &c.prefix) < 0)
		abort();
	return c;
}

#define STEP(cond) do { if (!(cond)) { printf("#   %s: %s\n", #cond, err_str()); fflush(stdout); \
	return __LINE__ % 250 + 1; } } while (0)

/* create with Docker's checks; each failure is a line of this file */
static int ns_create(void)
{
	struct net_cfg b, c, v;
	char buf[20];

	STEP(nl_link_up("lo") == 0);
	STEP(net_lookup("bridge", &b) == 0);	/* made on first use */
	ipam_cidr_format(b.subnet, b.prefix, buf);
	STEP(!strcmp(buf, "172.17.0.0/16") && b.gateway == 0xac110001);
	STEP(!strcmp(b.bridge, "dory0") && !strcmp(b.driver, "bridge"));
	STEP(net_lookup("host", &v) == 0 && !strcmp(v.driver, "host") && v.prefix == 0);
	net_cfg_clear(&v);
	STEP(net_lookup("none", &v) == 0 && !strcmp(v.driver, "null"));
	net_cfg_clear(&v);
	c = mk("a", NULL);
	STEP(net_create(&c) == 0 && c.subnet == 0xac120000 && c.prefix == 16);
	STEP(!strncmp(c.bridge, "br-", 3) && !strncmp(c.bridge + 3, c.id, 12));
	STEP(net_lookup(c.id, &v) == 0 && !strcmp(v.name, "a"));
	net_cfg_clear(&v);
	memcpy(buf, c.id, 5), buf[5] = '\0';
	STEP(net_lookup(buf, &v) == 0 && !strcmp(v.name, "a"));	/* a unique prefix */
	net_cfg_clear(&v);
	net_cfg_clear(&c);
	c = mk("a", "10.5.0.0/16");
	STEP(net_create(&c) == -EEXIST && strstr(err_str(), "already exists"));
	net_cfg_clear(&c);
	c = mk("b", "172.18.5.0/24");
	STEP(net_create(&c) == -EADDRINUSE && strstr(err_str(), "Pool overlaps"));
	net_cfg_clear(&c);
	STEP(route_to(0x0a630001, 24) == 0);	/* the host has a route to 10.99.0.0/24 */
	c = mk("b", "10.99.0.0/16");
	STEP(net_create(&c) == -EADDRINUSE && strstr(err_str(), "route to 10.99.0.0/24"));
	net_cfg_clear(&c);
	c = mk("b", "10.7.0.0/24");
	c.gateway = 0x0a080001;
	STEP(net_create(&c) == -EINVAL && strstr(err_str(), "no matching subnet for gateway"));
	c.gateway = 0x0a0700ff;	/* the broadcast address */
	STEP(net_create(&c) == -EINVAL);
	c.gateway = 0;
	c.range = 0x0a070000, c.range_prefix = 23;
	STEP(net_create(&c) == -EINVAL && strstr(err_str(), "no matching subnet for range"));
	c.range = 0x0a070080, c.range_prefix = 25;
	c.driver = xstrdup("overlay");
	STEP(net_create(&c) == -ENOTSUP);
	net_cfg_clear(&c);
	c = mk("b", "10.7.0.0/24");
	strv_push(&c.options, "com.docker.network.bridge.name=dory0");
	STEP(net_create(&c) == -EEXIST && strstr(err_str(), "used by network bridge"));
	net_cfg_clear(&c);
	c = mk("b/x", NULL);
	STEP(net_create(&c) == -EINVAL);
	net_cfg_clear(&c);
	c = mk("b", "10.7.0.0/31");
	STEP(net_create(&c) == -EINVAL && strstr(err_str(), "too small"));
	net_cfg_clear(&c);
	c = mk("b", "10.7.0.0/24");
	c.range = 0x0a070080, c.range_prefix = 25;
	STEP(net_create(&c) == 0 && c.gateway == 0x0a070001);
	net_cfg_clear(&c);
	STEP(net_lookup("nope", &v) == -ENOENT && strstr(err_str(), "No such network: nope"));
	net_cfg_clear(&b);
	return 0;
}

TEST(net_create_checks_as_docker)
{
	char *root;

	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	root = fix_tmpdir("net");
	dory.root = root;
	CHECK_EQ_INT(in_ns(CLONE_NEWNET, ns_create), 0);
	fix_rmtree(root);
}

static unsigned long long self_start(void)
{
	struct proc_info p;

	return proc_stat(getpid(), &p) < 0 ? 0 : p.start;
}

/* rm: predefined refused, busy while leased, its own bridge deleted, a
 * bridge that was there before kept, nothing of the record left. */
static int ns_remove(void)
{
	struct net_cfg c = mk("r", NULL), u = mk("u", NULL), *v;
	struct ipam_holder h = { "ctr1", "web", NULL, getpid(), self_start() };
	uint32_t ip;
	size_t n;
	char *dir = xasprintf("%s/" NET_DIR "/tmp/%064d", dory.root, 0), *f;

	/* a create killed before its rename: not listed, swept by the next */
	STEP(fsutil_mkdir_p(dir, 0700) == 0);
	f = xasprintf("%s/config.json", dir);
	STEP(fsutil_write_atomic(f, "{}", false) == 0);
	free(f), free(dir);
	STEP(net_remove("bridge") == -EPERM && strstr(err_str(), "pre-defined"));
	STEP(net_remove("none") == -EPERM);
	STEP(net_create(&c) == 0);
	STEP(nl_link_add(c.bridge, "bridge", NULL) == 0);	/* as link.c makes it */
	STEP(ipam_lease(&c, &h, 0, &ip) == 0);
	STEP(net_remove("r") == -EBUSY && strstr(err_str(), "has active endpoints"));
	STEP(link_there(c.bridge));
	STEP(ipam_release(&c, "ctr1") == 0);
	STEP(net_remove(c.id) == 0);
	STEP(!link_there(c.bridge));
	STEP(net_lookup("r", &c) == -ENOENT);
	STEP(nl_link_add("t-user0", "bridge", NULL) == 0);
	strv_push(&u.options, "com.docker.network.bridge.name=t-user0");
	STEP(net_create(&u) == 0 && u.user_bridge && !strcmp(u.bridge, "t-user0"));
	STEP(net_remove("u") == 0 && link_there("t-user0"));
	STEP(net_list(&v, &n) == 0 && n == 3);	/* bridge, host, none */
	STEP(!strcmp(v[0].name, "bridge") && !strcmp(v[2].name, "none"));
	net_list_free(v, n);
	dir = xasprintf("%s/" NET_DIR "/tmp", dory.root);
	STEP(rmdir(dir) == 0);	/* empty: nothing staged is left */
	free(dir);
	net_cfg_clear(&u);
	return 0;
}

TEST(net_remove_refuses_busy_and_deletes_its_bridge)
{
	char *root;

	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	root = fix_tmpdir("net");
	dory.root = root;
	CHECK_EQ_INT(in_ns(CLONE_NEWNET, ns_remove), 0);
	fix_rmtree(root);
}

/* --ipv6: the block given (checked against the others'), or a unique
 * local /64; the gateway ::1 of it; the record keeps all of it. */
static int ns_create6(void)
{
	struct net_cfg c = mk("six", "10.60.0.0/24"), d = mk("auto", NULL), v;
	char buf[IPAM_CIDR6_LEN];

	STEP(nl_link_up("lo") == 0);
	c.ipv6 = true;
	STEP(ipam_cidr6_parse("fd60::/64", c.subnet6, &c.prefix6) == 0);
	STEP(net_create(&c) == 0);
	ipam_ip6_format(c.gateway6, buf);
	STEP(!strcmp(buf, "fd60::1"));
	STEP(net_lookup("six", &v) == 0 && v.ipv6 && v.prefix6 == 64 &&
	     !memcmp(v.subnet6, c.subnet6, 16) && !memcmp(v.gateway6, c.gateway6, 16));
	net_cfg_clear(&v);
	d.ipv6 = true;
	STEP(net_create(&d) == 0 && d.prefix6 == 64 && d.subnet6[0] == 0xfd);
	STEP(!ipam_overlaps6(d.subnet6, 64, c.subnet6, 64));
	ipam_cidr6_format(d.subnet6, 64, buf);
	STEP(strlen(buf) > 8 && !strcmp(buf + strlen(buf) - 5, "::/64"));
	net_cfg_clear(&d);
	d = mk("over", NULL);
	d.ipv6 = true;
	STEP(ipam_cidr6_parse("fd60::/48", d.subnet6, &d.prefix6) == 0);
	STEP(net_create(&d) == -EADDRINUSE && strstr(err_str(), "overlaps network six's fd60::/64"));
	STEP(ipam_cidr6_parse("fd61::/64", d.subnet6, &d.prefix6) == 0);
	STEP(ipam_ip6_parse("fd62::1", d.gateway6) == 0);
	STEP(net_create(&d) == -EINVAL && strstr(err_str(), "no matching subnet for gateway fd62::1"));
	memset(d.gateway6, 0, 16);
	STEP(ipam_cidr6_parse("fd61::/127", d.subnet6, &d.prefix6) == 0);
	STEP(net_create(&d) == -EINVAL && strstr(err_str(), "too small"));
	d.ipv6 = false;
	STEP(ipam_cidr6_parse("fd61::/64", d.subnet6, &d.prefix6) == 0);
	STEP(net_create(&d) == -EINVAL && strstr(err_str(), "needs --ipv6"));
	net_cfg_clear(&d);
	net_cfg_clear(&c);
	return 0;
}

TEST(net_create_ipv6)
{
	char *root;

	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	SKIP_IF(access("/proc/sys/net/ipv6", F_OK) != 0, "this kernel has no IPv6");
	root = fix_tmpdir("net");
	dory.root = root;
	CHECK_EQ_INT(in_ns(CLONE_NEWNET, ns_create6), 0);
	fix_rmtree(root);
}
