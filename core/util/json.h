// SPDX-License-Identifier: Apache-2.0
/* json.h - the only door to cJSON: parse, read, build and print JSON
 * documents (manifests, image configs, records, Docker's config.json). */
#ifndef DORY_JSON_H
#define DORY_JSON_H

#include <stdbool.h>
#include <stddef.h>

struct json;			/* a node; the root owns its whole tree */

/* Parse n bytes; NULL and a recorded error ("invalid JSON at offset N"). */
struct json *json_parse(const char *s, size_t n);
void json_free(struct json *root);	/* NULL is fine */

/* Reading. A missing key or a wrong type gives NULL / the default. */
struct json *json_get(const struct json *obj, const char *key);
const char *json_str(const struct json *j);		/* NULL unless string */
const char *json_get_str(const struct json *obj, const char *key);
bool json_get_i64(const struct json *obj, const char *key, long long *out);
bool json_is_true(const struct json *j);
bool json_is_obj(const struct json *j);
bool json_is_arr(const struct json *j);
/* What a node holds; JSON_NONE for NULL (a missing member). */
enum json_kind { JSON_NONE, JSON_NULL, JSON_BOOL, JSON_NUM, JSON_STR, JSON_ARR, JSON_OBJ };
enum json_kind json_kind(const struct json *j);
double json_num(const struct json *j);			/* 0 unless number */
int json_arr_len(const struct json *arr);		/* 0 unless array */
struct json *json_arr_at(const struct json *arr, int i);
/* Iterate an object's members: for (m = json_first(o); m; m = json_next(m)) */
struct json *json_first(const struct json *obj_or_arr);
struct json *json_next(const struct json *member);
const char *json_key(const struct json *member);

/* Building. New nodes are owned by the parent they are added to. */
struct json *json_new_obj(void);
struct json *json_new_arr(void);
/* An object of n string members, {key, value} each: a table's header. */
struct json *json_new_pairs(const char *const (*kv)[2], size_t n);
struct json *json_add_obj(struct json *obj, const char *key);	/* key NULL: append to array */
struct json *json_add_arr(struct json *obj, const char *key);
void json_add_str(struct json *obj, const char *key, const char *v);
void json_add_i64(struct json *obj, const char *key, long long v);
void json_add_bool(struct json *obj, const char *key, bool v);
void json_add_null(struct json *obj, const char *key);
struct strv;
/* "K=V" entries (K alone: value "") as an object under key, its keys
 * sorted as Go prints a map. */
void json_add_kv(struct json *obj, const char *key, const struct strv *kv);
/* The string members of obj's object key, appended to kv as "K=V". */
void json_get_kv(const struct json *obj, const char *key, struct strv *kv);
/* Add a deep copy of v under key (or append when obj is an array). */
void json_add_copy(struct json *obj, const char *key, const struct json *v);
void json_del(struct json *obj, const char *key);

/* Print; allocated string. pretty: Docker-style indent of 4 spaces for
 * inspect, else compact (records and digested documents). */
char *json_print(const struct json *j, bool pretty);

#endif
