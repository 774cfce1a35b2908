// SPDX-License-Identifier: Apache-2.0
/* platform_test.c - platform strings and the choice among an index's. */
#include <errno.h>

#include "core/image/platform.h"
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
