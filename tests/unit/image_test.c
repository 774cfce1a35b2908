// SPDX-License-Identifier: Apache-2.0
/* image_test.c - what a manifest and its config say about an image: its
 * layers, checked, and the record made of them. (Images in the store are
 * tested with pull and load.) */
#include <errno.h>

#include "core/image/image.h"
#include "core/util/err.h"
#include "core/util/json.h"
#include "tests/unit/tap.h"

#define HEX(c) c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c \
	       c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c
#define D(c) "\"sha256:" HEX(c) "\""
#define GZ "\"application/vnd.oci.image.layer.v1.tar+gzip\""

static int layers_of(const char *man, const char *cfg, struct image_layer **ls, int *n)
{
	struct json *m = json_parse(man, strlen(man)), *c = json_parse(cfg, strlen(cfg));
	int rc = image_layers(m, c, "M", 2, ls, n);

	json_free(m);	/* the layers borrow from it: only n and errors are checked */
	json_free(c);
	return rc;
}

TEST(image_layers_with_diff_ids)
{
	static const char man[] = "{\"layers\":[{\"mediaType\":" GZ ",\"digest\":" D("a")
		",\"size\":10},{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
		"\"digest\":" D("b") "}]}";
	static const char cfg[] = "{\"rootfs\":{\"diff_ids\":[" D("c") "," D("d") "]}}";
	struct json *m = json_parse(man, sizeof(man) - 1), *c = json_parse(cfg, sizeof(cfg) - 1);
	struct image_layer *ls = NULL;
	int n = -1;

	CHECK_EQ_INT(image_layers(m, c, "M", 2, &ls, &n), 0);
	CHECK_EQ_INT(n, 2);
	CHECK(ls[0].gzip && !ls[1].gzip);
	CHECK_EQ_INT(ls[0].size, 10);
	CHECK_EQ_INT(ls[1].size, -1);
	CHECK_EQ_STR(ls[0].chain, "sha256:" HEX("c"));	/* the base layer's chain ID is its diff ID */
	CHECK_EQ_STR(ls[1].parent, ls[0].chain);
	CHECK_EQ_INT(strlen(ls[1].chain), DIGEST_STRLEN - 1);
	free(ls);
	json_free(m);
	json_free(c);
}

TEST(image_layers_refused)
{
	struct image_layer *ls = NULL;
	int n = -1;

	CHECK_EQ_INT(layers_of("{\"layers\":[{\"mediaType\":" GZ ",\"digest\":" D("a") "}]}",
			       "{\"rootfs\":{\"diff_ids\":[]}}", &ls, &n), -EPROTO);
	CHECK_EQ_STR(err_str(), "manifest M lists 1 layers, its config 0 diff ids");
	CHECK_EQ_INT(layers_of("{\"layers\":[{\"mediaType\":" GZ ",\"digest\":\"sha256:ab\"}]}",
			       "{\"rootfs\":{\"diff_ids\":[" D("c") "]}}", &ls, &n), -EPROTO);
	CHECK_EQ_STR(err_str(), "manifest M: layer 0 has no valid digest");
	CHECK_EQ_INT(layers_of("{\"layers\":[{\"mediaType\":\"x+zstd\",\"digest\":" D("a") "}]}",
			       "{\"rootfs\":{\"diff_ids\":[" D("c") "]}}", &ls, &n), -ENOTSUP);
	CHECK_EQ_INT(layers_of("{\"layers\":[{},{},{}]}", "{\"rootfs\":{\"diff_ids\":[1,2,3]}}",
			       &ls, &n), -EPROTO);	/* more than max */
	CHECK(ls == NULL && n == 0);
}
