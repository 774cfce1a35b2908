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

/* A range of 3000 published ports is one batch of 6000 rules, too. */
static int many_ports(void)
{
	enum { N = 3000 };
	struct nft_port *p = calloc(N, sizeof(*p));

	for (int i = 0; i < N; i++)
		p[i] = (struct nft_port){ IPPROTO_TCP, 0, (uint16_t)(20000 + i), 0xac1e0002,
					  (uint16_t)(20000 + i) };
	if (nft_ports_add(CTR, p, N) < 0)
		return fail(1);
	free(p);
	if (!same("rules", run("nft list table ip dory | grep -c 'dnat to'"), "6000\n"))
		return fail(2);
	if (nft_ports_del(CTR) < 0 || !same("none", run("nft list tables"), ""))
		return fail(3);
	return 0;
}

TEST(nft_a_range_of_ports_in_one_batch)
{
	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	SKIP_IF(!have_nft(), "no nft (Debian's nftables)");
	CHECK_EQ_INT(in_netns(many_ports), 0);
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

TEST(nft_writers_at_the_same_time)
{
	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	SKIP_IF(!have_nft(), "no nft (Debian's nftables)");
	CHECK_EQ_INT(in_netns(racing), 0);
}

/* ---- traffic ---- */

/* A process serving TCP port with one line per connection, "NAME PEER\n",
 * in a network namespace of its own (own) or in this one; it dies with
 * its parent. */
static pid_t serve(const char *name, uint16_t port, bool own)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int p[2], one = 1, fd;
	pid_t pid;
	char c;

	if (pipe(p) < 0)
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (own && unshare(CLONE_NEWNET) < 0)
			_exit(1);
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (!own)
			sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 8) < 0)
			_exit(1);
		if (write(p[1], "r", 1) != 1)
			_exit(1);
		for (;;) {
			struct sockaddr_in peer;
			socklen_t len = sizeof(peer);
			int cfd = accept(fd, (struct sockaddr *)&peer, &len);
			char line[64];

			if (cfd < 0)
				continue;
			snprintf(line, sizeof(line), "%s %s\n", name, inet_ntoa(peer.sin_addr));
			if (write(cfd, line, strlen(line)) < 0)
				_exit(1);
			close(cfd);
		}
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
 * pid (0: this one) to ip:port; "" when nothing answers within a second. */
static char *ask(pid_t ns, const char *ip, uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { 1, 0 };
	char *out = calloc(1, 64), path[64];
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
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		inet_pton(AF_INET, ip, &sa.sin_addr);
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			_exit(2);
		ssize_t n = read(fd, path, sizeof(path));
		_exit(n > 0 && write(p[1], path, (size_t)n) == n ? 0 : 3);
	}
	close(p[1]);
	if (pid > 0 && read(p[0], out, 63) < 0)
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

enum { NSRV = 6 };

struct world {
	pid_t a, b, side, in, lan, dev;	/* what serves, and where */
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

/* This namespace stands for the device: bridges dtbr0 (front: containers
 * a and b), dtbr1 (side: a container), dtbr2 (back, internal: a
 * container); dtv5 (10.9.0.1) to a LAN client (10.9.0.2) with no route to
 * the subnets of front and side. Each serves its name and its peer's address.
 * No br_netfilter (as on most routers): bridged frames skip the IP hooks. */
static int world_make(struct world *w)
{
	static const struct nft_net side = { "side", "dtbr1", 0xac1f0000, 24, false };
	static const struct nft_net inner = { "back", "dtbr2", 0xac200000, 24, true };
	char cmd[128];

	if (system("set -e; ip link set lo up; echo 1 >/proc/sys/net/ipv4/ip_forward; "
		   "f=/proc/sys/net/bridge/bridge-nf-call-iptables; if [ -e $f ]; then echo 0 >$f; fi; "
		   "for i in 0 1 2; do ip link add dtbr$i type bridge; "
		   "ip addr add 172.3$i.0.1/24 dev dtbr$i; ip link set dtbr$i up; done") != 0)
		return 1;
	w->a = serve("a", 80, true);
	w->b = serve("b", 80, true);
	w->side = serve("side", 80, true);
	w->in = serve("in", 80, true);
	w->lan = serve("lan", 81, true);
	w->dev = serve("dev", 99, false);
	if (w->a < 0 || w->b < 0 || w->side < 0 || w->in < 0 || w->lan < 0 || w->dev < 0)
		return 2;
	if (plug("dtbr0", w->a, "172.30.0.2", "172.30.0.1") ||
	    plug("dtbr0", w->b, "172.30.0.3", "172.30.0.1") ||
	    plug("dtbr1", w->side, "172.31.0.2", "172.31.0.1") ||
	    plug("dtbr2", w->in, "172.32.0.2", "172.32.0.1") ||
	    plug(NULL, w->lan, "10.9.0.2", NULL) ||
	    system("ip addr add 10.9.0.1/24 dev dtv5") != 0)
		return 3;
	/* The internal network alone is routed from the LAN: only dory's rules
	 * keep the two apart. */
	snprintf(cmd, sizeof(cmd), "nsenter -t %d -n ip route add 172.32.0.0/24 via 10.9.0.1",
		 (int)w->lan);
	if (system(cmd) != 0)
		return 3;
	if (nft_net_add(&front) < 0 || nft_net_add(&side) < 0 || nft_net_add(&inner) < 0 ||
	    nft_ports_add(CTR, web, 1) < 0)
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
	    !says("LAN client, no port", w->lan, "10.9.0.1", 8080, ""))
		return 21;
	if (nft_net_del("front", "dtbr0") < 0)
		return 22;
	if (!says("outbound, no network", w->a, "10.9.0.2", 81, ""))
		return 23;
	return 0;
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
