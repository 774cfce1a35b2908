// SPDX-License-Identifier: Apache-2.0
/* change_test.c - instruction lines: keyword, exec form, words with
 * Dockerfile quoting, and each change import --change applies. */
#include <errno.h>

#include "tap.h"

#include "core/image/change.h"
#include "core/util/err.h"
#include "core/util/json.h"
#include "core/util/xalloc.h"

/* Apply lines (NULL-terminated) to a new config; its JSON, or the error
 * line prefixed "error: ". Allocated. */
static char *apply(const char *const *lines)
{
	struct json *cfg = json_new_obj();
	char *out = NULL;

	for (; *lines && !out; lines++) {
		struct change c;

		if (change_parse(*lines, &c) < 0 || change_apply(&c, cfg) < 0)
			out = xasprintf("error: %s", err_str());
		change_clear(&c);
	}
	if (!out)
		out = json_print(cfg, false);
	json_free(cfg);
	err_clear();
	return out;
}

#define CHECK_APPLY(want, ...)                                                    \
	do {                                                                      \
		const char *l_[] = { __VA_ARGS__, NULL };                         \
		char *got_ = apply(l_);                                           \
		CHECK_EQ_STR(got_, want);                                         \
		free(got_);                                                       \
	} while (0)

TEST(change_parse_exec_form)
{
	struct change c;

	CHECK_EQ_INT(change_parse("  cmd   [\"sh\", \"-c\", \"a b\"]  ", &c), 0);
	CHECK_EQ_STR(c.cmd, "CMD");
	CHECK_EQ_STR(c.rest, "[\"sh\", \"-c\", \"a b\"]");
	CHECK(c.json);
	CHECK_EQ_INT(c.args.n, 3);
	CHECK_EQ_STR(c.args.v[2], "a b");
	change_clear(&c);
}

TEST(change_parse_words_and_quotes)
{
	struct change c;

	CHECK_EQ_INT(change_parse("ENV A=\"x y\" B='it''s' C=a\\ b D=\"q\\\"\"", &c), 0);
	CHECK(!c.json);
	CHECK_EQ_INT(c.args.n, 4);
	CHECK_EQ_STR(c.args.v[0], "A=x y");
	CHECK_EQ_STR(c.args.v[1], "B=its");
	CHECK_EQ_STR(c.args.v[2], "C=a b");
	CHECK_EQ_STR(c.args.v[3], "D=q\"");
	change_clear(&c);
	/* Not a JSON array of strings: words, as Docker falls back. */
	CHECK_EQ_INT(change_parse("CMD [1, 2]", &c), 0);
	CHECK(!c.json);
	CHECK_EQ_INT(c.args.n, 2);
	change_clear(&c);
}

TEST(change_parse_refusals)
{
	struct change c;

	CHECK_EQ_INT(change_parse("", &c), -EINVAL);
	change_clear(&c);
	CHECK_EQ_INT(change_parse("CMD", &c), -EINVAL);
	CHECK_EQ_STR(err_str(), "CMD needs an argument");
	change_clear(&c);
	CHECK_EQ_INT(change_parse("ENV A=\"open", &c), -EINVAL);
	CHECK(strstr(err_str(), "unterminated") != NULL);
	change_clear(&c);
	CHECK_EQ_INT(change_parse("C-MD x", &c), -EINVAL);
	change_clear(&c);
	err_clear();
}

TEST(change_cmd_and_entrypoint)
{
	CHECK_APPLY("{\"Cmd\":[\"/bin/sh\",\"-c\",\"echo $HOME\"]}", "CMD echo $HOME");
	CHECK_APPLY("{\"Entrypoint\":[\"/app\",\"-v\"],\"Cmd\":[\"x\"]}",
		    "ENTRYPOINT [\"/app\", \"-v\"]", "CMD [\"x\"]");
	CHECK_APPLY("{\"Cmd\":[\"b\"]}", "CMD [\"a\"]", "CMD [\"b\"]");
}

TEST(change_env_and_label)
{
	CHECK_APPLY("{\"Env\":[\"A=2\",\"B=x y\"]}", "ENV A=1 B=\"x y\"", "ENV A=2");
	CHECK_APPLY("{\"Env\":[\"K=a long value\"]}", "ENV K a long value");
	CHECK_APPLY("{\"Labels\":{\"a\":\"1\",\"b c\":\"d\"}}", "LABEL \"b c\"=d a=1");
	CHECK_APPLY("error: ENV =x: give KEY=VALUE", "ENV A=1 =x");
}

TEST(change_expose_volume_user_workdir)
{
	CHECK_APPLY("{\"ExposedPorts\":{\"53/udp\":{},\"80/tcp\":{}}}", "EXPOSE 80",
		    "EXPOSE 53/udp 80/tcp");
	CHECK_APPLY("{\"Volumes\":{\"/a\":{},\"/b\":{}}}", "VOLUME [\"/b\"]", "VOLUME /a /b");
	CHECK_APPLY("{\"User\":\"app:app\"}", "USER app:app");
	CHECK_APPLY("{\"WorkingDir\":\"/srv/app\"}", "WORKDIR /srv", "WORKDIR app");
	CHECK_APPLY("error: EXPOSE 70000: give PORT or PORT/tcp|udp|sctp", "EXPOSE 70000");
	CHECK_APPLY("error: EXPOSE 80/icmp: give PORT or PORT/tcp|udp|sctp", "EXPOSE 80/icmp");
	CHECK_APPLY("error: USER takes one argument, not \"a b\"", "USER a b");
}

TEST(change_unsupported_instruction)
{
	CHECK_APPLY("error: FROM is not supported by --change (use CMD, ENTRYPOINT, ENV, EXPOSE, "
		    "LABEL, USER, VOLUME or WORKDIR)", "FROM scratch");
}
