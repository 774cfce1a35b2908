// SPDX-License-Identifier: Apache-2.0
/* health_test.c - health check records: Go's durations both ways, the
 * flags with Docker's messages, the merge with the image's, the state
 * machine (retries, start period, the log of 5), output cut at 4096
 * bytes, and health.json read back. */
#include <errno.h>
#include <string.h>

#include "core/ctr/health.h"
#include "core/util/err.h"
#include "core/util/json.h"
#include "core/util/xalloc.h"
#include "tap.h"

#define S HEALTH_NS_PER_S

static long long dur(const char *s)
{
	long long ns = -42;

	return health_duration_parse("--f", s, &ns) < 0 ? -42 : ns;
}

TEST(health_duration_parse_as_go)
{
	CHECK_EQ_INT(dur("0"), 0);
	CHECK_EQ_INT(dur("30s"), 30 * S);
	CHECK_EQ_INT(dur("1m30s"), 90 * S);
	CHECK_EQ_INT(dur("1.5s"), 1500000000LL);
	CHECK_EQ_INT(dur(".5s"), 500000000LL);
	CHECK_EQ_INT(dur("500ms"), 500000000LL);
	CHECK_EQ_INT(dur("2us"), 2000);
	CHECK_EQ_INT(dur("2\xc2\xb5s"), 2000);
	CHECK_EQ_INT(dur("7ns"), 7);
	CHECK_EQ_INT(dur("1h"), 3600 * S);
	CHECK_EQ_INT(dur("-1s"), -S);
	CHECK_EQ_INT(dur(""), -42);
	CHECK_EQ_INT(dur("1"), -42);
	CHECK_EQ_STR(err_str(), "invalid argument \"1\" for \"--f\" flag: time: missing unit in "
		     "duration \"1\"");
	CHECK_EQ_INT(dur("3x"), -42);
	CHECK_EQ_STR(err_str(), "invalid argument \"3x\" for \"--f\" flag: time: unknown unit "
		     "\"x\" in duration \"3x\"");
	CHECK_EQ_INT(dur("s"), -42);
	CHECK_EQ_STR(err_str(), "invalid argument \"s\" for \"--f\" flag: time: invalid duration "
		     "\"s\"");
	CHECK_EQ_INT(dur("9999999999h"), -42);
	err_clear();
}

static void check_text(long long ns, const char *want)
{
	char b[40];

	health_duration_text(ns, b, sizeof(b));
	CHECK_EQ_STR(b, want);
}

TEST(health_duration_text_as_go)
{
	check_text(0, "0s");
	check_text(30 * S, "30s");
	check_text(90 * S, "1m30s");
	check_text(3600 * S, "1h0m0s");
	check_text(1500000000LL, "1.5s");
	check_text(500000000LL, "500ms");
	check_text(1000000, "1ms");
	check_text(1500, "1.5\xc2\xb5s");
	check_text(12, "12ns");
	check_text(-2 * S, "-2s");
}

TEST(health_flags_with_dockers_checks)
{
	struct health_config c;
	struct health_flags f = { .cmd = "curl -f x", .interval = "1s", .retries = "5" };
	static const struct {
		struct health_flags f;
		const char *msg;
	} bad[] = {
		{ { .none = true, .interval = "1s" },
		  "--no-healthcheck conflicts with --health-* options" },
		{ { .timeout = "-5s" }, "--health-timeout cannot be negative" },
		{ { .start_period = "999us" }, "StartPeriod in Healthcheck cannot be less than 1ms" },
		{ { .retries = "-1" }, "--health-retries cannot be negative" },
	};

	CHECK_EQ_INT(health_config_from_flags(&f, &c), 0);
	CHECK(c.set && c.test.n == 2 && health_config_active(&c));
	CHECK_EQ_STR(c.test.v[0], "CMD-SHELL");
	CHECK_EQ_INT(c.interval, S);
	CHECK_EQ_INT(c.retries, 5);
	CHECK_EQ_INT(c.timeout, 0);
	health_config_clear(&c);

	f = (struct health_flags){ 0 };
	CHECK_EQ_INT(health_config_from_flags(&f, &c), 0);
	CHECK(!c.set && !health_config_active(&c));

	f = (struct health_flags){ .none = true };
	CHECK_EQ_INT(health_config_from_flags(&f, &c), 0);
	CHECK(c.set && !health_config_active(&c));
	CHECK_EQ_STR(c.test.v[0], "NONE");
	health_config_clear(&c);

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		CHECK_EQ_INT(health_config_from_flags(&bad[i].f, &c), -EINVAL);
		CHECK_EQ_STR(err_str(), bad[i].msg);
	}
	f = (struct health_flags){ .retries = "99999999999999999999" };
	CHECK_EQ_INT(health_config_from_flags(&f, &c), -EINVAL);
	CHECK(strstr(err_str(), "value out of range") != NULL);
	err_clear();
}

/* A config from Docker's JSON text. */
static void cfg(const char *js, struct health_config *c)
{
	struct json *o = json_parse(js, strlen(js));

	health_config_get(o, "Healthcheck", c);
	json_free(o);
}

static char *cfg_text(const struct health_config *c)
{
	struct json *o = json_new_obj();
	char *s;

	health_config_put(o, "H", c);
	s = json_print(o, false);
	json_free(o);
	return s;
}

TEST(health_merge_as_docker)
{
	struct health_config img, c;
	struct health_flags f = { .cmd = "true" };
	char *s;

	cfg("{\"Healthcheck\":{\"Test\":[\"CMD\",\"x\"],\"Interval\":2000000000,\"Retries\":4}}",
	    &img);
	CHECK_EQ_INT(health_config_from_flags(&f, &c), 0);
	health_config_merge(&c, &img);
	s = cfg_text(&c);
	CHECK_EQ_STR(s, "{\"H\":{\"Test\":[\"CMD-SHELL\",\"true\"],\"Interval\":2000000000,"
		     "\"Retries\":4}}");
	free(s);
	health_config_clear(&c);

	f = (struct health_flags){ .interval = "1s" };	/* the image's test, our interval */
	CHECK_EQ_INT(health_config_from_flags(&f, &c), 0);
	health_config_merge(&c, &img);
	s = cfg_text(&c);
	CHECK_EQ_STR(s, "{\"H\":{\"Test\":[\"CMD\",\"x\"],\"Interval\":1000000000,\"Retries\":4}}");
	free(s);
	health_config_clear(&c);

	memset(&c, 0, sizeof(c));	/* no flags: the image's */
	health_config_merge(&c, &img);
	CHECK(health_config_active(&c) && c.retries == 4);
	health_config_clear(&c);
	health_config_clear(&img);

	cfg("{}", &img);	/* no HEALTHCHECK: nothing */
	memset(&c, 0, sizeof(c));
	health_config_merge(&c, &img);
	CHECK(!c.set);
	s = cfg_text(&c);
	CHECK_EQ_STR(s, "{}");
	free(s);
}

TEST(health_argv_of_each_form)
{
	struct health_config c;
	struct strv a = { 0 };

	cfg("{\"Healthcheck\":{\"Test\":[\"CMD\",\"wget\",\"-q\",\"x\"]}}", &c);
	CHECK_EQ_INT(health_config_argv(&c, &a), 0);
	CHECK(a.n == 3 && !strcmp(a.v[0], "wget") && !strcmp(a.v[2], "x"));
	strv_free(&a);
	health_config_clear(&c);
	cfg("{\"Healthcheck\":{\"Test\":[\"CMD-SHELL\",\"a && b\"]}}", &c);
	CHECK_EQ_INT(health_config_argv(&c, &a), 0);
	CHECK(a.n == 3 && !strcmp(a.v[0], "/bin/sh") && !strcmp(a.v[1], "-c") &&
	      !strcmp(a.v[2], "a && b"));
	strv_free(&a);
	health_config_clear(&c);
	cfg("{\"Healthcheck\":{\"Test\":[\"BOGUS\"]}}", &c);
	CHECK_EQ_INT(health_config_argv(&c, &a), -EINVAL);
	CHECK(a.n == 0);
	health_config_clear(&c);
	err_clear();
}

static void add(struct health *h, const struct health_config *c, long long start, int code)
{
	struct health_result r = { .start_ns = start, .end_ns = start + 1, .exit_code = code,
				   .output = xasprintf("run %d", code) };

	health_record(h, c, 0, &r);
}

TEST(health_states_as_dockers_daemon)
{
	struct health_config c = { .set = true, .retries = 2 };
	struct health h = { 0 };

	health_restart(&h);
	CHECK_EQ_INT(h.status, HEALTH_STARTING);
	add(&h, &c, S, 1);
	CHECK_EQ_INT(h.status, HEALTH_STARTING);
	CHECK_EQ_INT(h.failing_streak, 1);
	add(&h, &c, 2 * S, 0);
	CHECK_EQ_INT(h.status, HEALTH_HEALTHY);
	CHECK_EQ_INT(h.failing_streak, 0);
	add(&h, &c, 3 * S, 1);
	CHECK_EQ_INT(h.status, HEALTH_HEALTHY);
	add(&h, &c, 4 * S, -1);	/* a timeout is a failure too */
	CHECK_EQ_INT(h.status, HEALTH_UNHEALTHY);
	CHECK_EQ_INT(h.failing_streak, 2);
	add(&h, &c, 5 * S, 2);
	add(&h, &c, 6 * S, 3);
	CHECK_EQ_INT(h.nlog, HEALTH_LOG_MAX);
	CHECK_EQ_INT(h.log[0].start_ns, 2 * S);	/* the oldest went */
	CHECK_EQ_STR(h.log[4].output, "run 3");
	health_restart(&h);
	CHECK(h.status == HEALTH_STARTING && h.failing_streak == 0 && h.nlog == 5);
	health_clear(&h);

	c = (struct health_config){ .set = true, .retries = 1, .start_period = 10 * S };
	health_restart(&h);
	add(&h, &c, 9 * S, 1);	/* within the start period: not counted */
	CHECK(h.status == HEALTH_STARTING && h.failing_streak == 0 && h.nlog == 1);
	add(&h, &c, 11 * S, 1);
	CHECK_EQ_INT(h.status, HEALTH_UNHEALTHY);
	health_clear(&h);

	c = (struct health_config){ .set = true };	/* default: 3 retries */
	health_restart(&h);
	add(&h, &c, S, 1);
	add(&h, &c, S, 1);
	CHECK_EQ_INT(h.status, HEALTH_STARTING);
	add(&h, &c, S, 1);
	CHECK_EQ_INT(h.status, HEALTH_UNHEALTHY);
	health_clear(&h);
}

TEST(health_next_uses_the_start_interval)
{
	struct health_config c = { .set = true, .start_period = 10 * S, .interval = 60 * S };
	struct health h = { .status = HEALTH_STARTING };

	CHECK_EQ_INT(health_next(&c, &h, 0, S), S + HEALTH_START_INTERVAL);
	c.start_interval = 2 * S;
	CHECK_EQ_INT(health_next(&c, &h, 0, S), 3 * S);
	CHECK_EQ_INT(health_next(&c, &h, 0, 11 * S), 71 * S);	/* after the period */
	h.status = HEALTH_HEALTHY;
	CHECK_EQ_INT(health_next(&c, &h, 0, S), 61 * S);
	c = (struct health_config){ .set = true };
	CHECK_EQ_INT(health_next(&c, &h, 0, 0), HEALTH_INTERVAL);
}

TEST(health_output_cut_as_docker)
{
	char big[5000];
	char *s;

	memset(big, 'a', sizeof(big));
	s = health_output(big, 4096);
	CHECK_EQ_INT(strlen(s), 4096);
	free(s);
	s = health_output(big, 4097);
	CHECK_EQ_INT(strlen(s), 4099);
	CHECK(!strcmp(s + 4096, "..."));
	free(s);
}

TEST(health_json_round_trip)
{
	struct health_config c = { .set = true };
	struct health h = { 0 }, back;
	char *a, *b;

	health_restart(&h);
	add(&h, &c, 1765000000LL * S + 123456000, 1);
	a = health_json(&h);
	health_parse(a, &back);
	b = health_json(&back);
	CHECK_EQ_STR(a, b);
	CHECK_EQ_INT(back.log[0].start_ns, 1765000000LL * S + 123456000);
	CHECK_EQ_INT(back.status, HEALTH_STARTING);
	CHECK_EQ_STR(health_status_ps(back.status), "health: starting");
	free(a);
	free(b);
	health_clear(&back);
	health_clear(&h);
	health_parse("{\"Status\":\"bogus\",\"Log\":[1,{\"ExitCode\":3}]}", &back);
	CHECK(back.status == HEALTH_NONE && back.nlog == 1 && back.log[0].exit_code == 3);
	health_clear(&back);
	health_parse("not json", &back);
	CHECK(back.status == HEALTH_NONE && back.nlog == 0);
	err_clear();
}
