// SPDX-License-Identifier: Apache-2.0
/* image.h - images as users know them: pull from a registry into the store
 * (one streaming pass per layer, layers in parallel) and read them back. */
#ifndef DORY_IMAGE_H
#define DORY_IMAGE_H

#include "core/conf.h"
#include "core/sha256.h"
#include "core/store.h"

struct image_pull_opts {
	const char *platform;	/* "linux/arm/v7"; NULL: this machine's */
	bool quiet;		/* no progress on stderr */
	int jobs;		/* layers fetched at once; 0: one per CPU, at most 4 */
};

/* Pull ref into the store; the image ID (config digest) goes to id_out. A
 * tag moves only once the image is complete. */
int image_pull(struct store *st, const struct dory_conf *conf, const char *ref,
	       const struct image_pull_opts *o, char id_out[DIGEST_STRLEN]);

/* OCI and Docker layer media types dory unpacks; *gzip says which. */
bool image_layer_media(const char *mt, bool *gzip);
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
