// SPDX-License-Identifier: Apache-2.0
/* nl.c - one request, one acknowledgement over NETLINK_ROUTE. Messages are
 * built in a small stack buffer; replies are checked by sequence number. */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
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

static int nl_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		return err_set(errno, "open rtnetlink socket");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return err_set(errno, "bind rtnetlink socket");
	}
	return fd;
}

/* Send req and wait for the kernel's ack (NLM_F_ACK) to it. */
static int nl_transact(const struct nlmsghdr *req)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	char buf[1024];
	autoclose int fd = nl_open();

	if (fd < 0)
		return fd;
	if (sendto(fd, req, req->nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return err_set(errno, "send rtnetlink request");
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_set(errno, "receive rtnetlink reply");
		for (; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			struct nlmsgerr *e = NLMSG_DATA(h);

			if (h->nlmsg_seq != req->nlmsg_seq || h->nlmsg_type != NLMSG_ERROR)
				continue;
			if (e->error)
				return err_set(-e->error, "rtnetlink");
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
	if (nl_transact(&req.nh) < 0)
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
