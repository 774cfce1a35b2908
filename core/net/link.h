// SPDX-License-Identifier: Apache-2.0
/* link.h - the links of a network over rtnetlink: its bridge with the
 * gateway's address, and per container a veth pair whose peer is made
 * inside the container's network namespace, addressed and routed there. */
#ifndef DORY_LINK_H
#define DORY_LINK_H

#include <stdint.h>
#include <sys/types.h>

#include "core/util/base.h"

/* The bridge br, made when missing, with gw/prefix as its address, and
 * with gw6 (NULL: none) gw6/prefix6 as its IPv6 one too (IPv6 turned on
 * for it, without duplicate address detection), and up. */
int link_bridge(const char *br, uint32_t gw, unsigned prefix, const uint8_t *gw6,
		unsigned prefix6);
/* The first IPv4 address of the link name, with its prefix: -ENOENT
 * when it has none (or there is no such link). */
int link_addr4(const char *name, uint32_t *addr, unsigned *prefix);
/* Remove the link name; a missing one is no error. */
int link_del(const char *name);
/* Does a link called name exist in the caller's namespace? */
bool link_exists(const char *name);

/* One container's end of a network. */
struct link_ep {
	const char *host;	/* the veth's host end, attached to bridge */
	const char *bridge;
	const char *ifname;	/* its name inside: "eth0", "eth1"... */
	uint32_t addr, gw;	/* gw 0: no default route through this one */
	unsigned prefix;
	unsigned mtu;		/* 0: the bridge's */
	uint8_t mac[6];		/* all 0: link_mac of addr */
	const uint8_t *addr6;	/* NULL: no IPv6 address (link-local only) */
	const uint8_t *gw6;	/* NULL: no IPv6 default route */
	unsigned prefix6;
};
/* Make e's veth pair with its peer in the network namespace of pid,
 * addressed, up and routed; on failure nothing is left. */
int link_veth(pid_t pid, const struct link_ep *e);
/* Docker's MAC for an address: 02:42 then its four bytes. */
void link_mac(uint32_t addr, uint8_t mac[6]);
/* mac as "aa:bb:cc:dd:ee:ff" (Docker's form, lower case). */
void link_mac_format(const uint8_t mac[6], char out[18]);
/* "aa:bb:cc:dd:ee:ff" into mac; -EINVAL for anything else, or for a
 * multicast address (the low bit of its first byte). */
int link_mac_parse(const char *s, uint8_t mac[6]);

/* The IPv4 routes of the caller's namespace's main table. */
struct link_route {
	uint32_t dst;
	unsigned prefix;
	int oif;		/* 0: none */
};
int link_routes(struct link_route **v, size_t *n);
/* The MTU of the link the default route leaves by; 1500 without one. */
unsigned link_default_mtu(void);

/* sysctl net.ipv4.ip_forward=1 (containers' traffic is routed by the
 * device); a no-op when it is on already. */
int link_forwarding(void);
/* The same for IPv6 (net.ipv6.conf.all.forwarding=1). A router forwards
 * already; elsewhere the device stops taking routers' advertisements on
 * links whose accept_ra is 1, as with Docker. */
int link_forwarding6(void);

#endif
