// SPDX-License-Identifier: Apache-2.0
#include "core/util/xalloc.h"
#include "tap.h"

TEST(xasprintf_formats)
{
	char *s = xasprintf("%s-%d", "dory", 7);

	CHECK_EQ_STR(s, "dory-7");
	free(s);
}

TEST(xstrndup_cuts_and_terminates)
{
	char *s = xstrndup("abcdef", 3);

	CHECK_EQ_STR(s, "abc");
	free(s);
}

TEST(xzalloc_zeroes)
{
	unsigned char *p = xzalloc(64);
	int sum = 0;

	for (int i = 0; i < 64; i++)
		sum += p[i];
	CHECK_EQ_INT(sum, 0);
	p = xrealloc(p, 128);
	free(p);
}
