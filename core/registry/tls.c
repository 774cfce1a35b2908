// SPDX-License-Identifier: Apache-2.0
/* tls.c - the only door to BearSSL: PEM trust anchors, the client handshake
 * and certificate checks, I/O with time-outs. Sockets and HTTP are http.c's. */
#include "core/registry/tls.h"

#if !defined(CFG_CORE_TLS) || CFG_CORE_TLS
#include <arpa/inet.h>
#include <bearssl.h>
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/xalloc.h"

enum {
	TLS_TIMEOUT_MS = 30000,
	TLS_CERT_MAX = 64 * 1024,	/* one certificate of a chain */
	TLS_BC_DAY0 = 719528,		/* BearSSL counts days from 0000-01-01 */
	TLS_ERR_CERT = EKEYREJECTED,	/* certificate rejected: not transient */
};

#define TLS_CERTS_DIR "/etc/dory/certs.d"

static const char *const tls_bundles[] = {
	"/etc/ssl/certs/ca-certificates.crt",	/* Debian, Alpine, OpenWrt */
	"/etc/pki/tls/certs/ca-bundle.crt",	/* Fedora, RHEL */
	"/etc/ssl/cert.pem",			/* Alpine, BSDs */
};

/* Trust anchors of one PEM file, keys and names copied out of the DER. */
struct tls_anchors {
	br_x509_trust_anchor *ta;
	size_t n;
	char *path;
	struct tls_anchors *next;	/* the bundle cache: each file once */
};

struct tls {
	br_ssl_client_context cc;
	br_x509_minimal_context xc;	/* the real chain checker */
	const br_x509_class *x509;	/* our wrapper around xc (tls_x509_class) */
	br_sslio_context io;
	int fd, timeout_ms, ioerr;
	bool eof, open;
	char *host;
	int port;
	unsigned char ip[16];		/* host as an address, for iPAddress names */
	size_t iplen;
	long long when;			/* check time */
	bool by_build;			/* DORY_TLS_CLOCK=build: notBefore not checked */
	unsigned char *cert;		/* the certificate being received */
	size_t cert_len, cert_cap;
	unsigned cert_idx, chain_err;
	bool ip_ok;
	int bad_idx;			/* first certificate the checker refused */
	long long bad_nb, bad_na;	/* and its validity */
	char names[96];			/* the server certificate's names */
	br_x509_trust_anchor *ta;	/* bundle + per-host anchors */
	size_t nta;
	struct tls_anchors host_ca;
	unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
};

static struct tls_anchors *tls_cache;
static long long tls_fake_now, tls_fake_build;

void tls_set_now_for_test(long long now)
{
	tls_fake_now = now;
}

void tls_set_build_for_test(long long when)
{
	tls_fake_build = when;
}

static long long tls_now(void)
{
	return tls_fake_now ? tls_fake_now : (long long)time(NULL);
}

/* "2026-01-31" for messages. */
static const char *tls_day(long long t, char buf[static 16])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, 16, "%Y-%m-%d", &tm))
		snprintf(buf, 16, "@%lld", t);
	return buf;
}

/* ---- trust anchors from PEM ---- */

struct pem_cert {
	br_x509_decoder_context dec;
	unsigned char *dn;
	size_t dnlen, dncap;
	bool on;
};

static void *tls_memdup(const void *p, size_t n)
{
	void *q = xmalloc(n ? n : 1);

	memcpy(q, p, n);
	return q;
}

static void pem_dn_append(void *ctx, const void *p, size_t n)
{
	struct pem_cert *pc = ctx;

	if (pc->dnlen + n > pc->dncap) {
		pc->dncap = (pc->dnlen + n) * 2;
		pc->dn = xrealloc(pc->dn, pc->dncap);
	}
	memcpy(pc->dn + pc->dnlen, p, n);
	pc->dnlen += n;
}

static void pem_der_push(void *ctx, const void *p, size_t n)
{
	struct pem_cert *pc = ctx;

	if (pc->on)
		br_x509_decoder_push(&pc->dec, p, n);
}

/* Append the decoded certificate as an anchor; false if unusable. */
static bool anchors_add(struct tls_anchors *a, struct pem_cert *pc)
{
	const br_x509_pkey *pk = br_x509_decoder_get_pkey(&pc->dec);
	br_x509_trust_anchor *ta;

	if (!pk || (pk->key_type != BR_KEYTYPE_RSA && pk->key_type != BR_KEYTYPE_EC))
		return false;
	a->ta = xrealloc(a->ta, (a->n + 1) * sizeof(*a->ta));
	ta = &a->ta[a->n++];
	memset(ta, 0, sizeof(*ta));
	ta->dn.data = tls_memdup(pc->dn, pc->dnlen);
	ta->dn.len = pc->dnlen;
	/* A non-CA certificate is trusted directly (a self-signed server). */
	ta->flags = br_x509_decoder_isCA(&pc->dec) ? BR_X509_TA_CA : 0;
	ta->pkey.key_type = pk->key_type;
	if (pk->key_type == BR_KEYTYPE_RSA) {
		ta->pkey.key.rsa.n = tls_memdup(pk->key.rsa.n, pk->key.rsa.nlen);
		ta->pkey.key.rsa.nlen = pk->key.rsa.nlen;
		ta->pkey.key.rsa.e = tls_memdup(pk->key.rsa.e, pk->key.rsa.elen);
		ta->pkey.key.rsa.elen = pk->key.rsa.elen;
	} else {
		ta->pkey.key.ec.curve = pk->key.ec.curve;
		ta->pkey.key.ec.q = tls_memdup(pk->key.ec.q, pk->key.ec.qlen);
		ta->pkey.key.ec.qlen = pk->key.ec.qlen;
	}
	return true;
}

static void anchors_clear(struct tls_anchors *a)
{
	for (size_t i = 0; i < a->n; i++) {
		br_x509_trust_anchor *ta = &a->ta[i];

		free(ta->dn.data);
		if (ta->pkey.key_type == BR_KEYTYPE_RSA) {
			free(ta->pkey.key.rsa.n);
			free(ta->pkey.key.rsa.e);
		} else {
			free(ta->pkey.key.ec.q);
		}
	}
	free(a->ta);
	free(a->path);
	memset(a, 0, sizeof(*a));
}

static bool pem_is_cert(const char *name)
{
	return !strcmp(name, "CERTIFICATE") || !strcmp(name, "X509 CERTIFICATE");
}

/* Feed PEM text to the decoder; certificates become anchors. */
static int anchors_parse(struct tls_anchors *a, const char *path, const char *p, size_t n)
{
	br_pem_decoder_context pem;
	struct pem_cert pc = { 0 };
	int r = 0;

	br_pem_decoder_init(&pem);
	br_pem_decoder_setdest(&pem, pem_der_push, &pc);
	while (n > 0) {
		size_t k = br_pem_decoder_push(&pem, p, n);
		int ev = br_pem_decoder_event(&pem);

		p += k;
		n -= k;
		if (ev == BR_PEM_BEGIN_OBJ) {
			pc.on = pem_is_cert(br_pem_decoder_name(&pem));
			pc.dnlen = 0;
			br_x509_decoder_init(&pc.dec, pem_dn_append, &pc);
		} else if (ev == BR_PEM_END_OBJ && pc.on) {
			anchors_add(a, &pc);
			pc.on = false;
		} else if (ev == BR_PEM_ERROR) {
			r = err_setx(EBADMSG, "%s: malformed PEM", path);
			break;
		} else if (!k && !ev) {
			break;
		}
	}
	free(pc.dn);
	return r;
}

/* Load the certificates of a PEM file; none at all is an error. */
static int anchors_load(struct tls_anchors *a, const char *path)
{
	autofree char *text = NULL;
	size_t n;
	int r;

	r = fsutil_read_file(path, &text);
	if (r < 0)
		return err_ctx("CA certificates");
	/* BearSSL's PEM decoder ends an object only at a newline. */
	n = strlen(text);
	text = xrealloc(text, n + 2);
	text[n++] = '\n';
	text[n] = '\0';
	r = anchors_parse(a, path, text, n);
	if (r < 0)
		return r;
	if (!a->n)
		return err_setx(EBADMSG, "%s: no usable PEM certificate in it", path);
	a->path = xstrdup(path);
	return 0;
}

/* The CA bundle, loaded once per process and kept: NULL with an error,
 * or an empty set when no system bundle exists. */
static const struct tls_anchors *tls_bundle(const char *path)
{
	static struct tls_anchors none;
	struct tls_anchors *a;

	if (!path) {
		for (size_t i = 0; i < ARRAY_SIZE(tls_bundles) && !path; i++)
			if (access(tls_bundles[i], F_OK) == 0)
				path = tls_bundles[i];
		if (!path)
			return &none;
	}
	for (a = tls_cache; a; a = a->next)
		if (!strcmp(a->path, path))
			return a;
	a = xzalloc(sizeof(*a));
	if (anchors_load(a, path) < 0) {
		anchors_clear(a);
		free(a);
		return NULL;
	}
	a->next = tls_cache;
	tls_cache = a;
	return a;
}

/* "host:port", or "host" for 443, the way certs.d names directories. */
static char *tls_hostport(const struct tls *t)
{
	bool v6 = strchr(t->host, ':') != NULL;

	if (t->port == 443)
		return xstrdup(t->host);
	return xasprintf(v6 ? "[%s]:%d" : "%s:%d", t->host, t->port);
}

/* Per-host CA: DIR/HOST:PORT/ca.crt, else DIR/HOST/ca.crt. */
static int tls_host_ca(struct tls *t, const char *dir)
{
	autofree char *hp = tls_hostport(t);
	autofree char *p1 = xasprintf("%s/%s/ca.crt", dir, hp);
	autofree char *p2 = xasprintf("%s/%s/ca.crt", dir, t->host);

	if (access(p1, F_OK) == 0)
		return anchors_load(&t->host_ca, p1);
	if (access(p2, F_OK) == 0)
		return anchors_load(&t->host_ca, p2);
	return 0;
}

static int tls_anchors_pick(struct tls *t, const struct tls_conf *conf)
{
	const char *dir = conf->certs_dir ? conf->certs_dir : TLS_CERTS_DIR;
	const struct tls_anchors *b = tls_bundle(conf->ca_bundle);
	autofree char *hp = NULL;

	if (!b || tls_host_ca(t, dir) < 0)
		return -err_errno();
	t->nta = b->n + t->host_ca.n;
	if (!t->nta) {
		hp = tls_hostport(t);
		return err_setx(ENOENT, "no CA certificates to check %s with: no system bundle "
				"(install ca-certificates, or put its CA in %s/%s/ca.crt)",
				t->host, dir, hp);
	}
	t->ta = xmalloc(t->nta * sizeof(*t->ta));
	if (b->n)
		memcpy(t->ta, b->ta, b->n * sizeof(*t->ta));
	if (t->host_ca.n)
		memcpy(t->ta + b->n, t->host_ca.ta, t->host_ca.n * sizeof(*t->ta));
	return 0;
}

/* ---- a look into certificates (DER), for what BearSSL does not check ---- */

struct der {
	const unsigned char *p;
	size_t n;
};

/* Take the next element of d: its tag and contents. */
static bool der_take(struct der *d, unsigned *tag, struct der *val)
{
	size_t len, i = 2, k;

	if (d->n < 2)
		return false;
	*tag = d->p[0];
	len = d->p[1];
	if (len & 0x80) {
		k = len & 0x7f;
		if (k == 0 || k > 3 || d->n < 2 + k)
			return false;
		for (len = 0; k--;)
			len = len << 8 | d->p[i++];
	}
	if (len > d->n - i)
		return false;
	val->p = d->p + i;
	val->n = len;
	d->p += i + len;
	d->n -= i + len;
	return true;
}

/* n decimal digits at p. */
static int der_digits(const unsigned char *p, size_t n)
{
	int v = 0;

	while (n--)
		v = v * 10 + (*p++ - '0');
	return v;
}

/* UTCTime (0x17) or GeneralizedTime (0x18), "Z" form, to seconds since 1970. */
static bool der_time(unsigned tag, const struct der *v, long long *out)
{
	size_t yl = tag == 0x17 ? 2 : 4;
	const unsigned char *p = v->p;
	struct tm tm = { 0 };

	if ((tag != 0x17 && tag != 0x18) || v->n != yl + 11 || p[v->n - 1] != 'Z')
		return false;
	for (size_t i = 0; i < v->n - 1; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	tm.tm_year = der_digits(p, yl);
	if (yl == 2)
		tm.tm_year += tm.tm_year < 50 ? 2000 : 1900;	/* RFC 5280, 4.1.2.5.1 */
	tm.tm_year -= 1900;
	p += yl;
	tm.tm_mon = der_digits(p, 2) - 1;
	tm.tm_mday = der_digits(p + 2, 2);
	tm.tm_hour = der_digits(p + 4, 2);
	tm.tm_min = der_digits(p + 6, 2);
	tm.tm_sec = der_digits(p + 8, 2);
	*out = (long long)timegm(&tm);
	return true;
}

struct cert_info {
	long long nb, na;	/* validity */
	bool dated;
	struct der san;		/* GeneralNames, or empty */
};

/* Find the subjectAltName extension among the tbsCertificate's rest. */
static void cert_find_san(struct der rest, struct cert_info *ci)
{
	static const unsigned char oid_san[] = { 0x55, 0x1d, 0x11 };
	struct der v, exts, ext, oid, val;
	unsigned tag;

	while (der_take(&rest, &tag, &v)) {
		if (tag != 0xa3 || !der_take(&v, &tag, &exts) || tag != 0x30)
			continue;
		while (der_take(&exts, &tag, &ext)) {
			if (!der_take(&ext, &tag, &oid) || tag != 0x06)
				return;
			if (oid.n != sizeof(oid_san) || memcmp(oid.p, oid_san, oid.n))
				continue;
			while (der_take(&ext, &tag, &val) && tag != 0x04)
				;	/* skip "critical" */
			if (tag == 0x04 && der_take(&val, &tag, &ci->san) && tag == 0x30)
				return;
			ci->san.n = 0;
			return;
		}
	}
}

static bool cert_parse(const unsigned char *p, size_t n, struct cert_info *ci)
{
	struct der d = { p, n }, cert, tbs, v, t1, t2;
	unsigned tag, tag1, tag2;

	memset(ci, 0, sizeof(*ci));
	if (!der_take(&d, &tag, &cert) || tag != 0x30 || !der_take(&cert, &tag, &tbs) || tag != 0x30)
		return false;
	if (!der_take(&tbs, &tag, &v))
		return false;
	if (tag == 0xa0 && !der_take(&tbs, &tag, &v))	/* version, then serial */
		return false;
	if (!der_take(&tbs, &tag, &v) || !der_take(&tbs, &tag, &v))	/* signature, issuer */
		return false;
	if (!der_take(&tbs, &tag, &v) || tag != 0x30)
		return false;
	if (der_take(&v, &tag1, &t1) && der_take(&v, &tag2, &t2))
		ci->dated = der_time(tag1, &t1, &ci->nb) && der_time(tag2, &t2, &ci->na);
	if (!der_take(&tbs, &tag, &v) || !der_take(&tbs, &tag, &v))	/* subject, key */
		return false;
	cert_find_san(tbs, ci);
	return true;
}

/* Walk the server certificate's names: match the IP, list names for messages. */
static void cert_names(struct tls *t, struct der san)
{
	struct der v;
	unsigned tag;
	size_t len = 0;

	t->names[0] = '\0';
	while (der_take(&san, &tag, &v)) {
		char one[INET6_ADDRSTRLEN] = "";

		if (tag == 0x82 && v.n < sizeof(one)) {
			memcpy(one, v.p, v.n);
			one[v.n] = '\0';
		} else if (tag == 0x87 && (v.n == 4 || v.n == 16)) {
			t->ip_ok |= v.n == t->iplen && !memcmp(v.p, t->ip, v.n);
			inet_ntop(v.n == 4 ? AF_INET : AF_INET6, v.p, one, sizeof(one));
		}
		if (one[0] && len + strlen(one) + 3 < sizeof(t->names))
			len += (size_t)snprintf(t->names + len, sizeof(t->names) - len, "%s%s",
						len ? ", " : "", one);
	}
}

/* ---- the X.509 wrapper: BearSSL's minimal checker, plus iPAddress names,
 * per-certificate check times (DORY_TLS_CLOCK=build) and diagnostics ---- */

static struct tls *tls_of(const br_x509_class **ctx)
{
	return (struct tls *)(void *)((char *)ctx - offsetof(struct tls, x509));
}

static void tx_start_chain(const br_x509_class **ctx, const char *server_name)
{
	struct tls *t = tls_of(ctx);

	t->cert_idx = 0;
	t->chain_err = 0;
	t->bad_idx = -1;
	t->ip_ok = false;
	t->xc.vtable->start_chain(&t->xc.vtable, t->iplen ? NULL : server_name);
}

static void tx_start_cert(const br_x509_class **ctx, uint32_t length)
{
	struct tls *t = tls_of(ctx);

	t->cert_len = 0;
	if (length > TLS_CERT_MAX) {
		t->chain_err = BR_ERR_X509_LIMIT_EXCEEDED;
		return;
	}
	if (length > t->cert_cap) {
		t->cert = xrealloc(t->cert, length);
		t->cert_cap = length;
	}
}

static void tx_append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
	struct tls *t = tls_of(ctx);

	if (t->chain_err || len > t->cert_cap - t->cert_len)
		return;
	memcpy(t->cert + t->cert_len, buf, len);
	t->cert_len += len;
}

/* The whole certificate is here: pick its check time, then let BearSSL
 * check it, and remember which one it refused. */
static void tx_end_cert(const br_x509_class **ctx)
{
	struct tls *t = tls_of(ctx);
	const br_x509_class *x = t->xc.vtable;
	struct cert_info ci;
	long long when = t->when;
	bool ok = t->xc.err == 0 || t->xc.err == BR_ERR_X509_OK;

	if (t->chain_err)
		return;
	cert_parse(t->cert, t->cert_len, &ci);
	if (t->cert_idx == 0)
		cert_names(t, ci.san);
	if (t->by_build && ci.dated && ci.nb > when)
		when = ci.nb;
	br_x509_minimal_set_time(&t->xc, (uint32_t)(when / 86400 + TLS_BC_DAY0),
				 (uint32_t)(when % 86400));
	x->start_cert(&t->xc.vtable, (uint32_t)t->cert_len);
	if (t->cert_len)
		x->append(&t->xc.vtable, t->cert, t->cert_len);
	x->end_cert(&t->xc.vtable);
	if (ok && t->xc.err != 0 && t->xc.err != BR_ERR_X509_OK && t->bad_idx < 0) {
		t->bad_idx = (int)t->cert_idx;
		t->bad_nb = ci.dated ? ci.nb : 0;
		t->bad_na = ci.dated ? ci.na : 0;
	}
	t->cert_idx++;
}

static unsigned tx_end_chain(const br_x509_class **ctx)
{
	struct tls *t = tls_of(ctx);
	unsigned r = t->xc.vtable->end_chain(&t->xc.vtable);

	if (t->chain_err)
		return t->chain_err;
	if (r == 0 && t->iplen && !t->ip_ok)
		return BR_ERR_X509_BAD_SERVER_NAME;
	return r;
}

static const br_x509_pkey *tx_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
	struct tls *t = tls_of((const br_x509_class **)ctx);

	return t->xc.vtable->get_pkey(&t->xc.vtable, usages);
}

static const br_x509_class tls_x509_class = {
	.context_size = sizeof(struct tls),
	.start_chain = tx_start_chain,
	.start_cert = tx_start_cert,
	.append = tx_append,
	.end_cert = tx_end_cert,
	.end_chain = tx_end_chain,
	.get_pkey = tx_get_pkey,
};

/* ---- socket I/O for the engine ---- */


static int tls_low_read(void *ctx, unsigned char *buf, size_t n)
{
	struct tls *t = ctx;

	for (;;) {
		ssize_t r = recv(t->fd, buf, n, MSG_DONTWAIT);
		int w;

		if (r > 0)
			return (int)r;
		if (r == 0) {
			t->eof = true;
			return -1;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			break;
		w = fsutil_poll(t->fd, POLLIN, t->timeout_ms);
		if (w < 0) {
			t->ioerr = -w;
			return -1;
		}
	}
	t->ioerr = errno;
	return -1;
}

static int tls_low_write(void *ctx, const unsigned char *buf, size_t n)
{
	struct tls *t = ctx;

	for (;;) {
		ssize_t r = send(t->fd, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL);
		int w;

		if (r >= 0)
			return (int)r;
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			break;
		w = fsutil_poll(t->fd, POLLOUT, t->timeout_ms);
		if (w < 0) {
			t->ioerr = -w;
			return -1;
		}
	}
	t->ioerr = errno;
	return -1;
}

/* ---- errors in words ---- */

static const char *tls_alert_name(int a)
{
	switch (a) {
	case 40: return "handshake failure";
	case 42: return "bad certificate";
	case 46: return "certificate unknown";
	case 48: return "unknown CA";
	case 70: return "protocol version: TLS 1.3 only? dory speaks up to 1.2";
	case 71: return "insufficient security";
	case 80: return "internal error";
	case 112: return "unrecognized name";
	default: return "alert";
	}
}

static int tls_fail_expired(struct tls *t)
{
	char d1[16], d2[16];
	const char *what = t->bad_idx > 0 ? "a CA certificate in the chain of" : "certificate of";
	const char *clock = t->by_build ? "the build date is" : "the clock says";

	if (!t->bad_na)
		return err_setx(TLS_ERR_CERT, "%s %s has expired or is not valid yet", what,
				t->host);
	if (t->when > t->bad_na)
		return err_setx(TLS_ERR_CERT, "%s %s expired on %s (%s %s)", what, t->host,
				tls_day(t->bad_na, d1), clock, tls_day(t->when, d2));
	return err_setx(TLS_ERR_CERT, "%s %s is not valid before %s (%s %s)", what, t->host,
			tls_day(t->bad_nb, d1), clock, tls_day(t->when, d2));
}

static int tls_fail_cert(struct tls *t, int e, const char *certs_dir)
{
	autofree char *hp = NULL;
	const char *why;

	if (!certs_dir)
		certs_dir = TLS_CERTS_DIR;
	switch (e) {
	case BR_ERR_X509_NOT_TRUSTED:
		hp = tls_hostport(t);
		return err_setx(TLS_ERR_CERT, "certificate of %s is not signed by a known CA "
				"(put its CA in %s/%s/ca.crt)", t->host, certs_dir, hp);
	case BR_ERR_X509_BAD_SERVER_NAME:
		if (t->names[0])
			return err_setx(TLS_ERR_CERT, "certificate of %s does not match the name "
					"(it is for %s)", t->host, t->names);
		return err_setx(TLS_ERR_CERT, "certificate of %s does not match the name",
				t->host);
	case BR_ERR_X509_EXPIRED:
		return tls_fail_expired(t);
	case BR_ERR_X509_NOT_CA: why = "an issuer is not a CA"; break;
	case BR_ERR_X509_BAD_SIGNATURE: why = "bad signature"; break;
	case BR_ERR_X509_WEAK_PUBLIC_KEY: why = "key too weak"; break;
	case BR_ERR_X509_CRITICAL_EXTENSION: why = "unknown critical extension"; break;
	case BR_ERR_X509_FORBIDDEN_KEY_USAGE: why = "key usage forbids TLS"; break;
	case BR_ERR_X509_UNSUPPORTED: why = "unsupported algorithm"; break;
	case BR_ERR_X509_LIMIT_EXCEEDED: why = "chain too large"; break;
	case BR_ERR_X509_EMPTY_CHAIN: why = "no certificate sent"; break;
	default: why = "malformed"; break;
	}
	return err_setx(TLS_ERR_CERT, "certificate of %s is rejected: %s (BearSSL error %d)",
			t->host, why, e);
}

/* Record why the engine stopped; what names the step ("handshake with"). */
static int tls_fail(struct tls *t, const char *what, const char *certs_dir)
{
	int e = br_ssl_engine_last_error(&t->cc.eng);

	if (e >= BR_ERR_X509_OK && e < BR_ERR_RECV_FATAL_ALERT)
		return tls_fail_cert(t, e, certs_dir);
	if (e == BR_ERR_IO && t->ioerr == ETIMEDOUT)
		return err_setx(ETIMEDOUT, "TLS %s %s:%d: no answer in %d ms", what, t->host,
				t->port, t->timeout_ms);
	if (e == BR_ERR_IO && t->eof)
		return err_setx(ECONNRESET, "TLS %s %s:%d: connection closed%s", what, t->host,
				t->port, t->open ? " without close_notify" : " (is it HTTPS?)");
	if (e == BR_ERR_IO)
		return err_set(t->ioerr ? t->ioerr : EIO, "TLS %s %s:%d", what, t->host, t->port);
	if (e >= BR_ERR_RECV_FATAL_ALERT && e < BR_ERR_SEND_FATAL_ALERT)
		return err_setx(EPROTO, "TLS %s %s:%d: refused by the server (%s, alert %d)",
				what, t->host, t->port, tls_alert_name(e - BR_ERR_RECV_FATAL_ALERT),
				e - BR_ERR_RECV_FATAL_ALERT);
	if (!t->open && (e == BR_ERR_UNSUPPORTED_VERSION || e == BR_ERR_UNKNOWN_TYPE ||
			 e == BR_ERR_BAD_LENGTH))
		return err_setx(EPROTO, "TLS %s %s:%d: the answer is not TLS "
				"(plain HTTP? list it in insecure-registries)", what, t->host, t->port);
	if (e == BR_ERR_NO_RANDOM)
		return err_setx(EIO, "TLS %s %s:%d: no randomness from the system", what, t->host,
				t->port);
	return err_setx(EPROTO, "TLS %s %s:%d: protocol error %d", what, t->host, t->port, e);
}

/* ---- the connection ---- */

/* The time to check certificates at, and whether it is the build date's
 * (DORY_TLS_CLOCK=build); refuses a clock before the build. */
static int tls_clock(long long *when, bool *by_build)
{
	const char *mode = getenv("DORY_TLS_CLOCK");
	long long now = tls_now(), built = tls_fake_build ? tls_fake_build : DORY_BUILD_EPOCH;
	char d[16];

	if (mode && *mode && strcmp(mode, "build") && strcmp(mode, "system"))
		return err_setx(EINVAL, "DORY_TLS_CLOCK=%s: unknown value (use build or system)",
				mode);
	*when = now;
	*by_build = false;
	if (mode && !strcmp(mode, "build")) {
		/* The clock cannot be trusted: a certificate must not have
		 * expired before this dory was built; its start is not checked. */
		*by_build = true;
		if (*when < built)
			*when = built;
		return 0;
	}
	if (now < built)
		return err_setx(EINVAL, "the system clock says %s, before this dory was built: "
				"certificates cannot be checked (set the clock, e.g. `date -s` or "
				"`ntpd -q`, or set DORY_TLS_CLOCK=build to check them against the "
				"build date)", tls_day(now, d));
	return 0;
}

void tls_check_clock(struct chk_list *l)
{
	long long built = tls_fake_build ? tls_fake_build : DORY_BUILD_EPOCH, when;
	char now[16], b[16];
	struct chk_item *it;
	bool by_build;

	tls_day(tls_now(), now);
	tls_day(built, b);
	if (tls_clock(&when, &by_build) < 0) {
		it = chk_add(l, "clock", CHK_MISSING, "%s, before this dory (%s)", now, b);
		if (tls_now() >= built)	/* a bad DORY_TLS_CLOCK */
			snprintf(it->found, sizeof(it->found), "%s", now);
		chk_note(it, "pull will fail (certificates): set the clock (date -s, ntpd -q) "
			 "or DORY_TLS_CLOCK=build");
	} else if (by_build) {
		chk_note(chk_add(l, "clock", CHK_LIMITED, "%s, DORY_TLS_CLOCK=build", now),
			 "certificates are checked against the build date (%s)", b);
	} else {
		chk_add(l, "clock", CHK_OK, "%s, after this dory was built (%s)", now, b);
	}
}

static int tls_pick_time(struct tls *t)
{
	return tls_clock(&t->when, &t->by_build);
}

static struct tls *tls_new(int fd, const char *host, int port, const struct tls_conf *conf)
{
	struct tls *t = xzalloc(sizeof(*t));

	t->fd = fd;
	t->host = xstrdup(host);
	t->port = port;
	t->timeout_ms = conf->timeout_ms > 0 ? conf->timeout_ms : TLS_TIMEOUT_MS;
	if (inet_pton(AF_INET, host, t->ip) == 1)
		t->iplen = 4;
	else if (inet_pton(AF_INET6, host, t->ip) == 1)
		t->iplen = 16;
	return t;
}

/* BearSSL offers ChaCha20 first, which suits CPUs without AES instructions
 * (most routers). Where AES-NI is present, AES-GCM costs a third less CPU
 * for a layer download, so it goes first; the rest of the order stays. */
static void tls_prefer_aes(br_ssl_engine_context *eng)
{
	static const uint16_t aes_first[] = {
		BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
		BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
		BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
		BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
		BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
		BR_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
		BR_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
		BR_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
		BR_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
		BR_TLS_RSA_WITH_AES_128_GCM_SHA256,
		BR_TLS_RSA_WITH_AES_128_CBC_SHA256,
		BR_TLS_RSA_WITH_AES_128_CBC_SHA,
	};

	if (br_aes_x86ni_ctr_get_vtable())
		br_ssl_engine_set_suites(eng, aes_first, ARRAY_SIZE(aes_first));
}

struct tls *tls_open(int fd, const char *host, int port, const struct tls_conf *conf)
{
	const char *dir = conf->certs_dir ? conf->certs_dir : TLS_CERTS_DIR;
	struct tls *t = tls_new(fd, host, port, conf);

	if (tls_pick_time(t) < 0 || tls_anchors_pick(t, conf) < 0)
		goto fail;
	br_ssl_client_init_full(&t->cc, &t->xc, t->ta, t->nta);
	tls_prefer_aes(&t->cc.eng);
	t->x509 = &tls_x509_class;
	br_ssl_engine_set_x509(&t->cc.eng, &t->x509);
	br_ssl_engine_set_buffer(&t->cc.eng, t->iobuf, sizeof(t->iobuf), 1);
	/* The anchors are only needed for the first handshake. */
	br_ssl_engine_add_flags(&t->cc.eng, BR_OPT_NO_RENEGOTIATION);
	br_ssl_engine_set_versions(&t->cc.eng, BR_TLS12, BR_TLS12);	/* RFC 8996 */
	/* No SNI for an address (RFC 6066, 3): the name check is ours then. */
	if (!br_ssl_client_reset(&t->cc, t->iplen ? NULL : host, 0)) {
		tls_fail(t, "handshake with", dir);
		goto fail;
	}
	br_sslio_init(&t->io, &t->cc.eng, tls_low_read, t, tls_low_write, t);
	if (br_sslio_flush(&t->io) < 0 ||
	    (br_ssl_engine_current_state(&t->cc.eng) & BR_SSL_CLOSED)) {
		tls_fail(t, "handshake with", dir);
		goto fail;
	}
	t->open = true;
	free(t->cert);
	t->cert = NULL;
	t->cert_cap = 0;
	return t;
fail:
	tls_close(t);
	return NULL;
}

ssize_t tls_read(struct tls *t, void *buf, size_t n)
{
	int r;

	if (n == 0)
		return 0;
	r = br_sslio_read(&t->io, buf, n > 16384 ? 16384 : n);
	if (r > 0)
		return r;
	if (br_ssl_engine_last_error(&t->cc.eng) == BR_ERR_OK)
		return 0;	/* close_notify */
	return tls_fail(t, "read from", NULL);
}

int tls_write(struct tls *t, const void *buf, size_t n)
{
	if (br_sslio_write_all(&t->io, buf, n) < 0 || br_sslio_flush(&t->io) < 0)
		return tls_fail(t, "write to", NULL);
	return 0;
}

/* Send what the engine has queued (close_notify), without reading. */
static void tls_send_close(struct tls *t)
{
	br_ssl_engine_close(&t->cc.eng);
	t->timeout_ms = t->timeout_ms < 1000 ? t->timeout_ms : 1000;
	while (br_ssl_engine_current_state(&t->cc.eng) & BR_SSL_SENDREC) {
		size_t len;
		unsigned char *p = br_ssl_engine_sendrec_buf(&t->cc.eng, &len);
		int w = tls_low_write(t, p, len);

		if (w <= 0)
			break;
		br_ssl_engine_sendrec_ack(&t->cc.eng, (size_t)w);
	}
}

void tls_close(struct tls *t)
{
	if (!t)
		return;
	if (t->open)
		tls_send_close(t);
	anchors_clear(&t->host_ca);
	free(t->ta);
	free(t->cert);
	free(t->host);
	explicit_bzero(t, sizeof(*t));	/* keys and plaintext */
	free(t);
}

#endif
