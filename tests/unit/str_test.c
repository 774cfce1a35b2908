// SPDX-License-Identifier: Apache-2.0
#include <errno.h>

#include "core/str.h"
#include "tap.h"

TEST(str_to_u64_is_strict)
{
	unsigned long long v = 0;

	CHECK_EQ_INT(str_to_u64("42", 100, &v), 0);
	CHECK_EQ_INT(v, 42);
	CHECK_EQ_INT(str_to_u64("101", 100, &v), -ERANGE);
	CHECK_EQ_INT(str_to_u64("", 100, &v), -EINVAL);
	CHECK_EQ_INT(str_to_u64("4x", 100, &v), -EINVAL);
	CHECK_EQ_INT(str_to_u64("-1", 100, &v), -EINVAL);
	CHECK_EQ_INT(str_to_u64("18446744073709551615", ~0ULL, &v), 0);
	CHECK_EQ_INT(str_to_u64("18446744073709551616", ~0ULL, &v), -ERANGE);
}

TEST(strv_setenv_replaces_by_key)
{
	struct strv env = { 0 };

	strv_setenv(&env, "A=1");
	strv_setenv(&env, "AB=2");
	strv_setenv(&env, "A=3");
	CHECK_EQ_INT(env.n, 2);
	CHECK_EQ_STR(strv_getenv(&env, "A"), "3");
	CHECK_EQ_STR(strv_getenv(&env, "AB"), "2");
	CHECK(strv_getenv(&env, "B") == NULL);
	CHECK(env.v[env.n] == NULL);
	strv_free(&env);
	CHECK_EQ_INT(env.n, 0);
}

TEST(str_has_prefix)
{
	CHECK(str_has_prefix("dory-run", "dory-"));
	CHECK(!str_has_prefix("dor", "dory"));
}
