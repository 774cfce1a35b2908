// SPDX-License-Identifier: Apache-2.0
/* archive.h - image tarballs to and from the store: `docker save` archives
 * and OCI image layouts in a tar. Tar itself is core/image/tar.c's; the store's
 * layout is core/store/store.c's. */
#ifndef DORY_ARCHIVE_H
#define DORY_ARCHIVE_H

#include "core/store/store.h"
#include "core/util/gz.h"

/*
 * Formats read by archive_load (the first bytes decide; the tar may be
 * gzip-compressed as a whole):
 *   Docker   manifest.json [{"Config","RepoTags","Layers"}], files at any
 *            path (classic `docker save`, skopeo docker-archive); layers
 *            plain or gzip tars; symlinked layer files are followed.
 *   OCI      oci-layout, index.json, blobs/sha256/HEX (an OCI archive, and
 *            Docker 25+'s `docker save`, which also has manifest.json);
 *            an index in index.json gives the manifest of o->platform.
 * Names: RepoTags; in index.json "io.containerd.image.name", else
 * "org.opencontainers.image.ref.name" when it is a full reference ("app:1",
 * "host/app:1"; a bare "v1" names no image); else manifest.json's
 * RepoTags for the same config. A loaded image is recorded as a pulled
 * one is (store_image_put), with an OCI manifest made up for Docker
 * archives, which have none. An image already in the store keeps its
 * record (and its manifest); only the tags are added.
 */
struct archive_load_opts {
	const char *platform;	/* an index's pick: "linux/arm/v7"; NULL: this machine's */
};

/*
 * Load every image of the archive read from fd, in one pass: entries go to
 * the store as blobs as they come (so the archive may be larger than
 * memory), then the manifests are read, every digest and diff ID is
 * checked, the layers are unpacked from the stored blobs, and only then
 * are the images recorded and tagged. On failure the blobs it added are
 * removed and nothing is tagged; a layer that unpacked and verified may
 * stay. loaded gets, per image, its tags in Docker's short form
 * ("busybox:latest"), or its ID ("sha256:...") when it has none.
 */
int archive_load(struct store *st, int fd, const struct archive_load_opts *o,
		 struct strv *loaded);

/*
 * For tests and fuzzing, archive_load without the tar: the images an
 * archive of these files would load, each one's ID then its tags pushed
 * onto names. Nothing is unpacked, recorded or tagged; the blobs added to
 * the store on the way are removed again.
 */
struct archive_file {
	const char *path;
	const char *link;	/* a symbolic link's target; NULL for a file */
	const void *data;
	size_t len;
};
int archive_load_plan(struct store *st, const struct archive_file *files, int n,
		      const struct archive_load_opts *o, struct strv *names);

enum archive_format {
	ARCHIVE_DOCKER,	/* manifest.json, repositories, uncompressed layers */
	ARCHIVE_OCI,	/* + oci-layout, index.json; blobs as stored, manifests kept */
};

/*
 * Write the images names (NULL-terminated: references, IDs, ID prefixes;
 * a name without tag means all its tags, as Docker) to fd as one archive.
 * Every path is blobs/sha256/HEX. Docker: each layer is the uncompressed
 * tar whose sha256 is its diff ID (so loading keeps the image ID), and
 * RepoTags has the tags named. OCI: manifests and blobs byte for byte
 * (digests kept), index.json annotated with the names, and a Docker
 * manifest.json too, as Docker 25 writes. Fails before writing anything
 * when a layer blob is not in the store (keep-layer-blobs off).
 */
int archive_save(struct store *st, char *const *names, enum archive_format fmt, int fd);
/* archive_save to path, crash-safely: a temporary name beside it, fsync,
 * rename. Nothing is left at path on failure. */
int archive_save_file(struct store *st, char *const *names, enum archive_format fmt,
		      const char *path);

/*
 * For archive_load and archive_save: stream blob digest from the store
 * through gunzip (when gunzip) into sink. With verify the blob is hashed
 * on the way and a damaged one is -EBADMSG (after the sink saw it).
 * raw_bytes (may be NULL) gets the blob's size.
 */
int archive_blob_stream(struct store *st, const char *digest, bool gunzip, bool verify,
			gz_sink_fn sink, void *arg, long long *raw_bytes);

#endif
