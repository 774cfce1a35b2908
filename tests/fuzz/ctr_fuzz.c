// SPDX-License-Identifier: Apache-2.0
/* ctr_fuzz.c - a container's records as they come back from the disk
 * after a power cut or a hand edit (core/ctr/ctr.c): config.json, then
 * after a NUL state.json, then after another run.json (with its cgroup
 * record). Each that parses is printed, parsed and printed again: the two
 * prints must be the same, or a record would change by being rewritten. */
#include "core/ctr/ctr.h"
#include "fuzz.h"

static void same(const char *what, const char *a, const char *b)
{
	if (strcmp(a, b)) {
		fprintf(stderr, "%s changes when written again:\n%s\n%s\n", what, a, b);
		abort();
	}
}

static void config(const char *text)
{
	struct ctr_config c, c2;
	char *a, *b;

	if (ctr_config_parse(text, &c) < 0) {
		if (c.name || c.argv.n || !*err_str())
			abort();
		return;
	}
	a = ctr_config_json(&c);
	if (ctr_config_parse(a, &c2) < 0)
		abort();
	b = ctr_config_json(&c2);
	same("config.json", a, b);
	free(a);
	free(b);
	ctr_config_clear(&c);
	ctr_config_clear(&c2);
}

/* state.json and run.json are read into one struct ctr_state. */
static void state(const char *text, bool run)
{
	struct ctr_state s = { 0 }, s2 = { 0 };
	char *a, *b;

	(run ? ctr_run_parse : ctr_state_parse)(text, &s);
	a = (run ? ctr_run_json : ctr_state_json)(&s);
	(run ? ctr_run_parse : ctr_state_parse)(a, &s2);
	b = (run ? ctr_run_json : ctr_state_json)(&s2);
	same(run ? "run.json" : "state.json", a, b);
	free(a);
	free(b);
	ctr_state_clear(&s);
	ctr_state_clear(&s2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *st, *run;
	size_t st_n, run_n = 0, n = fuzz_split(data, size, &st, &st_n);
	char *t = fuzz_text(data, n);

	config(t);
	free(t);
	if (st_n) {
		n = fuzz_split(st, st_n, &run, &run_n);
		t = fuzz_text(st, n);
		state(t, false);
		free(t);
	}
	if (run_n) {
		t = fuzz_text(run, run_n);
		state(t, true);
		free(t);
	}
	err_clear();
	return 0;
}
