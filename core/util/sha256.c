// SPDX-License-Identifier: Apache-2.0
/* sha256.c - SHA-256 (FIPS 180-4): buffering, padding, digest strings, and
 * one block function per CPU (portable C, x86 SHA-NI, ARMv8 SHA2). */
#include <string.h>

#include "core/util/sha256.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#elif defined(__aarch64__)
#include <arm_neon.h>
#include <sys/auxv.h>
#ifndef HWCAP_SHA2
#define HWCAP_SHA2 (1 << 6)
#endif
#endif

typedef void (*sha256_blocks_fn)(uint32_t h[8], const uint8_t *p, size_t nblocks);

/* FIPS 180-4, 4.2.2: the first 32 bits of the fractional parts of the cube
 * roots of the first 64 primes. */
static const uint32_t sha256_k[64] __attribute__((aligned(16))) = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
#define BSIG0(x) (ROR(x, 2) ^ ROR(x, 13) ^ ROR(x, 22))
#define BSIG1(x) (ROR(x, 6) ^ ROR(x, 11) ^ ROR(x, 25))
#define SSIG0(x) (ROR(x, 7) ^ ROR(x, 18) ^ ((x) >> 3))
#define SSIG1(x) (ROR(x, 17) ^ ROR(x, 19) ^ ((x) >> 10))
#define CH(x, y, z) (((x) & ((y) ^ (z))) ^ (z))
#define MAJ(x, y, z) (((x) & (y)) | ((z) & ((x) | (y))))

static uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* One round of FIPS 180-4 6.2.2 step 3, with the eight working variables
 * renamed by the caller instead of shifted. The schedule is a 16-word ring:
 * W[t] replaces W[t-16], and W[t-15], W[t-7], W[t-2] sit at t+1, t+9, t+14. */
#define ROUND(a, b, c, d, e, f, g, h, t, w_)                                      \
	do {                                                                      \
		h += BSIG1(e) + CH(e, f, g) + sha256_k[t] + (w[(t) & 15] = (w_)); \
		d += h;                                                           \
		h += BSIG0(a) + MAJ(a, b, c);                                     \
	} while (0)
#define W_LOAD(t) load_be32(p + 4 * (t))
#define W_NEXT(t) (w[(t) & 15] + SSIG0(w[((t) + 1) & 15]) + w[((t) + 9) & 15] + \
		   SSIG1(w[((t) + 14) & 15]))
/* Eight rounds keep the variables' names where they started, so the
 * compiler needs no moves between rounds. */
#define ROUND8(t, W)                                            \
	do {                                                    \
		ROUND(a, b, c, d, e, f, g, h, t, W(t));         \
		ROUND(h, a, b, c, d, e, f, g, t + 1, W(t + 1)); \
		ROUND(g, h, a, b, c, d, e, f, t + 2, W(t + 2)); \
		ROUND(f, g, h, a, b, c, d, e, t + 3, W(t + 3)); \
		ROUND(e, f, g, h, a, b, c, d, t + 4, W(t + 4)); \
		ROUND(d, e, f, g, h, a, b, c, t + 5, W(t + 5)); \
		ROUND(c, d, e, f, g, h, a, b, t + 6, W(t + 6)); \
		ROUND(b, c, d, e, f, g, h, a, t + 7, W(t + 7)); \
	} while (0)

static void sha256_blocks_portable(uint32_t st[8], const uint8_t *p, size_t nblocks)
{
	uint32_t w[16];

	for (; nblocks--; p += 64) {
		uint32_t a = st[0], b = st[1], c = st[2], d = st[3];
		uint32_t e = st[4], f = st[5], g = st[6], h = st[7];
		unsigned t;

		for (t = 0; t < 16; t += 8)
			ROUND8(t, W_LOAD);
		for (; t < 64; t += 8)
			ROUND8(t, W_NEXT);
		st[0] += a;
		st[1] += b;
		st[2] += c;
		st[3] += d;
		st[4] += e;
		st[5] += f;
		st[6] += g;
		st[7] += h;
	}
}

#if defined(__x86_64__)
/* Intel SHA extensions: SHA256RNDS2 does two rounds on the state split as
 * ABEF / CDGH; SHA256MSG1/MSG2 compute the schedule four words at a time. */
__attribute__((target("sha,sse4.1")))
static void sha256_blocks_shani(uint32_t st[8], const uint8_t *p, size_t nblocks)
{
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
	__m128i s0, s1, t, m[4];

	t = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&st[0]), 0xb1);	/* CDAB */
	s1 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&st[4]), 0x1b); /* EFGH */
	s0 = _mm_alignr_epi8(t, s1, 8);						/* ABEF */
	s1 = _mm_blend_epi16(s1, t, 0xf0);					/* CDGH */
	for (; nblocks--; p += 64) {
		__m128i save0 = s0, save1 = s1;

		for (int i = 0; i < 4; i++) {
			t = _mm_loadu_si128((const __m128i *)(p + 16 * i));
			m[i] = _mm_shuffle_epi8(t, bswap);
		}
#pragma GCC unroll 16
		for (int i = 0; i < 16; i++) {
			const __m128i *k = (const __m128i *)&sha256_k[4 * i];
			__m128i wk = _mm_add_epi32(m[i & 3], _mm_load_si128(k));
			__m128i m1 = m[(i + 1) & 3], m2 = m[(i + 2) & 3], m3 = m[(i + 3) & 3];

			s1 = _mm_sha256rnds2_epu32(s1, s0, wk);
			/* W[4i+16..4i+19] from the four groups before it */
			if (i < 12) {
				t = _mm_sha256msg1_epu32(m[i & 3], m1);
				t = _mm_add_epi32(t, _mm_alignr_epi8(m3, m2, 4));
				m[i & 3] = _mm_sha256msg2_epu32(t, m3);
			}
			s0 = _mm_sha256rnds2_epu32(s0, s1, _mm_shuffle_epi32(wk, 0x0e));
		}
		s0 = _mm_add_epi32(s0, save0);
		s1 = _mm_add_epi32(s1, save1);
	}
	t = _mm_shuffle_epi32(s0, 0x1b);	/* FEBA */
	s1 = _mm_shuffle_epi32(s1, 0xb1);	/* DCHG */
	_mm_storeu_si128((__m128i *)&st[0], _mm_blend_epi16(t, s1, 0xf0));	/* DCBA */
	_mm_storeu_si128((__m128i *)&st[4], _mm_alignr_epi8(s1, t, 8));	/* HGFE */
}

static sha256_blocks_fn sha256_detect(const char **name)
{
	unsigned a, b, c, d;

	/* SHA-NI is CPUID.7.0:EBX[29]; the shuffles need SSE4.1, ECX[19] of leaf 1 */
	if (__get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 19)) &&
	    __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 29))) {
		*name = "sha-ni";
		return sha256_blocks_shani;
	}
	return NULL;
}
#elif defined(__aarch64__)
/* ARMv8 Cryptographic Extension: SHA256H/H2 do four rounds on ABCD and
 * EFGH; SHA256SU0/SU1 compute the schedule four words at a time. */
__attribute__((target("+crypto")))
static void sha256_blocks_armv8(uint32_t st[8], const uint8_t *p, size_t nblocks)
{
	uint32x4_t abcd = vld1q_u32(&st[0]), efgh = vld1q_u32(&st[4]), m[4];

	for (; nblocks--; p += 64) {
		uint32x4_t save0 = abcd, save1 = efgh;

		for (int i = 0; i < 4; i++)
			m[i] = vreinterpretq_u32_u8(vrev32q_u8(vld1q_u8(p + 16 * i)));
#pragma GCC unroll 16
		for (int i = 0; i < 16; i++) {
			uint32x4_t wk = vaddq_u32(m[i & 3], vld1q_u32(&sha256_k[4 * i])), t;

			if (i < 12) {
				t = vsha256su0q_u32(m[i & 3], m[(i + 1) & 3]);
				m[i & 3] = vsha256su1q_u32(t, m[(i + 2) & 3], m[(i + 3) & 3]);
			}
			t = abcd;
			abcd = vsha256hq_u32(abcd, efgh, wk);
			efgh = vsha256h2q_u32(efgh, t, wk);
		}
		abcd = vaddq_u32(abcd, save0);
		efgh = vaddq_u32(efgh, save1);
	}
	vst1q_u32(&st[0], abcd);
	vst1q_u32(&st[4], efgh);
}

static sha256_blocks_fn sha256_detect(const char **name)
{
	if (getauxval(AT_HWCAP) & HWCAP_SHA2) {
		*name = "armv8";
		return sha256_blocks_armv8;
	}
	return NULL;
}
#else
static sha256_blocks_fn sha256_detect(const char **name)
{
	(void)name;
	return NULL;
}
#endif

/* Chosen once, on first use; every dory process is single-threaded. */
static sha256_blocks_fn sha256_blocks;
static const char *sha256_name;
static bool sha256_portable_only;

static void sha256_choose(void)
{
	sha256_blocks = sha256_portable_only ? NULL : sha256_detect(&sha256_name);
	if (!sha256_blocks) {
		sha256_blocks = sha256_blocks_portable;
		sha256_name = "portable";
	}
}

const char *sha256_impl(void)
{
	if (!sha256_blocks)
		sha256_choose();
	return sha256_name;
}

void sha256_force_portable(bool on)
{
	sha256_portable_only = on;
	sha256_choose();
}

void sha256_init(struct sha256 *s)
{
	/* FIPS 180-4, 5.3.3 */
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	memcpy(s->h, iv, sizeof(iv));
	s->len = 0;
	s->n = 0;
	if (!sha256_blocks)
		sha256_choose();
}

void sha256_update(struct sha256 *s, const void *data, size_t n)
{
	const uint8_t *p = data;

	s->len += n;
	if (s->n) {
		size_t k = 64 - s->n < n ? 64 - s->n : n;

		memcpy(s->buf + s->n, p, k);
		s->n += (unsigned)k;
		p += k;
		n -= k;
		if (s->n < 64)
			return;
		sha256_blocks(s->h, s->buf, 1);
		s->n = 0;
	}
	if (n >= 64) {
		sha256_blocks(s->h, p, n / 64);
		p += n & ~(size_t)63;
		n &= 63;
	}
	memcpy(s->buf, p, n);
	s->n = (unsigned)n;
}

void sha256_final(struct sha256 *s, uint8_t out[SHA256_LEN])
{
	uint64_t bits = s->len * 8;

	/* FIPS 180-4, 5.1.1: a 1 bit, zeros, then the length as 64 bits */
	s->buf[s->n++] = 0x80;
	if (s->n > 56) {
		memset(s->buf + s->n, 0, 64 - s->n);
		sha256_blocks(s->h, s->buf, 1);
		s->n = 0;
	}
	memset(s->buf + s->n, 0, 56 - s->n);
	store_be32(s->buf + 56, (uint32_t)(bits >> 32));
	store_be32(s->buf + 60, (uint32_t)bits);
	sha256_blocks(s->h, s->buf, 1);
	for (int i = 0; i < 8; i++)
		store_be32(out + 4 * i, s->h[i]);
	memset(s, 0, sizeof(*s));
}

void sha256_final_digest(struct sha256 *s, char out[DIGEST_STRLEN])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t md[SHA256_LEN];

	sha256_final(s, md);
	memcpy(out, "sha256:", 7);
	for (int i = 0; i < SHA256_LEN; i++) {
		out[7 + 2 * i] = hex[md[i] >> 4];
		out[8 + 2 * i] = hex[md[i] & 15];
	}
	out[DIGEST_STRLEN - 1] = '\0';
}

void sha256_digest(const void *p, size_t n, char out[DIGEST_STRLEN])
{
	struct sha256 s;

	sha256_init(&s);
	sha256_update(&s, p, n);
	sha256_final_digest(&s, out);
}

bool sha256_is_digest(const char *s)
{
	if (!s || strncmp(s, "sha256:", 7))
		return false;
	for (int i = 7; i < DIGEST_STRLEN - 1; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return s[DIGEST_STRLEN - 1] == '\0';
}
