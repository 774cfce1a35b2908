// SPDX-License-Identifier: Apache-2.0
/* port_test.c - Docker's -p grammar and messages, EXPOSE keys, the PORTS
 * text of ps, and holding host ports (in a throw-away network namespace). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "core/kernel/nl.h"
#include "core/net/port.h"
#include "core/util/err.h"
#include "tests/unit/nsutil.h"
#include "tests/unit/tap.h"

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

/* spec parses into exactly n maps; the first and the last are returned. */
static size_t parse_ok(const char *spec, struct port_map *first, struct port_map *last)
{
	struct port_map *v = NULL;
	size_t n = 0;

	if (port_parse(spec, &v, &n) < 0) {
		printf("#   %s: %s\n", spec, err_str());
		return 0;
	}
	*first = v[0];
	*last = v[n - 1];
	free(v);
	return n;
}

static void parse_fails(const char *spec, int e, const char *msg)
{
	struct port_map *v = NULL;
	size_t n = 0;

	err_clear();
	CHECK_EQ_INT(port_parse(spec, &v, &n), -e);
	CHECK_EQ_STR(err_str(), msg);
	CHECK(v == NULL && n == 0);
}

TEST(port_parse_forms)
{
	struct port_map a, b;

	CHECK_EQ_INT(parse_ok("80", &a, &b), 1);
	CHECK(a.proto == IPPROTO_TCP && a.host_ip == 0 && a.host_port == 0 && a.ctr_port == 80);
	CHECK_EQ_INT(parse_ok("8080:80", &a, &b), 1);
	CHECK(a.host_port == 8080 && a.ctr_port == 80 && a.host_end == 0);
	CHECK_EQ_INT(parse_ok("127.0.0.1:8080:80/udp", &a, &b), 1);
	CHECK(a.proto == IPPROTO_UDP && a.host_ip == IP4(127, 0, 0, 1) && a.host_port == 8080);
	CHECK_EQ_INT(parse_ok("10.1.2.3::53/UDP", &a, &b), 1);
	CHECK(a.proto == IPPROTO_UDP && a.host_ip == IP4(10, 1, 2, 3) && a.host_port == 0);
	CHECK_EQ_INT(parse_ok(":80", &a, &b), 1);
	CHECK(a.host_port == 0 && a.ctr_port == 80);
	CHECK_EQ_INT(parse_ok("80/", &a, &b), 1);
	CHECK(a.proto == IPPROTO_TCP);
	CHECK_EQ_INT(parse_ok("0:080", &a, &b), 1);	/* leading zeros, as Go's ParseUint */
	CHECK(a.host_port == 0 && a.ctr_port == 80);
	CHECK_EQ_INT(parse_ok("65535:65535", &a, &b), 1);
	CHECK(a.host_port == 65535 && a.ctr_port == 65535);
}

TEST(port_parse_ranges_expand)
{
	struct port_map a, b;

	CHECK_EQ_INT(parse_ok("9000-9002:8000-8002/udp", &a, &b), 3);
	CHECK(a.host_port == 9000 && a.ctr_port == 8000 && b.host_port == 9002 &&
	      b.ctr_port == 8002 && b.proto == IPPROTO_UDP && a.host_end == 0);
	CHECK_EQ_INT(parse_ok("7000-7009", &a, &b), 10);
	CHECK(a.ctr_port == 7000 && b.ctr_port == 7009 && a.host_port == 0 && b.host_port == 0);
	/* one container port and a host range: the first free port of the range */
	CHECK_EQ_INT(parse_ok("8000-8010:80", &a, &b), 1);
	CHECK(a.host_port == 8000 && a.host_end == 8010 && a.ctr_port == 80);
	CHECK_EQ_INT(parse_ok("1-65535", &a, &b), 65535);
	CHECK(a.ctr_port == 1 && b.ctr_port == 65535);
}

TEST(port_parse_appends)
{
	struct port_map *v = NULL;
	size_t n = 0;

	CHECK_EQ_INT(port_parse("80", &v, &n), 0);
	CHECK_EQ_INT(port_parse("1.2.3.4:53:53/udp", &v, &n), 0);
	CHECK_EQ_INT(port_parse("x", &v, &n), -EINVAL);	/* left as it was */
	CHECK_EQ_INT(n, 2);
	CHECK(v[0].ctr_port == 80 && v[1].proto == IPPROTO_UDP && v[1].host_ip == IP4(1, 2, 3, 4));
	free(v);
}

TEST(port_parse_long_form)
{
	struct port_map a, b;

	CHECK_EQ_INT(parse_ok("published=8080,target=80", &a, &b), 1);
	CHECK(a.host_port == 8080 && a.ctr_port == 80 && a.proto == IPPROTO_TCP);
	CHECK_EQ_INT(parse_ok("target=53,protocol=udp,mode=host", &a, &b), 1);
	CHECK(a.host_port == 0 && a.ctr_port == 53 && a.proto == IPPROTO_UDP);
	parse_fails("published=8080,target", EINVAL,
		    "invalid publish opts format (should be name=value but got 'target')");
	parse_fails("published=8080,,target=80", EINVAL,
		    "invalid publish opts format (should be name=value but got '')");
	parse_fails("published=8080", EINVAL, "no port specified: 8080:/tcp<empty>");
}

TEST(port_parse_docker_messages)
{
	parse_fails("", EINVAL, "no port specified: <empty>");
	parse_fails("8080:", EINVAL, "no port specified: 8080:<empty>");
	parse_fails("8080:/udp", EINVAL, "no port specified: 8080:/udp<empty>");
	parse_fails("80/xyz", EINVAL, "invalid proto: xyz");
	parse_fails("80/TCPX", EINVAL, "invalid proto: tcpx");
	parse_fails("foo", EINVAL, "invalid containerPort: foo");
	parse_fails("8080:0", EINVAL, "invalid containerPort: 0");
	parse_fails("65536", EINVAL, "invalid containerPort: 65536");
	parse_fails("80-70", EINVAL, "invalid containerPort: 80-70");
	parse_fails("1-2-3", EINVAL, "invalid containerPort: 1-2-3");
	parse_fails("-80", EINVAL, "invalid containerPort: -80");
	parse_fails("+80", EINVAL, "invalid containerPort: +80");
	parse_fails("x:80", EINVAL, "invalid hostPort: x");
	parse_fails("70000:80", EINVAL, "invalid hostPort: 70000");
	parse_fails("9000-8000:80", EINVAL, "invalid hostPort: 9000-8000");
	parse_fails("8080:80-81", EINVAL,
		    "invalid ranges specified for container and host Ports: 80-81 and 8080");
	parse_fails("8000-8002:80-81", EINVAL,
		    "invalid ranges specified for container and host Ports: 80-81 and 8000-8002");
	parse_fails("1.2.3:80:80", EINVAL, "invalid IP address: 1.2.3");
	parse_fails("01.2.3.4:80:80", EINVAL, "invalid IP address: 01.2.3.4");
	parse_fails("localhost:80:80", EINVAL, "invalid IP address: localhost");
	parse_fails("80:80:80", EINVAL, "invalid IP address: 80");
	parse_fails("1.2.3.4:80", EINVAL, "invalid hostPort: 1.2.3.4");	/* IP: needs the second colon */
	/* the first fault in Docker's order: proto before the address */
	parse_fails("x:80:80/bad", EINVAL, "invalid proto: bad");
}

TEST(port_parse_refuses_ipv6_and_sctp)
{
	const char *msg = "[::1]:8080:80: IPv6 addresses are not supported yet "
			  "(publish on an IPv4 address)";

	parse_fails("[::1]:8080:80", ENOTSUP, msg);
	parse_fails("::1:8080:80", ENOTSUP,
		    "::1:8080:80: IPv6 addresses are not supported yet (publish on an IPv4 address)");
	parse_fails("80/sctp", ENOTSUP, "sctp ports are not supported (publish tcp or udp)");
}

TEST(port_parse_exposed_keys)
{
	uint8_t proto;
	uint16_t port;

	CHECK_EQ_INT(port_parse_exposed("80/tcp", &proto, &port), 0);
	CHECK(proto == IPPROTO_TCP && port == 80);
	CHECK_EQ_INT(port_parse_exposed("53/udp", &proto, &port), 0);
	CHECK(proto == IPPROTO_UDP && port == 53);
	CHECK_EQ_INT(port_parse_exposed("8080", &proto, &port), 0);
	CHECK(proto == IPPROTO_TCP && port == 8080);
	CHECK_EQ_INT(port_parse_exposed("80/sctp", &proto, &port), -ENOTSUP);
	CHECK_EQ_INT(port_parse_exposed("80/foo", &proto, &port), -EINVAL);
	CHECK_EQ_STR(err_str(), "exposed port 80/foo: invalid proto: foo");
	CHECK_EQ_INT(port_parse_exposed("8000-8001/tcp", &proto, &port), -EINVAL);
	CHECK_EQ_STR(err_str(), "invalid exposed port: 8000-8001/tcp");
	CHECK_EQ_INT(port_parse_exposed("0/tcp", &proto, &port), -EINVAL);
	CHECK_EQ_INT(port_parse_exposed("", &proto, &port), -EINVAL);
}

static void format_is(const char *const *specs, const char *want)
{
	struct port_map *v = NULL;
	size_t n = 0;
	char *s;

	for (; *specs; specs++)
		CHECK_EQ_INT(port_parse(*specs, &v, &n), 0);
	s = port_format(v, n);
	CHECK_EQ_STR(s, want);
	free(s);
	free(v);
}

TEST(port_format_as_docker_ps)
{
	format_is((const char *[]){ NULL }, "");
	format_is((const char *[]){ "8080:80", NULL }, "0.0.0.0:8080->80/tcp");
	/* mapped to themselves: grouped into one range */
	format_is((const char *[]){ "9000-9001:9000-9001/udp", "8080:80", NULL },
		  "0.0.0.0:9000-9001->9000-9001/udp, 0.0.0.0:8080->80/tcp");
	/* exposed only (host port 0): "PORT/PROTO", grouped too */
	format_is((const char *[]){ "80", "81", "83", "53/udp", NULL },
		  "80-81/tcp, 53/udp, 83/tcp");
	format_is((const char *[]){ "127.0.0.1:53:53/udp", "53:53/tcp", "54:54", NULL },
		  "0.0.0.0:53-54->53-54/tcp, 127.0.0.1:53->53/udp");
	/* remapped ones come last, in private port order */
	format_is((const char *[]){ "8443:443", "8080:80", "3000:3000", NULL },
		  "0.0.0.0:3000->3000/tcp, 0.0.0.0:8080->80/tcp, 0.0.0.0:8443->443/tcp");
	format_is((const char *[]){ "5000:5000/tcp", "5000:5000/udp", NULL },
		  "0.0.0.0:5000->5000/tcp, 0.0.0.0:5000->5000/udp");
}

/* ---- holding ports, in a network namespace of the test's own ---- */

static int lo_up(void)
{
	return nl_link_up("lo") < 0;
}

static int reserve_binds_and_fills_in(void)
{
	struct port_map v[3] = {
		{ .proto = IPPROTO_TCP, .host_port = 18080, .ctr_port = 80 },
		{ .proto = IPPROTO_UDP, .host_ip = IP4(127, 0, 0, 1), .ctr_port = 53 },
		{ .proto = IPPROTO_TCP, .host_port = 0, .ctr_port = 443 },
	};
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(18080),
				  .sin_addr.s_addr = htonl(IP4(127, 0, 0, 1)) };
	int fds[3], c, lo, hi;
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");

	if (lo_up() || !f || fscanf(f, "%d %d", &lo, &hi) != 2)
		return 1;
	fclose(f);
	if (port_reserve(v, 3, fds) < 0)
		return 2;
	if (v[0].host_port != 18080 || v[1].host_port < lo || v[1].host_port > hi ||
	    v[2].host_port < lo || v[2].host_port > hi)
		return 3;
	/* the TCP one listens: a client connects to it */
	c = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(c, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return 4;
	close(c);
	port_release(fds, 3);
	return fds[0] == -1 && fds[2] == -1 ? 0 : 5;
}

TEST(port_reserve_binds_and_fills_in_ephemeral)
{
	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	CHECK_EQ_INT(in_ns(CLONE_NEWNET, reserve_binds_and_fills_in), 0);
}

/* A port someone else holds: Docker's line, nothing left open, v unchanged. */
static int reserve_in_use(void)
{
	struct port_map v[2] = {
		{ .proto = IPPROTO_TCP, .host_port = 0, .ctr_port = 80 },
		{ .proto = IPPROTO_TCP, .host_port = 18081, .ctr_port = 81 },
	};
	struct port_map u = { .proto = IPPROTO_UDP, .host_port = 18082, .ctr_port = 53 };
	struct port_map r = { .proto = IPPROTO_TCP, .host_port = 18081, .host_end = 18083,
			      .ctr_port = 80 };
	struct port_map full = { .proto = IPPROTO_TCP, .host_port = 18081, .host_end = 18081 + 1,
				 .ctr_port = 80 };
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(18081) };
	int fds[2] = { 7, 7 }, ufd, rfd, other, held;

	if (lo_up())
		return 1;
	other = socket(AF_INET, SOCK_STREAM, 0);	/* no SO_REUSEADDR, not listening */
	if (other < 0 || bind(other, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return 2;
	held = fcntl(0, F_DUPFD, 0);	/* the lowest free descriptor now */
	close(held);
	if (port_reserve(v, 2, fds) != -EADDRINUSE ||
	    strcmp(err_str(), "Bind for 0.0.0.0:18081 failed: port is already allocated"))
		return 3;
	if (fds[0] != -1 || fds[1] != -1 || v[0].host_port != 0 || fcntl(held, F_GETFD) >= 0)
		return 4;
	/* a range: the first free one; all taken: Docker's "all ports" line */
	if (port_reserve(&r, 1, &rfd) < 0 || r.host_port != 18082 || r.host_end != 0)
		return 5;
	if (port_reserve(&full, 1, &ufd) != -EADDRINUSE ||
	    strcmp(err_str(), "Bind for 0.0.0.0:18081-18082 failed: all ports are allocated"))
		return 6;
	/* UDP and TCP of one number are two ports; a second UDP holder is refused */
	if (port_reserve(&u, 1, &ufd) < 0)
		return 7;
	u.host_port = 18082;
	if (port_reserve(&u, 1, &held) != -EADDRINUSE)
		return 8;
	close(ufd);
	close(rfd);
	close(other);
	return 0;
}

TEST(port_reserve_in_use_is_docker_s_line)
{
	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	CHECK_EQ_INT(in_ns(CLONE_NEWNET, reserve_in_use), 0);
}

/* Two dory containers asking for one port: the second is refused even
 * though both sockets use SO_REUSEADDR (the first listens). */
static int reserve_twice(void)
{
	struct port_map a = { .proto = IPPROTO_TCP, .host_port = 18090, .ctr_port = 80 };
	struct port_map b = a;
	int fa, fb;

	if (lo_up() || port_reserve(&a, 1, &fa) < 0)
		return 1;
	if (port_reserve(&b, 1, &fb) != -EADDRINUSE)
		return 2;
	close(fa);
	if (port_reserve(&b, 1, &fb) < 0)	/* free again once released */
		return 3;
	close(fb);
	return 0;
}

TEST(port_reserve_twice_is_refused)
{
	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	CHECK_EQ_INT(in_ns(CLONE_NEWNET, reserve_twice), 0);
}
