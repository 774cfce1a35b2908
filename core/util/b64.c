// SPDX-License-Identifier: Apache-2.0
/* b64.c - base64 encoding and decoding behind b64.h. Callers own the
 * meaning of the bytes (credentials, JSON); this file only converts them. */
#include <errno.h>

#include "core/util/b64.h"
#include "core/util/err.h"
#include "core/util/xalloc.h"

static const char b64_abc[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *b64_encode(const void *p, size_t n)
{
	const unsigned char *in = p;
	char *out = xmalloc((n + 2) / 3 * 4 + 1), *o = out;

	for (; n >= 3; n -= 3, in += 3) {
		*o++ = b64_abc[in[0] >> 2];
		*o++ = b64_abc[(in[0] & 3) << 4 | in[1] >> 4];
		*o++ = b64_abc[(in[1] & 15) << 2 | in[2] >> 6];
		*o++ = b64_abc[in[2] & 63];
	}
	if (n) {
		*o++ = b64_abc[in[0] >> 2];
		if (n == 1) {
			*o++ = b64_abc[(in[0] & 3) << 4];
			*o++ = '=';
		} else {
			*o++ = b64_abc[(in[0] & 3) << 4 | in[1] >> 4];
			*o++ = b64_abc[(in[1] & 15) << 2];
		}
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

/* Value of one base64 digit (both alphabets), or -1. */
static int b64_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

int b64_decode(const char *s, size_t n, char **out, size_t *len)
{
	autofree char *buf = xmalloc(n / 4 * 3 + 3);
	unsigned acc = 0, bits = 0;
	size_t i, k = 0, pad = 0;

	while (n > 0 && s[n - 1] == '=' && pad < 2) {
		n--;
		pad++;
	}
	if ((pad && (n + pad) % 4) || n % 4 == 1)
		return err_setx(EINVAL, "invalid base64: bad length %zu", n + pad);
	for (i = 0; i < n; i++) {
		int v = b64_val(s[i]);

		if (v < 0)
			return err_setx(EINVAL, "invalid base64 at offset %zu", i);
		acc = acc << 6 | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[k++] = (char)(acc >> bits & 0xff);
		}
	}
	buf[k] = '\0';
	*len = k;
	*out = TAKE(buf);
	return 0;
}
