// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>

#include "core/ctr/ctr_view.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/json.h"
#include "core/util/xalloc.h"
#include "tap.h"

#define S 1000000000LL
#define MIN (60 * S)
#define HOUR (3600 * S)
#define DAY (24 * HOUR)

/* ctr.c's, when it is linked in (the Makefile's unit builds link every
 * core object); this stand-in lets the test build on its own too. */
__attribute__((weak)) const char *ctr_status_name(enum ctr_status s)
{
	static const char *const n[] = { "created", "running", "paused", "restarting",
					  "exited", "dead" };

	return n[s];
}

static void check_status(enum ctr_status st, int code, long long started, long long finished,
			 const char *want)
{
	struct ctr_state s = { .status = st, .exit_code = code, .started_ns = started,
			       .finished_ns = finished };
	char buf[CTR_TEXT_LEN];

	ctr_status_text(&s, 1000 * DAY, buf, sizeof(buf));
	CHECK_EQ_STR(buf, want);
}

TEST(status_text_as_docker_ps)
{
	long long now = 1000 * DAY;

	check_status(CTR_CREATED, 0, 0, 0, "Created");
	check_status(CTR_RUNNING, 0, now - 3 * MIN, 0, "Up 3 minutes");
	check_status(CTR_PAUSED, 0, now - 3 * MIN, 0, "Up 3 minutes (Paused)");
	check_status(CTR_RESTARTING, 1, now - HOUR, now - 2 * S,
		     "Restarting (1) 2 seconds ago");
	check_status(CTR_EXITED, 0, now - HOUR, now - 2 * S, "Exited (0) 2 seconds ago");
	check_status(CTR_EXITED, 137, now - 3 * DAY, now - 2 * DAY, "Exited (137) 2 days ago");
	/* never started (the command could not run): Docker says Created */
	check_status(CTR_EXITED, 127, 0, now - S, "Created");
	check_status(CTR_DEAD, 0, now - HOUR, now - S, "Dead");
	check_status(CTR_RUNNING, 0, now, 0, "Up Less than a second");
}

TEST(rfc3339nano_like_go)
{
	char t[40];

	ctr_time_rfc3339(0, t);
	CHECK_EQ_STR(t, "0001-01-01T00:00:00Z");
	ctr_time_rfc3339(1714557600LL * S, t);
	CHECK_EQ_STR(t, "2024-05-01T10:00:00Z");
	ctr_time_rfc3339(1714557600LL * S + 500000000, t);
	CHECK_EQ_STR(t, "2024-05-01T10:00:00.5Z");
	ctr_time_rfc3339(1714557600LL * S + 123456789, t);
	CHECK_EQ_STR(t, "2024-05-01T10:00:00.123456789Z");
	ctr_time_rfc3339(1714557600LL * S + 1000, t);
	CHECK_EQ_STR(t, "2024-05-01T10:00:00.000001Z");
}

#define E5 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"

static void check_cmd(const char *const *args, bool trunc, const char *want)
{
	struct strv v = { 0 };
	char *s;

	for (; *args; args++)
		strv_push(&v, *args);
	s = ctr_command_text(&v, trunc);
	CHECK_EQ_STR(s, want);
	free(s);
	strv_free(&v);
}

TEST(command_text_quoted_and_truncated)
{
	check_cmd((const char *const[]){ "sleep", "1000", NULL }, true, "\"sleep 1000\"");
	check_cmd((const char *const[]){ NULL }, true, "\"\"");
	check_cmd((const char *const[]){ "sh", "-c", "echo hi; sleep 9", NULL }, false,
		  "\"sh -c 'echo hi; sleep 9'\"");
	check_cmd((const char *const[]){ "sh", "-c", "echo hi; sleep 9", NULL }, true,
		  "\"sh -c 'echo hi; sle\u2026\"");
	/* exactly 20 characters stay; 21 become 19 and the ellipsis */
	check_cmd((const char *const[]){ "12345678901234567890", NULL }, true,
		  "\"12345678901234567890\"");
	check_cmd((const char *const[]){ "123456789012345678901", NULL }, true,
		  "\"1234567890123456789\u2026\"");
	check_cmd((const char *const[]){ "echo", "a\"b\\c\td", NULL }, false,
		  "\"echo a\\\"b\\\\c\\td\"");
	/* characters, not bytes: 5 + 1 + 20 two-byte ones */
	check_cmd((const char *const[]){ E5, E5 E5 E5 E5, NULL }, true,
		  "\"" E5 " " E5 E5 "\xc3\xa9\xc3\xa9\xc3\xa9\u2026\"");
}

TEST(name_pattern_subset_of_regexp)
{
	CHECK(ctr_name_match("web", "my-web-1"));
	CHECK(ctr_name_match("^web", "web-1"));
	CHECK(!ctr_name_match("^web", "my-web"));
	CHECK(ctr_name_match("web$", "my-web"));
	CHECK(!ctr_name_match("^web$", "web1"));
	CHECK(ctr_name_match("^web$", "web"));
	CHECK(ctr_name_match("^/web$", "/web"));
	CHECK(ctr_name_match("w.b", "wab"));
	CHECK(ctr_name_match("^w.*1$", "web-server-1"));
	CHECK(!ctr_name_match("^w.*1$", "web-server-2"));
	CHECK(ctr_name_match("^we+b$", "weeeb"));
	CHECK(!ctr_name_match("^we+b$", "wb"));
	CHECK(ctr_name_match("^we?b$", "wb"));
	CHECK(!ctr_name_match("^we?b$", "weeb"));
	CHECK(ctr_name_match("a\\.b", "a.b"));
	CHECK(!ctr_name_match("a\\.b", "axb"));
	CHECK(ctr_name_match("", "anything"));
	CHECK(!ctr_name_match("x", ""));
}

/* A container as create would record it: busybox running sleep. */
static void make_config(struct ctr_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", "0123456789abcdef0123456789abcdef"
		 "0123456789abcdef0123456789abcdef");
	c->name = xstrdup("web");
	c->image = xstrdup("busybox:1.36@sha256:abcd");
	c->image_id = xstrdup("sha256:feedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedface");
	strv_push(&c->argv, "sleep");
	strv_push(&c->argv, "1000");
	strv_push(&c->cmd, "sleep");
	strv_push(&c->cmd, "1000");
	strv_push(&c->env, "PATH=/bin");
	strv_push(&c->labels, "tier=front");
	strv_push(&c->labels, "team=a=b");
	strv_push(&c->labels, "bare=");
	c->hostname = xstrdup("0123456789ab");
	c->user = xstrdup("");
	c->workdir = xstrdup("");
	c->stop_signal = xstrdup("SIGTERM");
	c->stop_timeout = 10;
	c->created_ns = 1714557600LL * S;
}

static void free_config(struct ctr_config *c)
{
	free(c->name);
	free(c->image);
	free(c->image_id);
	free(c->rootfs);
	free(c->hostname);
	free(c->user);
	free(c->workdir);
	free(c->stop_signal);
	strv_free(&c->argv);
	strv_free(&c->cmd);
	strv_free(&c->entrypoint);
	strv_free(&c->env);
	strv_free(&c->labels);
	strv_free(&c->cap_add);
	strv_free(&c->cap_drop);
	for (size_t i = 0; i < c->ndevices; i++)
		secpol_device_clear(&c->devices[i]);
	free(c->devices);
}

static bool match(const char *const *filters, const struct ctr_config *c,
		  const struct ctr_state *s)
{
	struct ctr_filter f = { 0 };
	bool m;

	for (; *filters; filters++)
		if (ctr_filter_add(&f, *filters) < 0)
			TAP_FAIL("filter %s: %s", *filters, err_str());
	m = ctr_filter_match(&f, c, s);
	ctr_filter_clear(&f);
	return m;
}

#define F(...) ((const char *const[]){ __VA_ARGS__, NULL })

TEST(filters_or_within_and_across_keys)
{
	struct ctr_config c;
	struct ctr_state s = { .status = CTR_RUNNING, .started_ns = 1 };

	make_config(&c);
	CHECK(match(F("name=web"), &c, &s));
	CHECK(match(F("name=^/web$"), &c, &s));
	CHECK(match(F("name=^web$"), &c, &s));
	CHECK(!match(F("name=db"), &c, &s));
	CHECK(match(F("name=db", "name=we"), &c, &s));
	CHECK(match(F("id=0123"), &c, &s));
	CHECK(!match(F("id=123"), &c, &s));
	CHECK(match(F("status=running"), &c, &s));
	CHECK(!match(F("status=exited"), &c, &s));
	CHECK(match(F("status=exited", "status=running"), &c, &s));
	CHECK(!match(F("status=running", "name=db"), &c, &s));
	CHECK(match(F("label=tier"), &c, &s));
	CHECK(match(F("label=tier=front"), &c, &s));
	CHECK(match(F("label=team=a=b"), &c, &s));
	CHECK(match(F("label=bare"), &c, &s));
	CHECK(!match(F("label=tier=back"), &c, &s));
	CHECK(!match(F("label=nope"), &c, &s));
	CHECK(!match(F("label=tier", "label=nope"), &c, &s));	/* labels: all */
	CHECK(!match(F("exited=0"), &c, &s));
	s.status = CTR_EXITED;
	s.exit_code = 3;
	CHECK(match(F("exited=3"), &c, &s));
	CHECK(match(F("exited=0", "exited=3", "status=exited"), &c, &s));
	CHECK(!match(F("exited=0"), &c, &s));
	free_config(&c);
}

TEST(filters_refuse_bad_input)
{
	struct ctr_filter f = { 0 };

	CHECK_EQ_INT(ctr_filter_add(&f, "status=sleeping"), -EINVAL);
	CHECK_EQ_STR(err_str(), "invalid filter 'status=sleeping' (a status is created, "
		     "restarting, running, removing, paused, exited or dead)");
	CHECK_EQ_INT(ctr_filter_add(&f, "ancestor=busybox"), -EINVAL);
	CHECK(strstr(err_str(), "invalid filter 'ancestor'") != NULL);
	CHECK_EQ_INT(ctr_filter_add(&f, "name"), -EINVAL);
	CHECK(strstr(err_str(), "bad format of filter 'name'") != NULL);
	CHECK_EQ_INT(ctr_filter_add(&f, "exited=x"), -EINVAL);
	CHECK(!ctr_filter_wants_all(&f));
	CHECK_EQ_INT(ctr_filter_add(&f, "status=removing"), 0);
	CHECK(ctr_filter_wants_all(&f));
	ctr_filter_clear(&f);
}

TEST(ps_row_fields)
{
	struct ctr_config c;
	struct ctr_state s = { .status = CTR_RUNNING, .started_ns = 1714557600LL * S + 5 * S };
	struct json *r, *h;

	make_config(&c);
	setenv("TZ", "UTC", 1);
	r = ctr_ps_row(&c, &s, c.created_ns + 3 * MIN, true);
	CHECK_EQ_STR(json_get_str(r, "ID"), "0123456789ab");
	CHECK_EQ_STR(json_get_str(r, "Image"), "busybox:1.36");
	CHECK_EQ_STR(json_get_str(r, "Command"), "\"sleep 1000\"");
	CHECK_EQ_STR(json_get_str(r, "CreatedAt"), "2024-05-01 10:00:00 +0000 UTC");
	CHECK_EQ_STR(json_get_str(r, "RunningFor"), "3 minutes ago");
	CHECK_EQ_STR(json_get_str(r, "Status"), "Up 2 minutes");
	CHECK_EQ_STR(json_get_str(r, "State"), "running");
	CHECK_EQ_STR(json_get_str(r, "Names"), "web");
	CHECK_EQ_STR(json_get_str(r, "Ports"), "");
	CHECK_EQ_STR(json_get_str(r, "Labels"), "tier=front,team=a=b,bare=");
	json_free(r);
	r = ctr_ps_row(&c, &s, c.created_ns, false);
	CHECK_EQ_STR(json_get_str(r, "ID"), c.id);
	CHECK_EQ_STR(json_get_str(r, "Image"), "busybox:1.36@sha256:abcd");
	json_free(r);
	free(c.image);
	c.image = xstrdup("sha256:feedfacefeed00");	/* given by ID */
	r = ctr_ps_row(&c, &s, c.created_ns, true);
	CHECK_EQ_STR(json_get_str(r, "Image"), "feedfacefeed");
	json_free(r);
	free(c.image);
	c.image = NULL;
	c.rootfs = xstrdup("/srv/rootfs");
	r = ctr_ps_row(&c, &s, c.created_ns, true);
	CHECK_EQ_STR(json_get_str(r, "Image"), "/srv/rootfs");
	json_free(r);
	h = ctr_ps_header();
	CHECK_EQ_STR(json_get_str(h, "ID"), "CONTAINER ID");
	CHECK_EQ_STR(json_get_str(h, "RunningFor"), "CREATED");
	json_free(h);
	free_config(&c);
}

TEST(inspect_shape)
{
	struct ctr_config c;
	struct ctr_state s = { .status = CTR_EXITED, .exit_code = 137, .oom_killed = true,
			       .restart_count = 2, .started_ns = 1714557600LL * S + 5,
			       .finished_ns = 1714557601LL * S };
	struct json *o = json_new_obj(), *st, *hc, *cf, *d;
	char *p;
	long long v = -1;

	make_config(&c);
	c.limits.memory = 64 << 20;
	c.limits.cpu_quota_us = 150000;
	c.limits.pids = 50;
	c.restart = CTR_RESTART_ON_FAILURE;
	c.restart_max = 3;
	c.seccomp = SECPOL_SECCOMP_UNCONFINED;
	strv_push(&c.cap_add, "NET_ADMIN");
	c.devices = xzalloc(3 * sizeof(*c.devices));
	CHECK_EQ_INT(secpol_device_parse("/dev/fuse", &c.devices[0]), 0);
	CHECK_EQ_INT(secpol_device_parse("/dev/null:rw", &c.devices[1]), 0);
	CHECK_EQ_INT(secpol_device_parse("/dev/zero:/dev/z:r", &c.devices[2]), 0);
	c.ndevices = 3;
	c.log_max_size = 3 << 20;
	ctr_inspect(&c, &s, "/var/lib/dory/containers/X", o);

	CHECK_EQ_STR(json_get_str(o, "Id"), c.id);
	CHECK_EQ_STR(json_get_str(o, "Created"), "2024-05-01T10:00:00Z");
	CHECK_EQ_STR(json_get_str(o, "Path"), "sleep");
	p = json_print(json_get(o, "Args"), false);
	CHECK_EQ_STR(p, "[\"1000\"]");
	free(p);
	CHECK_EQ_STR(json_get_str(o, "Name"), "/web");
	CHECK_EQ_STR(json_get_str(o, "Image"), c.image_id);
	CHECK_EQ_STR(json_get_str(o, "LogPath"), "/var/lib/dory/containers/X/ctr.log");
	CHECK_EQ_STR(json_get_str(o, "Driver"), "overlay");
	CHECK(json_get_i64(o, "RestartCount", &v) && v == 2);

	st = json_get(o, "State");
	p = json_print(st, false);
	CHECK_EQ_STR(p, "{\"Status\":\"exited\",\"Running\":false,\"Paused\":false,"
		     "\"Restarting\":false,\"OOMKilled\":true,\"Dead\":false,\"Pid\":0,"
		     "\"ExitCode\":137,\"Error\":\"\",\"StartedAt\":"
		     "\"2024-05-01T10:00:00.000000005Z\",\"FinishedAt\":\"2024-05-01T10:00:01Z\"}");
	free(p);

	hc = json_get(o, "HostConfig");
	CHECK(json_get_i64(hc, "Memory", &v) && v == 64 << 20);
	CHECK(json_get_i64(hc, "MemorySwap", &v) && v == 128 << 20);
	CHECK(json_get_i64(hc, "NanoCpus", &v) && v == 1500000000);
	CHECK(json_get_i64(hc, "PidsLimit", &v) && v == 50);
	p = json_print(json_get(hc, "RestartPolicy"), false);
	CHECK_EQ_STR(p, "{\"Name\":\"on-failure\",\"MaximumRetryCount\":3}");
	free(p);
	p = json_print(json_get(hc, "LogConfig"), false);
	CHECK_EQ_STR(p, "{\"Type\":\"dory\",\"Config\":{\"max-size\":\"3145728\","
		     "\"max-file\":\"2\"}}");
	free(p);
	p = json_print(json_get(hc, "CapAdd"), false);
	CHECK_EQ_STR(p, "[\"NET_ADMIN\"]");
	free(p);
	p = json_print(json_get(hc, "CapDrop"), false);
	CHECK_EQ_STR(p, "null");
	free(p);
	p = json_print(json_get(hc, "SecurityOpt"), false);
	CHECK_EQ_STR(p, "[\"seccomp=unconfined\"]");
	free(p);
	d = json_get(hc, "Devices");
	CHECK_EQ_INT(json_arr_len(d), 3);
	p = json_print(d, false);
	CHECK_EQ_STR(p, "[{\"PathOnHost\":\"/dev/fuse\",\"PathInContainer\":\"/dev/fuse\","
		     "\"CgroupPermissions\":\"rwm\"},{\"PathOnHost\":\"/dev/null\","
		     "\"PathInContainer\":\"/dev/null\",\"CgroupPermissions\":\"rw\"},"
		     "{\"PathOnHost\":\"/dev/zero\",\"PathInContainer\":\"/dev/z\","
		     "\"CgroupPermissions\":\"r\"}]");
	free(p);
	CHECK(json_get(hc, "Privileged") && !json_is_true(json_get(hc, "Privileged")));

	cf = json_get(o, "Config");
	CHECK_EQ_STR(json_get_str(cf, "Image"), "busybox:1.36@sha256:abcd");
	CHECK_EQ_STR(json_get_str(cf, "Hostname"), "0123456789ab");
	p = json_print(json_get(cf, "Labels"), false);
	CHECK_EQ_STR(p, "{\"tier\":\"front\",\"team\":\"a=b\",\"bare\":\"\"}");
	free(p);
	p = json_print(json_get(cf, "Entrypoint"), false);
	CHECK_EQ_STR(p, "null");
	free(p);
	p = json_print(json_get(cf, "Cmd"), false);
	CHECK_EQ_STR(p, "[\"sleep\",\"1000\"]");
	free(p);
	CHECK_EQ_STR(json_get_str(cf, "StopSignal"), "SIGTERM");
	CHECK(json_is_arr(json_get(o, "Mounts")) && !json_arr_len(json_get(o, "Mounts")));
	json_free(o);
	free_config(&c);
}

TEST(inspect_defaults_of_an_unstarted_container)
{
	struct ctr_config c;
	struct ctr_state s = { .status = CTR_CREATED };
	struct json *o = json_new_obj(), *hc;
	long long v = -1;

	make_config(&c);
	ctr_inspect(&c, &s, "/d", o);
	CHECK_EQ_STR(json_get_str(json_get(o, "State"), "StartedAt"), "0001-01-01T00:00:00Z");
	CHECK_EQ_STR(json_get_str(json_get(o, "State"), "Status"), "created");
	hc = json_get(o, "HostConfig");
	CHECK(json_get_i64(hc, "Memory", &v) && v == 0);
	CHECK(json_get_i64(hc, "MemorySwap", &v) && v == 0);
	CHECK(json_get(hc, "PidsLimit") && !json_get_i64(hc, "PidsLimit", &v));
	CHECK_EQ_STR(json_get_str(json_get(hc, "RestartPolicy"), "Name"), "no");
	CHECK_EQ_INT(json_arr_len(json_get(hc, "Devices")), 0);
	json_free(o);
	free_config(&c);
}

/* A container with a check: ps's "(healthy)", --filter health=, and
 * inspect's State.Health and Config.Healthcheck, from its health.json. */
TEST(health_in_ps_filter_and_inspect)
{
	char root[] = "/tmp/ctr_view_test.XXXXXX";
	const char *old_root = dory.root;
	struct ctr_config c;
	struct ctr_state s = { .status = CTR_RUNNING, .started_ns = 1714557600LL * S };
	struct ctr_filter f = { 0 };
	struct health h = { .status = HEALTH_STARTING };
	struct health_result r = { .start_ns = 1714557601LL * S, .end_ns = 1714557602LL * S,
				   .exit_code = 0, .output = xstrdup("fine\n") };
	struct json *row, *o = json_new_obj();
	autofree char *dir = NULL, *txt = NULL;

	CHECK(mkdtemp(root) != NULL);
	dory.root = root;
	make_config(&c);
	dir = ctr_dir(c.id);
	CHECK_EQ_INT(fsutil_mkdir_p(dir, 0700), 0);
	CHECK_EQ_INT(ctr_filter_add(&f, "health=none"), 0);
	CHECK(ctr_filter_match(&f, &c, &s));	/* no check configured */
	strv_push(&c.health.test, "CMD-SHELL");
	strv_push(&c.health.test, "true");
	c.health.set = true;
	c.health.interval = S;
	health_record(&h, &c.health, s.started_ns, &r);
	CHECK_EQ_INT(health_save(dir, &h), 0);
	CHECK(!ctr_filter_match(&f, &c, &s));
	ctr_filter_clear(&f);
	CHECK_EQ_INT(ctr_filter_add(&f, "health=healthy"), 0);
	CHECK(ctr_filter_match(&f, &c, &s));
	CHECK_EQ_INT(ctr_filter_add(&f, "health=bogus"), -EINVAL);
	CHECK(strstr(err_str(), "Unrecognised filter value for health: bogus") != NULL);
	ctr_filter_clear(&f);
	row = ctr_ps_row(&c, &s, s.started_ns + 5 * S, true);
	CHECK_EQ_STR(json_get_str(row, "Status"), "Up 5 seconds (healthy)");
	json_free(row);
	s.status = CTR_PAUSED;	/* Docker: "(Paused)" only */
	row = ctr_ps_row(&c, &s, s.started_ns + 5 * S, true);
	CHECK_EQ_STR(json_get_str(row, "Status"), "Up 5 seconds (Paused)");
	json_free(row);
	ctr_inspect(&c, &s, dir, o);
	txt = json_print(json_get(json_get(o, "State"), "Health"), false);
	CHECK_EQ_STR(txt, "{\"Status\":\"healthy\",\"FailingStreak\":0,\"Log\":[{\"Start\":"
		     "\"2024-05-01T10:00:01Z\",\"End\":\"2024-05-01T10:00:02Z\",\"ExitCode\":0,"
		     "\"Output\":\"fine\\n\"}]}");
	free(txt);
	txt = json_print(json_get(json_get(o, "Config"), "Healthcheck"), false);
	CHECK_EQ_STR(txt, "{\"Test\":[\"CMD-SHELL\",\"true\"],\"Interval\":1000000000}");
	json_free(o);
	health_clear(&h);
	health_config_clear(&c.health);
	free_config(&c);
	fsutil_rmtree_scratch(AT_FDCWD, root);
	dory.root = old_root;
}
