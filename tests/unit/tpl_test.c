// SPDX-License-Identifier: Apache-2.0
#include <errno.h>

#include "core/util/err.h"
#include "core/util/json.h"
#include "core/util/tpl.h"
#include "core/util/xalloc.h"
#include "tap.h"

/* Run template f on the JSON text js; the output, allocated (NULL when
 * the template is refused). */
static char *run(const char *f, const char *js)
{
	struct json *j = json_parse(js, strlen(js));
	char *buf = NULL;
	size_t n = 0;
	FILE *out = open_memstream(&buf, &n);
	int rc = tpl_run(f, j, out);

	fclose(out);
	json_free(j);
	if (rc < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void check_run(const char *f, const char *js, const char *want)
{
	char *s = run(f, js);

	CHECK_EQ_STR(s, want);
	free(s);
}

TEST(tpl_fields_print_as_go)
{
	const char *j = "{\"Id\":\"sha256:ab\",\"Config\":{\"Cmd\":[\"sh\",\"-c\",\"x\"],"
			"\"Labels\":{\"b\":\"2\",\"a\":\"1\"},\"Tty\":false,\"N\":3,\"E\":null},"
			"\"State\":{\"OOMKilled\":true,\"ExitCode\":137,\"Pid\":0}}";

	check_run("{{.Id}}", j, "sha256:ab");
	check_run("id={{ .Id }}!", j, "id=sha256:ab!");
	check_run("{{.Config.Cmd}}", j, "[sh -c x]");
	check_run("{{.Config.Labels}}", j, "map[a:1 b:2]");
	check_run("{{.Config.Tty}} {{.Config.N}} {{.Config.E}}", j, "false 3 <nil>");
	check_run("{{.State.OOMKilled}} {{.State.ExitCode}}", j, "true 137");
	check_run("{{.Nope}}|{{.Config.Cmd.X}}", j, "<no value>|<no value>");
	check_run("{{json .Config.Cmd}}", j, "[\"sh\",\"-c\",\"x\"]");
	check_run("{{json .State}}", j, "{\"OOMKilled\":true,\"ExitCode\":137,\"Pid\":0}");
	check_run("{{json .Missing}}", j, "null");
	check_run("plain text", j, "plain text");
	check_run("", j, "");
}

TEST(tpl_refuses_what_it_cannot_run)
{
	CHECK(run("{{range .RepoTags}}", "{}") == NULL);
	CHECK_EQ_INT(err_errno(), EINVAL);
	CHECK(strstr(err_str(), "unsupported template action at offset 0") != NULL);
	CHECK(run("a {{.Id", "{}") == NULL);
	CHECK(run("{{Id}}", "{}") == NULL);
	CHECK(run("{{..Id}}", "{}") == NULL);
	CHECK(run("{{.Id | printf}}", "{}") == NULL);
	CHECK_EQ_INT(tpl_run("{{.A.B}} and {{json .C}}", NULL, NULL), 0);
}

TEST(tpl_parse_table_and_escapes)
{
	struct tpl t;

	CHECK_EQ_INT(tpl_parse("table {{.ID}}\\t{{.Names}}", NULL, &t), 0);
	CHECK(t.table);
	CHECK_EQ_STR(t.text, "{{.ID}}\t{{.Names}}");
	tpl_free(&t);
	CHECK_EQ_INT(tpl_parse("  {{.Names}}\\n ", NULL, &t), 0);
	CHECK(!t.table);
	CHECK_EQ_STR(t.text, "{{.Names}}\n");
	tpl_free(&t);
	CHECK_EQ_INT(tpl_parse("table", "{{.A}}\t{{.B}}", &t), 0);
	CHECK(t.table);
	CHECK_EQ_STR(t.text, "{{.A}}\t{{.B}}");
	tpl_free(&t);
	CHECK_EQ_INT(tpl_parse("tablet {{.A}}", NULL, &t), 0);
	CHECK(!t.table);
	tpl_free(&t);
	CHECK_EQ_INT(tpl_parse("table {{if .A}}", NULL, &t), -EINVAL);
	CHECK(t.text == NULL);
	tpl_free(&t);
}

static char *table(const char *text)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *out = open_memstream(&buf, &n);

	tpl_table_print(text, strlen(text), out);
	fclose(out);
	return buf;
}

TEST(tpl_table_aligns_as_tabwriter)
{
	char *s = table("CONTAINER ID\tIMAGE\tPORTS\tNAMES\n"
			"0123456789ab\tbusybox\t\tweb\n"
			"ba9876543210\tx\t\tlong-name\n");

	CHECK_EQ_STR(s, "CONTAINER ID   IMAGE     PORTS     NAMES\n"
			"0123456789ab   busybox             web\n"
			"ba9876543210   x                   long-name\n");
	free(s);
	/* widths count characters, not bytes */
	s = table("A\tB\n\"sleep 1234567890123\xe2\x80\xa6\"\tc\n");
	CHECK_EQ_STR(s, "A                        B\n"
			"\"sleep 1234567890123\xe2\x80\xa6\"   c\n");
	free(s);
	s = table("no tabs, no newline");
	CHECK_EQ_STR(s, "no tabs, no newline");
	free(s);
	s = table("");
	CHECK_EQ_STR(s, "");
	free(s);
}
