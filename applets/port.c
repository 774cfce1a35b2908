// SPDX-License-Identifier: Apache-2.0
/* port.c - dory port: a running container's published ports, as Docker
 * lists them. What it got is recorded by core/ctr/ctr_net.c. */
//@applet port  APPLET_PORT  port_main  NEEDROOT
//@config APPLET_PORT
//@	bool "port (~2 KB)"
//@	default y
//@	select CORE_IMAGE
//@	select CORE_RUNTIME
//@	help
//@	  Usage: dory port CONTAINER [PRIVATE_PORT[/PROTO]]
//@
//@	  List the container's published ports ("80/tcp -> 0.0.0.0:8080"),
//@	  or where one of its ports is published.
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "applets.h"
#include "core/ctr/ctr.h"
#include "core/ctr/ctr_net.h"
#include "core/net/ipam.h"
#include "core/net/port.h"
#include "core/util/err.h"
#include "core/util/log.h"
#include "core/util/opt.h"

static const struct opt port_optv[] = { OPT_END };

static int port_cmp(const void *a, const void *b)
{
	const struct port_map *x = a, *y = b;

	if (x->ctr_port != y->ctr_port)
		return x->ctr_port < y->ctr_port ? -1 : 1;
	return x->proto < y->proto ? -1 : x->proto > y->proto;
}

int port_main(int argc, char **argv)
{
	char id[CTR_ID_LEN + 1], host[32];
	struct ctr_net_info ni = { 0 };
	struct ctr_state st;
	uint8_t proto = 0;
	uint16_t want = 0;
	int shown = 0;

	(void)argc;
	argv = opt_parse(port_optv, NULL, argv);
	if (!argv[0] || (argv[1] && argv[2]))
		die("requires 1 or 2 arguments: CONTAINER [PRIVATE_PORT[/PROTO]] (see 'dory port --help')");
	if (argv[1] && port_parse_exposed(argv[1], &proto, &want) < 0)
		die("invalid port \"%s\": give PORT or PORT/tcp or PORT/udp", argv[1]);
	if (ctr_find(argv[0], id) < 0 || ctr_state_load(id, false, &st) < 0)
		die_err();
	if (ctr_active(&st) && ctr_net_info_load(id, &ni) < 0)
		err_clear();
	ctr_state_clear(&st);
	qsort(ni.ports, ni.nports, sizeof(*ni.ports), port_cmp);
	for (size_t i = 0; i < ni.nports; i++) {
		const struct port_map *m = &ni.ports[i];

		if (want && (m->ctr_port != want || m->proto != proto))
			continue;
		port_host_join(m, host);
		if (want)
			printf("%s\n", host);
		else
			printf("%u/%s -> %s\n", m->ctr_port, port_proto_name(m->proto), host);
		shown++;
	}
	ctr_net_info_clear(&ni);
	if (want && !shown)
		die("No public port '%u/%s' published for %s", want, port_proto_name(proto), argv[0]);
	return 0;
}
