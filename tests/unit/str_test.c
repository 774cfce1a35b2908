// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdlib.h>

#include "core/util/err.h"
#include "core/util/str.h"
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

TEST(strv_docker_env_as_docker_takes_it)
{
	struct strv env = { 0 };

	setenv("DORY_STR_TEST", "from caller", 1);
	unsetenv("DORY_STR_UNSET");
	CHECK_EQ_INT(strv_docker_env(&env, "A=1=2", NULL), 0);
	CHECK_EQ_INT(strv_docker_env(&env, "DORY_STR_TEST", NULL), 0);
	CHECK_EQ_INT(strv_docker_env(&env, "DORY_STR_UNSET", NULL), 0);
	CHECK_EQ_INT(strv_docker_env(&env, "E=", NULL), 0);
	CHECK_EQ_INT(env.n, 3);
	CHECK_EQ_STR(strv_getenv(&env, "A"), "1=2");
	CHECK_EQ_STR(strv_getenv(&env, "DORY_STR_TEST"), "from caller");
	CHECK(strv_getenv(&env, "DORY_STR_UNSET") == NULL);
	CHECK_EQ_STR(strv_getenv(&env, "E"), "");
	CHECK_EQ_INT(strv_docker_env(&env, "A B=1", NULL), -EINVAL);
	CHECK_EQ_STR(err_str(), "invalid environment variable 'A B=1' (use NAME=VALUE)");
	CHECK_EQ_INT(strv_docker_env(&env, "=1", "/e.env"), -EINVAL);
	CHECK_EQ_STR(err_str(), "invalid environment variable '=1' in /e.env (use NAME=VALUE)");
	CHECK_EQ_INT(strv_docker_env(&env, "A\t=1", NULL), -EINVAL);
	CHECK_EQ_INT(env.n, 3);
	unsetenv("DORY_STR_TEST");
	strv_free(&env);
}

TEST(str_has_prefix)
{
	CHECK(str_has_prefix("dory-run", "dory-"));
	CHECK(!str_has_prefix("dor", "dory"));
}

/* Durations in seconds, written as ctr_view_test.c writes nanoseconds. */
#define S 1LL
#define MIN (60 * S)
#define HOUR (3600 * S)
#define DAY (24 * HOUR)

static void check_dur(long long s, const char *want)
{
	char buf[64];

	str_human_duration(s, buf, sizeof(buf));
	CHECK_EQ_STR(buf, want);
}

TEST(human_duration_thresholds)
{
	check_dur(-5 * S, "Less than a second");
	check_dur(0, "Less than a second");
	check_dur(S - 1, "Less than a second");
	check_dur(S, "1 second");
	check_dur(2 * S - 1, "1 second");
	check_dur(2 * S, "2 seconds");
	check_dur(59 * S + S - 1, "59 seconds");
	check_dur(MIN, "About a minute");
	check_dur(2 * MIN - 1, "About a minute");
	check_dur(2 * MIN, "2 minutes");
	check_dur(60 * MIN - 1, "59 minutes");
	check_dur(HOUR, "About an hour");
	check_dur(HOUR + 30 * MIN - 1, "About an hour");
	check_dur(HOUR + 30 * MIN, "2 hours");		/* rounded, half up */
	check_dur(47 * HOUR + 30 * MIN - 1, "47 hours");
	check_dur(47 * HOUR + 30 * MIN, "2 days");
	check_dur(3 * DAY, "3 days");
	check_dur(14 * DAY - 30 * MIN - 1, "13 days");
	check_dur(14 * DAY - 30 * MIN, "2 weeks");
	check_dur(60 * DAY - 30 * MIN - 1, "8 weeks");
	check_dur(60 * DAY - 30 * MIN, "2 months");
	check_dur(729 * DAY, "24 months");
	/* rounded hours leave months, truncated ones count the years: Go
	 * prints "1 years" just before two years */
	check_dur(730 * DAY - 30 * MIN, "1 years");
	check_dur(730 * DAY, "2 years");
	check_dur(3 * 365 * DAY + DAY, "3 years");
}

TEST(str_printable_one_line)
{
	char b[8];

	str_printable(b, sizeof(b), "a\nb\tc\x7f" "d");
	CHECK_EQ_STR(b, "a?b?c?d");
	str_printable(b, sizeof(b), "caf\xc3\xa9 and more");	/* UTF-8 stays; cut to fit */
	CHECK_EQ_STR(b, "caf\xc3\xa9 a");
	str_printable(b, sizeof(b), "");
	CHECK_EQ_STR(b, "");
}

TEST(str_size_as_go_units)
{
	static const struct {
		unsigned long long n;
		int prec;
		bool bin;
		const char *want;
	} c[] = {
		{ 0, 3, false, "0B" }, { 648, 3, false, "648B" }, { 1234, 3, false, "1.23kB" },
		{ 1000, 3, false, "1kB" }, { 999999, 3, false, "1MB" }, { 12345678, 3, false, "12.3MB" },
		{ 7790000, 3, false, "7.79MB" }, { 1572864, 4, true, "1.5MiB" },
		{ 33575960576ULL, 4, true, "31.27GiB" }, { 1023, 4, true, "1023B" },
		{ 67108864, 4, true, "64MiB" }, { 1536, 4, true, "1.5KiB" },
		{ 1048575, 4, true, "1024KiB" }, { 999960, 4, false, "1000kB" },
	};
	char buf[24];

	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		str_size(buf, sizeof(buf), c[i].n, c[i].prec, c[i].bin);
		CHECK_EQ_STR(buf, c[i].want);
	}
}
