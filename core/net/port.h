// SPDX-License-Identifier: Apache-2.0
/* port.h - published ports: Docker's -p grammar and EXPOSE keys, the PORTS
 * text of ps, and the host sockets that hold each published port. What
 * forwards the traffic (nf_tables or the userland proxy) lives elsewhere. */
#ifndef DORY_PORT_H
#define DORY_PORT_H

#include <stdint.h>

#include "core/util/base.h"

/* One published port. Addresses and ports in host byte order. */
struct port_map {
	uint8_t proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	uint32_t host_ip;	/* 0: every local address */
	uint16_t host_port;	/* 0: any free port (port_reserve fills it in) */
	uint16_t host_end;	/* above host_port: the first free port of host_port..host_end
				 * (Docker's "8000-8010:80"); else 0 */
	uint16_t ctr_port;
	bool v6;		/* on every IPv6 address of the device ("::"), host_ip 0 */
};

/* Append the ports of one -p spec, [IP:][HOSTPORT[-END]:]CTRPORT[-END][/PROTO]
 * or Docker's long form published=P,target=P[,protocol=udp], to *v (n
 * entries, allocated; *v may start NULL): a range is one entry per port.
 * Docker's messages (-EINVAL); -ENOTSUP for sctp and IPv6 addresses.
 * *v and *n are left as they were on failure. */
int port_parse(const char *spec, struct port_map **v, size_t *n);
/* Its host address as Docker writes it, joined to its host port:
 * "0.0.0.0:8080", "[::]:8080". */
void port_host_join(const struct port_map *m, char out[32]);
/* "tcp" or "udp", as Docker writes a port's protocol. */
const char *port_proto_name(uint8_t proto);
/* An image's ExposedPorts key, "80/tcp", "53/udp" or "80" (tcp). -EINVAL,
 * -ENOTSUP for sctp (the caller may skip it). */
int port_parse_exposed(const char *key, uint8_t *proto, uint16_t *port);
/* The PORTS column of docker ps, "0.0.0.0:8080->80/tcp, 9000-9001/udp":
 * sorted and grouped as Docker's CLI does; an entry whose host_port is 0
 * is exposed only ("80/tcp"). Allocated; "" for none. */
char *port_format(const struct port_map *v, size_t n);
/* Hold each port on the host: fds[i] is a bound socket for v[i] (TCP ones
 * listening, with SO_REUSEADDR so a restart does not wait out TIME_WAIT),
 * close-on-exec and non-blocking. A host_port of 0, or a host range, is
 * resolved and written back. A port that is taken fails with Docker's
 * "Bind for 0.0.0.0:8080 failed: port is already allocated" (-EADDRINUSE);
 * on any failure nothing stays open and v is as it was. */
int port_reserve(struct port_map *v, size_t n, int *fds);
/* Close what port_reserve opened (fds[i] < 0 are skipped). */
void port_release(int *fds, size_t n);

#endif
