// SPDX-License-Identifier: Apache-2.0
/* import.c - a root filesystem tar into an image: read once into a blob
 * (hashing the tar inside for its diff ID), unpacked from the blob as load
 * does, then the config and records. Parsing --change is change.c's. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/image/archive.h"
#include "core/image/change.h"
#include "core/image/image.h"
#include "core/image/import.h"
#include "core/image/layer.h"
#include "core/image/platform.h"
#include "core/image/ref.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/gz.h"
#include "core/util/json.h"
#include "core/util/xalloc.h"

#define IMP_MT_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define IMP_MT_TAR "application/vnd.oci.image.layer.v1.tar"

enum { IMP_BUF = 64 * 1024 };

struct imp {
	struct store *st;
	struct store_blob_writer *bw;
	struct sha256 raw, diff;
	struct gz *z;		/* gzip input: inflated for the diff ID */
	bool gzip;
	long long size;
	char blob[DIGEST_STRLEN], diff_id[DIGEST_STRLEN];
	bool had_blob;		/* the store had the blob before */
};

static int imp_diff_sink(void *arg, const void *p, size_t n)
{
	sha256_update(&((struct imp *)arg)->diff, p, n);
	return 0;
}

static int imp_chunk(struct imp *m, const void *p, size_t n)
{
	int rc = store_blob_writer_write(m->bw, p, n);

	sha256_update(&m->raw, p, n);
	m->size += (long long)n;
	if (rc == 0)
		rc = m->z ? gz_feed(m->z, p, n) : imp_diff_sink(m, p, n);
	return rc;
}

/* Pass one: fd into a blob, its digest and the tar's diff ID. */
static int imp_read(struct imp *m, int fd, const char *src)
{
	autofree unsigned char *buf = xmalloc(IMP_BUF);
	char raw[DIGEST_STRLEN];
	ssize_t n;
	int rc = store_blob_writer_open(m->st, NULL, -1, &m->bw);

	sha256_init(&m->raw);
	sha256_init(&m->diff);
	while (rc == 0 && (n = fsutil_read_full(fd, buf, IMP_BUF)) != 0) {
		if (n < 0) {
			rc = err_set((int)-n, "read %s", src);
			break;
		}
		if (!m->size && (m->gzip = gz_is_gzip(buf, (size_t)n)))
			m->z = gz_inflate_new(imp_diff_sink, m);
		rc = imp_chunk(m, buf, (size_t)n);
	}
	if (rc == 0 && !m->size)
		rc = err_setx(EINVAL, "%s is empty (give a tar of a root filesystem)", src);
	if (rc == 0 && m->z)
		rc = gz_finish(m->z);
	if (rc < 0) {
		store_blob_writer_abort(TAKE(m->bw), false);
		return rc;
	}
	sha256_final_digest(&m->raw, raw);
	sha256_final_digest(&m->diff, m->diff_id);
	m->had_blob = store_has_blob(m->st, raw);
	return store_blob_writer_commit(TAKE(m->bw), m->blob);
}

static int imp_unpack_sink(void *arg, const void *p, size_t n)
{
	return layer_unpack_feed(arg, p, n);
}

/* Pass two: the layer, unpacked from the stored blob (as load does). */
static int imp_layer(struct imp *m)
{
	struct store_layer_tx *tx = NULL;
	struct layer_unpack *u;
	int rc = store_layer_begin(m->st, m->diff_id, m->diff_id, NULL, m->blob, &tx);

	if (rc != 0)
		return rc < 0 ? rc : 0;
	u = layer_unpack_new(store_layer_tx_fd(tx), LAYER_WH_OVERLAY);
	rc = u ? archive_blob_stream(m->st, m->blob, m->gzip, true, imp_unpack_sink, u, NULL)
	       : -err_errno();
	if (rc == 0)
		rc = layer_unpack_finish(u);
	if (rc == 0)
		rc = store_layer_commit(TAKE(tx), (long long)layer_unpack_stats(u)->bytes);
	else
		err_ctx("the archive");
	layer_unpack_free(u);
	store_layer_abort(tx);
	return rc;
}

/* Docker's import config: this platform, the changes, one history entry. */
static struct json *imp_config(const struct imp *m, const struct json *cc,
			       const struct image_import_opts *o)
{
	struct json *c = json_new_obj(), *rf, *h;
	struct platform p;
	char now[32];
	time_t t = time(NULL);

	platform_host(&p);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	json_add_str(c, "architecture", p.arch);
	if (*p.variant)
		json_add_str(c, "variant", p.variant);
	json_add_str(c, "os", p.os);
	json_add_str(c, "created", now);
	json_add_copy(c, "config", cc);
	rf = json_add_obj(c, "rootfs");
	json_add_str(rf, "type", "layers");
	json_add_str(json_add_arr(rf, "diff_ids"), NULL, m->diff_id);
	h = json_add_obj(json_add_arr(c, "history"), NULL);
	json_add_str(h, "created", now);
	if (o->message) {
		json_add_str(h, "comment", o->message);
	} else {
		autofree char *s = xasprintf("Imported from %s", o->source);

		json_add_str(h, "comment", s);
	}
	return c;
}

/* An OCI manifest for it, stored; its digest into out. */
static int imp_manifest(const struct imp *m, const char *id, long long cfg_size,
			char out[DIGEST_STRLEN])
{
	struct json *man = json_new_obj(), *d;
	autofree char *text = NULL;

	json_add_i64(man, "schemaVersion", 2);
	json_add_str(man, "mediaType", MT_OCI_MANIFEST);
	d = json_add_obj(man, "config");
	json_add_str(d, "mediaType", MT_OCI_CONFIG);
	json_add_str(d, "digest", id);
	json_add_i64(d, "size", cfg_size);
	d = json_add_obj(json_add_arr(man, "layers"), NULL);
	json_add_str(d, "mediaType", m->gzip ? IMP_MT_GZIP : IMP_MT_TAR);
	json_add_str(d, "digest", m->blob);
	json_add_i64(d, "size", m->size);
	text = json_print(man, false);
	json_free(man);
	return store_blob_put(m->st, text, strlen(text), NULL, out);
}

/* Config, manifest, record, tag. */
static int imp_record(const struct imp *m, const struct json *cc,
		      const struct image_import_opts *o, char id[DIGEST_STRLEN])
{
	struct json *cfg = imp_config(m, cc, o), *rec = NULL;
	autofree char *text = json_print(cfg, false);
	char man[DIGEST_STRLEN];
	int rc = store_blob_put(m->st, text, strlen(text), NULL, id);

	if (rc == 0)
		rc = imp_manifest(m, id, (long long)strlen(text), man);
	if (rc == 0) {
		rec = image_record_new(id, man, NULL, cfg);
		image_record_layer(rec, m->blob, m->diff_id, m->diff_id, m->size,
				   m->gzip ? IMP_MT_GZIP : IMP_MT_TAR);
		rc = store_image_put(m->st, rec);
	}
	if (rc == 0 && o->ref)
		rc = store_tag_set(m->st, o->ref, id);
	json_free(rec);
	json_free(cfg);
	return rc;
}

/* The changes, all checked, as a "config" object (allocated). */
static struct json *imp_changes(const struct strv *changes)
{
	struct json *cc = json_new_obj();

	for (size_t i = 0; changes && i < changes->n; i++) {
		struct change c;
		int rc = change_parse(changes->v[i], &c);

		if (rc == 0)
			rc = change_apply(&c, cc);
		change_clear(&c);
		if (rc < 0) {
			json_free(cc);
			err_ctx("--change \"%.60s\"", changes->v[i]);
			return NULL;
		}
	}
	return cc;
}

/* REPO[:TAG] as the store names tags; NULL + error when it is not one. */
static char *imp_ref(const char *name)
{
	struct ref r;
	char *s;

	if (ref_parse(name, &r) < 0)
		return NULL;
	if (r.digest) {
		ref_clear(&r);
		err_setx(EINVAL, "%s: import takes REPO[:TAG], not a digest", name);
		return NULL;
	}
	s = ref_str(&r);
	ref_clear(&r);
	return s;
}

int image_import(struct store *st, int fd, const struct image_import_opts *o,
		 char id[DIGEST_STRLEN])
{
	struct imp m = { .st = st };
	struct image_import_opts oo = *o;
	struct json *cc = imp_changes(o->changes);
	autofree char *ref = NULL;
	int rc = cc ? 0 : -err_errno();

	if (rc == 0 && o->ref && !(ref = imp_ref(o->ref)))
		rc = -err_errno();
	oo.ref = ref;
	if (rc == 0)
		rc = imp_read(&m, fd, o->source);
	if (rc == 0)
		rc = imp_layer(&m);
	if (rc == 0)
		rc = imp_record(&m, cc, &oo, id);
	gz_free(m.z);
	json_free(cc);
	if (rc < 0 && *m.blob && !m.had_blob)
		store_blob_remove(st, m.blob);
	return rc;
}
