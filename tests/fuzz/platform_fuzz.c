// SPDX-License-Identifier: Apache-2.0
/* platform_fuzz.c - --platform values and the platform fields of an index
 * (core/image/platform.c): parsing, printing (which parses again to the
 * same), and scoring a candidate given as "os/arch/variant" parts. */
#include "core/image/platform.h"
#include "fuzz.h"

static void platform_again(const struct platform *p)
{
	char a[64], b[64];
	struct platform q;

	platform_str(p, a, sizeof(a));
	if (platform_parse(a, &q) < 0) {
		fprintf(stderr, "platform_str gave \"%s\", which does not parse: %s\n", a,
			err_str());
		abort();
	}
	if (strcmp(a, platform_str(&q, b, sizeof(b)))) {
		fprintf(stderr, "\"%s\" parses and prints as \"%s\"\n", a, b);
		abort();
	}
	if (platform_score(p, q.os, q.arch, q.variant) != 100) {
		fprintf(stderr, "\"%s\" does not fit itself\n", a);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_text(data, size), *part[3] = { NULL, NULL, NULL }, *save = NULL;
	struct platform p, host;
	int n = 0;

	platform_host(&host);
	if (platform_parse(s, &p) == 0)
		platform_again(&p);
	else if (err_errno() != EINVAL)
		abort();
	/* The same text as an index's os, architecture and variant fields. */
	for (char *t = strtok_r(s, "/", &save); t && n < 3; t = strtok_r(NULL, "/", &save))
		part[n++] = t;
	(void)platform_score(&host, part[0], part[1], part[2]);
	err_clear();
	free(s);
	return 0;
}
