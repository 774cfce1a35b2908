// SPDX-License-Identifier: Apache-2.0
/* registry.c - talks the OCI distribution API to one repository: base URL
 * and mirrors, Bearer and Basic auth, verified manifests and blob streams. */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "core/image/image.h"
#include "core/registry/registry.h"
#include "core/util/b64.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/json.h"
#include "core/util/log.h"
#include "core/util/str.h"
#include "core/util/xalloc.h"

enum { REG_MAX_MANIFEST = 4 << 20, REG_MAX_TOKEN = 64 << 10 };

struct reg {
	struct http_client *http;
	struct strv bases;	/* "https://host:port", mirrors first */
	size_t cur;		/* the base that answered the manifest */
	char *domain;
	char *repo;
	char *creds;		/* "user:pass" or NULL */
	char *authz;		/* "Authorization: ..." once known */
	char *certs_dir;	/* per-registry CAs, from the config */
};

void reg_doc_clear(struct reg_doc *d)
{
	free(d->body);
	free(d->media_type);
	memset(d, 0, sizeof(*d));
}

char *reg_creds_path(void)
{
	const char *d = getenv("DOCKER_CONFIG"), *home = getenv("HOME");

	if (d && *d)
		return xasprintf("%s/config.json", d);
	return xasprintf("%s/.docker/config.json", home && *home ? home : "/root");
}

char *reg_creds_find(const char *text, const char *domain)
{
	autofree char *raw = NULL;
	const char *keys[4] = { domain, NULL, NULL, NULL };
	autofree char *https = xasprintf("https://%s", domain);
	struct json *doc;
	char *out = NULL;
	size_t n;

	keys[1] = https;
	if (!strcmp(domain, "docker.io")) {
		keys[2] = "https://index.docker.io/v1/";
		keys[3] = "index.docker.io";
	}
	if (!(doc = json_parse(text, strlen(text))))
		return NULL;
	for (int i = 0; i < 4 && keys[i] && !out; i++) {
		const char *a = json_get_str(json_get(json_get(doc, "auths"), keys[i]), "auth");

		/* "user:password"; a NUL would cut it short of its colon. */
		if (a && b64_decode(a, strlen(a), &raw, &n) == 0 && memchr(raw, ':', n) &&
		    !memchr(raw, '\0', n))
			out = xstrndup(raw, n);
		free(TAKE(raw));
	}
	json_free(doc);
	return out;
}

char *reg_creds_lookup(const char *domain)
{
	autofree char *path = reg_creds_path(), *text = NULL;

	return fsutil_read_file(path, &text) < 0 ? NULL : reg_creds_find(text, domain);
}

char *reg_challenge_param(const char *ch, const char *name)
{
	size_t nl = strlen(name);
	const char *p = strchr(ch, ' ');

	while (p && *p) {
		const char *v, *e;

		while (*p == ' ' || *p == ',')
			p++;
		v = strchr(p, '=');
		if (!v)
			return NULL;
		if (*v == '=' && v[1] == '"') {
			e = v + 2;
			while (*e && *e != '"')
				e += (*e == '\\' && e[1]) ? 2 : 1;
		} else {
			e = strchrnul(v + 1, ',');
		}
		if ((size_t)(v - p) == nl && !strncasecmp(p, name, nl)) {
			if (v[1] == '"')
				return xstrndup(v + 2, e - v - 2);
			return xstrndup(v + 1, e - v - 1);
		}
		p = *e == '"' ? e + 1 : e;
	}
	return NULL;
}

/* Percent-encode a query value (scopes hold ':' and '/'). */
static char *reg_qescape(const char *s)
{
	char *out = xmalloc(strlen(s) * 3 + 1), *o = out;

	for (; *s; s++) {
		if (isalnum((unsigned char)*s) || strchr("-_.~", *s))
			*o++ = *s;
		else
			o += sprintf(o, "%%%02X", (unsigned char)*s);
	}
	*o = 0;
	return out;
}

/* Bearer: ask the realm for a token for this repository (with the user's
 * credentials when there are some), as Docker's token spec says. */
static int reg_get_token(struct reg *g, const char *challenge)
{
	autofree char *realm = reg_challenge_param(challenge, "realm");
	autofree char *service = reg_challenge_param(challenge, "service");
	autofree char *scope = reg_challenge_param(challenge, "scope");
	autofree char *url = NULL, *es = NULL, *esc = NULL, *basic = NULL, *body = NULL;
	const char *hdr[2] = { NULL, NULL };
	struct http_req rq = { .method = "GET", .follow = true, .headers = hdr };
	struct http_resp *rs = NULL;
	struct json *doc;
	const char *tok;
	size_t len;
	int rc;

	if (!realm)
		return err_setx(EPROTO, "%s: token challenge without a realm", g->domain);
	if (!scope)
		scope = xasprintf("repository:%s:pull", g->repo);
	es = reg_qescape(service ? service : "");
	esc = reg_qescape(scope);
	url = xasprintf("%s%cservice=%s&scope=%s", realm, strchr(realm, '?') ? '&' : '?', es, esc);
	if (g->creds) {
		autofree char *b = b64_encode(g->creds, strlen(g->creds));

		basic = xasprintf("Authorization: Basic %s", b);
		hdr[0] = basic;
	}
	rq.url = url;
	rc = http_do(g->http, &rq, &rs);
	if (rc < 0)
		return err_ctx("token service of %s", g->domain);
	if (http_status(rs) == 401 || http_status(rs) == 403) {
		http_resp_free(rs);
		return err_setx(EACCES, "%s: the token service refused %s (run 'dory login %s')",
				g->domain, g->creds ? "these credentials" : "anonymous access",
				g->domain);
	}
	if (http_status(rs) != 200) {
		rc = err_setx(EPROTO, "%s: token service answered HTTP %d", g->domain,
			      http_status(rs));
		http_resp_free(rs);
		return rc;
	}
	rc = http_read_all(rs, REG_MAX_TOKEN, &body, &len);
	http_resp_free(rs);
	if (rc < 0)
		return err_ctx("token from %s", g->domain);
	doc = json_parse(body, len);
	if (!doc)
		return err_ctx("token from %s", g->domain);
	tok = json_get_str(doc, "token");
	if (!tok || !*tok)
		tok = json_get_str(doc, "access_token");
	if (tok && *tok) {
		free(g->authz);
		g->authz = xasprintf("Authorization: Bearer %s", tok);
	}
	json_free(doc);
	if (!g->authz)
		return err_setx(EPROTO, "%s: the token service sent no token", g->domain);
	return 0;
}

/* A 401: find out what the registry wants and get it, once. */
static int reg_auth(struct reg *g, struct http_resp *rs)
{
	const char *ch;

	for (int i = 0; (ch = http_header_n(rs, "WWW-Authenticate", i)); i++) {
		if (!strncasecmp(ch, "Bearer ", 7))
			return reg_get_token(g, ch);
		if (!strncasecmp(ch, "Basic", 5) && g->creds) {
			autofree char *b = b64_encode(g->creds, strlen(g->creds));

			free(g->authz);
			g->authz = xasprintf("Authorization: Basic %s", b);
			return 0;
		}
	}
	return err_setx(EACCES, "%s: authentication required (run 'dory login %s')", g->domain,
			g->domain);
}

/* One request against base[cur], answering an auth challenge once. */
static int reg_request(struct reg *g, const char *method, const char *path, const char *accept,
		       long long range_from, struct http_resp **out)
{
	autofree char *url = xasprintf("%s/v2/%s/%s", g->bases.v[g->cur], g->repo, path);
	const char *hdr[3];
	struct http_req rq = { .method = method, .url = url, .headers = hdr,
			       .range_from = range_from, .follow = true };
	int rc;

	for (int tries = 0;; tries++) {
		int n = 0;

		if (accept)
			hdr[n++] = accept;
		if (g->authz)
			hdr[n++] = g->authz;
		hdr[n] = NULL;
		rc = http_do(g->http, &rq, out);
		if (rc < 0)
			return err_ctx("%s", g->domain);
		if (http_status(*out) != 401 || tries)
			break;
		rc = reg_auth(g, *out);
		http_resp_free(*out);
		*out = NULL;
		if (rc < 0)
			return rc;
	}
	if (http_status(*out) == 401 || http_status(*out) == 403) {
		http_resp_free(*out);
		*out = NULL;
		return err_setx(EACCES, "%s: access to %s denied (run 'dory login %s')", g->domain,
				g->repo, g->domain);
	}
	return 0;
}

int reg_open(const struct ref *r, const struct dory_conf *conf, struct reg **out)
{
	struct reg *g = xzalloc(sizeof(*g));
	struct http_conf hc = { 0 };
	const char *host = ref_registry_host(r);

	g->domain = xstrdup(r->domain);
	g->repo = xstrdup(r->repo);
	if (!strcmp(r->domain, "docker.io"))
		for (size_t i = 0; i < conf->mirrors.n; i++) {
			const char *m = conf->mirrors.v[i];
			size_t l = strlen(m);

			strv_push_take(&g->bases, xstrndup(m, l && m[l - 1] == '/' ? l - 1 : l));
		}
	strv_push_take(&g->bases, xasprintf("%s://%s", conf_is_insecure(conf, r->domain) ?
					    "http" : "https", host));
	g->creds = reg_creds_lookup(r->domain);
	g->certs_dir = conf->certs_dir ? xstrdup(conf->certs_dir) : NULL;
	hc.certs_dir = g->certs_dir;
	g->http = http_client_new(&hc);
	*out = g;
	return 0;
}

void reg_close(struct reg *g)
{
	if (!g)
		return;
	http_client_free(g->http);
	strv_free(&g->bases);
	free(g->domain);
	free(g->repo);
	free(g->creds);
	free(g->authz);
	free(g->certs_dir);
	free(g);
}

struct reg *reg_clone(const struct reg *g)
{
	struct reg *c = xzalloc(sizeof(*c));
	struct http_conf hc = { 0 };

	for (size_t i = 0; i < g->bases.n; i++)
		strv_push(&c->bases, g->bases.v[i]);
	c->cur = g->cur;
	c->domain = xstrdup(g->domain);
	c->repo = xstrdup(g->repo);
	c->creds = g->creds ? xstrdup(g->creds) : NULL;
	c->authz = g->authz ? xstrdup(g->authz) : NULL;
	c->certs_dir = g->certs_dir ? xstrdup(g->certs_dir) : NULL;
	hc.certs_dir = c->certs_dir;
	c->http = http_client_new(&hc);
	return c;
}

const char *reg_domain(const struct reg *g)
{
	return g->domain;
}

static int reg_read_doc(struct reg *g, struct http_resp *rs, const char *want, size_t max,
			const char *what, struct reg_doc *out)
{
	const char *mt = http_header(rs, "Content-Type"), *dcd;
	int rc;

	rc = http_read_all(rs, max, &out->body, &out->len);
	if (rc < 0)
		return err_ctx("%s from %s", what, g->domain);
	sha256_digest(out->body, out->len, out->digest);
	if (want && strcmp(want, out->digest))
		return err_setx(EBADMSG, "%s %s from %s has digest %s (the registry sent damaged data)",
				what, want, g->domain, out->digest);
	dcd = http_header(rs, "Docker-Content-Digest");
	if (!want && dcd && sha256_is_digest(dcd) && strcmp(dcd, out->digest))
		return err_setx(EBADMSG, "%s from %s has digest %s, not %s as the registry says",
				what, g->domain, out->digest, dcd);
	out->media_type = xstrndup(mt ? mt : "", mt ? strcspn(mt, ";") : 0);
	return 0;
}

static int reg_status_err(struct reg *g, struct http_resp *rs, const char *what, const char *ref)
{
	int st = http_status(rs);

	if (st == 404)
		return err_setx(ENOENT, "%s/%s:%s: %s not found (check the name and tag)",
				g->domain, g->repo, ref, what);
	return err_setx(EPROTO, "%s: %s %s answered HTTP %d", g->domain, what, ref, st);
}

int reg_get_manifest(struct reg *g, const char *ref, struct reg_doc *out)
{
	static const char accept[] = "Accept: " MT_OCI_INDEX ", " MT_DOCKER_LIST ", "
		MT_OCI_MANIFEST ", " MT_DOCKER_MANIFEST;
	autofree char *path = xasprintf("manifests/%s", ref);
	const char *want = sha256_is_digest(ref) ? ref : NULL;
	struct http_resp *rs = NULL;
	int rc = -EIO;

	memset(out, 0, sizeof(*out));
	/* Mirrors first (Docker tries each, then the registry itself). */
	for (g->cur = 0; g->cur < g->bases.n; g->cur++) {
		rc = reg_request(g, "GET", path, accept, 0, &rs);
		if (rc == 0 && http_status(rs) == 200)
			break;
		if (g->cur + 1 < g->bases.n) {
			dbg("mirror %s: %s", g->bases.v[g->cur], rc < 0 ? err_str() : "no manifest");
			http_resp_free(TAKE(rs));
			free(TAKE(g->authz));
			continue;
		}
		if (rc == 0)
			rc = reg_status_err(g, rs, "manifest", ref);
		http_resp_free(rs);
		return rc;
	}
	rc = reg_read_doc(g, rs, want, REG_MAX_MANIFEST, "manifest", out);
	http_resp_free(rs);
	if (rc < 0)
		reg_doc_clear(out);
	return rc;
}

int reg_get_blob(struct reg *g, const char *digest, size_t max, struct reg_doc *out)
{
	struct http_resp *rs = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = reg_blob_open(g, digest, 0, &rs, NULL);
	if (rc < 0)
		return rc;
	rc = reg_read_doc(g, rs, digest, max, "blob", out);
	http_resp_free(rs);
	if (rc < 0)
		reg_doc_clear(out);
	return rc;
}

int reg_blob_open(struct reg *g, const char *digest, long long offset, struct http_resp **out,
		  long long *got_from)
{
	autofree char *path = xasprintf("blobs/%s", digest);
	struct http_resp *rs = NULL;
	int rc, st;

	rc = reg_request(g, "GET", path, NULL, offset, &rs);
	if (rc < 0)
		return rc;
	st = http_status(rs);
	if (st == 416 && offset > 0) {
		/* The partial is as long as the blob, or the server lost track:
		 * start over rather than guess. */
		http_resp_free(rs);
		return reg_blob_open(g, digest, 0, out, got_from);
	}
	if (st != 200 && st != 206) {
		rc = reg_status_err(g, rs, "blob", digest);
		http_resp_free(rs);
		return rc;
	}
	if (got_from)
		*got_from = st == 206 ? offset : 0;
	*out = rs;
	return 0;
}

/* `docker login`'s check refuses with one message, whichever step said no. */
static int reg_login_refused(const char *domain)
{
	return err_setx(EACCES, "%s: the registry refused these credentials "
			"(check the user name and password)", domain);
}

/* Bearer, as `docker login` does it: the realm, asked with the Basic
 * credentials for the service and no scope, must hand out a token. */
static int reg_login_token(struct http_client *h, const char *domain, const char *challenge,
			   const char *basic, char **authz)
{
	autofree char *realm = reg_challenge_param(challenge, "realm");
	autofree char *service = reg_challenge_param(challenge, "service");
	autofree char *es = NULL, *url = NULL, *body = NULL;
	const char *hdr[2] = { basic, NULL };
	struct http_req rq = { .method = "GET", .headers = hdr, .follow = true };
	struct http_resp *rs = NULL;
	struct json *doc;
	const char *tok;
	size_t len = 0;
	int rc = 0, st;

	if (!realm)
		return err_setx(EPROTO, "%s: token challenge without a realm", domain);
	es = reg_qescape(service ? service : "");
	url = xasprintf("%s%cservice=%s", realm, strchr(realm, '?') ? '&' : '?', es);
	rq.url = url;
	if (http_do(h, &rq, &rs) < 0)
		return err_ctx("token service of %s", domain);
	st = http_status(rs);
	if (st == 200)
		rc = http_read_all(rs, REG_MAX_TOKEN, &body, &len);
	http_resp_free(rs);
	if (st == 401 || st == 403)
		return reg_login_refused(domain);
	if (st != 200)
		return err_setx(EPROTO, "%s: token service answered HTTP %d", domain, st);
	if (rc < 0 || !(doc = json_parse(body, len)))
		return err_ctx("token from %s", domain);
	tok = json_get_str(doc, "token");
	if (!tok || !*tok)
		tok = json_get_str(doc, "access_token");
	if (tok && *tok)
		*authz = xasprintf("Authorization: Bearer %s", tok);
	json_free(doc);
	return *authz ? 0 : err_setx(EPROTO, "%s: the token service sent no token", domain);
}

/* The Authorization header that answers a 401 from /v2/; allocated. */
static int reg_login_answer(struct http_client *h, const char *domain, struct http_resp *rs,
			    const char *basic, char **authz)
{
	const char *ch;

	for (int i = 0; (ch = http_header_n(rs, "WWW-Authenticate", i)); i++) {
		if (!strncasecmp(ch, "Bearer ", 7))
			return reg_login_token(h, domain, ch, basic, authz);
		if (!strncasecmp(ch, "Basic", 5)) {
			*authz = xstrdup(basic);
			return 0;
		}
	}
	return err_setx(EPROTO, "%s: answered 401 with no challenge dory knows", domain);
}

/* GET /v2/, answer its challenge once, and expect 200 (Docker's loginV2). */
int reg_login(const char *domain, const char *creds, const struct dory_conf *conf)
{
	const struct ref r = { .domain = (char *)domain };
	const struct http_conf hc = { .certs_dir = conf->certs_dir };
	autofree char *url = xasprintf("%s://%s/v2/", conf_is_insecure(conf, domain) ?
				       "http" : "https", ref_registry_host(&r));
	autofree char *b = b64_encode(creds, strlen(creds));
	autofree char *basic = xasprintf("Authorization: Basic %s", b), *authz = NULL;
	const char *hdr[2] = { NULL, NULL };
	struct http_req rq = { .method = "GET", .url = url, .headers = hdr, .follow = true };
	struct http_client *h = http_client_new(&hc);
	struct http_resp *rs = NULL;
	int rc, st = 0;

	rc = http_do(h, &rq, &rs);
	if (rc == 0 && http_status(rs) == 401) {
		rc = reg_login_answer(h, domain, rs, basic, &authz);
		http_resp_free(TAKE(rs));
		hdr[0] = authz;
		if (rc == 0 && (rc = http_do(h, &rq, &rs)) < 0)
			err_ctx("%s", domain);
	} else if (rc < 0) {
		err_ctx("%s", domain);
	}
	if (rc == 0)
		st = http_status(rs);
	http_resp_free(rs);
	http_client_free(h);
	if (rc < 0 || st == 200)
		return rc;
	if (st == 401 || st == 403)
		return reg_login_refused(domain);
	return err_setx(EPROTO, "%s: %s answered HTTP %d", domain, url, st);
}
