// SPDX-License-Identifier: Apache-2.0
/* store.c - opening the store: its directories, the root lock, the sweep of
 * stale staging; settings and chain IDs. Blobs, layers, images: store_*.c. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "core/store/store_int.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/lock.h"
#include "core/util/xalloc.h"

static const struct store_dir {
	const char *path;
	mode_t mode;
	size_t fd_off;		/* where its fd goes in struct store, or 0 */
} store_dirs[] = {
	{ "tmp", 0700, offsetof(struct store, tmpfd) },
	{ "blobs", 0755, 0 },
	{ "blobs/sha256", 0755, offsetof(struct store, blobfd) },
	{ "blobs/partial", 0700, offsetof(struct store, partfd) },
	{ "layers", 0755, offsetof(struct store, layerfd) },
	{ "images", 0755, offsetof(struct store, imagefd) },
	{ "holds", 0755, offsetof(struct store, holdfd) },
};

const char *store_hex(const char *digest, const char *what)
{
	if (!sha256_is_digest(digest)) {
		err_setx(EINVAL, "invalid %s: %s", what, digest ? digest : "(none)");
		return NULL;
	}
	return digest + 7;
}

bool store_is_hex(const char *name)
{
	size_t i;

	for (i = 0; name[i]; i++) {
		if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
			return false;
	}
	return i == SHA256_HEX;
}

void store_chain_id(const char *parent, const char *diff_id, char out[DIGEST_STRLEN])
{
	autofree char *s = NULL;

	if (!parent || !*parent) {
		snprintf(out, DIGEST_STRLEN, "%s", diff_id);
		return;
	}
	s = xasprintf("%s %s", parent, diff_id);
	sha256_digest(s, strlen(s), out);
}

/* Create (if we may) and open ROOT/path. A read-only store is fine as long
 * as the directory is already there. */
static int store_open_dir(struct store *st, const struct store_dir *d)
{
	int fd;

	if (mkdirat(st->rootfd, d->path, d->mode) < 0 && errno != EEXIST &&
	    errno != EROFS && errno != EACCES)
		return err_set(errno, "create %s/%s", st->root, d->path);
	fd = openat(st->rootfd, d->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_set(errno, "open %s/%s", st->root, d->path);
	if (d->fd_off)
		*(int *)((char *)st + d->fd_off) = fd;
	else
		close(fd);
	return 0;
}

/* Everything in tmp/ belongs to a command that is gone: only called with
 * ROOT/lock held exclusively, which no live store user allows. */
static void store_sweep_tmp(struct store *st)
{
	struct strv names = { 0 };

	store_list_dir(st, st->tmpfd, "tmp", &names);
	for (size_t i = 0; i < names.n; i++)
		store_rmtree_at(st->tmpfd, names.v[i], NULL);
	strv_free(&names);
	err_clear();	/* best effort: what stays is swept next time or by gc */
}

/* Hold ROOT/lock shared for the handle's life; sweep tmp/ first when we
 * can have it exclusively (nobody else in the store). */
static int store_take_root_lock(struct store *st)
{
	int fd = lock_open_at(st->rootfd, "lock", LOCK_EXCL | LOCK_TRY);

	if (fd >= 0) {
		store_sweep_tmp(st);
		if (lock_fd(fd, LOCK_SHARED) < 0) {
			close(fd);
			return err_ctx("lock %s/lock", st->root);
		}
	} else if (err_errno() == EWOULDBLOCK) {
		fd = lock_open_at(st->rootfd, "lock", LOCK_SHARED);
	}
	if (fd < 0 && err_errno() == ENOENT) {
		err_clear();	/* a read-only store without a lock: nobody writes */
		return 0;
	}
	if (fd < 0)
		return err_ctx("%s", st->root);
	st->lockfd = fd;
	return 0;
}

int store_lock_excl(struct store *st, unsigned flags)
{
	int r;

	if (st->lockfd < 0)
		return 0;
	r = lock_fd(st->lockfd, LOCK_EXCL | (flags & LOCK_TRY));
	if (r == 0)
		return 0;
	store_lock_shared(st);	/* a failed flock conversion dropped the old lock */
	if (r == -EWOULDBLOCK)
		return err_setx(EWOULDBLOCK, "the store %s is in use by another dory command",
				st->root);
	return err_ctx("lock %s/lock", st->root);
}

void store_lock_shared(struct store *st)
{
	if (st->lockfd >= 0)
		lock_fd(st->lockfd, LOCK_SHARED);
}

int store_records_lock(struct store *st)
{
	int fd = lock_open_at(st->rootfd, "records.lock", LOCK_EXCL);

	if (fd < 0)
		return err_ctx("%s", st->root);
	return fd;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	{
		int fds[] = { st->rootfd, st->tmpfd, st->blobfd, st->partfd, st->layerfd,
			      st->imagefd, st->holdfd, st->lockfd };

		for (size_t i = 0; i < ARRAY_SIZE(fds); i++) {
			if (fds[i] >= 0)
				close(fds[i]);
		}
	}
	free(st->root);
	free(st);
}

int store_open(const char *root, struct store **out)
{
	struct store *st = xzalloc(sizeof(*st));

	st->root = xstrdup(root);
	st->keep_layer_blobs = true;
	st->tmpfd = st->blobfd = st->partfd = st->layerfd = st->imagefd = st->holdfd = -1;
	st->lockfd = -1;
	st->rootfd = -1;
	*out = NULL;
	if (fsutil_mkdir_p(root, 0711) < 0)
		goto fail;
	st->rootfd = openat(AT_FDCWD, root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st->rootfd < 0) {
		err_set(errno, "open %s", root);
		goto fail;
	}
	for (size_t i = 0; i < ARRAY_SIZE(store_dirs); i++) {
		if (store_open_dir(st, &store_dirs[i]) < 0)
			goto fail;
	}
	if (store_take_root_lock(st) < 0)
		goto fail;
	*out = st;
	return 0;
fail:
	store_close(st);
	return err_ctx("open the image store");
}

const char *store_root(const struct store *st)
{
	return st->root;
}

void store_set_keep_layer_blobs(struct store *st, bool keep)
{
	st->keep_layer_blobs = keep;
}

bool store_keep_layer_blobs(const struct store *st)
{
	return st->keep_layer_blobs;
}
