// SPDX-License-Identifier: Apache-2.0
#include <errno.h>

#include "core/util/err.h"
#include "core/util/json.h"
#include "core/util/xalloc.h"
#include "tap.h"

static struct json *parse(const char *s)
{
	return json_parse(s, strlen(s));
}

/* Parse s, print it compact, compare with want (NULL: s itself). */
static void check_round_trip(const char *s, const char *want)
{
	struct json *j = parse(s);
	char *out;

	CHECK(j != NULL);
	out = json_print(j, false);
	CHECK_EQ_STR(out, want ? want : s);
	free(out);
	json_free(j);
}

TEST(json_parse_and_read)
{
	struct json *j = parse(" {\"schemaVersion\": 2, \"mediaType\": \"application/json\","
			       " \"layers\": [{\"size\": 1234}, {\"size\": 5}], \"ok\": true,"
			       " \"no\": false, \"nil\": null, \"obj\": {}}\n");
	long long v = -1;

	CHECK(json_is_obj(j));
	CHECK(json_get_i64(j, "schemaVersion", &v));
	CHECK_EQ_INT(v, 2);
	CHECK_EQ_STR(json_get_str(j, "mediaType"), "application/json");
	CHECK(json_get_str(j, "schemaVersion") == NULL);
	CHECK(json_get_str(j, "missing") == NULL);
	CHECK(json_get_str(j, "MediaType") == NULL);
	CHECK(json_is_arr(json_get(j, "layers")));
	CHECK_EQ_INT(json_arr_len(json_get(j, "layers")), 2);
	CHECK(json_get_i64(json_arr_at(json_get(j, "layers"), 1), "size", &v));
	CHECK_EQ_INT(v, 5);
	CHECK(json_arr_at(json_get(j, "layers"), 2) == NULL);
	CHECK(json_arr_at(json_get(j, "layers"), -1) == NULL);
	CHECK(json_is_true(json_get(j, "ok")));
	CHECK(!json_is_true(json_get(j, "no")));
	CHECK(!json_is_true(json_get(j, "nil")));
	CHECK(json_is_obj(json_get(j, "obj")));
	CHECK(!json_is_arr(json_get(j, "obj")));
	CHECK_EQ_INT(json_arr_len(json_get(j, "obj")), 0);
	CHECK(json_str(json_get(j, "nil")) == NULL);
	json_free(j);
}

TEST(json_null_and_wrong_types_are_harmless)
{
	long long v = 7;

	CHECK(json_get(NULL, "a") == NULL);
	CHECK(json_str(NULL) == NULL);
	CHECK(json_get_str(NULL, "a") == NULL);
	CHECK(!json_get_i64(NULL, "a", &v));
	CHECK_EQ_INT(v, 7);
	CHECK(!json_is_true(NULL) && !json_is_obj(NULL) && !json_is_arr(NULL));
	CHECK_EQ_INT(json_arr_len(NULL), 0);
	CHECK(json_arr_at(NULL, 0) == NULL);
	CHECK(json_first(NULL) == NULL && json_next(NULL) == NULL && json_key(NULL) == NULL);
	json_free(NULL);
	json_del(NULL, "a");
	json_add_str(NULL, "a", "b");
}

TEST(json_get_i64_range)
{
	struct json *j = parse("{\"max\": 9007199254740992, \"neg\": -9007199254740992,"
			       " \"big\": 9007199254740994, \"frac\": 1.5, \"exp\": 1e3,"
			       " \"str\": \"12\", \"zero\": -0, \"huge\": 1e300,"
			       " \"gib\": 107374182400}");
	long long v = 0;

	CHECK(json_get_i64(j, "max", &v));
	CHECK_EQ_INT(v, 9007199254740992LL);
	CHECK(json_get_i64(j, "neg", &v));
	CHECK_EQ_INT(v, -9007199254740992LL);
	CHECK(json_get_i64(j, "gib", &v));
	CHECK_EQ_INT(v, 107374182400LL);
	CHECK(json_get_i64(j, "exp", &v));
	CHECK_EQ_INT(v, 1000);
	CHECK(json_get_i64(j, "zero", &v));
	CHECK_EQ_INT(v, 0);
	v = 42;
	CHECK(!json_get_i64(j, "big", &v));
	CHECK(!json_get_i64(j, "frac", &v));
	CHECK(!json_get_i64(j, "str", &v));
	CHECK(!json_get_i64(j, "huge", &v));
	CHECK(!json_get_i64(j, "missing", &v));
	CHECK_EQ_INT(v, 42);
	json_free(j);
}

TEST(json_parse_uses_exactly_n_bytes)
{
	const char s[] = "{\"a\":[1,2]}{\"b\":3}";
	char nonul[3] = { '[', '1', ']' };
	struct json *j;
	char *out;

	/* only the first 11 bytes: the second document is not seen */
	j = json_parse(s, 11);
	CHECK(j != NULL);
	out = json_print(j, false);
	CHECK_EQ_STR(out, "{\"a\":[1,2]}");
	free(out);
	json_free(j);
	/* no NUL after the buffer (ASan catches a read past it) */
	j = json_parse(nonul, sizeof(nonul));
	CHECK_EQ_INT(json_arr_len(j), 1);
	json_free(j);
	/* cut short inside a value */
	CHECK(json_parse(s, 8) == NULL);
	CHECK(strstr(err_str(), "invalid JSON near offset") != NULL);
	/* trailing whitespace is fine, trailing data is not */
	j = json_parse("[1] \n\t", 6);
	CHECK(j != NULL);
	json_free(j);
	CHECK(json_parse(s, sizeof(s) - 1) == NULL);
	CHECK_EQ_STR(err_str(), "invalid JSON near offset 11: data after the document");
	CHECK(json_parse("[1]\0", 4) == NULL);
}

TEST(json_invalid_input)
{
	static const char *bad[] = {
		"{", "}", "[1,]", "{\"a\" 1}", "{'a': 1}", "tru", "nul", "\"abc", "[1 2]",
		"{\"a\":1,}", "01x", "\"\\x\"", "   ", "{\"a\":}",
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		err_clear();
		if (parse(bad[i]) != NULL)
			TAP_FAIL("parsed invalid %s", bad[i]);
		CHECK_EQ_INT(err_errno(), EBADMSG);
		CHECK(strncmp(err_str(), "invalid JSON", 12) == 0);
	}
	CHECK(json_parse(NULL, 0) == NULL);
	CHECK(json_parse("", 0) == NULL);
	CHECK(parse("[1, 2, x]") == NULL);
	CHECK_EQ_STR(err_str(), "invalid JSON near offset 7");
}

TEST(json_round_trip_compact)
{
	check_round_trip("{\"b\":1,\"a\":2,\"c\":[true,false,null],\"d\":{\"e\":\"f\"}}", NULL);
	check_round_trip("[]", NULL);
	check_round_trip("{}", NULL);
	check_round_trip("\"just a string\"", NULL);
	check_round_trip("-12", NULL);
	check_round_trip("[0.5,1e-07,107374182400]", NULL);
	check_round_trip("{ \"a\" : [ 1 , { } ] }", "{\"a\":[1,{}]}");
}

TEST(json_unicode_and_escapes)
{
	struct json *j = parse("{\"s\":\"caf\\u00e9 \\u2603 \\ud83d\\ude00 \\\"q\\\" \\\\ \\/\","
			       " \"c\":\"a\\tb\\nc\\u0001\"}");
	char *out;

	CHECK_EQ_STR(json_get_str(j, "s"), "caf\xc3\xa9 \xe2\x98\x83 \xf0\x9f\x98\x80 \"q\" \\ /");
	CHECK_EQ_STR(json_get_str(j, "c"), "a\tb\nc\x01");
	out = json_print(j, false);
	CHECK_EQ_STR(out, "{\"s\":\"caf\xc3\xa9 \xe2\x98\x83 \xf0\x9f\x98\x80 \\\"q\\\" \\\\ /\","
			  "\"c\":\"a\\tb\\nc\\u0001\"}");
	free(out);
	out = json_print(j, true);
	CHECK_EQ_STR(out, "{\n    \"s\": "
			  "\"caf\xc3\xa9 \xe2\x98\x83 \xf0\x9f\x98\x80 \\\"q\\\" \\\\ /\",\n"
			  "    \"c\": \"a\\tb\\nc\\u0001\"\n}");
	free(out);
	json_free(j);
}

TEST(json_build_nested)
{
	struct json *root = json_new_obj(), *cfg, *env, *layers, *l;
	char *out;

	json_add_str(root, "Id", "sha256:abc");
	cfg = json_add_obj(root, "Config");
	env = json_add_arr(cfg, "Env");
	json_add_str(env, NULL, "PATH=/bin");
	json_add_str(env, NULL, "A=b");
	json_add_bool(cfg, "Tty", false);
	json_add_null(cfg, "Cmd");
	layers = json_add_arr(root, "Layers");
	l = json_add_obj(layers, NULL);
	json_add_i64(l, "Size", 107374182400LL);
	json_add_i64(l, "Neg", -3);
	json_add_arr(layers, NULL);
	json_add_obj(root, "Empty");
	out = json_print(root, false);
	CHECK_EQ_STR(out, "{\"Id\":\"sha256:abc\",\"Config\":{\"Env\":[\"PATH=/bin\",\"A=b\"],"
			  "\"Tty\":false,\"Cmd\":null},\"Layers\":[{\"Size\":107374182400,"
			  "\"Neg\":-3},[]],\"Empty\":{}}");
	free(out);
	/* adding to the wrong kind of node does nothing */
	CHECK(json_add_obj(env, "key") == NULL);
	CHECK(json_add_arr(cfg, NULL) == NULL);
	json_add_str(json_get(root, "Id"), "x", "y");
	CHECK_EQ_INT(json_arr_len(env), 2);
	json_free(root);
}

TEST(json_pretty_is_docker_style)
{
	struct json *j = parse("{\"Id\":\"x\",\"Args\":[],\"Env\":[\"A=1\",\"B=2\"],"
			       "\"State\":{\"Running\":true,\"Pid\":42},\"Labels\":{},"
			       "\"Mounts\":[{\"Type\":\"bind\"}]}");
	char *out = json_print(j, true);

	CHECK_EQ_STR(out, "{\n"
			  "    \"Id\": \"x\",\n"
			  "    \"Args\": [],\n"
			  "    \"Env\": [\n"
			  "        \"A=1\",\n"
			  "        \"B=2\"\n"
			  "    ],\n"
			  "    \"State\": {\n"
			  "        \"Running\": true,\n"
			  "        \"Pid\": 42\n"
			  "    },\n"
			  "    \"Labels\": {},\n"
			  "    \"Mounts\": [\n"
			  "        {\n"
			  "            \"Type\": \"bind\"\n"
			  "        }\n"
			  "    ]\n"
			  "}");
	free(out);
	out = json_print(json_get(j, "Env"), true);
	CHECK_EQ_STR(out, "[\n    \"A=1\",\n    \"B=2\"\n]");
	free(out);
	out = json_print(json_get(j, "Id"), true);
	CHECK_EQ_STR(out, "\"x\"");
	free(out);
	out = json_print(NULL, true);
	CHECK_EQ_STR(out, "null");
	free(out);
	json_free(j);
}

TEST(json_iterate_in_order)
{
	struct json *j = parse("{\"z\":1,\"a\":2,\"m\":3,\"b\":4}"), *m;
	const char *want[] = { "z", "a", "m", "b" };
	int i = 0;

	for (m = json_first(j); m; m = json_next(m), i++) {
		CHECK(i < 4);
		if (i < 4)
			CHECK_EQ_STR(json_key(m), want[i]);
	}
	CHECK_EQ_INT(i, 4);
	j = (json_free(j), parse("[10, 20, 30]"));
	i = 0;
	for (m = json_first(j); m; m = json_next(m), i++)
		CHECK(json_key(m) == NULL && m == json_arr_at(j, i));
	CHECK_EQ_INT(i, 3);
	CHECK(json_first(json_arr_at(j, 0)) == NULL);
	json_free(j);
}

TEST(json_replace_keeps_order_and_del)
{
	struct json *j = parse("{\"a\":1,\"b\":2,\"c\":3}");
	char *out;

	json_add_str(j, "b", "two");
	json_add_i64(j, "d", 4);
	json_del(j, "a");
	json_del(j, "missing");
	out = json_print(j, false);
	CHECK_EQ_STR(out, "{\"b\":\"two\",\"c\":3,\"d\":4}");
	free(out);
	json_free(j);
}

TEST(json_add_copy_is_deep)
{
	struct json *src = parse("{\"k\":[1,{\"x\":\"y\"}]}"), *dst = json_new_obj(), *arr;
	char *out;

	json_add_copy(dst, "copy", json_get(src, "k"));
	arr = json_add_arr(dst, "list");
	json_add_copy(arr, NULL, src);
	json_add_copy(dst, "none", NULL);
	json_free(src);
	out = json_print(dst, false);
	CHECK_EQ_STR(out, "{\"copy\":[1,{\"x\":\"y\"}],\"list\":[{\"k\":[1,{\"x\":\"y\"}]}],"
			  "\"none\":null}");
	free(out);
	json_free(dst);
}

TEST(json_kind_and_num)
{
	struct json *j = parse("{\"n\":null,\"f\":false,\"t\":true,\"x\":-1.5,\"s\":\"3\","
			       "\"a\":[],\"o\":{}}");

	CHECK_EQ_INT(json_kind(NULL), JSON_NONE);
	CHECK_EQ_INT(json_kind(json_get(j, "n")), JSON_NULL);
	CHECK_EQ_INT(json_kind(json_get(j, "f")), JSON_BOOL);
	CHECK_EQ_INT(json_kind(json_get(j, "t")), JSON_BOOL);
	CHECK_EQ_INT(json_kind(json_get(j, "x")), JSON_NUM);
	CHECK_EQ_INT(json_kind(json_get(j, "s")), JSON_STR);
	CHECK_EQ_INT(json_kind(json_get(j, "a")), JSON_ARR);
	CHECK_EQ_INT(json_kind(json_get(j, "o")), JSON_OBJ);
	CHECK_EQ_INT(json_kind(j), JSON_OBJ);
	CHECK(json_num(json_get(j, "x")) == -1.5);
	CHECK(json_num(json_get(j, "s")) == 0);
	CHECK(json_num(NULL) == 0);
	json_free(j);
}
