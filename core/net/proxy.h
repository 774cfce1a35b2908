// SPDX-License-Identifier: Apache-2.0
/* proxy.h - the userland proxy: a child process that forwards published
 * TCP and UDP ports to a container's address, for kernels without
 * nf_tables or when the config asks for it. Which ports and sockets: port.h. */
#ifndef DORY_PROXY_H
#define DORY_PROXY_H

#include <stdint.h>
#include <sys/types.h>

#include "core/net/port.h"

enum {
	PROXY_MAX_CONNS = 1024,		/* TCP connections at once; more wait in the backlog */
	PROXY_MAX_FLOWS = 1024,		/* UDP clients at once; datagrams of more are dropped */
	PROXY_UDP_TIMEOUT_MS = 90000,	/* an idle UDP flow ends (Docker's proxy: 90 s) */
};

/* Limits; a zero field takes the default above. Both counts are lowered
 * to fit the descriptors the process may open (RLIMIT_NOFILE). */
struct proxy_opts {
	unsigned max_conns, max_flows, udp_timeout_ms;
};

/* Fork the proxy for v[i] listening on fds[i] (from port_reserve: TCP
 * sockets listening, UDP ones bound), forwarding to ctr_ip:v[i].ctr_port.
 * The child dies with its parent (PR_SET_PDEATHSIG), keeps only fds of
 * all the caller's descriptors, and runs until killed (SIGTERM is fine);
 * the caller keeps its own fds (the ports stay held) and reaps *pid. One
 * process, one epoll loop: TCP by splice(2) through pipes taken only while
 * data waits for a slow side (idle connections hold none), half-closes
 * passed on, resets passed on; UDP as one flow per client address. o may
 * be NULL. -errno (recorded) if the child cannot be made. */
int proxy_spawn(const struct port_map *v, size_t n, const int *fds, uint32_t ctr_ip,
		const struct proxy_opts *o, pid_t *pid);

#endif
