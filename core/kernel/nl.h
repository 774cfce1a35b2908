// SPDX-License-Identifier: Apache-2.0
/* nl.h - netlink spoken directly (no iproute2 or nft on the device):
 * messages built in a growing buffer, sent on a socket of the caller's
 * network namespace (or one opened inside another), acknowledgements and
 * dumps read back by sequence number. The rooms above (core/net) build
 * rtnetlink and nf_tables requests on it; the few calls below it are what
 * the probes and the runtime need on their own. */
#ifndef DORY_NL_H
#define DORY_NL_H

#include <linux/netlink.h>
#include <stdint.h>

#include "core/util/base.h"

/* One or more netlink messages (an nf_tables batch is several). */
struct nl_msg {
	char *buf;
	size_t len, cap;
	size_t cur;		/* offset of the message being built */
};

/* Start a message of type with flags (NLM_F_REQUEST is added) and a
 * zeroed family header of hlen bytes, which is returned to fill. Each
 * message gets a sequence number of its own. */
void *nl_msg_begin(struct nl_msg *m, uint16_t type, uint16_t flags, size_t hlen);
/* Append attribute type with len bytes of data to the current message;
 * returns its offset, for nl_nest_end when it is a nest. */
size_t nl_put(struct nl_msg *m, uint16_t type, const void *data, size_t len);
size_t nl_put_str(struct nl_msg *m, uint16_t type, const char *s);	/* with its NUL */
size_t nl_put_u32(struct nl_msg *m, uint16_t type, uint32_t v);	/* host order */
size_t nl_put_be32(struct nl_msg *m, uint16_t type, uint32_t v);	/* v in host order, sent big-endian */
/* A nest: begin (NLA_F_NESTED set when nested is true), then end it. */
size_t nl_nest(struct nl_msg *m, uint16_t type, bool nested);
void nl_nest_end(struct nl_msg *m, size_t off);
void nl_msg_free(struct nl_msg *m);

/* A netlink socket of proto (NETLINK_ROUTE, NETLINK_NETFILTER) in the
 * caller's network namespace; -errno. */
int nl_open(int proto);
/* Send every message of m on fd and read until each one asked for
 * (NLM_F_ACK, or NLM_F_DUMP until its NLMSG_DONE) is answered; each reply
 * that is neither an ack nor an error goes to cb (NULL: dropped), which
 * returns <0 to fail. The first error the kernel reports is returned as
 * -errno, with what the kernel said (extended ack) when it said it; an
 * error for a message that asked for no answer counts too (nf_tables
 * answers a batch's begin message with the error of the whole batch). */
int nl_talk(int fd, const struct nl_msg *m,
	    int (*cb)(const struct nlmsghdr *h, void *arg), void *arg);
/* nl_talk on a socket of its own, opened for this call. */
int nl_talk_once(int proto, const struct nl_msg *m,
		 int (*cb)(const struct nlmsghdr *h, void *arg), void *arg);

/* The attributes of a message (after its family header of hlen bytes) or
 * of a nest, by type: tb[type] (max included), the last one wins. Types
 * above max are skipped. Returns -EINVAL for a truncated attribute. */
int nl_parse(const void *data, size_t len, const struct nlattr **tb, uint16_t max);
int nl_parse_msg(const struct nlmsghdr *h, size_t hlen, const struct nlattr **tb, uint16_t max);
static inline const void *nl_data(const struct nlattr *a) { return (const char *)a + NLA_HDRLEN; }
static inline size_t nl_len(const struct nlattr *a) { return a->nla_len - NLA_HDRLEN; }
uint32_t nl_get_u32(const struct nlattr *a);	/* 0 when too short */
uint32_t nl_get_be32(const struct nlattr *a);	/* into host order */
/* A string attribute copied into buf (cut to size); "" when absent. */
const char *nl_get_str(const struct nlattr *a, char *buf, size_t size);

/* Set IFF_UP on the link called name in the caller's network namespace. */
int nl_link_up(const char *name);
/* true if the link is administratively up. */
int nl_link_is_up(const char *name, bool *up);
/* Create a link of kind ("bridge", "veth"...) called name in the caller's
 * network namespace; a veth gets its peer called peer (NULL otherwise). */
int nl_link_add(const char *name, const char *kind, const char *peer);
/* Ask nf_tables for its ruleset generation: 0 when the kernel has it. */
int nl_nft_getgen(void);

#endif
