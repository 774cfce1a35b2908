// SPDX-License-Identifier: Apache-2.0
/* image_pull.h - pull an image from a registry into the store: one
 * streaming pass per layer, layers in parallel, the tag moved last. */
#ifndef DORY_IMAGE_PULL_H
#define DORY_IMAGE_PULL_H

#include "core/store/store.h"
#include "core/util/conf.h"
#include "core/util/sha256.h"

struct image_pull_opts {
	const char *platform;	/* "linux/arm/v7"; NULL: this machine's */
	bool quiet;		/* no progress on stderr */
	int jobs;		/* layers fetched at once; 0: one per CPU, at most 4 */
};

/* Pull ref into the store; the image ID (config digest) goes to id_out. A
 * tag moves only once the image is complete. */
int image_pull(struct store *st, const struct dory_conf *conf, const char *ref,
	       const struct image_pull_opts *o, char id_out[DIGEST_STRLEN]);

#endif
