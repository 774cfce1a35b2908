// SPDX-License-Identifier: Apache-2.0
/* nft.h - dory's own nf_tables tables (`table ip dory`, and `table ip6
 * dory` for IPv6), spoken over netlink: masquerade, isolation of networks,
 * published ports. Other tables (the device's firewall, fw4) are never
 * read into or changed. */
#ifndef DORY_NFT_H
#define DORY_NFT_H

#include <stdint.h>

#include "core/util/base.h"
#include "core/util/str.h"

/* Every rule carries a tag (a network's name or a container's id) as its
 * comment, as `nft list table ip dory` (or ip6) shows it; at most this long. */
enum { NFT_TAG_MAX = 127 };

struct nft_net {
	const char *name;	/* the tag of its rules */
	const char *bridge;	/* its bridge link */
	uint32_t subnet;	/* host order, no host bits set */
	unsigned prefix;	/* 1..32 */
	bool internal;		/* nothing in or out but its own bridge */
	const uint8_t *subnet6;	/* 16 bytes, network order; NULL: no IPv6 */
	unsigned prefix6;	/* 1..128 with subnet6, no host bits set */
};

struct nft_port {
	uint8_t proto;		/* IPPROTO_TCP, IPPROTO_UDP or IPPROTO_SCTP */
	uint32_t host_ip;	/* host order; 0: every local address */
	uint16_t host_port;
	uint32_t ctr_ip;	/* host order */
	uint16_t ctr_port;
	bool v6;		/* IPv6: the addresses below, not host_ip, ctr_ip */
	uint8_t host_ip6[16];	/* network order; all zero: every local address
				 * but ::1 (IPv6 routes no loopback source out) */
	uint8_t ctr_ip6[16];	/* network order */
};

/* 0 when the kernel of the caller's network namespace has what the rules
 * need (nf_tables, nat chains, fib, ct, nat and masq expressions); else
 * -errno with a line naming what it lacks, so that the caller can forward
 * ports in userland instead. Changes nothing. */
int nft_available(void);
/* The same for IPv6 rules (table ip6: nat chains, fib, ct, nat and masq
 * for IPv6); asked only where IPv6 is used. */
int nft_available6(void);
/* Put a network's rules in place of those it had (if any): masquerade of
 * what leaves the bridge for elsewhere, isolation from the other networks'
 * bridges (published ports excepted), or, internal, nothing in or out of
 * the bridge at all; route_localnet on the bridge (the device reaches its
 * published ports on 127.0.0.1) with its guard. With subnet6, the same
 * in table ip6 but route_localnet, which IPv6 lacks; without, the network
 * has no IPv6 rules left. One batch for both tables, all or nothing. */
int nft_net_add(const struct nft_net *n);
/* Remove a network's rules (none: no error), and each table once nothing is
 * left in it; route_localnet of bridge (NULL: unknown) goes back to 0
 * when the link is still there. */
int nft_net_del(const char *name, const char *bridge);
/* Put a container's published ports in place of those it had: DNAT from
 * outside, from the device itself (127.0.0.1 too, not ::1), and from
 * containers (hairpin, through its network's masquerade); v6 ones in table
 * ip6. One batch for both tables. */
int nft_ports_add(const char *id, const struct nft_port *p, size_t n);
/* Remove a container's published ports (none: no error), and each table
 * once nothing is left in it. */
int nft_ports_del(const char *id);
/* Every tag in both tables, each once (for reconciliation): appended to tags. */
int nft_tags(struct strv *tags);

#endif
