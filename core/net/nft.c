// SPDX-License-Identifier: Apache-2.0
/* nft.c - `table ip dory`: its rules built as nf_tables expressions, found
 * again by the tag in their comment and changed in one batch each. What a
 * network or a port is (addresses, names, leases) belongs to the callers.
 *
 * The table (family ip: nat chains exist there on 4.x kernels):
 *   prerouting, output  (nat, -100)   DNAT of published ports      [container id]
 *   postrouting         (nat, 100)    masquerade                   [network name]
 *   forward             (filter, 0)   isolation, internal networks [network name]
 *   input               (filter, 0)   the guard of route_localnet  [network name]
 *   isolate             (regular)     drops into each bridge       [network name]
 * Each chain holds rules of one kind of tag only, so that a network and a
 * container never take each other's rules. The layouts are the kernel's
 * (uapi linux/netfilter/nf_tables.h); the comment is libnftnl's userdata
 * (a TLV of type 0 holding the NUL-terminated text), which `nft` prints. */
#include <errno.h>
#include <arpa/inet.h>
#include <endian.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <time.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>

#include "core/kernel/nl.h"
#include "core/net/nft.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/xalloc.h"

#define NFT_TYPE(t) ((uint16_t)((NFNL_SUBSYS_NFTABLES << 8) | (t)))

static const char nft_table[] = "dory";
static const char nft_probe_table[] = "dory-probe";

enum { IP_SADDR = 12, IP_DADDR = 16, IP_LOOPBACK = 0x7f000000, NFT_TRIES = 10 };

static const struct nft_chain {
	const char *name, *type;	/* type NULL: a regular chain */
	uint32_t hook;
	int32_t prio;
	bool ports;			/* holds containers' rules, else networks' */
} nft_chains[] = {
	{ "prerouting", "nat", NF_INET_PRE_ROUTING, -100, true },
	{ "output", "nat", NF_INET_LOCAL_OUT, -100, true },
	{ "postrouting", "nat", NF_INET_POST_ROUTING, 100, false },
	{ "forward", "filter", NF_INET_FORWARD, 0, false },
	{ "input", "filter", NF_INET_LOCAL_IN, 0, false },
	{ "isolate", NULL, 0, 0, false },
};

/* ---- messages and expressions ---- */

static void nft_begin(struct nl_msg *m, uint16_t type, uint16_t flags, uint8_t family)
{
	struct nfgenmsg *g = nl_msg_begin(m, NFT_TYPE(type), flags, sizeof(*g));

	g->nfgen_family = family;
	g->version = NFNETLINK_V0;
}

/* The begin or end of a batch; genid (0: none) makes the kernel refuse the
 * batch with ERESTART when the ruleset changed since it was read. */
static void nft_batch(struct nl_msg *m, uint16_t type, uint32_t genid)
{
	struct nfgenmsg *g = nl_msg_begin(m, type, 0, sizeof(*g));

	g->nfgen_family = AF_UNSPEC;
	g->version = NFNETLINK_V0;
	g->res_id = htons(NFNL_SUBSYS_NFTABLES);
	if (genid)
		nl_put_be32(m, NFNL_BATCH_GENID, genid);
}

static void put_data(struct nl_msg *m, uint16_t type, const void *v, size_t len)
{
	size_t n = nl_nest(m, type, true);

	nl_put(m, NFTA_DATA_VALUE, v, len);
	nl_nest_end(m, n);
}

/* One expression: ex_begin gives the offsets that ex_end closes. */
struct nft_ex {
	size_t elem, data;
};

static struct nft_ex ex_begin(struct nl_msg *m, const char *name)
{
	struct nft_ex e;

	e.elem = nl_nest(m, NFTA_LIST_ELEM, true);
	nl_put_str(m, NFTA_EXPR_NAME, name);
	e.data = nl_nest(m, NFTA_EXPR_DATA, true);
	return e;
}

static void ex_end(struct nl_msg *m, struct nft_ex e)
{
	nl_nest_end(m, e.data);
	nl_nest_end(m, e.elem);
}

/* A key of expression name loaded into register 1 (meta, ct). */
static void ex_load(struct nl_msg *m, const char *name, uint16_t dreg, uint16_t key, uint32_t v)
{
	struct nft_ex e = ex_begin(m, name);

	nl_put_be32(m, dreg, NFT_REG_1);
	nl_put_be32(m, key, v);
	ex_end(m, e);
}

static void ex_payload(struct nl_msg *m, uint32_t base, uint32_t off, uint32_t len)
{
	struct nft_ex e = ex_begin(m, "payload");

	nl_put_be32(m, NFTA_PAYLOAD_DREG, NFT_REG_1);
	nl_put_be32(m, NFTA_PAYLOAD_BASE, base);
	nl_put_be32(m, NFTA_PAYLOAD_OFFSET, off);
	nl_put_be32(m, NFTA_PAYLOAD_LEN, len);
	ex_end(m, e);
}

static void ex_cmp(struct nl_msg *m, uint32_t op, const void *v, size_t len)
{
	struct nft_ex e = ex_begin(m, "cmp");

	nl_put_be32(m, NFTA_CMP_SREG, NFT_REG_1);
	nl_put_be32(m, NFTA_CMP_OP, op);
	put_data(m, NFTA_CMP_DATA, v, len);
	ex_end(m, e);
}

/* register 1 &= mask (len bytes) */
static void ex_and(struct nl_msg *m, const void *mask, size_t len)
{
	static const char zero[4];
	struct nft_ex e = ex_begin(m, "bitwise");

	nl_put_be32(m, NFTA_BITWISE_SREG, NFT_REG_1);
	nl_put_be32(m, NFTA_BITWISE_DREG, NFT_REG_1);
	nl_put_be32(m, NFTA_BITWISE_LEN, (uint32_t)len);
	put_data(m, NFTA_BITWISE_MASK, mask, len);
	put_data(m, NFTA_BITWISE_XOR, zero, len);
	ex_end(m, e);
}

static void ex_immediate(struct nl_msg *m, uint32_t reg, const void *v, size_t len)
{
	struct nft_ex e = ex_begin(m, "immediate");

	nl_put_be32(m, NFTA_IMMEDIATE_DREG, reg);
	put_data(m, NFTA_IMMEDIATE_DATA, v, len);
	ex_end(m, e);
}

/* A verdict: NF_DROP, or NFT_JUMP to chain. */
static void ex_verdict(struct nl_msg *m, int code, const char *chain)
{
	struct nft_ex e = ex_begin(m, "immediate");
	size_t d, v;

	nl_put_be32(m, NFTA_IMMEDIATE_DREG, NFT_REG_VERDICT);
	d = nl_nest(m, NFTA_IMMEDIATE_DATA, true);
	v = nl_nest(m, NFTA_DATA_VERDICT, true);
	nl_put_be32(m, NFTA_VERDICT_CODE, (uint32_t)code);
	if (chain)
		nl_put_str(m, NFTA_VERDICT_CHAIN, chain);
	nl_nest_end(m, v);
	nl_nest_end(m, d);
	ex_end(m, e);
}

static void ex_masq(struct nl_msg *m)
{
	ex_end(m, ex_begin(m, "masq"));
}

/* DNAT to the address in register 1 and the port in register 2. */
static void ex_dnat(struct nl_msg *m)
{
	struct nft_ex e = ex_begin(m, "nat");

	nl_put_be32(m, NFTA_NAT_TYPE, NFT_NAT_DNAT);
	nl_put_be32(m, NFTA_NAT_FAMILY, NFPROTO_IPV4);
	nl_put_be32(m, NFTA_NAT_REG_ADDR_MIN, NFT_REG_1);
	nl_put_be32(m, NFTA_NAT_REG_PROTO_MIN, NFT_REG_2);
	nl_put_be32(m, NFTA_NAT_FLAGS, NF_NAT_RANGE_PROTO_SPECIFIED);
	ex_end(m, e);
}

/* ---- matches, as `nft` words them ---- */

/* iifname/oifname (key) == or != name */
static void match_ifname(struct nl_msg *m, uint32_t key, uint32_t op, const char *name)
{
	char v[IFNAMSIZ] = { 0 };

	memcpy(v, name, strnlen(name, IFNAMSIZ - 1));
	ex_load(m, "meta", NFTA_META_DREG, NFTA_META_KEY, key);
	ex_cmp(m, op, v, sizeof(v));
}

/* ip saddr/daddr (off) addr/prefix */
static void match_ip(struct nl_msg *m, uint32_t off, uint32_t addr, unsigned prefix)
{
	uint32_t mask = htonl(~0u << (32 - prefix)), v = htonl(addr);

	ex_payload(m, NFT_PAYLOAD_NETWORK_HEADER, off, 4);
	if (prefix < 32)
		ex_and(m, &mask, sizeof(mask));
	ex_cmp(m, NFT_CMP_EQ, &v, sizeof(v));
}

/* ct status/state (key) with any of bits (set), or with none of them */
static void match_ct(struct nl_msg *m, uint32_t key, uint32_t bits, bool set)
{
	uint32_t zero = 0;

	ex_load(m, "ct", NFTA_CT_DREG, NFTA_CT_KEY, key);
	ex_and(m, &bits, sizeof(bits));
	ex_cmp(m, set ? NFT_CMP_NEQ : NFT_CMP_EQ, &zero, sizeof(zero));
}

/* fib daddr type local: an address of the device, 127.0.0.1 included */
static void match_local(struct nl_msg *m)
{
	struct nft_ex e = ex_begin(m, "fib");
	uint32_t local = RTN_LOCAL;

	nl_put_be32(m, NFTA_FIB_DREG, NFT_REG_1);
	nl_put_be32(m, NFTA_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
	nl_put_be32(m, NFTA_FIB_FLAGS, NFTA_FIB_F_DADDR);
	ex_end(m, e);
	ex_cmp(m, NFT_CMP_EQ, &local, sizeof(local));
}

/* tcp/udp/sctp dport port */
static void match_dport(struct nl_msg *m, uint8_t proto, uint16_t port)
{
	uint16_t p = htons(port);

	ex_load(m, "meta", NFTA_META_DREG, NFTA_META_KEY, NFT_META_L4PROTO);
	ex_cmp(m, NFT_CMP_EQ, &proto, sizeof(proto));
	ex_payload(m, NFT_PAYLOAD_TRANSPORT_HEADER, 2, sizeof(p));
	ex_cmp(m, NFT_CMP_EQ, &p, sizeof(p));
}

/* ---- rules ---- */

static size_t rule_begin(struct nl_msg *m, const char *table, const char *chain)
{
	nft_begin(m, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, NFPROTO_IPV4);
	nl_put_str(m, NFTA_RULE_TABLE, table);
	nl_put_str(m, NFTA_RULE_CHAIN, chain);
	return nl_nest(m, NFTA_RULE_EXPRESSIONS, true);
}

/* Close the expressions and tag the rule: comment "tag". */
static void rule_end(struct nl_msg *m, size_t exprs, const char *tag)
{
	unsigned char ud[2 + NFT_TAG_MAX + 1];
	size_t len = strlen(tag) + 1;

	nl_nest_end(m, exprs);
	ud[0] = 0;	/* libnftnl's NFTNL_UDATA_RULE_COMMENT */
	ud[1] = (unsigned char)len;
	memcpy(ud + 2, tag, len);
	nl_put(m, NFTA_RULE_USERDATA, ud, 2 + len);
}

/* ... ending with a drop. */
static void rule_drop(struct nl_msg *m, size_t exprs, const char *tag)
{
	ex_verdict(m, NF_DROP, NULL);
	rule_end(m, exprs, tag);
}

/* An internal network: nothing forwarded into or out of its bridge. */
static void net_internal_rules(struct nl_msg *m, const struct nft_net *n)
{
	size_t x;

	x = rule_begin(m, nft_table, "forward");
	match_ifname(m, NFT_META_IIFNAME, NFT_CMP_EQ, n->bridge);
	match_ifname(m, NFT_META_OIFNAME, NFT_CMP_NEQ, n->bridge);
	rule_drop(m, x, n->name);
	x = rule_begin(m, nft_table, "forward");
	match_ifname(m, NFT_META_OIFNAME, NFT_CMP_EQ, n->bridge);
	match_ifname(m, NFT_META_IIFNAME, NFT_CMP_NEQ, n->bridge);
	rule_drop(m, x, n->name);
}

static void net_masq_rules(struct nl_msg *m, const struct nft_net *n)
{
	size_t x;

	/* Out to anywhere but its own bridge, with the device's address. */
	x = rule_begin(m, nft_table, "postrouting");
	match_ip(m, IP_SADDR, n->subnet, n->prefix);
	match_ifname(m, NFT_META_OIFNAME, NFT_CMP_NEQ, n->bridge);
	ex_masq(m);
	rule_end(m, x, n->name);
	/* Hairpin: a container reached one of its network's published ports
	 * through the device; without br_netfilter the answer would go
	 * straight back over the bridge, past the DNAT, unless it is
	 * addressed to the device. */
	x = rule_begin(m, nft_table, "postrouting");
	match_ifname(m, NFT_META_OIFNAME, NFT_CMP_EQ, n->bridge);
	match_ip(m, IP_SADDR, n->subnet, n->prefix);
	match_ct(m, NFT_CT_STATUS, IPS_DST_NAT, true);
	ex_masq(m);
	rule_end(m, x, n->name);
	/* The device itself on 127.0.0.1:PORT, DNATed into the bridge. */
	x = rule_begin(m, nft_table, "postrouting");
	match_ifname(m, NFT_META_OIFNAME, NFT_CMP_EQ, n->bridge);
	match_ip(m, IP_SADDR, IP_LOOPBACK, 8);
	ex_masq(m);
	rule_end(m, x, n->name);
}

static void net_fence_rules(struct nl_msg *m, const struct nft_net *n)
{
	size_t x;

	/* Isolation: nothing from this bridge into another network's, but
	 * for published ports (which the LAN reaches anyway). */
	x = rule_begin(m, nft_table, "forward");
	match_ifname(m, NFT_META_IIFNAME, NFT_CMP_EQ, n->bridge);
	match_ifname(m, NFT_META_OIFNAME, NFT_CMP_NEQ, n->bridge);
	match_ct(m, NFT_CT_STATUS, IPS_DST_NAT, false);
	ex_verdict(m, NFT_JUMP, "isolate");
	rule_end(m, x, n->name);
	x = rule_begin(m, nft_table, "isolate");
	match_ifname(m, NFT_META_OIFNAME, NFT_CMP_EQ, n->bridge);
	rule_drop(m, x, n->name);
	/* route_localnet lets the bridge carry 127.0.0.0/8; no container may
	 * use that to reach the device's loopback services (CVE-2020-8558),
	 * while answers to the device's own connections still come in. */
	x = rule_begin(m, nft_table, "input");
	match_ifname(m, NFT_META_IIFNAME, NFT_CMP_EQ, n->bridge);
	match_ip(m, IP_DADDR, IP_LOOPBACK, 8);
	match_ct(m, NFT_CT_STATE, NF_CT_STATE_BIT(IP_CT_ESTABLISHED) |
		 NF_CT_STATE_BIT(IP_CT_RELATED), false);
	rule_drop(m, x, n->name);
}

/* The rules of a network (see nft_net_add). */
static void net_rules(struct nl_msg *m, const void *arg)
{
	const struct nft_net *n = arg;

	if (n->internal) {
		net_internal_rules(m, n);
		return;
	}
	net_masq_rules(m, n);
	net_fence_rules(m, n);
}

/* DNAT of one published port in chain, tagged. */
static void port_rule(struct nl_msg *m, const char *table, const char *chain,
		      const struct nft_port *p, const char *tag)
{
	uint32_t ip = htonl(p->ctr_ip);
	uint16_t port = htons(p->ctr_port);
	size_t x = rule_begin(m, table, chain);

	if (p->host_ip)
		match_ip(m, IP_DADDR, p->host_ip, 32);
	else
		match_local(m);
	match_dport(m, p->proto, p->host_port);
	ex_immediate(m, NFT_REG_1, &ip, sizeof(ip));
	ex_immediate(m, NFT_REG_2, &port, sizeof(port));
	ex_dnat(m);
	rule_end(m, x, tag);
}

struct nft_ports {
	const char *id;
	const struct nft_port *v;
	size_t n;
};

/* From outside (and from containers) in prerouting, from the device in output. */
static void port_rules(struct nl_msg *m, const void *arg)
{
	const struct nft_ports *p = arg;

	for (size_t i = 0; i < p->n; i++) {
		port_rule(m, nft_table, "prerouting", &p->v[i], p->id);
		port_rule(m, nft_table, "output", &p->v[i], p->id);
	}
}

static void put_table(struct nl_msg *m, const char *table, uint16_t flags)
{
	nft_begin(m, NFT_MSG_NEWTABLE, NLM_F_CREATE | flags, NFPROTO_IPV4);
	nl_put_str(m, NFTA_TABLE_NAME, table);
}

/* Create chain c of table (an existing one with the same hook is kept). */
static void put_chain(struct nl_msg *m, const char *table, const struct nft_chain *c)
{
	size_t h;

	nft_begin(m, NFT_MSG_NEWCHAIN, NLM_F_CREATE, NFPROTO_IPV4);
	nl_put_str(m, NFTA_CHAIN_TABLE, table);
	nl_put_str(m, NFTA_CHAIN_NAME, c->name);
	if (!c->type)
		return;
	h = nl_nest(m, NFTA_CHAIN_HOOK, true);
	nl_put_be32(m, NFTA_HOOK_HOOKNUM, c->hook);
	nl_put_be32(m, NFTA_HOOK_PRIORITY, (uint32_t)c->prio);
	nl_nest_end(m, h);
	nl_put_be32(m, NFTA_CHAIN_POLICY, NF_ACCEPT);
	nl_put_str(m, NFTA_CHAIN_TYPE, c->type);
}

/* ---- the table as it is ---- */

struct nft_rule_ref {
	uint64_t handle;	/* network order, as the kernel gave it */
	int chain;		/* index in nft_chains, -1: a chain dory did not make */
	char tag[NFT_TAG_MAX + 1];
};

struct nft_state {
	uint32_t genid;
	bool table;
	struct nft_rule_ref *v;
	size_t n, cap;
};

/* The comment in a rule's userdata (TLVs of a type and a length byte). */
static void udata_comment(const struct nlattr *a, char *tag, size_t size)
{
	const unsigned char *p = nl_data(a);
	size_t len = nl_len(a);

	tag[0] = '\0';
	while (len >= 2 && 2u + p[1] <= len) {
		if (p[0] == 0 && p[1] && p[1] <= size && p[1 + p[1]] == '\0') {
			memcpy(tag, p + 2, p[1]);
			return;
		}
		len -= 2u + p[1];
		p += 2u + p[1];
	}
}

static int chain_index(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(nft_chains); i++)
		if (!strcmp(nft_chains[i].name, name))
			return (int)i;
	return -1;
}

static void state_rule(struct nft_state *st, const struct nlattr **tb)
{
	struct nft_rule_ref *r;
	char chain[NFT_TAG_MAX + 1];

	if (st->n == st->cap) {
		st->cap = st->cap ? 2 * st->cap : 16;
		st->v = xrealloc(st->v, st->cap * sizeof(*st->v));
	}
	r = &st->v[st->n++];
	memset(r, 0, sizeof(*r));
	if (tb[NFTA_RULE_HANDLE] && nl_len(tb[NFTA_RULE_HANDLE]) == sizeof(r->handle))
		memcpy(&r->handle, nl_data(tb[NFTA_RULE_HANDLE]), sizeof(r->handle));
	r->chain = chain_index(nl_get_str(tb[NFTA_RULE_CHAIN], chain, sizeof(chain)));
	if (tb[NFTA_RULE_USERDATA])
		udata_comment(tb[NFTA_RULE_USERDATA], r->tag, sizeof(r->tag));
}

_Static_assert(NFTA_RULE_MAX >= NFTA_TABLE_MAX && NFTA_RULE_MAX >= NFTA_GEN_MAX, "tb of state_cb");

static int state_cb(const struct nlmsghdr *h, void *arg)
{
	struct nft_state *st = arg;
	const struct nlattr *tb[NFTA_RULE_MAX + 1];	/* the largest of the three */
	char name[sizeof(nft_table) + 1];

	if (h->nlmsg_type >> 8 != NFNL_SUBSYS_NFTABLES)
		return 0;
	switch (NFNL_MSG_TYPE(h->nlmsg_type)) {
	case NFT_MSG_NEWGEN:
		if (nl_parse_msg(h, sizeof(struct nfgenmsg), tb, NFTA_GEN_MAX) == 0)
			st->genid = nl_get_be32(tb[NFTA_GEN_ID]);
		break;
	case NFT_MSG_NEWTABLE:
		if (nl_parse_msg(h, sizeof(struct nfgenmsg), tb, NFTA_TABLE_MAX) == 0 &&
		    !strcmp(nl_get_str(tb[NFTA_TABLE_NAME], name, sizeof(name)), nft_table))
			st->table = true;
		break;
	case NFT_MSG_NEWRULE:
		if (nl_parse_msg(h, sizeof(struct nfgenmsg), tb, NFTA_RULE_MAX) == 0 &&
		    !strcmp(nl_get_str(tb[NFTA_RULE_TABLE], name, sizeof(name)), nft_table))
			state_rule(st, tb);
		break;
	}
	return 0;
}

/* The generation, whether the table exists, and its rules. A socket runs
 * one dump at a time (EBUSY): the rules are asked for on their own. */
static int state_read(int fd, struct nft_state *st)
{
	struct nl_msg m = { 0 }, rules = { 0 };
	int r;

	*st = (struct nft_state){ 0 };
	nft_begin(&m, NFT_MSG_GETGEN, NLM_F_ACK, AF_UNSPEC);
	nft_begin(&m, NFT_MSG_GETTABLE, NLM_F_DUMP, NFPROTO_IPV4);
	nft_begin(&rules, NFT_MSG_GETRULE, NLM_F_DUMP, NFPROTO_IPV4);
	nl_put_str(&rules, NFTA_RULE_TABLE, nft_table);
	r = nl_talk(fd, &m, state_cb, st);
	if (r == 0 && st->table)
		r = nl_talk(fd, &rules, state_cb, st);
	nl_msg_free(&m);
	nl_msg_free(&rules);
	if (r < 0) {
		free(st->v);
		st->v = NULL;
		return err_ctx("read nf_tables table ip %s", nft_table);
	}
	return 0;
}

static bool is_mine(const struct nft_rule_ref *r, const char *tag, bool ports)
{
	return r->chain >= 0 && nft_chains[r->chain].ports == ports && !strcmp(r->tag, tag);
}

/* End the batch in m and send it on fd. Only its last message asks for an
 * ack: the kernel reports each message that fails anyway, and an ack for
 * every message of a large batch (a range of published ports) would
 * overflow the socket's receive buffer. A batch larger than the send
 * buffer gets a larger one: netlink takes a send whole or not at all. */
static int batch_send(int fd, struct nl_msg *m)
{
	int size = (int)m->len;

	((struct nlmsghdr *)(m->buf + m->cur))->nlmsg_flags |= NLM_F_ACK;
	nft_batch(m, NFNL_MSG_BATCH_END, 0);
	if (m->len > 65536 && setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	return nl_talk(fd, m, NULL, NULL);
}

/* The batch of one change, from the table as it is (st), but its end. */
static void change_build(struct nl_msg *m, const struct nft_state *st, const char *tag,
			 bool ports, void (*add)(struct nl_msg *, const void *), const void *arg)
{
	size_t mine = 0;

	for (size_t i = 0; i < st->n; i++)
		mine += is_mine(&st->v[i], tag, ports);
	nft_batch(m, NFNL_MSG_BATCH_BEGIN, st->genid);
	if (!add && mine == st->n) {
		nft_begin(m, NFT_MSG_DELTABLE, 0, NFPROTO_IPV4);
		nl_put_str(m, NFTA_TABLE_NAME, nft_table);
	} else {
		if (add) {
			put_table(m, nft_table, 0);
			for (size_t i = 0; i < ARRAY_SIZE(nft_chains); i++)
				put_chain(m, nft_table, &nft_chains[i]);
		}
		for (size_t i = 0; i < st->n; i++) {
			if (!is_mine(&st->v[i], tag, ports))
				continue;
			nft_begin(m, NFT_MSG_DELRULE, 0, NFPROTO_IPV4);
			nl_put_str(m, NFTA_RULE_TABLE, nft_table);
			nl_put_str(m, NFTA_RULE_CHAIN, nft_chains[st->v[i].chain].name);
			nl_put(m, NFTA_RULE_HANDLE, &st->v[i].handle, sizeof(st->v[i].handle));
		}
		if (add)
			add(m, arg);
	}
}

/* Before try+2: up to 2^try ms, at random, so that writers racing each
 * other fall out of step. */
static void backoff(int try)
{
	struct timespec t;
	unsigned long ns;

	clock_gettime(CLOCK_MONOTONIC, &t);
	ns = ((unsigned long)t.tv_nsec ^ (unsigned long)getpid() * 2654435761UL) %
	     (1000000UL << try);
	t.tv_sec = (time_t)(ns / 1000000000UL);
	t.tv_nsec = (long)(ns % 1000000000UL);
	nanosleep(&t, NULL);
}

/* Replace the rules tagged tag in the chains of one kind (ports or not) by
 * those add() appends (add NULL: none). The table and its chains are made
 * when rules are added; the table goes when nothing is left in it. One
 * batch, read and sent again when the ruleset changed in between. */
static int nft_replace(const char *tag, bool ports,
		       void (*add)(struct nl_msg *, const void *), const void *arg)
{
	autoclose int fd = nl_open(NETLINK_NETFILTER);
	int r = 0;

	if (fd < 0)
		return fd;
	for (int try = 0; try < NFT_TRIES; try++) {
		struct nft_state st;
		struct nl_msg m = { 0 };
		bool none = true;

		r = state_read(fd, &st);
		if (r < 0)
			return r;
		for (size_t i = 0; i < st.n && none; i++)
			none = !is_mine(&st.v[i], tag, ports);
		if (!add && none && !(st.table && st.n == 0)) {
			free(st.v);
			return 0;
		}
		change_build(&m, &st, tag, ports, add, arg);
		free(st.v);
		r = batch_send(fd, &m);
		nl_msg_free(&m);
		if (r != -ERESTART || try == NFT_TRIES - 1)
			break;
		backoff(try);
	}
	if (r == -ERESTART)
		err_setx(EBUSY, "the ruleset changed under each of %d tries", NFT_TRIES);
	if (r < 0)
		return err_ctx("change nf_tables table ip %s for %s", nft_table, tag);
	return 0;
}

/* ---- checks of the callers' input ---- */

/* A network's name or a container's id, as the comment of its rules. */
static int tag_check(const char *tag)
{
	size_t n = strlen(tag);
	char shown[NFT_TAG_MAX + 2];

	if (n && n <= NFT_TAG_MAX && strspn(tag, "abcdefghijklmnopqrstuvwxyz"
					     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n)
		return 0;
	str_printable(shown, sizeof(shown), tag);
	return err_setx(EINVAL, "rule tag \"%s\": not 1 to %d letters, digits, '_', '.' or '-'",
			shown, NFT_TAG_MAX);
}

static int bridge_check(const char *br)
{
	size_t n = br ? strlen(br) : 0;

	char shown[IFNAMSIZ + 1];

	if (n && n < IFNAMSIZ && !strpbrk(br, "/: \t\n") && strcmp(br, ".") && strcmp(br, ".."))
		return 0;
	str_printable(shown, sizeof(shown), br ? br : "");
	return err_setx(EINVAL, "bridge name \"%s\": not a link name of 1 to %d bytes",
			shown, IFNAMSIZ - 1);
}

static int net_check(const struct nft_net *n)
{
	if (tag_check(n->name) < 0 || bridge_check(n->bridge) < 0)
		return -err_errno();
	if (n->prefix < 1 || n->prefix > 32 || (n->subnet & ~(~0u << (32 - n->prefix))))
		return err_setx(EINVAL, "network %s: subnet %u.%u.%u.%u/%u has host bits or a bad "
				"prefix", n->name, n->subnet >> 24, n->subnet >> 16 & 255,
				n->subnet >> 8 & 255, n->subnet & 255, n->prefix);
	return 0;
}

static int port_check(const char *id, const struct nft_port *p)
{
	if (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP && p->proto != IPPROTO_SCTP)
		return err_setx(EINVAL, "container %s: port protocol %u: not tcp, udp or sctp",
				id, p->proto);
	if (!p->host_port || !p->ctr_port || !p->ctr_ip)
		return err_setx(EINVAL, "container %s: a published port needs a host port, "
				"a container port and a container address", id);
	return 0;
}

/* ---- route_localnet of a bridge ---- */

/* /proc/sys/net reflects the caller's network namespace. */
static int localnet_path(const char *br, char *path, size_t size)
{
	snprintf(path, size, "/proc/sys/net/ipv4/conf/%s/route_localnet", br);
	return access(path, W_OK) < 0 ? err_set(errno, "route_localnet of bridge %s", br) : 0;
}

static int localnet_set(const char *path, bool on)
{
	autoclose int fd = openat(AT_FDCWD, path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return fsutil_write_full(fd, on ? "1" : "0", 1);
}

/* ---- the face ---- */

int nft_net_add(const struct nft_net *n)
{
	char path[96];
	int r;

	if (net_check(n) < 0 || localnet_path(n->bridge, path, sizeof(path)) < 0)
		return -err_errno();
	if (nft_replace(n->name, false, net_rules, n) < 0)
		return -err_errno();
	/* After the guard is in place; undone with the rules if it fails. */
	r = localnet_set(path, !n->internal);
	if (r < 0) {
		nft_replace(n->name, false, NULL, NULL);
		return err_set(-r, "set route_localnet of %s", n->bridge);
	}
	return 0;
}

int nft_net_del(const char *name, const char *bridge)
{
	char path[96];
	int r;

	if (tag_check(name) < 0 || (bridge && bridge_check(bridge) < 0))
		return -err_errno();
	/* Before the guard goes; a bridge already gone has nothing to reset. */
	if (bridge && localnet_path(bridge, path, sizeof(path)) == 0 &&
	    (r = localnet_set(path, false)) < 0)
		return err_set(-r, "reset route_localnet of %s", bridge);
	err_clear();
	return nft_replace(name, false, NULL, NULL);
}

int nft_ports_add(const char *id, const struct nft_port *p, size_t n)
{
	struct nft_ports ports = { id, p, n };

	if (tag_check(id) < 0)
		return -err_errno();
	for (size_t i = 0; i < n; i++)
		if (port_check(id, &p[i]) < 0)
			return -err_errno();
	return nft_replace(id, true, n ? port_rules : NULL, &ports);
}

int nft_ports_del(const char *id)
{
	if (tag_check(id) < 0)
		return -err_errno();
	return nft_replace(id, true, NULL, NULL);
}

int nft_tags(struct strv *tags)
{
	autoclose int fd = nl_open(NETLINK_NETFILTER);
	struct nft_state st;
	size_t first = tags->n;

	if (fd < 0 || state_read(fd, &st) < 0)
		return -err_errno();
	for (size_t i = 0; i < st.n; i++) {
		bool seen = !st.v[i].tag[0];

		for (size_t j = first; j < tags->n && !seen; j++)
			seen = !strcmp(tags->v[j], st.v[i].tag);
		if (!seen)
			strv_push(tags, st.v[i].tag);
	}
	free(st.v);
	return 0;
}

/* ---- what the kernel has ---- */

enum nft_probe { PROBE_CHAINS, PROBE_FIB, PROBE_CT, PROBE_NAT, PROBE_MASQ, PROBE_ALL };

static const char *const nft_probe_lacks[] = {
	[PROBE_CHAINS] = "nat chains (CONFIG_NFT_NAT; CONFIG_NFT_CHAIN_NAT_IPV4 before 5.1)",
	[PROBE_FIB] = "the fib expression (CONFIG_NFT_FIB_IPV4)",
	[PROBE_CT] = "the ct expression (CONFIG_NFT_CT)",
	[PROBE_NAT] = "the nat expression (CONFIG_NFT_NAT)",
	[PROBE_MASQ] = "the masq expression (CONFIG_NFT_MASQ; CONFIG_NFT_MASQ_IPV4 before 5.1)",
};

/* A batch making a throw-away table with what is probed (PROBE_ALL: all),
 * refused on purpose at its end (the table made twice): nothing commits,
 * and -EEXIST means all before it was accepted. */
static int probe(int fd, enum nft_probe what)
{
	static const struct nft_port p = { IPPROTO_TCP, 0x7f000001, 1, 0x7f000001, 1 };
	struct nl_msg m = { 0 };
	size_t x;
	int r;

	nft_batch(&m, NFNL_MSG_BATCH_BEGIN, 0);
	put_table(&m, nft_probe_table, 0);
	put_chain(&m, nft_probe_table, &nft_chains[0]);
	put_chain(&m, nft_probe_table, &nft_chains[2]);
	if (what == PROBE_CT || what == PROBE_ALL) {
		x = rule_begin(&m, nft_probe_table, nft_chains[2].name);
		match_ct(&m, NFT_CT_STATUS, IPS_DST_NAT, true);
		rule_end(&m, x, "probe");
	}
	if (what == PROBE_MASQ || what == PROBE_ALL) {
		x = rule_begin(&m, nft_probe_table, nft_chains[2].name);
		ex_masq(&m);
		rule_end(&m, x, "probe");
	}
	if (what == PROBE_FIB || what == PROBE_ALL) {
		x = rule_begin(&m, nft_probe_table, nft_chains[0].name);
		match_local(&m);
		rule_end(&m, x, "probe");
	}
	if (what == PROBE_NAT || what == PROBE_ALL)
		port_rule(&m, nft_probe_table, nft_chains[0].name, &p, "probe");
	put_table(&m, nft_probe_table, NLM_F_EXCL);
	r = batch_send(fd, &m);
	nl_msg_free(&m);
	return r == -EEXIST ? 0 : r < 0 ? r : err_setx(EIO, "nf_tables took a batch it must refuse");
}

int nft_available(void)
{
	autoclose int fd = -1;
	int r = nl_nft_getgen();

	if (r == -EPERM)
		return r;
	if (r < 0)
		return err_set(-r, "nf_tables: the kernel lacks nf_tables (CONFIG_NF_TABLES)");
	if ((fd = nl_open(NETLINK_NETFILTER)) < 0)
		return fd;
	if (probe(fd, PROBE_ALL) == 0)
		return 0;
	for (int i = PROBE_CHAINS; i < PROBE_ALL; i++) {
		r = probe(fd, (enum nft_probe)i);
		if (r == -EPERM || r == -ENOMEM)
			return err_ctx("probe nf_tables");
		if (r < 0)
			return err_set(-r, "nf_tables: the kernel lacks %s", nft_probe_lacks[i]);
	}
	return err_ctx("probe nf_tables");
}
