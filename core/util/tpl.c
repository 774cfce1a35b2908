// SPDX-License-Identifier: Apache-2.0
/* tpl.c - --format templates on JSON objects and tab-aligned tables, as
 * Docker's CLI prints them. The objects are built by the callers. */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "core/util/err.h"
#include "core/util/str.h"
#include "core/util/tpl.h"
#include "core/util/xalloc.h"

/* Docker's tabwriter.NewWriter(out, 10, 1, 3, ' ', 0). */
enum { TABLE_MINWIDTH = 10, TABLE_PAD = 3, ACTION_MAX = 256 };

static void tpl_go(const struct json *j, FILE *out);

static int cmp_key(const void *a, const void *b)
{
	return strcmp(json_key(*(struct json *const *)a), json_key(*(struct json *const *)b));
}

/* An object as Go prints a map: keys sorted. */
static void tpl_go_map(const struct json *j, FILE *out)
{
	struct json *m, **v;
	size_t n = 0;

	for (m = json_first(j); m; m = json_next(m))
		n++;
	v = xmalloc((n + 1) * sizeof(*v));
	n = 0;
	for (m = json_first(j); m; m = json_next(m))
		v[n++] = m;
	qsort(v, n, sizeof(*v), cmp_key);
	fputs("map[", out);
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "%s%s:", i ? " " : "", json_key(v[i]));
		tpl_go(v[i], out);
	}
	fputc(']', out);
	free(v);
}

/* A value as Go's fmt prints it: strings bare, slices [a b], null <nil>. */
static void tpl_go(const struct json *j, FILE *out)
{
	size_t n = 0;

	if (json_str(j)) {
		fputs(json_str(j), out);
	} else if (json_is_arr(j)) {
		fputc('[', out);
		for (struct json *m = json_first(j); m; m = json_next(m), n++) {
			if (n)
				fputc(' ', out);
			tpl_go(m, out);
		}
		fputc(']', out);
	} else if (json_is_obj(j)) {
		tpl_go_map(j, out);
	} else {
		autofree char *p = json_print(j, false);

		fputs(strcmp(p, "null") ? p : "<nil>", out);
	}
}

/* One action, "json .A.B" or ".A.B" (n bytes at a); -EINVAL if
 * unsupported. With out NULL it only checks the action. */
static int tpl_action(const char *a, size_t n, const struct json *obj, FILE *out)
{
	char buf[ACTION_MAX], *p = buf, *end, *save = NULL;
	bool js = false;
	const struct json *j = obj;

	if (n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, a, n);
	buf[n] = '\0';
	for (end = buf + n; end > buf && isspace((unsigned char)end[-1]); end--)
		*(end - 1) = '\0';
	p += strspn(p, " \t");
	if (!strncmp(p, "json", 4) && isspace((unsigned char)p[4])) {
		js = true;
		p += 4 + strspn(p + 4, " \t");
	}
	if (p[0] != '.' || strstr(p, "..") || p[strspn(p, ".abcdefghijklmnopqrstuvwxyz"
					       "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")])
		return -EINVAL;
	if (!out)
		return 0;
	for (char *k = strtok_r(p, ".", &save); k && j; k = strtok_r(NULL, ".", &save))
		j = json_is_obj(j) ? json_get(j, k) : NULL;
	if (js) {
		autofree char *s = json_print(j, false);

		fputs(s, out);
	} else if (j) {
		tpl_go(j, out);
	} else {
		fputs("<no value>", out);
	}
	return 0;
}

int tpl_run(const char *f, const struct json *obj, FILE *out)
{
	const char *start = f;

	while (*f) {
		const char *open = strstr(f, "{{"), *close;

		if (!open) {
			if (out)
				fputs(f, out);
			break;
		}
		if (out)
			fwrite(f, 1, (size_t)(open - f), out);
		close = strstr(open + 2, "}}");
		if (!close || tpl_action(open + 2, (size_t)(close - open - 2), obj, out) < 0)
			return err_setx(EINVAL, "unsupported template action at offset %zu of \"%s\"",
					(size_t)(open - start), start);
		f = close + 2;
	}
	return 0;
}

int tpl_parse(const char *format, const char *deflt, struct tpl *t)
{
	const char *s = format;
	char *d;

	t->table = str_has_prefix(s, "table") && (!s[5] || isspace((unsigned char)s[5]));
	if (t->table) {
		s += 5 + strspn(s + 5, " ");
		if (!*s)
			s = deflt ? deflt : "";
	}
	/* Docker's preFormat: trim spaces, then \t and \n become real ones */
	s += strspn(s, " ");
	t->text = d = xstrdup(s);
	for (; *s; s++) {
		if (s[0] == '\\' && (s[1] == 't' || s[1] == 'n')) {
			*d++ = s[1] == 't' ? '\t' : '\n';
			s++;
		} else {
			*d++ = *s;
		}
	}
	while (d > t->text && d[-1] == ' ')
		d--;
	*d = '\0';
	if (tpl_run(t->text, NULL, NULL) < 0) {
		tpl_free(t);
		return -err_errno();
	}
	return 0;
}

void tpl_free(struct tpl *t)
{
	free(t->text);
	t->text = NULL;
}

/* ---- tables ---- */

/* Characters in n bytes of UTF-8: the width tabwriter counts. */
static size_t utf8_width(const char *s, size_t n)
{
	size_t w = 0;

	for (size_t i = 0; i < n; i++)
		w += ((unsigned char)s[i] & 0xc0) != 0x80;
	return w;
}

/* The widths of the tab-ended cells of each column, over all lines. */
static size_t *table_widths(const char *text, size_t n, size_t *ncol)
{
	size_t *w = NULL, col = 0, cell = 0;

	*ncol = 0;
	for (size_t i = 0; i < n; i++) {
		if (text[i] == '\n') {
			col = 0;
			cell = i + 1;
		} else if (text[i] == '\t') {
			size_t cw = utf8_width(text + cell, i - cell) + TABLE_PAD;

			if (col >= *ncol) {
				w = xrealloc(w, (col + 1) * sizeof(*w));
				w[col] = TABLE_MINWIDTH;
				*ncol = col + 1;
			}
			if (cw > w[col])
				w[col] = cw;
			col++;
			cell = i + 1;
		}
	}
	return w;
}

void tpl_table_print(const char *text, size_t n, FILE *out)
{
	size_t ncol, col = 0, cell = 0;
	autofree size_t *w = table_widths(text, n, &ncol);

	for (size_t i = 0; i < n; i++) {
		if (text[i] == '\n') {
			fwrite(text + cell, 1, i + 1 - cell, out);
			col = 0;
			cell = i + 1;
		} else if (text[i] == '\t') {
			size_t cw = utf8_width(text + cell, i - cell);

			fwrite(text + cell, 1, i - cell, out);
			for (; cw < w[col]; cw++)
				fputc(' ', out);
			col++;
			cell = i + 1;
		}
	}
	fwrite(text + cell, 1, n - cell, out);
}
