// SPDX-License-Identifier: Apache-2.0
/* nl.h - rtnetlink, spoken directly (no iproute2 on the device). For now
 * links up/down; bridges, veths and addresses join with networking. */
#ifndef DORY_NL_H
#define DORY_NL_H

#include "core/util/base.h"

/* Set IFF_UP on the link called name in the caller's network namespace. */
int nl_link_up(const char *name);
/* true if the link is administratively up. */
int nl_link_is_up(const char *name, bool *up);

#endif
