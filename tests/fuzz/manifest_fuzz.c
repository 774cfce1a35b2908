// SPDX-License-Identifier: Apache-2.0
/* manifest_fuzz.c - a registry's manifests, indexes and image configs as
 * a pull reads them: the platform picked from an index
 * (core/image/platform.c), the layers of a manifest checked against its
 * config's diff IDs, and the image record made of them (core/image/image.c).
 * Input: a manifest or index, then optionally a NUL and an image config
 * (without one, the first document is its own config). */
#include "core/image/image.h"
#include "core/image/platform.h"
#include "core/util/json.h"
#include "fuzz.h"

#define DIGEST "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void pick(const struct json *idx)
{
	static const char *const wants[] = { "linux/arm/v7", "linux/arm64", "windows/amd64" };
	char out[DIGEST_STRLEN];
	struct platform p;

	platform_host(&p);
	(void)platform_pick(idx, &p, "fuzz/repo", out);
	for (size_t i = 0; i < sizeof(wants) / sizeof(wants[0]); i++)
		if (platform_parse(wants[i], &p) == 0 && platform_pick(idx, &p, "r", out) == 0 &&
		    !sha256_is_digest(out))
			abort();
}

static void layers(const struct json *man, const struct json *cfg)
{
	struct image_layer *ls;
	struct json *rec;
	char *a, *b;
	int n;

	if (image_layers(man, cfg, DIGEST, 1000, &ls, &n) < 0)
		return;
	rec = image_record_new(DIGEST, DIGEST, "", cfg);
	for (int i = 0; i < n; i++)
		image_record_layer(rec, ls[i].digest, ls[i].diff, ls[i].chain, ls[i].size,
				   ls[i].media);
	a = json_print(rec, false);
	b = json_print(rec, true);
	free(a);
	free(b);
	json_free(rec);
	free(ls);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *rest;
	size_t rest_n, n = fuzz_split(data, size, &rest, &rest_n);
	struct json *doc = json_parse((const char *)data, n), *cfg = NULL;

	if (doc) {
		pick(doc);
		cfg = rest_n ? json_parse((const char *)rest, rest_n) : NULL;
		layers(doc, cfg ? cfg : doc);
	}
	json_free(cfg);
	json_free(doc);
	err_clear();
	return 0;
}
