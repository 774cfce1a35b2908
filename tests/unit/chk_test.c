// SPDX-License-Identifier: Apache-2.0
/* chk_test.c - the lines of `dory check`: adding, notes, the verdict,
 * sizes in binary units. */
#include "core/util/chk.h"
#include "core/util/xalloc.h"
#include "tap.h"

TEST(chk_add_and_note)
{
	struct chk_list *l = xzalloc(sizeof(*l));
	struct chk_item *it = chk_add(l, "store", CHK_LIMITED, "%s, %d free", "ext4", 3);

	chk_note(it, "little room: %s", "pulls fail");
	CHECK_EQ_INT(l->n, 1);
	CHECK_EQ_STR(l->v[0].name, "store");
	CHECK_EQ_STR(l->v[0].found, "ext4, 3 free");
	CHECK_EQ_STR(l->v[0].note, "little room: pulls fail");
	CHECK(!l->v[0].required);
	free(l);
}

TEST(chk_failed_only_for_a_required_missing_item)
{
	struct chk_list *l = xzalloc(sizeof(*l));

	chk_add(l, "overlay", CHK_MISSING, "no");	/* missing, not required */
	chk_add(l, "memory", CHK_LIMITED, "v1")->required = true;
	CHECK(!chk_failed(l));
	chk_add(l, "devices", CHK_MISSING, "-")->required = true;
	CHECK(chk_failed(l));
	free(l);
}

TEST(chk_full_list_reuses_the_last_line)
{
	struct chk_list *l = xzalloc(sizeof(*l));

	for (int i = 0; i < CHK_MAX + 3; i++)
		chk_add(l, "x", CHK_OK, "%d", i);
	CHECK_EQ_INT(l->n, CHK_MAX);
	CHECK_EQ_STR(l->v[CHK_MAX - 1].found, "34");
	free(l);
}

TEST(chk_found_is_cut_to_fit)
{
	struct chk_list *l = xzalloc(sizeof(*l));
	char big[200];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	chk_add(l, "x", CHK_OK, "%s", big);
	CHECK_EQ_INT(strlen(l->v[0].found), CHK_FOUND - 1);
	free(l);
}

TEST(chk_size_binary_units)
{
	static const struct {
		unsigned long long n;
		const char *want;
	} t[] = {
		{ 0, "0 B" }, { 1023, "1023 B" }, { 1024, "1.0 KiB" }, { 1536, "1.5 KiB" },
		{ 10 * 1024 - 1, "9.9 KiB" }, { 64ULL << 20, "64 MiB" },
		{ 3ULL * (1 << 30) + (1 << 29), "3.5 GiB" }, { 76ULL << 30, "76 GiB" },
		{ ~0ULL, "16383 PiB" },
	};
	char buf[24];

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		chk_size(t[i].n, buf, sizeof(buf));
		CHECK_EQ_STR(buf, t[i].want);
	}
}
