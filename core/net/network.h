// SPDX-License-Identifier: Apache-2.0
/* network.h - network records without a daemon: create (with Docker's
 * checks and its default pools), look up, list and remove, and the three
 * networks Docker always has. Addresses and leases are ipam.h's; links and
 * rules are link.h's and nft.h's. */
#ifndef DORY_NETWORK_H
#define DORY_NETWORK_H

#include <stdint.h>

#include "core/util/base.h"
#include "core/util/str.h"

/*
 * ROOT/networks/
 *   lock           flock: exclusive to create or remove a network, shared
 *                  while a lease is made (ipam.c)
 *   ID/config.json  the record (struct net_cfg), written once, durable
 *   ID/lock        flock: a lease file is only removed under it (ipam.c)
 *   ID/leases/     one file per leased address (ipam.h)
 *   tmp/           a record staged before its rename into place, or one
 *                  being removed; swept by the next create
 */
#define NET_DIR "networks"

enum { NET_ID_LEN = 64 };

/* The default network's bridge link (Docker's docker0). */
#define NET_DEFAULT_BRIDGE "dory0"

struct net_cfg {
	char id[NET_ID_LEN + 1];
	char *name;
	char *driver;		/* "bridge", "host", "null" */
	char *bridge;		/* the bridge link; NULL for host and none */
	uint32_t subnet, gateway;	/* host order; prefix 0: no addresses (host, none) */
	unsigned prefix;
	uint32_t range;		/* --ip-range; range_prefix 0: the whole subnet */
	unsigned range_prefix;
	bool ipv6;		/* --ipv6: subnet6, gateway6 and prefix6 hold its block */
	uint8_t subnet6[16], gateway6[16];
	unsigned prefix6;
	bool internal;
	bool user_bridge;	/* the bridge link was there before: never deleted */
	struct strv labels, options;	/* "K=V" */
	long long created_ns;	/* CLOCK_REALTIME */
};

/* Is it bridge, host or none (Docker's predefined networks)? */
bool net_is_builtin(const struct net_cfg *c);
/* Docker's rule for a network name: [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most
 * 64 characters. */
bool net_name_ok(const char *name);

/*
 * Find a network by name, full id or unique id prefix (in that order of
 * preference, an exact id first). bridge, host and none are made on first
 * use (bridge: link dory0, the first free subnet of the pools). -ENOENT
 * "no such network", -EINVAL "ambiguous".
 */
int net_lookup(const char *ref, struct net_cfg *out);
/*
 * Create the network c describes. The caller fills name, and as given:
 * driver (NULL: bridge), bridge (NULL: from the option
 * com.docker.network.bridge.name, else "br-" and 12 of the id), subnet and
 * prefix (prefix 0: the first free block of Docker's pools), gateway (0:
 * the subnet's first address), range/range_prefix, internal, labels,
 * options; with ipv6, subnet6/prefix6 (prefix6 0: a unique local /64 at
 * random, RFC 4193) and gateway6 (zero: the subnet's ::1). Fills id,
 * created_ns and the defaults. Checks (-EINVAL unless
 * said): the name, the driver (-ENOTSUP), the gateway and range inside the
 * subnet, the name taken (-EEXIST), the bridge link of another network
 * (-EEXIST), the subnet overlapping another network's or a route of the
 * host's main table (-EADDRINUSE), no free pool left (-ENOSPC).
 */
int net_create(struct net_cfg *c);
/* Remove a network: -EPERM for a predefined one, -EBUSY "has active
 * endpoints" while it has live leases; deletes its bridge link unless
 * user_bridge, then the record. */
int net_remove(const char *ref);
/* What a container whose supervisor is gone still has on the networks:
 * its published ports' rules, and its leases (stale, but reclaimed only
 * by a look at that network otherwise). Errors are skipped: it is
 * cleaning up. */
void net_forget(const char *ctr_id);
/* Every network, by name (allocated; net_list_free). */
int net_list(struct net_cfg **v, size_t *n);
void net_list_free(struct net_cfg *v, size_t n);
void net_cfg_clear(struct net_cfg *c);

/* The value of option key in c->options, or NULL. */
const char *net_option(const struct net_cfg *c, const char *key);

struct ipam_span;
/* The first block of Docker's default pools (172.17-31.0.0/16, then
 * 192.168.0.0/16 in /20s) that overlaps none of used: -ENOSPC (recorded). */
int net_pool_pick(const struct ipam_span *used, size_t n, struct ipam_span *out);
/* The destinations of the routes of the caller's network namespace's main
 * table, but default and loopback ones, as Docker checks them (allocated). */
int net_routes(struct ipam_span **v, size_t *n);

/* The record as JSON and back (tests); parse: -EINVAL without an Id and
 * a Name. */
char *net_cfg_json(const struct net_cfg *c);
int net_cfg_parse(const char *text, struct net_cfg *c);

#endif
