// SPDX-License-Identifier: Apache-2.0
/* nft_test.c - dory's nf_tables table in throw-away network namespaces:
 * the rules as `nft` (Debian's nftables) prints them, changes by tag, a
 * batch that fails, a firewall's table left alone, and real traffic
 * through DNAT and masquerade between namespaces standing for the device,
 * its containers and a LAN client. */
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

static const struct nft_net front = { "front", "dtbr0", 0xac1e0000, 24, false };
static const struct nft_net back = { "back", "dtbr1", 0xac1f0000, 24, true };
static const struct nft_port web[] = {
	{ IPPROTO_TCP, 0, 8080, 0xac1e0002, 80 },
	{ IPPROTO_UDP, 0x7f000001, 5353, 0xac1e0002, 53 },
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

TEST(nft_network_rules_as_nft_prints_them)
{
	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	SKIP_IF(!have_nft(), "no nft (Debian's nftables)");
	CHECK_EQ_INT(in_netns(net_rules), 0);
}

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

TEST(nft_ports_by_tag_and_idempotent)
{
	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	SKIP_IF(!have_nft(), "no nft (Debian's nftables)");
	CHECK_EQ_INT(in_netns(port_rules), 0);
}

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

TEST(nft_a_refused_batch_changes_nothing)
{
	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	SKIP_IF(!have_nft(), "no nft (Debian's nftables)");
	CHECK_EQ_INT(in_netns(refused_batch), 0);
}

static int bad_input(void)
{
	static const struct nft_port bad[] = { { 47, 0, 1, 0xac1e0002, 1 } };
	struct nft_net n = front;

	if (bridges())
		return fail(1);
	if (nft_ports_add("a\"b", web, 1) != -EINVAL || nft_ports_add(CTR, bad, 1) != -EINVAL)
		return fail(2);
	n.subnet |= 1;
	if (nft_net_add(&n) != -EINVAL)
		return fail(3);
	n = front;
	n.bridge = "dtbr-much-too-long";
	if (nft_net_add(&n) != -EINVAL)
		return fail(4);
	n.bridge = "dtnone";	/* no such link */
	if (nft_net_add(&n) != -ENOENT || strcmp(err_str(), "route_localnet of dtnone: "
						  "No such file or directory"))
		return fail(5);
	if (!same("nothing", run("nft list ruleset"), ""))
		return fail(6);
	return 0;
}

TEST(nft_bad_input_leaves_nothing)
{
	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	SKIP_IF(!have_nft(), "no nft (Debian's nftables)");
	CHECK_EQ_INT(in_netns(bad_input), 0);
}

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
	"}\n";

static int fw4_kept(void)
{
	char *before;
	FILE *f = popen("nft -f -", "w");

	if (!f || fputs(fw4, f) < 0 || pclose(f) != 0)
		return fail(1);
	before = run("nft list ruleset");
	if (bridges() || nft_available() < 0 || nft_net_add(&front) < 0 ||
	    nft_net_add(&back) < 0 || nft_ports_add(CTR, web, 2) < 0)
		return fail(2);
	if (!same("fw4 beside dory", run("nft list table inet fw4"), before))
		return fail(3);
	if (nft_ports_del(CTR) < 0 || nft_net_del("front", "dtbr0") < 0 ||
	    nft_net_del("back", "dtbr1") < 0)
		return fail(4);
	if (!same("ruleset after", run("nft list ruleset"), before))
		return fail(5);
	return 0;
}

TEST(nft_leaves_a_fw4_table_byte_identical)
{
	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	SKIP_IF(!have_nft(), "no nft (Debian's nftables)");
	CHECK_EQ_INT(in_netns(fw4_kept), 0);
}

static int available(void)
{
	if (nft_available() < 0) {
		printf("# %s\n", err_str());
		return fail(1);
	}
	return system("nft list ruleset | grep -q .") == 0 ? 2 : 0;
}

TEST(nft_available_in_a_new_netns_changes_nothing)
{
	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	SKIP_IF(!have_nft(), "no nft (Debian's nftables)");
	CHECK_EQ_INT(in_netns(available), 0);
}
