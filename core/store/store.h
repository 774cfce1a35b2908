// SPDX-License-Identifier: Apache-2.0
/* store.h - the content-addressed image store under --root: blobs, unpacked
 * layers, image records, tags, holds, gc. Fetching and unpacking are not here. */
#ifndef DORY_STORE_H
#define DORY_STORE_H

#include "core/util/base.h"
#include "core/util/sha256.h"
#include "core/util/str.h"

struct json;

/*
 * Layout under ROOT (every write: a tmp/ name, fsync, rename, fsync dir):
 *   lock                 flock: shared while a store is open, exclusive for gc
 *   records.lock         flock: serialises repositories.json, image deletion, holds
 *   tmp/                 staging; swept when a store is opened with nobody else in
 *   blobs/sha256/HEX     verified blobs (manifests, indexes, configs, layer blobs)
 *   blobs/partial/HEX    an interrupted download (its size is the resume offset);
 *                        the file is also the lock that serialises its writers
 *   layers/CHAINHEX/     diff/ (the unpacked tree) and meta.json {"diff_id",
 *                        "chain_id","parent","size","blob"}; renamed in whole
 *   images/IDHEX.json    image records (ID = config digest, as Docker)
 *   repositories.json    tags {"docker.io/library/alpine:latest": "sha256:ID"}
 *   holds/NAME           what a container uses: one digest a line, the image ID
 *                        first, then its layers' chain IDs; gc keeps all of it
 *
 * Locking: store_open takes ROOT/lock shared for the life of the handle, so
 * close a store before a long wait (a running container) and before fork()
 * of a long-lived child, which would inherit the lock (flock locks belong to
 * the open file, not the process). store_gc takes it exclusive, so it never
 * sees another command's half-done pull; use one handle per process, as
 * gc waits for every other, the caller's own included.
 */
struct store;

/* Open (creating what is missing) the store at root. A read-only root is
 * fine for reading. Leftovers in tmp/ are removed when no other dory
 * command has the store open. */
int store_open(const char *root, struct store **out);
void store_close(struct store *st);	/* NULL is fine */
const char *store_root(const struct store *st);

/*
 * keep_layer_blobs (default true): keep a layer's compressed blob after it
 * is unpacked. Off saves flash, about the compressed size of every image
 * (a third to a half of its unpacked size), but `save` then has no blob to
 * write and must fail or pull again, a layer shared by two images with
 * different parents is downloaded twice, and `check --store` can verify
 * layers only by their records. A download in progress still keeps its
 * partial for resume either way.
 */
void store_set_keep_layer_blobs(struct store *st, bool keep);
bool store_keep_layer_blobs(const struct store *st);

/* OCI image-spec config.md: ChainID(L0) = DiffID(L0), ChainID(Ln) =
 * sha256(ChainID(Ln-1) + " " + DiffID(Ln)). parent NULL for L0. */
void store_chain_id(const char *parent, const char *diff_id, char out[DIGEST_STRLEN]);

/* ---- blobs ---- */
bool store_has_blob(struct store *st, const char *digest);
/* ROOT/blobs/sha256/HEX (allocated); NULL for an invalid digest. */
char *store_blob_path(struct store *st, const char *digest);
/* Store a small document; its digest goes to digest_out (may be NULL).
 * With expected (may be NULL) a mismatch is -EBADMSG and nothing is stored. */
int store_blob_put(struct store *st, const void *p, size_t n, const char *expected,
		   char digest_out[DIGEST_STRLEN]);
/* Read a whole blob of at most max bytes (-EFBIG if larger) into an
 * allocated NUL-terminated buffer, re-verifying its digest: a damaged blob
 * is -EBADMSG, never returned. */
int store_blob_read(struct store *st, const char *digest, size_t max, char **out, size_t *len);
/* Open a blob for streaming (fd, O_CLOEXEC) or -errno; the reader verifies. */
int store_blob_open(struct store *st, const char *digest);
/* Re-hash a blob: 0 when sound, -EBADMSG when damaged (and removed, if
 * remove_bad, so that the next pull fetches it again), -ENOENT if absent. */
int store_blob_verify(struct store *st, const char *digest, bool remove_bad);
/* Remove a blob that nothing needs any more (e.g. a layer blob); absent is
 * fine. gc is the usual way; this is for callers that know. */
int store_blob_remove(struct store *st, const char *digest);

/*
 * Streaming writer for downloads. open waits for any other writer of the
 * same blob; it returns 1 (and no writer) when the blob is (now) in the
 * store, else 0 with a writer positioned at store_blob_writer_offset(): the
 * bytes a previous interrupted attempt left, already re-hashed, so the
 * caller asks for "Range: bytes=OFFSET-". expected may be NULL for content
 * of unknown digest (a built layer): no resume, the digest comes at commit.
 * expected_size is -1 when unknown. A process killed at any instant leaves
 * no blob, or a partial that resumes correctly. Lock order: a caller that
 * also unpacks begins the layer (store_layer_begin) before it opens the
 * blob's writer, never the other way round.
 */
struct store_blob_writer;
int store_blob_writer_open(struct store *st, const char *expected, long long expected_size,
			   struct store_blob_writer **out);
long long store_blob_writer_offset(const struct store_blob_writer *w);
/* The writer's file, to pread() the first offset bytes (a resumed download
 * feeds them to the unpacker again). Never write, seek or close it. */
int store_blob_writer_fd(const struct store_blob_writer *w);
/* Hash and append; -EBADMSG past expected_size. */
int store_blob_writer_write(struct store_blob_writer *w, const void *p, size_t n);
/* Check size and digest (-EBADMSG "blob X has digest Y (the registry sent
 * damaged data)", partial dropped), then make it a blob. Frees w either
 * way. digest_out (may be NULL) gets the digest. */
int store_blob_writer_commit(struct store_blob_writer *w, char digest_out[DIGEST_STRLEN]);
/* Give up: keep_partial for an interrupted download (resume later), not for
 * bad data. Frees w; NULL is fine. */
void store_blob_writer_abort(struct store_blob_writer *w, bool keep_partial);

/* ---- layers ---- */
bool store_layer_has(struct store *st, const char *chain_id);
/* ROOT/layers/HEX/diff (allocated); NULL for an invalid chain ID. */
char *store_layer_path(struct store *st, const char *chain_id);
/* The layer's meta.json (allocated), or NULL with an error. */
struct json *store_layer_meta(struct store *st, const char *chain_id);

/*
 * Unpack a layer: begin waits for any other unpacker of chain_id and returns
 * 1 (no tx) when the layer is (now) present, else 0 with a tx whose empty
 * staging directory under tmp/ store_layer_tx_fd() gives (O_DIRECTORY).
 * parent and blob (the compressed blob's digest) may be NULL. commit records
 * size (the unpacked bytes), syncs the tree, renames it in, and drops the
 * blob unless keep_layer_blobs; abort removes the staging tree. Both free tx.
 */
struct store_layer_tx;
int store_layer_begin(struct store *st, const char *chain_id, const char *diff_id,
		      const char *parent, const char *blob, struct store_layer_tx **out);
int store_layer_tx_fd(const struct store_layer_tx *tx);
const char *store_layer_tx_path(const struct store_layer_tx *tx);
int store_layer_commit(struct store_layer_tx *tx, long long size);
void store_layer_abort(struct store_layer_tx *tx);	/* NULL is fine */

/* ---- images, tags, holds ---- */
/*
 * Write an image record (atomically): {"id","config","manifest","index",
 * "layers":[{"digest","diff_id","chain_id","size","media_type"}],
 * "repo_digests","platform","created","pulled_at"}. id must equal config,
 * and the config blob and every layer must already be in the store.
 */
int store_image_put(struct store *st, const struct json *record);
/* The record of image id ("sha256:HEX"), allocated; NULL + -ENOENT error. */
struct json *store_image_get(struct store *st, const char *id);
/* All image IDs ("sha256:HEX"), sorted, pushed onto ids. */
int store_images_list(struct store *st, struct strv *ids);
/*
 * Find an image: ref (the normalized reference, NULL if name is none) as a
 * tag, or as NAME@DIGEST among the records' repo_digests; then name as a
 * full ID ("sha256:HEX" or HEX) or a unique ID prefix. -ENOENT "no such
 * image", -ENOTUNIQ for an ambiguous prefix.
 */
int store_image_resolve(struct store *st, const char *name, const char *ref,
			char id_out[DIGEST_STRLEN]);
/* Delete image id and every tag on it; -EBUSY when a container holds it
 * unless force. Its blobs and layers go at the next store_gc. */
int store_image_del(struct store *st, const char *id, bool force);

/* Point ref at image id (whose record and layers must be present). */
int store_tag_set(struct store *st, const char *ref, const char *id);
/* Remove a tag; -ENOENT if there is none. */
int store_tag_del(struct store *st, const char *ref);
/* All tags as an object {REF: ID} (allocated); NULL + error. */
struct json *store_tags_get(struct store *st);

/* holds/NAME: container NAME uses image id (and its layers). */
int store_hold_put(struct store *st, const char *name, const char *id);
int store_hold_del(struct store *st, const char *name);	/* absent is fine */
/* true when a hold names image id; holder (may be NULL) gets its name (allocated). */
bool store_image_is_held(struct store *st, const char *id, char **holder);

/* ---- gc and df ---- */
enum store_gc_flags {
	STORE_GC_DANGLING = 1,	/* also untagged images no container holds (image prune) */
	STORE_GC_UNUSED = 2,	/* also every image no container holds, tags too (prune -a) */
	STORE_GC_DRY_RUN = 4,	/* count only, under the shared lock (df's reclaimable) */
	STORE_GC_TRY = 8,	/* do not wait for other dory commands: -EWOULDBLOCK */
};
struct store_gc_stats {
	unsigned images, blobs, layers, partials, tmp;	/* entries removed */
	unsigned long long bytes;			/* file bytes freed */
};
/* Remove blobs and layers no image record or hold references, partial
 * downloads and tmp/ leftovers, and the images flags name. */
int store_gc(struct store *st, unsigned flags, struct store_gc_stats *stats);

struct store_df {
	unsigned images, images_held, blobs, layers, partials;
	unsigned long long blob_bytes, layer_bytes, partial_bytes;
};
int store_df(struct store *st, struct store_df *df);

#endif
