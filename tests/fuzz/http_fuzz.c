// SPDX-License-Identifier: Apache-2.0
/* http_fuzz.c - a registry's (or proxy's) answer as http.c reads it: the
 * status line, headers (folded, repeated), the body's framing (sized,
 * chunked with extensions and trailers, to the close), and the Location
 * of a redirect as the URL it would follow.
 * Input: three bytes that say how it arrives, then the response:
 *   [0] bytes per read (0: as many as fit), [1] the buffer's first size
 *   (0: a connection's), [2] bit 0: the answer to a HEAD; bit 1: read the
 *   body whole (else in reads of [2] >> 2, plus 1, bytes). */
#include "core/registry/http.h"
#include "fuzz.h"

static void body(struct http_resp *r, unsigned mode)
{
	char buf[64], *all = NULL;
	size_t len = 0;
	ssize_t k;

	if (mode & 2) {
		if (http_read_all(r, 1 << 16, &all, &len) == 0 && strlen(all) > len)
			abort();	/* NUL-terminated at len */
		free(all);
		return;
	}
	do
		k = http_read(r, buf, (mode >> 2) % sizeof(buf) + 1);
	while (k > 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_resp *r;
	struct http_url u;
	const char *v;

	if (size < 3)
		return 0;
	if (http_resp_mem(data[2] & 1 ? "HEAD" : "GET", data + 3, size - 3, data[0], data[1],
			  &r) == 0) {
		if (http_status(r) < 100 || http_status(r) > 999)
			abort();
		(void)http_length(r);
		for (int i = 0; (v = http_header_n(r, "WWW-Authenticate", i)); i++)
			;
		if ((v = http_header(r, "Location")) && http_url_parse(v, &u) == 0)
			http_url_clear(&u);
		body(r, data[2]);
		http_resp_free(r);
	} else if (!*err_str()) {
		abort();	/* every failure says why */
	}
	err_clear();
	return 0;
}
