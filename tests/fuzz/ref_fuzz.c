// SPDX-License-Identifier: Apache-2.0
/* ref_fuzz.c - image references as users and archives give them
 * (core/image/ref.c): parsing, and printing what was parsed, which must
 * parse again to the same reference. */
#include "core/image/ref.h"
#include "fuzz.h"

/* A normalized reference printed and parsed again is the same. */
static void ref_again(const char *str)
{
	struct ref r2;
	char *str2;

	if (ref_parse(str, &r2) < 0) {
		fprintf(stderr, "ref_str gave \"%s\", which does not parse: %s\n", str, err_str());
		abort();
	}
	str2 = ref_str(&r2);
	if (strcmp(str, str2)) {
		fprintf(stderr, "\"%s\" parses and prints as \"%s\"\n", str, str2);
		abort();
	}
	free(str2);
	ref_clear(&r2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_text(data, size), *str, *name, *fam;
	struct ref r;

	if (ref_parse(s, &r) == 0) {
		str = ref_str(&r);
		name = ref_name(&r);
		fam = ref_familiar(name);
		(void)ref_registry_host(&r);
		ref_again(str);
		free(fam);
		free(name);
		free(str);
		ref_clear(&r);
	} else if (err_errno() != EINVAL || !*err_str()) {
		fprintf(stderr, "ref_parse failed without an error line: %d %s\n", err_errno(),
			err_str());
		abort();
	}
	(void)ref_is_id(s);
	err_clear();
	free(s);
	return 0;
}
