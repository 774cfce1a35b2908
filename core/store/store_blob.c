// SPDX-License-Identifier: Apache-2.0
/* store_blob.c - blobs/sha256: verified puts and reads, and the resumable
 * streaming writer behind downloads. Fetching them is the registry's job. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "core/store/store_int.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/lock.h"
#include "core/util/xalloc.h"

enum { BLOB_BUF = 64 * 1024 };

struct store_blob_writer {
	struct store *st;
	int fd;				/* blobs/partial/HEX (locked) or tmp/NAME */
	char expected[DIGEST_STRLEN];	/* "" when unknown */
	char tname[STORE_TMPNAME];	/* the tmp/ name when expected is unknown */
	long long expected_size, size, offset;
	struct sha256 sha;
};

bool store_has_blob(struct store *st, const char *digest)
{
	struct stat sb;

	if (!sha256_is_digest(digest))
		return false;
	return fstatat(st->blobfd, digest + 7, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISREG(sb.st_mode);
}

char *store_blob_path(struct store *st, const char *digest)
{
	const char *hex = store_hex(digest, "blob digest");

	return hex ? xasprintf("%s/blobs/sha256/%s", st->root, hex) : NULL;
}

int store_blob_put(struct store *st, const void *p, size_t n, const char *expected,
		   char digest_out[DIGEST_STRLEN])
{
	char d[DIGEST_STRLEN];

	sha256_digest(p, n, d);
	if (digest_out)
		memcpy(digest_out, d, sizeof(d));
	if (expected && !store_hex(expected, "blob digest"))
		return -EINVAL;
	if (expected && strcmp(d, expected))
		return err_setx(EBADMSG, "blob %s has digest %s (the data is damaged)", expected,
				d);
	if (store_has_blob(st, d))
		return 0;
	if (store_write_atomic(st, st->blobfd, "blobs/sha256", d + 7, p, n) < 0)
		return err_ctx("store blob %s", d);
	return 0;
}

int store_blob_open(struct store *st, const char *digest)
{
	const char *hex = store_hex(digest, "blob digest");
	int fd;

	if (!hex)
		return -EINVAL;
	fd = openat(st->blobfd, hex, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return err_setx(ENOENT, "blob %s is not in the store %s", digest, st->root);
	if (fd < 0)
		return err_set(errno, "open %s/blobs/sha256/%s", st->root, hex);
	return fd;
}

/* Hash what fd holds from its current offset to the end into s. Returns the
 * bytes hashed or -errno (recorded). */
static long long blob_hash_fd(int fd, struct sha256 *s, const char *what)
{
	autofree char *buf = xmalloc(BLOB_BUF);
	long long total = 0;

	for (;;) {
		ssize_t r = fsutil_read_full(fd, buf, BLOB_BUF);

		if (r < 0)
			return err_set((int)-r, "read %s", what);
		if (r == 0)
			return total;
		sha256_update(s, buf, (size_t)r);
		total += r;
	}
}

/* Record "blob X in ROOT is damaged": what a failed re-verification says
 * (not the digest found: the one line has room for one digest). */
static int blob_damaged(struct store *st, const char *digest)
{
	err_setx(EBADMSG, "blob %s in %s is damaged", digest, st->root);
	return err_hint("run 'dory check --store', then pull the image again");
}

int store_blob_read(struct store *st, const char *digest, size_t max, char **out, size_t *len)
{
	autoclose int fd = store_blob_open(st, digest);
	autofree char *buf = NULL;
	char got[DIGEST_STRLEN];
	struct stat sb;
	ssize_t r;

	if (fd < 0)
		return fd;
	if (fstat(fd, &sb) < 0)
		return err_set(errno, "stat blob %s", digest);
	if ((unsigned long long)sb.st_size > max)
		return err_setx(EFBIG, "blob %s is %lld bytes, more than the %zu allowed", digest,
				(long long)sb.st_size, max);
	buf = xmalloc((size_t)sb.st_size + 1);
	r = fsutil_read_full(fd, buf, (size_t)sb.st_size);
	if (r < 0)
		return err_set((int)-r, "read blob %s", digest);
	buf[r] = '\0';
	sha256_digest(buf, (size_t)r, got);
	if (strcmp(got, digest))
		return blob_damaged(st, digest);
	*out = TAKE(buf);
	if (len)
		*len = (size_t)r;
	return 0;
}

int store_blob_remove(struct store *st, const char *digest)
{
	const char *hex = store_hex(digest, "blob digest");

	if (!hex)
		return -EINVAL;
	if (unlinkat(st->blobfd, hex, 0) < 0 && errno != ENOENT)
		return err_set(errno, "remove %s/blobs/sha256/%s", st->root, hex);
	return store_fsync_dir(st->blobfd, "blobs/sha256");
}

int store_blob_verify(struct store *st, const char *digest, bool remove_bad)
{
	autoclose int fd = store_blob_open(st, digest);
	char got[DIGEST_STRLEN];
	struct sha256 s;

	if (fd < 0)
		return fd;
	sha256_init(&s);
	if (blob_hash_fd(fd, &s, digest) < 0)
		return -err_errno();
	sha256_final_digest(&s, got);
	if (!strcmp(got, digest))
		return 0;
	if (remove_bad && store_blob_remove(st, digest) < 0)
		return -err_errno();
	return blob_damaged(st, digest);
}

/* ---- the streaming writer ---- */

/* Start the partial over: empty file, fresh hash. */
static int writer_restart(struct store_blob_writer *w)
{
	sha256_init(&w->sha);
	w->size = w->offset = 0;
	if (ftruncate(w->fd, 0) < 0 || lseek(w->fd, 0, SEEK_SET) < 0)
		return err_set(errno, "truncate the partial download of %s", w->expected);
	return 0;
}

/* Rebuild the hash state from what an interrupted attempt left: the file
 * size is the truth (data is written before the size grows). Returns 1
 * when the partial is already the whole, correct blob. */
static int writer_resume(struct store_blob_writer *w)
{
	char got[DIGEST_STRLEN];
	struct sha256 copy;
	long long n;

	sha256_init(&w->sha);
	if (lseek(w->fd, 0, SEEK_SET) < 0)
		return writer_restart(w);
	n = blob_hash_fd(w->fd, &w->sha, "the partial download");
	if (n < 0 || (w->expected_size >= 0 && n > w->expected_size))
		return writer_restart(w);
	if (ftruncate(w->fd, n) < 0 || lseek(w->fd, n, SEEK_SET) < 0)
		return writer_restart(w);
	w->size = w->offset = n;
	if (n != w->expected_size)
		return 0;
	copy = w->sha;
	sha256_final_digest(&copy, got);
	if (!strcmp(got, w->expected))
		return 1;
	return writer_restart(w);
}

/* Lock blobs/partial/HEX for writing, after any other writer of it. */
static int writer_lock_partial(struct store *st, const char *hex)
{
	int fd = lock_open_at(st->partfd, hex, LOCK_EXCL);

	if (fd < 0)
		return err_ctx("%s/blobs/partial", st->root);
	if ((fcntl(fd, F_GETFL) & O_ACCMODE) != O_RDWR) {
		close(fd);
		return err_setx(EACCES, "%s/blobs/partial/%s is not writable", st->root, hex);
	}
	return fd;
}

int store_blob_writer_open(struct store *st, const char *expected, long long expected_size,
			   struct store_blob_writer **out)
{
	struct store_blob_writer *w;
	const char *hex = NULL;
	int fd = -1, r;

	*out = NULL;
	if (expected && !(hex = store_hex(expected, "blob digest")))
		return -EINVAL;
	if (expected && store_has_blob(st, expected))
		return 1;
	if (expected)
		fd = writer_lock_partial(st, hex);
	w = xzalloc(sizeof(*w));
	if (!expected)
		fd = store_tmp_create(st, "blob", w->tname);
	if (fd < 0) {
		free(w);
		return fd;
	}
	w->st = st;
	w->fd = fd;
	w->expected_size = expected_size;
	sha256_init(&w->sha);
	if (!expected) {
		*out = w;
		return 0;
	}
	snprintf(w->expected, sizeof(w->expected), "%s", expected);
	if (store_has_blob(st, expected)) {
		store_blob_writer_abort(w, false);	/* the writer we waited for made it */
		return 1;
	}
	r = writer_resume(w);
	if (r < 0) {
		store_blob_writer_abort(w, true);
		return r;
	}
	if (r == 1)
		return store_blob_writer_commit(w, NULL) < 0 ? -err_errno() : 1;
	*out = w;
	return 0;
}

long long store_blob_writer_offset(const struct store_blob_writer *w)
{
	return w->offset;
}

int store_blob_writer_fd(const struct store_blob_writer *w)
{
	return w->fd;
}

int store_blob_writer_write(struct store_blob_writer *w, const void *p, size_t n)
{
	const char *what = w->expected[0] ? w->expected : "a new blob";
	int r;

	if (w->expected_size >= 0 && (unsigned long long)(w->expected_size - w->size) < n)
		return err_setx(EBADMSG, "blob %s is longer than its %lld bytes (the registry sent "
				"damaged data)", what, w->expected_size);
	r = fsutil_write_full(w->fd, p, n);
	if (r < 0)
		return err_set(-r, "write blob %s into %s", what, w->st->root);
	sha256_update(&w->sha, p, n);
	w->size += (long long)n;
	return 0;
}

/* Check what was written against what was expected. */
static int writer_check(struct store_blob_writer *w, const char *got)
{
	const char *what = w->expected[0] ? w->expected : got;

	if (w->expected_size >= 0 && w->size != w->expected_size)
		return err_setx(EBADMSG, "blob %s has %lld bytes, expected %lld (the registry "
				"sent damaged data)", what, w->size, w->expected_size);
	if (w->expected[0] && strcmp(got, w->expected))
		return err_setx(EBADMSG, "blob %s has digest %s (the registry sent damaged data)",
				w->expected, got);
	return 0;
}

int store_blob_writer_commit(struct store_blob_writer *w, char digest_out[DIGEST_STRLEN])
{
	struct store *st = w->st;
	char got[DIGEST_STRLEN];
	int r;

	sha256_final_digest(&w->sha, got);
	if (digest_out)
		memcpy(digest_out, got, sizeof(got));
	r = writer_check(w, got);
	if (r == 0 && fsync(w->fd) < 0)
		r = err_set(errno, "sync blob %s", got);
	if (r == 0 && w->expected[0] &&
	    renameat(st->partfd, got + 7, st->blobfd, got + 7) < 0)
		r = err_set(errno, "rename %s/blobs/partial/%s into blobs/sha256", st->root,
			    got + 7);
	if (r == 0 && !w->expected[0] && renameat(st->tmpfd, w->tname, st->blobfd, got + 7) < 0)
		r = err_set(errno, "rename %s/tmp/%s into blobs/sha256", st->root, w->tname);
	if (r == 0)
		r = store_fsync_dir(st->blobfd, "blobs/sha256");
	if (r < 0) {
		store_blob_writer_abort(w, false);
		return r;
	}
	close(w->fd);	/* releases the lock: a waiting writer finds the blob */
	free(w);
	return 0;
}

void store_blob_writer_abort(struct store_blob_writer *w, bool keep_partial)
{
	if (!w)
		return;
	if (!w->expected[0])
		unlinkat(w->st->tmpfd, w->tname, 0);
	else if (!keep_partial)
		unlinkat(w->st->partfd, w->expected + 7, 0);	/* still locked: no reader */
	else
		fsync(w->fd);	/* best effort: a power cut then loses less */
	close(w->fd);
	free(w);
}
