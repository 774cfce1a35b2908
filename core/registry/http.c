// SPDX-License-Identifier: Apache-2.0
/* http.c - the HTTP/1.1 client behind http.h: URLs, connects, proxies, the
 * keep-alive pool, requests, bodies, redirects, retries. TLS is tls.c's;
 * what the requests mean (auth, registries) is the caller's. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "core/registry/http.h"
#include "core/registry/tls.h"
#include "core/util/b64.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/str.h"
#include "core/util/xalloc.h"
#include "version.h"

enum {
	HTTP_TIMEOUT_MS = 30000,
	HTTP_RETRIES = 3,
	HTTP_BACKOFF_MS = 200,		/* then 400, 800, ... */
	HTTP_BUF = 16 * 1024,		/* per-connection read buffer, to start with */
	HTTP_HEAD_MAX = 64 * 1024,	/* status line + headers (+ trailers) */
	HTTP_REDIRECTS = 10,
	HTTP_IDLE_MAX = 4,		/* pooled connections */
};

/* ---- URLs ---- */

void http_url_clear(struct http_url *u)
{
	if (!u)
		return;
	free(u->scheme);
	free(u->host);
	free(u->path);
	memset(u, 0, sizeof(*u));
}

/* "host[:port]" or "[v6][:port]" of n chars at s; port 0 when absent. */
static int url_authority(const char *s, size_t n, char **host, int *port)
{
	const char *end = s + n, *p;
	unsigned long long v;
	autofree char *h = NULL;
	autofree char *ps = NULL;
	unsigned char a6[16];

	if (n && s[0] == '[') {
		p = memchr(s, ']', n);
		if (!p)
			return -EINVAL;
		h = xstrndup(s + 1, (size_t)(p - s - 1));
		if (inet_pton(AF_INET6, h, a6) != 1)
			return -EINVAL;
		p++;
	} else {
		p = memchr(s, ':', n);
		if (!p)
			p = end;
		h = xstrndup(s, (size_t)(p - s));
	}
	if (!*h || strpbrk(h, "@[]"))
		return -EINVAL;
	*port = 0;
	if (p < end && *p != ':')
		return -EINVAL;
	if (p < end && p + 1 < end) {
		ps = xstrndup(p + 1, (size_t)(end - p - 1));
		if (str_to_u64(ps, 65535, &v) < 0 || v == 0)
			return -EINVAL;
		*port = (int)v;
	}
	*host = TAKE(h);
	return 0;
}

/* Bytes that must never reach a request line or a header. */
static bool has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7f)
			return true;
	return false;
}

static int url_bad(const char *url, const char *why)
{
	return err_setx(EINVAL, "invalid URL '%s': %s", url, why);
}

int http_url_parse(const char *url, struct http_url *out)
{
	const char *sep = strstr(url, "://"), *auth, *aend, *frag;
	autofree char *scheme = NULL;

	memset(out, 0, sizeof(*out));
	if (has_ctl(url))	/* not echoed: it would break the line */
		return err_setx(EINVAL, "invalid URL: control character or space in it");
	if (!sep)
		return url_bad(url, "no scheme");
	scheme = xstrndup(url, (size_t)(sep - url));
	for (char *p = scheme; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	if (strcmp(scheme, "https") && strcmp(scheme, "http"))
		return url_bad(url, "not http or https");
	auth = sep + 3;
	aend = auth + strcspn(auth, "/?#");
	if (memchr(auth, '@', (size_t)(aend - auth)))	/* not echoed: a password */
		return err_setx(EINVAL, "invalid URL: credentials in URLs are not supported");
	if (url_authority(auth, (size_t)(aend - auth), &out->host, &out->port) < 0)
		return url_bad(url, "bad host or port");
	if (!out->port)
		out->port = strcmp(scheme, "https") ? 80 : 443;
	frag = aend + strcspn(aend, "#");
	if (frag == aend || *aend == '?')
		out->path = xasprintf("/%.*s", (int)(frag - aend), aend);
	else
		out->path = xstrndup(aend, (size_t)(frag - aend));
	out->scheme = TAKE(scheme);
	return 0;
}

static bool url_default_port(const struct http_url *u)
{
	return u->port == (strcmp(u->scheme, "https") ? 80 : 443);
}

/* "host:port" with IPv6 brackets; allocated. */
static char *hostport(const char *host, int port)
{
	return xasprintf(strchr(host, ':') ? "[%s]:%d" : "%s:%d", host, port);
}

/* "scheme://host[:port]", allocated: the origin, and the pool's key. */
static char *url_origin(const struct http_url *u)
{
	bool v6 = strchr(u->host, ':') != NULL;

	if (url_default_port(u))
		return xasprintf(v6 ? "%s://[%s]" : "%s://%s", u->scheme, u->host);
	return xasprintf(v6 ? "%s://[%s]:%d" : "%s://%s:%d", u->scheme, u->host, u->port);
}

static bool url_same_origin(const struct http_url *a, const struct http_url *b)
{
	return !strcmp(a->scheme, b->scheme) && !strcasecmp(a->host, b->host) &&
	       a->port == b->port;
}

/* Resolve a Location against the URL it came from (RFC 3986, 5.2, without
 * dot-segment removal); allocated. */
static char *url_resolve(const struct http_url *base, const char *loc)
{
	autofree char *origin = url_origin(base);
	const char *q;
	int dir;

	if (strstr(loc, "://") && strcspn(loc, ":") < strcspn(loc, "/?#"))
		return xstrdup(loc);
	if (loc[0] == '/' && loc[1] == '/')
		return xasprintf("%s:%s", base->scheme, loc);
	if (loc[0] == '/')
		return xasprintf("%s%s", origin, loc);
	q = base->path + strcspn(base->path, "?");
	if (loc[0] == '?')
		return xasprintf("%s%.*s%s", origin, (int)(q - base->path), base->path, loc);
	dir = (int)(q - base->path);
	while (dir > 0 && base->path[dir - 1] != '/')
		dir--;
	return xasprintf("%s%.*s%s", origin, dir, base->path, loc);
}

/* ---- sockets ---- */


/* Non-blocking connect to one address, waiting at most ms: 0 or errno. */
static int tcp_connect_one(int fd, const struct addrinfo *ai, int ms)
{
	socklen_t len = sizeof(int);
	int e = 0, w;

	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return 0;
	if (errno != EINPROGRESS && errno != EINTR)
		return errno;
	w = fsutil_poll(fd, POLLOUT, ms);
	if (w < 0)
		return -w;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
		return errno;
	return e;
}

static int gai_errno(int g)
{
	switch (g) {
	case EAI_AGAIN: return EAGAIN;
	case EAI_MEMORY: return ENOMEM;
	case EAI_SYSTEM: return errno ? errno : EIO;
	default: return ENOENT;
	}
}

/* Connect to host:port, each address in turn; what says "proxy " or "". */
static int tcp_connect(const char *host, int port, int ms, const char *what, int *out)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res, *ai;
	autofree char *hp = hostport(host, port);
	char ps[8];
	int e = ECONNREFUSED, g, one = 1;

	snprintf(ps, sizeof(ps), "%d", port);
	g = getaddrinfo(host, ps, &hints, &res);
	if (g)
		return err_setx(gai_errno(g), "resolve %s%s: %s", what, host,
				g == EAI_SYSTEM ? strerror(errno) : gai_strerror(g));
	for (ai = res; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

		if (fd < 0) {
			e = errno;
			continue;
		}
		e = tcp_connect_one(fd, ai, ms);
		if (!e) {
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			freeaddrinfo(res);
			*out = fd;
			return 0;
		}
		close(fd);
	}
	freeaddrinfo(res);
	if (e == ETIMEDOUT)
		return err_setx(e, "connect to %s%s: no answer in %d ms", what, hp, ms);
	return err_set(e, "connect to %s%s", what, hp);
}

/* ---- connections: a socket, maybe TLS, and a read buffer ---- */

struct http_conn {
	char *key;		/* origin: what the pool matches */
	char *name;		/* "host:port", for messages */
	int fd;			/* -1: the bytes come from mem (http_resp_mem) */
	const char *mem;
	size_t mem_left, mem_step;
	struct tls *tls;
	int timeout_ms;
	char *buf;
	size_t off, len, cap;
	unsigned long long rx;	/* bytes received so far */
	struct http_conn *next;	/* in the idle pool */
};

static void conn_close(struct http_conn *k)
{
	if (!k)
		return;
	tls_close(k->tls);
	if (k->fd >= 0)
		close(k->fd);
	free(k->key);
	free(k->name);
	free(k->buf);
	free(k);
}

/* The next bytes of a response in memory, at most mem_step at a time. */
static size_t mem_recv(struct http_conn *k, void *p, size_t n)
{
	size_t m = n < k->mem_left ? n : k->mem_left;

	if (k->mem_step && m > k->mem_step)
		m = k->mem_step;
	if (m) {
		memcpy(p, k->mem, m);
		k->mem += m;
		k->mem_left -= m;
	}
	return m;
}

/* Read what the socket has, waiting up to the time-out: bytes, 0 at the end. */
static ssize_t conn_recv(struct http_conn *k, void *p, size_t n)
{
	ssize_t r;
	int w;

	if (k->fd < 0) {
		r = (ssize_t)mem_recv(k, p, n);
	} else if (k->tls) {
		r = tls_read(k->tls, p, n);
	} else {
		for (;;) {
			r = recv(k->fd, p, n, MSG_DONTWAIT);
			if (r >= 0)
				break;
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				return err_set(errno, "read from %s", k->name);
			w = fsutil_poll(k->fd, POLLIN, k->timeout_ms);
			if (w == -ETIMEDOUT)
				return err_setx(ETIMEDOUT, "read from %s: no data in %d ms", k->name,
						k->timeout_ms);
			if (w < 0)
				return err_set(-w, "read from %s", k->name);
		}
	}
	if (r > 0)
		k->rx += (unsigned long long)r;
	return r;
}

static int conn_send(struct http_conn *k, const void *p, size_t n)
{
	const char *s = p;
	int w;

	if (k->tls)
		return tls_write(k->tls, p, n);
	while (n > 0) {
		ssize_t r = send(k->fd, s, n, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (r >= 0) {
			s += r;
			n -= (size_t)r;
			continue;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return err_set(errno, "write to %s", k->name);
		w = fsutil_poll(k->fd, POLLOUT, k->timeout_ms);
		if (w == -ETIMEDOUT)
			return err_setx(ETIMEDOUT, "write to %s: stalled for %d ms", k->name,
					k->timeout_ms);
		if (w < 0)
			return err_set(-w, "write to %s", k->name);
	}
	return 0;
}

/* More bytes into the buffer, growing it up to max: bytes, 0 at the end. */
static ssize_t conn_fill(struct http_conn *k, size_t max)
{
	ssize_t r;

	if (k->off == k->len)
		k->off = k->len = 0;
	if (k->len == k->cap && k->off) {
		memmove(k->buf, k->buf + k->off, k->len - k->off);
		k->len -= k->off;
		k->off = 0;
	}
	if (k->len == k->cap) {
		if (k->cap >= max)
			return -EMSGSIZE;
		k->cap = k->cap * 2 < max ? k->cap * 2 : max;
		k->buf = xrealloc(k->buf, k->cap);
	}
	r = conn_recv(k, k->buf + k->len, k->cap - k->len);
	if (r > 0)
		k->len += (size_t)r;
	return r;
}

/* Body bytes: buffered ones first, then straight from the socket. */
static ssize_t conn_read(struct http_conn *k, void *p, size_t n)
{
	size_t have = k->len - k->off;

	if (!have)
		return conn_recv(k, p, n);
	if (n > have)
		n = have;
	memcpy(p, k->buf + k->off, n);
	k->off += n;
	return (ssize_t)n;
}

/* One line, CR LF or LF cut off, pointing into the buffer; at most max
 * bytes with its end: 0, -ENODATA at the end of the stream, -EMSGSIZE. */
static int conn_line(struct http_conn *k, size_t max, char **line, size_t *n)
{
	size_t scanned = 0;

	for (;;) {
		char *s = k->buf + k->off;
		char *nl = memchr(s + scanned, '\n', k->len - k->off - scanned);
		ssize_t r;

		if (nl) {
			*line = s;
			*n = (size_t)(nl - s);
			if (*n > 0 && s[*n - 1] == '\r')
				(*n)--;
			s[*n] = '\0';
			k->off += (size_t)(nl - s) + 1;
			return (size_t)(nl - s) + 1 > max ? -EMSGSIZE : 0;
		}
		scanned = k->len - k->off;
		if (scanned >= max)
			return -EMSGSIZE;
		r = conn_fill(k, HTTP_HEAD_MAX + 2);
		if (r < 0)
			return (int)r;
		if (r == 0)
			return -ENODATA;
		scanned = scanned < k->len - k->off ? scanned : 0;
	}
}

/* ---- proxies ---- */

struct http_proxy {
	char *host;		/* NULL: none */
	int port;
	char *auth;		/* "Basic ..." from user:pass, or NULL */
	char *err;		/* why the variable cannot be used, or NULL */
};

static void proxy_clear(struct http_proxy *px)
{
	free(px->host);
	free(px->err);
	if (px->auth)
		explicit_bzero(px->auth, strlen(px->auth));
	free(px->auth);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decode n chars (user names and passwords in proxy URLs). */
static char *pct_decode(const char *s, size_t n)
{
	char *out = xmalloc(n + 1), *o = out;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
			*o++ = (char)(hexval(s[i + 1]) << 4 | hexval(s[i + 2]));
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

static void proxy_auth(struct http_proxy *px, const char *s, size_t n)
{
	const char *colon = memchr(s, ':', n);
	size_t ul = colon ? (size_t)(colon - s) : n;
	autofree char *user = pct_decode(s, ul);
	autofree char *pass = colon ? pct_decode(colon + 1, n - ul - 1) : xstrdup("");
	autofree char *both = xasprintf("%s:%s", user, pass);
	autofree char *enc = b64_encode(both, strlen(both));

	px->auth = xasprintf("Basic %s", enc);
	explicit_bzero(both, strlen(both));
	explicit_bzero(pass, strlen(pass));
}

/* "[http://][user[:pass]@]host[:port][/]" from variable var. The value is
 * never echoed: it may hold a password. */
static void proxy_parse(struct http_proxy *px, const char *var, const char *val)
{
	const char *s = val, *sep = strstr(val, "://"), *end, *at;

	if (sep) {
		if ((size_t)(sep - s) != 4 || strncasecmp(s, "http", 4)) {
			px->err = xasprintf("%s: only http:// proxies are supported", var);
			return;
		}
		s = sep + 3;
	}
	end = s + strcspn(s, "/?#");
	at = NULL;
	for (const char *p = s; p < end; p++)
		if (*p == '@')
			at = p;
	if (has_ctl(val) || (end[0] && strcmp(end, "/"))) {
		px->err = xasprintf("%s: not a proxy address (want http://HOST:PORT)", var);
		return;
	}
	if (at) {
		proxy_auth(px, s, (size_t)(at - s));
		s = at + 1;
	}
	if (url_authority(s, (size_t)(end - s), &px->host, &px->port) < 0) {
		px->err = xasprintf("%s: not a proxy address (want http://HOST:PORT)", var);
		return;
	}
	if (!px->port)
		px->port = 80;
}

static const char *env_either(const char *lower, const char *upper, const char **name)
{
	const char *v = getenv(lower);

	*name = lower;
	if (!v || !*v) {
		v = getenv(upper);
		*name = upper;
	}
	return v && *v ? v : NULL;
}

/* One NO_PROXY entry of n chars: "*", a name matching the host or one of
 * its parent domains ("example.com", ".example.com"), maybe with ":port". */
static bool no_proxy_entry(const char *t, size_t n, const char *host, int port)
{
	const char *end = t + n, *colon = NULL, *c1;
	size_t hl = strlen(host), pl;

	if (n == 1 && *t == '*')
		return true;
	if (n && t[0] == '[') {
		c1 = memchr(t, ']', n);
		if (!c1 || (c1 + 1 < end && c1[1] != ':'))
			return false;
		colon = c1 + 1 < end ? c1 + 1 : NULL;
		end = c1;
		t++;
	} else if ((c1 = memchr(t, ':', n)) && !memchr(c1 + 1, ':', (size_t)(end - c1 - 1))) {
		colon = c1;	/* not a bare IPv6 address */
		end = c1;
	}
	if (colon && atoi(colon + 1) != port)
		return false;
	if (end - t > 1 && t[0] == '*' && t[1] == '.')
		t++;
	if (end - t > 0 && t[0] == '.')
		t++;
	pl = (size_t)(end - t);
	if (!pl || pl > hl || strncasecmp(host + hl - pl, t, pl))
		return false;
	return hl == pl || host[hl - pl - 1] == '.';
}

static bool no_proxy_match(const char *list, const char *host, int port)
{
	while (list && *list) {
		size_t n = strcspn(list, ", \t");

		if (n && no_proxy_entry(list, n, host, port))
			return true;
		list += n + (list[n] != '\0');
	}
	return false;
}

/* ---- the client and its pool ---- */

struct http_client {
	struct tls_conf tls;
	char *certs_dir, *ca_bundle;
	int timeout_ms, retries;
	struct http_proxy proxy[2];	/* for https, for http */
	char *no_proxy;
	struct http_conn *idle;
};

struct http_client *http_client_new(const struct http_conf *conf)
{
	struct http_client *c = xzalloc(sizeof(*c));
	const char *v, *name;

	if (conf) {
		c->certs_dir = conf->certs_dir ? xstrdup(conf->certs_dir) : NULL;
		c->ca_bundle = conf->ca_bundle ? xstrdup(conf->ca_bundle) : NULL;
		c->timeout_ms = conf->timeout_ms;
		c->retries = conf->retries;
	}
	if (c->timeout_ms <= 0)
		c->timeout_ms = HTTP_TIMEOUT_MS;
	if (c->retries == 0)
		c->retries = HTTP_RETRIES;
	else if (c->retries < 0)
		c->retries = 0;
	c->tls = (struct tls_conf){ c->ca_bundle, c->certs_dir, c->timeout_ms };
	if ((v = env_either("https_proxy", "HTTPS_PROXY", &name)))
		proxy_parse(&c->proxy[0], name, v);
	if ((v = env_either("http_proxy", "HTTP_PROXY", &name)))
		proxy_parse(&c->proxy[1], name, v);
	if ((v = env_either("no_proxy", "NO_PROXY", &name)))
		c->no_proxy = xstrdup(v);
	return c;
}

void http_client_free(struct http_client *c)
{
	if (!c)
		return;
	while (c->idle) {
		struct http_conn *k = c->idle;

		c->idle = k->next;
		conn_close(k);
	}
	proxy_clear(&c->proxy[0]);
	proxy_clear(&c->proxy[1]);
	free(c->no_proxy);
	free(c->certs_dir);
	free(c->ca_bundle);
	free(c);
}

static void pool_put(struct http_client *c, struct http_conn *k)
{
	struct http_conn **pp = &c->idle;
	int n = 0;

	k->next = c->idle;
	c->idle = k;
	while (*pp && ++n <= HTTP_IDLE_MAX)
		pp = &(*pp)->next;
	if (*pp) {
		conn_close(*pp);
		*pp = NULL;
	}
}

/* An idle connection to the origin that still looks open, or NULL. A
 * readable idle socket means the server closed it (or misbehaves). */
static struct http_conn *pool_take(struct http_client *c, const char *key)
{
	struct http_conn **pp = &c->idle, *k;

	while ((k = *pp)) {
		struct pollfd p = { .fd = k->fd, .events = POLLIN };

		if (strcmp(k->key, key)) {
			pp = &k->next;
			continue;
		}
		*pp = k->next;
		k->next = NULL;
		if (poll(&p, 1, 0) == 0)
			return k;
		conn_close(k);
	}
	return NULL;
}

/* ---- requests ---- */

/* One request as it travels through redirects and retries. */
struct http_try {
	const struct http_req *rq;
	const char *method;
	const void *body;
	size_t body_len;
	bool drop_auth;		/* the origin changed: no Authorization */
};

static bool hdr_is(const char *h, const char *name)
{
	size_t n = strlen(name);

	return !strncasecmp(h, name, n) && h[n] == ':';
}

/* CONNECT host:port through the proxy, on k (already connected to it). */
static int proxy_connect(struct http_conn *k, const struct http_proxy *px,
			 const struct http_url *u)
{
	autofree char *target = hostport(u->host, u->port);
	struct sbuf b = { 0 };
	char *line;
	size_t n;
	int r, status = 0;

	sbuf_addf(&b, "CONNECT %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: dory/%s\r\n", target,
		target, DORY_VERSION);
	if (px->auth)
		sbuf_addf(&b, "Proxy-Authorization: %s\r\n", px->auth);
	sbuf_addf(&b, "\r\n");
	r = conn_send(k, b.s, b.n);
	explicit_bzero(b.s, b.n);
	free(b.s);
	if (r < 0)
		return r;
	for (int i = 0; (r = conn_line(k, HTTP_HEAD_MAX, &line, &n)) == 0 && n; i++)
		if (i == 0 && (sscanf(line, "HTTP/1.%*1d %3d", &status) != 1 || !status))
			return err_setx(EPROTO, "proxy %s: CONNECT %s: malformed answer", k->name,
					target);
	if (r == -EMSGSIZE || r == -ENODATA)
		return err_setx(r == -EMSGSIZE ? EMSGSIZE : ECONNRESET, "proxy %s: CONNECT %s: %s",
				k->name, target, r == -EMSGSIZE ? "answer too large" : "no answer");
	if (r < 0)
		return err_ctx("proxy CONNECT %s", target);
	if (status / 100 != 2)
		return err_setx(status >= 502 && status <= 504 ? ECONNREFUSED : EACCES,
				"proxy %s refused CONNECT %s: status %d%s", k->name, target, status,
				status == 407 ? (px->auth ? " (wrong proxy user or password)"
							  : " (the proxy wants a user:password@)")
					      : "");
	if (k->off != k->len)
		return err_setx(EPROTO, "proxy %s: data after CONNECT %s", k->name, target);
	return 0;
}

static const struct http_proxy *proxy_for(const struct http_client *c, const struct http_url *u)
{
	const struct http_proxy *px = &c->proxy[strcmp(u->scheme, "https") ? 1 : 0];

	if ((!px->host && !px->err) || no_proxy_match(c->no_proxy, u->host, u->port))
		return NULL;
	return px;
}

static int conn_open(struct http_client *c, const struct http_url *u, const char *key,
		     struct http_conn **out)
{
	const struct http_proxy *px = proxy_for(c, u);
	struct http_conn *k;
	int r;

	if (px && px->err)
		return err_setx(EINVAL, "%s", px->err);
	k = xzalloc(sizeof(*k));
	k->fd = -1;
	k->key = xstrdup(key);
	k->timeout_ms = c->timeout_ms;
	k->cap = HTTP_BUF;
	k->buf = xmalloc(k->cap);
	if (px) {
		k->name = hostport(px->host, px->port);
		r = tcp_connect(px->host, px->port, c->timeout_ms, "proxy ", &k->fd);
		if (r == 0)
			r = proxy_connect(k, px, u);
		free(k->name);
	} else {
		r = tcp_connect(u->host, u->port, c->timeout_ms, "", &k->fd);
	}
	k->name = hostport(u->host, u->port);
	if (r == 0 && !strcmp(u->scheme, "https")) {
		k->tls = tls_open(k->fd, u->host, u->port, &c->tls);
		if (!k->tls)
			r = -err_errno();
	}
	if (r < 0) {
		conn_close(k);
		return r;
	}
	*out = k;
	return 0;
}

static int req_send(struct http_conn *k, const struct http_url *u, const struct http_try *t)
{
	const struct http_req *rq = t->rq;
	struct sbuf b = { 0 };
	bool v6 = strchr(u->host, ':') != NULL;
	int r;

	sbuf_addf(&b, "%s %s HTTP/1.1\r\nHost: %s%s%s", t->method, u->path, v6 ? "[" : "",
		u->host, v6 ? "]" : "");
	if (!url_default_port(u))
		sbuf_addf(&b, ":%d", u->port);
	sbuf_addf(&b, "\r\nUser-Agent: dory/%s\r\nConnection: keep-alive\r\n", DORY_VERSION);
	if (t->body ||
	    (strcmp(t->method, "GET") && strcmp(t->method, "HEAD") && strcmp(t->method, "DELETE")))
		sbuf_addf(&b, "Content-Length: %zu\r\n", t->body_len);
	if (rq->range_from > 0)
		sbuf_addf(&b, "Range: bytes=%lld-\r\n", rq->range_from);
	for (const char *const *h = rq->headers; h && *h; h++)
		if (!(t->drop_auth && hdr_is(*h, "Authorization")))
			sbuf_addf(&b, "%s\r\n", *h);
	sbuf_addf(&b, "\r\n");
	r = conn_send(k, b.s, b.n);
	explicit_bzero(b.s, b.n);	/* it may carry credentials */
	free(b.s);
	if (r == 0 && t->body_len)
		r = conn_send(k, t->body, t->body_len);
	return r;
}

/* ---- responses ---- */

enum http_body { BODY_NONE, BODY_SIZED, BODY_CHUNKED, BODY_CLOSE };

struct http_resp {
	struct http_client *c;
	struct http_conn *conn;
	int status, minor;
	struct strv hdr;	/* "Name\0value" each */
	char *final_url;
	long long length;	/* Content-Length, or -1 */
	enum http_body body;
	long long left;		/* sized: bytes to come; chunked: in this chunk */
	long long got;		/* body bytes handed out */
	bool chunk_next;	/* chunked: a CRLF ends the previous chunk */
	bool done, keep;
	size_t head_bytes;	/* header + trailer bytes, against HTTP_HEAD_MAX */
};

int http_status(const struct http_resp *r)
{
	return r->status;
}

const char *http_header_n(const struct http_resp *r, const char *name, int i)
{
	for (size_t j = 0; j < r->hdr.n; j++)
		if (!strcasecmp(r->hdr.v[j], name) && i-- == 0)
			return r->hdr.v[j] + strlen(r->hdr.v[j]) + 1;
	return NULL;
}

const char *http_header(const struct http_resp *r, const char *name)
{
	return http_header_n(r, name, 0);
}

long long http_length(const struct http_resp *r)
{
	return r->length;
}

const char *http_final_url(const struct http_resp *r)
{
	return r->final_url;
}

/* A header or trailer line, counted against the 64 KB bound. */
static int head_line(struct http_resp *r, char **line, size_t *n)
{
	struct http_conn *k = r->conn;
	int e = conn_line(k, HTTP_HEAD_MAX - r->head_bytes, line, n);

	if (e == -EMSGSIZE)
		return err_setx(EMSGSIZE, "response header from %s is larger than %d KB", k->name,
				HTTP_HEAD_MAX / 1024);
	if (e == -ENODATA)
		return err_setx(ECONNRESET, "%s closed the connection %s", k->name,
				r->head_bytes ? "in the middle of the header" : "without answering");
	if (e < 0)
		return e;
	r->head_bytes += *n + 2;
	return 0;
}

/* Store "Name: value" (or fold a continuation line into the last one). */
static int head_store(struct http_resp *r, const char *line, size_t n)
{
	const char *colon = memchr(line, ':', n), *v;
	size_t nl, vl;
	char *e;

	if ((line[0] == ' ' || line[0] == '\t') && r->hdr.n) {	/* obs-fold */
		char *last = r->hdr.v[r->hdr.n - 1];
		size_t ln = strlen(last), lv = strlen(last + ln + 1);

		while (*line == ' ' || *line == '\t')
			line++, n--;
		e = xrealloc(last, ln + lv + n + 3);
		e[ln + 1 + lv] = ' ';
		memcpy(e + ln + lv + 2, line, n);
		e[ln + lv + 2 + n] = '\0';
		r->hdr.v[r->hdr.n - 1] = e;
		return 0;
	}
	if (!colon || colon == line || strcspn(line, " \t") < (size_t)(colon - line))
		return err_setx(EPROTO, "malformed header line from %s", r->conn->name);
	nl = (size_t)(colon - line);
	for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
		;
	vl = n - (size_t)(v - line);
	while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
		vl--;
	e = xmalloc(nl + vl + 2);
	memcpy(e, line, nl);
	e[nl] = '\0';
	memcpy(e + nl + 1, v, vl);
	e[nl + 1 + vl] = '\0';
	strv_push_take(&r->hdr, e);
	return 0;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* "HTTP/1.x NNN[ reason]" */
static int head_status(struct http_resp *r, const char *s)
{
	if (strncmp(s, "HTTP/1.", 7) || !is_digit(s[7]) || s[8] != ' ' || !is_digit(s[9]) ||
	    !is_digit(s[10]) || !is_digit(s[11]) || (s[12] && s[12] != ' ') || s[9] == '0')
		return err_setx(EPROTO, "%s does not answer in HTTP/1.x", r->conn->name);
	r->minor = s[7] - '0';
	r->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
	return 0;
}

/* Does a comma-separated header (Connection, Transfer-Encoding) hold tok?
 * last: only as its last element. */
static bool hdr_has_token(const struct http_resp *r, const char *name, const char *tok,
			  bool last)
{
	const char *v;
	size_t tl = strlen(tok);
	bool found = false;

	for (int i = 0; (v = http_header_n(r, name, i)); i++) {
		while (*v) {
			size_t n;

			v += strspn(v, " \t,");
			n = strcspn(v, " \t,;");
			found = n == tl && !strncasecmp(v, tok, tl) ? true : (last ? false : found);
			v += n;
			v += strcspn(v, ",");
		}
	}
	return found;
}

static int head_length(struct http_resp *r)
{
	const char *v;
	unsigned long long n;

	r->length = -1;
	for (int i = 0; (v = http_header_n(r, "Content-Length", i)); i++) {
		if (str_to_u64(v, LLONG_MAX, &n) < 0 || (r->length >= 0 && (long long)n != r->length))
			return err_setx(EPROTO, "bad Content-Length from %s: %s", r->conn->name, v);
		r->length = (long long)n;
	}
	return 0;
}

/* How the body ends (RFC 9112, 6.3) and whether the connection stays. */
static int head_body(struct http_resp *r, const char *method)
{
	bool te = http_header(r, "Transfer-Encoding") != NULL;

	if (head_length(r) < 0)
		return -err_errno();
	if (te)
		r->length = -1;
	if (r->minor >= 1)
		r->keep = !hdr_has_token(r, "Connection", "close", false);
	else
		r->keep = hdr_has_token(r, "Connection", "keep-alive", false);
	if (!strcmp(method, "HEAD") || r->status < 200 || r->status == 204 || r->status == 304)
		r->body = BODY_NONE;
	else if (te && hdr_has_token(r, "Transfer-Encoding", "chunked", true))
		r->body = BODY_CHUNKED;
	else if (!te && r->length >= 0)
		r->body = BODY_SIZED;
	else
		r->body = BODY_CLOSE;
	r->left = r->body == BODY_SIZED ? r->length : 0;
	if (r->body == BODY_CLOSE || r->status == 101)
		r->keep = false;
	r->done = r->body == BODY_NONE || (r->body == BODY_SIZED && !r->left);
	return 0;
}

/* Status line and headers, skipping 1xx interim answers. */
static int resp_read_head(struct http_resp *r, const char *method)
{
	char *line;
	size_t n;

	do {
		strv_free(&r->hdr);
		if (head_line(r, &line, &n) < 0 || head_status(r, line) < 0)
			return -err_errno();
		for (;;) {
			if (head_line(r, &line, &n) < 0)
				return -err_errno();
			if (!n)
				break;
			if (head_store(r, line, n) < 0)
				return -err_errno();
		}
	} while (r->status >= 100 && r->status < 200 && r->status != 101);
	return head_body(r, method);
}

static void resp_drop(struct http_resp *r)
{
	if (!r)
		return;
	conn_close(r->conn);
	strv_free(&r->hdr);
	free(r->final_url);
	free(r);
}

void http_resp_free(struct http_resp *r)
{
	struct http_conn *k;

	if (!r)
		return;
	k = r->conn;
	/* What is already buffered can be skipped to keep the connection. */
	if (!r->done && r->body == BODY_SIZED && k &&
	    (long long)(k->len - k->off) >= r->left) {
		k->off += (size_t)r->left;
		r->done = true;
	}
	if (k && r->c && r->done && r->keep && k->off == k->len) {
		pool_put(r->c, k);
		r->conn = NULL;
	}
	resp_drop(r);
}

int http_resp_mem(const char *method, const void *buf, size_t n, size_t step, size_t cap,
		  struct http_resp **out)
{
	struct http_conn *k = xzalloc(sizeof(*k));
	struct http_resp *r = xzalloc(sizeof(*r));

	k->fd = -1;
	k->name = xstrdup("memory");
	k->mem = buf;
	k->mem_left = n;
	k->mem_step = step;
	k->cap = cap ? cap : HTTP_BUF;
	k->buf = xmalloc(k->cap);
	r->conn = k;
	if (resp_read_head(r, method) < 0) {
		resp_drop(r);
		return -err_errno();
	}
	*out = r;
	return 0;
}

/* ---- bodies ---- */

static int body_cut(struct http_resp *r)
{
	if (r->body == BODY_SIZED)
		return err_setx(ECONNRESET, "body from %s cut after %lld of %lld bytes",
				r->conn->name, r->got, r->length);
	return err_setx(ECONNRESET, "chunked body from %s cut after %lld bytes", r->conn->name,
			r->got);
}

/* Trailer fields after the last chunk: read and ignored. */
static int chunk_trailers(struct http_resp *r)
{
	char *line;
	size_t n;

	do
		if (head_line(r, &line, &n) < 0)
			return -err_errno();
	while (n);
	r->done = true;
	return 0;
}

/* The next chunk's size line; 0-sized ends the body. */
static int chunk_start(struct http_resp *r)
{
	char *line, *end;
	size_t n;
	unsigned long long sz;
	int e;

	if (r->chunk_next) {
		e = conn_line(r->conn, 2, &line, &n);
		if (e == 0 && n)
			return err_setx(EPROTO, "bad chunk end from %s", r->conn->name);
		if (e < 0)
			return e == -ENODATA ? body_cut(r) : e;
	}
	e = conn_line(r->conn, 1024, &line, &n);
	if (e == -ENODATA)
		return body_cut(r);
	if (e < 0)
		return e == -EMSGSIZE ? err_setx(EPROTO, "bad chunk size from %s", r->conn->name)
				      : e;
	errno = 0;
	sz = strtoull(line, &end, 16);
	if (end == line || errno || sz > LLONG_MAX || (*end && *end != ';' && *end != ' '))
		return err_setx(EPROTO, "bad chunk size from %s", r->conn->name);
	r->left = (long long)sz;
	r->chunk_next = true;
	return sz ? 0 : chunk_trailers(r);
}

ssize_t http_read(struct http_resp *r, void *buf, size_t n)
{
	ssize_t k;

	if (r->done || !n)
		return 0;
	if (r->body == BODY_CHUNKED && !r->left) {
		if (chunk_start(r) < 0) {
			r->keep = false;
			return -err_errno();
		}
		if (r->done)
			return 0;
	}
	if (r->body != BODY_CLOSE && (long long)n > r->left)
		n = (size_t)r->left;
	k = conn_read(r->conn, buf, n);
	if (k < 0) {
		r->keep = false;
		return k;
	}
	if (k == 0) {
		if (r->body == BODY_CLOSE) {
			r->done = true;
			return 0;
		}
		r->keep = false;
		return body_cut(r);
	}
	r->got += k;
	r->left -= k;
	if (r->body == BODY_SIZED && !r->left)
		r->done = true;
	return k;
}

int http_read_all(struct http_resp *r, size_t max, char **out, size_t *len)
{
	size_t cap = 4096, n = 0;
	autofree char *buf = NULL;

	if (max > SIZE_MAX / 2)
		max = SIZE_MAX / 2;
	if (r->length >= 0 && (unsigned long long)r->length <= max)
		cap = (size_t)r->length + 2;
	if (cap > max + 2)
		cap = max + 2;
	buf = xmalloc(cap);
	for (;;) {
		ssize_t k;

		if (cap - n < 2) {	/* room for a byte and the NUL */
			if (n > max)
				break;
			cap = cap * 2 > max + 2 ? max + 2 : cap * 2;
			buf = xrealloc(buf, cap);
		}
		k = http_read(r, buf + n, cap - 1 - n);
		if (k < 0)
			return (int)k;
		if (k == 0)
			break;
		n += (size_t)k;
	}
	if (n > max)
		return err_setx(EFBIG, "response from %s is larger than %zu bytes", r->conn->name,
				max);
	buf[n] = '\0';
	*out = TAKE(buf);
	if (len)
		*len = n;
	return 0;
}

/* ---- one exchange, retries, redirects ---- */

static bool is_transient(int e)
{
	return e == ECONNREFUSED || e == ECONNRESET || e == ECONNABORTED || e == EPIPE ||
	       e == ETIMEDOUT || e == EHOSTUNREACH || e == ENETUNREACH || e == ENETDOWN ||
	       e == EAGAIN;
}

/* Send the request and read the answer's head. A pooled connection that
 * turns out closed before any answer byte is replaced, once per entry. */
static int http_once(struct http_client *c, const struct http_url *u, const struct http_try *t,
		     struct http_resp **out)
{
	autofree char *key = url_origin(u);

	for (;;) {
		struct http_conn *k = pool_take(c, key);
		bool reused = k != NULL;
		struct http_resp *r;
		unsigned long long rx0;
		int e;

		if (!k && conn_open(c, u, key, &k) < 0)
			return -err_errno();
		rx0 = k->rx;
		r = xzalloc(sizeof(*r));
		r->c = c;
		r->conn = k;
		e = req_send(k, u, t);
		if (e == 0)
			e = resp_read_head(r, t->method);
		if (e == 0) {
			*out = r;
			return 0;
		}
		e = err_errno();
		reused = reused && k->rx == rx0 && (e == ECONNRESET || e == EPIPE);
		resp_drop(r);
		if (!reused)
			return -e;
	}
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Read a small body (redirect, 503), so that its connection can be reused. */
static void resp_skip(struct http_resp *r)
{
	char buf[512];

	if (r->body == BODY_SIZED && r->left <= 4096)
		while (http_read(r, buf, sizeof(buf)) > 0)
			;
	http_resp_free(r);
}

/* http_once with back-off for transient failures and 502/503/504. */
static int http_attempts(struct http_client *c, const struct http_url *u,
			 const struct http_try *t, struct http_resp **out)
{
	int delay = HTTP_BACKOFF_MS;

	for (int i = 0;; i++) {
		struct http_resp *r = NULL;
		int e = http_once(c, u, t, &r);

		if (e == 0 && (i >= c->retries || r->status < 502 || r->status > 504)) {
			*out = r;
			return 0;
		}
		if (e < 0 && (i >= c->retries || !is_transient(-e)))
			return e;
		if (r)
			resp_skip(r);
		sleep_ms(delay);
		delay *= 2;
	}
}

static bool is_redirect(int st)
{
	return st == 301 || st == 302 || st == 303 || st == 307 || st == 308;
}

/* Follow r's Location: the next URL (allocated) and the method to use. */
static char *redirect_next(const struct http_resp *r, const struct http_url *u,
			   struct http_try *t)
{
	const char *loc = http_header(r, "Location");

	if ((r->status == 303 && strcmp(t->method, "HEAD")) ||
	    ((r->status == 301 || r->status == 302) && !strcmp(t->method, "POST"))) {
		t->method = "GET";
		t->body = NULL;
		t->body_len = 0;
	}
	return url_resolve(u, loc);
}

int http_do(struct http_client *c, const struct http_req *rq, struct http_resp **out)
{
	struct http_try t = { rq, rq->method, rq->body, rq->body_len, false };
	struct http_url first, u;
	autofree char *url = xstrdup(rq->url);
	struct http_resp *r;

	for (const char *const *h = rq->headers; h && *h; h++)
		if (strpbrk(*h, "\r\n") || !strchr(*h, ':'))
			return err_setx(EINVAL, "bad request header for %s", rq->url);
	if (!*rq->method || has_ctl(rq->method))
		return err_setx(EINVAL, "bad request method '%s'", rq->method);
	if (http_url_parse(rq->url, &first) < 0)
		return -EINVAL;
	for (int hop = 0;; hop++) {
		if (http_url_parse(url, &u) < 0)
			break;
		t.drop_auth |= !url_same_origin(&u, &first);
		if (http_attempts(c, &u, &t, &r) < 0)
			break;
		if (!rq->follow || !is_redirect(r->status) || !http_header(r, "Location")) {
			r->final_url = TAKE(url);
			http_url_clear(&first);
			http_url_clear(&u);
			*out = r;
			return 0;
		}
		if (hop == HTTP_REDIRECTS) {
			err_setx(ELOOP, "%s: more than %d redirects", rq->url, HTTP_REDIRECTS);
			http_resp_free(r);
			break;
		}
		free(url);
		url = redirect_next(r, &u, &t);
		resp_skip(r);
		http_url_clear(&u);
	}
	http_url_clear(&first);
	http_url_clear(&u);
	return -err_errno();
}
