// SPDX-License-Identifier: Apache-2.0
/* port_fuzz.c - -p specs and EXPOSE keys as users and images give them
 * (core/net/port.c): every map parsed prints back as a spec that parses
 * to the same map, and the PORTS text of what parsed is never empty. */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "core/net/port.h"
#include "fuzz.h"

/* m printed as IP:HOSTPORT[-END]:CTRPORT/PROTO parses to m again. */
static void port_again(const struct port_map *m)
{
	struct in_addr a = { .s_addr = htonl(m->host_ip) };
	char ip[INET_ADDRSTRLEN], spec[96], end[8] = "";
	struct port_map *v = NULL;
	size_t n = 0;

	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	if (m->host_end)
		snprintf(end, sizeof(end), "-%u", m->host_end);
	snprintf(spec, sizeof(spec), "%s:%u%s:%u/%s", ip, m->host_port, end, m->ctr_port,
		 m->proto == IPPROTO_UDP ? "udp" : "tcp");
	if (port_parse(spec, &v, &n) < 0 || n != 1) {
		fprintf(stderr, "\"%s\" does not parse to one map: %s\n", spec, err_str());
		abort();
	}
	if (memcmp(v, m, sizeof(*m))) {
		fprintf(stderr, "\"%s\" parses to another map\n", spec);
		abort();
	}
	free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_text(data, size), *text;
	struct port_map *v = NULL;
	size_t n = 0;
	uint8_t proto;
	uint16_t port;

	if (port_parse(s, &v, &n) == 0) {
		if (!n)
			abort();
		for (size_t i = 0; i < n && i < 64; i++)
			port_again(&v[i]);
		text = port_format(v, n);
		if (!*text)
			abort();
		free(text);
		free(v);
	} else if ((err_errno() != EINVAL && err_errno() != ENOTSUP) || !*err_str() || v) {
		fprintf(stderr, "port_parse failed without its line: %d %s\n", err_errno(),
			err_str());
		abort();
	}
	if (port_parse_exposed(s, &proto, &port) == 0 && (!port || (proto != IPPROTO_TCP &&
							       proto != IPPROTO_UDP)))
		abort();
	err_clear();
	free(s);
	return 0;
}
