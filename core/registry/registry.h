// SPDX-License-Identifier: Apache-2.0
/* registry.h - the distribution API (OCI distribution spec): manifests and
 * blobs by digest, auth challenges, mirrors. The store is the caller's. */
#ifndef DORY_REGISTRY_H
#define DORY_REGISTRY_H

#include "core/image/ref.h"
#include "core/registry/http.h"
#include "core/util/conf.h"
#include "core/util/sha256.h"

struct reg;

/* A fetched document (manifest, index, config), its digest verified. */
struct reg_doc {
	char *body;
	size_t len;
	char *media_type;
	char digest[DIGEST_STRLEN];
};
void reg_doc_clear(struct reg_doc *d);

/* Allocated client for the repository of r (credentials from Docker's
 * config.json: $DOCKER_CONFIG or ~/.docker). */
int reg_open(const struct ref *r, const struct dory_conf *conf, struct reg **out);
void reg_close(struct reg *g);
/* A second client for the same repository with the auth already won but
 * its own connections (for a worker process); allocated. */
struct reg *reg_clone(const struct reg *g);
/* GET a manifest or index by tag or digest. A digest reference must match
 * the body; for a tag the body's digest is computed (and must equal the
 * registry's Docker-Content-Digest when it sends one). */
int reg_get_manifest(struct reg *g, const char *tag_or_digest, struct reg_doc *out);
/* GET a small blob (an image config) whole, at most max bytes, verified. */
int reg_get_blob(struct reg *g, const char *digest, size_t max, struct reg_doc *out);
/* Open a blob for streaming from byte offset (Range when > 0). *got_from
 * says where the body starts: offset, or 0 when the server ignored Range. */
int reg_blob_open(struct reg *g, const char *digest, long long offset,
		  struct http_resp **out, long long *got_from);
/* The registry as the user named it, for messages ("127.0.0.1:5000"). */
const char *reg_domain(const struct reg *g);

/* Docker's config.json credentials ("user:pass") for a domain, or NULL;
 * allocated. Exposed for login/logout and tests. */
char *reg_creds_lookup(const char *domain);
/* The same from the text of such a file. */
char *reg_creds_find(const char *text, const char *domain);
/* The auth-file path: $DOCKER_CONFIG/config.json or $HOME/.docker/config.json. */
char *reg_creds_path(void);
/* Parse one WWW-Authenticate challenge: scheme ("Bearer"/"Basic") and the
 * value of a parameter (realm, service, scope), allocated or NULL. */
char *reg_challenge_param(const char *challenge, const char *name);
/* Check "user:pass" against the registry at domain the way `docker login`
 * does (GET /v2/, answer its Basic or Bearer challenge, expect 200).
 * -EACCES when the registry refuses them. Saves nothing. */
int reg_login(const char *domain, const char *creds, const struct dory_conf *conf);

#endif
