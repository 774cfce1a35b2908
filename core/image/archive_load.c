// SPDX-License-Identifier: Apache-2.0
/* archive_load.c - `dory load`: one pass over the archive into the store's
 * blobs, then manifests, digests, layers, records and tags. Saving is
 * archive.c's; the tar format is tar.c's. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "core/image/archive.h"
#include "core/image/image.h"
#include "core/image/layer.h"
#include "core/image/platform.h"
#include "core/image/ref.h"
#include "core/image/tar.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/json.h"
#include "core/util/xalloc.h"

enum {
	LD_BUF = 64 << 10,
	LD_META_MAX = 16 << 20,	/* manifest.json, index.json, a manifest, a config */
	LD_MAX_LAYERS = 1000,
	LD_BATCH = 32,		/* layers staged before they are committed (3 fds each) */
	LD_HOPS = 16,		/* links followed from a manifest.json path */
};

#define MT_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define MT_LAYER_TAR "application/vnd.oci.image.layer.v1.tar"
#define ANN_NAME "io.containerd.image.name"
#define ANN_REF "org.opencontainers.image.ref.name"

enum { META_MANIFEST, META_INDEX, META_N };
static const char *const meta_names[META_N] = { "manifest.json", "index.json" };

struct ld_file {
	char *path;			/* cleaned: "a/b", never "./" or ".." */
	char *link;			/* a link's target (cleaned), else NULL */
	char digest[DIGEST_STRLEN];	/* "" unless stored as a blob */
	long long size;
	unsigned char magic[4];		/* the first bytes: compression */
	unsigned nmagic;
	bool added;			/* the blob was not in the store before */
};

struct ld_layer {
	char blob[DIGEST_STRLEN], diff[DIGEST_STRLEN], chain[DIGEST_STRLEN];
	char parent[DIGEST_STRLEN];	/* "" for the base layer */
	char media[128];
	long long size;
	bool gzip;
};

struct ld_image {
	char id[DIGEST_STRLEN], manifest[DIGEST_STRLEN], index[DIGEST_STRLEN];
	char *synth;			/* the manifest made up for a Docker archive */
	long long cfg_size;
	struct json *cfg;
	int n;
	struct ld_layer *layers;
	struct strv tags;		/* normalized references */
};

struct ld {
	struct store *st;
	const struct archive_load_opts *o;
	struct ld_file *files;
	int nfiles, cap;
	char *meta[META_N];
	size_t meta_len[META_N];
	/* the entry being read */
	int cur, cur_meta;		/* -1: none */
	struct store_blob_writer *w;
	long long skip;			/* bytes a resumed partial already holds */
	bool own;			/* digest unknown: hash it here too */
	struct sha256 sha;
	/* what the manifests say */
	struct ld_image *imgs;
	int nimgs;
	struct strv docs_added;		/* made-up manifests stored */
};

/* ---- paths ---- */

/* p (under dir when relative and dir is given) without "", "." and ".."
 * components; NULL when ".." climbs out of the archive. Allocated. */
static char *ld_norm(const char *dir, const char *p)
{
	autofree char *in = dir && *dir && *p != '/' ? xasprintf("%s/%s", dir, p) : xstrdup(p);
	char *out = xmalloc(strlen(in) + 1), *save = NULL;
	size_t n = 0;

	for (char *t = strtok_r(in, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		size_t k = strlen(t);

		if (!strcmp(t, "."))
			continue;
		if (!strcmp(t, "..")) {
			if (!n) {
				free(out);
				return NULL;
			}
			while (n && out[n - 1] != '/')
				n--;
			n -= n > 0;
			continue;
		}
		if (n)
			out[n++] = '/';
		memcpy(out + n, t, k);
		n += k;
	}
	out[n] = 0;
	return out;
}

static struct ld_file *ld_find(struct ld *l, const char *path)
{
	autofree char *p = ld_norm(NULL, path);
	const char *cur = p;

	for (int hop = 0; cur && hop < LD_HOPS; hop++) {
		struct ld_file *f = NULL;

		for (int i = l->nfiles - 1; i >= 0 && !f; i--)
			if (!strcmp(l->files[i].path, cur))
				f = &l->files[i];
		if (!f || !f->link)
			return f && *f->digest ? f : NULL;
		cur = f->link;
	}
	return NULL;
}

/* The file of blob digest: blobs/sha256/HEX as in an OCI layout, or any
 * file with that content (a Docker archive's HEX.json). */
static struct ld_file *ld_find_blob(struct ld *l, const char *digest)
{
	char path[SHA256_HEX + 16];
	struct ld_file *f;

	snprintf(path, sizeof(path), "blobs/sha256/%s", digest + 7);
	f = ld_find(l, path);
	for (int i = l->nfiles - 1; i >= 0 && !f; i--)
		if (!strcmp(l->files[i].digest, digest))
			f = &l->files[i];
	return f;
}

/* HEX of "blobs/sha256/HEX", else NULL. */
static const char *ld_blob_hex(const char *path)
{
	char d[DIGEST_STRLEN];

	if (strncmp(path, "blobs/sha256/", 13) || strlen(path + 13) != SHA256_HEX)
		return NULL;
	snprintf(d, sizeof(d), "sha256:%s", path + 13);
	return sha256_is_digest(d) ? path + 13 : NULL;
}

/* Entries not worth storing: v1 "ID/json" and "ID/VERSION" of classic
 * archives, and blobs of other algorithms. */
static bool ld_skip(const char *path)
{
	const char *base = strrchr(path, '/');

	if (base && (!strcmp(base, "/json") || !strcmp(base, "/VERSION")))
		return true;
	return !strncmp(path, "blobs/", 6) && !ld_blob_hex(path);
}

/* ---- the pass over the archive ---- */

static int ld_add_file(struct ld *l, char *path)
{
	if (l->nfiles == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->files = xrealloc(l->files, sizeof(*l->files) * l->cap);
	}
	memset(&l->files[l->nfiles], 0, sizeof(*l->files));
	l->files[l->nfiles].path = path;
	return l->nfiles++;
}

static int ld_blob_begin(struct ld *l, char *path, long long size)
{
	const char *hex = ld_blob_hex(path);
	char want[DIGEST_STRLEN];
	int i = ld_add_file(l, path), rc;

	l->files[i].size = size;
	snprintf(want, sizeof(want), "sha256:%s", hex ? hex : "");
	rc = store_blob_writer_open(l->st, hex ? want : NULL, size, &l->w);
	if (rc < 0)
		return err_ctx("archive entry %s", path);
	l->cur = i;
	if (rc == 1) {		/* already stored: the archive's copy is not needed */
		memcpy(l->files[i].digest, want, sizeof(want));
		return 0;
	}
	l->skip = store_blob_writer_offset(l->w);
	l->own = !hex;
	l->files[i].added = hex != NULL;
	if (l->own)
		sha256_init(&l->sha);
	return 0;
}

/* A link: followed when a manifest names it (docker save links the layer
 * of one v1 directory to another's). Takes path. */
static void ld_link(struct ld *l, const struct tar_entry *e, char *path)
{
	char *slash = strrchr(path, '/'), *target;
	autofree char *dir = slash ? xstrndup(path, (size_t)(slash - path)) : NULL;

	target = ld_norm(e->type == TAR_SYMLINK ? dir : NULL, e->linkname);
	if (target)
		l->files[ld_add_file(l, path)].link = target;
	else
		free(path);
}

/* manifest.json or index.json: kept in memory. */
static int ld_meta_begin(struct ld *l, int m, long long size)
{
	if (size > LD_META_MAX)
		return err_setx(EFBIG, "%s in the archive is larger than 16 MiB", meta_names[m]);
	free(l->meta[m]);
	l->meta[m] = xmalloc((size_t)size + 1);
	l->meta_len[m] = 0;
	l->cur_meta = m;
	return 0;
}

static int ld_entry(void *arg, const struct tar_entry *e)
{
	struct ld *l = arg;
	char *path = ld_norm(NULL, e->name);

	l->cur = l->cur_meta = -1;
	if (path && *path && (e->type == TAR_SYMLINK || e->type == TAR_HARDLINK)) {
		ld_link(l, e, path);
		return 0;
	}
	if (!path || !*path || e->type != TAR_REG || ld_skip(path)) {
		free(path);
		return 0;
	}
	for (int m = 0; m < META_N; m++) {
		if (!strcmp(path, meta_names[m])) {
			free(path);
			return ld_meta_begin(l, m, e->size);
		}
	}
	return ld_blob_begin(l, path, e->size);
}

static int ld_data(void *arg, const void *p, size_t n)
{
	struct ld *l = arg;
	struct ld_file *f;
	size_t k;

	if (l->cur_meta >= 0) {
		memcpy(l->meta[l->cur_meta] + l->meta_len[l->cur_meta], p, n);
		l->meta_len[l->cur_meta] += n;
		return 0;
	}
	if (l->cur < 0)
		return 0;
	f = &l->files[l->cur];
	for (k = 0; f->nmagic < sizeof(f->magic) && k < n; k++)
		f->magic[f->nmagic++] = ((const unsigned char *)p)[k];
	if (!l->w)
		return 0;
	if (l->own)
		sha256_update(&l->sha, p, n);
	k = l->skip < (long long)n ? (size_t)l->skip : n;
	l->skip -= (long long)k;
	return n > k ? store_blob_writer_write(l->w, (const char *)p + k, n - k) : 0;
}

static int ld_end(void *arg)
{
	struct ld *l = arg;
	struct ld_file *f;
	char got[DIGEST_STRLEN];
	int rc;

	if (l->cur_meta >= 0)
		l->meta[l->cur_meta][l->meta_len[l->cur_meta]] = 0;
	if (l->cur < 0 || !l->w)
		return 0;
	f = &l->files[l->cur];
	if (l->own) {
		sha256_final_digest(&l->sha, f->digest);
		if (store_has_blob(l->st, f->digest)) {
			store_blob_writer_abort(TAKE(l->w), false);
			return 0;
		}
		f->added = true;
	}
	rc = store_blob_writer_commit(TAKE(l->w), got);
	if (rc == -EBADMSG) {
		f->added = false;
		return err_setx(EBADMSG, "%s in the archive has digest %s (the archive is damaged)",
				f->path, got);
	}
	if (rc < 0) {
		f->added = false;
		return err_ctx("archive entry %s", f->path);
	}
	memcpy(f->digest, got, sizeof(got));
	return 0;
}

static const struct tar_reader_ops ld_ops = { ld_entry, ld_data, ld_end };

static int ld_tar_sink(void *arg, const void *p, size_t n)
{
	return tar_reader_feed(arg, p, n);
}

/* The first bytes: a tar, a gzip of one, or something dory cannot read. */
static int ld_sniff(const unsigned char *b, size_t n, struct tar_reader *tr, struct gz **z)
{
	static const struct {
		const char *magic, *name;
	} other[] = { { "\xfd" "7zXZ", "xz" }, { "BZh", "bzip2" }, { "\x28\xb5\x2f\xfd", "zstd" } };

	if (gz_is_gzip(b, n)) {
		*z = gz_inflate_new(ld_tar_sink, tr);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(other); i++) {
		size_t k = strlen(other[i].magic);

		if (n >= k && !memcmp(b, other[i].magic, k))
			return err_setx(ENOTSUP, "the archive is compressed with %s, which dory "
					"does not read (decompress it first)", other[i].name);
	}
	return 0;
}

static int ld_read(struct ld *l, int fd)
{
	autofree unsigned char *buf = xmalloc(LD_BUF);
	struct tar_reader *tr = tar_reader_new(&ld_ops, l);
	unsigned long long total = 0;
	struct gz *z = NULL;
	ssize_t r = 0;
	int rc = 0;

	/* Read to the end even past the tar's end blocks, so that a writer
	 * on the other side of a pipe is not cut off. */
	while (!rc && (r = fsutil_read_full(fd, buf, LD_BUF)) > 0) {
		if (!total)
			rc = ld_sniff(buf, (size_t)r, tr, &z);
		total += (unsigned long long)r;
		if (!rc)
			rc = z ? gz_feed(z, buf, (size_t)r) : tar_reader_feed(tr, buf, (size_t)r);
	}
	if (!rc && r < 0)
		rc = err_set((int)-r, "read the archive");
	if (!rc && !total)
		rc = err_setx(EINVAL, "the archive is empty");
	if (!rc && z)
		rc = gz_finish(z);
	if (!rc)
		rc = tar_reader_finish(tr);
	gz_free(z);
	tar_reader_free(tr);
	return rc;
}

/* ---- what the manifests say ---- */

static struct json *ld_meta_json(struct ld *l, int m)
{
	struct json *j = json_parse(l->meta[m], l->meta_len[m]);

	if (!j)
		err_ctx("%s in the archive", meta_names[m]);
	return j;
}

/* A document (manifest, index, config) of the archive: present, of the
 * size its descriptor says (want < 0: unknown), parsed. */
static struct json *ld_doc(struct ld *l, const char *digest, long long want, const char *who,
			   long long *size)
{
	struct ld_file *f = sha256_is_digest(digest) ? ld_find_blob(l, digest) : NULL;
	autofree char *text = NULL;
	struct json *j;
	size_t len;

	if (!sha256_is_digest(digest)) {
		err_setx(EBADMSG, "%s names an invalid digest \"%s\"", who, digest ? digest : "");
		return NULL;
	}
	if (!f) {
		err_setx(ENOENT, "%s names %s, which is not in the archive", who, digest);
		return NULL;
	}
	if (want >= 0 && f->size != want) {
		err_setx(EBADMSG, "%s has %lld bytes, not %lld as %s says", digest, f->size, want,
			 who);
		return NULL;
	}
	if (store_blob_read(l->st, digest, LD_META_MAX, &text, &len) < 0)
		return NULL;
	j = json_parse(text, len);
	if (!j)
		err_ctx("%s", digest);
	if (size)
		*size = (long long)len;
	return j;
}

/* The image with config id, new or (when an earlier entry named it) the
 * same one; *fresh says which. */
static struct ld_image *ld_image_get(struct ld *l, const char *id, bool *fresh)
{
	struct ld_image *im;

	for (int i = 0; i < l->nimgs; i++) {
		if (!strcmp(l->imgs[i].id, id)) {
			*fresh = false;
			return &l->imgs[i];
		}
	}
	l->imgs = xrealloc(l->imgs, sizeof(*l->imgs) * (l->nimgs + 1));
	im = &l->imgs[l->nimgs++];
	memset(im, 0, sizeof(*im));
	snprintf(im->id, sizeof(im->id), "%s", id);
	*fresh = true;
	return im;
}

/* A name from the archive as a tag; false for what is not one. */
static bool ld_tag(struct ld_image *im, const char *name)
{
	struct ref r;

	if (!name || ref_parse(name, &r) < 0) {
		err_clear();
		return false;
	}
	if (r.tag && !r.digest) {
		autofree char *s = ref_str(&r);
		bool dup = false;

		for (size_t i = 0; i < im->tags.n; i++)
			dup |= !strcmp(im->tags.v[i], s);
		if (!dup)
			strv_push(&im->tags, s);
	}
	ref_clear(&r);
	return true;
}

/* Layer i of im: blob and diff ID checked as far as can be without
 * unpacking (a plain tar's digest is its diff ID). */
static int ld_layer_set(struct ld_image *im, int i, const struct ld_file *f, const char *media,
			bool gzip)
{
	const struct json *diffs = json_get(json_get(im->cfg, "rootfs"), "diff_ids");
	const char *diff = json_str(json_arr_at(diffs, i));
	struct ld_layer *ly = &im->layers[i];

	if (!diff || !sha256_is_digest(diff))
		return err_setx(EBADMSG, "image config %s: diff ID %d is not a sha256 digest",
				im->id, i);
	if (!gzip && strcmp(f->digest, diff))
		return err_setx(EBADMSG, "layer %s does not match its diff ID %s (the archive is "
				"damaged)", f->path, diff);
	snprintf(ly->blob, sizeof(ly->blob), "%s", f->digest);
	snprintf(ly->diff, sizeof(ly->diff), "%s", diff);
	snprintf(ly->media, sizeof(ly->media), "%s", media);
	ly->size = f->size;
	ly->gzip = gzip;
	if (i)
		memcpy(ly->parent, im->layers[i - 1].chain, sizeof(ly->parent));
	store_chain_id(i ? ly->parent : NULL, diff, ly->chain);
	return 0;
}

/* The config's diff IDs against n layers; allocates the layer table. */
static int ld_layers_alloc(struct ld_image *im, int n)
{
	const struct json *diffs = json_get(json_get(im->cfg, "rootfs"), "diff_ids");

	if (json_arr_len(diffs) != n || n > LD_MAX_LAYERS)
		return err_setx(EBADMSG, "image %s has %d layers, its config %d diff IDs", im->id,
				n, json_arr_len(diffs));
	im->n = n;
	im->layers = xzalloc(sizeof(*im->layers) * (n + 1));
	return 0;
}

/* ---- OCI layouts ---- */

static bool ld_is_index(const struct json *doc, const char *desc_mt)
{
	const char *mt = json_get_str(doc, "mediaType");

	if (!mt || !*mt)
		mt = desc_mt ? desc_mt : "";
	return !strcmp(mt, MT_OCI_INDEX) || !strcmp(mt, MT_DOCKER_LIST) ||
	       (!*mt && json_get(doc, "manifests") && !json_get(doc, "layers"));
}

/* An image manifest (not an artifact, not a signature). */
static bool ld_is_image(const struct json *doc)
{
	const char *mt = json_get_str(doc, "mediaType");
	const char *cmt = json_get_str(json_get(doc, "config"), "mediaType");

	if (mt && *mt && strcmp(mt, MT_OCI_MANIFEST) && strcmp(mt, MT_DOCKER_MANIFEST))
		return false;
	return !cmt || !strcmp(cmt, MT_OCI_CONFIG) || !strcmp(cmt, MT_DOCKER_CONFIG);
}

/* From an index, the manifest for o->platform (this machine's by default)
 * among those the archive holds. */
static int ld_choose(struct ld *l, const struct json *idx, const char *idx_digest,
		     char out[DIGEST_STRLEN])
{
	const struct json *ms = json_get(idx, "manifests"), *best = NULL, *only = NULL;
	struct platform want;
	char pb[48];
	int score = 0, present = 0;

	if (l->o && l->o->platform) {
		if (platform_parse(l->o->platform, &want) < 0)
			return -err_errno();
	} else {
		platform_host(&want);
	}
	for (int i = 0; i < json_arr_len(ms); i++) {
		const struct json *m = json_arr_at(ms, i), *pl = json_get(m, "platform");
		const char *d = json_get_str(m, "digest"), *arch = json_get_str(pl, "architecture");
		int s;

		if (!sha256_is_digest(d) || !ld_find_blob(l, d) || !arch ||
		    !strcmp(arch, "unknown"))
			continue;
		present++;
		only = m;
		s = platform_score(&want, json_get_str(pl, "os"), arch,
				   json_get_str(pl, "variant"));
		if (s > score) {
			score = s;
			best = m;
		}
	}
	if (!best && present == 1 && !(l->o && l->o->platform))
		best = only;	/* an archive for one other platform: a firmware build */
	if (!best)
		return err_setx(ENOENT, "index %s has no image for %s in the archive (choose with "
				"--platform)", idx_digest, platform_str(&want, pb, sizeof(pb)));
	snprintf(out, DIGEST_STRLEN, "%s", json_get_str(best, "digest"));
	return 0;
}

/* manifest.json's RepoTags for config id (Docker 25+ archives). */
static void ld_docker_names(struct ld *l, struct ld_image *im)
{
	struct json *mj = l->meta[META_MANIFEST] ? json_parse(l->meta[META_MANIFEST],
							      l->meta_len[META_MANIFEST]) : NULL;

	for (int i = 0; i < json_arr_len(mj); i++) {
		const struct json *e = json_arr_at(mj, i), *tags = json_get(e, "RepoTags");
		const char *c = json_get_str(e, "Config");
		struct ld_file *f = c ? ld_find(l, c) : NULL;

		if (f && !strcmp(f->digest, im->id))
			for (int t = 0; t < json_arr_len(tags); t++)
				ld_tag(im, json_str(json_arr_at(tags, t)));
	}
	json_free(mj);
	err_clear();
}

static int ld_oci_layers(struct ld *l, struct ld_image *im, const struct json *man)
{
	const struct json *ls = json_get(man, "layers");
	int rc = ld_layers_alloc(im, json_arr_len(ls));

	for (int i = 0; i < im->n && !rc; i++) {
		const struct json *lj = json_arr_at(ls, i);
		const char *d = json_get_str(lj, "digest"), *mt = json_get_str(lj, "mediaType");
		struct ld_file *f = sha256_is_digest(d) ? ld_find_blob(l, d) : NULL;
		long long size = -1;
		bool gzip;

		json_get_i64(lj, "size", &size);
		if (!f)
			return err_setx(ENOENT, "manifest %s names layer %s, which is not in the "
					"archive", im->manifest, d ? d : "(none)");
		if (size >= 0 && size != f->size)
			return err_setx(EBADMSG, "layer %s has %lld bytes, not %lld as manifest %s "
					"says", d, f->size, size, im->manifest);
		if (!mt || !image_layer_media(mt, &gzip))
			return err_setx(ENOTSUP, "layer %s has media type %s, which dory cannot "
					"unpack (gzip and plain tar only)", d, mt ? mt : "(none)");
		rc = ld_layer_set(im, i, f, mt, gzip);
	}
	return rc;
}

/* One image manifest of the layout, named by desc's annotations. */
static int ld_oci_image(struct ld *l, const char *mdigest, const char *idx,
			const struct json *man, const struct json *desc)
{
	const struct json *c = json_get(man, "config"), *ann = json_get(desc, "annotations");
	const char *cd = json_get_str(c, "digest"), *name = json_get_str(ann, ANN_NAME);
	const char *refname = json_get_str(ann, ANN_REF);
	autofree char *who = xasprintf("manifest %s", mdigest);
	struct ld_image *im;
	long long want = -1;
	bool fresh;

	json_get_i64(c, "size", &want);
	if (!sha256_is_digest(cd))
		return err_setx(EBADMSG, "%s has no valid config digest", who);
	im = ld_image_get(l, cd, &fresh);
	if (fresh) {
		snprintf(im->manifest, sizeof(im->manifest), "%s", mdigest);
		snprintf(im->index, sizeof(im->index), "%s", idx ? idx : "");
		im->cfg = ld_doc(l, cd, want, who, &im->cfg_size);
		if (!im->cfg || ld_oci_layers(l, im, man) < 0)
			return -err_errno();
	}
	if (name)
		ld_tag(im, name);
	else if (refname && strpbrk(refname, "/:"))
		ld_tag(im, refname);	/* a bare "v1" names no repository */
	if (!im->tags.n)
		ld_docker_names(l, im);
	return 0;
}

static int ld_oci_desc(struct ld *l, const struct json *d)
{
	const char *dg = json_get_str(d, "digest");
	char man[DIGEST_STRLEN], idx[DIGEST_STRLEN] = "";
	long long want = -1;
	struct json *doc;
	int rc = 0;

	json_get_i64(d, "size", &want);
	doc = ld_doc(l, dg, want, "index.json", NULL);
	if (doc && ld_is_index(doc, json_get_str(d, "mediaType"))) {
		snprintf(idx, sizeof(idx), "%s", dg);
		rc = ld_choose(l, doc, dg, man);
		json_free(doc);
		doc = NULL;
		if (!rc)
			doc = ld_doc(l, man, -1, idx, NULL);
	} else if (doc) {
		snprintf(man, sizeof(man), "%s", dg);
	}
	if (!doc)
		return rc < 0 ? rc : -err_errno();
	if (ld_is_index(doc, NULL))
		rc = err_setx(ENOTSUP, "index %s points at another index", idx);
	else if (ld_is_image(doc))
		rc = ld_oci_image(l, man, *idx ? idx : NULL, doc, d);
	json_free(doc);
	return rc;
}

static int ld_plan_oci(struct ld *l)
{
	struct json *idx = ld_meta_json(l, META_INDEX);
	const struct json *ms = json_get(idx, "manifests");
	int rc = idx ? 0 : -err_errno();

	if (idx && !json_is_arr(ms))
		rc = err_setx(EBADMSG, "index.json in the archive has no \"manifests\" list");
	for (int i = 0; i < json_arr_len(ms) && !rc; i++)
		rc = ld_oci_desc(l, json_arr_at(ms, i));
	json_free(idx);
	return rc;
}

/* ---- Docker archives ---- */

/* A config named HEX.json or sha256:HEX must have that digest. */
static int ld_check_name(const char *path, const struct ld_file *f)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char d[DIGEST_STRLEN + 8];

	if (!strncmp(base, "sha256:", 7))
		base += 7;
	if (strlen(base) < SHA256_HEX || (base[SHA256_HEX] && strcmp(base + SHA256_HEX, ".json")))
		return 0;
	snprintf(d, sizeof(d), "sha256:%.64s", base);
	if (sha256_is_digest(d) && strcmp(d, f->digest))
		return err_setx(EBADMSG, "%s in the archive has digest %s (the archive is damaged)",
				path, f->digest);
	return 0;
}

/* An OCI manifest for a Docker archive's image, which has none. */
static void ld_synth(struct ld_image *im)
{
	struct json *m = json_new_obj(), *c, *ls;

	json_add_i64(m, "schemaVersion", 2);
	json_add_str(m, "mediaType", MT_OCI_MANIFEST);
	c = json_add_obj(m, "config");
	json_add_str(c, "mediaType", MT_OCI_CONFIG);
	json_add_str(c, "digest", im->id);
	json_add_i64(c, "size", im->cfg_size);
	ls = json_add_arr(m, "layers");
	for (int i = 0; i < im->n; i++) {
		struct json *lj = json_add_obj(ls, NULL);

		json_add_str(lj, "mediaType", im->layers[i].media);
		json_add_str(lj, "digest", im->layers[i].blob);
		json_add_i64(lj, "size", im->layers[i].size);
	}
	im->synth = json_print(m, false);
	json_free(m);
	sha256_digest(im->synth, strlen(im->synth), im->manifest);
}

static int ld_docker_layers(struct ld *l, struct ld_image *im, const struct json *paths)
{
	int rc = ld_layers_alloc(im, json_arr_len(paths));

	for (int i = 0; i < im->n && !rc; i++) {
		const char *p = json_str(json_arr_at(paths, i));
		struct ld_file *f = p ? ld_find(l, p) : NULL;
		bool gzip;

		if (!f)
			return err_setx(ENOENT, "manifest.json names layer %s, which is not in the "
					"archive", p ? p : "(none)");
		gzip = gz_is_gzip(f->magic, f->nmagic);
		if (!gzip && f->nmagic == 4 && !memcmp(f->magic, "\x28\xb5\x2f\xfd", 4))
			return err_setx(ENOTSUP, "layer %s is compressed with zstd, which dory "
					"cannot unpack", p);
		rc = ld_layer_set(im, i, f, gzip ? MT_LAYER_GZIP : MT_LAYER_TAR, gzip);
	}
	return rc;
}

static int ld_docker_entry(struct ld *l, const struct json *e)
{
	const char *cp = json_get_str(e, "Config");
	const struct json *tags = json_get(e, "RepoTags");
	struct ld_file *f = cp ? ld_find(l, cp) : NULL;
	struct ld_image *im;
	bool fresh;

	if (!f)
		return err_setx(ENOENT, "manifest.json names config %s, which is not in the "
				"archive", cp ? cp : "(none)");
	if (ld_check_name(cp, f) < 0)
		return -err_errno();
	im = ld_image_get(l, f->digest, &fresh);
	if (fresh) {
		im->cfg = ld_doc(l, f->digest, -1, "manifest.json", &im->cfg_size);
		if (!im->cfg || ld_docker_layers(l, im, json_get(e, "Layers")) < 0)
			return -err_errno();
		ld_synth(im);
	}
	for (int t = 0; t < json_arr_len(tags); t++) {
		const char *s = json_str(json_arr_at(tags, t));

		if (!ld_tag(im, s))
			return err_setx(EINVAL, "manifest.json: invalid tag \"%s\"", s ? s : "");
	}
	return 0;
}

static int ld_plan_docker(struct ld *l)
{
	struct json *mj = ld_meta_json(l, META_MANIFEST);
	int rc = mj ? 0 : -err_errno();

	if (mj && (!json_is_arr(mj) || !json_arr_len(mj)))
		rc = err_setx(EBADMSG, "manifest.json in the archive lists no image");
	for (int i = 0; i < json_arr_len(mj) && !rc; i++)
		rc = ld_docker_entry(l, json_arr_at(mj, i));
	json_free(mj);
	return rc;
}

/* ---- layers: unpacked from the stored blobs ---- */

struct ld_pipe {
	struct sha256 diff;
	struct layer_unpack *u;		/* NULL: only check the diff ID */
};

static int ld_pipe_sink(void *arg, const void *p, size_t n)
{
	struct ld_pipe *pp = arg;

	sha256_update(&pp->diff, p, n);
	return pp->u ? layer_unpack_feed(pp->u, p, n) : 0;
}

/* Unpack a layer into tx (or with tx NULL only hash it); its diff ID is
 * checked either way. */
static int ld_layer_run(struct ld *l, const struct ld_layer *ly, struct store_layer_tx *tx,
			unsigned long long *bytes)
{
	struct ld_pipe pp = { 0 };
	char got[DIGEST_STRLEN];
	int rc = 0;

	sha256_init(&pp.diff);
	if (tx && !(pp.u = layer_unpack_new(store_layer_tx_fd(tx), LAYER_WH_OVERLAY)))
		return -err_errno();
	rc = archive_blob_stream(l->st, ly->blob, ly->gzip, false, ld_pipe_sink, &pp, NULL);
	if (!rc && pp.u)
		rc = layer_unpack_finish(pp.u);
	if (!rc) {
		sha256_final_digest(&pp.diff, got);
		if (strcmp(got, ly->diff))
			rc = err_setx(EBADMSG, "layer %s does not match its diff ID %s (the "
				      "archive is damaged)", ly->blob, ly->diff);
	}
	if (!rc && bytes)
		*bytes = layer_unpack_stats(pp.u)->bytes;
	layer_unpack_free(pp.u);
	return rc;
}

static bool ld_added(const struct ld *l, const char *digest)
{
	for (int i = 0; i < l->nfiles; i++)
		if (l->files[i].added && !strcmp(l->files[i].digest, digest))
			return true;
	return false;
}

struct ld_job {
	const struct ld_layer *ly;
	bool last_use;		/* no later job reads its blob */
	struct store_layer_tx *tx;
	unsigned long long bytes;
};

static int ld_job_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ld_job *)a)->ly->chain, ((const struct ld_job *)b)->ly->chain);
}

/* Every layer once, in chain ID order: concurrent loads then take the
 * layers' locks in one order and cannot deadlock. */
static struct ld_job *ld_jobs(struct ld *l, int *n)
{
	struct ld_job *jobs = NULL;

	*n = 0;
	for (int i = 0; i < l->nimgs; i++) {
		for (int k = 0; k < l->imgs[i].n; k++) {
			const struct ld_layer *ly = &l->imgs[i].layers[k];
			bool dup = false;

			for (int j = 0; j < *n && !dup; j++)
				dup = !strcmp(jobs[j].ly->chain, ly->chain);
			if (dup)
				continue;
			jobs = xrealloc(jobs, sizeof(*jobs) * (*n + 1));
			jobs[(*n)++] = (struct ld_job){ .ly = ly };
		}
	}
	if (*n)
		qsort(jobs, *n, sizeof(*jobs), ld_job_cmp);
	for (int j = 0; j < *n; j++) {
		jobs[j].last_use = true;
		for (int k = j + 1; k < *n && jobs[j].last_use; k++)
			jobs[j].last_use = strcmp(jobs[k].ly->blob, jobs[j].ly->blob) != 0;
	}
	return jobs;
}

/* Stage one layer (left in job->tx), or check one already present. */
static int ld_job_run(struct ld *l, struct ld_job *job)
{
	const struct ld_layer *ly = job->ly;
	bool keep = store_keep_layer_blobs(l->st) || job->last_use;
	int rc;

	if (store_layer_has(l->st, ly->chain))
		return ly->gzip && ld_added(l, ly->blob) ? ld_layer_run(l, ly, NULL, NULL) : 0;
	rc = store_layer_begin(l->st, ly->chain, ly->diff, *ly->parent ? ly->parent : NULL,
			       keep ? ly->blob : NULL, &job->tx);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	rc = ld_layer_run(l, ly, job->tx, &job->bytes);
	if (rc < 0)
		store_layer_abort(TAKE(job->tx));
	return rc;
}

static int ld_unpack_all(struct ld *l)
{
	int n, first = 0, rc = 0;
	struct ld_job *jobs = ld_jobs(l, &n);

	for (int j = 0; j < n && !rc; j++) {
		rc = ld_job_run(l, &jobs[j]);
		if (rc || (j + 1 - first < LD_BATCH && j + 1 < n))
			continue;
		for (; first <= j && !rc; first++) {
			struct ld_job *jb = &jobs[first];

			if (jb->tx)
				rc = store_layer_commit(TAKE(jb->tx), (long long)jb->bytes);
		}
	}
	for (int j = 0; j < n; j++)
		store_layer_abort(jobs[j].tx);	/* keeps the recorded error */
	free(jobs);
	return rc;
}

/* ---- records and tags ---- */

static struct json *ld_record(const struct ld_image *im)
{
	struct json *r = image_record_new(im->id, im->manifest, im->index, im->cfg);

	for (int i = 0; i < im->n; i++)
		image_record_layer(r, im->layers[i].blob, im->layers[i].diff, im->layers[i].chain,
				   im->layers[i].size, im->layers[i].media);
	return r;
}

/* Store the image's record, unless the store has the image already (then
 * its record, pulled or loaded before, stays as it is). */
static int ld_put_image(struct ld *l, const struct ld_image *im)
{
	struct json *rec = store_image_get(l->st, im->id);
	int rc = 0;

	if (rec) {
		json_free(rec);
		return 0;
	}
	err_clear();
	if (im->synth) {
		bool had = store_has_blob(l->st, im->manifest);

		rc = store_blob_put(l->st, im->synth, strlen(im->synth), im->manifest, NULL);
		if (!rc && !had)
			strv_push(&l->docs_added, im->manifest);
	}
	rec = rc ? NULL : ld_record(im);
	if (rec)
		rc = store_image_put(l->st, rec);
	json_free(rec);
	return rc;
}

static int ld_commit_images(struct ld *l, struct strv *loaded)
{
	int rc = 0;

	for (int i = 0; i < l->nimgs && !rc; i++)
		rc = ld_put_image(l, &l->imgs[i]);
	for (int i = 0; i < l->nimgs && !rc; i++) {
		const struct ld_image *im = &l->imgs[i];

		for (size_t t = 0; t < im->tags.n && !rc; t++) {
			struct ref r;
			autofree char *name = NULL, *fam = NULL;

			rc = store_tag_set(l->st, im->tags.v[t], im->id);
			if (rc || ref_parse(im->tags.v[t], &r) < 0)
				continue;
			name = ref_name(&r);
			fam = ref_familiar(name);
			strv_push_take(loaded, xasprintf("%s:%s", fam, r.tag));
			ref_clear(&r);
		}
		if (!im->tags.n)
			strv_push(loaded, im->id);
	}
	return rc;
}

/* ---- cleaning up ---- */

static bool ld_strv_has(const struct strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (!strcmp(sv->v[i], s))
			return true;
	return false;
}

/* The blobs the loaded images' records use. */
static void ld_needed(struct ld *l, struct strv *need)
{
	static const char *const keys[] = { "config", "manifest", "index" };

	for (int i = 0; i < l->nimgs; i++) {
		struct json *rec = store_image_get(l->st, l->imgs[i].id);
		const struct json *ls = json_get(rec, "layers");

		for (size_t k = 0; k < ARRAY_SIZE(keys); k++)
			if (json_get_str(rec, keys[k]))
				strv_push(need, json_get_str(rec, keys[k]));
		for (int k = 0; k < json_arr_len(ls) && store_keep_layer_blobs(l->st); k++)
			if (json_get_str(json_arr_at(ls, k), "digest"))
				strv_push(need, json_get_str(json_arr_at(ls, k), "digest"));
		json_free(rec);
	}
	err_clear();
}

/* Remove the blobs this load added that no record of its images uses (on
 * an early failure: all of them), keeping the error that is recorded. */
static void ld_tidy(struct ld *l)
{
	struct strv need = { 0 };
	char line[512];
	int e = err_errno();

	snprintf(line, sizeof(line), "%s", err_str());
	ld_needed(l, &need);
	for (int i = 0; i < l->nfiles; i++)
		if (l->files[i].added && !ld_strv_has(&need, l->files[i].digest))
			store_blob_remove(l->st, l->files[i].digest);
	for (size_t i = 0; i < l->docs_added.n; i++)
		if (!ld_strv_has(&need, l->docs_added.v[i]))
			store_blob_remove(l->st, l->docs_added.v[i]);
	strv_free(&need);
	if (e)
		err_setx(e, "%s", line);
	else
		err_clear();
}

static void ld_free(struct ld *l)
{
	store_blob_writer_abort(l->w, false);
	for (int i = 0; i < l->nfiles; i++) {
		free(l->files[i].path);
		free(l->files[i].link);
	}
	free(l->files);
	for (int m = 0; m < META_N; m++)
		free(l->meta[m]);
	for (int i = 0; i < l->nimgs; i++) {
		free(l->imgs[i].synth);
		json_free(l->imgs[i].cfg);
		free(l->imgs[i].layers);
		strv_free(&l->imgs[i].tags);
	}
	free(l->imgs);
	strv_free(&l->docs_added);
}

/* What the archive's manifest.json or index.json say, once it is read. */
static int ld_plan(struct ld *l)
{
	int rc;

	if (l->meta[META_INDEX])
		rc = ld_plan_oci(l);
	else if (l->meta[META_MANIFEST])
		rc = ld_plan_docker(l);
	else
		rc = err_setx(EINVAL, "not a Docker or OCI image archive (it has neither "
			      "manifest.json nor index.json)");
	if (!rc && !l->nimgs)
		rc = err_setx(ENOENT, "the archive holds no image");
	return rc;
}

int archive_load(struct store *st, int fd, const struct archive_load_opts *o,
		 struct strv *loaded)
{
	struct ld l = { .st = st, .o = o, .cur = -1, .cur_meta = -1 };
	int rc;

	rc = ld_read(&l, fd);
	if (!rc)
		rc = ld_plan(&l);
	if (!rc)
		rc = ld_unpack_all(&l);
	if (!rc)
		rc = ld_commit_images(&l, loaded);
	store_blob_writer_abort(TAKE(l.w), false);
	ld_tidy(&l);
	ld_free(&l);
	return rc;
}

/* One file as the tar reader would hand it over. */
static int ld_feed_file(struct ld *l, const struct archive_file *f)
{
	struct tar_entry e = { .name = f->path, .linkname = f->link ? f->link : "",
			       .type = f->link ? TAR_SYMLINK : TAR_REG, .mode = 0644,
			       .size = f->link ? 0 : (long long)f->len };
	int rc = ld_entry(l, &e);

	if (!rc && e.size)
		rc = ld_data(l, f->data, f->len);
	return rc ? rc : ld_end(l);
}

int archive_load_plan(struct store *st, const struct archive_file *files, int n,
		      const struct archive_load_opts *o, struct strv *names)
{
	struct ld l = { .st = st, .o = o, .cur = -1, .cur_meta = -1 };
	int rc = 0;

	for (int i = 0; i < n && !rc; i++)
		rc = ld_feed_file(&l, &files[i]);
	if (!rc)
		rc = ld_plan(&l);
	for (int i = 0; i < l.nimgs && !rc; i++) {
		strv_push(names, l.imgs[i].id);
		for (size_t t = 0; t < l.imgs[i].tags.n; t++)
			strv_push(names, l.imgs[i].tags.v[t]);
	}
	store_blob_writer_abort(TAKE(l.w), false);
	ld_tidy(&l);
	ld_free(&l);
	return rc;
}
