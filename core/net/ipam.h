// SPDX-License-Identifier: Apache-2.0
/* ipam.h - IPv4 address management: addresses and CIDRs as dory holds
 * them (uint32_t in host order), and the leases of a network's addresses,
 * one file each, held by a live process. Network records are network.h's. */
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
	uint32_t ip;
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
/* Give back every lease of the container ctr_id on n (none is fine). */
int ipam_release(const struct net_cfg *n, const char *ctr_id);
/* The live leases of n, by address (allocated; ipam_leases_free); stale
 * ones are reclaimed on the way. */
int ipam_list(const struct net_cfg *n, struct ipam_lease **v, size_t *nv);
void ipam_leases_free(struct ipam_lease *v, size_t n);

#endif
