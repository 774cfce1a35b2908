// SPDX-License-Identifier: Apache-2.0
/* netfiles_test.c - a container's hosts, hostname and resolv.conf: their
 * text in each network mode, the resolv.conf rules (loopback servers,
 * systemd-resolved, the gateway, the flags), the flags' checks, and files
 * rewritten in place. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/net/netfiles.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/xalloc.h"
#include "tap.h"

#define DEFAULTS "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n" \
	"fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\n" \
	"ff02::2\tip6-allrouters\n"

static const struct netfiles_host no_host = { 0 };

static void check_hosts(const struct netfiles *f, const struct netfiles_host *h, const char *want)
{
	char *got = netfiles_hosts(f, h);

	CHECK_EQ_STR(got, want);
	free(got);
}

static void check_resolv(const struct netfiles *f, const struct netfiles_host *h, const char *want)
{
	char *got = netfiles_resolv(f, h);

	CHECK_EQ_STR(got, want);
	free(got);
}

TEST(hosts_none_names_on_loopback)
{
	const struct netfiles f = { .mode = NETFILES_NONE, .hostname = "0123456789ab" };

	check_hosts(&f, &no_host, DEFAULTS "127.0.0.1\t0123456789ab\n");
}

TEST(hosts_bridge_addresses_extra_peers_aliases)
{
	const char *addrs[] = { "172.18.0.2", NULL }, *aliases[] = { "web", NULL };
	const char *extra[] = { "db:10.0.0.5", "gw:host-gateway", "v6=[::1]", NULL };
	const char *peers[] = { "172.18.0.3 cache c1", NULL };
	const struct netfiles f = { .mode = NETFILES_BRIDGE, .hostname = "app.example.com",
				    .addrs = addrs, .aliases = aliases, .extra = extra,
				    .peers = peers, .gateway = "172.18.0.1" };

	check_hosts(&f, &no_host, DEFAULTS "10.0.0.5\tdb\n172.18.0.1\tgw\n::1\tv6\n"
		    "172.18.0.3\tcache c1\n172.18.0.2\tapp.example.com app web\n");
}

TEST(hosts_host_gateway_without_gateway_is_left_out)
{
	const char *extra[] = { "gw:host-gateway", "a:1.2.3.4", NULL };
	const struct netfiles f = { .mode = NETFILES_NONE, .hostname = "h", .extra = extra };

	check_hosts(&f, &no_host, DEFAULTS "1.2.3.4\ta\n127.0.0.1\th\n");
}

TEST(hosts_host_mode_is_the_hosts_file)
{
	const char *extra[] = { "gw:host-gateway", NULL };
	const struct netfiles f = { .mode = NETFILES_HOST, .hostname = "box", .extra = extra };
	const struct netfiles_host h = { .hosts = "127.0.0.1 localhost\n10.1.1.1 box" };

	check_hosts(&f, &h, "127.0.0.1 localhost\n10.1.1.1 box\n127.0.0.1\tgw\n");
	check_hosts(&f, &no_host, DEFAULTS "127.0.0.1\tgw\n");
}

TEST(hostname_file)
{
	const struct netfiles f = { .hostname = "abc" };
	char *t = netfiles_hostname(&f);

	CHECK_EQ_STR(t, "abc\n");
	free(t);
}

TEST(resolv_host_servers_without_loopback)
{
	const struct netfiles f = { .mode = NETFILES_BRIDGE, .gateway = "172.17.0.1" };
	const struct netfiles_host h = {
		.resolv = "# from dhcp\nsearch lan\nnameserver 127.0.0.1\nnameserver 192.168.1.1\n"
			  "nameserver 2001:db8::1\nnameserver fe80::1%eth0\noptions edns0\n"
	};

	check_resolv(&f, &h, "# from dhcp\nsearch lan\nnameserver 192.168.1.1\noptions edns0\n");
}

TEST(resolv_ipv6_servers_with_an_ipv6_route)
{
	const struct netfiles f = { .mode = NETFILES_BRIDGE, .gateway = "172.17.0.1", .ipv6 = true };
	const struct netfiles_host h = {
		.resolv = "nameserver ::1\nnameserver 192.168.1.1\nnameserver 2001:db8::1\n"
			  "nameserver fe80::1%eth0\nnameserver FE80::2\n"
	};

	check_resolv(&f, &h, "nameserver 192.168.1.1\nnameserver 2001:db8::1\n");
}

TEST(resolv_loopback_only_gives_the_gateway)
{
	const struct netfiles_host h = { .resolv = "nameserver 127.0.0.1\nsearch lan\n" };
	struct netfiles f = { .mode = NETFILES_BRIDGE, .gateway = "172.17.0.1" };

	check_resolv(&f, &h, "search lan\nnameserver 172.17.0.1\n");
	f.mode = NETFILES_NONE;
	f.gateway = NULL;
	check_resolv(&f, &h, "search lan\n");
}

TEST(resolv_systemd_resolved_upstream)
{
	const struct netfiles_host h = {
		.resolv = "# stub\nnameserver 127.0.0.53\noptions edns0 trust-ad\nsearch .\n",
		.resolved = "# upstream\nnameserver 10.0.0.1\nnameserver 10.0.0.2\nsearch corp\n",
	};
	const struct netfiles_host no_up = { .resolv = h.resolv };
	struct netfiles f = { .mode = NETFILES_BRIDGE, .gateway = "172.17.0.1" };

	check_resolv(&f, &h, h.resolved);
	check_resolv(&f, &no_up, "# stub\noptions edns0 trust-ad\nsearch .\nnameserver 172.17.0.1\n");
	f.mode = NETFILES_HOST;
	check_resolv(&f, &h, h.resolv);
}

TEST(resolv_flags_replace_their_part)
{
	const char *dns[] = { "1.1.1.1", "9.9.9.9", NULL }, *search[] = { "a.example", "b", NULL };
	const char *opts[] = { "ndots:2", "rotate", NULL }, *dot[] = { ".", NULL };
	const struct netfiles_host h = {
		.resolv = "nameserver 192.168.1.1\nsearch lan\noptions edns0\n# x\n",
	};
	struct netfiles f = { .mode = NETFILES_BRIDGE, .dns = dns };

	check_resolv(&f, &h, "search lan\nnameserver 1.1.1.1\nnameserver 9.9.9.9\noptions edns0\n");
	f = (struct netfiles){ .mode = NETFILES_BRIDGE, .search = search, .opts = opts };
	check_resolv(&f, &h, "search a.example b\nnameserver 192.168.1.1\noptions ndots:2 rotate\n");
	f = (struct netfiles){ .mode = NETFILES_NONE, .search = dot };
	check_resolv(&f, &h, "nameserver 192.168.1.1\noptions edns0\n");
}

TEST(resolv_no_host_file)
{
	const struct netfiles f = { .mode = NETFILES_NONE };

	check_resolv(&f, &no_host, "");
}

TEST(checks_refuse_with_dockers_words)
{
	CHECK_EQ_INT(netfiles_check_dns("10.0.0.1"), 0);
	CHECK_EQ_INT(netfiles_check_dns("2001:db8::1"), 0);
	CHECK_EQ_INT(netfiles_check_dns("10.0.0"), -EINVAL);
	CHECK(strstr(err_str(), "10.0.0 is not an ip address"));
	CHECK_EQ_INT(netfiles_check_search("example.com"), 0);
	CHECK_EQ_INT(netfiles_check_search("."), 0);
	CHECK_EQ_INT(netfiles_check_search("-bad.com"), -EINVAL);
	CHECK(strstr(err_str(), "-bad.com is not a valid domain"));
	CHECK_EQ_INT(netfiles_check_search("123"), -EINVAL);
	CHECK_EQ_INT(netfiles_check_search("a..b"), -EINVAL);
	CHECK_EQ_INT(netfiles_check_option("ndots:2"), 0);
	CHECK_EQ_INT(netfiles_check_option("two words"), -EINVAL);
	CHECK_EQ_INT(netfiles_check_option(""), -EINVAL);
	CHECK_EQ_INT(netfiles_check_host("db:10.0.0.5"), 0);
	CHECK_EQ_INT(netfiles_check_host("db=10.0.0.5"), 0);
	CHECK_EQ_INT(netfiles_check_host("v6:::1"), 0);
	CHECK_EQ_INT(netfiles_check_host("gw:host-gateway"), 0);
	CHECK_EQ_INT(netfiles_check_host("db"), -EINVAL);
	CHECK(strstr(err_str(), "bad format for add-host: \"db\""));
	CHECK_EQ_INT(netfiles_check_host(":10.0.0.1"), -EINVAL);
	CHECK_EQ_INT(netfiles_check_host("d b:10.0.0.1"), -EINVAL);
	CHECK_EQ_INT(netfiles_check_host("db:nope"), -EINVAL);
	CHECK(strstr(err_str(), "invalid IP address in add-host: \"nope\""));
	err_clear();
}

static char *scratch(void)
{
	char *d = xstrdup("/tmp/netfiles_test.XXXXXX");

	if (!mkdtemp(d))
		abort();
	return d;
}

static void rm_scratch(char *d)
{
	const char *names[] = { "hosts", "hostname", "resolv.conf", "hosts.lock" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char *p = xasprintf("%s/%s", d, names[i]);

		unlink(p);
		free(p);
	}
	rmdir(d);
	free(d);
}

static char *read_in(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name), *t = NULL;

	if (fsutil_read_file(p, &t) < 0)
		t = NULL;
	free(p);
	return t;
}

TEST(write_then_update_in_place)
{
	char *d = scratch(), *p = xasprintf("%s/hosts", d), *t;
	const char *peers[] = { "172.18.0.9 other", NULL };
	struct netfiles f = { .mode = NETFILES_NONE, .hostname = "c1", .uid = getuid(),
			      .gid = getgid() };
	struct stat a, b;

	CHECK_EQ_INT(netfiles_write(d, &f), 0);
	t = read_in(d, "hostname");
	CHECK_EQ_STR(t, "c1\n");
	free(t);
	t = read_in(d, "hosts");
	CHECK_EQ_STR(t, DEFAULTS "127.0.0.1\tc1\n");
	free(t);
	t = read_in(d, "resolv.conf");
	CHECK(t != NULL);
	free(t);
	CHECK_EQ_INT(stat(p, &a), 0);
	CHECK_EQ_INT(a.st_mode & 07777, 0644);
	f.peers = peers;
	CHECK_EQ_INT(netfiles_hosts_update(d, &f), 0);
	CHECK_EQ_INT(stat(p, &b), 0);
	CHECK_EQ_INT(b.st_ino, a.st_ino);
	t = read_in(d, "hosts");
	CHECK_EQ_STR(t, DEFAULTS "172.18.0.9\tother\n127.0.0.1\tc1\n");
	free(t);
	/* shorter content: the old tail is cut off */
	f.peers = NULL;
	f.hostname = "c";
	CHECK_EQ_INT(netfiles_write(d, &f), 0);
	t = read_in(d, "hosts");
	CHECK_EQ_STR(t, DEFAULTS "127.0.0.1\tc\n");
	free(t);
	CHECK_EQ_INT(stat(p, &b), 0);
	CHECK_EQ_INT(b.st_ino, a.st_ino);
	free(p);
	rm_scratch(d);
}

TEST(write_refuses_a_symlink)
{
	char *d = scratch(), *p = xasprintf("%s/hosts", d), *to = xasprintf("%s/hostname", d);
	const struct netfiles f = { .hostname = "c1", .uid = getuid(), .gid = getgid() };

	/* a link to a file that is written later: made through the link, it
	 * would hold the hosts text */
	CHECK_EQ_INT(symlink(to, p), 0);
	CHECK(netfiles_write(d, &f) < 0);
	CHECK_EQ_INT(access(to, F_OK), -1);
	err_clear();
	free(to);
	free(p);
	rm_scratch(d);
}
