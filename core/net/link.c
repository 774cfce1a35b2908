// SPDX-License-Identifier: Apache-2.0
/* link.c - bridges, veth pairs, addresses and routes over rtnetlink
 * (core/kernel/nl.h). A container's end is configured through a netlink
 * socket opened inside its network namespace: the caller steps in to open
 * it and straight back out, and talks to that namespace from then on. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "core/kernel/nl.h"
#include "core/net/link.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/xalloc.h"

static struct ifinfomsg *link_msg(struct nl_msg *m, uint16_t type, uint16_t flags, int idx)
{
	struct ifinfomsg *ifi = nl_msg_begin(m, type, NLM_F_ACK | flags, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = idx;
	return ifi;
}

static int link_send(int fd, struct nl_msg *m)
{
	int r = fd >= 0 ? nl_talk(fd, m, NULL, NULL) : nl_talk_once(NETLINK_ROUTE, m, NULL, NULL);

	nl_msg_free(m);
	return r;
}

static int link_set_up(int fd, int idx)
{
	struct nl_msg m = { 0 };
	struct ifinfomsg *ifi = link_msg(&m, RTM_NEWLINK, 0, idx);

	ifi->ifi_flags = ifi->ifi_change = IFF_UP;
	return link_send(fd, &m);
}

static int link_addr_add(int fd, int idx, uint32_t addr, unsigned prefix)
{
	struct nl_msg m = { 0 };
	struct ifaddrmsg *ifa = nl_msg_begin(&m, RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
					     sizeof(*ifa));
	uint32_t mask = prefix ? ~0u << (32 - prefix) : 0;

	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (unsigned char)prefix;
	ifa->ifa_index = (unsigned)idx;
	nl_put_be32(&m, IFA_LOCAL, addr);
	nl_put_be32(&m, IFA_ADDRESS, addr);
	if (prefix < 31)
		nl_put_be32(&m, IFA_BROADCAST, addr | ~mask);
	return link_send(fd, &m);
}

/* The default route of family (AF_INET, AF_INET6) through gw (len bytes,
 * network order) on link idx. */
static int link_route_default(int fd, int idx, int family, const void *gw, size_t len)
{
	struct nl_msg m = { 0 };
	struct rtmsg *rt = nl_msg_begin(&m, RTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
					sizeof(*rt));

	rt->rtm_family = (unsigned char)family;
	rt->rtm_table = RT_TABLE_MAIN;
	rt->rtm_protocol = RTPROT_BOOT;
	rt->rtm_scope = RT_SCOPE_UNIVERSE;
	rt->rtm_type = RTN_UNICAST;
	nl_put(&m, RTA_GATEWAY, gw, len);
	nl_put_u32(&m, RTA_OIF, (uint32_t)idx);
	return link_send(fd, &m);
}

static int link_addr6_add(int fd, int idx, const uint8_t addr[16], unsigned prefix)
{
	struct nl_msg m = { 0 };
	struct ifaddrmsg *ifa = nl_msg_begin(&m, RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
					     sizeof(*ifa));

	ifa->ifa_family = AF_INET6;
	ifa->ifa_prefixlen = (unsigned char)prefix;
	ifa->ifa_index = (unsigned)idx;
	ifa->ifa_flags = IFA_F_NODAD;	/* leased: nobody else has it, no 1 s of DAD */
	nl_put(&m, IFA_LOCAL, addr, 16);
	nl_put(&m, IFA_ADDRESS, addr, 16);
	return link_send(fd, &m);
}

struct link_addr_dump {
	int idx;
	uint32_t addr;
	unsigned prefix;
	bool found;
};

static int link_addr_one(const struct nlmsghdr *h, void *arg)
{
	struct link_addr_dump *d = arg;
	const struct ifaddrmsg *ifa = NLMSG_DATA(h);
	const struct nlattr *tb[IFA_MAX + 1];

	if (d->found || h->nlmsg_type != RTM_NEWADDR || h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)) ||
	    ifa->ifa_family != AF_INET || (int)ifa->ifa_index != d->idx ||
	    nl_parse_msg(h, sizeof(*ifa), tb, IFA_MAX) < 0 || !(tb[IFA_LOCAL] || tb[IFA_ADDRESS]))
		return 0;
	d->addr = nl_get_be32(tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS]);
	d->prefix = ifa->ifa_prefixlen;
	d->found = true;
	return 0;
}

int link_addr4(const char *name, uint32_t *addr, unsigned *prefix)
{
	struct nl_msg m = { 0 };
	struct link_addr_dump d = { .idx = (int)if_nametoindex(name) };
	struct ifaddrmsg *ifa;
	int r;

	if (!d.idx)
		return -ENOENT;
	ifa = nl_msg_begin(&m, RTM_GETADDR, NLM_F_DUMP, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	r = nl_talk_once(NETLINK_ROUTE, &m, link_addr_one, &d);
	nl_msg_free(&m);
	if (r < 0)
		return err_ctx("list the addresses of %s", name);
	if (!d.found)
		return -ENOENT;
	*addr = d.addr;
	*prefix = d.prefix;
	return 0;
}

bool link_exists(const char *name)
{
	return if_nametoindex(name) != 0;
}

/* net.ipv6.conf.LINK.key = v, as written ("0\n"). */
static int link_sysctl_set(const char *link, const char *key, const char *v)
{
	char p[96];
	autoclose int fd = -1;

	snprintf(p, sizeof(p), "/proc/sys/net/ipv6/conf/%s/%s", link, key);
	fd = openat(AT_FDCWD, p, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || pwrite(fd, v, strlen(v), 0) != (ssize_t)strlen(v))
		return err_set(errno, "set %s", p);
	return 0;
}

/* IPv6 on bridge idx, before it is up: no DAD for its link-local address
 * either (until that passed, 1 to 2 s after its first port came up,
 * nothing is forwarded into it), and its address gw/prefix. */
static int link_bridge6(const char *br, int idx, const uint8_t gw[16], unsigned prefix)
{
	int r;

	if (link_sysctl_set(br, "accept_dad", "0\n") < 0 ||
	    link_sysctl_set(br, "disable_ipv6", "0\n") < 0)
		return -err_errno();
	r = link_addr6_add(-1, idx, gw, prefix);
	if (r < 0 && r != -EEXIST)
		return err_ctx("give bridge %s its IPv6 address", br);
	err_clear();
	return 0;
}

int link_bridge(const char *br, uint32_t gw, unsigned prefix, const uint8_t *gw6,
		unsigned prefix6)
{
	int idx = (int)if_nametoindex(br), r;

	if (!idx) {
		r = nl_link_add(br, "bridge", NULL);
		if (r == -EOPNOTSUPP)
			return err_hint("the kernel has no bridges: load its bridge module "
					"(CONFIG_BRIDGE), or use --network host or none");
		if (r < 0 && r != -EEXIST)
			return r;
		err_clear();
		idx = (int)if_nametoindex(br);
		if (!idx)
			return err_set(errno, "find bridge %s", br);
	}
	r = link_addr_add(-1, idx, gw, prefix);
	if (r < 0 && r != -EEXIST)
		return err_ctx("give bridge %s its address", br);
	err_clear();
	if (gw6 && link_bridge6(br, idx, gw6, prefix6) < 0)
		return -err_errno();
	if (link_set_up(-1, idx) < 0)
		return err_ctx("set bridge %s up", br);
	return 0;
}

/* sysctl path (of the caller's network namespace) = 1, unless it is. */
static int link_sysctl_on(const char *p, const char *what)
{
	char buf[4] = "";
	autoclose int fd = openat(AT_FDCWD, p, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return err_set(errno, "open %s", p);
	if (read(fd, buf, sizeof(buf) - 1) > 0 && buf[0] == '1')
		return 0;
	if (pwrite(fd, "1\n", 2, 0) != 2)
		return err_set(errno, "turn %s on (%s)", what, p);
	return 0;
}

int link_del(const char *name)
{
	struct nl_msg m = { 0 };
	int idx = (int)if_nametoindex(name), r;

	if (!idx)
		return 0;
	link_msg(&m, RTM_DELLINK, 0, idx);
	r = link_send(-1, &m);
	if (r == -ENODEV) {
		err_clear();
		return 0;
	}
	return r < 0 ? err_ctx("remove link %s", name) : 0;
}

void link_mac(uint32_t addr, uint8_t mac[6])
{
	mac[0] = 0x02;
	mac[1] = 0x42;
	for (int i = 0; i < 4; i++)
		mac[2 + i] = (uint8_t)(addr >> (24 - 8 * i));
}

void link_mac_format(const uint8_t mac[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
}

int link_mac_parse(const char *s, uint8_t mac[6])
{
	unsigned b[6];
	char end;

	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &end) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		if (s[3 * i + 2] != (i < 5 ? ':' : '\0') || !isxdigit((unsigned char)s[3 * i]) ||
		    !isxdigit((unsigned char)s[3 * i + 1]))
			return -EINVAL;
		mac[i] = (uint8_t)b[i];
	}
	return mac[0] & 1 ? -EINVAL : 0;
}

/* A netlink socket inside the network namespace of pid, and the index of
 * its link ifname there. */
static int link_open_in(pid_t pid, const char *ifname, int *idx)
{
	char path[64];
	autoclose int self = openat(AT_FDCWD, "/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	autoclose int ns = -1;
	int fd, e = 0;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	ns = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (self < 0 || ns < 0)
		return err_set(errno, "open the container's network namespace");
	if (setns(ns, CLONE_NEWNET) < 0)
		return err_set(errno, "enter the container's network namespace");
	fd = nl_open(NETLINK_ROUTE);
	*idx = (int)if_nametoindex(ifname);
	if (!*idx)
		e = errno;
	if (setns(self, CLONE_NEWNET) < 0)
		abort();	/* stuck in the container's namespace: nothing is safe now */
	if (fd >= 0 && !*idx) {
		close(fd);
		return err_set(e, "find link %s in the container", ifname);
	}
	return fd;
}

static int link_veth_make(pid_t pid, const struct link_ep *e, int br)
{
	struct nl_msg m = { 0 };
	struct ifinfomsg pi = { .ifi_family = AF_UNSPEC };
	uint8_t mac[6];
	size_t info, data, p;
	static const uint8_t zero[6];

	if (memcmp(e->mac, zero, 6))
		memcpy(mac, e->mac, 6);
	else
		link_mac(e->addr, mac);
	link_msg(&m, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	nl_put_str(&m, IFLA_IFNAME, e->host);
	nl_put_u32(&m, IFLA_MASTER, (uint32_t)br);
	if (e->mtu)
		nl_put_u32(&m, IFLA_MTU, e->mtu);
	info = nl_nest(&m, IFLA_LINKINFO, false);
	nl_put(&m, IFLA_INFO_KIND, "veth", 4);
	data = nl_nest(&m, IFLA_INFO_DATA, false);
	p = nl_put(&m, VETH_INFO_PEER, &pi, sizeof(pi));
	nl_put_str(&m, IFLA_IFNAME, e->ifname);
	nl_put_u32(&m, IFLA_NET_NS_PID, (uint32_t)pid);
	nl_put(&m, IFLA_ADDRESS, mac, 6);
	if (e->mtu)
		nl_put_u32(&m, IFLA_MTU, e->mtu);
	nl_nest_end(&m, p);
	nl_nest_end(&m, data);
	nl_nest_end(&m, info);
	return link_send(-1, &m);
}

int link_veth(pid_t pid, const struct link_ep *e)
{
	int br = (int)if_nametoindex(e->bridge), idx = 0, fd, r;

	if (!br)
		return err_set(errno, "find bridge %s", e->bridge);
	r = link_veth_make(pid, e, br);
	if (r == -EOPNOTSUPP)
		return err_hint("the kernel has no veth pairs: load its veth module "
				"(CONFIG_VETH), or use --network host or none");
	if (r < 0)
		return err_ctx("create veth %s", e->host);
	r = link_set_up(-1, (int)if_nametoindex(e->host));
	fd = r < 0 ? r : link_open_in(pid, e->ifname, &idx);
	if (fd >= 0) {
		r = link_addr_add(fd, idx, e->addr, e->prefix);
		if (r == 0)
			r = link_set_up(fd, idx);
		if (r == 0 && e->addr6)
			r = link_addr6_add(fd, idx, e->addr6, e->prefix6);
		if (r == 0 && e->gw)
			r = link_route_default(fd, idx, AF_INET, &(uint32_t){ htonl(e->gw) }, 4);
		if (r == 0 && e->addr6 && e->gw6)
			r = link_route_default(fd, idx, AF_INET6, e->gw6, 16);
		close(fd);
	} else {
		r = fd;
	}
	if (r < 0) {
		int keep = err_errno();
		char msg[256];

		snprintf(msg, sizeof(msg), "%s", err_str());
		if (link_del(e->host) < 0)
			err_clear();
		err_setx(keep, "set up %s in the container: %s", e->ifname, msg);
		return -keep;
	}
	return 0;
}

struct link_route_dump {
	struct link_route *v;
	size_t n;
};

static int link_route_one(const struct nlmsghdr *h, void *arg)
{
	struct link_route_dump *d = arg;
	const struct rtmsg *rt = NLMSG_DATA(h);
	const struct nlattr *tb[RTA_MAX + 1];

	if (h->nlmsg_type != RTM_NEWROUTE || h->nlmsg_len < NLMSG_LENGTH(sizeof(*rt)) ||
	    rt->rtm_family != AF_INET || rt->rtm_type != RTN_UNICAST ||
	    nl_parse_msg(h, sizeof(*rt), tb, RTA_MAX) < 0)
		return 0;
	if ((tb[RTA_TABLE] ? nl_get_u32(tb[RTA_TABLE]) : rt->rtm_table) != RT_TABLE_MAIN)
		return 0;
	d->v = xrealloc(d->v, (d->n + 1) * sizeof(*d->v));
	d->v[d->n++] = (struct link_route){
		.dst = tb[RTA_DST] ? nl_get_be32(tb[RTA_DST]) : 0,
		.prefix = rt->rtm_dst_len,
		.oif = tb[RTA_OIF] ? (int)nl_get_u32(tb[RTA_OIF]) : 0,
	};
	return 0;
}

int link_routes(struct link_route **v, size_t *n)
{
	struct nl_msg m = { 0 };
	struct rtmsg *rt = nl_msg_begin(&m, RTM_GETROUTE, NLM_F_DUMP, sizeof(*rt));
	struct link_route_dump d = { 0 };
	int r;

	rt->rtm_family = AF_INET;
	r = nl_talk_once(NETLINK_ROUTE, &m, link_route_one, &d);
	nl_msg_free(&m);
	if (r < 0) {
		free(d.v);
		return err_ctx("list the routes");
	}
	*v = d.v;
	*n = d.n;
	return 0;
}

unsigned link_default_mtu(void)
{
	struct link_route *v = NULL;
	size_t n = 0;
	unsigned mtu = 1500;
	char name[IF_NAMESIZE];

	if (link_routes(&v, &n) < 0) {
		err_clear();
		return mtu;
	}
	for (size_t i = 0; i < n; i++)
		if (v[i].prefix == 0 && v[i].oif && if_indextoname((unsigned)v[i].oif, name)) {
			struct ifreq ifr = { 0 };
			autoclose int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

			snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
			if (fd >= 0 && ioctl(fd, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu >= 68)
				mtu = (unsigned)ifr.ifr_mtu;
			break;
		}
	free(v);
	return mtu;
}

int link_forwarding(void)
{
	return link_sysctl_on("/proc/sys/net/ipv4/ip_forward", "IPv4 forwarding");
}

int link_forwarding6(void)
{
	return link_sysctl_on("/proc/sys/net/ipv6/conf/all/forwarding", "IPv6 forwarding");
}
