// SPDX-License-Identifier: Apache-2.0
/* ref.h - image references as Docker reads them: "alpine",
 * "host:5000/team/app:1.2", "app@sha256:...". Parsing and printing only. */
#ifndef DORY_REF_H
#define DORY_REF_H

#include "core/util/base.h"

struct ref {
	char *domain;	/* "docker.io", "127.0.0.1:5000" */
	char *repo;	/* "library/alpine" */
	char *tag;	/* "latest" when neither tag nor digest was given; else NULL if none */
	char *digest;	/* "sha256:..." or NULL */
};

/* Parse and normalize; -EINVAL with a message naming the bad part. */
int ref_parse(const char *s, struct ref *out);
void ref_clear(struct ref *r);
/* "docker.io/library/alpine:latest" or ".../alpine@sha256:..." (the digest
 * wins when both are given); allocated. */
char *ref_str(const struct ref *r);
/* "domain/repo" (allocated): the name a tag or a repo digest hangs on. */
char *ref_name(const struct ref *r);
/* Docker's short form of a normalized name: "docker.io/library/alpine" ->
 * "alpine", "docker.io/me/app" -> "me/app"; allocated. */
char *ref_familiar(const char *name);
/* The host to connect to: "registry-1.docker.io" for docker.io. */
const char *ref_registry_host(const struct ref *r);
/* true for "sha256:<64 hex>" or a bare 64-hex ID: an image ID, not a name. */
bool ref_is_id(const char *s);

#endif
