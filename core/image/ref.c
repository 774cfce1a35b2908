// SPDX-License-Identifier: Apache-2.0
/* ref.c - Docker's reference grammar (distribution/reference): domain,
 * path components, tag and digest. Nothing here touches the network. */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "core/image/ref.h"
#include "core/util/err.h"
#include "core/util/sha256.h"
#include "core/util/xalloc.h"

enum { REF_NAME_MAX = 255, REF_TAG_MAX = 128 };

/* A path component: [a-z0-9]+ joined by ".", "_", "__" or any run of "-". */
static bool ref_component_ok(const char *s, size_t n)
{
	size_t i = 0;

	if (!n || (!isdigit((unsigned char)s[0]) && !islower((unsigned char)s[0])))
		return false;
	while (i < n) {
		size_t run = 0;

		while (i < n && (islower((unsigned char)s[i]) || isdigit((unsigned char)s[i])))
			i++;
		if (i == n)
			return true;
		if (s[i] == '.' || s[i] == '_') {
			while (i + run < n && s[i + run] == '_')
				run++;
			if (s[i] == '.')
				run = 1;
			if (run > 2)
				return false;
		} else if (s[i] == '-') {
			while (i + run < n && s[i + run] == '-')
				run++;
		} else {
			return false;
		}
		i += run;
		if (i == n || !(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i])))
			return false;
	}
	return true;
}

/* A domain: host labels (letters, digits, "-", "."), an optional port, or
 * a bracketed IPv6 address. */
static bool ref_domain_ok(const char *s, size_t n)
{
	size_t i = 0, h;

	if (n && s[0] == '[') {
		while (i < n && s[i] != ']')
			i++;
		if (i == n)
			return false;
		i++;
	} else {
		while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '-' || s[i] == '.'))
			i++;
		if (!i || s[0] == '-' || s[0] == '.' || s[i - 1] == '-' || s[i - 1] == '.')
			return false;
	}
	if (i == n)
		return true;
	if (s[i] != ':' || i + 1 == n)
		return false;
	for (h = i + 1; h < n; h++)
		if (!isdigit((unsigned char)s[h]))
			return false;
	return true;
}

static bool ref_tag_ok(const char *t)
{
	size_t n = strlen(t);

	if (!n || n > REF_TAG_MAX || !(isalnum((unsigned char)t[0]) || t[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)t[i]) && !strchr("_.-", t[i]))
			return false;
	return true;
}

/* The first component is a domain when it has a "." or ":", is
 * "localhost", or has an upper-case letter (which a path cannot). */
static bool ref_looks_like_domain(const char *s, size_t n)
{
	if (n == 9 && !memcmp(s, "localhost", 9))
		return true;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '.' || s[i] == ':' || s[i] == '[' || isupper((unsigned char)s[i]))
			return true;
	return false;
}

static int ref_bad(const char *s, const char *why)
{
	return err_setx(EINVAL, "invalid reference \"%s\": %s", s, why);
}

static int ref_split_name(const char *in, const char *name, size_t n, struct ref *r)
{
	const char *slash = memchr(name, '/', n), *p;
	autofree char *repo = NULL;

	if (slash && ref_looks_like_domain(name, slash - name)) {
		if (!ref_domain_ok(name, slash - name))
			return ref_bad(in, "bad registry host");
		r->domain = xstrndup(name, slash - name);
		repo = xstrndup(slash + 1, n - (slash + 1 - name));
	} else {
		r->domain = xstrdup("docker.io");
		repo = xstrndup(name, n);
	}
	if (!strcmp(r->domain, "index.docker.io")) {
		free(r->domain);
		r->domain = xstrdup("docker.io");
	}
	if (!strcmp(r->domain, "docker.io") && !strchr(repo, '/')) {
		char *l = xasprintf("library/%s", repo);

		free(repo);
		repo = l;
	}
	for (p = repo; *p;) {
		const char *e = strchrnul(p, '/');

		if (!ref_component_ok(p, e - p))
			return ref_bad(in, "repository names are lower case letters, digits and . _ -");
		p = *e ? e + 1 : e;
	}
	if (!*repo || repo[strlen(repo) - 1] == '/')
		return ref_bad(in, "empty repository name");
	if (strlen(r->domain) + 1 + strlen(repo) > REF_NAME_MAX)
		return ref_bad(in, "name longer than 255 characters");
	r->repo = TAKE(repo);
	return 0;
}

int ref_parse(const char *s, struct ref *out)
{
	struct ref r = { 0 };
	const char *at = strchr(s, '@'), *end, *colon, *slash;

	memset(out, 0, sizeof(*out));
	if (!*s)
		return err_setx(EINVAL, "empty image reference (give NAME[:TAG] or NAME@DIGEST)");
	end = at ? at : s + strlen(s);
	if (at) {
		if (!sha256_is_digest(at + 1))
			return ref_bad(s, "the digest must be sha256: and 64 hex digits");
		r.digest = xstrdup(at + 1);
	}
	/* A ":" after the last "/" starts the tag. */
	slash = memrchr(s, '/', end - s);
	colon = memrchr(slash ? slash : s, ':', end - (slash ? slash : s));
	if (colon) {
		r.tag = xstrndup(colon + 1, end - colon - 1);
		if (!ref_tag_ok(r.tag)) {
			ref_clear(&r);
			return ref_bad(s, "tags are up to 128 letters, digits and _ . - (not first)");
		}
		end = colon;
	}
	if (ref_split_name(s, s, end - s, &r) < 0) {
		ref_clear(&r);
		return -EINVAL;
	}
	if (!r.tag && !r.digest)
		r.tag = xstrdup("latest");
	*out = r;
	return 0;
}

void ref_clear(struct ref *r)
{
	free(r->domain);
	free(r->repo);
	free(r->tag);
	free(r->digest);
	memset(r, 0, sizeof(*r));
}

char *ref_name(const struct ref *r)
{
	return xasprintf("%s/%s", r->domain, r->repo);
}

char *ref_str(const struct ref *r)
{
	if (r->digest)
		return xasprintf("%s/%s@%s", r->domain, r->repo, r->digest);
	return xasprintf("%s/%s:%s", r->domain, r->repo, r->tag);
}

char *ref_familiar(const char *name)
{
	if (!strncmp(name, "docker.io/library/", 18) && !strchr(name + 18, '/'))
		return xstrdup(name + strlen("docker.io/library/"));
	if (!strncmp(name, "docker.io/", 10))
		return xstrdup(name + 10);
	return xstrdup(name);
}

const char *ref_registry_host(const struct ref *r)
{
	return strcmp(r->domain, "docker.io") ? r->domain : "registry-1.docker.io";
}

bool ref_is_id(const char *s)
{
	if (!strncmp(s, "sha256:", 7))
		return sha256_is_digest(s);
	if (strlen(s) != SHA256_HEX)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s) && !(*s >= 'a' && *s <= 'f'))
			return false;
	return true;
}
