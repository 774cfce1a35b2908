// SPDX-License-Identifier: Apache-2.0
/* json.c - the cJSON wrapper: struct json is a cJSON node under another name.
 * Parsing, lookups, building, and printing (compact, or Docker's indent). */
#include <errno.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "core/util/err.h"
#include "core/util/json.h"
#include "core/util/str.h"
#include "core/util/xalloc.h"

#define CJ(j) ((cJSON *)(j))
#define JS(c) ((struct json *)(c))

/* cJSON allocates through xmalloc, so building or printing cannot fail
 * half-way: out of memory exits like every other allocation in dory. */
static void json_init(void)
{
	static bool done;
	cJSON_Hooks hooks = { .malloc_fn = xmalloc, .free_fn = free };

	if (!done)
		cJSON_InitHooks(&hooks);
	done = true;
}

static bool json_is_space(char c)
{
	/* RFC 8259, 2: the four insignificant whitespace characters */
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

struct json *json_parse(const char *s, size_t n)
{
	const char *end = NULL;
	cJSON *root;

	json_init();
	if (!s || !n) {
		err_setx(EBADMSG, "invalid JSON: empty document");
		return NULL;
	}
	/* With a length cJSON never reads past s + n, so s needs no NUL. It
	 * stops after one value; anything but whitespace after it is an error. */
	root = cJSON_ParseWithLengthOpts(s, n, &end, false);
	if (!root) {
		err_setx(EBADMSG, "invalid JSON near offset %zu", end ? (size_t)(end - s) : 0);
		return NULL;
	}
	while (end < s + n && json_is_space(*end))
		end++;
	if (end < s + n) {
		err_setx(EBADMSG, "invalid JSON near offset %zu: data after the document",
			 (size_t)(end - s));
		cJSON_Delete(root);
		return NULL;
	}
	return JS(root);
}

void json_free(struct json *root)
{
	cJSON_Delete(CJ(root));
}

/* ---- reading ---- */

struct json *json_get(const struct json *obj, const char *key)
{
	if (!cJSON_IsObject(CJ(obj)) || !key)
		return NULL;
	return JS(cJSON_GetObjectItemCaseSensitive(CJ(obj), key));
}

const char *json_str(const struct json *j)
{
	return cJSON_IsString(CJ(j)) ? CJ(j)->valuestring : NULL;
}

const char *json_get_str(const struct json *obj, const char *key)
{
	return json_str(json_get(obj, key));
}

bool json_get_i64(const struct json *obj, const char *key, long long *out)
{
	/* cJSON keeps numbers as doubles, exact for integers up to 2^53: layer
	 * sizes fit; anything larger or with a fraction is refused. */
	const double max = 9007199254740992.0;
	cJSON *c = CJ(json_get(obj, key));
	double d;

	if (!cJSON_IsNumber(c))
		return false;
	d = c->valuedouble;
	if (!(d >= -max && d <= max) || d != (double)(long long)d)
		return false;
	*out = (long long)d;
	return true;
}

bool json_is_true(const struct json *j)
{
	return cJSON_IsTrue(CJ(j));
}

bool json_is_obj(const struct json *j)
{
	return cJSON_IsObject(CJ(j));
}

bool json_is_arr(const struct json *j)
{
	return cJSON_IsArray(CJ(j));
}

enum json_kind json_kind(const struct json *j)
{
	const cJSON *c = CJ(j);

	if (!c)
		return JSON_NONE;
	if (cJSON_IsBool(c))
		return JSON_BOOL;
	if (cJSON_IsNumber(c))
		return JSON_NUM;
	if (cJSON_IsString(c))
		return JSON_STR;
	if (cJSON_IsArray(c))
		return JSON_ARR;
	return cJSON_IsObject(c) ? JSON_OBJ : JSON_NULL;
}

double json_num(const struct json *j)
{
	return cJSON_IsNumber(CJ(j)) ? CJ(j)->valuedouble : 0;
}

int json_arr_len(const struct json *arr)
{
	return cJSON_IsArray(CJ(arr)) ? cJSON_GetArraySize(CJ(arr)) : 0;
}

struct json *json_arr_at(const struct json *arr, int i)
{
	if (!cJSON_IsArray(CJ(arr)) || i < 0)
		return NULL;
	return JS(cJSON_GetArrayItem(CJ(arr), i));
}

struct json *json_first(const struct json *obj_or_arr)
{
	if (!cJSON_IsObject(CJ(obj_or_arr)) && !cJSON_IsArray(CJ(obj_or_arr)))
		return NULL;
	return JS(CJ(obj_or_arr)->child);
}

struct json *json_next(const struct json *member)
{
	return member ? JS(CJ(member)->next) : NULL;
}

const char *json_key(const struct json *member)
{
	return member ? CJ(member)->string : NULL;
}

/* ---- building ---- */

struct json *json_new_obj(void)
{
	json_init();
	return JS(cJSON_CreateObject());
}

struct json *json_new_pairs(const char *const (*kv)[2], size_t n)
{
	struct json *o = json_new_obj();

	for (size_t i = 0; i < n; i++)
		json_add_str(o, kv[i][0], kv[i][1]);
	return o;
}

struct json *json_new_arr(void)
{
	json_init();
	return JS(cJSON_CreateArray());
}

/* Attach item to obj under key, or append it when key is NULL and obj an
 * array. An existing key is replaced in place: a document never holds a
 * key twice, and the members keep their order. Returns item, or NULL
 * (item freed) when obj cannot take it. */
static cJSON *json_put(struct json *obj, const char *key, cJSON *item)
{
	cJSON *o = CJ(obj);

	if (!item)
		return NULL;
	if (!key && cJSON_IsArray(o)) {
		cJSON_AddItemToArray(o, item);
		return item;
	}
	if (key && cJSON_IsObject(o)) {
		if (cJSON_GetObjectItemCaseSensitive(o, key))
			cJSON_ReplaceItemInObjectCaseSensitive(o, key, item);
		else
			cJSON_AddItemToObject(o, key, item);
		return item;
	}
	cJSON_Delete(item);
	return NULL;
}

struct json *json_add_obj(struct json *obj, const char *key)
{
	return JS(json_put(obj, key, cJSON_CreateObject()));
}

struct json *json_add_arr(struct json *obj, const char *key)
{
	return JS(json_put(obj, key, cJSON_CreateArray()));
}

void json_add_str(struct json *obj, const char *key, const char *v)
{
	json_put(obj, key, v ? cJSON_CreateString(v) : cJSON_CreateNull());
}

void json_add_i64(struct json *obj, const char *key, long long v)
{
	json_put(obj, key, cJSON_CreateNumber((double)v));
}

void json_add_bool(struct json *obj, const char *key, bool v)
{
	json_put(obj, key, cJSON_CreateBool(v));
}

void json_add_null(struct json *obj, const char *key)
{
	json_put(obj, key, cJSON_CreateNull());
}

void json_add_copy(struct json *obj, const char *key, const struct json *v)
{
	json_put(obj, key, v ? cJSON_Duplicate(CJ(v), true) : cJSON_CreateNull());
}

void json_del(struct json *obj, const char *key)
{
	if (cJSON_IsObject(CJ(obj)) && key)
		cJSON_DeleteItemFromObjectCaseSensitive(CJ(obj), key);
}

/* ---- printing ---- */

/* A growing output buffer for the indented printer. */
struct jbuf {
	char *p;
	size_t n, cap;
};

static void jb_put(struct jbuf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void jb_puts(struct jbuf *b, const char *s)
{
	jb_put(b, s, strlen(s));
}

static const char *jb_escape(unsigned char c)
{
	switch (c) {
	case '"': return "\\\"";
	case '\\': return "\\\\";
	case '\b': return "\\b";
	case '\f': return "\\f";
	case '\n': return "\\n";
	case '\r': return "\\r";
	case '\t': return "\\t";
	default: return NULL;
	}
}

/* A quoted string, escaped as cJSON does it (RFC 8259, 7): the short
 * escapes, \u00XX for other control characters, UTF-8 as it is. */
static void jb_string(struct jbuf *b, const char *s)
{
	char u[8];

	jb_put(b, "\"", 1);
	while (*s) {
		size_t plain = 0;
		unsigned char c;

		while (s[plain] && (unsigned char)s[plain] >= 0x20 && s[plain] != '"' &&
		       s[plain] != '\\')
			plain++;
		jb_put(b, s, plain);
		s += plain;
		c = (unsigned char)*s;
		if (!c)
			break;
		if (jb_escape(c)) {
			jb_put(b, jb_escape(c), 2);
		} else {
			snprintf(u, sizeof(u), "\\u%04x", c);
			jb_put(b, u, 6);
		}
		s++;
	}
	jb_put(b, "\"", 1);
}

static void jb_indent(struct jbuf *b, int depth)
{
	jb_put(b, "\n", 1);
	for (int i = 0; i < depth; i++)
		jb_put(b, "    ", 4);
}

/* The layout of Go's json.MarshalIndent(v, "", "    "), which `docker
 * inspect` prints: one member per line, "key": value, empty {} and []. */
static void jb_value(struct jbuf *b, const cJSON *c, int depth)
{
	bool obj = cJSON_IsObject(c);
	char *s;

	if (obj || cJSON_IsArray(c)) {
		if (!c->child) {
			jb_puts(b, obj ? "{}" : "[]");
			return;
		}
		jb_put(b, obj ? "{" : "[", 1);
		for (const cJSON *m = c->child; m; m = m->next) {
			jb_indent(b, depth + 1);
			if (obj) {
				jb_string(b, m->string ? m->string : "");
				jb_put(b, ": ", 2);
			}
			jb_value(b, m, depth + 1);
			if (m->next)
				jb_put(b, ",", 1);
		}
		jb_indent(b, depth);
		jb_put(b, obj ? "}" : "]", 1);
	} else if (cJSON_IsString(c)) {
		jb_string(b, c->valuestring ? c->valuestring : "");
	} else {
		/* numbers, booleans, null: one short cJSON call keeps the number
		 * format identical to the compact output */
		s = cJSON_PrintUnformatted(c);
		jb_puts(b, s ? s : "null");
		free(s);
	}
}

char *json_print(const struct json *j, bool pretty)
{
	struct jbuf b = { 0 };
	char *s;

	json_init();
	if (!j)
		return xstrdup("null");
	if (!pretty) {
		s = cJSON_PrintUnformatted(CJ(j));
		return s ? s : xstrdup("null");
	}
	jb_value(&b, CJ(j), 0);
	return b.p;
}

/* "K=V" entries by K: '=' ends the key. */
static int json_kv_cmp(const void *a, const void *b)
{
	const unsigned char *x = *(unsigned char *const *)a, *y = *(unsigned char *const *)b;

	for (; *x && *x != '=' && *x == *y; x++, y++)
		;
	return (*x == '=' ? 0 : *x) - (*y == '=' ? 0 : *y);
}

void json_add_kv(struct json *obj, const char *key, const struct strv *kv)
{
	struct json *m = json_add_obj(obj, key);
	char **v;

	if (!kv->n)
		return;
	v = xmalloc(kv->n * sizeof(*v));
	memcpy(v, kv->v, kv->n * sizeof(*v));
	qsort(v, kv->n, sizeof(*v), json_kv_cmp);
	for (size_t i = 0; i < kv->n; i++) {
		const char *eq = strchr(v[i], '=');
		char *k = xstrndup(v[i], eq ? (size_t)(eq - v[i]) : strlen(v[i]));

		json_add_str(m, k, eq ? eq + 1 : "");
		free(k);
	}
	free(v);
}

void json_get_kv(const struct json *obj, const char *key, struct strv *kv)
{
	for (struct json *m = json_first(json_get(obj, key)); m; m = json_next(m))
		if (json_str(m))
			strv_push_take(kv, xasprintf("%s=%s", json_key(m), json_str(m)));
}
