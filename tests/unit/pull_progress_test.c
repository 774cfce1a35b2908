// SPDX-License-Identifier: Apache-2.0
/* pull_progress_test.c - a pull's words: Docker's lines alone when stderr
 * is no terminal; on one, a line per layer redrawn in place with its
 * bytes, size and rate, at most every 100 ms. */
#include <stdlib.h>
#include <string.h>

#include "core/registry/pull_progress.h"
#include "core/util/xalloc.h"
#include "tap.h"

#define L0 "sha256:00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa"
#define L1 "sha256:11bb11bb11bb11bb11bb11bb11bb11bb11bb11bb11bb11bb11bb11bb11bb11bb"
#define TOP "sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"

static struct ref ref = { .domain = "reg.lan:5000", .repo = "app/web", .tag = "v1" };

/* The text of one event, appended to out. */
static void ev(struct pull_progress *v, struct strv *out, enum image_pull_what what, int layer,
	       long long done, long long now)
{
	struct image_pull_event e = { .what = what, .ref = &ref, .layer = layer, .done = done,
				      .total = layer == 1 ? -1 : 2500000,
				      .digest = layer < 0 ? TOP : layer ? L1 : L0 };

	strv_push_take(out, pull_progress_text(v, &e, now));
}

/* One layer there, one fetched: the events of a pull, in order. */
static void pull_events(struct pull_progress *v, struct strv *out)
{
	ev(v, out, IMAGE_PULL_FROM, -1, 0, 0);
	ev(v, out, IMAGE_PULL_QUEUED, 0, 0, 0);
	ev(v, out, IMAGE_PULL_EXISTS, 1, 0, 0);
	ev(v, out, IMAGE_PULL_BYTES, 0, 0, 1000);
	ev(v, out, IMAGE_PULL_BYTES, 0, 600000, 1050);	/* too soon: not drawn */
	ev(v, out, IMAGE_PULL_BYTES, 0, 1000000, 1500);
	ev(v, out, IMAGE_PULL_DONE, 0, 0, 1600);
	ev(v, out, IMAGE_PULL_DIGEST, -1, 0, 1600);
}

TEST(pull_progress_not_a_terminal)
{
	static const char *const want[] = {
		"v1: pulling from reg.lan:5000/app/web\n", "", "11bb11bb11bb: already exists\n",
		"", "", "", "00aa00aa00aa: pull complete\n", "Digest: " TOP "\n",
	};
	struct pull_progress v = { .tty = false };
	struct strv out = { 0 };

	pull_events(&v, &out);
	CHECK_EQ_INT(out.n, 8);
	for (size_t i = 0; i < out.n && i < 8; i++)
		CHECK_EQ_STR(out.v[i], want[i]);
	strv_free(&out);
	pull_progress_clear(&v);
}

TEST(pull_progress_on_a_terminal)
{
	static const char *const want[] = {
		"v1: pulling from reg.lan:5000/app/web\n",
		"00aa00aa00aa: waiting\n",
		"11bb11bb11bb: already exists\n",
		"\033[2A\r00aa00aa00aa: downloading 0 B / 2.5 MB\033[K\033[2B\r",
		"",
		"\033[2A\r00aa00aa00aa: downloading 1.0 MB / 2.5 MB  2.0 MB/s\033[K\033[2B\r",
		"\033[2A\r00aa00aa00aa: pull complete\033[K\033[2B\r",
		"Digest: " TOP "\n",
	};
	struct pull_progress v = { .tty = true };
	struct strv out = { 0 };

	pull_events(&v, &out);
	CHECK_EQ_INT(out.n, 8);
	for (size_t i = 0; i < out.n && i < 8; i++)
		CHECK_EQ_STR(out.v[i], want[i]);
	CHECK_EQ_INT(v.rows, 2);
	strv_free(&out);
	pull_progress_clear(&v);
}

/* A size the manifest does not give, and sizes across the units. */
TEST(pull_progress_sizes)
{
	struct pull_progress v = { .tty = true };
	struct strv out = { 0 };

	ev(&v, &out, IMAGE_PULL_QUEUED, 1, 0, 0);
	ev(&v, &out, IMAGE_PULL_BYTES, 1, 999, 10);
	ev(&v, &out, IMAGE_PULL_BYTES, 1, 3210987654LL, 2010);
	CHECK_EQ_STR(out.v[1], "\033[1A\r11bb11bb11bb: downloading 999 B\033[K\033[1B\r");
	CHECK_EQ_STR(out.v[2], "\033[1A\r11bb11bb11bb: downloading 3.2 GB  1.6 GB/s"
		     "\033[K\033[1B\r");
	strv_free(&out);
	pull_progress_clear(&v);
	pull_progress_clear(&v);	/* twice is fine */
}
