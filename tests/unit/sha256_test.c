// SPDX-License-Identifier: Apache-2.0
#include <stdint.h>
#include <time.h>

#include "core/util/sha256.h"
#include "core/util/xalloc.h"
#include "tap.h"

/* FIPS 180-2 appendix B and NIST's SHA-256 example vectors */
#define D_EMPTY "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define H_ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define D_ABC "sha256:" H_ABC
#define M_448 "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
#define D_448 "sha256:248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
#define M_896 "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn" \
	"hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"
#define D_896 "sha256:cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
#define D_MILLION "sha256:cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"

static uint32_t rng = 2463534242u;

static uint32_t xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static void random_fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)xorshift();
}

/* Digest of p fed in pieces of `step` bytes (0: random sizes up to 300). */
static void digest_split(const void *p, size_t n, size_t step, char out[DIGEST_STRLEN])
{
	struct sha256 s;
	size_t off = 0;

	sha256_init(&s);
	while (off < n) {
		size_t k = step ? step : xorshift() % 301;

		if (k > n - off)
			k = n - off;
		sha256_update(&s, (const char *)p + off, k);
		off += k;
	}
	sha256_final_digest(&s, out);
}

static void check_vectors(void)
{
	char d[DIGEST_STRLEN];
	char *a = xmalloc(1000000);

	sha256_digest("", 0, d);
	CHECK_EQ_STR(d, D_EMPTY);
	sha256_digest("abc", 3, d);
	CHECK_EQ_STR(d, D_ABC);
	sha256_digest(M_448, strlen(M_448), d);
	CHECK_EQ_STR(d, D_448);
	sha256_digest(M_896, strlen(M_896), d);
	CHECK_EQ_STR(d, D_896);
	memset(a, 'a', 1000000);
	sha256_digest(a, 1000000, d);
	CHECK_EQ_STR(d, D_MILLION);
	digest_split(a, 1000000, 1000, d);
	CHECK_EQ_STR(d, D_MILLION);
	free(a);
}

TEST(sha256_nist_vectors_best)
{
	sha256_force_portable(false);
	printf("# implementation: %s\n", sha256_impl());
	check_vectors();
}

TEST(sha256_nist_vectors_portable)
{
	sha256_force_portable(true);
	CHECK_EQ_STR(sha256_impl(), "portable");
	check_vectors();
	sha256_force_portable(false);
}

TEST(sha256_odd_splits)
{
	static const size_t steps[] = { 1, 63, 64, 65, 0, 0, 0 };
	char d[DIGEST_STRLEN];

	for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
		digest_split(M_896, strlen(M_896), steps[i], d);
		CHECK_EQ_STR(d, D_896);
		digest_split(M_448, strlen(M_448), steps[i], d);
		CHECK_EQ_STR(d, D_448);
	}
}

TEST(sha256_padding_edges_agree)
{
	uint8_t buf[300];
	char one[DIGEST_STRLEN], split[DIGEST_STRLEN];

	/* lengths around the 55/56/64-byte padding boundaries, whole and split */
	random_fill(buf, sizeof(buf));
	for (size_t n = 0; n <= sizeof(buf); n++) {
		sha256_digest(buf, n, one);
		digest_split(buf, n, 1, split);
		if (strcmp(one, split))
			TAP_FAIL("length %zu: %s != %s", n, one, split);
	}
}

TEST(sha256_accelerated_equals_portable)
{
	size_t max = 1 << 16;
	uint8_t *buf = xmalloc(max + 1);
	char fast[DIGEST_STRLEN], slow[DIGEST_STRLEN];

	random_fill(buf, max + 1);
	for (size_t n = 0; n <= max; n = n < 300 ? n + 1 : n * 3 / 2 + xorshift() % 64) {
		/* odd start offsets: the block functions must not need alignment */
		const uint8_t *p = buf + (n & 1);

		sha256_force_portable(false);
		digest_split(p, n, n % 7 ? 0 : 4096, fast);
		sha256_force_portable(true);
		sha256_digest(p, n, slow);
		if (strcmp(fast, slow))
			TAP_FAIL("length %zu: %s != %s", n, fast, slow);
	}
	sha256_force_portable(false);
	free(buf);
}

TEST(sha256_is_digest)
{
	char d[DIGEST_STRLEN];

	CHECK(sha256_is_digest(D_ABC));
	CHECK(!sha256_is_digest(NULL));
	CHECK(!sha256_is_digest(""));
	CHECK(!sha256_is_digest("sha256:"));
	CHECK(!sha256_is_digest(D_ABC "0"));
	CHECK(!sha256_is_digest(D_ABC " "));
	CHECK(!sha256_is_digest("sha512:" H_ABC));
	CHECK(!sha256_is_digest("SHA256:" H_ABC));
	CHECK(!sha256_is_digest(H_ABC));
	strcpy(d, D_ABC);
	d[20] = 'A';
	CHECK(!sha256_is_digest(d));
	d[20] = 'g';
	CHECK(!sha256_is_digest(d));
	d[20] = '\0';
	CHECK(!sha256_is_digest(d));
}

/* Best of `rounds` one-shot digests of size bytes, in MB/s: the best run
 * is the one least disturbed by other load on a shared machine. */
static double mb_per_s(const uint8_t *buf, size_t size, int rounds)
{
	char d[DIGEST_STRLEN];
	double best = 0;

	for (int i = 0; i < rounds; i++) {
		struct timespec t0, t1;
		double sec;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		sha256_digest(buf, size, d);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		sec = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		if (sec > 0 && size / sec / 1e6 > best)
			best = size / sec / 1e6;
	}
	return best;
}

/* bench/sha256.sh: SHA256_BENCH_MB=N prints the throughput of both paths. */
TEST(sha256_speed)
{
	const char *env = getenv("SHA256_BENCH_MB");
	size_t size = 4 << 20;
	int rounds;
	uint8_t *buf;
	double fast, slow;

	SKIP_IF(!env, "set SHA256_BENCH_MB to measure");
	rounds = atoi(env) > 4 ? atoi(env) / 4 : 1;
	buf = xmalloc(size);
	random_fill(buf, size);
	sha256_force_portable(false);
	fast = mb_per_s(buf, size, rounds);
	printf("# %s: %.0f MB/s\n", sha256_impl(), fast);
	sha256_force_portable(true);
	slow = mb_per_s(buf, size, rounds);
	printf("# portable: %.0f MB/s\n", slow);
	sha256_force_portable(false);
	printf("# ratio: %.2f\n", fast / slow);
	free(buf);
}
