// SPDX-License-Identifier: Apache-2.0
/* sha256.h - SHA-256 with the CPU's instructions where present (x86 SHA-NI,
 * ARMv8 SHA2) and a portable fallback; digests as "sha256:<hex>" strings. */
#ifndef DORY_SHA256_H
#define DORY_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { SHA256_LEN = 32, SHA256_HEX = 64 };
/* "sha256:" + 64 hex digits + NUL */
#define DIGEST_STRLEN (7 + SHA256_HEX + 1)

struct sha256 {
	uint32_t h[8];
	uint64_t len;		/* bytes hashed so far */
	uint8_t buf[64];
	unsigned n;		/* bytes waiting in buf */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *p, size_t n);
void sha256_final(struct sha256 *s, uint8_t out[SHA256_LEN]);
/* Finish and write "sha256:<64 hex>" into out. */
void sha256_final_digest(struct sha256 *s, char out[DIGEST_STRLEN]);
/* One-shot "sha256:<hex>" of a buffer. */
void sha256_digest(const void *p, size_t n, char out[DIGEST_STRLEN]);
/* true when "sha256:" followed by exactly 64 lower-case hex digits. */
bool sha256_is_digest(const char *s);
/* Name of the block function in use: "sha-ni", "armv8", "portable". */
const char *sha256_impl(void);
/* Tests: force the portable path (true) or back to the best (false). */
void sha256_force_portable(bool on);

#endif
