// SPDX-License-Identifier: Apache-2.0
/* store_int.h - what the store's own files share: the handle, directory fds,
 * crash-safe writes, tree removal. Not for use outside core/store*.c. */
#ifndef DORY_STORE_INT_H
#define DORY_STORE_INT_H

#include <sys/types.h>

#include "core/store/store.h"

struct store {
	char *root;
	int rootfd;		/* ROOT */
	int tmpfd;		/* ROOT/tmp */
	int blobfd;		/* ROOT/blobs/sha256 */
	int partfd;		/* ROOT/blobs/partial */
	int layerfd;		/* ROOT/layers */
	int imagefd;		/* ROOT/images */
	int holdfd;		/* ROOT/holds */
	int lockfd;		/* ROOT/lock, held shared (exclusive during gc) */
	bool keep_layer_blobs;
};

/* Validate "sha256:HEX" and return HEX, or NULL with -EINVAL recorded
 * ("invalid WHAT: s"). */
const char *store_hex(const char *digest, const char *what);
/* true for a name of exactly 64 lower-case hex digits. */
bool store_is_hex(const char *name);
/* fsync a directory fd; 0 or -errno recorded with the name. */
int store_fsync_dir(int dirfd, const char *name);
enum { STORE_TMPNAME = 128 };
/* Create a new file tmp/BASE.PID.N (O_RDWR, O_CLOEXEC): its fd or -errno. */
int store_tmp_create(struct store *st, const char *base, char name[STORE_TMPNAME]);
/* Write p to dirfd/name crash-safely: a tmp/ file, fsync, rename, fsync
 * dirfd. dname names dirfd under ROOT
 * in messages. */
int store_write_atomic(struct store *st, int dirfd, const char *dname, const char *name,
		       const void *p, size_t n);
/* Write a JSON document compactly with store_write_atomic. */
int store_write_json(struct store *st, int dirfd, const char *dname, const char *name,
		     const struct json *j);
/* Read and parse dirfd/name (at most max bytes); NULL + error (the
 * caller may check err_errno() == ENOENT). */
struct json *store_read_json(struct store *st, int dirfd, const char *dname, const char *name,
			     size_t max);
/* Push the names in directory dirfd (dname under ROOT), "." and ".." left out. */
int store_list_dir(struct store *st, int dirfd, const char *dname, struct strv *names);
/* Push every digest the holds/ files list (image IDs and chain IDs). */
int store_holds_digests(struct store *st, struct strv *out);
/* Write repositories.json (caller holds records.lock or the store). */
int store_tags_write(struct store *st, const struct json *tags);
/* Remove dirfd/name and all below it without following symlinks or
 * crossing mounts, making read-only directories writable as needed. Adds
 * the regular files' sizes to *bytes (may be NULL). Absent is fine. */
int store_rmtree_at(int dirfd, const char *name, unsigned long long *bytes);
/* Take ROOT/lock exclusively (flags: LOCK_TRY) / give it back as shared. */
int store_lock_excl(struct store *st, unsigned flags);
void store_lock_shared(struct store *st);
/* Take ROOT/records.lock (exclusive): returns the fd or -errno. */
int store_records_lock(struct store *st);

#endif
