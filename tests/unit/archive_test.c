// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "core/image/archive.h"
#include "core/image/tar.h"
#include "core/store/store.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/gz.h"
#include "core/util/json.h"
#include "core/util/xalloc.h"
#include "tap.h"
#include "fixture.h"

/* ---- fixtures: archives built in memory, stores in temporary dirs ---- */

#define MT_IDX "application/vnd.oci.image.index.v1+json"
#define MT_MAN "application/vnd.oci.image.manifest.v1+json"
#define MT_CFG "application/vnd.oci.image.config.v1+json"
#define MT_GZ "application/vnd.oci.image.layer.v1.tar+gzip"

struct buf {
	char *p;
	size_t n;
};

static int buf_sink(void *arg, const void *p, size_t n)
{
	struct buf *b = arg;

	b->p = xrealloc(b->p, b->n + n + 1);
	memcpy(b->p + b->n, p, n);
	b->n += n;
	b->p[b->n] = 0;
	return 0;
}

static void twrite(struct tar_writer *w, const char *name, const void *p, size_t n)
{
	struct tar_entry e = { .name = name, .type = TAR_REG, .mode = 0644, .size = (long long)n,
			       .uid = getuid(), .gid = getgid() };

	CHECK_EQ_INT(tar_writer_add(w, &e), 0);
	if (n)
		CHECK_EQ_INT(tar_writer_data(w, p, n), 0);
}

static void tlink(struct tar_writer *w, const char *name, const char *target)
{
	struct tar_entry e = { .name = name, .linkname = target, .type = TAR_SYMLINK,
			       .mode = 0777 };

	CHECK_EQ_INT(tar_writer_add(w, &e), 0);
}

/* A layer holding one file (owned by us, so no root is needed). */
static struct buf mk_layer(const char *name, const char *text)
{
	struct buf b = { 0 };
	struct tar_writer *w = tar_writer_new(buf_sink, &b);

	twrite(w, name, text, strlen(text));
	CHECK_EQ_INT(tar_writer_finish(w), 0);
	tar_writer_free(w);
	return b;
}

static struct buf mk_gzip(const struct buf *in)
{
	struct buf b = { 0 };
	struct gz *z = gz_deflate_new(6, buf_sink, &b);

	CHECK_EQ_INT(gz_feed(z, in->p, in->n), 0);
	CHECK_EQ_INT(gz_finish(z), 0);
	gz_free(z);
	return b;
}

static char *mk_config(const char *arch, const char *d1, const char *d2)
{
	return xasprintf("{\"architecture\":\"%s\",\"os\":\"linux\","
			 "\"created\":\"2024-01-01T00:00:00Z\",\"config\":{\"Cmd\":[\"sh\"]},"
			 "\"rootfs\":{\"type\":\"layers\","
			 "\"diff_ids\":[\"%s\"%s%s%s]}}", arch, d1, d2 ? ",\"" : "", d2 ? d2 : "",
			 d2 ? "\"" : "");
}

/* BAD_NAME: the config is named after another digest than its own;
 * BIG_META: manifest.json is padded to over 16 MiB. */
enum { BAD_DIFF = 1, MISSING = 2, GZIP_ALL = 4, BAD_NAME = 8, BIG_META = 16 };

/* A classic `docker save`: v1 directories, a symlinked layer, "./"
 * names, the config as HEX.json and manifest.json last. */
static struct buf mk_docker(unsigned flags, char id[DIGEST_STRLEN])
{
	struct buf b = { 0 }, l1 = mk_layer("hello", "hello\n"), l2 = mk_layer("etc/two", "2\n");
	struct tar_writer *w = tar_writer_new(buf_sink, &b);
	char d1[DIGEST_STRLEN], d2[DIGEST_STRLEN], cname[80];
	autofree char *cfg = NULL, *man = NULL;

	sha256_digest(l1.p, l1.n, d1);
	sha256_digest(l2.p, l2.n, d2);
	cfg = mk_config("amd64", d1, flags & BAD_DIFF ? d1 : d2);
	sha256_digest(cfg, strlen(cfg), id);
	snprintf(cname, sizeof(cname), "%s.json", (flags & BAD_NAME ? d1 : id) + 7);
	CHECK_EQ_INT(tar_writer_dir(w, "./aaa/"), 0);
	twrite(w, "./aaa/layer.tar", l1.p, l1.n);
	twrite(w, "./aaa/json", "{}", 2);
	twrite(w, "./aaa/VERSION", "1.0", 3);
	if (!(flags & MISSING))
		twrite(w, "l2.tar", l2.p, l2.n);
	tlink(w, "bbb/layer.tar", "../l2.tar");
	twrite(w, cname, cfg, strlen(cfg));
	man = xasprintf("[{\"Config\":\"%s\",\"RepoTags\":[\"app:1\",\"example.com/x/app:2\"],"
			"\"Layers\":[\"aaa/layer.tar\",\"bbb/layer.tar\"]}]%*s", cname,
			flags & BIG_META ? (16 << 20) : 0, "");
	twrite(w, "./manifest.json", man, strlen(man));
	twrite(w, "repositories", "{}", 2);
	CHECK_EQ_INT(tar_writer_finish(w), 0);
	tar_writer_free(w);
	free(l1.p);
	free(l2.p);
	if (flags & GZIP_ALL) {
		struct buf z = mk_gzip(&b);

		free(b.p);
		b = z;
	}
	return b;
}

static void twrite_blob(struct tar_writer *w, const void *p, size_t n, char out[DIGEST_STRLEN])
{
	char path[96];

	sha256_digest(p, n, out);
	snprintf(path, sizeof(path), "blobs/sha256/%s", out + 7);
	twrite(w, path, p, n);
}

/* An image of one gzip layer (a file "platform") in an OCI layout. */
static void oci_image(struct tar_writer *w, const char *arch, char man[DIGEST_STRLEN],
		      char cfgd[DIGEST_STRLEN])
{
	struct buf l = mk_layer("platform", arch), z = mk_gzip(&l);
	char diff[DIGEST_STRLEN], ld[DIGEST_STRLEN];
	autofree char *cfg = NULL, *m = NULL;

	sha256_digest(l.p, l.n, diff);
	twrite_blob(w, z.p, z.n, ld);
	cfg = mk_config(arch, diff, NULL);
	twrite_blob(w, cfg, strlen(cfg), cfgd);
	m = xasprintf("{\"schemaVersion\":2,\"mediaType\":\"" MT_MAN "\","
		      "\"config\":{\"mediaType\":\"" MT_CFG "\","
		      "\"digest\":\"%s\",\"size\":%zu},\"layers\":[{\"mediaType\":"
		      "\"" MT_GZ "\",\"digest\":\"%s\","
		      "\"size\":%zu}]}", cfgd, strlen(cfg), ld, z.n);
	twrite_blob(w, m, strlen(m), man);
	free(l.p);
	free(z.p);
}

/* An OCI archive: index.json -> an index of amd64 and arm64 images. */
static struct buf mk_oci(char amd[DIGEST_STRLEN], char arm[DIGEST_STRLEN],
			 char idx[DIGEST_STRLEN])
{
	struct buf b = { 0 };
	struct tar_writer *w = tar_writer_new(buf_sink, &b);
	char m1[DIGEST_STRLEN], m2[DIGEST_STRLEN];
	autofree char *index = NULL, *top = NULL;
	const char *lay = "{\"imageLayoutVersion\":\"1.0.0\"}";

	twrite(w, "oci-layout", lay, strlen(lay));
	oci_image(w, "amd64", m1, amd);
	oci_image(w, "arm64", m2, arm);
	index = xasprintf("{\"schemaVersion\":2,\"mediaType\":\"" MT_IDX "\","
			  "\"manifests\":[{\"mediaType\":\"" MT_MAN "\",\"digest\":\"%s\","
			  "\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}},"
			  "{\"mediaType\":\"" MT_MAN "\",\"digest\":\"%s\","
			  "\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"}}]}",
			  m1, m2);
	twrite_blob(w, index, strlen(index), idx);
	top = xasprintf("{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
			"\"" MT_IDX "\",\"digest\":\"%s\",\"size\":%zu,\"annotations\":"
			"{\"org.opencontainers.image.ref.name\":\"multi:1\"}}]}",
			idx, strlen(index));
	twrite(w, "index.json", top, strlen(top));
	CHECK_EQ_INT(tar_writer_finish(w), 0);
	tar_writer_free(w);
	return b;
}

static int mem_fd(const struct buf *b)
{
	int fd = memfd_create("archive", MFD_CLOEXEC);

	CHECK(fd >= 0);
	CHECK_EQ_INT(fsutil_write_full(fd, b->p, b->n), 0);
	CHECK_EQ_INT(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static int load_buf(struct store *st, const struct buf *b, const char *platform,
		    struct strv *out)
{
	struct archive_load_opts o = { .platform = platform };
	int fd = mem_fd(b), rc = archive_load(st, fd, &o, out);

	close(fd);
	return rc;
}

static struct json *trecord(struct store *st, const char *id)
{
	struct json *r = store_image_get(st, id);

	CHECK(r != NULL);
	return r;
}

/* ---- tests ---- */

TEST(archive_load_docker_classic)
{
	char *root = fix_tmpdir("archive"), id[DIGEST_STRLEN];
	struct store *st = fix_store(root);
	struct buf a = mk_docker(0, id);
	struct strv out = { 0 };
	struct json *rec;
	autofree char *tags = NULL, *file = NULL;
	char *lp;

	CHECK_EQ_INT(load_buf(st, &a, NULL, &out), 0);
	CHECK_EQ_INT(out.n, 2);
	CHECK_EQ_STR(out.v[0], "app:1");
	CHECK_EQ_STR(out.v[1], "example.com/x/app:2");
	rec = trecord(st, id);
	CHECK_EQ_INT(json_arr_len(json_get(rec, "layers")), 2);
	CHECK(sha256_is_digest(json_get_str(rec, "manifest")));
	CHECK(store_has_blob(st, json_get_str(rec, "manifest")));
	CHECK_EQ_STR(json_get_str(json_get(rec, "platform"), "architecture"), "amd64");
	lp = store_layer_path(st, json_get_str(json_arr_at(json_get(rec, "layers"), 1),
					       "chain_id"));
	file = xasprintf("%s/etc/two", lp);
	CHECK_EQ_INT(access(file, F_OK), 0);
	free(lp);
	CHECK_EQ_INT(fix_count(root, "blobs/sha256"), 4);	/* config, 2 layers, our manifest */
	tags = fix_read(root, "repositories.json");
	CHECK(tags && strstr(tags, "\"docker.io/library/app:1\""));
	CHECK(tags && strstr(tags, "\"example.com/x/app:2\""));
	json_free(rec);
	strv_free(&out);

	/* Again: the same output, nothing new in the store. */
	CHECK_EQ_INT(load_buf(st, &a, NULL, &out), 0);
	CHECK_EQ_INT(out.n, 2);
	CHECK_EQ_INT(fix_count(root, "blobs/sha256"), 4);
	CHECK_EQ_INT(fix_count(root, "tmp"), 0);
	strv_free(&out);
	free(a.p);
	store_close(st);
	fix_rmtree(root);
}

/* The manifests of an archive without its tar: planned, nothing kept. */
TEST(archive_load_plan_without_tar)
{
	char *root = fix_tmpdir("archive"), id[DIGEST_STRLEN], d1[DIGEST_STRLEN];
	struct store *st = fix_store(root);
	struct buf l1 = mk_layer("hello", "hello\n");
	autofree char *cfg = NULL, *man = NULL;
	struct archive_file f[4];
	struct strv names = { 0 };

	sha256_digest(l1.p, l1.n, d1);
	cfg = mk_config("amd64", d1, NULL);
	sha256_digest(cfg, strlen(cfg), id);
	man = xasprintf("[{\"Config\":\"c.json\",\"RepoTags\":[\"app:1\"],"
			"\"Layers\":[\"aaa/layer.tar\"]}]");
	f[0] = (struct archive_file){ .path = "l1.tar", .data = l1.p, .len = l1.n };
	f[1] = (struct archive_file){ .path = "aaa/layer.tar", .link = "../l1.tar" };
	f[2] = (struct archive_file){ .path = "c.json", .data = cfg, .len = strlen(cfg) };
	f[3] = (struct archive_file){ .path = "manifest.json", .data = man, .len = strlen(man) };
	CHECK_EQ_INT(archive_load_plan(st, f, 4, NULL, &names), 0);
	CHECK_EQ_INT(names.n, 2);
	CHECK_EQ_STR(names.v[0], id);
	CHECK_EQ_STR(names.v[1], "docker.io/library/app:1");
	CHECK_EQ_INT(fix_count(root, "blobs/sha256"), 0);
	CHECK_EQ_INT(fix_count(root, "images"), 0);
	strv_free(&names);
	CHECK_EQ_INT(archive_load_plan(st, f, 3, NULL, &names), -EINVAL);
	CHECK_EQ_INT(names.n, 0);
	free(l1.p);
	store_close(st);
	fix_rmtree(root);
}

TEST(archive_load_gzipped_archive)
{
	char *root = fix_tmpdir("archive"), id[DIGEST_STRLEN];
	struct store *st = fix_store(root);
	struct buf a = mk_docker(GZIP_ALL, id);
	struct strv out = { 0 };

	CHECK_EQ_INT(load_buf(st, &a, NULL, &out), 0);
	CHECK_EQ_INT(out.n, 2);
	json_free(trecord(st, id));
	strv_free(&out);
	free(a.p);
	store_close(st);
	fix_rmtree(root);
}

TEST(archive_load_refuses_damage)
{
	char *root = fix_tmpdir("archive"), id[DIGEST_STRLEN];
	struct store *st = fix_store(root);
	struct buf bad = mk_docker(BAD_DIFF, id), miss = mk_docker(MISSING, id);
	struct buf name = mk_docker(BAD_NAME, id), big = mk_docker(BIG_META, id);
	struct buf junk = { .p = xstrdup("\x28\xb5\x2f\xfd garbage"), .n = 12 };
	struct strv out = { 0 };

	CHECK_EQ_INT(load_buf(st, &bad, NULL, &out), -EBADMSG);
	CHECK(strstr(err_str(), "does not match its diff ID"));
	CHECK_EQ_INT(load_buf(st, &miss, NULL, &out), -ENOENT);
	CHECK(strstr(err_str(), "bbb/layer.tar, which is not in the archive"));
	CHECK_EQ_INT(load_buf(st, &name, NULL, &out), -EBADMSG);
	CHECK(strstr(err_str(), ".json in the archive has digest"));
	CHECK_EQ_INT(load_buf(st, &big, NULL, &out), -EFBIG);
	CHECK(strstr(err_str(), "manifest.json in the archive is larger than 16 MiB"));
	CHECK_EQ_INT(load_buf(st, &junk, NULL, &out), -ENOTSUP);
	CHECK(strstr(err_str(), "zstd"));
	CHECK_EQ_INT(out.n, 0);
	CHECK_EQ_INT(fix_count(root, "blobs/sha256"), 0);
	CHECK_EQ_INT(fix_count(root, "images"), 0);
	CHECK_EQ_INT(fix_count(root, "layers"), 0);
	CHECK_EQ_INT(fix_count(root, "tmp"), 0);
	free(bad.p);
	free(miss.p);
	free(name.p);
	free(big.p);
	free(junk.p);
	store_close(st);
	fix_rmtree(root);
}

TEST(archive_load_oci_index_platforms)
{
	char *root = fix_tmpdir("archive");
	char amd[DIGEST_STRLEN], arm[DIGEST_STRLEN], idx[DIGEST_STRLEN];
	struct store *st = fix_store(root);
	struct buf a = mk_oci(amd, arm, idx);
	struct strv out = { 0 };
	struct json *rec;

	CHECK_EQ_INT(load_buf(st, &a, "linux/arm64", &out), 0);
	CHECK_EQ_INT(out.n, 1);
	CHECK_EQ_STR(out.v[0], "multi:1");
	rec = trecord(st, arm);
	CHECK_EQ_STR(json_get_str(rec, "index"), idx);
	CHECK_EQ_STR(json_get_str(json_arr_at(json_get(rec, "layers"), 0), "media_type"),
		     "application/vnd.oci.image.layer.v1.tar+gzip");
	json_free(rec);
	CHECK(!store_has_blob(st, amd));	/* the other platform's blobs are not kept */
	strv_free(&out);
	CHECK_EQ_INT(load_buf(st, &a, "linux/amd64", &out), 0);
	json_free(trecord(st, amd));
	strv_free(&out);
	CHECK_EQ_INT(load_buf(st, &a, "linux/riscv64", &out), -ENOENT);
	CHECK(strstr(err_str(), "no image for linux/riscv64"));
	free(a.p);
	store_close(st);
	fix_rmtree(root);
}

/* Save from one store, load into another: what must stay the same. */
static void round_trip(enum archive_format fmt, bool keep_manifest)
{
	char *r1 = fix_tmpdir("archive"), *r2 = fix_tmpdir("archive");
	char amd[DIGEST_STRLEN], arm[DIGEST_STRLEN];
	char idx[DIGEST_STRLEN];
	struct store *a = fix_store(r1), *b = fix_store(r2);
	struct buf in = mk_oci(amd, arm, idx), out = { 0 };
	struct strv names = { 0 };
	char *argv[] = { "multi:1", NULL };
	struct json *ra, *rb;
	autofree char *pa = NULL, *pb = NULL;
	int fd = memfd_create("save", MFD_CLOEXEC);

	CHECK_EQ_INT(load_buf(a, &in, "linux/arm64", &names), 0);
	CHECK_EQ_INT(archive_save(a, argv, fmt, fd), 0);
	CHECK_EQ_INT(lseek(fd, 0, SEEK_SET), 0);
	strv_free(&names);
	CHECK_EQ_INT(archive_load(b, fd, NULL, &names), 0);
	CHECK_EQ_INT(names.n, 1);
	CHECK_EQ_STR(names.v[0], "multi:1");
	ra = trecord(a, arm);
	rb = trecord(b, arm);
	pa = json_print(json_get(ra, "layers"), false);
	pb = json_print(json_get(rb, "layers"), false);
	if (keep_manifest) {
		CHECK_EQ_STR(json_get_str(rb, "manifest"), json_get_str(ra, "manifest"));
		CHECK_EQ_STR(pb, pa);
	} else {
		CHECK(strcmp(json_get_str(rb, "manifest"), json_get_str(ra, "manifest")));
		CHECK_EQ_STR(json_get_str(json_arr_at(json_get(rb, "layers"), 0), "diff_id"),
			     json_get_str(json_arr_at(json_get(ra, "layers"), 0), "diff_id"));
	}
	json_free(ra);
	json_free(rb);
	strv_free(&names);
	close(fd);
	free(in.p);
	free(out.p);
	store_close(a);
	store_close(b);
	fix_rmtree(r1);
	fix_rmtree(r2);
}

TEST(archive_save_docker_round_trip)
{
	round_trip(ARCHIVE_DOCKER, false);
}

TEST(archive_save_oci_round_trip)
{
	round_trip(ARCHIVE_OCI, true);
}

TEST(archive_save_needs_layer_blobs)
{
	char *root = fix_tmpdir("archive"), id[DIGEST_STRLEN], *out = NULL;
	struct store *st = fix_store(root);
	struct buf a = mk_docker(0, id);
	struct strv names = { 0 };
	char *argv[] = { "app:1", NULL }, *none[] = { "nope", NULL };
	struct json *rec;
	int before;

	CHECK_EQ_INT(load_buf(st, &a, NULL, &names), 0);
	before = fix_count(root, "");
	CHECK_EQ_INT(archive_save(st, none, ARCHIVE_DOCKER, -1), -ENOENT);
	rec = trecord(st, id);
	CHECK_EQ_INT(store_blob_remove(st, json_get_str(json_arr_at(json_get(rec, "layers"), 0),
							"digest")), 0);
	out = xasprintf("%s/out.tar", root);
	CHECK_EQ_INT(archive_save_file(st, argv, ARCHIVE_DOCKER, out), -ENOENT);
	CHECK(strstr(err_str(), "keep-layer-blobs"));
	CHECK(access(out, F_OK) < 0);
	CHECK_EQ_INT(fix_count(root, ""), before);	/* no temporary file left */
	json_free(rec);
	strv_free(&names);
	free(out);
	free(a.p);
	store_close(st);
	fix_rmtree(root);
}

TEST(archive_save_file_and_repo_tags)
{
	char *root = fix_tmpdir("archive"), id[DIGEST_STRLEN], *out = NULL;
	struct store *st = fix_store(root), *st2;
	struct buf a = mk_docker(0, id);
	struct strv names = { 0 };
	char *argv[] = { "app", NULL };
	char *r2 = fix_tmpdir("archive");
	int fd;

	CHECK_EQ_INT(load_buf(st, &a, NULL, &names), 0);
	strv_free(&names);
	out = xasprintf("%s/out.tar", root);
	CHECK_EQ_INT(archive_save_file(st, argv, ARCHIVE_DOCKER, out), 0);
	st2 = fix_store(r2);
	fd = open(out, O_RDONLY | O_CLOEXEC);
	CHECK_EQ_INT(archive_load(st2, fd, NULL, &names), 0);
	CHECK_EQ_INT(names.n, 1);	/* "app" is app:1; example.com/x/app is another repo */
	CHECK_EQ_STR(names.v[0], "app:1");
	close(fd);
	strv_free(&names);
	store_close(st2);
	free(out);
	free(a.p);
	store_close(st);
	fix_rmtree(root);
	fix_rmtree(r2);
}
