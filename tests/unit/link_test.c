// SPDX-License-Identifier: Apache-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "core/net/link.h"
#include "nsutil.h"
#include "tap.h"

TEST(link_mac_is_dockers_and_parse_checks_it)
{
	uint8_t mac[6], want[6] = { 0x02, 0x42, 0xac, 0x11, 0x00, 0x02 };

	link_mac(0xac110002, mac);
	CHECK(memcmp(mac, want, 6) == 0);
	CHECK_EQ_INT(link_mac_parse("02:42:ac:11:00:02", mac), 0);
	CHECK(memcmp(mac, want, 6) == 0);
	CHECK_EQ_INT(link_mac_parse("02:42:AC:11:00:0f", mac), 0);
	CHECK_EQ_INT(mac[5], 0x0f);
	CHECK_EQ_INT(link_mac_parse("01:42:ac:11:00:02", mac), -EINVAL);	/* multicast */
	CHECK_EQ_INT(link_mac_parse("02:42:ac:11:00", mac), -EINVAL);
	CHECK_EQ_INT(link_mac_parse("02:42:ac:11:00:02:", mac), -EINVAL);
	CHECK_EQ_INT(link_mac_parse("02-42-ac-11-00-02", mac), -EINVAL);
	CHECK_EQ_INT(link_mac_parse("0x:42:ac:11:00:02", mac), -EINVAL);
	CHECK_EQ_INT(link_mac_parse("+2:42:ac:11:00:02", mac), -EINVAL);
}

/* The address of link name in the caller's namespace, host order; 0. */
static uint32_t addr_of(const char *name)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	uint32_t a = 0;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (fd >= 0 && ioctl(fd, SIOCGIFADDR, &ifr) == 0)
		a = ntohl(((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr.s_addr);
	if (fd >= 0)
		close(fd);
	return a;
}

/* A child in a network namespace of its own, which checks its eth1 once
 * told (on p[0]) and exits 0 when it has the address, MAC and route. */
static int peer(int rfd)
{
	char go;
	struct link_route *v = NULL;
	size_t n = 0;
	int ok = 0;

	if (read(rfd, &go, 1) != 1)
		return 10;
	if (addr_of("eth1") != 0x0a580005)
		return 11;
	if (link_routes(&v, &n) < 0)
		return 12;
	for (size_t i = 0; i < n; i++)
		ok |= v[i].prefix == 0 && v[i].oif == (int)if_nametoindex("eth1");
	free(v);
	return ok ? 0 : 13;
}

static int veth_into_child(void)
{
	struct link_ep e = { .host = "dtveth0", .bridge = "dtbr0", .ifname = "eth1",
			     .addr = 0x0a580005, .gw = 0x0a580001, .prefix = 24, .mtu = 1400 };
	int p[2], st;
	pid_t pid;

	if (link_bridge("dtbr0", 0x0a580001, 24, NULL, 0) < 0 || addr_of("dtbr0") != 0x0a580001)
		return 1;
	if (link_bridge("dtbr0", 0x0a580001, 24, NULL, 0) < 0)	/* again: already there */
		return 2;
	if (pipe(p) < 0)
		return 3;
	pid = fork();
	if (pid == 0) {
		close(p[1]);
		_exit(unshare(CLONE_NEWNET) < 0 ? 99 : peer(p[0]));
	}
	close(p[0]);
	usleep(100000);	/* let it unshare */
	if (link_veth(pid, &e) < 0 || !link_exists("dtveth0")) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return 4;
	}
	if (link_veth(pid, &e) != -EEXIST || !link_exists("dtveth0"))
		return 5;	/* a second is refused, and the first stays */
	if (write(p[1], "g", 1) != 1 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return 6;
	if (WEXITSTATUS(st))
		return 20 + WEXITSTATUS(st);
	/* Its namespace is gone, and the pair with it. */
	for (int i = 0; i < 50 && link_exists("dtveth0"); i++)
		usleep(20000);
	if (link_exists("dtveth0"))
		return 7;
	if (link_del("dtbr0") < 0 || link_exists("dtbr0") || link_del("dtbr0") < 0)
		return 8;
	return 0;
}

TEST(link_veth_puts_an_addressed_routed_peer_in_a_namespace)
{
	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	CHECK_EQ_INT(in_ns(CLONE_NEWNET, veth_into_child), 0);
}

static int mtu_and_forwarding(void)
{
	char buf[4] = "";
	FILE *f;

	if (link_default_mtu() != 1500)	/* no default route: the default */
		return 1;
	if (link_forwarding() < 0 || link_forwarding() < 0)
		return 2;
	f = fopen("/proc/sys/net/ipv4/ip_forward", "r");
	if (!f || !fgets(buf, sizeof(buf), f) || buf[0] != '1')
		return 3;
	fclose(f);
	return 0;
}

TEST(link_default_mtu_and_forwarding_in_a_new_netns)
{
	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	CHECK_EQ_INT(in_ns(CLONE_NEWNET, mtu_and_forwarding), 0);
}

/* The first line of a small file, as a number; -1 when unreadable. */
static int read_num(const char *path)
{
	FILE *f = fopen(path, "r");
	int v = -1;

	if (f && fscanf(f, "%d", &v) != 1)
		v = -1;
	if (f)
		fclose(f);
	return v;
}

/* A dual-stack bridge: IPv6 on, no DAD (set before it first came up), its
 * IPv6 gateway address; IPv6 forwarding turned on. */
static int bridge6(void)
{
	const uint8_t gw6[16] = { 0xfd, 0x78, 0, 1, [15] = 1 };
	char out[256] = "";
	FILE *p;

	if (link_bridge("dtbr6", 0x0a590001, 24, gw6, 64) < 0)
		return 1;
	if (link_bridge("dtbr6", 0x0a590001, 24, gw6, 64) < 0)	/* again: already there */
		return 2;
	if (read_num("/proc/sys/net/ipv6/conf/dtbr6/accept_dad") != 0 ||
	    read_num("/proc/sys/net/ipv6/conf/dtbr6/disable_ipv6") != 0)
		return 3;
	p = popen("ip -6 -o addr show dev dtbr6 scope global 2>/dev/null", "r");
	if (!p)
		return 4;
	if (!fgets(out, sizeof(out), p))
		out[0] = '\0';
	pclose(p);
	if (!strstr(out, "fd78:1::1/64"))
		return 5;
	if (link_forwarding6() < 0 || read_num("/proc/sys/net/ipv6/conf/all/forwarding") != 1)
		return 6;
	return 0;
}

TEST(link_bridge_with_ipv6)
{
	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	SKIP_IF(access("/proc/sys/net/ipv6", F_OK) != 0, "this kernel has no IPv6");
	SKIP_IF(system("ip -V >/dev/null 2>&1") != 0, "no ip (iproute2) to read the addresses");
	CHECK_EQ_INT(in_ns(CLONE_NEWNET, bridge6), 0);
}
