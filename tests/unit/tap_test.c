// SPDX-License-Identifier: Apache-2.0
/* tap_test.c - the harness itself: tap.h once kept 128 tests a file and
 * dropped the rest without a word. 200 tests register here; after main,
 * every one must have been kept, and run (unless one was asked by name). */
#include <unistd.h>

#include "tap.h"

enum { TAP_TEST_N = 200 };
static int ran;

#define T1(n) TEST(many_##n) { ran++; }
#define T10(n) T1(n##0) T1(n##1) T1(n##2) T1(n##3) T1(n##4) T1(n##5) T1(n##6) T1(n##7) \
	T1(n##8) T1(n##9)
#define T100(n) T10(n##0) T10(n##1) T10(n##2) T10(n##3) T10(n##4) T10(n##5) T10(n##6) \
	T10(n##7) T10(n##8) T10(n##9)
T100(1)
T100(2)

__attribute__((destructor)) static void tap_test_all_kept(void)
{
	if (tap_ntests == TAP_TEST_N && (ran == TAP_TEST_N || ran <= 1))
		return;
	printf("not ok - tap.h kept %d and ran %d of %d tests\n", tap_ntests, ran, TAP_TEST_N);
	fflush(stdout);
	_exit(1);
}
