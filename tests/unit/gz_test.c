// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdint.h>

#include "core/util/err.h"
#include "core/util/gz.h"
#include "core/util/xalloc.h"
#include "tap.h"

/* A sink that collects everything; fail_after > 0 makes call N fail. */
struct buf {
	unsigned char *p;
	size_t n, cap, max_chunk;
	int calls, fail_after;
};

static int buf_sink(void *arg, const void *p, size_t n)
{
	struct buf *b = arg;

	b->calls++;
	if (b->fail_after && b->calls >= b->fail_after)
		return -ENOSPC;
	if (n > b->max_chunk)
		b->max_chunk = n;
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
	return 0;
}

static uint32_t rng = 88172645u;

static uint32_t xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/* Feed n bytes in pieces of `step` (0: random sizes up to 5000). */
static int feed_split(struct gz *z, const void *p, size_t n, size_t step)
{
	size_t off = 0;
	int r = 0;

	while (off < n && r == 0) {
		size_t k = step ? step : xorshift() % 5001;

		if (k > n - off)
			k = n - off;
		r = gz_feed(z, (const char *)p + off, k);
		off += k;
	}
	return r;
}

static void gzip_buf(const void *p, size_t n, int level, struct buf *out)
{
	struct gz *z = gz_deflate_new(level, buf_sink, out);

	CHECK(z != NULL);
	CHECK_EQ_INT(feed_split(z, p, n, 0), 0);
	CHECK_EQ_INT(gz_finish(z), 0);
	gz_free(z);
}

static int gunzip_buf(const void *p, size_t n, size_t step, struct buf *out)
{
	struct gz *z = gz_inflate_new(buf_sink, out);
	int r;

	CHECK(z != NULL);
	r = feed_split(z, p, n, step);
	if (r == 0)
		r = gz_finish(z);
	gz_free(z);
	return r;
}

static unsigned char *text_data(size_t n)
{
	static const char *words[] = { "layer ", "image ", "dory ", "tar\n", "sha256 ", "{}" };
	unsigned char *p = xmalloc(n);

	for (size_t i = 0; i < n;) {
		const char *w = words[xorshift() % ARRAY_SIZE(words)];

		for (; *w && i < n; w++)
			p[i++] = (unsigned char)*w;
	}
	return p;
}

static void round_trip(const unsigned char *data, size_t n, int level)
{
	static const size_t steps[] = { 1, 7, 4096, 65536, 0 };
	struct buf gz = { 0 };

	gzip_buf(data, n, level, &gz);
	CHECK(gz_is_gzip(gz.p, gz.n));
	CHECK(gz.max_chunk <= 65536);
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
		struct buf plain = { 0 };

		if (steps[i] == 1 && gz.n > 200000)
			continue;
		CHECK_EQ_INT(gunzip_buf(gz.p, gz.n, steps[i], &plain), 0);
		CHECK_EQ_INT(plain.n, n);
		CHECK(n == 0 || memcmp(plain.p, data, n) == 0);
		CHECK(plain.max_chunk <= 65536);
		free(plain.p);
	}
	free(gz.p);
}

TEST(gz_round_trip_text)
{
	unsigned char *t = text_data(1 << 20);

	round_trip(t, 1 << 20, 6);
	round_trip(t, 1000, 1);
	round_trip(t, 0, 9);
	free(t);
}

TEST(gz_round_trip_random)
{
	size_t n = 300000;
	unsigned char *r = xmalloc(n);

	for (size_t i = 0; i < n; i++)
		r[i] = (unsigned char)xorshift();
	round_trip(r, n, 9);
	round_trip(r, 65536, 1);
	free(r);
}

TEST(gz_highly_compressible_output_is_chunked)
{
	size_t n = 5 << 20;
	unsigned char *zero = xzalloc(n);
	struct buf gz = { 0 }, plain = { 0 };

	/* 5 MB of zeros shrink to a few KB; one small feed must expand in
	 * bounded chunks, not one big one */
	gzip_buf(zero, n, 9, &gz);
	CHECK(gz.n < 10000);
	CHECK_EQ_INT(gunzip_buf(gz.p, gz.n, gz.n, &plain), 0);
	CHECK_EQ_INT(plain.n, n);
	CHECK(plain.max_chunk <= 65536);
	CHECK(plain.calls >= (int)(n / 65536));
	CHECK(memcmp(plain.p, zero, n) == 0);
	free(gz.p);
	free(plain.p);
	free(zero);
}

TEST(gz_concatenated_members)
{
	struct buf a = { 0 }, b = { 0 }, e = { 0 }, all = { 0 };
	unsigned char *cat;
	size_t n;

	gzip_buf("hello, ", 7, 6, &a);
	gzip_buf("", 0, 6, &e);
	gzip_buf("world\n", 6, 1, &b);
	n = a.n + e.n + b.n;
	cat = xmalloc(n);
	memcpy(cat, a.p, a.n);
	memcpy(cat + a.n, e.p, e.n);
	memcpy(cat + a.n + e.n, b.p, b.n);
	for (size_t step = 1; step <= n; step++) {
		all.n = 0;
		CHECK_EQ_INT(gunzip_buf(cat, n, step, &all), 0);
		CHECK_EQ_INT(all.n, 13);
		CHECK(all.n == 13 && memcmp(all.p, "hello, world\n", 13) == 0);
	}
	free(a.p);
	free(b.p);
	free(e.p);
	free(all.p);
	free(cat);
}

TEST(gz_corrupt_data)
{
	unsigned char *t = text_data(100000);
	struct buf gz = { 0 }, plain = { 0 };

	gzip_buf(t, 100000, 6, &gz);
	gz.p[gz.n / 2] ^= 0x55;
	err_clear();
	CHECK_EQ_INT(gunzip_buf(gz.p, gz.n, 1000, &plain), -EBADMSG);
	CHECK(strstr(err_str(), "corrupt gzip data") != NULL);
	/* not gzip at all */
	CHECK_EQ_INT(gunzip_buf("plain text, not gzip", 20, 5, &plain), -EBADMSG);
	CHECK(strstr(err_str(), "corrupt gzip data") != NULL);
	/* a wrong length in the trailer */
	gz.p[gz.n / 2] ^= 0x55;
	gz.p[gz.n - 1] ^= 1;
	CHECK_EQ_INT(gunzip_buf(gz.p, gz.n, 4096, &plain), -EBADMSG);
	/* a good member followed by garbage (Docker's reader rejects it too) */
	gz.p[gz.n - 1] ^= 1;
	gz.p = xrealloc(gz.p, gz.n + 4);
	memcpy(gz.p + gz.n, "\0\0\0\0", 4);
	CHECK_EQ_INT(gunzip_buf(gz.p, gz.n, 4096, &plain), 0);
	CHECK_EQ_INT(gunzip_buf(gz.p, gz.n + 4, 4096, &plain), -EBADMSG);
	free(gz.p);
	free(plain.p);
	free(t);
}

TEST(gz_truncated_data)
{
	unsigned char *t = text_data(50000);
	struct buf gz = { 0 }, plain = { 0 };

	gzip_buf(t, 50000, 6, &gz);
	for (size_t cut = 0; cut < gz.n; cut += cut < 20 ? 1 : 997) {
		err_clear();
		plain.n = 0;
		CHECK_EQ_INT(gunzip_buf(gz.p, cut, 512, &plain), -EBADMSG);
	}
	/* the last byte of the trailer (ISIZE) is missing */
	CHECK_EQ_INT(gunzip_buf(gz.p, gz.n - 1, 512, &plain), -EBADMSG);
	CHECK_EQ_STR(err_str(), "corrupt gzip data: stream ends early");
	free(gz.p);
	free(plain.p);
	free(t);
}

TEST(gz_sink_error_stops_the_stream)
{
	unsigned char *t = text_data(1 << 20);
	struct buf gz = { 0 }, plain = { .fail_after = 3 }, out = { .fail_after = 1 };
	struct gz *z;

	gzip_buf(t, 1 << 20, 6, &gz);
	CHECK_EQ_INT(gunzip_buf(gz.p, gz.n, 100000, &plain), -ENOSPC);
	CHECK_EQ_INT(plain.calls, 3);
	/* deflate: the error shows at the first sink call and sticks */
	z = gz_deflate_new(6, buf_sink, &out);
	CHECK_EQ_INT(feed_split(z, t, 1 << 20, 0), -ENOSPC);
	CHECK_EQ_INT(gz_feed(z, "x", 1), -ENOSPC);
	CHECK_EQ_INT(gz_finish(z), -ENOSPC);
	CHECK_EQ_INT(out.calls, 1);
	gz_free(z);
	free(gz.p);
	free(plain.p);
	free(t);
}

TEST(gz_deflate_bad_level_and_reuse)
{
	struct buf out = { 0 };
	struct gz *z;

	err_clear();
	CHECK(gz_deflate_new(0, buf_sink, &out) == NULL);
	CHECK(strstr(err_str(), "gzip level 0") != NULL);
	CHECK(gz_deflate_new(10, buf_sink, &out) == NULL);
	z = gz_deflate_new(1, buf_sink, &out);
	CHECK_EQ_INT(gz_finish(z), 0);
	CHECK_EQ_INT(gz_finish(z), 0);
	CHECK_EQ_INT(gz_feed(z, "x", 1), -EINVAL);
	gz_free(z);
	gz_free(NULL);
	free(out.p);
}

TEST(gz_reads_gzip_tool_output)
{
	/* printf 'hello\n' | gzip -n9 */
	static const unsigned char hello[] = {
		0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xcb, 0x48, 0xcd,
		0xc9, 0xc9, 0xe7, 0x02, 0x00, 0x20, 0x30, 0x3a, 0x36, 0x06, 0x00, 0x00, 0x00,
	};
	struct buf plain = { 0 };

	CHECK_EQ_INT(gunzip_buf(hello, sizeof(hello), 3, &plain), 0);
	CHECK_EQ_INT(plain.n, 6);
	CHECK(plain.n == 6 && memcmp(plain.p, "hello\n", 6) == 0);
	free(plain.p);
}

TEST(gz_is_gzip)
{
	CHECK(gz_is_gzip("\x1f\x8b\x08", 3));
	CHECK(gz_is_gzip("\x1f\x8b", 2));
	CHECK(!gz_is_gzip("\x1f", 1));
	CHECK(!gz_is_gzip("", 0));
	CHECK(!gz_is_gzip("ustar", 5));
}
