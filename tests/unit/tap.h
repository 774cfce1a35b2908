// SPDX-License-Identifier: Apache-2.0
/* tap.h - dory's unit-test harness: TEST(name) registers itself, CHECK_*
 * report in TAP, main() runs them all and prints the plan at the end. */
#ifndef DORY_TAP_H
#define DORY_TAP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tap_test {
	const char *name;
	void (*fn)(void);
};

/* No fixed cap: a file may hold any number of tests, all of which run. */
static struct tap_test *tap_tests;
static int tap_ntests, tap_cap, tap_failed_checks;
static const char *tap_skip;

static void tap_register(const char *name, void (*fn)(void))
{
	if (tap_ntests == tap_cap) {
		tap_cap = tap_cap ? 2 * tap_cap : 64;
		tap_tests = realloc(tap_tests, sizeof(*tap_tests) * (size_t)tap_cap);
		if (!tap_tests)
			abort();
	}
	tap_tests[tap_ntests++] = (struct tap_test){ name, fn };
}

/* SKIP_IF(cond, why): end the test as skipped (e.g. under qemu-user). */
#define SKIP_IF(c, why) do { if (c) { tap_skip = (why); return; } } while (0)

#define TEST(n)                                                                   \
	static void test_##n(void);                                               \
	__attribute__((constructor)) static void tap_reg_##n(void) { tap_register(#n, test_##n); } \
	static void test_##n(void)

#define TAP_FAIL(fmt, ...)                                                        \
	do {                                                                      \
		tap_failed_checks++;                                              \
		printf("#   %s:%d: " fmt "\n", __FILE__, __LINE__, __VA_ARGS__);      \
	} while (0)

#define CHECK(c) do { if (!(c)) TAP_FAIL("CHECK(%s)", #c); } while (0)
#define CHECK_EQ_INT(a, b)                                                        \
	do {                                                                      \
		long long a_ = (long long)(a), b_ = (long long)(b);               \
		if (a_ != b_)                                                     \
			TAP_FAIL("%s == %lld, expected %lld", #a, a_, b_);       \
	} while (0)
#define CHECK_EQ_STR(a, b)                                                        \
	do {                                                                      \
		const char *a_ = (a), *b_ = (b);                                  \
		if (!a_ || !b_ || strcmp(a_, b_))                                 \
			TAP_FAIL("%s == \"%s\", expected \"%s\"", #a,             \
				 a_ ? a_ : "(null)", b_ ? b_ : "(null)");         \
	} while (0)

int main(int argc, char **argv)
{
	int failed = 0;

	for (int i = 0; i < tap_ntests; i++) {
		int before = tap_failed_checks;

		if (argc > 1 && strcmp(argv[1], tap_tests[i].name))
			continue;
		tap_skip = NULL;
		tap_tests[i].fn();
		fflush(stdout);
		failed += tap_failed_checks != before;
		printf("%sok %d - %s%s%s\n", tap_failed_checks != before ? "not " : "", i + 1,
		       tap_tests[i].name, tap_skip ? " # SKIP " : "", tap_skip ? tap_skip : "");
	}
	printf("1..%d\n", tap_ntests);
	free(tap_tests);
	return failed ? 1 : 0;
}

#endif
