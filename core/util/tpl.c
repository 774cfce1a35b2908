// SPDX-License-Identifier: Apache-2.0
/* tpl.c - --format templates on JSON objects, and tab-aligned tables, as
 * Docker's CLI prints them. The objects are built by the callers.
 *
 * A template runs as it is read, with no tree: a branch not taken, and the
 * check of tpl_parse, read their text without running it, and range reads
 * its body again for each element. Values are JSON nodes: the object's, or
 * ones made on the way (literals, what functions return), freed at the end.
 * NULL is a missing value, printed as Go prints one: <no value>. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "core/util/err.h"
#include "core/util/str.h"
#include "core/util/tpl.h"
#include "core/util/xalloc.h"

/* Docker's tabwriter.NewWriter(out, 10, 1, 3, ' ', 0). A template nests
 * at most DEPTH_MAX structures and parentheses, holds VAR_MAX variables at
 * once, gives a function ARG_MAX arguments, and runs STEPS_MAX actions. */
enum {
	TABLE_MINWIDTH = 10, TABLE_PAD = 3,
	DEPTH_MAX = 64, VAR_MAX = 64, ARG_MAX = 16, STEPS_MAX = 1 << 18, WIDTH_MAX = 1024,
};

struct tpl_var {
	const char *name;	/* "$x" in the template's text */
	size_t len;
	const struct json *v;
};

struct tpl_st {
	const char *src, *p;	/* the template, and where it is read */
	FILE *out;		/* NULL: only check */
	struct json **tmp;	/* roots of the values made while running */
	size_t ntmp;
	struct tpl_var var[VAR_MAX];
	int nvar, depth, steps;
	bool trim, failed;	/* trim: the last action ended with " -}}" */
};

/* What ended a list of text and actions. */
enum stop { STOP_NONE, STOP_EOF, STOP_END, STOP_ELSE };

/* The variables an action declares ($x :=, $k, $v :=) or sets ($x =). */
struct decl {
	const char *name[2];
	size_t len[2];
	int n;
	bool assign;
};

/* Go's functions and Docker's; min and max arguments (max -1: any number). */
enum {
	F_AND, F_OR, F_NOT, F_EQ, F_NE, F_LT, F_LE, F_GT, F_GE, F_INDEX, F_LEN, F_JSON,
	F_JOIN, F_SPLIT, F_LOWER, F_UPPER, F_TITLE, F_PAD, F_TRUNCATE, F_PRINT, F_PRINTLN,
	F_PRINTF, F_N
};
static const struct {
	char name[9];
	signed char min, max;
} tpl_fns[F_N] = {
	{ "and", 1, -1 }, { "or", 1, -1 }, { "not", 1, 1 }, { "eq", 2, -1 }, { "ne", 2, 2 },
	{ "lt", 2, 2 }, { "le", 2, 2 }, { "gt", 2, 2 }, { "ge", 2, 2 }, { "index", 1, -1 },
	{ "len", 1, 1 }, { "json", 1, 1 }, { "join", 2, 2 }, { "split", 2, 2 },
	{ "lower", 1, 1 }, { "upper", 1, 1 }, { "title", 1, 1 }, { "pad", 3, 3 },
	{ "truncate", 2, 2 }, { "print", 0, -1 },
	{ "println", 0, -1 }, { "printf", 1, -1 },
};

static const struct json *pipeline(struct tpl_st *s, bool run, const struct json *dot);
static enum stop list(struct tpl_st *s, bool run, const struct json *dot);

/* Record the first error, on one line, with where it was met. */
static PRINTF(2, 3) void fail(struct tpl_st *s, const char *fmt, ...)
{
	char msg[128], line[128];
	va_list ap;

	if (s->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	str_printable(line, sizeof(line), msg);	/* names from the template or data */
	s->failed = true;
	err_setx(EINVAL, "template parsing error: %s at offset %zu", line,
		 (size_t)(s->p - s->src));
}

/* ---- values ---- */

/* Go's name of the type a JSON value decodes to, for errors. */
static const char *go_type(const struct json *j)
{
	static const char *const t[] = { "nil", "nil", "bool", "float64", "string",
					 "[]interface {}", "map[string]interface {}" };

	return t[json_kind(j)];
}

/* Go's truth: false, 0, nil, and empty strings, arrays and maps are false. */
static bool truth(const struct json *j)
{
	switch (json_kind(j)) {
	case JSON_BOOL:
		return json_is_true(j);
	case JSON_NUM:
		return json_num(j) != 0;
	case JSON_STR:
		return *json_str(j);
	case JSON_ARR:
	case JSON_OBJ:
		return json_first(j);
	default:
		return false;
	}
}

/* Keep root a (an array of one value) to the end; its value. */
static const struct json *keep(struct tpl_st *s, struct json *a)
{
	if (!(s->ntmp & (s->ntmp - 1)))
		s->tmp = xrealloc(s->tmp, (s->ntmp ? 2 * s->ntmp : 1) * sizeof(*s->tmp));
	s->tmp[s->ntmp++] = a;
	return json_first(a);
}

static const struct json *mk_str(struct tpl_st *s, const char *v)	/* v NULL: nil */
{
	struct json *a = json_new_arr();

	json_add_str(a, NULL, v);
	return keep(s, a);
}

static const struct json *mk_num(struct tpl_st *s, long long v)
{
	struct json *a = json_new_arr();

	json_add_i64(a, NULL, v);
	return keep(s, a);
}

static const struct json *mk_bool(struct tpl_st *s, bool v)
{
	struct json *a = json_new_arr();

	json_add_bool(a, NULL, v);
	return keep(s, a);
}

static void go_print(const struct json *j, FILE *out);
static size_t utf8_width(const char *s, size_t n);

static int cmp_key(const void *a, const void *b)
{
	return strcmp(json_key(*(struct json *const *)a), json_key(*(struct json *const *)b));
}

/* The members of an array, or of an object sorted by key as Go ranges over
 * and prints a map (allocated; *n how many). */
static struct json **members(const struct json *j, size_t *n)
{
	struct json *m, **v;

	*n = 0;
	for (m = json_first(j); m; m = json_next(m))
		(*n)++;
	v = xmalloc((*n + 1) * sizeof(*v));
	*n = 0;
	for (m = json_first(j); m; m = json_next(m))
		v[(*n)++] = m;
	if (json_is_obj(j))
		qsort(v, *n, sizeof(*v), cmp_key);
	return v;
}

/* A value as Go's fmt prints it (%v): strings bare, slices [a b], maps
 * map[k:v], nil <nil>. */
static void go_print(const struct json *j, FILE *out)
{
	enum json_kind k = json_kind(j);
	size_t n;

	if (k == JSON_STR) {
		fputs(json_str(j), out);
	} else if (k == JSON_ARR || k == JSON_OBJ) {
		autofree struct json **v = members(j, &n);

		fputs(k == JSON_OBJ ? "map[" : "[", out);
		for (size_t i = 0; i < n; i++) {
			if (i)
				fputc(' ', out);
			if (k == JSON_OBJ)
				fprintf(out, "%s:", json_key(v[i]));
			go_print(v[i], out);
		}
		fputc(']', out);
	} else if (k <= JSON_NULL) {
		fputs("<nil>", out);
	} else {
		autofree char *p = json_print(j, false);

		fputs(p, out);
	}
}

/* ---- functions ---- */

/* A stream into memory, for what a function prints. */
static FILE *mem_open(struct tpl_st *s, char **buf, size_t *len)
{
	FILE *m = open_memstream(buf, len);

	if (!m)
		fail(s, "out of memory");
	return m;
}

/* Go's printf: verbs %v, %s, %d, %t and %q, a width, flags '-' and '0'. */
static void go_printf(struct tpl_st *s, const char *f, const struct json **a, int n, FILE *out)
{
	int i = 0;

	for (; *f; f++) {
		autofree char *buf = NULL;
		size_t len = 0;
		char left = 0, pad = ' ';
		int width = 0;
		double x;
		enum json_kind k;
		FILE *m;

		if (*f != '%' || f[1] == '%') {
			fputc(*f, out);
			f += *f == '%';
			continue;
		}
		for (f++; *f == '-' || *f == '0'; f++)
			*(*f == '-' ? &left : &pad) = *f;
		for (; isdigit((unsigned char)*f); f++)
			width = width < WIDTH_MAX ? width * 10 + *f - '0' : WIDTH_MAX;
		if (!*f) {
			fputs("%!(NOVERB)", out);
			break;
		}
		if (i == n) {
			fprintf(out, "%%!%c(MISSING)", *f);
			continue;
		}
		k = json_kind(a[i]);
		x = json_num(a[i]);
		m = mem_open(s, &buf, &len);
		if (!m)
			return;
		if (*f == 'v' || (*f == 's' && k >= JSON_STR) || (*f == 't' && k == JSON_BOOL)) {
			go_print(a[i], m);
		} else if (*f == 'q' && k == JSON_STR) {
			autofree char *q = json_print(a[i], false);

			fputs(q, m);
		} else if (*f == 'd' && k == JSON_NUM && fabs(x) < 9e18 && x == (long long)x) {
			fprintf(m, "%lld", (long long)x);
		} else {
			fprintf(m, k <= JSON_NULL ? "%%!%c(" : "%%!%c(%s=", *f, go_type(a[i]));
			go_print(a[i], m);
			fputc(')', m);
		}
		i++;
		fclose(m);
		width -= (int)utf8_width(buf, len);
		for (; !left && width > 0; width--)
			fputc(pad, out);
		fputs(buf, out);
		for (; width > 0; width--)
			fputc(' ', out);
	}
	for (int e = i; e < n; e++) {
		fprintf(out, e == i ? "%%!(EXTRA %s=" : ", %s=", go_type(a[e]));
		go_print(a[e], out);
		if (e == n - 1)
			fputc(')', out);
	}
}

/* Go's print (spaces between operands when neither is a string) and
 * println (spaces always, and a newline). */
static void go_sprint(const struct json **a, int n, bool ln, FILE *out)
{
	for (int i = 0; i < n; i++) {
		if (i && (ln || (json_kind(a[i - 1]) != JSON_STR && json_kind(a[i]) != JSON_STR)))
			fputc(' ', out);
		go_print(a[i], out);
	}
	if (ln)
		fputc('\n', out);
}

/* a compared to b by function fn (eq, lt...): strings, numbers, booleans
 * of the same kind; for eq and ne also nil, equal only to nil. */
static int compare(struct tpl_st *s, int fn, const struct json *a, const struct json *b)
{
	enum json_kind k = json_kind(a), kb = json_kind(b);
	double x = json_num(a), y = json_num(b);
	bool order = fn > F_NE;

	if (!order && (k <= JSON_NULL || kb <= JSON_NULL))
		return !(k <= JSON_NULL && kb <= JSON_NULL);
	if (k != kb)
		fail(s, "error calling %s: incompatible types for comparison", tpl_fns[fn].name);
	else if (k == JSON_STR)
		return strcmp(json_str(a), json_str(b));
	else if (k == JSON_NUM)
		return (x > y) - (x < y);
	else if (k == JSON_BOOL && !order)
		return json_is_true(a) != json_is_true(b);
	else
		fail(s, "error calling %s: invalid type for comparison: %s", tpl_fns[fn].name,
		     go_type(a));
	return 0;
}

/* index of a by the keys and positions k[0..n): a missing key gives NULL,
 * a position in a string its byte. */
static const struct json *index_of(struct tpl_st *s, const struct json *a,
				   const struct json **k, int n)
{
	for (int i = 0; i < n && !s->failed; i++) {
		enum json_kind t = json_kind(a), tk = json_kind(k[i]);
		double at = json_num(k[i]);
		double len = t == JSON_STR ? (double)strlen(json_str(a)) : json_arr_len(a);

		if (t == JSON_OBJ && tk == JSON_STR)
			a = json_get(a, json_str(k[i]));
		else if (t == JSON_OBJ)
			fail(s, "error calling index: value has type %s; should be string",
			     go_type(k[i]));
		else if (t <= JSON_NULL)
			fail(s, "error calling index: index of untyped nil");
		else if ((t == JSON_ARR || t == JSON_STR) && tk != JSON_NUM)
			fail(s, "error calling index: cannot index slice/array with type %s",
			     go_type(k[i]));
		else if ((t == JSON_ARR || t == JSON_STR) && (at < 0 || at >= len))
			fail(s, "error calling index: index out of range: %.0f", at);
		else if (t == JSON_ARR)
			a = json_arr_at(a, (int)at);
		else if (t == JSON_STR)
			a = mk_num(s, (unsigned char)json_str(a)[(size_t)at]);
		else
			fail(s, "error calling index: can't index item of type %s", go_type(a));
	}
	return a;
}

/* The string argument a of function fn, or an error. */
static const char *str_arg(struct tpl_st *s, int fn, const struct json *a)
{
	if (!json_str(a))
		fail(s, "error calling %s: wrong type for value; expected string; got %s",
		     tpl_fns[fn].name, go_type(a));
	return json_str(a);
}

/* The count argument a of function fn (0 to WIDTH_MAX), or an error. */
static bool count_arg(struct tpl_st *s, int fn, const struct json *a, int *v)
{
	double x = json_num(a);

	if (json_kind(a) != JSON_NUM || !(x >= 0 && x <= WIDTH_MAX && x == (int)x))
		fail(s, "error calling %s: wrong type for value; expected a count; got %s",
		     tpl_fns[fn].name, json_kind(a) == JSON_NUM ? "a number out of range" : go_type(a));
	*v = s->failed ? 0 : (int)x;
	return !s->failed;
}

/* strings.Split: str cut at each sep, or into characters when sep is "". */
static const struct json *split(struct tpl_st *s, const char *str, const char *sep)
{
	struct json *a = json_new_arr(), *v = json_add_arr(a, NULL);
	size_t n = strlen(sep);

	for (const char *e; n || *str; str = e + n) {
		autofree char *part = NULL;

		e = n ? strstr(str, sep) : str + 1;
		while (!n && (*e & 0xc0) == 0x80)
			e++;
		if (!e) {
			json_add_str(v, NULL, str);
			break;
		}
		part = xstrndup(str, (size_t)(e - str));
		json_add_str(v, NULL, part);
	}
	return keep(s, a);
}

/* strings.ToLower, ToUpper (ASCII) and Title: each in place. */
static void recase(char *p, int fn)
{
	for (bool word = false; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (fn == F_LOWER)
			*p = (char)tolower(c);
		else if (fn == F_UPPER || !word)
			*p = (char)toupper(c);
		word = isalnum(c) || c == '_' || c >= 0x80;
	}
}

/* Function fn on its arguments a[0..n). */
static const struct json *call(struct tpl_st *s, bool run, int fn, const struct json **a, int n)
{
	autofree char *buf = NULL;
	size_t len = 0;
	int c = 0, w;
	FILE *m;

	if (n < tpl_fns[fn].min || (tpl_fns[fn].max >= 0 && n > tpl_fns[fn].max)) {
		fail(s, "wrong number of args for %s: want %s%d got %d", tpl_fns[fn].name,
		     tpl_fns[fn].max < 0 ? "at least " : "", tpl_fns[fn].min, n);
		return NULL;
	}
	if (!run)
		return NULL;
	switch (fn) {
	case F_AND:
	case F_OR:
		for (c = 0; c < n - 1 && truth(a[c]) == (fn == F_AND); c++)
			;
		return a[c];
	case F_NOT:
		return mk_bool(s, !truth(a[0]));
	case F_EQ:
		for (c = 1; c < n && compare(s, fn, a[0], a[c]); c++)
			;
		return mk_bool(s, c < n);
	case F_INDEX:
		return index_of(s, a[0], a + 1, n - 1);
	case F_LEN:
		if (json_kind(a[0]) == JSON_STR)
			return mk_num(s, (long long)strlen(json_str(a[0])));
		if (json_kind(a[0]) < JSON_ARR) {
			fail(s, "error calling len: len of type %s", go_type(a[0]));
			return NULL;
		}
		free(members(a[0], &len));
		return mk_num(s, (long long)len);
	case F_JSON:
		buf = json_print(a[0], false);
		return mk_str(s, buf);
	case F_SPLIT:
		if (!str_arg(s, fn, a[0]) || !str_arg(s, fn, a[1]))
			return NULL;
		return split(s, json_str(a[0]), json_str(a[1]));
	case F_LOWER:
	case F_UPPER:
	case F_TITLE:
		if (!str_arg(s, fn, a[0]))
			return NULL;
		buf = xstrdup(json_str(a[0]));
		recase(buf, fn);
		return mk_str(s, buf);
	default:
		break;
	}
	if (fn >= F_NE && fn <= F_GE) {
		c = compare(s, fn, a[0], a[1]);
		return mk_bool(s, fn == F_NE ? c != 0 : fn == F_LT ? c < 0 : fn == F_LE ? c <= 0 :
				  fn == F_GT ? c > 0 : c >= 0);
	}
	m = mem_open(s, &buf, &len);
	if (!m)
		return NULL;
	if (fn == F_JOIN && json_kind(a[0]) != JSON_ARR) {
		fail(s, "error calling join: wrong type for value; expected []string; got %s",
		     go_type(a[0]));
	} else if (fn == F_JOIN && str_arg(s, fn, a[1])) {
		for (const struct json *e = json_first(a[0]); e; e = json_next(e), c++) {
			fputs(c ? json_str(a[1]) : "", m);
			go_print(e, m);
		}
	} else if (fn == F_PRINTF && str_arg(s, fn, a[0])) {
		go_printf(s, json_str(a[0]), a + 1, n - 1, m);
	} else if (fn == F_PAD && str_arg(s, fn, a[0]) && count_arg(s, fn, a[1], &c) &&
		   count_arg(s, fn, a[2], &w)) {
		/* Docker's pad: spaces before and after, none around "" */
		fprintf(m, "%*s%s%*s", *json_str(a[0]) ? c : 0, "", json_str(a[0]),
			*json_str(a[0]) ? w : 0, "");
	} else if (fn == F_TRUNCATE && str_arg(s, fn, a[0]) && count_arg(s, fn, a[1], &c)) {
		fprintf(m, "%.*s", c, json_str(a[0]));	/* bytes, as Docker cuts */
	} else if (fn == F_PRINT || fn == F_PRINTLN) {
		go_sprint(a, n, fn == F_PRINTLN, m);
	}
	fclose(m);
	return s->failed ? NULL : mk_str(s, buf);
}

/* ---- reading ---- */

static bool is_sp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void skip_sp(struct tpl_st *s)
{
	while (is_sp(*s->p))
		s->p++;
}

static size_t ident_len(const char *p)
{
	size_t n = 0;

	while (isalnum((unsigned char)p[n]) || p[n] == '_')
		n++;
	return n;
}

static bool ident_start(char c)
{
	return isalpha((unsigned char)c) || c == '_';
}

/* Whether the action ends here: "}}", or " -}}" which trims what follows. */
static bool at_close(const struct tpl_st *s)
{
	return !strncmp(s->p, "}}", 2) ||
	       (!strncmp(s->p, "-}}", 3) && s->p > s->src && is_sp(s->p[-1]));
}

/* Read the end of the action. */
static void close_action(struct tpl_st *s)
{
	skip_sp(s);
	if (at_close(s)) {
		s->trim = *s->p == '-';
		s->p += s->trim ? 3 : 2;
	} else if (!*s->p) {
		fail(s, "unclosed action");
	} else {
		fail(s, "unexpected \"%c\" in action", *s->p);
	}
}

/* Read word w (a keyword or a function's name) if it is next. */
static bool word(struct tpl_st *s, const char *w)
{
	size_t n = strlen(w);

	if (strncmp(s->p, w, n) || ident_len(s->p) != n)
		return false;
	s->p += n;
	return true;
}

static int fn_find(struct tpl_st *s)
{
	for (int f = 0; f < F_N; f++)
		if (word(s, tpl_fns[f].name))
			return f;
	return -1;
}

static struct tpl_var *var_find(struct tpl_st *s, const char *name, size_t len)
{
	for (int i = s->nvar - 1; i >= 0; i--)
		if (s->var[i].len == len && !memcmp(s->var[i].name, name, len))
			return &s->var[i];
	fail(s, "undefined variable \"%.*s\"", (int)(len < 40 ? len : 40), name);
	return NULL;
}

/* .A.B after a value: members of objects. Docker runs --format on Go
 * structs (inspect falls back to a map with missingkey=error), so a field
 * that is not there, or one of nil, is an error, not "<no value>". */
static const struct json *fields(struct tpl_st *s, bool run, const struct json *v)
{
	while (s->p[0] == '.' && ident_start(s->p[1])) {
		size_t n = ident_len(s->p + 1);
		int w = (int)(n < 40 ? n : 40);

		if (run && json_kind(v) <= JSON_NULL)
			fail(s, "nil pointer evaluating field %.*s", w, s->p + 1);
		else if (run && json_kind(v) != JSON_OBJ)
			fail(s, "can't evaluate field %.*s in type %s", w, s->p + 1, go_type(v));
		if (run && !s->failed) {
			autofree char *k = xstrndup(s->p + 1, n);

			v = json_get(v, k);
			if (!v)
				fail(s, "can't evaluate field %.*s", w, s->p + 1);
		}
		s->p += n + 1;
	}
	return v;
}

/* A quoted string, "with \"escapes\"" or `raw`; its value when run. */
static const struct json *string(struct tpl_st *s, bool run)
{
	static const char from[] = "\\\"ntr", to[] = "\\\"\n\t\r";
	const char q = *s->p++, *e = s->p;
	const struct json *r = NULL;
	char *v, *d;

	for (; *e && *e != q && (q == '`' || *e != '\n'); e++)
		if (*e == '\\' && q == '"' && e[1])
			e++;
	if (*e != q) {
		fail(s, "unterminated quoted string");
		return NULL;
	}
	v = d = xstrndup(s->p, (size_t)(e - s->p));
	for (const char *c = v; *c && !s->failed; c++) {
		const char *x = c[1] ? strchr(from, c[1]) : NULL;

		if (*c != '\\' || q == '`')
			*d++ = *c;
		else if (x)
			*d++ = to[x - from], c++;
		else
			fail(s, "unknown escape in quoted string (use \\\\ \\\" \\n \\t \\r)");
	}
	*d = '\0';
	s->p = e + 1;
	if (run && !s->failed)
		r = mk_str(s, v);
	free(v);
	return r;
}

/* A number, as Go reads one (decimal, 0x hex, with a fraction or an
 * exponent); its value when run. */
static const struct json *number(struct tpl_st *s, bool run)
{
	char *e, lit[40];
	double v;

	errno = 0;
	v = strtod(s->p, &e);
	if (errno || ident_len(e) || *e == '.') {
		fail(s, "bad number syntax");
		return NULL;
	}
	s->p = e;
	if (!run)
		return NULL;
	snprintf(lit, sizeof(lit), "[%.17g]", v);
	return keep(s, json_parse(lit, strlen(lit)));
}

/* One argument: ., .A.B, $, $x.A, (pipeline).A, a literal (string, number,
 * true, false, nil), or a function called without arguments. */
static const struct json *operand(struct tpl_st *s, bool run, const struct json *dot)
{
	const char *p = s->p;
	const struct json *v = NULL;
	struct tpl_var *x;
	int f;

	if (*p == '.' && !ident_start(p[1])) {
		s->p++;
		return dot;
	} else if (*p == '.') {
		v = dot;
	} else if (*p == '$') {
		s->p += 1 + ident_len(p + 1);
		x = var_find(s, p, (size_t)(s->p - p));
		v = x ? x->v : NULL;
	} else if (*p == '(') {
		if (++s->depth > DEPTH_MAX)
			fail(s, "parentheses nested too deep");
		s->p++;
		v = s->failed ? NULL : pipeline(s, run, dot);
		s->depth--;
		skip_sp(s);
		if (*s->p == ')')
			s->p++;
		else
			fail(s, "unclosed left paren");
	} else if (*p == '"' || *p == '`') {
		return string(s, run);
	} else if (isdigit((unsigned char)*p) || ((*p == '-' || *p == '+') && isdigit((unsigned char)p[1]))) {
		return number(s, run);
	} else if (word(s, "true") || word(s, "false")) {
		return run ? mk_bool(s, *p == 't') : NULL;
	} else if (word(s, "nil")) {
		return run ? mk_str(s, NULL) : NULL;
	} else if ((f = fn_find(s)) >= 0) {
		return call(s, run, f, NULL, 0);
	} else if (ident_start(*p)) {
		fail(s, "function \"%.*s\" not defined", (int)ident_len(p) < 40 ? (int)ident_len(p) : 40, p);
	} else {
		fail(s, *p ? "unexpected \"%c\" in operand" : "unclosed action", *p);
	}
	return s->failed ? NULL : fields(s, run, v);
}

static bool command_end(const struct tpl_st *s)
{
	return !*s->p || *s->p == '|' || *s->p == ')' || at_close(s);
}

/* One command of a pipeline: a function and its arguments, or a single
 * operand. A command after '|' gets the value before it (prev) as its
 * last argument. */
static const struct json *command(struct tpl_st *s, bool run, const struct json *dot,
				  const struct json *prev, bool piped)
{
	const struct json *a[ARG_MAX];
	int n = 0, f;

	skip_sp(s);
	f = fn_find(s);
	if (f < 0) {
		if (command_end(s) || (!strncmp(s->p, "nil", 3) && ident_len(s->p) == 3)) {
			fail(s, *s->p == 'n' ? "nil is not a command" : "missing value for command");
			return NULL;
		}
		a[0] = operand(s, run, dot);
		if (!s->failed && !command_end(s) && !is_sp(*s->p))
			fail(s, "unexpected \"%c\" in operand", *s->p);
		skip_sp(s);
		if (!command_end(s) || piped)
			fail(s, "can't give argument to non-function");
		return a[0];
	}
	for (skip_sp(s); !command_end(s) && !s->failed; skip_sp(s)) {
		if (n == ARG_MAX - 1) {
			fail(s, "too many arguments");
			return NULL;
		}
		a[n++] = operand(s, run, dot);
		if (!s->failed && !command_end(s) && !is_sp(*s->p))
			fail(s, "unexpected \"%c\" in operand", *s->p);
	}
	if (piped)
		a[n++] = prev;
	return s->failed ? NULL : call(s, run, f, a, n);
}

/* Commands joined by '|', up to the action's end or ')'. */
static const struct json *pipeline(struct tpl_st *s, bool run, const struct json *dot)
{
	const struct json *v = command(s, run, dot, NULL, false);

	for (skip_sp(s); *s->p == '|' && !s->failed; skip_sp(s)) {
		s->p++;
		v = command(s, run, dot, v, true);
	}
	return v;
}

/* Read "$x :=", "$x =" or (max 2) "$k, $v :=" if the action starts so. */
static void decl_read(struct tpl_st *s, int max, struct decl *d)
{
	const char *p = s->p;

	d->n = 0;
	while (*p == '$' && d->n < max) {
		d->name[d->n] = p++;
		p += ident_len(p);
		d->len[d->n] = (size_t)(p - d->name[d->n]);
		d->n++;
		while (is_sp(*p))
			p++;
		d->assign = *p == '=';
		if (d->assign || (p[0] == ':' && p[1] == '=')) {
			s->p = p + 2 - d->assign;
			return;
		}
		if (*p != ',')
			break;
		for (p++; is_sp(*p); p++)
			;
	}
	d->n = 0;
}

/* Give the variables of d their slots (new ones, or those assigned to). */
static void decl_bind(struct tpl_st *s, const struct decl *d, int slot[2])
{
	for (int i = 0; i < d->n; i++) {
		struct tpl_var *x = d->assign ? var_find(s, d->name[i], d->len[i]) : NULL;

		if (!d->assign && s->nvar == VAR_MAX)
			fail(s, "too many variables");
		if (s->failed)
			return;
		if (!x) {
			x = &s->var[s->nvar++];
			x->name = d->name[i];
			x->len = d->len[i];
			x->v = NULL;
		}
		slot[i] = (int)(x - s->var);
	}
}

/* ---- running ---- */

/* {{if}} and {{with}} (which sets dot), their {{else}}, {{else if}} and
 * {{else with}}, up to {{end}}; at is where the structure starts. */
static void ctl_if(struct tpl_st *s, bool run, const struct json *dot, bool with, const char *at)
{
	int nvar = s->nvar, slot[2];
	bool done = !run, yes;
	enum stop st;
	struct decl d;

	for (;;) {
		const struct json *v;

		skip_sp(s);
		decl_read(s, 1, &d);
		v = pipeline(s, !done, dot);
		decl_bind(s, &d, slot);
		if (d.n && !s->failed)
			s->var[slot[0]].v = v;
		close_action(s);
		yes = !done && truth(v);
		st = s->failed ? STOP_EOF : list(s, yes, with ? v : dot);
		done |= yes;
		if (st != STOP_ELSE)
			break;
		skip_sp(s);
		with = word(s, "with");
		if (!with && !word(s, "if")) {
			close_action(s);
			st = s->failed ? STOP_EOF : list(s, !done, dot);
			break;
		}
	}
	if (st != STOP_END) {
		s->p = at;
		fail(s, st == STOP_ELSE ? "{{else}} after the last {{else}}" :
					  "missing {{end}} for this structure");
	}
	s->nvar = nvar;
}

/* {{range [$k, $v :=] pipeline}}, over an array's elements or an object's
 * values in the order of its keys, each run with dot rebound; its {{else}}
 * runs when there is none. */
static void ctl_range(struct tpl_st *s, bool run, const struct json *dot, const char *at)
{
	int nvar = s->nvar, inner, slot[2];
	struct json **m = NULL;
	size_t n = 0;
	const struct json *v;
	const char *body;
	enum stop st = STOP_EOF;
	struct decl d;
	bool trim;

	skip_sp(s);
	decl_read(s, 2, &d);
	v = pipeline(s, run, dot);
	decl_bind(s, &d, slot);
	close_action(s);
	inner = s->nvar;
	body = s->p;
	trim = s->trim;
	if (run && json_kind(v) >= JSON_BOOL && json_kind(v) <= JSON_STR)
		fail(s, "range can't iterate over %s", json_str(v) ? json_str(v) :
			json_is_true(v) ? "true" : json_kind(v) == JSON_BOOL ? "false" : "a number");
	if (run && json_kind(v) >= JSON_ARR && !s->failed)
		m = members(v, &n);
	for (size_t i = 0; i < n; i++) {
		s->p = body;
		s->trim = trim;
		s->nvar = inner;
		if (d.n == 2)
			s->var[slot[0]].v = json_is_arr(v) ? mk_num(s, (long long)i) :
					     mk_str(s, json_key(m[i]));
		if (d.n)
			s->var[slot[d.n - 1]].v = m[i];
		st = list(s, true, m[i]);
		if (s->failed || (st != STOP_END && st != STOP_ELSE))
			break;
	}
	free(m);
	if (!n && !s->failed)
		st = list(s, false, dot);
	if (st == STOP_ELSE) {
		close_action(s);
		st = s->failed ? STOP_EOF : list(s, run && !n, dot);
	}
	if (st != STOP_END) {
		s->p = at;
		fail(s, st == STOP_ELSE ? "{{else}} after the last {{else}}" :
					  "missing {{end}} for this structure");
	}
	s->nvar = nvar;
}

/* One action, after its "{{"; what it was when it ends a list. */
static enum stop action(struct tpl_st *s, bool run, const struct json *dot)
{
	const char *at = s->p;
	int slot[2];
	struct decl d;

	if (++s->steps > STEPS_MAX)
		fail(s, "the template runs too long");
	if (!strncmp(s->p, "/*", 2)) {
		const char *e = strstr(s->p + 2, "*/");

		s->p = e ? e + 2 : s->p;
		if (!e)
			fail(s, "unclosed comment");
		else if (strncmp(s->p, "}}", 2) && strncmp(s->p, " -}}", 4))
			fail(s, "comment ends before closing delimiter");
		close_action(s);
		return STOP_NONE;
	}
	skip_sp(s);
	if (word(s, "end")) {
		close_action(s);
		return STOP_END;
	}
	if (word(s, "else"))
		return STOP_ELSE;
	if (word(s, "if") || word(s, "with")) {
		ctl_if(s, run, dot, at[strspn(at, " \t\r\n")] == 'w', at);
	} else if (word(s, "range")) {
		ctl_range(s, run, dot, at);
	} else if (word(s, "define") || word(s, "template") || word(s, "block") ||
		   word(s, "break") || word(s, "continue")) {
		s->p = at;
		fail(s, "this action is not supported (use if, with, range, end and functions)");
	} else {
		const struct json *v;

		decl_read(s, 1, &d);
		v = pipeline(s, run, dot);
		decl_bind(s, &d, slot);
		if (d.n && !s->failed)
			s->var[slot[0]].v = v;
		else if (run && !s->failed && v)
			go_print(v, s->out);
		else if (run && !s->failed)
			fputs("<no value>", s->out);
		close_action(s);
	}
	return STOP_NONE;
}

/* Text and actions up to {{end}}, {{else}} or the template's end; what
 * stopped it. With run false the text is only read. */
static enum stop list(struct tpl_st *s, bool run, const struct json *dot)
{
	enum stop st = STOP_NONE;

	if (++s->depth > DEPTH_MAX)
		fail(s, "structures nested too deep");
	while (st == STOP_NONE && !s->failed) {
		const char *t = s->p, *open = strstr(t, "{{"), *e = open ? open : t + strlen(t);
		bool ltrim = open && open[2] == '-' && is_sp(open[3]);

		while (s->trim && t < e && is_sp(*t))
			t++;
		while (ltrim && e > t && is_sp(e[-1]))
			e--;
		if (run)
			fwrite(t, 1, (size_t)(e - t), s->out);
		s->trim = false;
		if (!open) {
			s->p += strlen(s->p);
			st = STOP_EOF;
		} else {
			s->p = open + (ltrim ? 4 : 2);
			st = action(s, run, dot);
		}
	}
	s->depth--;
	return s->failed ? STOP_EOF : st;
}

int tpl_run(const char *f, const struct json *obj, FILE *out)
{
	struct tpl_st s = { .src = f, .p = f, .out = out, .nvar = 1 };
	enum stop st;

	s.var[0] = (struct tpl_var){ "$", 1, obj };
	st = list(&s, out != NULL, obj);
	if (st == STOP_END || st == STOP_ELSE)
		fail(&s, "unexpected {{%s}}", st == STOP_END ? "end" : "else");
	for (size_t i = 0; i < s.ntmp; i++)
		json_free(s.tmp[i]);
	free(s.tmp);
	return s.failed ? -EINVAL : 0;
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

/* ---- listings ---- */

int tpl_list_row(struct tpl_list *l, const struct json *row)
{
	if (tpl_run(l->t.text, row, l->out) < 0)
		return -err_errno();
	fputc('\n', l->out);
	return 0;
}

int tpl_list_begin(struct tpl_list *l, const char *format, const char *deflt,
		   const struct json *header, FILE *dst)
{
	memset(l, 0, sizeof(*l));
	l->dst = l->out = dst;
	if (tpl_parse(format, deflt, &l->t) < 0)
		return -err_errno();
	if (!l->t.table)
		return 0;
	l->out = open_memstream(&l->buf, &l->len);
	if (!l->out) {
		tpl_free(&l->t);
		return err_set(errno, "open a memory stream");
	}
	return tpl_list_row(l, header);
}

int tpl_list_end(struct tpl_list *l)
{
	int r = 0;

	if (l->t.table && l->out) {
		if (fclose(l->out) != 0)
			r = err_set(errno, "write the table");
		else
			tpl_table_print(l->buf, l->len, l->dst);
	}
	free(l->buf);
	tpl_free(&l->t);
	memset(l, 0, sizeof(*l));
	return r;
}
