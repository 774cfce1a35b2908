// SPDX-License-Identifier: Apache-2.0
/* image.h - images as users know them: their records in the store, the
 * media types dory takes, reading them back. Pulling is registry's. */
#ifndef DORY_IMAGE_H
#define DORY_IMAGE_H

#include "core/store/store.h"
#include "core/util/conf.h"
#include "core/util/sha256.h"

/* Media types we take (OCI image spec, Docker schema2). */
#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"

/* OCI and Docker layer media types dory unpacks; *gzip says which. */
bool image_layer_media(const char *mt, bool *gzip);
/* One layer as a manifest and its config describe it. */
struct image_layer {
	const char *digest;		/* borrowed from the manifest */
	const char *media;
	long long size;			/* -1: not given */
	bool gzip;
	char diff[DIGEST_STRLEN];
	char chain[DIGEST_STRLEN];
	char parent[DIGEST_STRLEN];	/* "" for the base layer */
};
/* The layers manifest man lists, with the diff IDs its config cfg gives:
 * digests, counts (at most max) and media types checked, chain IDs made.
 * An allocated array of *n (and one spare), or -EPROTO/-ENOTSUP naming
 * the manifest (what). */
int image_layers(const struct json *man, const struct json *cfg, const char *what, int max,
		 struct image_layer **out, int *n);
/* A new image record (allocated; see store.h for its fields) for config
 * digest id, with the layers array built by image_record_layer(). */
struct json *image_record_new(const char *id, const char *manifest, const char *index,
			      const struct json *cfg);
void image_record_layer(struct json *rec, const char *digest, const char *diff_id,
			const char *chain_id, long long size, const char *media);

/* The image named by name (a reference, an ID or an ID prefix): its record
 * and config (both allocated). -ENOENT "no such image" otherwise. */
struct image {
	char id[DIGEST_STRLEN];
	struct json *record;
	struct json *config;	/* the whole config blob */
};
int image_open(struct store *st, const char *name, struct image *out);
void image_close(struct image *im);
/* The unpacked layers' directories, top layer first (allocated strings). */
int image_layer_dirs(struct store *st, const struct image *im, struct strv *out);

#endif
