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

/* Prepare format; -EINVAL (recorded) when it holds an action other than
 * {{.A.B}} or {{json .A.B}}. "table" alone gives deflt (NULL: ""). */
int tpl_parse(const char *format, const char *deflt, struct tpl *t);
void tpl_free(struct tpl *t);

/* Run template f on obj into out: text as it is, {{.A.B}} printed as Go
 * prints values ([a b], map[k:v], true, <no value>), {{json .A.B}}.
 * With out NULL only check it; -EINVAL (recorded) when unsupported. */
int tpl_run(const char *f, const struct json *obj, FILE *out);

/* Print text as Docker's tabwriter does (minwidth 10, padding 3): lines
 * split at newlines, cells at tabs; a tab-ended cell is padded to the
 * widest cell of its column, in characters. */
void tpl_table_print(const char *text, size_t n, FILE *out);

#endif
