// SPDX-License-Identifier: Apache-2.0
/* port.c - published ports as Docker spells them (go-connections' nat
 * package and docker/cli's ps formatter are the reference for the grammar,
 * the messages and the PORTS text) and the sockets that hold them. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/net/port.h"
#include "core/util/err.h"
#include "core/util/str.h"
#include "core/util/xalloc.h"

/* A port number as Go's ParseUint(s, 10, 16) takes it: digits only. */
static int port_num(const char *s, unsigned *out)
{
	unsigned long long v;

	if (str_to_u64(s, 65535, &v) < 0)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

/* "P" or "P-Q" with P <= Q (s is cut in place). */
static int port_range(char *s, unsigned *lo, unsigned *hi)
{
	char *dash = strchr(s, '-');

	if (dash)
		*dash++ = '\0';
	if (port_num(s, lo) < 0 || port_num(dash ? dash : s, hi) < 0 || *hi < *lo)
		return -EINVAL;
	return 0;
}

const char *port_proto_name(uint8_t proto)
{
	return proto == IPPROTO_UDP ? "udp" : "tcp";
}

/* tcp or udp, as Docker takes it (any case); its message otherwise. */
static int proto_parse(char *s, uint8_t *proto)
{
	for (char *p = s; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 'a' - 'A' : *p);
	if (!strcmp(s, "tcp") || !strcmp(s, "udp")) {
		*proto = !strcmp(s, "udp") ? IPPROTO_UDP : IPPROTO_TCP;
		return 0;
	}
	if (!strcmp(s, "sctp"))
		return err_setx(ENOTSUP, "sctp ports are not supported (publish tcp or udp)");
	return err_setx(EINVAL, "invalid proto: %s", s);
}

/* The host address of a spec: IPv4 only in this release. */
static int ip_parse(const char *spec, char *ip, uint32_t *out)
{
	struct in_addr a;
	size_t len = strlen(ip);

	if (ip[0] == '[' && len > 1 && ip[len - 1] == ']') {
		ip[len - 1] = '\0';
		ip++;
	}
	if (strchr(ip, ':') || strchr(ip, '['))
		return err_setx(ENOTSUP, "%s: IPv6 addresses are not supported yet "
				"(publish on an IPv4 address)", spec);
	if (inet_pton(AF_INET, ip, &a) != 1)
		return err_setx(EINVAL, "invalid IP address: %s", ip);
	*out = ntohl(a.s_addr);
	return 0;
}

/* Append count maps to *v, built from the parsed parts. */
static void port_expand(struct port_map **v, size_t *n, const struct port_map *first,
			unsigned count, bool host_range)
{
	*v = xrealloc(*v, (*n + count) * sizeof(**v));
	for (unsigned i = 0; i < count; i++) {
		struct port_map *m = &(*v)[*n + i];

		*m = *first;
		m->ctr_port = (uint16_t)(first->ctr_port + i);
		if (first->host_port && !host_range)
			m->host_port = (uint16_t)(first->host_port + i);
	}
	*n += count;
}

/* [IP:][HOSTPORT[-END]:]CTRPORT[-END][/PROTO], in go-connections' order of
 * checks so that the first fault named is Docker's. */
static int parse_short(const char *spec, struct port_map **v, size_t *n)
{
	autofree char *buf = xstrdup(spec), *c = NULL, *h = NULL;
	char *ip = NULL, *host = NULL, *ctr, *proto;
	struct port_map m = { .proto = IPPROTO_TCP };
	unsigned clo, chi, hlo = 0, hhi = 0;

	ctr = strrchr(buf, ':');
	if (ctr) {
		*ctr++ = '\0';
		host = strrchr(buf, ':');
		if (host) {
			*host++ = '\0';
			ip = buf;
		} else {
			host = buf;
		}
	} else {
		ctr = buf;
	}
	proto = strchr(ctr, '/');
	if (proto)
		*proto++ = '\0';
	if (!*ctr)
		return err_setx(EINVAL, "no port specified: %s<empty>", spec);
	if (proto && *proto && proto_parse(proto, &m.proto) < 0)
		return -err_errno();
	if (ip && *ip && ip_parse(spec, ip, &m.host_ip) < 0)
		return -err_errno();
	c = xstrdup(ctr);
	h = xstrdup(host ? host : "");
	if (port_range(ctr, &clo, &chi) < 0 || clo == 0)
		return err_setx(EINVAL, "invalid containerPort: %s", c);
	if (*h && port_range(host, &hlo, &hhi) < 0)
		return err_setx(EINVAL, "invalid hostPort: %s", h);
	if (*h && chi - clo != hhi - hlo && chi != clo)
		return err_setx(EINVAL, "invalid ranges specified for container and host Ports: "
				"%s and %s", c, h);
	m.ctr_port = (uint16_t)clo;
	m.host_port = (uint16_t)hlo;
	if (chi == clo && hhi > hlo)
		m.host_end = (uint16_t)hhi;
	port_expand(v, n, &m, chi - clo + 1, m.host_end != 0);
	return 0;
}

/* docker/cli's long form: comma-separated name=value, turned into the
 * short form "published:target/protocol" as Docker's CLI does. */
static int parse_long(const char *spec, struct port_map **v, size_t *n)
{
	autofree char *buf = xstrdup(spec), *shortf = NULL;
	const char *published = "", *target = "", *protocol = "tcp";
	char *rest = buf, *p;

	while ((p = strsep(&rest, ","))) {
		char *eq = strchr(p, '=');

		if (!eq || eq == p)
			return err_setx(EINVAL, "invalid publish opts format (should be name=value "
					"but got '%s')", p);
		*eq++ = '\0';
		if (!strcmp(p, "published"))
			published = eq;
		else if (!strcmp(p, "target"))
			target = eq;
		else if (!strcmp(p, "protocol"))
			protocol = eq;
	}
	shortf = xasprintf("%s:%s/%s", published, target, protocol);
	return parse_short(shortf, v, n);
}

int port_parse(const char *spec, struct port_map **v, size_t *n)
{
	return strchr(spec, '=') ? parse_long(spec, v, n) : parse_short(spec, v, n);
}

int port_parse_exposed(const char *key, uint8_t *proto, uint16_t *port)
{
	autofree char *buf = xstrdup(key);
	char *slash = strchr(buf, '/');
	unsigned p;

	*proto = IPPROTO_TCP;
	if (slash) {
		*slash++ = '\0';
		if (*slash && proto_parse(slash, proto) < 0)
			return err_ctx("exposed port %s", key);
	}
	if (port_num(buf, &p) < 0 || p == 0)
		return err_setx(EINVAL, "invalid exposed port: %s", key);
	*port = (uint16_t)p;
	return 0;
}

void port_host_join(const struct port_map *m, char out[32])
{
	struct in_addr a = { .s_addr = htonl(m->host_ip) };
	char ip[INET_ADDRSTRLEN] = "";

	if (m->v6) {
		snprintf(out, 32, "[::]:%u", m->host_port);
		return;
	}
	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	snprintf(out, 32, "%s:%u", ip, m->host_port);
}

/* ---- the PORTS column ---- */

/* One row of Docker's port list: ip is "" for a port exposed only. */
struct port_row {
	char ip[INET_ADDRSTRLEN + 2];
	uint16_t priv, pub;
	const char *type;
};

/* docker/cli's order: private port, then IP, public port and type as text. */
static int row_cmp(const void *a, const void *b)
{
	const struct port_row *x = a, *y = b;
	int c;

	if (x->priv != y->priv)
		return x->priv < y->priv ? -1 : 1;
	if ((c = strcmp(x->ip, y->ip)))
		return c;
	if (x->pub != y->pub)
		return x->pub < y->pub ? -1 : 1;
	return strcmp(x->type, y->type);
}

struct port_group {
	const struct port_row *key;	/* ip and type */
	unsigned first, last;
};

static bool same_key(const struct port_row *a, const struct port_row *b)
{
	return !strcmp(a->ip, b->ip) && !strcmp(a->type, b->type);
}

static void group_put(struct strv *out, const struct port_group *g)
{
	char range[16];

	if (g->first == g->last)
		snprintf(range, sizeof(range), "%u", g->first);
	else
		snprintf(range, sizeof(range), "%u-%u", g->first, g->last);
	if (*g->key->ip)
		strv_push_take(out, xasprintf("%s:%s->%s/%s", g->key->ip, range, range,
					      g->key->type));
	else
		strv_push_take(out, xasprintf("%s/%s", range, g->key->type));
}

static char *strv_join(const struct strv *sv, const char *sep)
{
	size_t len = 1, at = 0;
	char *s;

	for (size_t i = 0; i < sv->n; i++)
		len += strlen(sv->v[i]) + strlen(sep);
	s = xmalloc(len);
	*s = '\0';
	for (size_t i = 0; i < sv->n; i++)
		at += (size_t)sprintf(s + at, "%s%s", i ? sep : "", sv->v[i]);
	return s;
}

/* Rows in docker/cli's order: consecutive private ports with the same
 * host address and type (mapped to themselves) form one group; a port
 * mapped to another number is listed alone, after the groups. */
char *port_format(const struct port_map *v, size_t n)
{
	autofree struct port_row *rows = xzalloc((n + 1) * sizeof(*rows));
	autofree struct port_group *groups = xzalloc((n + 1) * sizeof(*groups));
	struct strv out = { 0 }, remapped = { 0 };
	size_t ng = 0;
	char *s;

	for (size_t i = 0; i < n; i++) {
		struct in_addr a = { .s_addr = htonl(v[i].host_ip) };

		rows[i] = (struct port_row){ .priv = v[i].ctr_port, .pub = v[i].host_port,
					    .type = port_proto_name(v[i].proto) };
		if (v[i].host_port && v[i].v6)
			snprintf(rows[i].ip, sizeof(rows[i].ip), "[::]");
		else if (v[i].host_port)
			inet_ntop(AF_INET, &a, rows[i].ip, sizeof(rows[i].ip));
	}
	qsort(rows, n, sizeof(*rows), row_cmp);
	for (size_t i = 0; i < n; i++) {
		struct port_row *r = &rows[i];
		size_t g;

		if (*r->ip && r->pub != r->priv) {
			strv_push_take(&remapped, xasprintf("%s:%u->%u/%s", r->ip, r->pub, r->priv,
							    r->type));
			continue;
		}
		for (g = 0; g < ng && !same_key(groups[g].key, r); g++)
			;
		if (g == ng) {
			groups[ng++] = (struct port_group){ r, r->priv, r->priv };
			continue;
		}
		if (r->priv == groups[g].last + 1) {
			groups[g].last = r->priv;
			continue;
		}
		group_put(&out, &groups[g]);
		groups[g] = (struct port_group){ r, r->priv, r->priv };
	}
	for (size_t g = 0; g < ng; g++)
		group_put(&out, &groups[g]);
	for (size_t i = 0; i < remapped.n; i++)
		strv_push(&out, remapped.v[i]);
	s = strv_join(&out, ", ");
	strv_free(&out);
	strv_free(&remapped);
	return s;
}

/* ---- holding the ports ---- */

/* The kernel lowers a listen backlog to net.core.somaxconn, so this asks
 * for as much as the host allows (as Go's listeners do); musl's SOMAXCONN
 * (128) would overflow under a burst of clients while the proxy waits for
 * a CPU. */
enum { PORT_BACKLOG = 65535 };

/* A socket bound to ip:port (0: the kernel picks) for proto; -errno. */
static int bind_one(uint8_t proto, uint32_t ip, uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(ip) };
	int one = 1, fd, e;

	fd = socket(AF_INET, (proto == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* TCP only: SO_REUSEADDR on UDP would let a second socket share the port. */
	if ((proto == IPPROTO_TCP && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one))) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    (proto == IPPROTO_TCP && listen(fd, PORT_BACKLOG) < 0)) {
		e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

/* The port the kernel gave fd. */
static uint16_t bound_port(int fd)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);

	if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		return 0;
	return ntohs(sa.sin_port);
}

/* Bind m (its range: the first free port of it); fd or -errno, recorded. */
static int reserve_one(struct port_map *m)
{
	char ip[INET_ADDRSTRLEN];
	struct in_addr a = { .s_addr = htonl(m->host_ip) };
	unsigned last = m->host_end > m->host_port ? m->host_end : m->host_port;
	int fd = -EADDRINUSE;

	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	for (unsigned p = m->host_port; p <= last && fd == -EADDRINUSE; p++)
		fd = bind_one(m->proto, m->host_ip, (uint16_t)p);
	if (fd == -EADDRINUSE && last > m->host_port)
		return err_setx(EADDRINUSE, "Bind for %s:%u-%u failed: all ports are allocated", ip,
				m->host_port, last);
	if (fd == -EADDRINUSE && m->host_port)
		return err_setx(EADDRINUSE, "Bind for %s:%u failed: port is already allocated", ip,
				m->host_port);
	if (fd == -EADDRINUSE)
		return err_setx(EADDRINUSE, "Bind for %s: all ports are allocated", ip);
	if (fd < 0)
		return err_set(-fd, "bind %s:%u/%s", ip, m->host_port, port_proto_name(m->proto));
	return fd;
}

void port_release(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

int port_reserve(struct port_map *v, size_t n, int *fds)
{
	for (size_t i = 0; i < n; i++)
		fds[i] = -1;
	for (size_t i = 0; i < n; i++) {
		int fd = reserve_one(&v[i]);

		if (fd < 0) {
			port_release(fds, i);
			return fd;
		}
		fds[i] = fd;
	}
	/* Written back only once all are held, so a failure leaves v as it was. */
	for (size_t i = 0; i < n; i++) {
		v[i].host_port = bound_port(fds[i]);
		v[i].host_end = 0;
	}
	return 0;
}
