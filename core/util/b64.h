// SPDX-License-Identifier: Apache-2.0
/* b64.h - base64 (RFC 4648) for Basic auth, config.json "auth" fields and
 * token payloads. Pure byte shuffling: no I/O, no knowledge of callers. */
#ifndef DORY_B64_H
#define DORY_B64_H

#include <stddef.h>

/* Standard alphabet with '=' padding; allocated NUL-terminated text. */
char *b64_encode(const void *p, size_t n);
/* Decode n chars of s: standard or URL-safe alphabet, padding optional, no
 * white space. Allocated bytes in *out (NUL-terminated for text), their
 * count in *len; -EINVAL with the offset in the message on bad input. */
int b64_decode(const char *s, size_t n, char **out, size_t *len);

#endif
