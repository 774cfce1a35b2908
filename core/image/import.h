// SPDX-License-Identifier: Apache-2.0
/* import.h - docker import: an image of one layer from a root filesystem
 * tar, through the store's crash-safe blob and layer steps. The tar is
 * tar.c's, the unpack layer.c's, the config changes change.c's. */
#ifndef DORY_IMPORT_H
#define DORY_IMPORT_H

#include "core/store/store.h"

struct image_import_opts {
	const struct strv *changes;	/* --change lines, applied in order; may be NULL */
	const char *message;		/* -m: the history comment; NULL: "Imported from SRC" */
	const char *source;		/* the file as given ("-" for stdin) */
	const char *ref;		/* REPO[:TAG] to tag it; NULL: none */
};

/*
 * Read a tar (plain or gzip) from fd into the store as the only layer of
 * a new image for this machine's platform, whose config holds the
 * changes: the blob as given, the layer unpacked from it, a config and an
 * OCI manifest, the record, then the tag. Every change is checked before
 * anything is read. On failure nothing of it stays in the store (a blob
 * or layer that was there before stays). id gets "sha256:ID".
 */
int image_import(struct store *st, int fd, const struct image_import_opts *o,
		 char id[DIGEST_STRLEN]);

#endif
