// SPDX-License-Identifier: Apache-2.0
/* ipam.h - address management: IPv4 addresses and CIDRs as dory holds
 * them (uint32_t in host order), IPv6 ones (16 bytes, network order), and
 * the leases of a network's addresses, one file each, held by a live
 * process. Network records are network.h's. */
#ifndef DORY_IPAM_H
#define DORY_IPAM_H

#include <stdint.h>
#include <sys/types.h>

#include "core/net/network.h"
#include "core/util/base.h"
#include "core/util/str.h"

/* An address block: addr/prefix, addr without host bits. */
struct ipam_span {
	uint32_t addr;
	unsigned prefix;
};

/* A dotted quad ("172.18.0.2", no leading zeros) into ip; -EINVAL
 * (recorded, naming s) otherwise. */
int ipam_ip_parse(const char *s, uint32_t *ip);
/* "A.B.C.D/N" into addr and prefix; -EINVAL (recorded) for anything
 * else, an IPv6 block, or host bits set ("10.1.2.3/24"). */
int ipam_cidr_parse(const char *s, uint32_t *addr, unsigned *prefix);
void ipam_ip_format(uint32_t ip, char out[16]);
/* "A.B.C.D/N" into out. */
void ipam_cidr_format(uint32_t addr, unsigned prefix, char out[20]);
uint32_t ipam_mask(unsigned prefix);	/* 24: 0xffffff00 */
bool ipam_contains(uint32_t net, unsigned prefix, uint32_t ip);
bool ipam_overlaps(uint32_t a, unsigned ap, uint32_t b, unsigned bp);

/* IPv6: inet_pton's forms ("fd00::2"); -EINVAL (recorded) otherwise, or
 * for an IPv4 address. */
int ipam_ip6_parse(const char *s, uint8_t ip[16]);
/* "ADDR/N" into addr and prefix (0..128); -EINVAL for anything else, an
 * IPv4 block, or host bits set. */
int ipam_cidr6_parse(const char *s, uint8_t addr[16], unsigned *prefix);
enum { IPAM_IP6_LEN = 46, IPAM_CIDR6_LEN = 50 };	/* with the NUL */
/* RFC 5952's text, as Go prints it ("fd00::2"). */
void ipam_ip6_format(const uint8_t ip[16], char out[IPAM_IP6_LEN]);
void ipam_cidr6_format(const uint8_t addr[16], unsigned prefix, char out[IPAM_CIDR6_LEN]);
bool ipam_contains6(const uint8_t net[16], unsigned prefix, const uint8_t ip[16]);
bool ipam_overlaps6(const uint8_t a[16], unsigned ap, const uint8_t b[16], unsigned bp);
bool ipam_is_zero6(const uint8_t ip[16]);

/*
 * ROOT/networks/ID/leases/A.B.C.D, one file per leased address, made by
 * link(2) of a finished file, so two callers never get one address and a
 * caller killed at any point leaves either no lease or a whole one. The
 * holder is a process (a container's supervisor): a lease whose process is
 * gone (pid, its start time, the boot id) is stale and reclaimed by the
 * next call that looks. Leases need no fsync: after a power cut every
 * holder is gone anyway (another boot id).
 */
struct ipam_holder {
	const char *ctr_id, *name;	/* the container */
	const char *const *aliases;	/* NULL-terminated; NULL: none */
	pid_t pid;			/* the holder process */
	unsigned long long start;	/* its start time (proc_stat) */
};

struct ipam_lease {
	bool v6;
	uint32_t ip;		/* an IPv4 lease's address */
	uint8_t ip6[16];	/* an IPv6 lease's; an IPv4 one's as ::ffff:A.B.C.D */
	char ctr_id[65];
	char *name;
	struct strv aliases;
	pid_t pid;
	unsigned long long start;
};

/* Lease an address of network n for h: want (0: the lowest free one in
 * n's --ip-range, or its subnet), never its network, broadcast or gateway
 * address. The container's live lease there is returned again. -EINVAL for
 * a want outside the subnet, -EADDRINUSE when want is held, -ENOSPC when
 * none is left, -ENOENT once the network is removed. */
int ipam_lease(const struct net_cfg *n, const struct ipam_holder *h, uint32_t want, uint32_t *ip);
/* The same in n's IPv6 subnet (want NULL: the lowest free address; never
 * the subnet's first address or its gateway); -EINVAL when n has none. */
int ipam_lease6(const struct net_cfg *n, const struct ipam_holder *h, const uint8_t *want,
		uint8_t ip[16]);
/* Give back every lease of the container ctr_id on n, of both families
 * (none is fine). */
int ipam_release(const struct net_cfg *n, const char *ctr_id);
/* The container ctr_id's leases on n under its new name (rename). */
int ipam_rename(const struct net_cfg *n, const char *ctr_id, const char *name);
/* The live leases of n, IPv4 ones first, by address (allocated;
 * ipam_leases_free); stale ones are reclaimed on the way. */
int ipam_list(const struct net_cfg *n, struct ipam_lease **v, size_t *nv);
void ipam_leases_free(struct ipam_lease *v, size_t n);

#endif
