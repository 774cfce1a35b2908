// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <string.h>

#include "core/util/b64.h"
#include "core/util/err.h"
#include "tap.h"

static const char *const b64_vec[][2] = {	/* RFC 4648, 10 */
	{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
};

TEST(b64_encode_rfc4648_vectors)
{
	for (size_t i = 0; i < sizeof(b64_vec) / sizeof(b64_vec[0]); i++) {
		char *e = b64_encode(b64_vec[i][0], strlen(b64_vec[i][0]));

		CHECK_EQ_STR(e, b64_vec[i][1]);
		free(e);
	}
}

TEST(b64_decode_rfc4648_vectors)
{
	for (size_t i = 0; i < sizeof(b64_vec) / sizeof(b64_vec[0]); i++) {
		const char *s = b64_vec[i][1];
		char *d = NULL;
		size_t n = 99;

		CHECK_EQ_INT(b64_decode(s, strlen(s), &d, &n), 0);
		CHECK_EQ_STR(d, b64_vec[i][0]);
		CHECK_EQ_INT(n, strlen(b64_vec[i][0]));
		free(d);
	}
}

TEST(b64_decode_unpadded_and_url_safe)
{
	char *d = NULL;
	size_t n;

	CHECK_EQ_INT(b64_decode("Zm9vYg", 6, &d, &n), 0);
	CHECK_EQ_STR(d, "foob");
	free(d);
	CHECK_EQ_INT(b64_decode("-_8", 3, &d, &n), 0);	/* fb ff */
	CHECK_EQ_INT(n, 2);
	CHECK_EQ_INT((unsigned char)d[0], 0xfb);
	CHECK_EQ_INT((unsigned char)d[1], 0xff);
	free(d);
	CHECK_EQ_INT(b64_decode("+/8=", 4, &d, &n), 0);
	CHECK_EQ_INT((unsigned char)d[0], 0xfb);
	free(d);
}

TEST(b64_decode_rejects_garbage)
{
	char *d = NULL;
	size_t n;

	CHECK_EQ_INT(b64_decode("Zm9v!A", 6, &d, &n), -EINVAL);
	CHECK(strstr(err_str(), "offset 4") != NULL);
	CHECK_EQ_INT(b64_decode("Z", 1, &d, &n), -EINVAL);
	CHECK_EQ_INT(b64_decode("Zm9=", 4, &d, &n), 0);	/* "fo" */
	free(d);
	CHECK_EQ_INT(b64_decode("Zm=", 3, &d, &n), -EINVAL);
	CHECK_EQ_INT(b64_decode("Zm 9v", 5, &d, &n), -EINVAL);
}

TEST(b64_round_trips_all_bytes)
{
	unsigned char in[256];
	char *e, *d = NULL;
	size_t n = 0;

	for (int i = 0; i < 256; i++)
		in[i] = (unsigned char)(255 - i);
	for (size_t len = 0; len <= 256; len += 37) {
		e = b64_encode(in, len);
		CHECK_EQ_INT(strlen(e), (len + 2) / 3 * 4);
		CHECK_EQ_INT(b64_decode(e, strlen(e), &d, &n), 0);
		CHECK_EQ_INT(n, len);
		CHECK(memcmp(d, in, len) == 0);
		free(e);
		free(d);
	}
}
