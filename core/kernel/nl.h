// SPDX-License-Identifier: Apache-2.0
/* nl.h - rtnetlink and nfnetlink, spoken directly (no iproute2 or nft on
 * the device): links up, new links; addresses join with networking. */
#ifndef DORY_NL_H
#define DORY_NL_H

#include "core/util/base.h"

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
