// SPDX-License-Identifier: Apache-2.0
/* image_pull.h - pull an image from a registry into the store: one
 * streaming pass per layer, layers in parallel, the tag moved last. */
#ifndef DORY_IMAGE_PULL_H
#define DORY_IMAGE_PULL_H

#include "core/image/ref.h"
#include "core/store/store.h"
#include "core/util/conf.h"
#include "core/util/sha256.h"

/* What a pull tells as it goes, for the caller to show (core prints
 * nothing). Layers are named by their index in the manifest. */
enum image_pull_what {
	IMAGE_PULL_FROM,	/* ref: its manifest is fetched from its registry */
	IMAGE_PULL_EXISTS,	/* a layer is in the store already */
	IMAGE_PULL_QUEUED,	/* a layer is to be fetched */
	IMAGE_PULL_BYTES,	/* a layer: done of total bytes fetched */
	IMAGE_PULL_DONE,	/* a layer is in the store now */
	IMAGE_PULL_DIGEST,	/* every part is in: digest is what the tag names */
};

struct image_pull_event {
	enum image_pull_what what;
	const struct ref *ref;	/* FROM */
	const char *digest;	/* the layer's; DIGEST: the manifest's or index's */
	int layer;		/* the layer's index */
	long long done, total;	/* BYTES; total -1: not known */
};

typedef void (*image_pull_progress_fn)(void *ctx, const struct image_pull_event *e);

struct image_pull_opts {
	const char *platform;	/* "linux/arm/v7"; NULL: this machine's */
	int jobs;		/* layers fetched at once; 0: one per CPU, at most 4 */
	/* Called in this process for each event, BYTES at most once per
	 * read of the network (layers fetched by workers included); NULL:
	 * nothing is told. */
	image_pull_progress_fn progress;
	void *progress_ctx;
};

/* Pull ref into the store; the image ID (config digest) goes to id_out. A
 * tag moves only once the image is complete. */
int image_pull(struct store *st, const struct dory_conf *conf, const char *ref,
	       const struct image_pull_opts *o, char id_out[DIGEST_STRLEN]);

#endif
