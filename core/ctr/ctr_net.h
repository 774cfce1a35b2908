// SPDX-License-Identifier: Apache-2.0
/* ctr_net.h - a container's network for one run: what its start needs
 * (the namespace to join or the links to make in a new one) and what its
 * end undoes, so that nothing is left behind: no veth, lease or rule. */
#ifndef DORY_CTR_NET_H
#define DORY_CTR_NET_H

#include "core/ctr/ctr.h"
#include "core/runtime/runtime.h"

struct ctr_net_run {
	const struct ctr_config *c;
	char netns[40];		/* /proc/PID/ns/net of the container joined */
};

/* Before a start: fill s's network fields for c's mode (the container it
 * joins must run). r must live until ctr_net_stop. */
int ctr_net_start(const struct ctr_config *c, struct ctr_net_run *r, struct rt_spec *s);
/* After the run (or a failed start): undo what ctr_net_start made. */
void ctr_net_stop(struct ctr_net_run *r);

#endif
