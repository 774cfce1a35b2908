// SPDX-License-Identifier: Apache-2.0
/* auth_fuzz.c - WWW-Authenticate challenges of a registry (a 401's
 * header, core/registry/registry.c): the parameters dory reads, and the
 * realm as the URL it then asks for a token. */
#include "core/registry/http.h"
#include "core/registry/registry.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "realm", "service", "scope", "error", "" };
	char *ch = fuzz_text(data, size);

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *v = reg_challenge_param(ch, names[i]);

		if (v && i == 0) {
			struct http_url u;

			if (http_url_parse(v, &u) == 0)
				http_url_clear(&u);
		}
		free(v);
	}
	err_clear();
	free(ch);
	return 0;
}
