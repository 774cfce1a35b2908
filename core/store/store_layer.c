// SPDX-License-Identifier: Apache-2.0
/* store_layer.c - layers/CHAINHEX: staged under tmp/, one unpacker per layer,
 * renamed in whole. The unpacking itself (tar, whiteouts) is core/image/layer.c's. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "core/store/store_int.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/json.h"
#include "core/util/lock.h"
#include "core/util/xalloc.h"

enum { LAYER_META_MAX = 64 * 1024 };

struct store_layer_tx {
	struct store *st;
	int lockfd;		/* tmp/layer-HEX.lock, exclusive */
	int stagefd;		/* tmp/layer-HEX */
	int dirfd;		/* tmp/layer-HEX/diff, for the unpacker */
	char chain[DIGEST_STRLEN], diff[DIGEST_STRLEN], parent[DIGEST_STRLEN], blob[DIGEST_STRLEN];
	char name[80];		/* layer-HEX */
	char *path;		/* ROOT/tmp/layer-HEX/diff */
};

bool store_layer_has(struct store *st, const char *chain_id)
{
	char meta[SHA256_HEX + 16];
	struct stat sb;

	if (!sha256_is_digest(chain_id))
		return false;
	snprintf(meta, sizeof(meta), "%s/meta.json", chain_id + 7);
	return fstatat(st->layerfd, meta, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(sb.st_mode);
}

char *store_layer_path(struct store *st, const char *chain_id)
{
	const char *hex = store_hex(chain_id, "layer chain ID");

	return hex ? xasprintf("%s/layers/%s/diff", st->root, hex) : NULL;
}

struct json *store_layer_meta(struct store *st, const char *chain_id)
{
	const char *hex = store_hex(chain_id, "layer chain ID");
	char meta[SHA256_HEX + 16];

	if (!hex)
		return NULL;
	if (!store_layer_has(st, chain_id)) {
		err_setx(ENOENT, "layer %s is not in the store %s", chain_id, st->root);
		return NULL;
	}
	snprintf(meta, sizeof(meta), "%s/meta.json", hex);
	return store_read_json(st, st->layerfd, "layers", meta, LAYER_META_MAX);
}

int store_layer_tx_fd(const struct store_layer_tx *tx)
{
	return tx->dirfd;
}

const char *store_layer_tx_path(const struct store_layer_tx *tx)
{
	return tx->path;
}

/* Let go of the per-layer lock; its file goes first, while still held, so
 * that a waiter retries on a fresh one (see lock_open_at). */
static void layer_unlock(struct store *st, const char *name, int lockfd)
{
	char lname[96];

	snprintf(lname, sizeof(lname), "%s.lock", name);
	unlinkat(st->tmpfd, lname, 0);
	lock_close(lockfd);
}

static void layer_tx_free(struct store_layer_tx *tx)
{
	if (tx->dirfd >= 0)
		close(tx->dirfd);
	if (tx->stagefd >= 0)
		close(tx->stagefd);
	layer_unlock(tx->st, tx->name, tx->lockfd);
	free(tx->path);
	free(tx);
}

/* A fresh staging tree tmp/layer-HEX/diff; what a dead unpacker left there
 * (we hold the layer's lock) goes first, as does a layers/HEX that never
 * got its meta.json. */
static int layer_stage(struct store_layer_tx *tx)
{
	struct store *st = tx->st;

	if (store_rmtree_at(st->tmpfd, tx->name, NULL) < 0 ||
	    store_rmtree_at(st->layerfd, tx->chain + 7, NULL) < 0)
		return err_ctx("clear an old copy of layer %s", tx->chain);
	if (mkdirat(st->tmpfd, tx->name, 0755) < 0)
		return err_set(errno, "create %s/tmp/%s", st->root, tx->name);
	tx->stagefd = openat(st->tmpfd, tx->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (tx->stagefd < 0)
		return err_set(errno, "open %s/tmp/%s", st->root, tx->name);
	if (mkdirat(tx->stagefd, "diff", 0755) < 0)
		return err_set(errno, "create %s", tx->path);
	tx->dirfd = openat(tx->stagefd, "diff", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (tx->dirfd < 0)
		return err_set(errno, "open %s", tx->path);
	return 0;
}

/* Copy an optional (already checked) digest; "" for none. */
static void layer_arg(char dst[DIGEST_STRLEN], const char *digest)
{
	snprintf(dst, DIGEST_STRLEN, "%s", digest ? digest : "");
}

int store_layer_begin(struct store *st, const char *chain_id, const char *diff_id,
		      const char *parent, const char *blob, struct store_layer_tx **out)
{
	struct store_layer_tx *tx;
	char lname[96];
	int lockfd;

	*out = NULL;
	if (!store_hex(chain_id, "layer chain ID") || !store_hex(diff_id, "layer diff ID") ||
	    (parent && !store_hex(parent, "parent layer")) || (blob && !store_hex(blob, "blob")))
		return -EINVAL;
	if (store_layer_has(st, chain_id))
		return 1;
	snprintf(lname, sizeof(lname), "layer-%s.lock", chain_id + 7);
	lockfd = lock_open_at(st->tmpfd, lname, LOCK_EXCL);
	if (lockfd < 0)
		return err_ctx("%s/tmp", st->root);
	tx = xzalloc(sizeof(*tx));
	tx->st = st;
	tx->lockfd = lockfd;
	tx->stagefd = tx->dirfd = -1;
	snprintf(tx->name, sizeof(tx->name), "layer-%s", chain_id + 7);
	tx->path = xasprintf("%s/tmp/%s/diff", st->root, tx->name);
	layer_arg(tx->chain, chain_id);
	layer_arg(tx->diff, diff_id);
	layer_arg(tx->parent, parent);
	layer_arg(tx->blob, blob);
	if (store_layer_has(st, chain_id)) {
		layer_tx_free(tx);	/* the unpacker we waited for made it */
		return 1;
	}
	if (layer_stage(tx) < 0) {
		store_layer_abort(tx);
		return err_ctx("unpack layer %s", chain_id);
	}
	*out = tx;
	return 0;
}

/* meta.json next to diff/ in the staging directory. */
static int layer_write_meta(struct store_layer_tx *tx, long long size)
{
	struct json *j = json_new_obj();
	autofree char *s = NULL;
	autoclose int fd = -1;
	int r;

	json_add_str(j, "diff_id", tx->diff);
	json_add_str(j, "chain_id", tx->chain);
	if (tx->parent[0])
		json_add_str(j, "parent", tx->parent);
	else
		json_add_null(j, "parent");
	json_add_i64(j, "size", size);
	if (tx->blob[0])
		json_add_str(j, "blob", tx->blob);
	else
		json_add_null(j, "blob");
	s = json_print(j, false);
	json_free(j);
	fd = openat(tx->stagefd, "meta.json", O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		    0644);
	if (fd < 0)
		return err_set(errno, "create %s/tmp/%s/meta.json", tx->st->root, tx->name);
	r = fsutil_write_full(fd, s, strlen(s));
	if (r < 0)
		return err_set(-r, "write %s/tmp/%s/meta.json", tx->st->root, tx->name);
	return 0;
}

int store_layer_commit(struct store_layer_tx *tx, long long size)
{
	struct store *st = tx->st;

	if (layer_write_meta(tx, size) < 0)
		goto fail;
	/* One syncfs makes the whole unpacked tree durable before the rename
	 * publishes it: far cheaper than an fsync per file and directory. */
	if (syncfs(tx->dirfd) < 0) {
		err_set(errno, "sync %s", tx->path);
		goto fail;
	}
	if (renameat(st->tmpfd, tx->name, st->layerfd, tx->chain + 7) < 0) {
		err_set(errno, "rename %s/tmp/%s to layers/%s", st->root, tx->name, tx->chain + 7);
		goto fail;
	}
	if (store_fsync_dir(st->layerfd, "layers") < 0)
		goto fail_renamed;
	if (!st->keep_layer_blobs && tx->blob[0])
		store_blob_remove(st, tx->blob);
	layer_tx_free(tx);
	return 0;
fail_renamed:
	store_rmtree_at(st->layerfd, tx->chain + 7, NULL);
fail:
	err_ctx("store layer %s", tx->chain);
	store_layer_abort(tx);
	return -err_errno();
}

void store_layer_abort(struct store_layer_tx *tx)
{
	int e = err_errno();
	char line[256];

	if (!tx)
		return;
	snprintf(line, sizeof(line), "%s", err_str());
	if (tx->dirfd >= 0)
		close(tx->dirfd);
	tx->dirfd = -1;
	store_rmtree_at(tx->st->tmpfd, tx->name, NULL);
	layer_tx_free(tx);
	if (e)
		err_setx(e, "%s", line);	/* keep the error that made us give up */
	else
		err_clear();
}
