// SPDX-License-Identifier: Apache-2.0
/* nft.c - `table ip dory` and `table ip6 dory`: their rules built as
 * nf_tables expressions, found again by the tag in their comment and
 * changed in one batch each. What a network or a port is (addresses,
 * names, leases) belongs to the callers.
 *
 * One table a family, ip and ip6 (not inet: nat chains exist in those on
 * 4.x kernels, in inet only from 5.2); the ip6 one only while IPv6 rules
 * are in it. One batch carries a change to both. Their chains:
 *   prerouting, output  (nat, -100)   DNAT of published ports      [container id]
 *   postrouting         (nat, 100)    masquerade                   [network name]
 *   forward             (filter, 0)   isolation, internal networks [network name]
 *   input               (filter, 0)   the guard of route_localnet  [network name]
 *   isolate             (regular)     drops into each bridge       [network name]
 * IPv6 has no route_localnet: table ip6 has no input chain, and the
 * device's [::1]:PORT is not forwarded (a loopback source cannot leave lo).
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

enum { NFT_TRIES = 10 };

/* The families, by index: bit 1 << index of a mask of families. */
enum { FAM_IP, FAM_IP6, NFAM };

/* An NFPROTO_ value is the AF_ value of its family (inet_ntop). */
_Static_assert(NFPROTO_IPV4 == AF_INET && NFPROTO_IPV6 == AF_INET6, "nfproto is af");

static const struct nft_fam {
	const char *name;	/* as nft names it */
	uint8_t proto;		/* NFPROTO_IPV4, NFPROTO_IPV6 */
	uint8_t alen;		/* bytes of an address */
	uint8_t saddr, daddr;	/* their offsets in the network header */
	uint8_t ver;		/* in the names of its kernel options */
	bool localnet;		/* route_localnet: 127.0.0.0/8 may cross bridges */
} nft_fams[NFAM] = {
	[FAM_IP] = { "ip", NFPROTO_IPV4, 4, 12, 16, 4, true },
	[FAM_IP6] = { "ip6", NFPROTO_IPV6, 16, 8, 24, 6, false },
};

enum { CH_PREROUTING, CH_OUTPUT, CH_POSTROUTING, CH_FORWARD, CH_INPUT, CH_ISOLATE };

static const struct nft_chain {
	const char *name, *type;	/* type NULL: a regular chain */
	uint32_t hook;
	int32_t prio;
	bool ports;			/* holds containers' rules, else networks' */
	bool localnet;			/* only in a family with route_localnet */
} nft_chains[] = {
	[CH_PREROUTING] = { "prerouting", "nat", NF_INET_PRE_ROUTING, -100, true, false },
	[CH_OUTPUT] = { "output", "nat", NF_INET_LOCAL_OUT, -100, true, false },
	[CH_POSTROUTING] = { "postrouting", "nat", NF_INET_POST_ROUTING, 100, false, false },
	[CH_FORWARD] = { "forward", "filter", NF_INET_FORWARD, 0, false, false },
	[CH_INPUT] = { "input", "filter", NF_INET_LOCAL_IN, 0, false, true },
	[CH_ISOLATE] = { "isolate", NULL, 0, 0, false, false },
};

/* An address of either family in network order (ip: its first 4 bytes,
 * the rest zero), with a prefix length. */
struct nft_addr {
	uint8_t a[16];
	unsigned prefix;
};

static struct nft_addr addr4(uint32_t ip, unsigned prefix)
{
	struct nft_addr r = { .prefix = prefix };
	uint32_t be = htonl(ip);

	memcpy(r.a, &be, sizeof(be));
	return r;
}

static struct nft_addr addr6(const uint8_t *ip, unsigned prefix)
{
	struct nft_addr r = { .prefix = prefix };

	memcpy(r.a, ip, sizeof(r.a));
	return r;
}

static const uint8_t nft_zero[16];

static bool addr_is_any(const struct nft_addr *a)
{
	return !memcmp(a->a, nft_zero, sizeof(a->a));
}

/* The first prefix bits of len bytes set, the others clear. */
static void prefix_mask(uint8_t *mask, size_t len, unsigned prefix)
{
	for (size_t i = 0; i < len; i++)
		mask[i] = prefix >= 8 * (i + 1) ? 0xff : prefix > 8 * i ?
			  (uint8_t)(0xff << (8 - (prefix - 8 * i))) : 0;
}

/* A network's subnet in family f. */
static struct nft_addr net_subnet(const struct nft_net *n, const struct nft_fam *f)
{
	if (f->proto == NFPROTO_IPV4)
		return addr4(n->subnet, n->prefix);
	return addr6(n->subnet6, n->prefix6);
}

static const struct nft_fam *port_fam(const struct nft_port *p)
{
	return &nft_fams[p->v6 ? FAM_IP6 : FAM_IP];
}

/* A port's host (every local one: any) or container address. */
static struct nft_addr port_addr(const struct nft_port *p, bool ctr)
{
	if (p->v6)
		return addr6(ctr ? p->ctr_ip6 : p->host_ip6, 128);
	return addr4(ctr ? p->ctr_ip : p->host_ip, 32);
}

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

/* register 1 &= mask (len bytes, up to 16) */
static void ex_and(struct nl_msg *m, const void *mask, size_t len)
{
	struct nft_ex e = ex_begin(m, "bitwise");

	nl_put_be32(m, NFTA_BITWISE_SREG, NFT_REG_1);
	nl_put_be32(m, NFTA_BITWISE_DREG, NFT_REG_1);
	nl_put_be32(m, NFTA_BITWISE_LEN, (uint32_t)len);
	put_data(m, NFTA_BITWISE_MASK, mask, len);
	put_data(m, NFTA_BITWISE_XOR, nft_zero, len);
	ex_end(m, e);
}

/* reg = v; the 16-byte registers NFT_REG_1.. hold an IPv6 address each. */
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

/* DNAT to the address of family f in register 1 and the port in register 2. */
static void ex_dnat(struct nl_msg *m, const struct nft_fam *f)
{
	struct nft_ex e = ex_begin(m, "nat");

	nl_put_be32(m, NFTA_NAT_TYPE, NFT_NAT_DNAT);
	nl_put_be32(m, NFTA_NAT_FAMILY, f->proto);
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

/* ip/ip6 saddr/daddr (off) == or != a/prefix */
static void match_addr(struct nl_msg *m, const struct nft_fam *f, uint32_t off, uint32_t op,
		       const struct nft_addr *a)
{
	uint8_t mask[16];

	ex_payload(m, NFT_PAYLOAD_NETWORK_HEADER, off, f->alen);
	if (a->prefix < 8u * f->alen) {
		prefix_mask(mask, f->alen, a->prefix);
		ex_and(m, mask, f->alen);
	}
	ex_cmp(m, op, a->a, f->alen);
}

/* ct status/state (key) with any of bits (set), or with none of them */
static void match_ct(struct nl_msg *m, uint32_t key, uint32_t bits, bool set)
{
	uint32_t zero = 0;

	ex_load(m, "ct", NFTA_CT_DREG, NFTA_CT_KEY, key);
	ex_and(m, &bits, sizeof(bits));
	ex_cmp(m, set ? NFT_CMP_NEQ : NFT_CMP_EQ, &zero, sizeof(zero));
}

/* fib daddr type local: an address of the device, 127.0.0.1 and ::1 included */
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

static size_t rule_begin(struct nl_msg *m, const struct nft_fam *f, const char *table,
			 const char *chain)
{
	nft_begin(m, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, f->proto);
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
static void net_internal_rules(struct nl_msg *m, const struct nft_fam *f, const struct nft_net *n)
{
	size_t x;

	x = rule_begin(m, f, nft_table, "forward");
	match_ifname(m, NFT_META_IIFNAME, NFT_CMP_EQ, n->bridge);
	match_ifname(m, NFT_META_OIFNAME, NFT_CMP_NEQ, n->bridge);
	rule_drop(m, x, n->name);
	x = rule_begin(m, f, nft_table, "forward");
	match_ifname(m, NFT_META_OIFNAME, NFT_CMP_EQ, n->bridge);
	match_ifname(m, NFT_META_IIFNAME, NFT_CMP_NEQ, n->bridge);
	rule_drop(m, x, n->name);
}

static void net_masq_rules(struct nl_msg *m, const struct nft_fam *f, const struct nft_net *n)
{
	struct nft_addr s = net_subnet(n, f);
	size_t x;

	/* Out to anywhere but its own bridge, with the device's address. */
	x = rule_begin(m, f, nft_table, "postrouting");
	match_addr(m, f, f->saddr, NFT_CMP_EQ, &s);
	match_ifname(m, NFT_META_OIFNAME, NFT_CMP_NEQ, n->bridge);
	ex_masq(m);
	rule_end(m, x, n->name);
	/* Hairpin: a container reached one of its network's published ports
	 * through the device; without br_netfilter the answer would go
	 * straight back over the bridge, past the DNAT, unless it is
	 * addressed to the device. */
	x = rule_begin(m, f, nft_table, "postrouting");
	match_ifname(m, NFT_META_OIFNAME, NFT_CMP_EQ, n->bridge);
	match_addr(m, f, f->saddr, NFT_CMP_EQ, &s);
	match_ct(m, NFT_CT_STATUS, IPS_DST_NAT, true);
	ex_masq(m);
	rule_end(m, x, n->name);
}

static void net_fence_rules(struct nl_msg *m, const struct nft_fam *f, const struct nft_net *n)
{
	size_t x;

	/* Isolation: nothing from this bridge into another network's, but
	 * for published ports (which the LAN reaches anyway). */
	x = rule_begin(m, f, nft_table, "forward");
	match_ifname(m, NFT_META_IIFNAME, NFT_CMP_EQ, n->bridge);
	match_ifname(m, NFT_META_OIFNAME, NFT_CMP_NEQ, n->bridge);
	match_ct(m, NFT_CT_STATUS, IPS_DST_NAT, false);
	ex_verdict(m, NFT_JUMP, "isolate");
	rule_end(m, x, n->name);
	x = rule_begin(m, f, nft_table, "isolate");
	match_ifname(m, NFT_META_OIFNAME, NFT_CMP_EQ, n->bridge);
	rule_drop(m, x, n->name);
}

/* What route_localnet (ip only) asks for: the device itself on
 * 127.0.0.1:PORT, DNATed into the bridge, masqueraded; and a guard. */
static void net_localnet_rules(struct nl_msg *m, const struct nft_fam *f, const struct nft_net *n)
{
	struct nft_addr lo = addr4(INADDR_LOOPBACK & 0xff000000, 8);
	size_t x;

	x = rule_begin(m, f, nft_table, "postrouting");
	match_ifname(m, NFT_META_OIFNAME, NFT_CMP_EQ, n->bridge);
	match_addr(m, f, f->saddr, NFT_CMP_EQ, &lo);
	ex_masq(m);
	rule_end(m, x, n->name);
	/* route_localnet lets the bridge carry 127.0.0.0/8; no container may
	 * use that to reach the device's loopback services (CVE-2020-8558),
	 * while answers to the device's own connections still come in. */
	x = rule_begin(m, f, nft_table, "input");
	match_ifname(m, NFT_META_IIFNAME, NFT_CMP_EQ, n->bridge);
	match_addr(m, f, f->daddr, NFT_CMP_EQ, &lo);
	match_ct(m, NFT_CT_STATE, NF_CT_STATE_BIT(IP_CT_ESTABLISHED) |
		 NF_CT_STATE_BIT(IP_CT_RELATED), false);
	rule_drop(m, x, n->name);
}

/* The rules of a network in family f (see nft_net_add). */
static void net_rules(struct nl_msg *m, const struct nft_fam *f, const void *arg)
{
	const struct nft_net *n = arg;

	if (n->internal) {
		net_internal_rules(m, f, n);
		return;
	}
	net_masq_rules(m, f, n);
	net_fence_rules(m, f, n);
	if (f->localnet)
		net_localnet_rules(m, f, n);
}

/* DNAT of one published port in chain c, tagged. */
static void port_rule(struct nl_msg *m, const char *table, const struct nft_chain *c,
		      const struct nft_port *p, const char *tag)
{
	static const struct nft_addr lo6 = { .a = { [15] = 1 }, .prefix = 128 };
	const struct nft_fam *f = port_fam(p);
	struct nft_addr host = port_addr(p, false), ctr = port_addr(p, true);
	uint16_t port = htons(p->ctr_port);
	size_t x = rule_begin(m, f, table, c->name);

	if (!addr_is_any(&host))
		match_addr(m, f, f->daddr, NFT_CMP_EQ, &host);
	else {
		/* Without route_localnet, the device's own connections to
		 * its loopback cannot be sent out of lo: they stay there. */
		if (!f->localnet && c->hook == NF_INET_LOCAL_OUT)
			match_addr(m, f, f->daddr, NFT_CMP_NEQ, &lo6);
		match_local(m);
	}
	match_dport(m, p->proto, p->host_port);
	ex_immediate(m, NFT_REG_1, ctr.a, f->alen);
	ex_immediate(m, NFT_REG_2, &port, sizeof(port));
	ex_dnat(m, f);
	rule_end(m, x, tag);
}

struct nft_ports {
	const char *id;
	const struct nft_port *v;
	size_t n;
};

/* Those of family f: from outside (and from containers) in prerouting,
 * from the device in output. */
static void port_rules(struct nl_msg *m, const struct nft_fam *f, const void *arg)
{
	const struct nft_ports *p = arg;

	for (size_t i = 0; i < p->n; i++) {
		if (port_fam(&p->v[i]) != f)
			continue;
		port_rule(m, nft_table, &nft_chains[CH_PREROUTING], &p->v[i], p->id);
		port_rule(m, nft_table, &nft_chains[CH_OUTPUT], &p->v[i], p->id);
	}
}

static void put_table(struct nl_msg *m, const struct nft_fam *f, const char *table,
		      uint16_t flags)
{
	nft_begin(m, NFT_MSG_NEWTABLE, NLM_F_CREATE | flags, f->proto);
	nl_put_str(m, NFTA_TABLE_NAME, table);
}

/* Create chain c of table (an existing one with the same hook is kept). */
static void put_chain(struct nl_msg *m, const struct nft_fam *f, const char *table,
		      const struct nft_chain *c)
{
	size_t h;

	nft_begin(m, NFT_MSG_NEWCHAIN, NLM_F_CREATE, f->proto);
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

/* ---- the tables as they are ---- */

struct nft_rule_ref {
	uint64_t handle;	/* network order, as the kernel gave it */
	int fam;		/* index in nft_fams */
	int chain;		/* index in nft_chains, -1: a chain dory did not make */
	char tag[NFT_TAG_MAX + 1];
};

struct nft_state {
	uint32_t genid;
	bool table[NFAM];	/* whether the family has table dory */
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

/* The index in nft_fams of a message's family, -1: none of them. */
static int fam_index(const struct nlmsghdr *h)
{
	const struct nfgenmsg *g = NLMSG_DATA(h);

	for (int i = 0; i < NFAM; i++)
		if (nft_fams[i].proto == g->nfgen_family)
			return i;
	return -1;
}

/* "table ip", "table ip6" or both, as mask (of families) has them. */
static const char *tables_name(unsigned mask)
{
	static const char *const names[] = {
		"tables", "table ip", "table ip6", "tables ip and ip6"
	};

	return names[mask & 3];
}

static void state_rule(struct nft_state *st, int fam, const struct nlattr **tb)
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
	r->fam = fam;
	r->chain = chain_index(nl_get_str(tb[NFTA_RULE_CHAIN], chain, sizeof(chain)));
	if (tb[NFTA_RULE_USERDATA])
		udata_comment(tb[NFTA_RULE_USERDATA], r->tag, sizeof(r->tag));
}

_Static_assert(NFTA_RULE_MAX >= NFTA_TABLE_MAX && NFTA_RULE_MAX >= NFTA_GEN_MAX, "tb of state_cb");

/* Tables and rules of every family come: those of other families than
 * dory's, or of other tables, are not dory's. */
static int state_cb(const struct nlmsghdr *h, void *arg)
{
	struct nft_state *st = arg;
	const struct nlattr *tb[NFTA_RULE_MAX + 1];	/* the largest of the three */
	char name[sizeof(nft_table) + 1];
	int fam;

	if (h->nlmsg_type >> 8 != NFNL_SUBSYS_NFTABLES)
		return 0;
	switch (NFNL_MSG_TYPE(h->nlmsg_type)) {
	case NFT_MSG_NEWGEN:
		if (nl_parse_msg(h, sizeof(struct nfgenmsg), tb, NFTA_GEN_MAX) == 0)
			st->genid = nl_get_be32(tb[NFTA_GEN_ID]);
		break;
	case NFT_MSG_NEWTABLE:
		if (nl_parse_msg(h, sizeof(struct nfgenmsg), tb, NFTA_TABLE_MAX) == 0 &&
		    (fam = fam_index(h)) >= 0 &&
		    !strcmp(nl_get_str(tb[NFTA_TABLE_NAME], name, sizeof(name)), nft_table))
			st->table[fam] = true;
		break;
	case NFT_MSG_NEWRULE:
		if (nl_parse_msg(h, sizeof(struct nfgenmsg), tb, NFTA_RULE_MAX) == 0 &&
		    (fam = fam_index(h)) >= 0 &&
		    !strcmp(nl_get_str(tb[NFTA_RULE_TABLE], name, sizeof(name)), nft_table))
			state_rule(st, fam, tb);
		break;
	}
	return 0;
}

/* The rules of table dory in family f, into st. */
static int state_rules(int fd, const struct nft_fam *f, struct nft_state *st)
{
	struct nl_msg m = { 0 };
	int r;

	nft_begin(&m, NFT_MSG_GETRULE, NLM_F_DUMP, f->proto);
	nl_put_str(&m, NFTA_RULE_TABLE, nft_table);
	r = nl_talk(fd, &m, state_cb, st);
	nl_msg_free(&m);
	return r;
}

/* The generation, which families have the table, and its rules. A socket
 * runs one dump at a time (EBUSY), and a dump of the rules of a table
 * named so stops at the first family's: each is asked for on its own. */
static int state_read(int fd, struct nft_state *st)
{
	struct nl_msg m = { 0 };
	int r;

	*st = (struct nft_state){ 0 };
	nft_begin(&m, NFT_MSG_GETGEN, NLM_F_ACK, AF_UNSPEC);
	nft_begin(&m, NFT_MSG_GETTABLE, NLM_F_DUMP, NFPROTO_UNSPEC);
	r = nl_talk(fd, &m, state_cb, st);
	nl_msg_free(&m);
	for (int i = 0; i < NFAM && r == 0; i++)
		if (st->table[i])
			r = state_rules(fd, &nft_fams[i], st);
	if (r < 0) {
		free(st->v);
		st->v = NULL;
		return err_ctx("read nf_tables %s %s", tables_name(~0u), nft_table);
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

/* A change: the rules tagged tag in the chains of one kind (ports or
 * not) replaced by those add() appends for each family of fams (a bit per
 * index in nft_fams); in the others, by none. */
struct nft_change {
	const char *tag;
	bool ports;
	unsigned fams;
	void (*add)(struct nl_msg *m, const struct nft_fam *f, const void *arg);
	const void *arg;
};

enum nft_act { ACT_NONE, ACT_DEL_TABLE, ACT_RULES };

/* What change c does to family fam's table as it is (st): rules added,
 * its own removed, or the table removed once nothing else is in it. */
static enum nft_act change_act(const struct nft_state *st, int fam, const struct nft_change *c)
{
	size_t all = 0, mine = 0;

	if (c->fams & 1u << fam)
		return ACT_RULES;
	if (!st->table[fam])
		return ACT_NONE;
	for (size_t i = 0; i < st->n; i++) {
		all += st->v[i].fam == fam;
		mine += st->v[i].fam == fam && is_mine(&st->v[i], c->tag, c->ports);
	}
	return mine == all ? ACT_DEL_TABLE : mine ? ACT_RULES : ACT_NONE;
}

/* The messages of change c in family fam's table (st: as it is). */
static void change_fam(struct nl_msg *m, const struct nft_state *st, int fam,
		       const struct nft_change *c, enum nft_act act)
{
	const struct nft_fam *f = &nft_fams[fam];
	bool add = c->fams & 1u << fam;

	if (act == ACT_DEL_TABLE) {
		nft_begin(m, NFT_MSG_DELTABLE, 0, f->proto);
		nl_put_str(m, NFTA_TABLE_NAME, nft_table);
		return;
	}
	if (add) {
		put_table(m, f, nft_table, 0);
		for (size_t i = 0; i < ARRAY_SIZE(nft_chains); i++)
			if (f->localnet || !nft_chains[i].localnet)
				put_chain(m, f, nft_table, &nft_chains[i]);
	}
	for (size_t i = 0; i < st->n; i++) {
		if (st->v[i].fam != fam || !is_mine(&st->v[i], c->tag, c->ports))
			continue;
		nft_begin(m, NFT_MSG_DELRULE, 0, f->proto);
		nl_put_str(m, NFTA_RULE_TABLE, nft_table);
		nl_put_str(m, NFTA_RULE_CHAIN, nft_chains[st->v[i].chain].name);
		nl_put(m, NFTA_RULE_HANDLE, &st->v[i].handle, sizeof(st->v[i].handle));
	}
	if (add)
		c->add(m, f, c->arg);
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

/* One try of change c, from the tables as they are: 0 with *touched 0 when
 * there was nothing to do; else the batch's result, with the families it
 * changed in *touched. */
static int change_try(int fd, const struct nft_change *c, unsigned *touched)
{
	enum nft_act act[NFAM];
	struct nft_state st;
	struct nl_msg m = { 0 };
	int r = state_read(fd, &st);

	*touched = 0;
	if (r < 0)
		return r;
	for (int i = 0; i < NFAM; i++)
		if ((act[i] = change_act(&st, i, c)) != ACT_NONE)
			*touched |= 1u << i;
	if (*touched) {
		nft_batch(&m, NFNL_MSG_BATCH_BEGIN, st.genid);
		for (int i = 0; i < NFAM; i++)
			if (act[i] != ACT_NONE)
				change_fam(&m, &st, i, c, act[i]);
		r = batch_send(fd, &m);
		nl_msg_free(&m);
	}
	free(st.v);
	return r;
}

/* Change c in one batch for both tables: the tables and their chains are
 * made when rules are added; a table goes when nothing is left in it.
 * Read and sent again when the ruleset changed in between. */
static int nft_replace(const struct nft_change *c)
{
	autoclose int fd = nl_open(NETLINK_NETFILTER);
	unsigned touched = 0;
	int r = 0;

	if (fd < 0)
		return fd;
	for (int try = 0; try < NFT_TRIES; try++) {
		r = change_try(fd, c, &touched);
		if (r != -ERESTART || try == NFT_TRIES - 1)
			break;
		backoff(try);
	}
	if (r == -ERESTART)
		err_setx(EBUSY, "the ruleset changed under each of %d tries", NFT_TRIES);
	if (r < 0 && touched)
		return err_ctx("change nf_tables %s %s for %s", tables_name(touched), nft_table,
			       c->tag);
	return r;
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

/* Network n's subnet in family f: a prefix of 1 to every bit, no host bits. */
static int subnet_check(const struct nft_net *n, const struct nft_fam *f)
{
	struct nft_addr s = net_subnet(n, f);
	uint8_t mask[16];
	char shown[INET6_ADDRSTRLEN];
	bool ok = s.prefix >= 1 && s.prefix <= 8u * f->alen;

	prefix_mask(mask, f->alen, s.prefix);
	for (size_t i = 0; i < f->alen && ok; i++)
		ok = !(s.a[i] & ~mask[i]);
	if (ok)
		return 0;
	inet_ntop(f->proto, s.a, shown, sizeof(shown));
	return err_setx(EINVAL, "network %s: subnet %s/%u has host bits or a bad prefix", n->name,
			shown, s.prefix);
}

static int net_check(const struct nft_net *n)
{
	if (tag_check(n->name) < 0 || bridge_check(n->bridge) < 0 ||
	    subnet_check(n, &nft_fams[FAM_IP]) < 0 ||
	    (n->subnet6 && subnet_check(n, &nft_fams[FAM_IP6]) < 0))
		return -err_errno();
	return 0;
}

static int port_check(const char *id, const struct nft_port *p)
{
	struct nft_addr ctr = port_addr(p, true);

	if (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP && p->proto != IPPROTO_SCTP)
		return err_setx(EINVAL, "container %s: port protocol %u: not tcp, udp or sctp",
				id, p->proto);
	if (!p->host_port || !p->ctr_port || addr_is_any(&ctr))
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
	struct nft_change c = { n->name, false, 1u << FAM_IP | (n->subnet6 ? 1u << FAM_IP6 : 0),
				net_rules, n };
	char path[96];
	int r;

	if (net_check(n) < 0 || localnet_path(n->bridge, path, sizeof(path)) < 0)
		return -err_errno();
	if (nft_replace(&c) < 0)
		return -err_errno();
	/* After the guard is in place; undone with the rules if it fails. */
	r = localnet_set(path, !n->internal);
	if (r < 0) {
		nft_replace(&(struct nft_change){ n->name, false, 0, NULL, NULL });
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
	return nft_replace(&(struct nft_change){ name, false, 0, NULL, NULL });
}

int nft_ports_add(const char *id, const struct nft_port *p, size_t n)
{
	struct nft_ports ports = { id, p, n };
	struct nft_change c = { id, true, 0, port_rules, &ports };

	if (tag_check(id) < 0)
		return -err_errno();
	for (size_t i = 0; i < n; i++) {
		if (port_check(id, &p[i]) < 0)
			return -err_errno();
		c.fams |= 1u << (port_fam(&p[i]) - nft_fams);
	}
	return nft_replace(&c);
}

int nft_ports_del(const char *id)
{
	if (tag_check(id) < 0)
		return -err_errno();
	return nft_replace(&(struct nft_change){ id, true, 0, NULL, NULL });
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

enum nft_probe {
	PROBE_FAMILY, PROBE_CHAINS, PROBE_FIB, PROBE_CT, PROBE_NAT, PROBE_MASQ, PROBE_ALL
};

/* What the kernel lacks when a probe fails: the text before and after the
 * family's version (4 or 6) in the name of an option. */
static const char *const nft_probe_lacks[][2] = {
	[PROBE_FAMILY] = { "base chains of the family (CONFIG_NF_TABLES_IPV", ")" },
	[PROBE_CHAINS] = { "nat chains (CONFIG_NFT_NAT; CONFIG_NFT_CHAIN_NAT_IPV", " before 5.1)" },
	[PROBE_FIB] = { "the fib expression (CONFIG_NFT_FIB_IPV", ")" },
	[PROBE_CT] = { "the ct expression (CONFIG_NFT_CT; CONFIG_NF_CONNTRACK_IPV",
		       " before 4.19)" },
	[PROBE_NAT] = { "the nat expression (CONFIG_NFT_NAT; CONFIG_NF_NAT_IPV", " before 5.1)" },
	[PROBE_MASQ] = { "the masq expression (CONFIG_NFT_MASQ; CONFIG_NFT_MASQ_IPV",
			 " before 5.1)" },
};

/* The rules of a probe (PROBE_ALL: all), in the chains of probe_batch. */
static void probe_rules(struct nl_msg *m, const struct nft_fam *f, enum nft_probe what)
{
	static const struct nft_port p4 = { .proto = IPPROTO_TCP, .host_ip = 0x7f000001,
					    .host_port = 1, .ctr_ip = 0x7f000001, .ctr_port = 1 };
	static const struct nft_port p6 = { .proto = IPPROTO_TCP, .host_port = 1, .ctr_port = 1,
					    .v6 = true, .host_ip6 = { [15] = 1 },
					    .ctr_ip6 = { [15] = 1 } };
	const struct nft_chain *pre = &nft_chains[CH_PREROUTING];
	const char *post = nft_chains[CH_POSTROUTING].name;
	size_t x;

	if (what == PROBE_CT || what == PROBE_ALL) {
		x = rule_begin(m, f, nft_probe_table, post);
		match_ct(m, NFT_CT_STATUS, IPS_DST_NAT, true);
		rule_end(m, x, "probe");
	}
	if (what == PROBE_MASQ || what == PROBE_ALL) {
		x = rule_begin(m, f, nft_probe_table, post);
		ex_masq(m);
		rule_end(m, x, "probe");
	}
	if (what == PROBE_FIB || what == PROBE_ALL) {
		x = rule_begin(m, f, nft_probe_table, pre->name);
		match_local(m);
		rule_end(m, x, "probe");
	}
	if (what == PROBE_NAT || what == PROBE_ALL)
		port_rule(m, nft_probe_table, pre, f == &nft_fams[FAM_IP6] ? &p6 : &p4, "probe");
}

/* A batch making a throw-away table of family f with what is probed,
 * refused on purpose at its end (the table made twice): nothing commits,
 * and -EEXIST means all before it was accepted. */
static int probe(int fd, const struct nft_fam *f, enum nft_probe what)
{
	struct nl_msg m = { 0 };
	int r;

	nft_batch(&m, NFNL_MSG_BATCH_BEGIN, 0);
	put_table(&m, f, nft_probe_table, 0);
	put_chain(&m, f, nft_probe_table, &nft_chains[CH_FORWARD]);
	if (what != PROBE_FAMILY) {
		put_chain(&m, f, nft_probe_table, &nft_chains[CH_PREROUTING]);
		put_chain(&m, f, nft_probe_table, &nft_chains[CH_POSTROUTING]);
		probe_rules(&m, f, what);
	}
	put_table(&m, f, nft_probe_table, NLM_F_EXCL);
	r = batch_send(fd, &m);
	nl_msg_free(&m);
	return r == -EEXIST ? 0 : r < 0 ? r : err_setx(EIO, "nf_tables took a batch it must refuse");
}

/* One batch for all; one for each part only when it fails, to say which. */
static int available(const struct nft_fam *f)
{
	autoclose int fd = -1;
	int r = nl_nft_getgen();

	if (r == -EPERM)
		return r;
	if (r < 0)
		return err_set(-r, "nf_tables: the kernel lacks nf_tables (CONFIG_NF_TABLES)");
	if ((fd = nl_open(NETLINK_NETFILTER)) < 0)
		return fd;
	if (probe(fd, f, PROBE_ALL) == 0)
		return 0;
	for (int i = PROBE_FAMILY; i < PROBE_ALL; i++) {
		r = probe(fd, f, (enum nft_probe)i);
		if (r == -EPERM || r == -ENOMEM)
			return err_ctx("probe nf_tables %s", f->name);
		if (r < 0)
			return err_set(-r, "nf_tables %s: the kernel lacks %s%u%s", f->name,
				       nft_probe_lacks[i][0], f->ver, nft_probe_lacks[i][1]);
	}
	return err_ctx("probe nf_tables %s", f->name);
}

int nft_available(void)
{
	return available(&nft_fams[FAM_IP]);
}

int nft_available6(void)
{
	return available(&nft_fams[FAM_IP6]);
}
