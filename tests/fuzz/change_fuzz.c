// SPDX-License-Identifier: Apache-2.0
/* change_fuzz.c - instruction lines as `import --change` (and later the
 * Dockerfile builder) take them (core/image/change.c): each line parses
 * and applies to one config, or fails with one line of error; what is
 * applied stays a config that prints. */
#include "core/image/change.h"
#include "core/util/json.h"
#include "fuzz.h"

/* A refusal is recorded, as one line. */
static void refused(const char *what)
{
	if (!*err_str() || strchr(err_str(), '\n')) {
		fprintf(stderr, "%s: error \"%s\"\n", what, err_str());
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size), *line, *save = NULL, *out;
	struct json *cfg = json_new_obj();

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct change c;

		if (change_parse(line, &c) < 0)
			refused("change_parse");
		else if (!c.cmd || !c.rest || (c.json && !c.rest[0]))
			abort();	/* a parsed line has its keyword and text */
		else if (change_apply(&c, cfg) < 0)
			refused("change_apply");
		change_clear(&c);
		err_clear();
	}
	out = json_print(cfg, false);
	if (!out || !json_is_obj(cfg))
		abort();
	free(out);
	json_free(cfg);
	free(text);
	return 0;
}
