// SPDX-License-Identifier: Apache-2.0
/* tpl.h - Docker's --format: the part of Go's text/template that scripts
 * use, run on a JSON object, and the tab-aligned tables of ps and images. */
#ifndef DORY_TPL_H
#define DORY_TPL_H

#include <stdio.h>

#include "core/util/base.h"
#include "core/util/json.h"

/* A --format as Docker takes it: "table" first asks for aligned columns
 * with a header; the two-character escapes \t and \n are a tab and a
 * newline. */
struct tpl {
	char *text;		/* the template without "table" (owned) */
	bool table;
};

/* Prepare format; -EINVAL (recorded: "template parsing error: what at
 * offset N") when it is not a template tpl_run can run. "table" alone
 * gives deflt (NULL: ""). */
int tpl_parse(const char *format, const char *deflt, struct tpl *t);
void tpl_free(struct tpl *t);

/* Run template f on obj into out, as Go's text/template with Docker's
 * functions runs it on obj decoded from JSON (values print as Go prints
 * them: [a b], map[k:v], true, <nil> for null; <no value> for index of a
 * missing key). A field that is not there, or a field of null, is an
 * error, as on Docker's Go structs.
 * The grammar, where P is a pipeline, C a command and O an operand:
 *   text, {{P}}, {{$x := P}}, {{$x = P}}, {{/ * comment * /}}, and
 *   "{{- " / " -}}" to trim the white space before / after an action;
 *   {{if P}} ... [{{else if P}} ... | {{else with P}} ...] [{{else}} ...] {{end}},
 *   {{with [$x :=] P}} ... [{{else}} ...] {{end}} (with dot set to P),
 *   {{range [[$k, ]$v :=] P}} ... [{{else}} ...] {{end}} over an array's
 *   elements or an object's values by sorted key, dot set to each;
 *   P = C ['|' C]... (each value the last argument of the next C);
 *   C = O, or FUNC [O...] with FUNC one of and or not eq ne lt le gt ge
 *   index len json join split lower upper title print println printf;
 *   O = . | .A.B | $ | $x.A | (P).A | "str" | `raw` | number | true |
 *   false | nil | FUNC (called without arguments).
 * Errors (-EINVAL, recorded as tpl_parse's): anything else, and what
 * only the data shows (index out of range, len of a number, a field of
 * a string...), after the output of the actions before. With out NULL
 * only check the whole template, branches not taken included. */
int tpl_run(const char *f, const struct json *obj, FILE *out);

/* Print text as Docker's tabwriter does (minwidth 10, padding 3): lines
 * split at newlines, cells at tabs; a tab-ended cell is padded to the
 * widest cell of its column, in characters. */
void tpl_table_print(const char *text, size_t n, FILE *out);

/* A --format listing (ps, network ls, volume ls): each row through the
 * template on a line of dst; a table's lines, its header row first, are
 * held and printed aligned by tpl_list_end. */
struct tpl_list {
	struct tpl t;
	FILE *out, *dst;	/* out: a table's buffer, or dst itself */
	char *buf;
	size_t len;
};
/* Parse format as tpl_parse does ("table" alone: deflt); header is the
 * table's first row (unused otherwise). -errno, recorded. */
int tpl_list_begin(struct tpl_list *l, const char *format, const char *deflt,
		   const struct json *header, FILE *dst);
int tpl_list_row(struct tpl_list *l, const struct json *row);
/* A table printed aligned; l freed either way. */
int tpl_list_end(struct tpl_list *l);

#endif
