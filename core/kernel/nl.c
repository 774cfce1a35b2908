// SPDX-License-Identifier: Apache-2.0
/* nl.c - one request, one acknowledgement over NETLINK_ROUTE (or
 * NETLINK_NETFILTER). Messages are built in a small stack buffer; replies
 * are checked by sequence number. */
#include <errno.h>
#include <linux/if_link.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "core/kernel/nl.h"
#include "core/util/err.h"

struct nl_link_req {
	struct nlmsghdr nh;
	struct ifinfomsg ifi;
};

/* A message with room for a few attributes (a link with a peer). */
enum { NL_MSG_MAX = 256 };

static int nl_open(int proto)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, proto);

	if (fd < 0)
		return err_set(errno, "open %s socket", proto == NETLINK_ROUTE ? "rtnetlink" : "netlink");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return err_set(errno, "bind rtnetlink socket");
	}
	return fd;
}

/* Send req and wait for the kernel's ack (NLM_F_ACK) to it; replies
 * before the ack (a getgen's) are skipped. */
static int nl_transact(int proto, const struct nlmsghdr *req)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	const char *what = proto == NETLINK_ROUTE ? "rtnetlink" : "netlink";
	char buf[1024];
	autoclose int fd = nl_open(proto);

	if (fd < 0)
		return fd;
	if (sendto(fd, req, req->nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return err_set(errno, "send %s request", what);
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_set(errno, "receive %s reply", what);
		for (; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			struct nlmsgerr *e = NLMSG_DATA(h);

			if (h->nlmsg_seq != req->nlmsg_seq || h->nlmsg_type != NLMSG_ERROR)
				continue;
			if (e->error)
				return err_set(-e->error, "%s", what);
			return 0;
		}
	}
}

int nl_link_up(const char *name)
{
	struct nl_link_req req;
	unsigned idx = if_nametoindex(name);

	if (!idx)
		return err_set(errno, "find link %s", name);
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	req.nh.nlmsg_type = RTM_NEWLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.nh.nlmsg_seq = 1;
	req.ifi.ifi_family = AF_UNSPEC;
	req.ifi.ifi_index = (int)idx;
	req.ifi.ifi_flags = IFF_UP;
	req.ifi.ifi_change = IFF_UP;
	if (nl_transact(NETLINK_ROUTE, &req.nh) < 0)
		return err_ctx("set link %s up", name);
	return 0;
}

int nl_link_is_up(const char *name, bool *up)
{
	struct ifreq ifr;
	autoclose int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return err_set(errno, "open socket");
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return err_set(errno, "get flags of link %s", name);
	*up = ifr.ifr_flags & IFF_UP;
	return 0;
}

/* Append attribute type (len bytes of data) to h, which has room for
 * NL_MSG_MAX bytes; returns it, to close a nest with nl_nest_end. */
static struct rtattr *nl_put(struct nlmsghdr *h, unsigned short type, const void *data,
			     size_t len)
{
	struct rtattr *a = (struct rtattr *)((char *)h + NLMSG_ALIGN(h->nlmsg_len));

	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(a), data, len);
	h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(a->rta_len);
	return a;
}

static void nl_nest_end(struct nlmsghdr *h, struct rtattr *a)
{
	a->rta_len = (unsigned short)((char *)h + h->nlmsg_len - (char *)a);
}

int nl_link_add(const char *name, const char *kind, const char *peer)
{
	union {
		struct nlmsghdr nh;
		char buf[NL_MSG_MAX];
	} m;
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct rtattr *info, *data, *p;

	if (strlen(name) >= IFNAMSIZ || (peer && strlen(peer) >= IFNAMSIZ))
		return err_setx(EINVAL, "link name %s: longer than %d bytes", name, IFNAMSIZ - 1);
	memset(&m, 0, sizeof(m));
	m.nh.nlmsg_len = NLMSG_LENGTH(sizeof(ifi));
	m.nh.nlmsg_type = RTM_NEWLINK;
	m.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
	m.nh.nlmsg_seq = 1;
	memcpy(NLMSG_DATA(&m.nh), &ifi, sizeof(ifi));
	nl_put(&m.nh, IFLA_IFNAME, name, strlen(name) + 1);
	info = nl_put(&m.nh, IFLA_LINKINFO, NULL, 0);
	nl_put(&m.nh, IFLA_INFO_KIND, kind, strlen(kind));
	if (peer) {
		/* VETH_INFO_PEER holds the peer's ifinfomsg, then its attributes. */
		data = nl_put(&m.nh, IFLA_INFO_DATA, NULL, 0);
		p = nl_put(&m.nh, VETH_INFO_PEER, &ifi, sizeof(ifi));
		nl_put(&m.nh, IFLA_IFNAME, peer, strlen(peer) + 1);
		nl_nest_end(&m.nh, p);
		nl_nest_end(&m.nh, data);
	}
	nl_nest_end(&m.nh, info);
	if (nl_transact(NETLINK_ROUTE, &m.nh) < 0)
		return err_ctx("create %s link %s", kind, name);
	return 0;
}

int nl_nft_getgen(void)
{
	struct {
		struct nlmsghdr nh;
		struct nfgenmsg nf;
	} req;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.nf));
	req.nh.nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETGEN;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.nh.nlmsg_seq = 1;
	req.nf.nfgen_family = AF_UNSPEC;
	req.nf.version = NFNETLINK_V0;
	if (nl_transact(NETLINK_NETFILTER, &req.nh) < 0)
		return err_ctx("nf_tables");
	return 0;
}
