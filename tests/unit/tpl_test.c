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
	check_run("{{index .Config.Labels \"c\"}}", j, "<no value>");
	check_run("{{json .Config.Cmd}}", j, "[\"sh\",\"-c\",\"x\"]");
	check_run("{{json .State}}", j, "{\"OOMKilled\":true,\"ExitCode\":137,\"Pid\":0}");
	check_run("{{json .Config.E}}", j, "null");
	check_run("plain text", j, "plain text");
	check_run("", j, "");
}

/* What a container's inspect holds that scripts read. */
static const char ctr[] =
	"{\"Id\":\"ab12\",\"Name\":\"/web\",\"State\":{\"Running\":true,\"Status\":\"running\","
	"\"Pid\":42,\"ExitCode\":0,\"Health\":null},\"Config\":{\"Labels\":{\"k\":\"v\","
	"\"com.x\":\"y\"},\"Cmd\":[\"sh\",\"-c\",\"x\"],\"Env\":[],\"Tty\":false},"
	"\"NetworkSettings\":{\"Networks\":{\"mynet\":{\"IPAddress\":\"10.1.0.2\"},"
	"\"bridge\":{\"IPAddress\":\"172.17.0.2\"}},\"Ports\":{\"80/tcp\":[{\"HostIp\":"
	"\"0.0.0.0\",\"HostPort\":\"8080\"}],\"443/tcp\":null}},\"Mounts\":[{\"Source\":"
	"\"/a\",\"Destination\":\"/b\"},{\"Source\":\"/c\",\"Destination\":\"/d\"}]}";

TEST(tpl_range_over_arrays_and_objects)
{
	check_run("{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", ctr,
		  "172.17.0.2 10.1.0.2 ");
	check_run("{{range $k, $v := .NetworkSettings.Ports}}{{$k}}={{$v}};{{end}}", ctr,
		  "443/tcp=<nil>;80/tcp=[map[HostIp:0.0.0.0 HostPort:8080]];");
	check_run("{{range $i, $m := .Mounts}}{{$i}}:{{$m.Source}}>{{.Destination}} {{end}}",
		  ctr, "0:/a>/b 1:/c>/d ");
	check_run("{{range $m := .Mounts}}{{$m.Source}}{{end}}", ctr, "/a/c");
	check_run("{{range .Config.Env}}x{{else}}none{{end}}", ctr, "none");
	check_run("{{range .State.Health}}x{{else}}none{{end}}|{{range .Config.Cmd}}[{{.}}]{{else}}"
		  "none{{end}}", ctr, "none|[sh][-c][x]");
	check_run("{{range .Mounts}}{{$.Name}}{{end}}", ctr, "/web/web");
	/* nested ranges, and variables scoped to their range */
	check_run("{{range .Mounts}}{{range $.Config.Cmd}}.{{end}}|{{end}}", ctr, "...|...|");
	check_run("{{$x := 1}}{{range .Mounts}}{{$x := .Source}}{{$x}}{{end}}{{$x}}", ctr,
		  "/a/c1");
	check_run("{{$n := 0}}{{range .Mounts}}{{$n = .Source}}{{end}}{{$n}}", ctr, "/c");
}

TEST(tpl_if_with_and_truth)
{
	check_run("{{if .State.Running}}up{{else}}down{{end}}", ctr, "up");
	check_run("{{if .Config.Tty}}t{{else if .State.Pid}}pid{{else}}no{{end}}", ctr, "pid");
	check_run("{{if .State.ExitCode}}a{{else if .Config.Env}}b"
		  "{{else if (index .Config.Labels \"n\")}}c{{else if "
		  ".State.Health}}d{{else if \"\"}}e{{else}}f{{end}}", ctr, "f");
	check_run("{{if .Config.Labels}}{{if .Config.Cmd}}{{if \"s\"}}{{if 1}}yes{{end}}{{end}}"
		  "{{end}}{{end}}", ctr, "yes");
	check_run("{{if .State.Health}}x{{end}}", ctr, "");
	check_run("{{with .State}}{{.Status}}/{{$.Id}}{{end}}", ctr, "running/ab12");
	check_run("{{with .State.Health}}a{{else with .State.Pid}}{{.}}{{else}}c{{end}}", ctr, "42");
	check_run("{{range .Config.Cmd -}} {{.}} {{- end}} {{- \" \" -}}\n|", ctr, "sh-cx |");
	check_run("{{with .State.Health}}x{{else}}{{.Id}}{{end}}", ctr, "ab12");
	check_run("{{with $s := .State.Status}}{{$s}}{{.}}{{end}}", ctr, "runningrunning");
	check_run("{{if and .State.Running (not .Config.Tty)}}a{{end}}{{if or .Config.Tty .Id}}"
		  "b{{end}}", ctr, "ab");
	check_run("{{and 1 0 2}} {{or 0 \"\" \"x\"}} {{or 0 \"\"}}", ctr, "0 x ");
	check_run("{{if eq .State.Status \"exited\" \"running\"}}r{{end}}{{if ne .State.Pid 42}}"
		  "n{{end}}{{if lt 1 2}}<{{end}}{{if ge \"b\" \"a\"}}>{{end}}", ctr, "r<>");
}

TEST(tpl_index_parens_and_variables)
{
	check_run("{{(index .NetworkSettings.Networks \"mynet\").IPAddress}}", ctr, "10.1.0.2");
	check_run("{{index .Config.Labels \"com.x\"}}", ctr, "y");
	check_run("{{index .Config.Labels \"missing\"}}", ctr, "<no value>");
	check_run("{{index .NetworkSettings.Ports \"80/tcp\" 0 \"HostPort\"}}", ctr, "8080");
	check_run("{{index .Config.Cmd 2}}", ctr, "x");
	check_run("{{$.Id}} {{$}}", "{\"Id\":\"a\"}", "a map[Id:a]");
	check_run("{{$c := .Config}}{{$c.Cmd}}", ctr, "[sh -c x]");
	check_run("{{(.State).Status}} {{.}}", "{\"State\":{\"Status\":\"s\"}}",
		  "s map[State:map[Status:s]]");
	check_run("{{ .Name -}}  \n  x {{- /* a comment */ -}} y  {{- \"z\" }}", ctr, "/webxyz");
	check_run("{{`raw \\n`}}|{{\"a\\\"\\tb\"}}", ctr, "raw \\n|a\"\tb");
}

TEST(tpl_functions_print_as_docker)
{
	check_run("{{join .Config.Cmd \",\"}}", ctr, "sh,-c,x");
	check_run("{{lower \"AbC\"}} {{upper .State.Status}} {{title \"hello wide-world_x\"}}",
		  ctr, "abc RUNNING Hello Wide-World_x");
	check_run("{{split \"a:b::c\" \":\"}} {{len (split \"abc\" \"\")}} {{index (split "
		  "\"k=v\" \"=\") 1}}", ctr, "[a b  c] 3 v");
	check_run("{{split \"\" \",\"}}{{len (split \"\" \"\")}}", ctr, "[]0");
	check_run("{{len .Mounts}} {{len .Config.Labels}} {{len .Id}}", ctr, "2 2 4");
	check_run("[{{pad .Id 2 1}}|{{pad \"\" 2 1}}|{{truncate .Id 2}}|{{truncate .Id 9}}]", ctr,
		  "[  ab12 ||ab|ab12]");
	check_run("{{println .Id .State.Pid}}", ctr, "ab12 42\n");
	check_run("{{print .Id .State.Pid 1 true \"x\"}}", ctr, "ab1242 1 truex");
	check_run("{{printf \"%s-%d-%v %%\" .Id .State.Pid .Config.Cmd}}", ctr,
		  "ab12-42-[sh -c x] %");
	check_run("{{printf \"[%5s|%-4d|%3v]\" \"ab\" 7 true}}", ctr, "[   ab|7   |true]");
	check_run("{{printf \"%d %s %s\" \"x\" 3}}", ctr, "%!d(string=x) %!s(float64=3) "
		  "%!s(MISSING)");
	check_run("{{printf \"%d|%d\" 1e30 -3}}", ctr, "%!d(float64=1e+30)|-3");
	check_run("{{printf \"%s\" 1 2}}", ctr, "%!s(float64=1)%!(EXTRA float64=2)");
	check_run("{{.Id | printf \"<%s>\"}} {{.State.Status | upper | printf \"%s!\"}}", ctr,
		  "<ab12> RUNNING!");
	check_run("{{json .Config.Labels}} {{.Config.Labels | json}}", ctr,
		  "{\"k\":\"v\",\"com.x\":\"y\"} {\"k\":\"v\",\"com.x\":\"y\"}");
	check_run("{{print nil .State.Health}} {{.State.Health}}", ctr, "<nil> <nil> <nil>");
	check_run("{{printf \"%q %t %05d %-3s|%3s\" .Id true 42 \"\xc3\xa9\" \"\xc3\xa9\"}}", ctr,
		  "\"ab12\" true 00042 \xc3\xa9  |  \xc3\xa9");
	check_run("{{index .Id 0}} {{1.5}} {{0x10}} {{-2}} {{if gt 1.5 1}}gt{{end}}", ctr,
		  "97 1.5 16 -2 gt");
	check_run("{{eq (index .Config.Labels \"n\") .State.Health}} "
		  "{{eq (index .Config.Labels \"n\") 1}} {{ne .Id nil}}", ctr,
		  "true false true");
}

/* The template is refused, and err_str() holds want: by a check when js
 * is NULL, else when run on js. */
static void check_err(const char *f, const char *js, const char *want)
{
	char *s = js ? run(f, js) : NULL;

	CHECK(js ? s == NULL : tpl_run(f, NULL, NULL) == -EINVAL);
	CHECK_EQ_INT(err_errno(), EINVAL);
	if (!strstr(err_str(), want))
		TAP_FAIL("\"%s\": error \"%s\", expected \"%s\"", f, err_str(), want);
	free(s);
}

TEST(tpl_refuses_what_it_cannot_run)
{
	check_err("{{range .RepoTags}}", NULL, "missing {{end}} for this structure at offset 2");
	check_err("a {{.Id", NULL, "unclosed action at offset 7");
	check_err("{{Id}}", NULL, "function \"Id\" not defined at offset 2");
	check_err("{{..Id}}", NULL, "unexpected \".\" in operand at offset 3");
	check_err("{{.Id | .Name}}", NULL, "can't give argument to non-function");
	check_err("{{.Id .Name}}", NULL, "can't give argument to non-function");
	check_err("{{}}", NULL, "missing value for command");
	check_err("{{if}}x{{end}}", NULL, "missing value for command");
	check_err("{{end}}", NULL, "unexpected {{end}}");
	check_err("{{else}}", NULL, "unexpected {{else}}");
	check_err("{{if 1}}{{else}}{{else}}{{end}}", NULL, "{{else}} after the last {{else}}");
	check_err("{{range .}}{{else}}{{else}}{{end}}", NULL, "{{else}} after the last");
	check_err("{{$x}}", NULL, "undefined variable \"$x\"");
	check_err("{{$x = 1}}", NULL, "undefined variable \"$x\"");
	check_err("{{(index .A 1}}", NULL, "unclosed left paren");
	check_err("{{len (.A", NULL, "unclosed left paren at offset 9");
	check_err("{{\"abc}}", NULL, "unterminated quoted string");
	check_err("{{\"a\\qb\"}}", NULL, "unknown escape");
	check_err("{{1.5.2}}", NULL, "bad number syntax");
	check_err("{{3x}}", NULL, "bad number syntax");
	check_err("{{nil}}", NULL, "nil is not a command");
	check_err("{{/* x */ }}", NULL, "comment ends before closing delimiter");
	check_err("{{/* x }}", NULL, "unclosed comment");
	check_err("{{template \"x\"}}", NULL, "not supported");
	check_err("{{lower}}", NULL, "wrong number of args for lower: want 1 got 0");
	check_err("{{index}}", NULL, "wrong number of args for index: want at least 1 got 0");
	check_err("{{.A | printf}}{{printf}}", NULL, "wrong number of args for printf");
	check_err("{{.A ,}}", NULL, "can't give argument to non-function");
	check_err("{{printf \"%s\" ,}}", NULL, "unexpected \",\" in operand");
	/* errors only the data shows */
	check_err("{{index .A 5}}", "{\"A\":[1]}", "error calling index: index out of range: 5");
	check_err("{{index .A \"k\"}}", "{\"A\":[1]}", "cannot index slice/array with type string");
	check_err("{{index .A 0}}", "{\"A\":{}}", "value has type float64; should be string");
	check_err("{{index .A 0}}", "{\"A\":true}", "can't index item of type bool");
	check_err("{{index .B 0}}", "{\"B\":null}", "index of untyped nil");
	check_err("{{.A.B}}", "{\"A\":[1]}", "can't evaluate field B in type []interface {}");
	/* Docker's: a field that is not there is an error, named with where */
	check_err("x{{.Nope}}", "{\"A\":1}", "can't evaluate field Nope at offset 3");
	check_err("{{.A.Nope.X}}", "{\"A\":{}}", "can't evaluate field Nope at offset 4");
	check_err("{{.A.X}}", "{\"A\":null}", "nil pointer evaluating field X at offset 4");
	check_err("{{if .Nope}}{{end}}", "{}", "can't evaluate field Nope");
	check_err("{{json .Nope}}", "{}", "can't evaluate field Nope");
	check_err("{{len .A}}", "{\"A\":3}", "error calling len: len of type float64");
	check_err("{{lower .A}}", "{\"A\":3}", "expected string; got float64");
	check_err("{{join .A \",\"}}", "{\"A\":\"s\"}", "expected []string; got string");
	check_err("{{pad .A -1 0}}", "{\"A\":\"s\"}", "expected a count; got a number out of range");
	check_err("{{truncate .A \"1\"}}", "{\"A\":\"s\"}", "expected a count; got string");
	check_err("{{range .A}}{{end}}", "{\"A\":3}", "range can't iterate over a number");
	check_err("{{if eq .A \"1\"}}{{end}}", "{\"A\":1}", "incompatible types for comparison");
	check_err("{{if lt .A .A}}{{end}}", "{\"A\":true}", "invalid type for comparison: bool");
	check_err("x{{range .A}}{{range $.A}}{{range $.A}}{{range $.A}}{{range $.A}}{{range $.A}}"
		  "{{.}}{{end}}{{end}}{{end}}{{end}}{{end}}{{end}}",
		  "{\"A\":[1,2,3,4,5,6,7,8,9,10,11,12]}", "the template runs too long");
	CHECK_EQ_INT(tpl_run("{{.A.B}} and {{json .C}}{{if .X}}{{range $k, $v := .Y}}{{$k}}"
			     "{{end}}{{else}}{{len .Z}}{{end}}", NULL, NULL), 0);
	/* a check reads branches not taken too */
	check_err("{{if true}}{{else}}{{nope}}{{end}}", NULL, "function \"nope\" not defined");
}

TEST(tpl_nesting_is_bounded)
{
	char f[4096] = "";

	strcpy(f, "{{");
	for (int i = 0; i < 100; i++)
		strcat(f, "(");
	check_err(f, NULL, "parentheses nested too deep");
	f[0] = '\0';
	for (int i = 0; i < 100; i++)
		strcat(f, "{{if 1}}");
	check_err(f, NULL, "structures nested too deep");
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
