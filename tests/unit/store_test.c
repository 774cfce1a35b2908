// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "core/store/store.h"
#include "core/store/store_int.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/json.h"
#include "core/util/xalloc.h"
#include "tap.h"
#include "fixture.h"

/* ---- fixtures: a fresh root per test, fake layers and images ---- */

/* repositories.json parses and maps ref to id (NULL: ref is absent). */
static void ttag_is(const char *root, const char *ref, const char *id)
{
	char *p = xasprintf("%s/repositories.json", root), *text = NULL;
	struct json *j;

	CHECK_EQ_INT(fsutil_read_file(p, &text), 0);
	j = json_parse(text ? text : "", text ? strlen(text) : 0);
	CHECK(json_is_obj(j));
	if (id)
		CHECK_EQ_STR(json_get_str(j, ref), id);
	else
		CHECK(json_get(j, ref) == NULL);
	json_free(j);
	free(text);
	free(p);
}

/* Deterministic bytes, not compressible into patterns a bug could hide in. */
static char *tdata(size_t n)
{
	char *p = xmalloc(n);
	unsigned x = 12345;

	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245 + 12345;
		p[i] = (char)(x >> 16);
	}
	return p;
}

/* A layer whose diff ID is the digest of seed, with one file in it. */
static void tlayer(struct store *st, const char *parent, const char *seed,
		   char chain[DIGEST_STRLEN], char diff[DIGEST_STRLEN], const char *blob)
{
	struct store_layer_tx *tx = NULL;
	int r, fd;

	sha256_digest(seed, strlen(seed), diff);
	store_chain_id(parent, diff, chain);
	r = store_layer_begin(st, chain, diff, parent, blob, &tx);
	CHECK(r == 0 || r == 1);
	if (r != 0)
		return;
	fd = openat(store_layer_tx_fd(tx), seed, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	CHECK(fd >= 0);
	CHECK_EQ_INT(fsutil_write_full(fd, seed, strlen(seed)), 0);
	close(fd);
	CHECK_EQ_INT(store_layer_commit(tx, (long long)strlen(seed)), 0);
}

/* An image "name": a config and manifest blob, the shared layer "base" and
 * nlayers - 1 of its own, each with a blob; returns its ID. */
static void timage(struct store *st, const char *name, int nlayers, char id[DIGEST_STRLEN])
{
	char *config = xasprintf("{\"name\":\"%s\"}", name);
	char *man = xasprintf("{\"m\":\"%s\"}", name);
	char mdigest[DIGEST_STRLEN], parent[DIGEST_STRLEN] = "";
	struct json *rec = json_new_obj(), *layers, *rd;

	CHECK_EQ_INT(store_blob_put(st, config, strlen(config), NULL, id), 0);
	CHECK_EQ_INT(store_blob_put(st, man, strlen(man), NULL, mdigest), 0);
	json_add_str(rec, "id", id);
	json_add_str(rec, "config", id);
	json_add_str(rec, "manifest", mdigest);
	layers = json_add_arr(rec, "layers");
	for (int i = 0; i < nlayers; i++) {
		char *seed = i ? xasprintf("%s-%d", name, i) : xstrdup("base");
		char *btext = xasprintf("blob of %s", seed);
		char chain[DIGEST_STRLEN], diff[DIGEST_STRLEN], blob[DIGEST_STRLEN];
		struct json *l = json_add_obj(layers, NULL);

		CHECK_EQ_INT(store_blob_put(st, btext, strlen(btext), NULL, blob), 0);
		tlayer(st, parent[0] ? parent : NULL, seed, chain, diff, blob);
		json_add_str(l, "digest", blob);
		json_add_str(l, "diff_id", diff);
		json_add_str(l, "chain_id", chain);
		json_add_i64(l, "size", (long long)strlen(btext));
		json_add_str(l, "media_type", "application/vnd.oci.image.layer.v1.tar+gzip");
		memcpy(parent, chain, sizeof(chain));
		free(seed);
		free(btext);
	}
	rd = json_add_arr(rec, "repo_digests");
	{
		char *r = xasprintf("example.org/%s@%s", name, mdigest);

		json_add_str(rd, NULL, r);
		free(r);
	}
	CHECK_EQ_INT(store_image_put(st, rec), 0);
	json_free(rec);
	free(config);
	free(man);
}

/* fork with nothing buffered: a child must not print the parent's TAP. */
static pid_t tfork(void)
{
	fflush(stdout);
	return fork();
}

static int tchild(pid_t pid)
{
	int s;

	if (waitpid(pid, &s, 0) < 0)
		return -1;
	return WIFEXITED(s) ? WEXITSTATUS(s) : 128 + WTERMSIG(s);
}

static bool treadable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1;
}

static int hexval(char c)
{
	return c >= 'a' ? c - 'a' + 10 : c - '0';
}

/* ---- blobs ---- */

TEST(store_open_layout)
{
	char *root = fix_tmpdir("store");
	struct store *st = fix_store(root);
	const char *dirs[] = { "tmp", "blobs/sha256", "blobs/partial", "layers", "images",
			       "holds", "lock" };

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		CHECK(fix_exists(root, dirs[i]));
	CHECK_EQ_STR(store_root(st), root);
	CHECK(store_keep_layer_blobs(st));
	store_set_keep_layer_blobs(st, false);
	CHECK(!store_keep_layer_blobs(st));
	store_close(st);
	store_close(NULL);
	fix_rmtree(root);
}

TEST(store_blob_put_read_verify)
{
	char *root = fix_tmpdir("store"), *out = NULL, *path;
	struct store *st = fix_store(root);
	char d[DIGEST_STRLEN], want[DIGEST_STRLEN];
	size_t len = 0;

	sha256_digest("hello", 5, want);
	CHECK(!store_has_blob(st, want));
	CHECK_EQ_INT(store_blob_put(st, "hello", 5, want, d), 0);
	CHECK_EQ_STR(d, want);
	CHECK(store_has_blob(st, want));
	CHECK_EQ_INT(store_blob_put(st, "hello", 5, NULL, NULL), 0);	/* twice is fine */
	CHECK_EQ_INT(store_blob_read(st, want, 100, &out, &len), 0);
	CHECK_EQ_STR(out, "hello");
	CHECK_EQ_INT(len, 5);
	free(out);
	CHECK_EQ_INT(store_blob_read(st, want, 4, &out, &len), -EFBIG);
	CHECK_EQ_INT(store_blob_verify(st, want, false), 0);
	CHECK_EQ_INT(fix_count(root, "tmp"), 0);
	/* Damage it on disk: reading must refuse, never hand it out. */
	path = store_blob_path(st, want);
	CHECK(str_has_prefix(path, root));
	CHECK_EQ_INT(fix_put(root, path + strlen(root) + 1, "hellO", 0644), 0);
	out = NULL;
	CHECK_EQ_INT(store_blob_read(st, want, 100, &out, &len), -EBADMSG);
	CHECK(out == NULL);
	CHECK(strstr(err_str(), "is damaged") != NULL);
	CHECK_EQ_INT(store_blob_verify(st, want, false), -EBADMSG);
	CHECK(store_has_blob(st, want));
	CHECK_EQ_INT(store_blob_verify(st, want, true), -EBADMSG);
	CHECK(!store_has_blob(st, want));
	CHECK_EQ_INT(store_blob_verify(st, want, false), -ENOENT);
	CHECK_EQ_INT(store_blob_read(st, want, 100, &out, &len), -ENOENT);
	CHECK(strstr(err_str(), "not in the store") != NULL);
	free(path);
	store_close(st);
	fix_rmtree(root);
}

TEST(store_blob_put_wrong_digest)
{
	char *root = fix_tmpdir("store");
	struct store *st = fix_store(root);
	char want[DIGEST_STRLEN], d[DIGEST_STRLEN];

	sha256_digest("good", 4, want);
	CHECK_EQ_INT(store_blob_put(st, "evil", 4, want, d), -EBADMSG);
	CHECK(strstr(err_str(), want) != NULL);
	CHECK(!store_has_blob(st, want) && !store_has_blob(st, d));
	CHECK_EQ_INT(fix_count(root, "blobs/sha256"), 0);
	CHECK_EQ_INT(fix_count(root, "tmp"), 0);
	store_close(st);
	fix_rmtree(root);
}

TEST(store_invalid_digests)
{
	char *root = fix_tmpdir("store");
	struct store *st = fix_store(root);
	struct store_blob_writer *w = NULL;
	struct store_layer_tx *tx = NULL;
	const char *bad[] = { "sha256:../../../etc/passwd", "sha256:ABC", "md5:00", "", "x" };

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		CHECK(!store_has_blob(st, bad[i]));
		CHECK(store_blob_path(st, bad[i]) == NULL);
		CHECK_EQ_INT(store_blob_open(st, bad[i]), -EINVAL);
		CHECK_EQ_INT(store_blob_writer_open(st, bad[i], -1, &w), -EINVAL);
		CHECK_EQ_INT(store_layer_begin(st, bad[i], bad[i], NULL, NULL, &tx), -EINVAL);
		CHECK(store_image_get(st, bad[i]) == NULL);
		CHECK(!store_layer_has(st, bad[i]));
	}
	CHECK(strstr(err_str(), "invalid") != NULL);
	store_close(st);
	fix_rmtree(root);
}

/* ---- the streaming writer ---- */

enum { BIG = 300 * 1000 + 7 };

TEST(store_writer_resume)
{
	char *root = fix_tmpdir("store"), *data = tdata(BIG), *out = NULL;
	struct store *st = fix_store(root);
	struct store_blob_writer *w = NULL;
	char d[DIGEST_STRLEN], got[DIGEST_STRLEN];
	size_t len;

	sha256_digest(data, BIG, d);
	CHECK_EQ_INT(store_blob_writer_open(st, d, BIG, &w), 0);
	CHECK_EQ_INT(store_blob_writer_offset(w), 0);
	CHECK_EQ_INT(store_blob_writer_write(w, data, BIG / 2), 0);
	store_blob_writer_abort(w, true);	/* the connection dropped */
	CHECK_EQ_INT(fix_count(root, "blobs/partial"), 1);
	CHECK(!store_has_blob(st, d));
	w = NULL;
	CHECK_EQ_INT(store_blob_writer_open(st, d, BIG, &w), 0);
	CHECK_EQ_INT(store_blob_writer_offset(w), BIG / 2);
	/* What was stored can be read again (to feed the unpacker). */
	out = xmalloc(BIG / 2);
	CHECK_EQ_INT(pread(store_blob_writer_fd(w), out, BIG / 2, 0), BIG / 2);
	CHECK(!memcmp(out, data, BIG / 2));
	free(out);
	out = NULL;
	CHECK_EQ_INT(store_blob_writer_write(w, data + BIG / 2, BIG - BIG / 2), 0);
	CHECK_EQ_INT(store_blob_writer_commit(w, got), 0);
	CHECK_EQ_STR(got, d);
	CHECK(store_has_blob(st, d));
	CHECK_EQ_INT(fix_count(root, "blobs/partial"), 0);
	CHECK_EQ_INT(store_blob_read(st, d, BIG, &out, &len), 0);
	CHECK_EQ_INT(len, BIG);
	CHECK(out && !memcmp(out, data, BIG));
	/* Present now: open says so and gives no writer. */
	w = NULL;
	CHECK_EQ_INT(store_blob_writer_open(st, d, BIG, &w), 1);
	CHECK(w == NULL);
	free(out);
	free(data);
	store_close(st);
	fix_rmtree(root);
}

TEST(store_writer_killed_midway_resumes)
{
	char *root = fix_tmpdir("store"), *data = tdata(BIG);
	struct store *st = fix_store(root);
	struct store_blob_writer *w = NULL;
	char d[DIGEST_STRLEN];
	pid_t pid;

	sha256_digest(data, BIG, d);
	pid = tfork();
	if (pid == 0) {
		struct store *cst = NULL;

		if (store_open(root, &cst) < 0 || store_blob_writer_open(cst, d, BIG, &w) != 0 ||
		    store_blob_writer_write(w, data, 100000) < 0 ||
		    store_blob_writer_write(w, data + 100000, 1234) < 0)
			_exit(1);
		raise(SIGKILL);
	}
	CHECK_EQ_INT(tchild(pid), 128 + SIGKILL);
	CHECK(!store_has_blob(st, d));
	CHECK_EQ_INT(store_blob_writer_open(st, d, BIG, &w), 0);
	CHECK_EQ_INT(store_blob_writer_offset(w), 101234);
	CHECK_EQ_INT(store_blob_writer_write(w, data + 101234, BIG - 101234), 0);
	CHECK_EQ_INT(store_blob_writer_commit(w, NULL), 0);
	CHECK_EQ_INT(store_blob_verify(st, d, false), 0);
	free(data);
	store_close(st);
	fix_rmtree(root);
}

TEST(store_writer_wrong_digest_leaves_nothing)
{
	char *root = fix_tmpdir("store"), *data = tdata(5000);
	struct store *st = fix_store(root);
	struct store_blob_writer *w = NULL;
	char d[DIGEST_STRLEN], got[DIGEST_STRLEN];

	sha256_digest(data, 5000, d);
	data[4000] ^= 1;	/* the registry flips a bit */
	CHECK_EQ_INT(store_blob_writer_open(st, d, 5000, &w), 0);
	CHECK_EQ_INT(store_blob_writer_write(w, data, 5000), 0);
	CHECK_EQ_INT(store_blob_writer_commit(w, got), -EBADMSG);
	CHECK(strstr(err_str(), "has digest") != NULL);
	CHECK(strstr(err_str(), "the registry sent damaged data") != NULL);
	CHECK(!store_has_blob(st, d) && !store_has_blob(st, got));
	CHECK_EQ_INT(fix_count(root, "blobs/partial"), 0);
	CHECK_EQ_INT(fix_count(root, "blobs/sha256"), 0);
	/* Too long, and too short. */
	CHECK_EQ_INT(store_blob_writer_open(st, d, 5000, &w), 0);
	CHECK_EQ_INT(store_blob_writer_write(w, data, 4000), 0);
	CHECK_EQ_INT(store_blob_writer_write(w, data, 1001), -EBADMSG);
	CHECK_EQ_INT(store_blob_writer_commit(w, NULL), -EBADMSG);
	CHECK(strstr(err_str(), "4000 bytes, expected 5000") != NULL);
	CHECK_EQ_INT(fix_count(root, "blobs/partial"), 0);
	/* Dropped without keep_partial. */
	CHECK_EQ_INT(store_blob_writer_open(st, d, 5000, &w), 0);
	CHECK_EQ_INT(store_blob_writer_write(w, data, 10), 0);
	store_blob_writer_abort(w, false);
	store_blob_writer_abort(NULL, false);
	CHECK_EQ_INT(fix_count(root, "blobs/partial"), 0);
	free(data);
	store_close(st);
	fix_rmtree(root);
}

TEST(store_writer_partial_edge_cases)
{
	char *root = fix_tmpdir("store"), *data = tdata(7000);
	struct store *st = fix_store(root);
	struct store_blob_writer *w = NULL;
	char d[DIGEST_STRLEN], part[200];

	sha256_digest(data, 7000, d);
	/* A complete, correct partial (killed just before the rename): open
	 * finishes it. */
	CHECK_EQ_INT(store_blob_writer_open(st, d, 7000, &w), 0);
	CHECK_EQ_INT(store_blob_writer_write(w, data, 7000), 0);
	store_blob_writer_abort(w, true);
	CHECK_EQ_INT(store_blob_writer_open(st, d, 7000, &w), 1);
	CHECK(store_has_blob(st, d));
	CHECK_EQ_INT(fix_count(root, "blobs/partial"), 0);
	CHECK_EQ_INT(store_blob_remove(st, d), 0);
	CHECK_EQ_INT(store_blob_remove(st, d), 0);
	/* A damaged partial of full length, and one longer than the blob:
	 * both start over. */
	snprintf(part, sizeof(part), "blobs/partial/%s", d + 7);
	CHECK_EQ_INT(fix_put(root, part, "x", 0644), 0);
	data[0] ^= 1;
	{
		char *p = xasprintf("%s/%s", root, part);
		int fd = open(p, O_WRONLY | O_TRUNC | O_CLOEXEC);

		CHECK_EQ_INT(fsutil_write_full(fd, data, 7000), 0);
		close(fd);
		free(p);
	}
	data[0] ^= 1;
	CHECK_EQ_INT(store_blob_writer_open(st, d, 7000, &w), 0);
	CHECK_EQ_INT(store_blob_writer_offset(w), 0);
	store_blob_writer_abort(w, true);
	CHECK_EQ_INT(store_blob_writer_open(st, d, 6000, &w), 0);
	CHECK_EQ_INT(store_blob_writer_offset(w), 0);
	store_blob_writer_abort(w, false);
	/* Unknown size: the partial is taken as it is. */
	CHECK_EQ_INT(fix_put(root, part, "abc", 0644), 0);
	CHECK_EQ_INT(store_blob_writer_open(st, d, -1, &w), 0);
	CHECK_EQ_INT(store_blob_writer_offset(w), 3);
	store_blob_writer_abort(w, false);
	free(data);
	store_close(st);
	fix_rmtree(root);
}

TEST(store_writer_unknown_digest)
{
	char *root = fix_tmpdir("store"), *data = tdata(9999);
	struct store *st = fix_store(root);
	struct store_blob_writer *w = NULL;
	char d[DIGEST_STRLEN], want[DIGEST_STRLEN];

	sha256_digest(data, 9999, want);
	CHECK_EQ_INT(store_blob_writer_open(st, NULL, -1, &w), 0);
	CHECK_EQ_INT(fix_count(root, "tmp"), 1);
	CHECK_EQ_INT(store_blob_writer_write(w, data, 5000), 0);
	CHECK_EQ_INT(store_blob_writer_write(w, data + 5000, 4999), 0);
	CHECK_EQ_INT(store_blob_writer_commit(w, d), 0);
	CHECK_EQ_STR(d, want);
	CHECK(store_has_blob(st, d));
	CHECK_EQ_INT(fix_count(root, "tmp"), 0);
	CHECK_EQ_INT(store_blob_writer_open(st, NULL, 10, &w), 0);
	CHECK_EQ_INT(store_blob_writer_write(w, data, 5), 0);
	CHECK_EQ_INT(store_blob_writer_commit(w, d), -EBADMSG);
	CHECK_EQ_INT(fix_count(root, "tmp"), 0);
	free(data);
	store_close(st);
	fix_rmtree(root);
}

/* Two processes download one blob: the second waits, then finds it done. */
TEST(store_writer_concurrent)
{
	char *root = fix_tmpdir("store"), *data = tdata(BIG);
	struct store *st = fix_store(root);
	char d[DIGEST_STRLEN];
	int p[2];
	pid_t a, b;

	sha256_digest(data, BIG, d);
	CHECK_EQ_INT(pipe2(p, O_CLOEXEC), 0);
	a = tfork();
	if (a == 0) {
		struct store *cst = NULL;
		struct store_blob_writer *w = NULL;

		store_close(st);
		if (store_open(root, &cst) < 0 || store_blob_writer_open(cst, d, BIG, &w) != 0 ||
		    write(p[1], "a", 1) != 1 || store_blob_writer_write(w, data, BIG / 2) < 0)
			_exit(1);
		usleep(300 * 1000);
		if (store_blob_writer_write(w, data + BIG / 2, BIG - BIG / 2) < 0 ||
		    store_blob_writer_commit(w, NULL) < 0)
			_exit(2);
		store_close(cst);
		_exit(10);
	}
	CHECK(treadable(p[0], 10000));	/* a holds the blob's lock */
	b = tfork();
	if (b == 0) {
		struct store *cst = NULL;
		struct store_blob_writer *w = NULL;
		int r;

		store_close(st);
		if (store_open(root, &cst) < 0)
			_exit(1);
		r = store_blob_writer_open(cst, d, BIG, &w);
		if (r == 0) {	/* would be a second download */
			store_blob_writer_abort(w, true);
			_exit(3);
		}
		_exit(r == 1 && store_has_blob(cst, d) ? 11 : 4);
	}
	CHECK_EQ_INT(tchild(a), 10);
	CHECK_EQ_INT(tchild(b), 11);
	close(p[0]);
	close(p[1]);
	CHECK_EQ_INT(store_blob_verify(st, d, false), 0);
	CHECK_EQ_INT(fix_count(root, "blobs/partial"), 0);
	free(data);
	store_close(st);
	fix_rmtree(root);
}

/* ---- layers ---- */

TEST(store_chain_ids)
{
	char a[DIGEST_STRLEN], b[DIGEST_STRLEN], c[DIGEST_STRLEN], want[DIGEST_STRLEN];
	char *s;

	sha256_digest("a", 1, a);
	sha256_digest("b", 1, b);
	store_chain_id(NULL, a, c);
	CHECK_EQ_STR(c, a);
	store_chain_id(a, b, c);
	s = xasprintf("%s %s", a, b);
	sha256_digest(s, strlen(s), want);
	CHECK_EQ_STR(c, want);
	free(s);
}

TEST(store_layer_begin_commit)
{
	char *root = fix_tmpdir("store"), *path;
	struct store *st = fix_store(root);
	struct store_layer_tx *tx = NULL;
	char chain[DIGEST_STRLEN], diff[DIGEST_STRLEN], blob[DIGEST_STRLEN], sub[200];
	struct json *meta;
	long long size = 0;
	struct stat sb;

	CHECK_EQ_INT(store_blob_put(st, "b", 1, NULL, blob), 0);
	tlayer(st, NULL, "one", chain, diff, blob);
	CHECK(store_layer_has(st, chain));
	CHECK(store_has_blob(st, blob));	/* kept by default */
	path = store_layer_path(st, chain);
	snprintf(sub, sizeof(sub), "layers/%s/diff/one", chain + 7);
	CHECK(fix_exists(root, sub));
	CHECK(path && str_has_prefix(path, root) && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode));
	meta = store_layer_meta(st, chain);
	CHECK_EQ_STR(json_get_str(meta, "chain_id"), chain);
	CHECK_EQ_STR(json_get_str(meta, "diff_id"), diff);
	CHECK_EQ_STR(json_get_str(meta, "blob"), blob);
	CHECK(json_get_i64(meta, "size", &size) && size == 3);
	json_free(meta);
	CHECK_EQ_INT(store_layer_begin(st, chain, diff, NULL, NULL, &tx), 1);
	CHECK(tx == NULL);
	CHECK_EQ_INT(fix_count(root, "tmp"), 0);
	snprintf(sub, sizeof(sub), "%s", chain);
	sub[7] = sub[7] == '0' ? '1' : '0';	/* another, absent chain */
	CHECK(store_layer_meta(st, sub) == NULL);
	CHECK_EQ_INT(err_errno(), ENOENT);
	free(path);
	store_close(st);
	fix_rmtree(root);
}

TEST(store_layer_drops_blob_when_asked)
{
	char *root = fix_tmpdir("store");
	struct store *st = fix_store(root);
	char chain[DIGEST_STRLEN], diff[DIGEST_STRLEN], blob[DIGEST_STRLEN];

	store_set_keep_layer_blobs(st, false);
	CHECK_EQ_INT(store_blob_put(st, "compressed", 10, NULL, blob), 0);
	tlayer(st, NULL, "two", chain, diff, blob);
	CHECK(store_layer_has(st, chain));
	CHECK(!store_has_blob(st, blob));
	store_close(st);
	fix_rmtree(root);
}

/* A hostile tree: read-only directories, a symlink out of the store, a
 * depth beyond the fd limit. abort removes all of it and nothing else. */
TEST(store_layer_abort_removes_tree)
{
	char *root = fix_tmpdir("store"), *outside = xasprintf("%s/outside", root);
	struct store *st = fix_store(root);
	struct store_layer_tx *tx = NULL;
	char chain[DIGEST_STRLEN];
	int fd, dfd;

	CHECK_EQ_INT(fix_put(root, "outside", "keep me", 0644), 0);
	sha256_digest("x", 1, chain);
	CHECK_EQ_INT(store_layer_begin(st, chain, chain, NULL, NULL, &tx), 0);
	CHECK(str_has_prefix(store_layer_tx_path(tx), root));
	fd = store_layer_tx_fd(tx);
	CHECK_EQ_INT(symlinkat(outside, fd, "link"), 0);
	CHECK_EQ_INT(symlinkat(root, fd, "dirlink"), 0);
	CHECK_EQ_INT(mkdirat(fd, "ro", 0755), 0);
	dfd = openat(fd, "ro", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	close(openat(dfd, "f", O_WRONLY | O_CREAT | O_CLOEXEC, 0444));
	CHECK_EQ_INT(fchmod(dfd, 0555), 0);
	close(dfd);
	CHECK_EQ_INT(mkdirat(fd, "none", 0), 0);
	dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	for (int i = 0; i < 1500; i++) {
		int nfd;

		CHECK_EQ_INT(mkdirat(dfd, "d", 0755), 0);
		nfd = openat(dfd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(dfd);
		dfd = nfd;
	}
	close(dfd);
	store_layer_abort(tx);
	CHECK(!store_layer_has(st, chain));
	CHECK_EQ_INT(fix_count(root, "tmp"), 0);
	CHECK_EQ_INT(fix_count(root, "layers"), 0);
	CHECK(fix_exists(root, "outside"));
	store_layer_abort(NULL);
	free(outside);
	store_close(st);
	fix_rmtree(root);
}

TEST(store_layer_concurrent_unpack_once)
{
	char *root = fix_tmpdir("store");
	struct store *st = fix_store(root);
	char chain[DIGEST_STRLEN];
	int p[2];
	pid_t a, b;

	sha256_digest("shared", 6, chain);
	CHECK_EQ_INT(pipe2(p, O_CLOEXEC), 0);
	a = tfork();
	if (a == 0) {
		struct store *cst = NULL;
		struct store_layer_tx *tx = NULL;

		store_close(st);
		if (store_open(root, &cst) < 0 ||
		    store_layer_begin(cst, chain, chain, NULL, NULL, &tx) != 0 ||
		    write(p[1], "a", 1) != 1)
			_exit(1);
		usleep(300 * 1000);
		_exit(store_layer_commit(tx, 0) < 0 ? 2 : 10);
	}
	CHECK(treadable(p[0], 10000));
	b = tfork();
	if (b == 0) {
		struct store *cst = NULL;
		struct store_layer_tx *tx = NULL;
		int r;

		store_close(st);
		if (store_open(root, &cst) < 0)
			_exit(1);
		r = store_layer_begin(cst, chain, chain, NULL, NULL, &tx);
		_exit(r == 1 ? 11 : 3);
	}
	CHECK_EQ_INT(tchild(a), 10);
	CHECK_EQ_INT(tchild(b), 11);
	close(p[0]);
	close(p[1]);
	CHECK(store_layer_has(st, chain));
	store_close(st);
	fix_rmtree(root);
}

/* A layer unpacker killed midway: the next one starts from a clean tree. */
TEST(store_layer_killed_unpacker)
{
	char *root = fix_tmpdir("store");
	struct store *st = fix_store(root);
	struct store_layer_tx *tx = NULL;
	char chain[DIGEST_STRLEN], sub[200];
	pid_t pid;

	sha256_digest("k", 1, chain);
	pid = tfork();
	if (pid == 0) {
		struct store *cst = NULL;

		store_close(st);
		if (store_open(root, &cst) < 0 ||
		    store_layer_begin(cst, chain, chain, NULL, NULL, &tx) != 0 ||
		    mkdirat(store_layer_tx_fd(tx), "junk", 0755) < 0)
			_exit(1);
		raise(SIGKILL);
	}
	CHECK_EQ_INT(tchild(pid), 128 + SIGKILL);
	CHECK_EQ_INT(store_layer_begin(st, chain, chain, NULL, NULL, &tx), 0);
	snprintf(sub, sizeof(sub), "tmp/layer-%s/diff/junk", chain + 7);
	CHECK(!fix_exists(root, sub));
	CHECK_EQ_INT(store_layer_commit(tx, 0), 0);
	store_close(st);
	fix_rmtree(root);
}

/* ---- images and tags ---- */

TEST(store_image_put_needs_content)
{
	char *root = fix_tmpdir("store");
	struct store *st = fix_store(root);
	struct json *rec = json_new_obj(), *layers, *l, *got;
	char id[DIGEST_STRLEN], missing[DIGEST_STRLEN];

	sha256_digest("cfg", 3, id);
	sha256_digest("nope", 4, missing);
	json_add_str(rec, "id", id);
	json_add_str(rec, "config", id);
	layers = json_add_arr(rec, "layers");
	l = json_add_obj(layers, NULL);
	json_add_str(l, "chain_id", missing);
	CHECK_EQ_INT(store_image_put(st, rec), -ENOENT);
	CHECK(strstr(err_str(), "config blob") != NULL);
	CHECK_EQ_INT(store_blob_put(st, "cfg", 3, id, NULL), 0);
	CHECK_EQ_INT(store_image_put(st, rec), -ENOENT);
	CHECK(strstr(err_str(), missing) != NULL);
	CHECK_EQ_INT(fix_count(root, "images"), 0);
	json_del(rec, "layers");
	json_add_arr(rec, "layers");
	CHECK_EQ_INT(store_image_put(st, rec), 0);
	got = store_image_get(st, id);
	CHECK_EQ_STR(json_get_str(got, "id"), id);
	json_free(got);
	json_del(rec, "config");
	json_add_str(rec, "config", missing);
	CHECK_EQ_INT(store_image_put(st, rec), -EINVAL);
	CHECK(store_image_get(st, missing) == NULL);
	CHECK(strstr(err_str(), "no such image") != NULL);
	json_free(rec);
	store_close(st);
	fix_rmtree(root);
}

TEST(store_tags_move_atomically)
{
	char *root = fix_tmpdir("store");
	struct store *st = fix_store(root);
	char a[DIGEST_STRLEN], b[DIGEST_STRLEN], ghost[DIGEST_STRLEN];
	const char *ref = "docker.io/library/app:1.5";
	struct json *tags;

	timage(st, "app14", 2, a);
	timage(st, "app15", 3, b);
	sha256_digest("ghost", 5, ghost);
	CHECK_EQ_INT(store_tag_set(st, ref, ghost), -ENOENT);
	CHECK(!fix_exists(root, "repositories.json"));
	CHECK_EQ_INT(store_tag_set(st, ref, a), 0);
	ttag_is(root, ref, a);
	CHECK_EQ_INT(store_tag_set(st, "docker.io/library/app:1.4", a), 0);
	CHECK_EQ_INT(store_tag_set(st, ref, b), 0);	/* the OTA moves the tag */
	ttag_is(root, ref, b);
	ttag_is(root, "docker.io/library/app:1.4", a);
	/* A leftover from a write cut short changes nothing. */
	CHECK_EQ_INT(fix_put(root, "tmp/repositories.json.1.2.3", "{\"broken", 0644), 0);
	ttag_is(root, ref, b);
	tags = store_tags_get(st);
	CHECK_EQ_STR(json_get_str(tags, ref), b);
	json_free(tags);
	CHECK_EQ_INT(store_tag_del(st, ref), 0);
	ttag_is(root, ref, NULL);
	CHECK_EQ_INT(store_tag_del(st, ref), -ENOENT);
	CHECK(strstr(err_str(), "no such tag") != NULL);
	CHECK_EQ_INT(store_tag_set(st, "bad ref", a), -EINVAL);
	CHECK_EQ_INT(store_tag_set(st, "", a), -EINVAL);
	store_close(st);
	fix_rmtree(root);
}

TEST(store_tag_needs_layers)
{
	char *root = fix_tmpdir("store"), sub[200];
	struct store *st = fix_store(root);
	struct json *rec;
	char id[DIGEST_STRLEN];
	const char *chain;

	timage(st, "half", 2, id);
	rec = store_image_get(st, id);
	chain = json_get_str(json_arr_at(json_get(rec, "layers"), 1), "chain_id");
	snprintf(sub, sizeof(sub), "%s/layers/%s/meta.json", root, chain + 7);
	CHECK_EQ_INT(unlink(sub), 0);
	CHECK_EQ_INT(store_tag_set(st, "example.org/half:1", id), -ENOENT);
	CHECK(strstr(err_str(), "is not in the store") != NULL);
	json_free(rec);
	store_close(st);
	fix_rmtree(root);
}

TEST(store_resolve)
{
	char *root = fix_tmpdir("store"), id[DIGEST_STRLEN], a[DIGEST_STRLEN], b[DIGEST_STRLEN];
	char *rd, pfx[16];
	struct store *st = fix_store(root);
	struct strv ids = { 0 };
	int seen[16] = { 0 };
	struct json *rec;

	timage(st, "alpine", 1, a);
	CHECK_EQ_INT(store_tag_set(st, "docker.io/library/alpine:latest", a), 0);
	CHECK_EQ_INT(store_image_resolve(st, "alpine", "docker.io/library/alpine:latest", id), 0);
	CHECK_EQ_STR(id, a);
	CHECK_EQ_INT(store_image_resolve(st, a, NULL, id), 0);
	CHECK_EQ_STR(id, a);
	CHECK_EQ_INT(store_image_resolve(st, a + 7, NULL, id), 0);
	CHECK_EQ_STR(id, a);
	snprintf(pfx, sizeof(pfx), "%.12s", a + 7);
	CHECK_EQ_INT(store_image_resolve(st, pfx, "docker.io/library/x:latest", id), 0);
	CHECK_EQ_STR(id, a);
	rec = store_image_get(st, a);
	rd = xstrdup(json_str(json_arr_at(json_get(rec, "repo_digests"), 0)));
	json_free(rec);
	memset(id, 0, sizeof(id));
	CHECK_EQ_INT(store_image_resolve(st, rd, rd, id), 0);
	CHECK_EQ_STR(id, a);
	CHECK_EQ_INT(store_image_resolve(st, "nosuch", "docker.io/library/nosuch:latest", id),
		     -ENOENT);
	CHECK(strstr(err_str(), "no such image: nosuch") != NULL);
	CHECK_EQ_INT(store_image_resolve(st, "zz", NULL, id), -ENOENT);
	/* Two IDs sharing a first digit (17 images surely have two): a
	 * one-digit prefix is ambiguous. */
	seen[hexval(a[7])] = 1;
	pfx[0] = '\0';
	for (int i = 0; !pfx[0]; i++) {
		char *name = xasprintf("img%d", i);

		timage(st, name, 1, b);
		if (seen[hexval(b[7])]++)
			snprintf(pfx, sizeof(pfx), "%c", b[7]);
		free(name);
	}
	CHECK_EQ_INT(store_image_resolve(st, pfx, NULL, id), -ENOTUNIQ);
	CHECK(strstr(err_str(), "ambiguous") != NULL);
	CHECK_EQ_INT(store_images_list(st, &ids), 0);
	CHECK(ids.n >= 3);
	for (size_t i = 1; i < ids.n; i++)
		CHECK(strcmp(ids.v[i - 1], ids.v[i]) < 0);
	strv_free(&ids);
	free(rd);
	store_close(st);
	fix_rmtree(root);
}

TEST(store_image_del_and_holds)
{
	char *root = fix_tmpdir("store"), *holder = NULL, id[DIGEST_STRLEN];
	struct store *st = fix_store(root);

	timage(st, "web", 2, id);
	CHECK_EQ_INT(store_tag_set(st, "example.org/web:1", id), 0);
	CHECK_EQ_INT(store_tag_set(st, "example.org/web:latest", id), 0);
	CHECK(!store_image_is_held(st, id, NULL));
	CHECK_EQ_INT(store_hold_put(st, "c0ffee", id), 0);
	CHECK(store_image_is_held(st, id, &holder));
	CHECK_EQ_STR(holder, "c0ffee");
	free(holder);
	CHECK_EQ_INT(store_hold_put(st, "../evil", id), -EINVAL);
	CHECK_EQ_INT(store_image_del(st, id, false), -EBUSY);
	CHECK(strstr(err_str(), "c0ffee") != NULL);
	ttag_is(root, "example.org/web:1", id);
	CHECK_EQ_INT(store_hold_del(st, "c0ffee"), 0);
	CHECK_EQ_INT(store_hold_del(st, "c0ffee"), 0);
	CHECK_EQ_INT(store_image_del(st, id, false), 0);
	ttag_is(root, "example.org/web:1", NULL);
	ttag_is(root, "example.org/web:latest", NULL);
	CHECK(store_image_get(st, id) == NULL);
	CHECK_EQ_INT(store_image_del(st, id, false), -ENOENT);
	/* force: a held image goes, its hold stays for gc. */
	timage(st, "db", 1, id);
	CHECK_EQ_INT(store_hold_put(st, "ctr1", id), 0);
	CHECK_EQ_INT(store_image_del(st, id, true), 0);
	CHECK(store_has_blob(st, id));
	store_close(st);
	fix_rmtree(root);
}

/* ---- gc, df, sweep ---- */

TEST(store_gc_keeps_what_is_referenced)
{
	char *root = fix_tmpdir("store");
	char tagged[DIGEST_STRLEN], dangling[DIGEST_STRLEN], held[DIGEST_STRLEN];
	char stray[DIGEST_STRLEN], chain[DIGEST_STRLEN], diff[DIGEST_STRLEN], part[200];
	struct store *st = fix_store(root);
	struct store_gc_stats gs;
	int blobs, layers;

	timage(st, "tagged", 2, tagged);
	timage(st, "dangling", 2, dangling);
	timage(st, "held", 3, held);
	CHECK_EQ_INT(store_tag_set(st, "example.org/tagged:1", tagged), 0);
	CHECK_EQ_INT(store_hold_put(st, "ctr", held), 0);
	CHECK_EQ_INT(store_blob_put(st, "stray", 5, NULL, stray), 0);
	tlayer(st, NULL, "stray-layer", chain, diff, NULL);
	snprintf(part, sizeof(part), "blobs/partial/%s", stray + 7);
	CHECK_EQ_INT(fix_put(root, part, "half", 0644), 0);
	CHECK_EQ_INT(fix_put(root, "tmp/leftover", "x", 0644), 0);
	blobs = fix_count(root, "blobs/sha256");
	layers = fix_count(root, "layers");
	/* Dry run: counts, removes nothing. */
	CHECK_EQ_INT(store_gc(st, STORE_GC_DANGLING | STORE_GC_DRY_RUN, &gs), 0);
	CHECK_EQ_INT(gs.images, 1);
	CHECK_EQ_INT(fix_count(root, "blobs/sha256"), blobs);
	CHECK_EQ_INT(fix_count(root, "images"), 3);
	/* Plain gc: only what no record references, and leftovers. */
	CHECK_EQ_INT(store_gc(st, 0, &gs), 0);
	CHECK_EQ_INT(gs.images, 0);
	CHECK_EQ_INT(gs.blobs, 1);
	CHECK_EQ_INT(gs.layers, 1);
	CHECK_EQ_INT(gs.partials, 1);
	CHECK_EQ_INT(gs.tmp, 1);
	CHECK(gs.bytes >= 5 + 11 + 4 + 1);
	CHECK(!store_has_blob(st, stray) && !store_layer_has(st, chain));
	CHECK_EQ_INT(fix_count(root, "blobs/sha256"), blobs - 1);
	CHECK_EQ_INT(fix_count(root, "tmp"), 0);
	/* image prune: the dangling image and what only it used. */
	CHECK_EQ_INT(store_gc(st, STORE_GC_DANGLING, &gs), 0);
	CHECK_EQ_INT(gs.images, 1);
	CHECK_EQ_INT(gs.blobs, 3);	/* config, manifest, its own layer blob */
	CHECK_EQ_INT(gs.layers, 1);
	CHECK(store_image_get(st, dangling) == NULL);
	CHECK(!store_has_blob(st, dangling));
	CHECK_EQ_INT(fix_count(root, "layers"), layers - 2);
	/* prune -a: the tagged one goes (tag too); the held one stays. */
	CHECK_EQ_INT(store_gc(st, STORE_GC_UNUSED, &gs), 0);
	CHECK_EQ_INT(gs.images, 1);
	ttag_is(root, "example.org/tagged:1", NULL);
	CHECK(store_image_get(st, tagged) == NULL);
	CHECK_EQ_INT(fix_count(root, "images"), 1);
	CHECK_EQ_INT(fix_count(root, "layers"), 3);
	CHECK_EQ_INT(fix_count(root, "blobs/sha256"), 5);
	/* A held image deleted by force keeps its layers until the hold goes. */
	CHECK_EQ_INT(store_image_del(st, held, true), 0);
	CHECK_EQ_INT(store_gc(st, STORE_GC_UNUSED, &gs), 0);
	CHECK_EQ_INT(fix_count(root, "layers"), 3);
	CHECK(store_has_blob(st, held));
	CHECK_EQ_INT(store_hold_del(st, "ctr"), 0);
	CHECK_EQ_INT(store_gc(st, 0, &gs), 0);
	CHECK_EQ_INT(fix_count(root, "layers"), 0);
	CHECK_EQ_INT(fix_count(root, "blobs/sha256"), 0);
	store_close(st);
	fix_rmtree(root);
}

/* gc cannot know what a damaged record references: it removes nothing. */
TEST(store_gc_stops_at_a_damaged_record)
{
	char *root = fix_tmpdir("store"), id[DIGEST_STRLEN], stray[DIGEST_STRLEN], sub[200];
	struct store *st = fix_store(root);
	struct store_gc_stats gs;

	timage(st, "x", 1, id);
	CHECK_EQ_INT(store_blob_put(st, "stray", 5, NULL, stray), 0);
	snprintf(sub, sizeof(sub), "images/%s.json", id + 7);
	CHECK_EQ_INT(fix_put(root, sub, "{\"id\": tru", 0644), 0);
	CHECK(store_gc(st, 0, &gs) < 0);
	CHECK(strstr(err_str(), "rmi -f") != NULL);
	CHECK(store_has_blob(st, stray));
	CHECK_EQ_INT(store_image_del(st, id, false), 0);	/* the way out */
	CHECK_EQ_INT(store_gc(st, 0, &gs), 0);
	CHECK(!store_has_blob(st, stray) && !store_has_blob(st, id));
	store_close(st);
	fix_rmtree(root);
}

TEST(store_gc_waits_or_tries)
{
	char *root = fix_tmpdir("store");
	struct store *st = fix_store(root), *other = fix_store(root);
	struct store_gc_stats gs;

	/* Another open store (another dory command) holds the shared lock. */
	CHECK_EQ_INT(store_gc(st, STORE_GC_TRY, &gs), -EWOULDBLOCK);
	CHECK(strstr(err_str(), "in use") != NULL);
	CHECK_EQ_INT(store_gc(st, STORE_GC_DRY_RUN, &gs), 0);
	store_close(other);
	CHECK_EQ_INT(store_gc(st, STORE_GC_TRY, NULL), 0);
	store_close(st);
	fix_rmtree(root);
}

TEST(store_gc_drops_unpacked_layer_blobs)
{
	char *root = fix_tmpdir("store"), id[DIGEST_STRLEN];
	struct store *st = fix_store(root);
	struct store_gc_stats gs;

	timage(st, "small", 2, id);
	CHECK_EQ_INT(fix_count(root, "blobs/sha256"), 4);
	store_set_keep_layer_blobs(st, false);
	CHECK_EQ_INT(store_gc(st, 0, &gs), 0);
	CHECK_EQ_INT(gs.blobs, 2);
	CHECK(store_has_blob(st, id));
	CHECK_EQ_INT(fix_count(root, "blobs/sha256"), 2);
	store_close(st);
	fix_rmtree(root);
}

TEST(store_df_counts)
{
	char *root = fix_tmpdir("store"), id[DIGEST_STRLEN], part[200];
	struct store *st = fix_store(root);
	struct store_df df;

	timage(st, "a", 2, id);
	CHECK_EQ_INT(store_hold_put(st, "c", id), 0);
	timage(st, "b", 2, id);
	snprintf(part, sizeof(part), "blobs/partial/%s", id + 7);
	CHECK_EQ_INT(fix_put(root, part, "12345", 0644), 0);
	CHECK_EQ_INT(store_df(st, &df), 0);
	CHECK_EQ_INT(df.images, 2);
	CHECK_EQ_INT(df.images_held, 1);
	CHECK_EQ_INT(df.layers, 3);
	CHECK_EQ_INT(df.layer_bytes, 4 + 3 + 3);	/* "base", "a-1", "b-1" */
	CHECK_EQ_INT(df.blobs, 7);
	CHECK(df.blob_bytes > 0);
	CHECK_EQ_INT(df.partials, 1);
	CHECK_EQ_INT(df.partial_bytes, 5);
	store_close(st);
	fix_rmtree(root);
}

TEST(store_tmp_sweep)
{
	char *root = fix_tmpdir("store"), *dead = xasprintf("%s/tmp/layer-dead", root);
	struct store *st = fix_store(root), *other;

	CHECK_EQ_INT(fix_put(root, "tmp/blob.1.2.3", "x", 0644), 0);
	CHECK_EQ_INT(mkdir(dead, 0755), 0);
	CHECK_EQ_INT(fix_put(root, "tmp/layer-dead/f", "y", 0644), 0);
	CHECK_EQ_INT(chmod(dead, 0500), 0);
	/* Someone is in the store: their staging is not stale. */
	other = fix_store(root);
	CHECK_EQ_INT(fix_count(root, "tmp"), 2);
	store_close(other);
	store_close(st);
	/* Nobody is: all of tmp/ is left over from dead commands. */
	st = fix_store(root);
	CHECK_EQ_INT(fix_count(root, "tmp"), 0);
	store_close(st);
	free(dead);
	fix_rmtree(root);
}
