// SPDX-License-Identifier: Apache-2.0
/* archive.c - `dory save`: images of the store as a Docker or OCI archive,
 * and the blob streaming that load and save share. Loading is
 * archive_load.c's; the tar format is tar.c's. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <string.h>
#include <sys/stat.h>

#include "core/image/archive.h"
#include "core/image/image.h"
#include "core/image/ref.h"
#include "core/image/tar.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/json.h"
#include "core/util/xalloc.h"

enum { AR_BUF = 64 << 10, AR_DOC_MAX = 16 << 20 };

int archive_blob_stream(struct store *st, const char *digest, bool gunzip, bool verify,
			gz_sink_fn sink, void *arg, long long *raw_bytes)
{
	autoclose int fd = store_blob_open(st, digest);
	autofree char *buf = NULL;
	struct gz *z = NULL;
	struct sha256 sha;
	char got[DIGEST_STRLEN];
	long long total = 0;
	ssize_t r;
	int rc = 0;

	if (fd < 0)
		return fd;
	buf = xmalloc(AR_BUF);
	if (gunzip)
		z = gz_inflate_new(sink, arg);
	sha256_init(&sha);
	while (!rc && (r = fsutil_read_full(fd, buf, AR_BUF)) != 0) {
		if (r < 0) {
			rc = err_set((int)-r, "read blob %s", digest);
			break;
		}
		if (verify)
			sha256_update(&sha, buf, (size_t)r);
		total += r;
		rc = z ? gz_feed(z, buf, (size_t)r) : sink(arg, buf, (size_t)r);
	}
	if (!rc && z)
		rc = gz_finish(z);
	gz_free(z);
	if (!rc && verify) {
		sha256_final_digest(&sha, got);
		if (strcmp(got, digest)) {
			err_setx(EBADMSG, "blob %s in %s is damaged", digest, store_root(st));
			rc = err_hint("run 'dory check --store', then pull the image again");
		}
	}
	if (raw_bytes)
		*raw_bytes = total;
	return rc;
}

/* ---- save ---- */

struct sv_image {
	char id[DIGEST_STRLEN];
	char *name;		/* as the user gave it, for messages */
	struct json *record;
	char *config, *manifest;
	size_t config_len, manifest_len;
	struct strv tags;	/* normalized references */
};

struct sv {
	struct store *st;
	enum archive_format fmt;
	struct sv_image *imgs;
	int n;
	int fd;
	char *buf;
	size_t blen;
	struct tar_writer *tw;
	struct strv written;	/* blob paths already in the archive */
};

static int sv_flush(struct sv *s)
{
	int rc = s->blen ? fsutil_write_full(s->fd, s->buf, s->blen) : 0;

	s->blen = 0;
	return rc < 0 ? err_set(-rc, "write the archive") : 0;
}

static int sv_sink(void *arg, const void *p, size_t n)
{
	struct sv *s = arg;
	int rc;

	if (s->blen + n > AR_BUF && (rc = sv_flush(s)) < 0)
		return rc;
	if (n >= AR_BUF) {
		rc = fsutil_write_full(s->fd, p, n);
		return rc < 0 ? err_set(-rc, "write the archive") : 0;
	}
	memcpy(s->buf + s->blen, p, n);
	s->blen += n;
	return 0;
}

static int sv_tar_data(void *arg, const void *p, size_t n)
{
	return tar_writer_data(arg, p, n);
}

/* ---- which images, with which tags ---- */

static struct sv_image *sv_add(struct sv *s, const char *id, const char *name)
{
	struct sv_image *im;

	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->imgs[i].id, id))
			return &s->imgs[i];
	s->imgs = xrealloc(s->imgs, sizeof(*s->imgs) * (s->n + 1));
	im = &s->imgs[s->n++];
	memset(im, 0, sizeof(*im));
	snprintf(im->id, sizeof(im->id), "%s", id);
	im->name = xstrdup(name);
	return im;
}

static void sv_tag(struct sv_image *im, const char *ref)
{
	for (size_t i = 0; i < im->tags.n; i++)
		if (!strcmp(im->tags.v[i], ref))
			return;
	strv_push(&im->tags, ref);
}

/* "app" or "host:5000/app": no tag, no digest. Docker saves every tag of
 * such a repository. */
static bool sv_name_only(const char *name)
{
	const char *slash = strrchr(name, '/');

	return !strchr(name, '@') && !strchr(slash ? slash : name, ':') && !ref_is_id(name);
}

/* The tags of repository r: how many, or -errno. */
static int sv_repo_tags(struct sv *s, const struct ref *r, const char *arg)
{
	struct json *tags = store_tags_get(s->st);
	autofree char *name = ref_name(r), *prefix = xasprintf("%s:", name);
	int n = 0;

	if (!tags)
		return -err_errno();
	for (struct json *m = json_first(tags); m; m = json_next(m)) {
		const char *k = json_key(m), *id = json_str(m);

		if (str_has_prefix(k, prefix) && !strchr(k, '@') && id && sha256_is_digest(id)) {
			sv_tag(sv_add(s, id, arg), k);
			n++;
		}
	}
	json_free(tags);
	return n;
}

static int sv_resolve(struct sv *s, const char *arg)
{
	struct image im;
	struct ref r;
	autofree char *ref = NULL;
	struct json *tags;
	int rc;

	if (!ref_is_id(arg) && ref_parse(arg, &r) == 0) {
		rc = sv_name_only(arg) ? sv_repo_tags(s, &r, arg) : 0;
		if (r.tag && !r.digest)
			ref = ref_str(&r);
		ref_clear(&r);
		if (rc)
			return rc < 0 ? rc : 0;
	}
	err_clear();
	rc = image_open(s->st, arg, &im);
	if (rc < 0)
		return rc;
	sv_add(s, im.id, arg);
	/* Named by a tag (not by ID or digest): that tag goes into the archive. */
	tags = ref ? store_tags_get(s->st) : NULL;
	if (tags && json_get_str(tags, ref) && !strcmp(json_get_str(tags, ref), im.id))
		sv_tag(sv_add(s, im.id, arg), ref);
	json_free(tags);
	image_close(&im);
	err_clear();
	return 0;
}

/* Everything the archive needs is in the store: checked before the
 * first byte is written. */
static int sv_check(struct sv *s, struct sv_image *im)
{
	const struct json *ls;
	const char *man;
	bool gz;

	im->record = store_image_get(s->st, im->id);
	if (!im->record)
		return err_ctx("save %s", im->name);
	ls = json_get(im->record, "layers");
	for (int i = 0; i < json_arr_len(ls); i++) {
		const char *d = json_get_str(json_arr_at(ls, i), "digest");
		const char *mt = json_get_str(json_arr_at(ls, i), "media_type");
		const char *diff = json_get_str(json_arr_at(ls, i), "diff_id");

		if (!sha256_is_digest(d) || !sha256_is_digest(diff))
			return err_setx(EBADMSG, "image %s: its record has a bad layer %d",
					im->name, i);
		if (!mt || !image_layer_media(mt, &gz))
			return err_setx(ENOTSUP, "image %s: layer %s has media type %s, which dory "
					"cannot save", im->name, d, mt ? mt : "(none)");
		if (!store_has_blob(s->st, d)) {
			err_setx(ENOENT, "image %s: layer blob %s is not in the store, as "
				 "keep-layer-blobs was off", im->name, d);
			return err_hint("remove the image and pull it again to save it");
		}
	}
	if (store_blob_read(s->st, im->id, AR_DOC_MAX, &im->config, &im->config_len) < 0)
		return err_ctx("image %s", im->name);
	if (s->fmt != ARCHIVE_OCI)
		return 0;
	man = json_get_str(im->record, "manifest");
	if (!sha256_is_digest(man))
		return err_setx(ENOENT, "image %s has no manifest in the store (save it with "
				"--format docker)", im->name);
	if (store_blob_read(s->st, man, AR_DOC_MAX, &im->manifest, &im->manifest_len) < 0)
		return err_ctx("image %s", im->name);
	return 0;
}

/* ---- writing ---- */

static char *sv_path(const char *digest)
{
	return xasprintf("blobs/sha256/%s", digest + 7);
}

/* Once per path: true when it is in the archive already. */
static bool sv_seen(struct sv *s, const char *path)
{
	for (size_t i = 0; i < s->written.n; i++)
		if (!strcmp(s->written.v[i], path))
			return true;
	strv_push(&s->written, path);
	return false;
}

static int sv_doc(struct sv *s, const char *digest, const char *p, size_t n)
{
	autofree char *path = sv_path(digest);

	return sv_seen(s, path) ? 0 : tar_writer_file(s->tw, path, p, n);
}

static long long sv_blob_size(struct sv *s, const char *digest)
{
	autoclose int fd = store_blob_open(s->st, digest);
	struct stat sb;

	if (fd < 0)
		return fd;
	if (fstat(fd, &sb) < 0)
		return err_set(errno, "stat blob %s", digest);
	return sb.st_size;
}

/* A stored blob as it is, verified on the way. */
static int sv_blob(struct sv *s, const char *digest)
{
	autofree char *path = sv_path(digest);
	struct tar_entry e = { .name = path, .type = TAR_REG, .mode = 0644 };
	int rc;

	if (sv_seen(s, path))
		return 0;
	e.size = sv_blob_size(s, digest);
	if (e.size < 0)
		return (int)e.size;
	rc = tar_writer_add(s->tw, &e);
	return rc < 0 ? rc : archive_blob_stream(s->st, digest, false, true, sv_tar_data, s->tw,
						 NULL);
}

struct sv_count {
	long long n;
	struct sha256 sha;
};

static int sv_count_sink(void *arg, const void *p, size_t n)
{
	struct sv_count *c = arg;

	c->n += (long long)n;
	sha256_update(&c->sha, p, n);
	return 0;
}

/* A gzip layer blob as the plain tar of its diff ID, for Docker archives.
 * The tar header needs the size first: one pass to count (and check the
 * diff ID, so that nothing wrong is written), one to write. */
static int sv_gunzipped(struct sv *s, const char *blob, const char *diff, const char *name)
{
	autofree char *path = sv_path(diff);
	struct tar_entry e = { .name = path, .type = TAR_REG, .mode = 0644 };
	struct sv_count c = { 0 };
	char got[DIGEST_STRLEN];
	int rc;

	if (sv_seen(s, path))
		return 0;
	sha256_init(&c.sha);
	rc = archive_blob_stream(s->st, blob, true, true, sv_count_sink, &c, NULL);
	if (rc < 0)
		return err_ctx("image %s", name);
	sha256_final_digest(&c.sha, got);
	if (strcmp(got, diff)) {
		err_setx(EBADMSG, "image %s: layer %s does not match its diff ID", name, blob);
		return err_hint("run 'dory check --store', then pull the image again");
	}
	e.size = c.n;
	rc = tar_writer_add(s->tw, &e);
	return rc < 0 ? rc : archive_blob_stream(s->st, blob, true, false, sv_tar_data, s->tw,
						 NULL);
}

/* The image's blobs; its layers' paths go to paths. */
static int sv_image_blobs(struct sv *s, const struct sv_image *im, struct json *paths)
{
	const struct json *ls = json_get(im->record, "layers");
	int rc = 0;

	for (int i = 0; i < json_arr_len(ls) && !rc; i++) {
		const struct json *lj = json_arr_at(ls, i);
		const char *d = json_get_str(lj, "digest"), *diff = json_get_str(lj, "diff_id");
		autofree char *path = NULL;
		bool gz = false;

		image_layer_media(json_get_str(lj, "media_type"), &gz);
		if (s->fmt == ARCHIVE_OCI) {
			rc = sv_blob(s, d);
		} else if (gz) {
			rc = sv_gunzipped(s, d, diff, im->name);
		} else if (strcmp(d, diff)) {
			rc = err_setx(EBADMSG, "image %s: plain layer %s is not its diff ID %s",
				      im->name, d, diff);
		} else {
			rc = sv_blob(s, d);
		}
		path = sv_path(s->fmt == ARCHIVE_OCI ? d : diff);
		json_add_str(paths, NULL, path);
	}
	if (!rc)
		rc = sv_doc(s, im->id, im->config, im->config_len);
	if (!rc && s->fmt == ARCHIVE_OCI)
		rc = sv_doc(s, json_get_str(im->record, "manifest"), im->manifest,
			    im->manifest_len);
	return rc;
}

/* "docker.io/library/app:1" -> "app" and "1" (allocated). */
static void sv_split(const char *ref, char **familiar, char **tag)
{
	const char *colon = strrchr(ref, ':');
	autofree char *name = xstrndup(ref, (size_t)(colon - ref));

	*familiar = ref_familiar(name);
	*tag = xstrdup(colon + 1);
}

static void sv_oci_desc(struct json *ms, const struct sv_image *im, const char *ref)
{
	struct json *d = json_add_obj(ms, NULL), *man = json_parse(im->manifest, im->manifest_len);
	const char *mt = json_get_str(man, "mediaType");

	json_add_str(d, "mediaType", mt && *mt ? mt : MT_OCI_MANIFEST);
	json_add_str(d, "digest", json_get_str(im->record, "manifest"));
	json_add_i64(d, "size", (long long)im->manifest_len);
	if (ref) {
		struct json *a = json_add_obj(d, "annotations");

		json_add_str(a, "io.containerd.image.name", ref);
		json_add_str(a, "org.opencontainers.image.ref.name", strrchr(ref, ':') + 1);
	}
	json_free(man);
	err_clear();
}

static int sv_json(struct sv *s, const char *name, const struct json *j)
{
	autofree char *text = json_print(j, false);

	return tar_writer_file(s->tw, name, text, strlen(text));
}

/* manifest.json, repositories, and for OCI index.json and oci-layout. */
static int sv_meta(struct sv *s, struct json *man)
{
	struct json *repos = json_new_obj(), *idx = json_new_obj(), *ms;
	int rc;

	json_add_i64(idx, "schemaVersion", 2);
	json_add_str(idx, "mediaType", MT_OCI_INDEX);
	ms = json_add_arr(idx, "manifests");
	for (int i = 0; i < s->n; i++) {
		const struct sv_image *im = &s->imgs[i];
		const struct json *ls = json_get(json_arr_at(man, i), "Layers");
		const char *top = json_str(json_arr_at(ls, json_arr_len(ls) - 1));

		for (size_t t = 0; t < im->tags.n; t++) {
			autofree char *fam = NULL, *tag = NULL;
			struct json *r;

			sv_split(im->tags.v[t], &fam, &tag);
			r = json_get(repos, fam) ? json_get(repos, fam) : json_add_obj(repos, fam);
			json_add_str(r, tag, top ? strrchr(top, '/') + 1 : "");
			if (s->fmt == ARCHIVE_OCI)
				sv_oci_desc(ms, im, im->tags.v[t]);
		}
		if (!im->tags.n && s->fmt == ARCHIVE_OCI)
			sv_oci_desc(ms, im, NULL);
	}
	rc = sv_json(s, "manifest.json", man);
	if (!rc && json_first(repos))
		rc = sv_json(s, "repositories", repos);
	if (!rc && s->fmt == ARCHIVE_OCI) {
		const char *layout = "{\"imageLayoutVersion\":\"1.0.0\"}";

		rc = sv_json(s, "index.json", idx);
		if (!rc)
			rc = tar_writer_file(s->tw, "oci-layout", layout, strlen(layout));
	}
	json_free(repos);
	json_free(idx);
	return rc;
}

static int sv_write(struct sv *s)
{
	struct json *man = json_new_arr();
	int rc = tar_writer_dir(s->tw, "blobs/");

	if (!rc)
		rc = tar_writer_dir(s->tw, "blobs/sha256/");
	for (int i = 0; i < s->n && !rc; i++) {
		const struct sv_image *im = &s->imgs[i];
		struct json *e = json_add_obj(man, NULL), *tags;
		autofree char *cfg = sv_path(im->id);

		json_add_str(e, "Config", cfg);
		if (im->tags.n) {
			tags = json_add_arr(e, "RepoTags");
			for (size_t t = 0; t < im->tags.n; t++) {
				autofree char *fam = NULL, *tag = NULL, *full = NULL;

				sv_split(im->tags.v[t], &fam, &tag);
				full = xasprintf("%s:%s", fam, tag);
				json_add_str(tags, NULL, full);
			}
		} else {
			json_add_null(e, "RepoTags");
		}
		rc = sv_image_blobs(s, im, json_add_arr(e, "Layers"));
	}
	if (!rc)
		rc = sv_meta(s, man);
	if (!rc)
		rc = tar_writer_finish(s->tw);
	if (!rc)
		rc = sv_flush(s);
	json_free(man);
	return rc;
}

int archive_save(struct store *st, char *const *names, enum archive_format fmt, int fd)
{
	struct sv s = { .st = st, .fmt = fmt, .fd = fd };
	int rc = 0;

	if (!names || !names[0])
		return err_setx(EINVAL, "no image to save");
	for (int i = 0; names[i] && !rc; i++)
		rc = sv_resolve(&s, names[i]);
	for (int i = 0; i < s.n && !rc; i++)
		rc = sv_check(&s, &s.imgs[i]);
	if (!rc) {
		s.buf = xmalloc(AR_BUF);
		s.tw = tar_writer_new(sv_sink, &s);
		rc = sv_write(&s);
	}
	for (int i = 0; i < s.n; i++) {
		free(s.imgs[i].name);
		json_free(s.imgs[i].record);
		free(s.imgs[i].config);
		free(s.imgs[i].manifest);
		strv_free(&s.imgs[i].tags);
	}
	free(s.imgs);
	free(s.buf);
	tar_writer_free(s.tw);
	strv_free(&s.written);
	return rc;
}

static int sv_sync_dir(const char *path)
{
	autofree char *copy = xstrdup(path);
	autoclose int fd = openat(AT_FDCWD, dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || fsync(fd) < 0)
		return err_set(errno, "sync the directory of %s", path);
	return 0;
}

int archive_save_file(struct store *st, char *const *names, enum archive_format fmt,
		      const char *path)
{
	autofree char *tmp = xasprintf("%s.tmp-XXXXXX", path);
	mode_t mask = umask(0);
	int fd, rc;

	umask(mask);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return err_set(errno, "create a temporary file beside %s", path);
	rc = archive_save(st, names, fmt, fd);
	if (!rc && (fchmod(fd, 0666 & ~mask) < 0 || fsync(fd) < 0))
		rc = err_set(errno, "write %s", tmp);
	if (close(fd) < 0 && !rc)
		rc = err_set(errno, "write %s", tmp);
	if (!rc && rename(tmp, path) < 0)
		rc = err_set(errno, "rename %s to %s", tmp, path);
	if (!rc)
		rc = sv_sync_dir(path);
	if (rc < 0)
		unlink(tmp);
	return rc;
}
