// SPDX-License-Identifier: Apache-2.0
/* layer.h - streaming unpack of an OCI layer (a tar changeset) into one
 * directory, never outside it. Digests and gunzip belong to the caller. */
#ifndef DORY_LAYER_H
#define DORY_LAYER_H

#include <stdint.h>

#include "core/util/base.h"

/*
 * Flags of layer_unpack_new(). With neither WH flag a whiteout entry is an
 * error (a base layer, a "docker load" rootfs).
 *
 * LAYER_WH_OVERLAY: dirfd is an empty directory that becomes an overlayfs
 *   lower layer: ".wh.NAME" becomes a 0/0 character device NAME, and
 *   ".wh..wh..opq" the xattr trusted.overlay.opaque="y" on its directory.
 *   Needs root (mknod, trusted.* xattrs).
 * LAYER_WH_APPLY: dirfd holds the lower layers already flattened; whiteouts
 *   delete from it. Entries of this same layer survive them, in any order
 *   (OCI image-spec, layer.md: "Whiteout files MUST only apply to resources
 *   in lower/parent layers").
 * LAYER_NO_CHOWN: keep our own uid/gid instead of the archive's.
 */
enum {
	LAYER_WH_OVERLAY = 1 << 0,
	LAYER_WH_APPLY = 1 << 1,
	LAYER_NO_CHOWN = 1 << 2,
};

/*
 * Safety, whatever the archive holds: leading slashes are dropped (docker,
 * umoci); a ".." component anywhere is refused; every path is resolved one
 * component at a time from dirfd with O_NOFOLLOW (openat2 RESOLVE_BENEATH
 * when the kernel has it), so an entry or a hardlink target that goes
 * through any symlink, even one this layer just made, is refused where
 * docker and umoci would follow it inside the root; an existing name is
 * removed and made anew (O_EXCL), never written through. Refusals are
 * -EPERM, a malformed archive -EBADMSG, each with a one-line message that
 * names the entry. Memory stays bounded by the entry count, never by
 * sizes: a 64 KiB read buffer in layer_unpack_fd, pax headers up to 1 MiB,
 * one record per directory (mode, mtime, path) and, with LAYER_WH_APPLY,
 * 16 bytes or so per entry. The caller makes it durable (syncfs) and
 * commits by rename.
 */
struct layer_stats {
	unsigned long long entries;	/* tar entries applied, whiteouts included */
	unsigned long long whiteouts;	/* ".wh." entries */
	unsigned long long bytes;	/* regular-file data written */
	unsigned long long tar_bytes;	/* bytes fed, trailing data included */
	unsigned long long xattr_skipped; /* refused by the filesystem (ENOTSUP, EPERM) */
};

struct layer_unpack;

/* Start an unpack into dirfd (dup'ed; O_PATH is fine). NULL on bad flags or
 * if dirfd is not a directory. Allocated; free with layer_unpack_free. */
struct layer_unpack *layer_unpack_new(int dirfd, unsigned flags);
/* OVERLAY: the lower layers' directories (top first; dup'ed) for hardlinks
 * to files below this layer, which are then copied up. Without them such
 * a hardlink fails with -EXDEV. */
int layer_unpack_set_lowers(struct layer_unpack *u, const int *fds, int n);
/* Owners as host ids of a user namespace whose id n (n < count) is host
 * base + n: an entry's uid and gid are shifted (with LAYER_NO_CHOWN both
 * become base, the namespace's root); one outside the range is -EPERM. */
void layer_unpack_set_idshift(struct layer_unpack *u, uint32_t base, uint32_t count);
/* Apply the next n bytes of the tar stream. 0 or -errno with the error
 * recorded; after an error every call returns it again. On error the
 * directory is half written: the caller removes it. */
int layer_unpack_feed(struct layer_unpack *u, const void *p, size_t n);
/* End of stream: -EBADMSG unless it ended at an entry boundary (zero blocks
 * or plain EOF); then sets directory modes and mtimes. */
int layer_unpack_finish(struct layer_unpack *u);
const struct layer_stats *layer_unpack_stats(const struct layer_unpack *u);
void layer_unpack_free(struct layer_unpack *u);

/* Whole uncompressed tar from fd into dirfd: new, feed, finish, free.
 * st (may be NULL) receives the statistics. */
int layer_unpack_fd(int dirfd, int fd, unsigned flags, struct layer_stats *st);

#endif
