// SPDX-License-Identifier: Apache-2.0
/* health.c - Docker's health checks as records: config, results, the
 * state machine of daemon/health.go, and health.json. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ctr/health.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/json.h"
#include "core/util/xalloc.h"

/* ---- Go's durations ---- */

static const struct {
	const char *unit;
	long long ns;
} health_units[] = {
	{ "ns", 1 }, { "us", 1000 }, { "\xc2\xb5s", 1000 }, { "\xce\xbcs", 1000 },
	{ "ms", 1000000 }, { "s", HEALTH_NS_PER_S }, { "m", 60 * HEALTH_NS_PER_S },
	{ "h", 3600 * HEALTH_NS_PER_S },
};

/* One "1.5h" of s at *p into *ns (added); 0, or why not. */
static const char *health_duration_part(const char **p, long double *ns, char unit[8])
{
	const char *s = *p, *u;
	long double v = 0, scale = 1;
	bool digits = false;
	size_t ulen;

	for (; *s >= '0' && *s <= '9'; s++, digits = true)
		v = v * 10 + (*s - '0');
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++, digits = true)
			v += (*s - '0') * (scale /= 10);
	if (!digits)
		return "invalid duration";
	for (u = s; *s && *s != '.' && (*s < '0' || *s > '9'); s++)
		;
	ulen = (size_t)(s - u);
	if (!ulen)
		return "missing unit in duration";
	for (size_t i = 0; i < ARRAY_SIZE(health_units); i++)
		if (strlen(health_units[i].unit) == ulen && !strncmp(u, health_units[i].unit, ulen)) {
			*ns += v * health_units[i].ns;
			*p = s;
			return NULL;
		}
	snprintf(unit, 8, "%.*s", (int)(ulen < 7 ? ulen : 7), u);
	return "unknown unit";
}

int health_duration_parse(const char *flag, const char *s, long long *ns)
{
	const char *p = s + (*s == '-' || *s == '+'), *why = NULL;
	long double v = 0;
	char unit[8] = "";

	if (!strcmp(p, "0")) {
		*ns = 0;
		return 0;
	}
	if (!*p)
		why = "invalid duration";
	while (!why && *p)
		why = health_duration_part(&p, &v, unit);
	if (!why && v > 9.2e18L)
		why = "invalid duration";
	if (why && *unit)
		return err_setx(EINVAL, "invalid argument \"%s\" for \"%s\" flag: time: unknown unit "
				"\"%s\" in duration \"%s\"", s, flag, unit, s);
	if (why)
		return err_setx(EINVAL, "invalid argument \"%s\" for \"%s\" flag: time: %s \"%s\"",
				s, flag, why, s);
	*ns = (long long)v * (*s == '-' ? -1 : 1);
	return 0;
}

/* "1.5" for v/div with the zeros at the end dropped (div a power of 10). */
static int health_fraction(char *buf, size_t len, long long v, long long div)
{
	char f[24];
	int n = snprintf(f, sizeof(f), "%0*lld", div == 1000 ? 3 : div == 1000000 ? 6 : 9,
			 v % div);

	while (n > 0 && f[n - 1] == '0')
		f[--n] = '\0';
	return snprintf(buf, len, "%lld%s%s", v / div, n ? "." : "", f);
}

void health_duration_text(long long ns, char *buf, size_t len)
{
	long long a = ns < 0 ? -ns : ns, h, m;
	int o = 0;

	if (ns < 0 && len > 1)
		o = snprintf(buf, len, "-");
	if (a == 0) {
		snprintf(buf, len, "0s");
	} else if (a < 1000) {
		snprintf(buf + o, len - (size_t)o, "%lldns", a);
	} else if (a < 1000000) {
		o += health_fraction(buf + o, len - (size_t)o, a, 1000);
		snprintf(buf + o, len - (size_t)o, "\xc2\xb5s");
	} else if (a < HEALTH_NS_PER_S) {
		o += health_fraction(buf + o, len - (size_t)o, a, 1000000);
		snprintf(buf + o, len - (size_t)o, "ms");
	} else {
		h = a / (3600 * HEALTH_NS_PER_S);
		m = a / (60 * HEALTH_NS_PER_S) % 60;
		if (h)
			o += snprintf(buf + o, len - (size_t)o, "%lldh", h);
		if (h || m)
			o += snprintf(buf + o, len - (size_t)o, "%lldm", m);
		o += health_fraction(buf + o, len - (size_t)o, a % (60 * HEALTH_NS_PER_S),
				     HEALTH_NS_PER_S);
		snprintf(buf + o, len - (size_t)o, "s");
	}
}

/* ---- the config ---- */

/* A duration flag: Go's syntax, not negative (the CLI's check), and none
 * or at least 1ms (the daemon's, named by its field). */
static int health_flag_duration(const char *flag, const char *field, const char *v,
				long long *out)
{
	char min[16];

	if (!v)
		return 0;
	if (health_duration_parse(flag, v, out) < 0)
		return -err_errno();
	if (*out < 0)
		return err_setx(EINVAL, "%s cannot be negative", flag);
	health_duration_text(HEALTH_MIN_NS, min, sizeof(min));
	if (*out && *out < HEALTH_MIN_NS)
		return err_setx(EINVAL, "%s in Healthcheck cannot be less than %s", field, min);
	return 0;
}

static int health_flag_retries(const char *v, long long *out)
{
	char *end;

	if (!v)
		return 0;
	errno = 0;
	*out = strtoll(v, &end, 10);
	if (!*v || *end || errno)
		return err_setx(EINVAL, "invalid argument \"%s\" for \"--health-retries\" flag: "
				"strconv.ParseInt: parsing \"%s\": %s", v, v,
				errno == ERANGE ? "value out of range" : "invalid syntax");
	if (*out < 0)
		return err_setx(EINVAL, "--health-retries cannot be negative");
	return 0;
}

int health_config_from_flags(const struct health_flags *f, struct health_config *c)
{
	bool any = (f->cmd && *f->cmd) || f->interval || f->timeout || f->retries ||
		   f->start_period || f->start_interval;

	memset(c, 0, sizeof(*c));
	if (f->none && any)
		return err_setx(EINVAL, "--no-healthcheck conflicts with --health-* options");
	if (f->none) {
		c->set = true;
		strv_push(&c->test, "NONE");
		return 0;
	}
	if (!any)
		return 0;
	c->set = true;
	if (f->cmd && *f->cmd) {
		strv_push(&c->test, "CMD-SHELL");
		strv_push(&c->test, f->cmd);
	}
	if (health_flag_duration("--health-interval", "Interval", f->interval, &c->interval) < 0 ||
	    health_flag_duration("--health-timeout", "Timeout", f->timeout, &c->timeout) < 0 ||
	    health_flag_retries(f->retries, &c->retries) < 0 ||
	    health_flag_duration("--health-start-period", "StartPeriod", f->start_period,
				 &c->start_period) < 0 ||
	    health_flag_duration("--health-start-interval", "StartInterval", f->start_interval,
				 &c->start_interval) < 0) {
		health_config_clear(c);
		return -err_errno();
	}
	return 0;
}

void health_config_merge(struct health_config *c, const struct health_config *image)
{
	if (!image->set)
		return;
	if (!c->set) {
		c->set = true;
		for (size_t i = 0; i < image->test.n; i++)
			strv_push(&c->test, image->test.v[i]);
		c->interval = image->interval;
		c->timeout = image->timeout;
		c->start_period = image->start_period;
		c->start_interval = image->start_interval;
		c->retries = image->retries;
		return;
	}
	if (!c->test.n)
		for (size_t i = 0; i < image->test.n; i++)
			strv_push(&c->test, image->test.v[i]);
	c->interval = c->interval ? c->interval : image->interval;
	c->timeout = c->timeout ? c->timeout : image->timeout;
	c->start_period = c->start_period ? c->start_period : image->start_period;
	c->start_interval = c->start_interval ? c->start_interval : image->start_interval;
	c->retries = c->retries ? c->retries : image->retries;
}

bool health_config_active(const struct health_config *c)
{
	return c->set && c->test.n && strcmp(c->test.v[0], "NONE");
}

int health_config_argv(const struct health_config *c, struct strv *argv)
{
	const char *k = c->test.n ? c->test.v[0] : "";

	if (!strcmp(k, "CMD") && c->test.n > 1) {
		for (size_t i = 1; i < c->test.n; i++)
			strv_push(argv, c->test.v[i]);
		return 0;
	}
	if (!strcmp(k, "CMD-SHELL") && c->test.n == 2) {
		strv_push(argv, "/bin/sh");
		strv_push(argv, "-c");
		strv_push(argv, c->test.v[1]);
		return 0;
	}
	return err_setx(EINVAL, "unknown Healthcheck type \"%s\" (use CMD, CMD-SHELL or NONE)", k);
}

void health_config_put(struct json *o, const char *key, const struct health_config *c)
{
	struct json *h, *t;

	if (!c->set)
		return;
	h = json_add_obj(o, key);
	if (c->test.n) {
		t = json_add_arr(h, "Test");
		for (size_t i = 0; i < c->test.n; i++)
			json_add_str(t, NULL, c->test.v[i]);
	}
	if (c->interval)
		json_add_i64(h, "Interval", c->interval);
	if (c->timeout)
		json_add_i64(h, "Timeout", c->timeout);
	if (c->start_period)
		json_add_i64(h, "StartPeriod", c->start_period);
	if (c->start_interval)
		json_add_i64(h, "StartInterval", c->start_interval);
	if (c->retries)
		json_add_i64(h, "Retries", c->retries);
}

/* A duration member: a whole, non-negative number (else the default). */
static long long health_get_ns(const struct json *h, const char *key)
{
	long long v = 0;

	return json_get_i64(h, key, &v) && v > 0 ? v : 0;
}

void health_config_get(const struct json *o, const char *key, struct health_config *c)
{
	const struct json *h = json_get(o, key), *t = json_get(h, "Test");

	memset(c, 0, sizeof(*c));
	if (!json_is_obj(h))
		return;
	c->set = true;
	for (int i = 0; i < json_arr_len(t); i++)
		if (json_str(json_arr_at(t, i)))
			strv_push(&c->test, json_str(json_arr_at(t, i)));
	c->interval = health_get_ns(h, "Interval");
	c->timeout = health_get_ns(h, "Timeout");
	c->start_period = health_get_ns(h, "StartPeriod");
	c->start_interval = health_get_ns(h, "StartInterval");
	c->retries = health_get_ns(h, "Retries");
}

void health_config_clear(struct health_config *c)
{
	strv_free(&c->test);
	memset(c, 0, sizeof(*c));
}

/* ---- results and the state ---- */

void health_record(struct health *h, const struct health_config *c, long long started_ns,
		   struct health_result *r)
{
	long long retries = c->retries > 0 ? c->retries : HEALTH_RETRIES;

	if (h->nlog == HEALTH_LOG_MAX) {
		free(h->log[0].output);
		memmove(h->log, h->log + 1, (HEALTH_LOG_MAX - 1) * sizeof(h->log[0]));
		h->nlog--;
	}
	h->log[h->nlog++] = *r;
	r->output = NULL;
	if (r->exit_code == 0) {
		h->failing_streak = 0;
		h->status = HEALTH_HEALTHY;
		return;
	}
	/* Failures while starting within the start period do not count. */
	if (h->status == HEALTH_STARTING && r->start_ns - started_ns < c->start_period)
		return;
	if (++h->failing_streak >= retries)
		h->status = HEALTH_UNHEALTHY;
}

void health_restart(struct health *h)
{
	h->status = HEALTH_STARTING;
	h->failing_streak = 0;
}

long long health_next(const struct health_config *c, const struct health *h,
		      long long started_ns, long long now_ns)
{
	/* StartInterval applies while starting within a start period. */
	if (c->start_period && h->status == HEALTH_STARTING &&
	    now_ns - started_ns < c->start_period)
		return now_ns + (c->start_interval ? c->start_interval : HEALTH_START_INTERVAL);
	return now_ns + (c->interval ? c->interval : HEALTH_INTERVAL);
}

char *health_output(const char *buf, size_t n)
{
	char *s;

	if (n <= HEALTH_OUTPUT_MAX)
		return xstrndup(buf, n);
	s = xmalloc(HEALTH_OUTPUT_MAX + 4);
	memcpy(s, buf, HEALTH_OUTPUT_MAX);
	memcpy(s + HEALTH_OUTPUT_MAX, "...", 4);
	return s;
}

static const char *const health_names[] = { "none", "starting", "healthy", "unhealthy" };

const char *health_status_name(enum health_status s)
{
	return health_names[(unsigned)s < ARRAY_SIZE(health_names) ? s : 0];
}

const char *health_status_ps(enum health_status s)
{
	return s == HEALTH_STARTING ? "health: starting" : health_status_name(s);
}

/* The record keeps times as microseconds since the epoch: whole numbers
 * that JSON's doubles hold exactly (ns would not), and no time parser. */
char *health_json(const struct health *h)
{
	struct json *o = json_new_obj(), *log = json_add_arr(o, "Log");
	char *s;

	json_add_str(o, "Status", health_status_name(h->status));
	json_add_i64(o, "FailingStreak", h->failing_streak);
	for (size_t i = 0; i < h->nlog; i++) {
		struct json *e = json_add_obj(log, NULL);

		json_add_i64(e, "StartUs", h->log[i].start_ns / 1000);
		json_add_i64(e, "EndUs", h->log[i].end_ns / 1000);
		json_add_i64(e, "ExitCode", h->log[i].exit_code);
		json_add_str(e, "Output", h->log[i].output ? h->log[i].output : "");
	}
	s = json_print(o, false);
	json_free(o);
	return s;
}

void health_parse(const char *text, struct health *h)
{
	struct json *o = json_parse(text, strlen(text)), *log = json_get(o, "Log");
	const char *st = json_get_str(o, "Status");

	memset(h, 0, sizeof(*h));
	err_clear();	/* damaged: what could be read */
	for (size_t i = 1; st && i < ARRAY_SIZE(health_names); i++)
		if (!strcmp(st, health_names[i]))
			h->status = (enum health_status)i;
	json_get_i64(o, "FailingStreak", &h->failing_streak);
	for (int i = 0; i < json_arr_len(log) && h->nlog < HEALTH_LOG_MAX; i++) {
		const struct json *e = json_arr_at(log, i);
		struct health_result *r = &h->log[h->nlog];
		long long code = -1;
		const char *out = json_get_str(e, "Output");

		if (!json_is_obj(e))
			continue;
		if (json_get_i64(e, "StartUs", &r->start_ns))
			r->start_ns *= 1000;
		if (json_get_i64(e, "EndUs", &r->end_ns))
			r->end_ns *= 1000;
		json_get_i64(e, "ExitCode", &code);
		r->exit_code = (int)code;
		r->output = xstrdup(out ? out : "");
		h->nlog++;
	}
	json_free(o);
}

int health_load(const char *dir, struct health *h)
{
	autofree char *path = xasprintf("%s/health.json", dir), *text = NULL;

	memset(h, 0, sizeof(*h));
	if (fsutil_read_file(path, &text) < 0) {
		if (err_errno() != ENOENT)
			return -err_errno();
		err_clear();
		return 0;
	}
	health_parse(text, h);
	return 0;
}

int health_save(const char *dir, const struct health *h)
{
	autofree char *path = xasprintf("%s/health.json", dir), *text = health_json(h);

	return fsutil_write_atomic(path, text, false) < 0 ? -err_errno() : 0;
}

void health_clear(struct health *h)
{
	for (size_t i = 0; i < h->nlog; i++)
		free(h->log[i].output);
	memset(h, 0, sizeof(*h));
}
