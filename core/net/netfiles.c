// SPDX-License-Identifier: Apache-2.0
/* netfiles.c - /etc/hosts, /etc/hostname and /etc/resolv.conf of a
 * container, with the contents Docker gives them (libnetwork's etchosts and
 * resolvconf), written under its directory; the runtime binds them. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

#include "core/net/netfiles.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/lock.h"
#include "core/util/str.h"
#include "core/util/xalloc.h"

/* Docker's first lines of every /etc/hosts but --network host's. */
static const char netfiles_default_hosts[] =
	"127.0.0.1\tlocalhost\n"
	"::1\tlocalhost ip6-localhost ip6-loopback\n"
	"fe00::0\tip6-localnet\n"
	"ff00::0\tip6-mcastprefix\n"
	"ff02::1\tip6-allnodes\n"
	"ff02::2\tip6-allrouters\n";

/* systemd-resolved's stub, which only answers in the host's namespace. */
#define NETFILES_RESOLVED_STUB "127.0.0.53"

/* ---- text ---- */

static char *nf_take(struct sbuf *b)
{
	return b->s ? b->s : xstrdup("");
}

static bool nf_is_ip(const char *s, bool *v6)
{
	unsigned char a[16];

	*v6 = false;
	if (inet_pton(AF_INET, s, a) == 1)
		return true;
	*v6 = inet_pton(AF_INET6, s, a) == 1;
	return *v6;
}

/* 127.0.0.0/8 or ::1: the container's own loopback, not the host's. */
static bool nf_is_loopback(const char *s)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (inet_pton(AF_INET, s, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, s, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

/* Printable, non-empty, no white space: one field of a line in these files. */
static bool nf_is_word(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f || *s == '#')
			return false;
	return true;
}

/* ---- the flags ---- */

int netfiles_check_dns(const char *addr)
{
	bool v6;

	if (!nf_is_ip(addr, &v6))
		return err_setx(EINVAL, "invalid argument \"%s\" for \"--dns\" flag: %s is not an "
				"ip address (use an address such as 192.168.1.1)", addr, addr);
	return 0;
}

/* A DNS label: letters, digits and inner hyphens. */
static bool nf_label_ok(const char *s, size_t n)
{
	if (!n || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

/* Docker's rule (opts.ValidateDNSSearch): "." (no search), or labels
 * joined by dots, with a letter somewhere, under 255 bytes. */
int netfiles_check_search(const char *d)
{
	const char *p = d;
	bool alpha = false;

	if (!strcmp(d, "."))
		return 0;
	for (const char *c = d; *c; c++)
		alpha |= (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z');
	while (alpha && strlen(d) < 255) {
		size_t n = strcspn(p, ".");

		if (!nf_label_ok(p, n))
			break;
		if (!p[n])
			return 0;
		p += n + 1;
	}
	return err_setx(EINVAL, "invalid argument \"%s\" for \"--dns-search\" flag: %s is not a "
			"valid domain (use a domain such as example.com, or \".\")", d, d);
}

int netfiles_check_option(const char *opt)
{
	if (!nf_is_word(opt))
		return err_setx(EINVAL, "invalid argument \"%s\" for \"--dns-option\" flag: not a "
				"resolv.conf option (use one word, such as ndots:2)", opt);
	return 0;
}

int netfiles_host_split(const char *spec, char **name, char **addr)
{
	const char *sep = strchr(spec, '=');
	const char *a;
	size_t n;

	/* NAME=IP first (Docker 25), else NAME:IP; an IPv6 address may come
	 * in brackets. */
	if (!sep)
		sep = strchr(spec, ':');
	if (!sep || sep == spec || memchr(spec, ':', (size_t)(sep - spec)))
		return err_setx(EINVAL, "invalid argument \"%s\" for \"--add-host\" flag: bad format "
				"for add-host: \"%s\" (use NAME:IP)", spec, spec);
	a = sep + 1;
	n = strlen(a);
	if (n > 2 && a[0] == '[' && a[n - 1] == ']') {
		a++;
		n -= 2;
	}
	*name = xstrndup(spec, (size_t)(sep - spec));
	*addr = xstrndup(a, n);
	return 0;
}

int netfiles_check_host(const char *spec)
{
	autofree char *name = NULL, *addr = NULL;
	bool v6;

	if (netfiles_host_split(spec, &name, &addr) < 0)
		return -err_errno();
	if (!nf_is_word(name))
		return err_setx(EINVAL, "invalid argument \"%s\" for \"--add-host\" flag: bad format "
				"for add-host: \"%s\" (use NAME:IP)", spec, spec);
	if (strcmp(addr, "host-gateway") && !nf_is_ip(addr, &v6))
		return err_setx(EINVAL, "invalid argument \"%s\" for \"--add-host\" flag: invalid IP "
				"address in add-host: \"%s\" (use NAME:IP or NAME:host-gateway)",
				spec, addr);
	return 0;
}

/* ---- /etc/hosts ---- */

static size_t nf_len(const char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

/* The --add-host lines, "host-gateway" resolved. */
static void nf_hosts_extra(const struct netfiles *f, struct sbuf *b)
{
	const char *gw = f->gateway ? f->gateway : f->mode == NETFILES_HOST ? "127.0.0.1" : NULL;

	for (size_t i = 0; i < nf_len(f->extra); i++) {
		autofree char *name = NULL, *addr = NULL;

		if (netfiles_host_split(f->extra[i], &name, &addr) < 0) {
			err_clear();	/* checked at create: a damaged record's line is left out */
			continue;
		}
		if (!strcmp(addr, "host-gateway") && !gw)
			continue;
		sbuf_addf(b, "%s\t%s\n", strcmp(addr, "host-gateway") ? addr : gw, name);
	}
}

/* Its own names: the host name, its first label when it has dots (as
 * Docker), the aliases. */
static void nf_hosts_self(const struct netfiles *f, struct sbuf *b)
{
	const char *h = f->hostname;
	size_t dot = strcspn(h, ".");
	struct sbuf names = { 0 };
	static const char *const lo[] = { "127.0.0.1", NULL };
	const char *const *addrs = nf_len(f->addrs) ? f->addrs : lo;

	sbuf_addf(&names, "%s", h);
	if (h[dot] && dot)
		sbuf_addf(&names, " %.*s", (int)dot, h);
	for (size_t i = 0; i < nf_len(f->aliases); i++)
		sbuf_addf(&names, " %s", f->aliases[i]);
	for (size_t i = 0; i < nf_len(addrs); i++)
		sbuf_addf(b, "%s\t%s\n", addrs[i], names.s);
	free(names.s);
}

char *netfiles_hosts(const struct netfiles *f, const struct netfiles_host *h)
{
	struct sbuf b = { 0 };

	if (f->mode == NETFILES_HOST) {
		const char *t = h->hosts ? h->hosts : netfiles_default_hosts;
		size_t n = strlen(t);

		sbuf_addf(&b, "%s%s", t, n && t[n - 1] != '\n' ? "\n" : "");
		nf_hosts_extra(f, &b);
		return nf_take(&b);
	}
	sbuf_addf(&b, "%s", netfiles_default_hosts);
	nf_hosts_extra(f, &b);
	for (size_t i = 0; i < nf_len(f->peers); i++) {
		const char *p = f->peers[i];
		size_t n = strcspn(p, " \t");

		sbuf_addf(&b, "%.*s\t%s\n", (int)n, p, p + n + strspn(p + n, " \t"));
	}
	if (f->hostname && *f->hostname)
		nf_hosts_self(f, &b);
	return nf_take(&b);
}

char *netfiles_hostname(const struct netfiles *f)
{
	return xasprintf("%s\n", f->hostname ? f->hostname : "");
}

/* ---- /etc/resolv.conf ---- */

/* What a resolv.conf says (as libnetwork's resolvconf reads it: '#' starts
 * a comment; the last search and options lines count). */
struct nf_resolv {
	struct strv servers, search, opts;
};

/* The words of line (a copy) without its comment. */
static void nf_words(const char *line, size_t n, struct strv *w)
{
	autofree char *l = xstrndup(line, n);
	char *save = NULL;

	l[strcspn(l, "#")] = '\0';
	for (char *t = strtok_r(l, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save))
		strv_push(w, t);
}

/* Is this line "nameserver ADDR" (an IPv6 one may have a %zone)? *addr
 * then points into w. */
static bool nf_server_line(const struct strv *w, const char **addr)
{
	autofree char *a = NULL;
	bool v6;

	if (w->n != 2 || strcmp(w->v[0], "nameserver"))
		return false;
	a = xstrndup(w->v[1], strcspn(w->v[1], "%"));
	if (!nf_is_ip(a, &v6) || (!v6 && strchr(w->v[1], '%')))
		return false;
	*addr = w->v[1];
	return true;
}

static void nf_resolv_parse(const char *text, struct nf_resolv *r)
{
	for (const char *l = text; l && *l;) {
		size_t n = strcspn(l, "\n");
		struct strv w = { 0 }, *to = NULL;
		const char *addr;

		nf_words(l, n, &w);
		if (nf_server_line(&w, &addr))
			strv_push(&r->servers, addr);
		else if (w.n && !strcmp(w.v[0], "search"))
			to = &r->search;
		else if (w.n && !strcmp(w.v[0], "options"))
			to = &r->opts;
		if (to) {
			strv_free(to);
			for (size_t i = 1; i < w.n; i++)
				strv_push(to, w.v[i]);
		}
		strv_free(&w);
		l += n + (l[n] == '\n');
	}
}

static void nf_resolv_clear(struct nf_resolv *r)
{
	strv_free(&r->servers);
	strv_free(&r->search);
	strv_free(&r->opts);
}

/* A server the container can reach: not the host's loopback, IPv4 or,
 * with an IPv6 route, IPv6 but link-local (fe80::/10, which is another
 * link's); --network host reaches any. */
static bool nf_server_ok(const struct netfiles *f, const char *addr)
{
	struct in6_addr a6;

	if (f->mode == NETFILES_HOST)
		return true;
	if (!strchr(addr, ':'))
		return !nf_is_loopback(addr);
	return f->ipv6 && inet_pton(AF_INET6, addr, &a6) == 1 && !IN6_IS_ADDR_LOOPBACK(&a6) &&
	       !IN6_IS_ADDR_LINKLOCAL(&a6);
}

/* The host's file to start from: with systemd-resolved's stub as its one
 * server, the upstream file the stub reads (libnetwork resolvconf.Path). */
static const char *nf_resolv_base(const struct netfiles *f, const struct netfiles_host *h)
{
	struct nf_resolv r = { 0 };
	bool stub;

	if (f->mode == NETFILES_HOST || !h->resolv || !h->resolved)
		return h->resolv;
	nf_resolv_parse(h->resolv, &r);
	stub = r.servers.n == 1 && !strcmp(r.servers.v[0], NETFILES_RESOLVED_STUB);
	nf_resolv_clear(&r);
	return stub ? h->resolved : h->resolv;
}

/* The host's text without the servers the container cannot reach. */
static void nf_resolv_filter(const struct netfiles *f, const char *text, struct sbuf *b)
{
	for (const char *l = text; l && *l;) {
		size_t n = strcspn(l, "\n");
		struct strv w = { 0 };
		const char *addr;

		nf_words(l, n, &w);
		if (!nf_server_line(&w, &addr) || nf_server_ok(f, addr))
			sbuf_addf(b, "%.*s\n", (int)n, l);
		strv_free(&w);
		l += n + (l[n] == '\n');
	}
}

static void nf_join(struct sbuf *b, const char *key, const char *const *v, size_t n)
{
	if (!n)
		return;
	sbuf_addf(b, "%s", key);
	for (size_t i = 0; i < n; i++)
		sbuf_addf(b, " %s", v[i]);
	sbuf_addf(b, "\n");
}

/* --dns, --dns-search or --dns-option given: Docker's layout (search,
 * nameservers, options), each part from the flag or else from the host. */
static void nf_resolv_build(const struct netfiles *f, const struct nf_resolv *host,
			    struct sbuf *b)
{
	const char *const *search = nf_len(f->search) ? f->search :
				    (const char *const *)host->search.v;
	size_t nsearch = nf_len(f->search) ? nf_len(f->search) : host->search.n;
	size_t nservers = 0;

	if (!(nsearch == 1 && !strcmp(search[0], ".")))
		nf_join(b, "search", search, nsearch);
	if (nf_len(f->dns)) {
		for (size_t i = 0; i < nf_len(f->dns); i++)
			sbuf_addf(b, "nameserver %s\n", f->dns[i]);
		nservers = nf_len(f->dns);
	}
	for (size_t i = 0; !nf_len(f->dns) && i < host->servers.n; i++)
		if (nf_server_ok(f, host->servers.v[i])) {
			sbuf_addf(b, "nameserver %s\n", host->servers.v[i]);
			nservers++;
		}
	if (!nservers && f->gateway)
		sbuf_addf(b, "nameserver %s\n", f->gateway);
	if (nf_len(f->opts))
		nf_join(b, "options", f->opts, nf_len(f->opts));
	else
		nf_join(b, "options", (const char *const *)host->opts.v, host->opts.n);
}

char *netfiles_resolv(const struct netfiles *f, const struct netfiles_host *h)
{
	const char *base = nf_resolv_base(f, h);
	struct nf_resolv r = { 0 };
	struct sbuf b = { 0 };
	size_t ok = 0;

	nf_resolv_parse(base, &r);
	if (nf_len(f->dns) || nf_len(f->search) || nf_len(f->opts)) {
		nf_resolv_build(f, &r, &b);
	} else if (f->mode == NETFILES_HOST) {
		sbuf_addf(&b, "%s", base ? base : "");
	} else {
		nf_resolv_filter(f, base, &b);
		for (size_t i = 0; i < r.servers.n; i++)
			ok += nf_server_ok(f, r.servers.v[i]);
		if (!ok && f->gateway)
			sbuf_addf(&b, "nameserver %s\n", f->gateway);
	}
	nf_resolv_clear(&r);
	return nf_take(&b);
}

/* ---- the files ---- */

/* Replace the content of dir/name with text, in place: the inode stays,
 * as a bind mount of it needs. */
static int nf_put(const char *dir, const char *name, const char *text, const struct netfiles *f)
{
	autofree char *p = xasprintf("%s/%s", dir, name);
	autoclose int fd = openat(AT_FDCWD, p, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	size_t n = strlen(text);

	if (fd < 0)
		return err_set(errno, "open %s", p);
	if (fsutil_write_full(fd, text, n) < 0 || ftruncate(fd, (off_t)n) < 0)
		return err_set(errno, "write %s", p);
	if (fchown(fd, f->uid, f->gid) < 0 || fchmod(fd, 0644) < 0)
		return err_set(errno, "set the owner of %s", p);
	return 0;
}

/* A file of the host's, or NULL when it has none. */
static char *nf_read_host(const char *path)
{
	char *t = NULL;

	if (fsutil_read_file(path, &t) < 0)
		err_clear();
	return t;
}

int netfiles_hosts_update(const char *dir, const struct netfiles *f)
{
	autofree char *hosts = f->mode == NETFILES_HOST ? nf_read_host("/etc/hosts") : NULL;
	autofree char *lockp = xasprintf("%s/hosts.lock", dir);
	const struct netfiles_host h = { .hosts = hosts };
	autofree char *text = netfiles_hosts(f, &h);
	int lk = lock_open(lockp, LOCK_EXCL), r;

	if (lk < 0)
		return err_ctx("lock %s", lockp);
	r = nf_put(dir, "hosts", text, f);
	lock_close(lk);
	return r;
}

int netfiles_write(const char *dir, const struct netfiles *f)
{
	autofree char *etc = nf_read_host("/etc/resolv.conf");
	autofree char *up = nf_read_host("/run/systemd/resolve/resolv.conf");
	const struct netfiles_host h = { .resolv = etc, .resolved = up };
	autofree char *resolv = netfiles_resolv(f, &h), *name = netfiles_hostname(f);

	if (netfiles_hosts_update(dir, f) < 0 || nf_put(dir, "hostname", name, f) < 0 ||
	    nf_put(dir, "resolv.conf", resolv, f) < 0)
		return err_ctx("the container's network files");
	return 0;
}
