// SPDX-License-Identifier: Apache-2.0
/* image.c - images in the store as the runtime needs them: find one by
 * name or ID, read its config, list its layer directories. */
#include <errno.h>
#include <string.h>

#include "core/err.h"
#include "core/image.h"
#include "core/json.h"
#include "core/ref.h"
#include "core/xalloc.h"

enum { IMG_MAX_CONFIG = 16 << 20 };

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
