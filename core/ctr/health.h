// SPDX-License-Identifier: Apache-2.0
/* health.h - Docker's health checks as records: the HEALTHCHECK config
 * (the image's, the --health-* flags, their merge and checks), the
 * results and the state they make (starting, healthy, unhealthy), and
 * ROOT/containers/ID/health.json that holds them. Running a check is the
 * supervisor's (sup_health.h). */
#ifndef DORY_HEALTH_H
#define DORY_HEALTH_H

#include "core/util/base.h"
#include "core/util/str.h"

struct json;

/* Docker's defaults (daemon/health.go) and limits. */
#define HEALTH_NS_PER_S 1000000000LL
enum {
	HEALTH_RETRIES = 3,	/* failures in a row that make it unhealthy */
	HEALTH_LOG_MAX = 5,	/* results kept */
	HEALTH_OUTPUT_MAX = 4096,	/* bytes of a check's output kept, then "..." */
};
#define HEALTH_INTERVAL (30 * HEALTH_NS_PER_S)
#define HEALTH_TIMEOUT (30 * HEALTH_NS_PER_S)
#define HEALTH_START_INTERVAL (5 * HEALTH_NS_PER_S)
#define HEALTH_MIN_NS 1000000LL	/* 1ms: the least non-zero duration */

/* Config.Healthcheck; durations in ns, 0 for the default. */
struct health_config {
	bool set;		/* given at all (Docker's non-nil) */
	struct strv test;	/* ["CMD", ...], ["CMD-SHELL", "cmd"], ["NONE"]; n 0: inherit */
	long long interval, timeout, start_period, start_interval;
	long long retries;
};

enum health_status { HEALTH_NONE, HEALTH_STARTING, HEALTH_HEALTHY, HEALTH_UNHEALTHY };

struct health_result {
	long long start_ns, end_ns;	/* CLOCK_REALTIME */
	int exit_code;		/* 0 healthy, else a failure; -1: it did not run or timed out */
	char *output;		/* allocated; at most HEALTH_OUTPUT_MAX bytes and "..." */
};

struct health {
	enum health_status status;
	long long failing_streak;
	size_t nlog;
	struct health_result log[HEALTH_LOG_MAX];	/* oldest first */
};

/* ---- the config ---- */

/* Go's time.ParseDuration ("1m30s", "500ms", "1.5h") into ns; -EINVAL
 * with Docker's CLI message naming flag ("--health-interval"). */
int health_duration_parse(const char *flag, const char *s, long long *ns);
/* Go's Duration.String(): "30s", "1m30s", "500ms", "0s". */
void health_duration_text(long long ns, char *buf, size_t len);
/* The run flags (NULL: not given) into c, with Docker's checks and
 * messages; no_check: --no-healthcheck (Test ["NONE"]). */
struct health_flags {
	const char *cmd, *interval, *timeout, *retries, *start_period, *start_interval;
	bool none;
};
int health_config_from_flags(const struct health_flags *f, struct health_config *c);
/* Docker's merge: what the flags left unset comes from the image's. */
void health_config_merge(struct health_config *c, const struct health_config *image);
/* Does c run a check (a Test that is not NONE)? */
bool health_config_active(const struct health_config *c);
/* The check's argv (allocated into argv): CMD's arguments, or
 * /bin/sh -c for CMD-SHELL; -EINVAL for a Test of neither kind. */
int health_config_argv(const struct health_config *c, struct strv *argv);
/* Docker's JSON ({"Test": [...], "Interval": ns, ...}, empty members left
 * out) under key in o, as config.json, the image config and inspect hold
 * it; nothing when !c->set. */
void health_config_put(struct json *o, const char *key, const struct health_config *c);
/* The same from o's member key (absent: !c->set). */
void health_config_get(const struct json *o, const char *key, struct health_config *c);
void health_config_clear(struct health_config *c);

/* ---- results and the state ---- */

/* Add result r (taking its output) as Docker's daemon does: a success
 * makes it healthy; a failure counts towards retries, except while it is
 * starting within the start period (from started_ns). The last
 * HEALTH_LOG_MAX results are kept. */
void health_record(struct health *h, const struct health_config *c, long long started_ns,
		   struct health_result *r);
/* A (re)start: starting, no failures, the log kept (Docker's). */
void health_restart(struct health *h);
/* When the next check is due after one that ended at now. */
long long health_next(const struct health_config *c, const struct health *h,
		      long long started_ns, long long now_ns);
/* Keep the first HEALTH_OUTPUT_MAX bytes of n (more: "..." appended). */
char *health_output(const char *buf, size_t n);
/* "starting", "healthy", "unhealthy", "none"; ps's "health: starting". */
const char *health_status_name(enum health_status s);
const char *health_status_ps(enum health_status s);
char *health_json(const struct health *h);	/* allocated */
/* Parse health.json's text; a damaged one gives what could be read. */
void health_parse(const char *text, struct health *h);
/* dir/health.json (dir: the container's); a missing file is HEALTH_NONE. */
int health_load(const char *dir, struct health *h);
/* Replace it atomically: a check's result is not worth a flash write
 * barrier (it is stale after a power cut anyway), so no fsync. */
int health_save(const char *dir, const struct health *h);
void health_clear(struct health *h);

#endif
