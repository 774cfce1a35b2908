// SPDX-License-Identifier: Apache-2.0
/* tpl_fuzz.c - --format templates as users give them (core/util/tpl.c),
 * then, after a NUL, the JSON object they run on: a template tpl_parse
 * takes passes tpl_run's check again and runs on the object, or fails
 * with a "template parsing error" line; one it refuses leaves nothing. */
#include "core/util/json.h"
#include "core/util/tpl.h"
#include "fuzz.h"

/* A refusal is recorded, as one line that says what it is. */
static void refused(const char *what)
{
	if (strncmp(err_str(), "template parsing error: ", 24) || strchr(err_str(), '\n')) {
		fprintf(stderr, "%s: error \"%s\"\n", what, err_str());
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	const uint8_t *rest;
	size_t rest_n, n = fuzz_split(data, size, &rest, &rest_n);
	char *format = fuzz_text(data, n);
	struct json *obj = json_parse((const char *)rest, rest_n);
	struct tpl t;

	if (!null && !(null = fopen("/dev/null", "w")))
		abort();
	if (tpl_parse(format, "{{.A}}\t{{.B}}", &t) < 0) {
		refused("tpl_parse");
		if (t.text)
			abort();	/* a refused template leaves nothing behind */
	} else {
		if (tpl_run(t.text, NULL, NULL) < 0) {
			fprintf(stderr, "tpl_parse takes what tpl_run's check refuses\n");
			abort();
		}
		if (tpl_run(t.text, obj, null) < 0)
			refused("tpl_run");
		tpl_free(&t);
	}
	err_clear();
	json_free(obj);
	free(format);
	return 0;
}
