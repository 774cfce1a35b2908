// SPDX-License-Identifier: Apache-2.0
/* image.c - images in the store as the runtime needs them: find one by
 * name or ID, read its config, list its layer directories. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "core/image/image.h"
#include "core/image/ref.h"
#include "core/util/err.h"
#include "core/util/json.h"
#include "core/util/xalloc.h"

enum { IMG_MAX_CONFIG = 16 << 20 };

bool image_layer_media(const char *mt, bool *gzip)
{
	static const char *const gz[] = {
		"application/vnd.oci.image.layer.v1.tar+gzip",
		"application/vnd.docker.image.rootfs.diff.tar.gzip",
		"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
		"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
	};
	static const char *const plain[] = {
		"application/vnd.oci.image.layer.v1.tar",
		"application/vnd.oci.image.layer.nondistributable.v1.tar",
		"application/vnd.docker.image.rootfs.diff.tar",
	};

	for (size_t i = 0; i < ARRAY_SIZE(gz); i++)
		if (!strcmp(mt, gz[i]))
			return *gzip = true;
	for (size_t i = 0; i < ARRAY_SIZE(plain); i++)
		if (!strcmp(mt, plain[i]))
			return !(*gzip = false);
	return false;
}

int image_layers(const struct json *man, const struct json *cfg, const char *what, int max,
		 struct image_layer **out, int *n)
{
	const struct json *ls = json_get(man, "layers");
	const struct json *diffs = json_get(json_get(cfg, "rootfs"), "diff_ids");
	int k = json_arr_len(ls);
	autofree struct image_layer *v = NULL;

	*out = NULL;
	*n = 0;
	if (k != json_arr_len(diffs) || k > max)
		return err_setx(EPROTO, "manifest %s lists %d layers, its config %d diff ids",
				what, k, json_arr_len(diffs));
	v = xzalloc(sizeof(*v) * (k + 1));
	for (int i = 0; i < k; i++) {
		struct image_layer *l = &v[i];
		const struct json *lj = json_arr_at(ls, i);
		const char *diff = json_str(json_arr_at(diffs, i));

		l->digest = json_get_str(lj, "digest");
		l->media = json_get_str(lj, "mediaType");
		if (!json_get_i64(lj, "size", &l->size))
			l->size = -1;
		if (!sha256_is_digest(l->digest) || !diff || !sha256_is_digest(diff))
			return err_setx(EPROTO, "manifest %s: layer %d has no valid digest", what, i);
		if (!l->media || !image_layer_media(l->media, &l->gzip))
			return err_setx(ENOTSUP, "layer %s has media type %s, which dory cannot "
					"unpack (gzip and plain tar only)", l->digest,
					l->media ? l->media : "(none)");
		snprintf(l->diff, sizeof(l->diff), "%s", diff);
		if (i)
			snprintf(l->parent, sizeof(l->parent), "%s", v[i - 1].chain);
		store_chain_id(i ? l->parent : NULL, diff, l->chain);
	}
	*out = TAKE(v);
	*n = k;
	return 0;
}

struct json *image_record_new(const char *id, const char *manifest, const char *index,
			      const struct json *cfg)
{
	struct json *r = json_new_obj(), *pl;
	const char *created = json_get_str(cfg, "created"), *v = json_get_str(cfg, "variant");
	char now[32];
	time_t t = time(NULL);

	json_add_str(r, "id", id);
	json_add_str(r, "config", id);
	json_add_str(r, "manifest", manifest);
	if (index && *index)
		json_add_str(r, "index", index);
	json_add_arr(r, "layers");
	json_add_arr(r, "repo_digests");
	pl = json_add_obj(r, "platform");
	json_add_str(pl, "os", json_get_str(cfg, "os") ?: "linux");
	json_add_str(pl, "architecture", json_get_str(cfg, "architecture") ?: "");
	if (v)
		json_add_str(pl, "variant", v);
	json_add_str(r, "created", created ? created : "");
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	json_add_str(r, "pulled_at", now);
	return r;
}

void image_record_layer(struct json *rec, const char *digest, const char *diff_id,
			const char *chain_id, long long size, const char *media)
{
	struct json *l = json_add_obj(json_get(rec, "layers"), NULL);

	json_add_str(l, "digest", digest);
	json_add_str(l, "diff_id", diff_id);
	json_add_str(l, "chain_id", chain_id);
	json_add_i64(l, "size", size);
	json_add_str(l, "media_type", media);
}

/* ---- stored images ---- */

int image_open(struct store *st, const char *name, struct image *out)
{
	struct ref r = { 0 };
	autofree char *refstr = NULL, *text = NULL;
	const char *cfg;
	size_t len;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!ref_is_id(name) && ref_parse(name, &r) == 0)
		refstr = ref_str(&r);
	ref_clear(&r);
	err_clear();
	rc = store_image_resolve(st, name, refstr, out->id);
	if (rc < 0)
		return rc;
	out->record = store_image_get(st, out->id);
	if (!out->record)
		return -err_errno();
	cfg = json_get_str(out->record, "config");
	rc = cfg ? store_blob_read(st, cfg, IMG_MAX_CONFIG, &text, &len) :
		   err_setx(EBADMSG, "image record %s has no config", out->id);
	if (!rc && !(out->config = json_parse(text, len)))
		rc = -err_errno();
	if (rc < 0) {
		err_ctx("image %s", name);
		image_close(out);
	}
	return rc;
}

void image_close(struct image *im)
{
	json_free(im->record);
	json_free(im->config);
	memset(im, 0, sizeof(*im));
}

int image_layer_dirs(struct store *st, const struct image *im, struct strv *out)
{
	const struct json *ls = json_get(im->record, "layers");

	for (int i = json_arr_len(ls) - 1; i >= 0; i--) {
		const char *chain = json_get_str(json_arr_at(ls, i), "chain_id");
		char *dir;

		if (!chain || !store_layer_has(st, chain))
			return err_setx(ENOENT, "image %.19s: layer %s is missing from the store "
					"(pull the image again)", im->id, chain ? chain : "?");
		dir = store_layer_path(st, chain);
		strv_push_take(out, dir);
	}
	return 0;
}
