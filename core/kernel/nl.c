// SPDX-License-Identifier: Apache-2.0
/* nl.c - netlink messages built in a growing buffer, sent, and answered
 * by sequence number: acks, errors (with the kernel's extended ack text)
 * and dumps. The link calls at the end are the few the probes and the
 * runtime use below the net room. */
#include <errno.h>
#include <linux/if_link.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "core/kernel/nl.h"
#include "core/util/err.h"
#include "core/util/xalloc.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif

/* One sequence number per message, unique in this process. */
static uint32_t nl_seq;

static struct nlmsghdr *nl_cur(const struct nl_msg *m)
{
	return (struct nlmsghdr *)(m->buf + m->cur);
}

/* Room for n more bytes (zeroed), at the end of the message. */
static void *nl_grow(struct nl_msg *m, size_t n)
{
	size_t need = m->len + NLMSG_ALIGN(n);
	void *p;

	if (need > m->cap) {
		m->cap = need < 512 ? 512 : need * 2;
		m->buf = xrealloc(m->buf, m->cap);
	}
	p = m->buf + m->len;
	memset(p, 0, NLMSG_ALIGN(n));
	m->len = need;
	if (m->cur < m->len && m->len - m->cur >= sizeof(struct nlmsghdr))
		nl_cur(m)->nlmsg_len = (uint32_t)(m->len - m->cur);
	return p;
}

void *nl_msg_begin(struct nl_msg *m, uint16_t type, uint16_t flags, size_t hlen)
{
	struct nlmsghdr *h;

	m->cur = m->len;
	h = nl_grow(m, NLMSG_HDRLEN);
	h->nlmsg_type = type;
	h->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
	h->nlmsg_seq = ++nl_seq;
	h->nlmsg_len = NLMSG_HDRLEN;
	return hlen ? nl_grow(m, hlen) : NULL;
}

size_t nl_put(struct nl_msg *m, uint16_t type, const void *data, size_t len)
{
	size_t off = m->len;
	struct nlattr *a = nl_grow(m, NLA_HDRLEN + len);

	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	if (len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	return off;
}

size_t nl_put_str(struct nl_msg *m, uint16_t type, const char *s)
{
	return nl_put(m, type, s, strlen(s) + 1);
}

size_t nl_put_u32(struct nl_msg *m, uint16_t type, uint32_t v)
{
	return nl_put(m, type, &v, sizeof(v));
}

size_t nl_put_be32(struct nl_msg *m, uint16_t type, uint32_t v)
{
	v = htonl(v);
	return nl_put(m, type, &v, sizeof(v));
}

size_t nl_nest(struct nl_msg *m, uint16_t type, bool nested)
{
	return nl_put(m, (uint16_t)(type | (nested ? NLA_F_NESTED : 0)), NULL, 0);
}

void nl_nest_end(struct nl_msg *m, size_t off)
{
	struct nlattr *a = (struct nlattr *)(m->buf + off);

	a->nla_len = (uint16_t)(m->len - off);
}

void nl_msg_free(struct nl_msg *m)
{
	free(m->buf);
	*m = (struct nl_msg){ 0 };
}

int nl_open(int proto)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, proto), one = 1;

	if (fd < 0)
		return err_set(errno, "open %s socket", proto == NETLINK_ROUTE ? "rtnetlink" : "netlink");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return err_set(errno, "bind netlink socket");
	}
	/* Old kernels lack extended acks: the errors then say less. */
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	return fd;
}

int nl_parse(const void *data, size_t len, const struct nlattr **tb, uint16_t max)
{
	const char *p = data;

	memset(tb, 0, (max + 1u) * sizeof(*tb));
	while (len >= NLA_HDRLEN) {
		const struct nlattr *a = (const struct nlattr *)p;
		uint16_t type = a->nla_type & NLA_TYPE_MASK;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > len)
			return -EINVAL;
		if (type <= max)
			tb[type] = a;
		if ((size_t)NLA_ALIGN(a->nla_len) >= len)
			break;
		len -= (size_t)NLA_ALIGN(a->nla_len);
		p += NLA_ALIGN(a->nla_len);
	}
	return 0;
}

int nl_parse_msg(const struct nlmsghdr *h, size_t hlen, const struct nlattr **tb, uint16_t max)
{
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(hlen);

	if (h->nlmsg_len < off) {
		memset(tb, 0, (max + 1u) * sizeof(*tb));
		return -EINVAL;
	}
	return nl_parse((const char *)h + off, h->nlmsg_len - off, tb, max);
}

uint32_t nl_get_u32(const struct nlattr *a)
{
	uint32_t v = 0;

	if (a && nl_len(a) >= sizeof(v))
		memcpy(&v, nl_data(a), sizeof(v));
	return v;
}

uint32_t nl_get_be32(const struct nlattr *a)
{
	return ntohl(nl_get_u32(a));
}

const char *nl_get_str(const struct nlattr *a, char *buf, size_t size)
{
	size_t n = a ? strnlen(nl_data(a), nl_len(a)) : 0;

	if (n >= size)
		n = size - 1;
	if (n)
		memcpy(buf, nl_data(a), n);
	buf[n] = '\0';
	return buf;
}

/* The sequence numbers of m's messages that wait for an answer, and of
 * all of m's messages: the kernel answers an nf_tables batch's begin
 * message, which asks for nothing, with the error of the whole batch
 * (a stale generation id, a failed commit). */
struct nl_wait {
	uint32_t *seq, *all;
	size_t n, nall;
};

static bool nl_wait_done(struct nl_wait *w, uint32_t seq)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->seq[i] == seq) {
			w->seq[i] = w->seq[--w->n];
			return true;
		}
	return false;
}

static bool nl_waits_for(const struct nl_wait *w, uint32_t seq)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->seq[i] == seq)
			return true;
	return false;
}

static bool nl_is_ours(const struct nl_wait *w, uint32_t seq)
{
	for (size_t i = 0; i < w->nall; i++)
		if (w->all[i] == seq)
			return true;
	return false;
}

/* The error of an NLMSG_ERROR: 0 for an ack; the kernel's text, if any. */
static int nl_error(const struct nlmsghdr *h)
{
	const struct nlmsgerr *e = NLMSG_DATA(h);
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t hlen = sizeof(*e);
	char msg[160];

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
		return err_setx(EIO, "netlink: a short error message");
	if (!e->error)
		return 0;
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		hlen += e->msg.nlmsg_len - sizeof(e->msg);
	if ((h->nlmsg_flags & NLM_F_ACK_TLVS) && nl_parse_msg(h, hlen, tb, NLMSGERR_ATTR_MAX) == 0 &&
	    tb[NLMSGERR_ATTR_MSG])
		return err_set(-e->error, "%s", nl_get_str(tb[NLMSGERR_ATTR_MSG], msg, sizeof(msg)));
	return err_set(-e->error, "netlink");
}

int nl_talk(int fd, const struct nl_msg *m,
	    int (*cb)(const struct nlmsghdr *h, void *arg), void *arg)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	size_t most = m->len / NLMSG_HDRLEN + 1;
	struct nl_wait w = { .seq = xmalloc(most * sizeof(uint32_t)),
			     .all = xmalloc(most * sizeof(uint32_t)) };
	enum { NL_RCVBUF = 32768 };
	autofree char *buf = xmalloc(NL_RCVBUF);
	int r = 0;

	for (size_t off = 0; off + NLMSG_HDRLEN <= m->len;) {
		const struct nlmsghdr *h = (const struct nlmsghdr *)(m->buf + off);

		if (h->nlmsg_flags & (NLM_F_ACK | NLM_F_DUMP))
			w.seq[w.n++] = h->nlmsg_seq;
		w.all[w.nall++] = h->nlmsg_seq;
		off += NLMSG_ALIGN(h->nlmsg_len);
	}
	if (sendto(fd, m->buf, m->len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		r = err_set(errno, "send a netlink request");
	while (r == 0 && w.n) {
		ssize_t n = recv(fd, buf, NL_RCVBUF, 0);
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = err_set(errno, "receive a netlink reply");
			break;
		}
		for (; r == 0 && NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (!nl_waits_for(&w, h->nlmsg_seq)) {
				if (h->nlmsg_type == NLMSG_ERROR && nl_is_ours(&w, h->nlmsg_seq))
					r = nl_error(h);
				continue;	/* else a stale answer to an earlier call */
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				nl_wait_done(&w, h->nlmsg_seq);
				r = nl_error(h);
			} else if (h->nlmsg_type == NLMSG_DONE) {
				nl_wait_done(&w, h->nlmsg_seq);
			} else if (cb) {
				r = cb(h, arg);
			}
		}
	}
	free(w.seq);
	free(w.all);
	return r;
}

int nl_talk_once(int proto, const struct nl_msg *m,
		 int (*cb)(const struct nlmsghdr *h, void *arg), void *arg)
{
	autoclose int fd = nl_open(proto);

	if (fd < 0)
		return fd;
	return nl_talk(fd, m, cb, arg);
}

/* ---- the calls of the rooms below net ---- */

static int nl_link_set_up(unsigned idx)
{
	struct nl_msg m = { 0 };
	struct ifinfomsg *ifi = nl_msg_begin(&m, RTM_NEWLINK, NLM_F_ACK, sizeof(*ifi));
	int r;

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)idx;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	r = nl_talk_once(NETLINK_ROUTE, &m, NULL, NULL);
	nl_msg_free(&m);
	return r;
}

int nl_link_up(const char *name)
{
	unsigned idx = if_nametoindex(name);

	if (!idx)
		return err_set(errno, "find link %s", name);
	if (nl_link_set_up(idx) < 0)
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

int nl_link_add(const char *name, const char *kind, const char *peer)
{
	struct nl_msg m = { 0 };
	struct ifinfomsg *ifi;
	size_t info, data, p;
	int r;

	if (strlen(name) >= IFNAMSIZ || (peer && strlen(peer) >= IFNAMSIZ))
		return err_setx(EINVAL, "link name %s: longer than %d bytes", name, IFNAMSIZ - 1);
	ifi = nl_msg_begin(&m, RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	nl_put_str(&m, IFLA_IFNAME, name);
	info = nl_nest(&m, IFLA_LINKINFO, false);
	nl_put(&m, IFLA_INFO_KIND, kind, strlen(kind));
	if (peer) {
		/* VETH_INFO_PEER holds the peer's ifinfomsg, then its attributes. */
		struct ifinfomsg pi = { .ifi_family = AF_UNSPEC };

		data = nl_nest(&m, IFLA_INFO_DATA, false);
		p = nl_put(&m, VETH_INFO_PEER, &pi, sizeof(pi));
		nl_put_str(&m, IFLA_IFNAME, peer);
		nl_nest_end(&m, p);
		nl_nest_end(&m, data);
	}
	nl_nest_end(&m, info);
	r = nl_talk_once(NETLINK_ROUTE, &m, NULL, NULL);
	nl_msg_free(&m);
	if (r < 0)
		return err_ctx("create %s link %s", kind, name);
	return 0;
}

int nl_nft_getgen(void)
{
	struct nl_msg m = { 0 };
	struct nfgenmsg *nf = nl_msg_begin(&m, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETGEN,
					   NLM_F_ACK, sizeof(*nf));
	int r;

	nf->nfgen_family = AF_UNSPEC;
	nf->version = NFNETLINK_V0;
	r = nl_talk_once(NETLINK_NETFILTER, &m, NULL, NULL);
	nl_msg_free(&m);
	if (r < 0)
		return err_ctx("nf_tables");
	return 0;
}
