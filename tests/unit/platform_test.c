// SPDX-License-Identifier: Apache-2.0
/* platform_test.c - platform strings and the choice among an index's. */
#include <errno.h>

#include "core/image/platform.h"
#include "core/util/err.h"
#include "core/util/json.h"
#include "tests/unit/tap.h"

static const char *pstr(const char *in)
{
	static char buf[64];
	struct platform p;

	if (platform_parse(in, &p) < 0)
		return "ERR";
	return platform_str(&p, buf, sizeof(buf));
}

TEST(platform_parse_forms)
{
	CHECK_EQ_STR(pstr("linux/amd64"), "linux/amd64");
	CHECK_EQ_STR(pstr("amd64"), "linux/amd64");
	CHECK_EQ_STR(pstr("linux/arm64"), "linux/arm64/v8");
	CHECK_EQ_STR(pstr("linux/arm/v7"), "linux/arm/v7");
	CHECK_EQ_STR(pstr("arm/v6"), "linux/arm/v6");
	CHECK_EQ_STR(pstr("linux/aarch64"), "linux/arm64/v8");
	CHECK_EQ_STR(pstr("x86_64"), "linux/amd64");
	CHECK_EQ_STR(pstr("linux/arm"), "linux/arm/v7");
	CHECK_EQ_STR(pstr(""), "ERR");
	CHECK_EQ_STR(pstr("linux//x"), "ERR");
	CHECK_EQ_STR(pstr("a/b/c/d"), "ERR");
}

TEST(platform_scores)
{
	struct platform w;

	platform_parse("linux/arm/v7", &w);
	CHECK_EQ_INT(platform_score(&w, "linux", "arm64", "v8"), 0);
	CHECK_EQ_INT(platform_score(&w, "linux", "amd64", NULL), 0);
	CHECK(platform_score(&w, "linux", "arm", "v7") > platform_score(&w, "linux", "arm", "v6"));
	CHECK(platform_score(&w, "linux", "arm", "v6") > 0);
	CHECK_EQ_INT(platform_score(&w, "linux", "arm", "v8"), 0);
	platform_parse("linux/arm64", &w);
	CHECK_EQ_INT(platform_score(&w, "linux", "arm64", NULL), 100);
	CHECK_EQ_INT(platform_score(&w, "windows", "arm64", "v8"), 0);
	platform_host(&w);
	CHECK_EQ_STR(w.os, "linux");
	CHECK(w.arch[0] != 0);
}

#define D(c) "\"sha256:" c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c \
	     c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c "\""

TEST(platform_pick_from_index)
{
	static const char idx[] = "{\"manifests\":["
		"{\"digest\":" D("a") ",\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\","
		"\"variant\":\"v6\"}},"
		"{\"digest\":" D("b") ",\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\","
		"\"variant\":\"v7\"}},"
		"{\"digest\":\"sha256:short\",\"platform\":{\"os\":\"linux\","
		"\"architecture\":\"riscv64\"}},"
		"{\"digest\":" D("c") ",\"platform\":{\"os\":\"unknown\","
		"\"architecture\":\"unknown\"}}]}";
	struct json *j = json_parse(idx, sizeof(idx) - 1);
	char out[DIGEST_STRLEN];
	struct platform w;

	CHECK(j != NULL);
	platform_parse("linux/arm/v7", &w);
	CHECK_EQ_INT(platform_pick(j, &w, "app", out), 0);
	CHECK_EQ_STR(out + 7, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	platform_parse("linux/arm/v6", &w);
	CHECK_EQ_INT(platform_pick(j, &w, "app", out), 0);
	CHECK_EQ_STR(out + 7, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	/* a bad digest is never picked; "unknown" entries are not listed */
	platform_parse("linux/riscv64", &w);
	CHECK_EQ_INT(platform_pick(j, &w, "app", out), -ENOENT);
	CHECK_EQ_STR(err_str(), "app has no image for linux/riscv64 (it has: linux/arm/v6, "
		     "linux/arm/v7, linux/riscv64; choose with --platform)");
	CHECK_EQ_INT(platform_pick(NULL, &w, "app", out), -ENOENT);
	json_free(j);
}
