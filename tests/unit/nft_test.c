// SPDX-License-Identifier: Apache-2.0
/* nft_test.c - dory's nf_tables tables (ip and ip6) in throw-away network
 * namespaces: the rules as `nft` (Debian's nftables) prints them, changes
 * by tag, a batch that fails, a firewall's table left alone, and real
 * traffic (IPv4 and IPv6) through DNAT and masquerade between namespaces
 * standing for the device, its containers and a LAN client. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include "core/kernel/nl.h"
#include "core/net/nft.h"
#include "core/util/err.h"
#include "nsutil.h"
#include "tap.h"

#define CTR "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const struct nft_net front = { .name = "front", .bridge = "dtbr0", .subnet = 0xac1e0000,
				      .prefix = 24 };
static const struct nft_net back = { .name = "back", .bridge = "dtbr1", .subnet = 0xac1f0000,
				     .prefix = 24, .internal = true };
static const struct nft_port web[] = {
	{ .proto = IPPROTO_TCP, .host_port = 8080, .ctr_ip = 0xac1e0002, .ctr_port = 80 },
	{ .proto = IPPROTO_UDP, .host_ip = 0x7f000001, .host_port = 5353, .ctr_ip = 0xac1e0002,
	  .ctr_port = 53 },
};

/* fd00:30::/64 (front), fd00:31::/64 (side), fd00:32::/64 (back); the LAN
 * is fd00:9::/64. */
#define FD(n) 0xfd, 0, 0, (n)
static const uint8_t net6[3][16] = { { FD(0x30) }, { FD(0x31) }, { FD(0x32) } };
static const struct nft_net front6 = { .name = "front", .bridge = "dtbr0", .subnet = 0xac1e0000,
				       .prefix = 24, .subnet6 = net6[0], .prefix6 = 64 };
static const struct nft_net back6 = { .name = "back", .bridge = "dtbr1", .subnet = 0xac1f0000,
				      .prefix = 24, .internal = true, .subnet6 = net6[1],
				      .prefix6 = 64 };
static const struct nft_port web6[] = {
	{ .proto = IPPROTO_TCP, .host_port = 8080, .ctr_port = 80, .v6 = true,
	  .ctr_ip6 = { FD(0x30), [15] = 2 } },
	{ .proto = IPPROTO_UDP, .host_port = 5353, .ctr_port = 53, .v6 = true,
	  .host_ip6 = { FD(9), [15] = 1 }, .ctr_ip6 = { FD(0x30), [15] = 2 } },
};

static bool have_nft(void)
{
	return system("nft --version >/dev/null 2>&1") == 0;
}

/* Output of a shell command (allocated, "" on failure). */
static char *run(const char *fmt, ...)
{
	char cmd[512], *out = calloc(1, 16384);
	size_t n = 0;
	va_list ap;
	FILE *f;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	f = popen(cmd, "r");
	if (!f)
		return out;
	while (n < 16383 && fgets(out + n, (int)(16384 - n), f))
		n = strlen(out);
	pclose(f);
	return out;
}

/* fn in a new network namespace; what stdout holds is not inherited. */
static int in_netns(int (*fn)(void))
{
	fflush(stdout);
	return in_ns(CLONE_NEWNET, fn);
}

/* A test of fn run in a network namespace of its own, with nft. */
#define NFT_TEST(name, fn)                                                        \
	TEST(name)                                                                \
	{                                                                         \
		SKIP_IF(ns_unavailable(),                                         \
			"namespaces need root, not under qemu-user or valgrind"); \
		SKIP_IF(!have_nft(), "no nft (Debian's nftables)");               \
		CHECK_EQ_INT(in_netns(fn), 0);                                    \
	}

/* A failed step of a check run in a child: its number and dory's error. */
static int fail(int step)
{
	printf("# step %d: %s\n", step, err_str());
	fflush(stdout);	/* the child leaves by _exit */
	return step;
}

/* got == want, else both printed as TAP comments. */
static bool same(const char *what, char *got, const char *want)
{
	bool ok = !strcmp(got, want);

	if (!ok)
		printf("# %s: got\n%s# want\n%s", what, got, want);
	fflush(stdout);	/* the child leaves by _exit */
	free(got);
	return ok;
}

static const char front_rules[] =
	"table ip dory {\n"
	"\tchain prerouting {\n"
	"\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
	"\t}\n"
	"\n"
	"\tchain output {\n"
	"\t\ttype nat hook output priority -100; policy accept;\n"
	"\t}\n"
	"\n"
	"\tchain postrouting {\n"
	"\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
	"\t\tip saddr 172.30.0.0/24 oifname != \"dtbr0\" masquerade comment \"front\"\n"
	"\t\toifname \"dtbr0\" ip saddr 172.30.0.0/24 ct status dnat masquerade comment \"front\"\n"
	"\t\toifname \"dtbr0\" ip saddr 127.0.0.0/8 masquerade comment \"front\"\n"
	"\t}\n"
	"\n"
	"\tchain forward {\n"
	"\t\ttype filter hook forward priority filter; policy accept;\n"
	"\t\tiifname \"dtbr0\" oifname != \"dtbr0\" ct status ! dnat jump isolate comment \"front\"\n"
	"\t}\n"
	"\n"
	"\tchain input {\n"
	"\t\ttype filter hook input priority filter; policy accept;\n"
	"\t\tiifname \"dtbr0\" ip daddr 127.0.0.0/8 ct state ! established,related drop comment \"front\"\n"
	"\t}\n"
	"\n"
	"\tchain isolate {\n"
	"\t\toifname \"dtbr0\" drop comment \"front\"\n"
	"\t}\n"
	"}\n";

/* The bridges the networks name, in the namespace of the test. */
static int bridges(void)
{
	return nl_link_add("dtbr0", "bridge", NULL) < 0 || nl_link_add("dtbr1", "bridge", NULL) < 0;
}

static int net_rules(void)
{
	if (bridges() || nft_net_add(&front) < 0)
		return fail(1);
	if (!same("front", run("nft list table ip dory"), front_rules))
		return fail(2);
	if (!same("route_localnet", run("cat /proc/sys/net/ipv4/conf/dtbr0/route_localnet"), "1\n"))
		return fail(3);
	if (nft_net_add(&front) < 0)	/* idempotent: replaced, not doubled */
		return fail(4);
	if (!same("front again", run("nft list table ip dory"), front_rules))
		return fail(5);
	if (nft_net_add(&back) < 0)
		return fail(6);
	if (!same("back", run("nft list chain ip dory forward"),
		  "table ip dory {\n"
		  "\tchain forward {\n"
		  "\t\ttype filter hook forward priority filter; policy accept;\n"
		  "\t\tiifname \"dtbr0\" oifname != \"dtbr0\" ct status ! dnat jump isolate comment \"front\"\n"
		  "\t\tiifname \"dtbr1\" oifname != \"dtbr1\" drop comment \"back\"\n"
		  "\t\toifname \"dtbr1\" iifname != \"dtbr1\" drop comment \"back\"\n"
		  "\t}\n"
		  "}\n"))
		return fail(7);
	if (!same("route_localnet internal", run("cat /proc/sys/net/ipv4/conf/dtbr1/route_localnet"),
		  "0\n"))
		return fail(8);
	if (nft_net_del("back", "dtbr1") < 0 || nft_net_del("back", "dtbr1") < 0)
		return fail(9);
	if (!same("front after back", run("nft list table ip dory"), front_rules))
		return fail(10);
	if (nft_net_del("front", "dtbr0") < 0)
		return fail(11);
	if (!same("no table", run("nft list tables"), ""))
		return fail(12);
	if (!same("route_localnet reset", run("cat /proc/sys/net/ipv4/conf/dtbr0/route_localnet"),
		  "0\n"))
		return fail(13);
	return 0;
}

NFT_TEST(nft_network_rules_as_nft_prints_them, net_rules)

/* front6 in table ip6, its chains and rules: front_rules' but those of
 * route_localnet (no input chain). */
static const char front6_rules[] =
	"\tchain prerouting {\n\tchain output {\n\tchain postrouting {\n"
	"\t\tip6 saddr fd00:30::/64 oifname != \"dtbr0\" masquerade comment \"front\"\n"
	"\t\toifname \"dtbr0\" ip6 saddr fd00:30::/64 ct status dnat masquerade comment \"front\"\n"
	"\tchain forward {\n"
	"\t\tiifname \"dtbr0\" oifname != \"dtbr0\" ct status ! dnat jump isolate comment \"front\"\n"
	"\tchain isolate {\n"
	"\t\toifname \"dtbr0\" drop comment \"front\"\n";

static int net6_rules(void)
{
	char *ip4;
	bool ok;

	if (bridges() || nft_net_add(&front) < 0)
		return fail(1);
	if (!same("IPv4 only", run("nft list tables"), "table ip dory\n"))
		return fail(2);
	if (nft_net_add(&front6) < 0 || nft_net_add(&front6) < 0)	/* replaced, not doubled */
		return fail(3);
	if (!same("front6", run("nft list table ip6 dory | grep -e chain -e comment"),
		  front6_rules) ||
	    !same("front6 in ip", run("nft list table ip dory"), front_rules))
		return fail(4);
	/* Isolation and internal networks: the same rules as in table ip
	 * (net_rules checks those). */
	if (nft_net_add(&back6) < 0)
		return fail(5);
	ip4 = run("nft list chain ip dory forward | tail -n +2");
	ok = same("back6", run("nft list chain ip6 dory forward | tail -n +2"), ip4) &&
	     same("back6's", run("nft list chain ip6 dory forward | grep -c comment"), "3\n");
	free(ip4);
	if (!ok)
		return fail(5);
	/* Without subnet6 again: its IPv6 rules go, the other's stay. */
	if (nft_net_add(&front) < 0 ||
	    !same("front without IPv6", run("nft list table ip6 dory | grep -o 'comment.*'"),
		  "comment \"back\"\ncomment \"back\"\n") ||
	    !same("front in ip", run("nft list table ip dory | grep -c '\"front\"'"), "6\n"))
		return fail(6);
	/* The ip6 table goes with its last rule, the ip one stays. */
	if (nft_net_del("back", "dtbr1") < 0 || !same("ip6 gone", run("nft list tables"),
						       "table ip dory\n"))
		return fail(7);
	if (nft_net_add(&front6) < 0 || nft_net_del("front", "dtbr0") < 0 ||
	    !same("both gone", run("nft list tables"), ""))
		return fail(8);
	return 0;
}

NFT_TEST(nft_ipv6_network_rules_in_table_ip6, net6_rules)

static const char web_pre[] =
	"table ip dory {\n"
	"\tchain prerouting {\n"
	"\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
	"\t\tfib daddr type local tcp dport 8080 dnat to 172.30.0.2:80 comment \"" CTR "\"\n"
	"\t\tip daddr 127.0.0.1 udp dport 5353 dnat to 172.30.0.2:53 comment \"" CTR "\"\n"
	"\t}\n"
	"}\n";

static int port_rules(void)
{
	struct strv tags = { 0 };
	int r = 0;

	if (bridges() || nft_net_add(&front) < 0 || nft_ports_add(CTR, web, 2) < 0)
		return fail(1);
	if (!same("prerouting", run("nft list chain ip dory prerouting"), web_pre))
		return fail(2);
	if (!same("output", run("nft list chain ip dory output | grep dnat"),
		  "\t\tfib daddr type local tcp dport 8080 dnat to 172.30.0.2:80 comment \"" CTR "\"\n"
		  "\t\tip daddr 127.0.0.1 udp dport 5353 dnat to 172.30.0.2:53 comment \"" CTR "\"\n"))
		return fail(3);
	if (nft_ports_add(CTR, web, 2) < 0 || !same("again", run("nft list chain ip dory prerouting"),
						     web_pre))
		return fail(4);
	if (nft_ports_add("other", web + 1, 1) < 0 || nft_tags(&tags) < 0)
		return fail(5);
	/* In the order of the chains: the ports' first. */
	if (tags.n != 3 || strcmp(tags.v[0], CTR) || strcmp(tags.v[1], "other") ||
	    strcmp(tags.v[2], "front"))
		r = fail(6);
	strv_free(&tags);
	if (r)
		return r;
	/* A container's ports replaced by fewer: only the other's remain. */
	if (nft_ports_add(CTR, web, 1) < 0 || nft_ports_del("other") < 0)
		return fail(7);
	if (!same("one port", run("nft list chain ip dory prerouting | grep -c dnat"), "1\n"))
		return fail(8);
	/* A network's deletion leaves ports alone, and the other way round. */
	if (nft_net_del(CTR, NULL) < 0 || nft_ports_del("front") < 0)
		return fail(9);
	if (!same("kept", run("nft list table ip dory | grep -c comment"), "8\n"))	/* 6 + 2 */
		return fail(10);
	if (nft_ports_del(CTR) < 0 || nft_ports_del(CTR) < 0 || nft_net_del("front", NULL) < 0)
		return fail(11);
	if (!same("no table", run("nft list tables"), ""))
		return fail(12);
	if (nft_tags(&tags) < 0 || tags.n)
		return fail(13);
	return 0;
}

NFT_TEST(nft_ports_by_tag_and_idempotent, port_rules)

/* Every local address but ::1 from the device itself (output), which
 * IPv6 cannot send out of lo. */
static const char web6_dnat[] =
	"\t\tfib daddr type local tcp dport 8080 dnat to [fd00:30::2]:80 comment \"" CTR "\"\n"
	"\t\tip6 daddr fd00:9::1 udp dport 5353 dnat to [fd00:30::2]:53 comment \"" CTR "\"\n";
static const char web6_out[] =
	"\t\tip6 daddr != ::1 fib daddr type local tcp dport 8080 dnat to [fd00:30::2]:80 comment "
	"\"" CTR "\"\n"
	"\t\tip6 daddr fd00:9::1 udp dport 5353 dnat to [fd00:30::2]:53 comment \"" CTR "\"\n";

static int tags_are(const char *want)
{
	struct strv tags = { 0 };
	char got[512] = "";

	if (nft_tags(&tags) < 0)
		return 0;
	for (size_t i = 0; i < tags.n; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s ", tags.v[i]);
	strv_free(&tags);
	return same("tags", strdup(got), want);
}

static int port6_rules(void)
{
	struct nft_port both[] = { web[0], web6[0], web[1], web6[1] };

	if (bridges() || nft_net_add(&front6) < 0 || nft_ports_add(CTR, both, 4) < 0)
		return fail(1);
	if (!same("prerouting6", run("nft list chain ip6 dory prerouting | grep dnat"),
		  web6_dnat) ||
	    !same("output6", run("nft list chain ip6 dory output | grep dnat"), web6_out) ||
	    !same("prerouting", run("nft list chain ip dory prerouting"), web_pre))
		return fail(2);
	if (nft_ports_add(CTR, both, 4) < 0 ||	/* replaced in both, not doubled */
	    !same("again", run("nft list ruleset | grep -c 'dnat to'"), "8\n"))
		return fail(3);
	/* A tag found in table ip6 only is a tag too. */
	if (nft_ports_add("six", web6, 1) < 0 || !tags_are(CTR " front six "))
		return fail(4);
	/* Replaced by IPv4 ports alone: none left in ip6. */
	if (nft_ports_add(CTR, web, 2) < 0 ||
	    !same("no CTR in ip6", run("nft list table ip6 dory | grep -c " CTR), "0\n") ||
	    !same("CTR in ip", run("nft list table ip dory | grep -c " CTR), "4\n"))
		return fail(5);
	if (nft_ports_del("six") < 0 || nft_ports_del("six") < 0 ||
	    !same("front's", run("nft list table ip6 dory | grep -c comment"), "4\n"))
		return fail(6);
	if (nft_net_del("front", NULL) < 0 || !same("no ip6", run("nft list tables"),
						     "table ip dory\n"))
		return fail(7);
	/* An IPv6 port alone makes table ip6 alone. */
	if (nft_ports_add(CTR, web6, 2) < 0 || !same("ip6 only", run("nft list tables"),
						      "table ip6 dory\n"))
		return fail(8);
	if (nft_ports_del(CTR) < 0 || !same("none", run("nft list tables"), ""))
		return fail(9);
	return 0;
}

NFT_TEST(nft_ipv6_ports_by_tag_in_both_tables, port6_rules)

/* A range of 3000 published ports is one batch of 6000 rules, too. */
static int many_ports(void)
{
	enum { N = 3000 };
	struct nft_port *p = calloc(N, sizeof(*p));

	for (int i = 0; i < N; i++)
		p[i] = (struct nft_port){ .proto = IPPROTO_TCP, .host_port = (uint16_t)(20000 + i),
					  .ctr_ip = 0xac1e0002, .ctr_port = (uint16_t)(20000 + i) };
	if (nft_ports_add(CTR, p, N) < 0)
		return fail(1);
	free(p);
	if (!same("rules", run("nft list table ip dory | grep -c 'dnat to'"), "6000\n"))
		return fail(2);
	if (nft_ports_del(CTR) < 0 || !same("none", run("nft list tables"), ""))
		return fail(3);
	return 0;
}

NFT_TEST(nft_a_range_of_ports_in_one_batch, many_ports)

/* A batch the kernel refuses halfway (a chain called output already there
 * with another type) leaves the table as it was, byte for byte. */
static int refused_batch(void)
{
	char *before;
	int r;

	if (system("nft add table ip dory && nft add chain ip dory output "
		   "'{ type filter hook output priority 0; }' && "
		   "nft add rule ip dory output counter comment '\"x\"'") != 0)
		return fail(1);
	before = run("nft list ruleset");
	r = nft_ports_add(CTR, web, 2);	/* the kernel says EOPNOTSUPP */
	if (r >= 0 || !strstr(err_str(), "table ip dory for " CTR))
		return fail(2);
	if (!same("ruleset", run("nft list ruleset"), before))
		return fail(3);
	free(before);
	return 0;
}

NFT_TEST(nft_a_refused_batch_changes_nothing, refused_batch)

static int bad_input6(void)
{
	struct nft_port p = web6[0];
	struct nft_net n = front6;

	n.prefix6 = 16;	/* fd00:30:: has bits past /16 */
	if (nft_net_add(&n) != -EINVAL ||
	    strcmp(err_str(), "network front: subnet fd00:30::/16 has host bits or a bad prefix"))
		return fail(7);
	n.prefix6 = 0;
	if (nft_net_add(&n) != -EINVAL)
		return fail(8);
	n.prefix6 = 129;
	if (nft_net_add(&n) != -EINVAL)
		return fail(9);
	memset(p.ctr_ip6, 0, sizeof(p.ctr_ip6));
	if (nft_ports_add(CTR, &p, 1) != -EINVAL)
		return fail(10);
	if (!same("nothing", run("nft list ruleset"), ""))
		return fail(11);
	return 0;
}

static int bad_input(void)
{
	static const struct nft_port bad[] = {
		{ .proto = 47, .host_port = 1, .ctr_ip = 0xac1e0002, .ctr_port = 1 }
	};
	struct nft_net n = front;

	if (bridges())
		return fail(1);
	if (nft_ports_add("a\"b\n", web, 1) != -EINVAL ||
	    strcmp(err_str(), "rule tag \"a\"b?\": not 1 to 127 letters, digits, '_', '.' or '-'") ||
	    nft_ports_add(CTR, bad, 1) != -EINVAL)
		return fail(2);
	n.subnet |= 1;
	if (nft_net_add(&n) != -EINVAL)
		return fail(3);
	n = front;
	n.bridge = "dtbr-much-too-long";
	if (nft_net_add(&n) != -EINVAL)
		return fail(4);
	n.bridge = "dtnone";	/* no such link */
	if (nft_net_add(&n) != -ENOENT || strcmp(err_str(), "route_localnet of bridge dtnone: "
						  "No such file or directory"))
		return fail(5);
	if (!same("nothing", run("nft list ruleset"), ""))
		return fail(6);
	return bad_input6();
}

NFT_TEST(nft_bad_input_leaves_nothing, bad_input)

/* fw4, OpenWrt's firewall, as it stands on a router: its own table with
 * chains on the hooks dory uses. dory must leave it byte-identical. */
static const char fw4[] =
	"table inet fw4 {\n"
	" chain input { type filter hook input priority filter; policy drop;\n"
	"  iifname \"lo\" accept comment \"!fw4: Accept traffic from loopback\"\n"
	"  ct state established,related accept\n }\n"
	" chain forward { type filter hook forward priority filter; policy drop;\n"
	"  ct state established,related accept\n }\n"
	" chain output { type filter hook output priority filter; policy accept; }\n"
	" chain dstnat { type nat hook prerouting priority dstnat; policy accept;\n"
	"  tcp dport 2222 dnat ip to 10.9.0.9:22\n }\n"
	" chain srcnat { type nat hook postrouting priority srcnat; policy accept;\n"
	"  oifname \"wan\" masquerade\n }\n"
	"}\n"
	/* A table of dory's name in another family is someone else's, too. */
	"table inet dory {\n"
	" chain forward { type filter hook forward priority filter; policy accept;\n"
	"  iifname \"dtbr0\" counter comment \"front\"\n }\n"
	" chain prerouting { type nat hook prerouting priority dstnat; policy accept;\n"
	"  tcp dport 8080 counter comment \"" CTR "\"\n }\n"
	"}\n";

static int fw4_kept(void)
{
	struct nft_port both[] = { web[0], web[1], web6[0], web6[1] };
	char *before;
	FILE *f = popen("nft -f -", "w");

	if (!f || fputs(fw4, f) < 0 || pclose(f) != 0)
		return fail(1);
	before = run("nft list ruleset");
	if (bridges() || nft_available() < 0 || nft_available6() < 0 || nft_net_add(&front6) < 0 ||
	    nft_net_add(&back) < 0 || nft_ports_add(CTR, both, 4) < 0)
		return fail(2);
	if (!same("fw4 beside dory", run("nft list table inet fw4; nft list table inet dory"),
		  before))
		return fail(3);
	if (nft_ports_del(CTR) < 0 || nft_net_del("front", "dtbr0") < 0 ||
	    nft_net_del("back", "dtbr1") < 0)
		return fail(4);
	/* Again, with none of dory's tables left: nothing to do, no tag. */
	if (nft_ports_del(CTR) < 0 || nft_net_del("front", NULL) < 0 || !tags_are(""))
		return fail(5);
	if (!same("ruleset after", run("nft list ruleset"), before))
		return fail(6);
	return 0;
}

NFT_TEST(nft_leaves_a_fw4_table_byte_identical, fw4_kept)

static int available(void)
{
	if (nft_available() < 0 || nft_available6() < 0) {
		printf("# %s\n", err_str());
		return fail(1);
	}
	return system("nft list ruleset | grep -q .") == 0 ? 2 : 0;
}

NFT_TEST(nft_available_and_available6_in_a_new_netns_change_nothing, available)

/* Writers at the same time: each change is read and sent again when the
 * ruleset changed in between (the batch's generation id), so none fails
 * and no rule is doubled or lost. */
static int racing(void)
{
	enum { WRITERS = 4, ROUNDS = 25 };
	pid_t pid[WRITERS];
	int bad = 0, st;

	if (bridges() || nft_net_add(&front) < 0)
		return fail(1);
	fflush(stdout);
	for (int i = 0; i < WRITERS; i++) {
		pid[i] = fork();
		if (pid[i] == 0) {
			char id[8];

			snprintf(id, sizeof(id), "w%d", i & 7);
			for (int j = 0; j < ROUNDS; j++)
				if (nft_ports_add(id, web, 2) < 0 || nft_ports_add(CTR, web, 2) < 0 ||
				    nft_net_add(&front) < 0)
					_exit(fail(2));
			_exit(nft_ports_del(id) < 0 ? fail(3) : 0);
		}
	}
	for (int i = 0; i < WRITERS; i++)
		if (pid[i] < 0 || waitpid(pid[i], &st, 0) < 0 || st)
			bad++;
	if (bad)
		return fail(4);
	if (!same("the survivors", run("nft list table ip dory | grep -o 'comment \"[^\"]*' | "
				       "sort | uniq -c | tr -s ' '"),
		  " 4 comment \"" CTR "\n 6 comment \"front\n"))
		return fail(5);
	return 0;
}

NFT_TEST(nft_writers_at_the_same_time, racing)

/* ---- traffic ---- */

/* ip (IPv4 or IPv6; NULL: every address of both) and port as the address
 * of a socket of both families, where IPv4 is mapped (::ffff:a.b.c.d). */
static struct sockaddr_in6 sa46(const char *ip, uint16_t port)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(port) };

	if (ip && inet_pton(AF_INET6, ip, &sa.sin6_addr) != 1) {
		sa.sin6_addr.s6_addr[10] = sa.sin6_addr.s6_addr[11] = 0xff;
		inet_pton(AF_INET, ip, &sa.sin6_addr.s6_addr[12]);
	}
	return sa;
}

static int socket46(void)
{
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0), off = 0;

	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	return fd;
}

/* One connection of a server: "NAME PEER\n", an IPv4 peer unmapped. */
static void serve_one(int fd, const char *name)
{
	struct sockaddr_in6 peer;
	socklen_t len = sizeof(peer);
	int cfd = accept(fd, (struct sockaddr *)&peer, &len);
	char line[96], ip[INET6_ADDRSTRLEN];

	if (cfd < 0)
		return;
	if (IN6_IS_ADDR_V4MAPPED(&peer.sin6_addr))
		inet_ntop(AF_INET, &peer.sin6_addr.s6_addr[12], ip, sizeof(ip));
	else
		inet_ntop(AF_INET6, &peer.sin6_addr, ip, sizeof(ip));
	snprintf(line, sizeof(line), "%s %s\n", name, ip);
	if (write(cfd, line, strlen(line)) < 0)
		_exit(1);
	close(cfd);
}

/* A process serving TCP port with one line per connection, "NAME PEER\n",
 * on ip in this network namespace, or (ip NULL) on every address of one
 * of its own; it dies with its parent. */
static pid_t serve(const char *name, const char *ip, uint16_t port)
{
	struct sockaddr_in6 sa = sa46(ip, port);
	int p[2], one = 1, fd;
	pid_t pid;
	char c;

	if (pipe(p) < 0)
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (!ip && unshare(CLONE_NEWNET) < 0)
			_exit(1);
		fd = socket46();
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 8) < 0)
			_exit(1);
		if (write(p[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			serve_one(fd, name);
	}
	close(p[1]);
	if (pid > 0 && read(p[0], &c, 1) != 1) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(p[0]);
	return pid;
}

/* The line a server sends to a connection from the network namespace of
 * pid (0: this one) to ip:port (IPv4 or IPv6); "" when nothing answers
 * within a second. */
static char *ask(pid_t ns, const char *ip, uint16_t port)
{
	struct sockaddr_in6 sa = sa46(ip, port);
	struct timeval tv = { 1, 0 };
	char *out = calloc(1, 96), path[96];
	int p[2], fd;
	pid_t pid;

	if (pipe(p) < 0)
		return out;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)ns);
		fd = ns ? open(path, O_RDONLY | O_CLOEXEC) : -1;
		if (ns && (fd < 0 || setns(fd, CLONE_NEWNET) < 0))
			_exit(1);
		fd = socket46();
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			_exit(2);
		ssize_t n = read(fd, path, sizeof(path));
		_exit(n > 0 && write(p[1], path, (size_t)n) == n ? 0 : 3);
	}
	close(p[1]);
	if (pid > 0 && read(p[0], out, 95) < 0)
		out[0] = '\0';
	close(p[0]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return out;
}

/* A veth from bridge br (NULL: none) to the namespace of pid, eth0 there
 * with address ip/24, and its default route via gw (NULL: none). */
static int plug(const char *br, pid_t pid, const char *ip, const char *gw)
{
	static int n;
	char cmd[512];

	n++;
	snprintf(cmd, sizeof(cmd),
		 "ip link add dtv%d type veth peer name dtp%d && ip link set dtv%d %s %s up && "
		 "ip link set dtp%d netns %d && nsenter -t %d -n sh -ec '"
		 "ip link set dtp%d name eth0; ip addr add %s/24 dev eth0; ip link set eth0 up; "
		 "%s%s'", n, n, n, br ? "master" : "", br ? br : "", n, (int)pid, (int)pid,
		 n, ip, gw ? "ip route add default via " : "true", gw ? gw : "");
	return system(cmd) != 0;
}

/* eth0 in the namespace of pid: address ip/64 at once (nodad: duplicate
 * address detection would hold it back), default route via gw (NULL: none). */
static int plug6(pid_t pid, const char *ip, const char *gw)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "nsenter -t %d -n sh -ec 'ip -6 addr add %s/64 dev eth0 nodad; "
		 "%s%s'", (int)pid, ip, gw ? "ip -6 route add default via " : "true", gw ? gw : "");
	return system(cmd) != 0;
}

enum { NSRV = 7 };

struct world {
	pid_t a, b, side, in, lan, dev, dev6;	/* what serves, and where */
};

static void world_end(struct world *w)
{
	pid_t *p = &w->a;

	for (int i = 0; i < NSRV; i++)
		if (p[i] > 0) {
			kill(p[i], SIGKILL);
			waitpid(p[i], NULL, 0);
		}
}

/* The links of world_make, each with its IPv4 and IPv6 address. */
static int world_plug(const struct world *w)
{
	char cmd[192];

	if (plug("dtbr0", w->a, "172.30.0.2", "172.30.0.1") ||
	    plug6(w->a, "fd00:30::2", "fd00:30::1") ||
	    plug("dtbr0", w->b, "172.30.0.3", "172.30.0.1") ||
	    plug6(w->b, "fd00:30::3", "fd00:30::1") ||
	    plug("dtbr1", w->side, "172.31.0.2", "172.31.0.1") ||
	    plug6(w->side, "fd00:31::2", "fd00:31::1") ||
	    plug("dtbr2", w->in, "172.32.0.2", "172.32.0.1") ||
	    plug6(w->in, "fd00:32::2", "fd00:32::1") ||
	    plug(NULL, w->lan, "10.9.0.2", NULL) || plug6(w->lan, "fd00:9::2", NULL) ||
	    system("ip addr add 10.9.0.1/24 dev dtv5 && "
		   "ip -6 addr add fd00:9::1/64 dev dtv5 nodad") != 0)
		return 1;
	/* The internal network alone is routed from the LAN: only dory's rules
	 * keep the two apart. */
	snprintf(cmd, sizeof(cmd), "nsenter -t %d -n sh -ec 'ip route add 172.32.0.0/24 via "
		 "10.9.0.1; ip -6 route add fd00:32::/64 via fd00:9::1'", (int)w->lan);
	return system(cmd) != 0;
}

/* This namespace stands for the device: bridges dtbr0 (front: containers
 * a and b), dtbr1 (side: a container), dtbr2 (back, internal: a
 * container), each network with IPv6 too; dtv5 (10.9.0.1, fd00:9::1) to a
 * LAN client (10.9.0.2, fd00:9::2) with no route to the subnets of front
 * and side. Each serves its name and its peer's address; the device, on
 * 127.0.0.1:99 and [::1]:8080. No br_netfilter (as on most routers):
 * bridged frames skip the IP hooks. */
static int world_make(struct world *w)
{
	static const struct nft_net side = { .name = "side", .bridge = "dtbr1",
					     .subnet = 0xac1f0000, .prefix = 24,
					     .subnet6 = net6[1], .prefix6 = 64 };
	static const struct nft_net inner = { .name = "back", .bridge = "dtbr2",
					      .subnet = 0xac200000, .prefix = 24, .internal = true,
					      .subnet6 = net6[2], .prefix6 = 64 };
	struct nft_port ports[] = { web[0], web6[0] };

	/* No duplicate address detection on the links made here either: the
	 * device solicits neighbours for what it forwards from their link-local
	 * addresses, which DAD would hold back for a second or two. */
	if (system("set -e; ip link set lo up; echo 1 >/proc/sys/net/ipv4/ip_forward; "
		   "echo 1 >/proc/sys/net/ipv6/conf/all/forwarding; "
		   "echo 0 >/proc/sys/net/ipv6/conf/default/accept_dad; "
		   "f=/proc/sys/net/bridge/bridge-nf-call-iptables; if [ -e $f ]; then echo 0 >$f; fi; "
		   "for i in 0 1 2; do ip link add dtbr$i type bridge; "
		   "ip addr add 172.3$i.0.1/24 dev dtbr$i; "
		   "ip -6 addr add fd00:3$i::1/64 dev dtbr$i nodad; ip link set dtbr$i up; "
		   "done") != 0)
		return 1;
	w->a = serve("a", NULL, 80);
	w->b = serve("b", NULL, 80);
	w->side = serve("side", NULL, 80);
	w->in = serve("in", NULL, 80);
	w->lan = serve("lan", NULL, 81);
	w->dev = serve("dev", "127.0.0.1", 99);
	w->dev6 = serve("dev6", "::1", 8080);
	if (w->a < 0 || w->b < 0 || w->side < 0 || w->in < 0 || w->lan < 0 || w->dev < 0 ||
	    w->dev6 < 0)
		return 2;
	if (world_plug(w))
		return 3;
	if (nft_net_add(&front6) < 0 || nft_net_add(&side) < 0 || nft_net_add(&inner) < 0 ||
	    nft_ports_add(CTR, ports, 2) < 0)
		return 4;
	return 0;
}

static bool says(const char *what, pid_t from, const char *ip, uint16_t port, const char *want)
{
	return same(what, ask(from, ip, port), want);
}

/* A container that routes 127.0.0.1 to the device meets the guard of
 * route_localnet; without the guard it would reach the device's loopback
 * service on port 99. */
static int guard(const struct world *w)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "nsenter -t %d -n sh -ec 'echo 1 >"
		 "/proc/sys/net/ipv4/conf/eth0/route_localnet; "
		 "ip route add 127.0.0.1/32 via 172.30.0.1 dev eth0'", (int)w->a);
	if (system(cmd) != 0)
		return 10;
	if (!says("container to the device's loopback", w->a, "127.0.0.1", 99, ""))
		return 11;
	if (system("nft -a list chain ip dory input | sed -n 's/.*\"front\" # handle //p' | "
		   "xargs -I@ nft delete rule ip dory input handle @") != 0)
		return 12;
	if (!says("the same without the guard", w->a, "127.0.0.1", 99, "dev 172.30.0.2\n"))
		return 13;
	return 0;
}

/* Without the port and the network, nothing gets through any more. */
static int undone(const struct world *w)
{
	if (nft_ports_del(CTR) < 0)
		return 20;
	if (!says("device to 127.0.0.1, no port", 0, "127.0.0.1", 8080, "") ||
	    !says("LAN client, no port", w->lan, "10.9.0.1", 8080, "") ||
	    !says("LAN client, no port, IPv6", w->lan, "fd00:9::1", 8080, ""))
		return 21;
	if (nft_net_del("front", "dtbr0") < 0)
		return 22;
	if (!says("outbound, no network", w->a, "10.9.0.2", 81, "") ||
	    !says("outbound, no network, IPv6", w->a, "fd00:9::2", 81, ""))
		return 23;
	return 0;
}

/* The same over IPv6, where the device's [::1]:8080 is not forwarded:
 * it stays the device's own (IPv6 routes no loopback source out). */
static int traffic6(const struct world *w)
{
	bool ok = says("LAN client, IPv6", w->lan, "fd00:9::1", 8080, "a fd00:9::2\n") &&
		  says("device to its own IPv6 address", 0, "fd00:9::1", 8080, "a fd00:9::1\n") &&
		  says("device to [::1]", 0, "::1", 8080, "dev6 ::1\n") &&
		  says("hairpin, IPv6", w->b, "fd00:9::1", 8080, "a fd00:30::1\n") &&
		  says("hairpin by the gateway, IPv6", w->b, "fd00:30::1", 8080, "a fd00:30::1\n") &&
		  says("outbound, IPv6", w->a, "fd00:9::2", 81, "lan fd00:9::1\n") &&
		  says("same network, IPv6", w->b, "fd00:30::2", 80, "a fd00:30::3\n") &&
		  says("other network, IPv6", w->side, "fd00:30::2", 80, "") &&
		  says("other network, published port, IPv6", w->side, "fd00:9::1", 8080,
		       "a fd00:30::1\n") &&
		  says("internal to LAN, IPv6", w->in, "fd00:9::2", 81, "") &&
		  says("LAN to internal, IPv6", w->lan, "fd00:32::2", 80, "");

	return ok ? 0 : 6;
}

static int traffic(void)
{
	struct world w = { 0 };
	int r = world_make(&w);
	bool ok;

	if (r)
		return fail(r);
	ok = says("device to 127.0.0.1", 0, "127.0.0.1", 8080, "a 172.30.0.1\n") &&
	     says("device to its own address", 0, "10.9.0.1", 8080, "a 10.9.0.1\n") &&
	     says("LAN client", w.lan, "10.9.0.1", 8080, "a 10.9.0.2\n") &&
	     says("hairpin", w.b, "10.9.0.1", 8080, "a 172.30.0.1\n") &&
	     says("hairpin by the gateway", w.b, "172.30.0.1", 8080, "a 172.30.0.1\n") &&
	     says("outbound", w.a, "10.9.0.2", 81, "lan 10.9.0.1\n") &&
	     says("same network", w.b, "172.30.0.2", 80, "a 172.30.0.3\n") &&
	     says("other network", w.side, "172.30.0.2", 80, "") &&
	     says("other network, published port", w.side, "10.9.0.1", 8080, "a 172.30.0.1\n") &&
	     says("internal to LAN", w.in, "10.9.0.2", 81, "") &&
	     says("LAN to internal", w.lan, "172.32.0.2", 80, "") &&
	     says("into internal", w.a, "172.32.0.2", 80, "");
	if (!ok)
		r = 5;
	if (!r)
		r = traffic6(&w);
	if (!r)
		r = guard(&w);
	if (!r)
		r = undone(&w);
	world_end(&w);
	return r ? fail(r) : 0;
}

TEST(nft_traffic_through_dnat_and_masquerade)
{
	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	SKIP_IF(!have_nft() || system("ip -V >/dev/null 2>&1 && nsenter -V >/dev/null 2>&1"),
		"no nft, ip or nsenter");
	CHECK_EQ_INT(in_netns(traffic), 0);
}
