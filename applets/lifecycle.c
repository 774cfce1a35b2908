// SPDX-License-Identifier: Apache-2.0
/* lifecycle.c - the container lifecycle commands: start (and start --all for
 * boot), stop, restart, kill, rm, wait, pause, unpause and top. */
//@applet start       APPLET_LIFECYCLE  start_main    NEEDROOT
//@applet stop        APPLET_LIFECYCLE  stop_main     NEEDROOT
//@applet restart     APPLET_LIFECYCLE  restart_main  NEEDROOT
//@applet kill        APPLET_LIFECYCLE  kill_main     NEEDROOT
//@applet rm          APPLET_LIFECYCLE  rm_main       NEEDROOT
//@applet wait        APPLET_LIFECYCLE  wait_main     NEEDROOT
//@applet pause       APPLET_LIFECYCLE  pause_main    NEEDROOT
//@applet unpause     APPLET_LIFECYCLE  unpause_main  NEEDROOT
//@applet top         APPLET_LIFECYCLE  top_main      NEEDROOT
//@config APPLET_LIFECYCLE
//@	bool "start, stop, restart, kill, rm, wait, pause, unpause, top (~12 KB)"
//@	default y
//@	depends on APPLET_RUN
//@	help
//@	  Usage: dory start [-a] [-i] CONTAINER...   or: dory start --all
//@	     or: dory stop|restart [-t SECONDS] CONTAINER...   or: dory stop --all
//@	     or: dory kill [-s SIGNAL] CONTAINER...
//@	     or: dory rm [-f] [-v] CONTAINER...
//@	     or: dory wait|pause|unpause CONTAINER...
//@	     or: dory top CONTAINER
//@
//@	  A CONTAINER is a name, an id, or a unique start of an id.
//@	  start     start in the background (a supervisor per container)
//@	    -a, --attach       stay attached to its output; exit with its status
//@	    -i, --interactive  attach stdin too
//@	        --all          every container whose restart policy asks for
//@	                       it, for init scripts at boot: always; unless-
//@	                       stopped if not stopped by hand; on-failure if it
//@	                       failed (or ran at the reboot) with retries left
//@	  stop      its stop signal (SIGTERM), then SIGKILL after a time
//@	    -t, --time N       seconds to wait (default: its --stop-timeout, 10)
//@	        --all          every running container, for init scripts at
//@	                       shutdown: not counted as stopped by hand
//@	  restart   stop, then start
//@	  kill      send a signal to its main process
//@	    -s, --signal S     the signal (default KILL)
//@	  rm        remove stopped containers, their files and logs
//@	    -f, --force        kill a running one first
//@	    -v, --volumes      also its anonymous volumes no other container uses
//@	  wait      wait until each stops; print its exit code
//@	  pause     freeze every process of the container (cgroup freezer)
//@	  unpause   thaw them
//@	  top       the container's processes, as ps -ef shows them
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ctr/ctr.h"
#include "core/ctr/ctr_ops.h"
#include "core/ctr/ctr_view.h"
#include "core/ctr/supervisor.h"
#include "core/util/err.h"
#include "core/util/log.h"
#include "core/util/opt.h"
#include "core/util/str.h"
#include "core/util/xalloc.h"

struct ctr_opts {
	bool attach, interactive, all, force, volumes;
	const char *time, *signal;
};

static const struct opt start_optv[] = {
	OPT_BOOL('a', "attach", offsetof(struct ctr_opts, attach)),
	OPT_BOOL('i', "interactive", offsetof(struct ctr_opts, interactive)),
	OPT_BOOL(0, "all", offsetof(struct ctr_opts, all)),
	OPT_END
};

static const struct opt stop_optv[] = {
	OPT_STR('t', "time", offsetof(struct ctr_opts, time)),
	OPT_BOOL(0, "all", offsetof(struct ctr_opts, all)),
	OPT_STR(0, "timeout", offsetof(struct ctr_opts, time)),
	OPT_END
};

static const struct opt kill_optv[] = {
	OPT_STR('s', "signal", offsetof(struct ctr_opts, signal)),
	OPT_END
};

static const struct opt rm_optv[] = {
	OPT_BOOL('f', "force", offsetof(struct ctr_opts, force)),
	OPT_BOOL('v', "volumes", offsetof(struct ctr_opts, volumes)),
	OPT_END
};

static const struct opt none_optv[] = { OPT_END };

/* Parse options; at least one CONTAINER unless none_ok. */
static char **ctr_args(const struct opt *optv, struct ctr_opts *o, char **argv, bool none_ok)
{
	char **args = opt_parse(optv, o, argv);

	if (!*args && !none_ok)
		die("give at least one container (see 'dory %s --help')", dory.applet);
	return args;
}

/* Resolve each ref and apply fn; Docker prints each ref done and goes on
 * past failures, exiting 1 if any failed. */
static int ctr_each(char **refs, int (*fn)(const char *id, void *arg), void *arg, bool echo)
{
	int ret = 0;

	for (; *refs; refs++) {
		char id[CTR_ID_LEN + 1];

		if (ctr_find(*refs, id) < 0 || fn(id, arg) < 0) {
			warn("%s", err_str());
			err_clear();
			ret = 1;
		} else if (echo) {
			printf("%s\n", *refs);
		}
	}
	return fflush(stdout) ? 125 : ret;
}

/* ---- start ---- */

static int start_one(const char *id, void *arg)
{
	int status;

	(void)arg;
	return ctr_start(id, false, &status);
}

/* Does the restart policy ask to start it at boot? */
static bool start_wanted(const struct ctr_config *c, const struct ctr_state *st)
{
	if (ctr_active(st))
		return false;
	switch (c->restart) {
	case CTR_RESTART_ALWAYS:
		return true;
	case CTR_RESTART_UNLESS_STOPPED:
		return !st->manual_stop;
	case CTR_RESTART_ON_FAILURE:	/* a failure (255: the reboot) with retries left */
		return !st->manual_stop && st->status == CTR_EXITED && st->exit_code != 0 &&
		       (!c->restart_max || st->restart_count < c->restart_max);
	default:
		return false;
	}
}

struct start_job {
	char id[CTR_ID_LEN + 1];
	char *name;
	pid_t sup;
	int rfd;
};

/* Every wanted container, oldest first: all supervisors are spawned
 * first, then each is waited for, so that they start side by side. */
static int start_all(void)
{
	struct strv ids = { 0 };
	struct start_job *jobs;
	size_t n = 0;
	int ret = 0;

	if (ctr_list(&ids) < 0)
		die_err();
	jobs = xzalloc((ids.n + 1) * sizeof(*jobs));
	for (size_t i = 0; i < ids.n; i++) {
		struct ctr_config c;
		struct ctr_state st;
		bool want;

		if (ctr_config_load(ids.v[i], &c) < 0 || ctr_state_load(ids.v[i], false, &st) < 0) {
			err_clear();
			continue;
		}
		want = start_wanted(&c, &st);
		ctr_state_clear(&st);
		if (want && sup_spawn(ids.v[i], &jobs[n].sup, &jobs[n].rfd) == 0) {
			memcpy(jobs[n].id, ids.v[i], sizeof(jobs[n].id));
			jobs[n++].name = TAKE(c.name);
		} else if (want) {
			warn("%s: %s", c.name, err_str());
			ret = 1;
		}
		ctr_config_clear(&c);
	}
	for (size_t i = 0; i < n; i++) {
		int status;

		if (sup_spawned(jobs[i].sup, jobs[i].rfd, &status) < 0) {
			warn("%s: %s", jobs[i].name, err_str());
			ret = 1;
		} else {
			printf("%s\n", jobs[i].name);
		}
		free(jobs[i].name);
	}
	free(jobs);
	strv_free(&ids);
	return fflush(stdout) ? 125 : ret;
}

int start_main(int argc, char **argv)
{
	struct ctr_opts o = { 0 };
	char **refs = ctr_args(start_optv, &o, argv, true);
	char id[CTR_ID_LEN + 1];
	int status;

	(void)argc;
	if (o.all && *refs)
		die("give either --all or containers, not both");
	if (o.all)
		return start_all();
	if (!*refs)
		die("give at least one container (see 'dory start --help')");
	if (!o.attach && !o.interactive)
		return ctr_each(refs, start_one, NULL, true);
	if (refs[1])
		die("you cannot attach to several containers at once (give one)");
	if (ctr_find(*refs, id) < 0 || ctr_start(id, true, &status) < 0) {
		dory.fail_code = status;
		die_err();
	}
	return status;
}

/* ---- stop, restart, kill ---- */

static int stop_time(const struct ctr_opts *o)
{
	unsigned long long n;

	if (!o->time)
		return -1;
	if (str_to_u64(o->time, 1U << 30, &n) < 0)
		die("invalid time \"%s\" (use seconds)", o->time);
	return (int)n;
}

static int stop_one(const char *id, void *arg)
{
	return ctr_stop(id, *(int *)arg);
}

static int restart_one(const char *id, void *arg)
{
	int status;

	if (ctr_stop(id, *(int *)arg) < 0)
		return -err_errno();
	return ctr_start(id, false, &status);
}

/* Every running container: all supervisors told first, then waited for. */
static int stop_all(void)
{
	struct strv ids = { 0 }, asked = { 0 };
	int ret = 0;

	if (ctr_list(&ids) < 0)
		die_err();
	for (size_t i = 0; i < ids.n; i++)
		if (ctr_shutdown(ids.v[i]) == 0)
			strv_push(&asked, ids.v[i]);
		else
			err_clear();	/* removed meanwhile */
	for (size_t i = 0; i < asked.n; i++) {
		struct ctr_state st;

		if (ctr_wait(asked.v[i], -1, &st) < 0) {
			warn("%s", err_str());
			ret = 1;
		}
		ctr_state_clear(&st);
	}
	strv_free(&asked);
	strv_free(&ids);
	return ret;
}

int stop_main(int argc, char **argv)
{
	struct ctr_opts o = { 0 };
	char **refs = ctr_args(stop_optv, &o, argv, true);
	int t = stop_time(&o);

	(void)argc;
	if (o.all && *refs)
		die("give either --all or containers, not both");
	if (o.all)
		return stop_all();
	if (!*refs)
		die("give at least one container (see 'dory stop --help')");
	return ctr_each(refs, stop_one, &t, true);
}

int restart_main(int argc, char **argv)
{
	struct ctr_opts o = { 0 };
	char **refs = ctr_args(stop_optv, &o, argv, false);
	int t = stop_time(&o);

	(void)argc;
	return ctr_each(refs, restart_one, &t, true);
}

static int kill_one(const char *id, void *arg)
{
	return ctr_kill(id, *(int *)arg);
}

int kill_main(int argc, char **argv)
{
	struct ctr_opts o = { 0 };
	char **refs = ctr_args(kill_optv, &o, argv, false);
	int sig = o.signal ? ctr_signal_parse(o.signal) : SIGKILL;

	(void)argc;
	if (sig < 0)
		die_err();
	return ctr_each(refs, kill_one, &sig, true);
}

/* ---- rm, wait, pause ---- */

static int rm_one(const char *id, void *arg)
{
	const struct ctr_opts *o = arg;

	return ctr_delete_volumes(id, o->force, o->volumes);
}

int rm_main(int argc, char **argv)
{
	struct ctr_opts o = { 0 };
	char **refs = ctr_args(rm_optv, &o, argv, false);

	(void)argc;
	return ctr_each(refs, rm_one, &o, true);
}

static int wait_one(const char *id, void *arg)
{
	struct ctr_state st;
	int r = ctr_wait(id, -1, &st);

	(void)arg;
	if (r == 0) {
		printf("%d\n", st.exit_code);
		ctr_state_clear(&st);
	}
	return r;
}

int wait_main(int argc, char **argv)
{
	struct ctr_opts o = { 0 };
	char **refs = ctr_args(none_optv, &o, argv, false);

	(void)argc;
	return ctr_each(refs, wait_one, NULL, false);
}

static int pause_one(const char *id, void *arg)
{
	return ctr_pause(id, *(bool *)arg);
}

int pause_main(int argc, char **argv)
{
	struct ctr_opts o = { 0 };
	char **refs = ctr_args(none_optv, &o, argv, false);
	bool on = true;

	(void)argc;
	return ctr_each(refs, pause_one, &on, true);
}

int unpause_main(int argc, char **argv)
{
	struct ctr_opts o = { 0 };
	char **refs = ctr_args(none_optv, &o, argv, false);
	bool off = false;

	(void)argc;
	return ctr_each(refs, pause_one, &off, true);
}

/* ---- top ---- */

int top_main(int argc, char **argv)
{
	struct ctr_opts o = { 0 };
	char **refs = ctr_args(none_optv, &o, argv, false);
	char id[CTR_ID_LEN + 1];
	struct ctr_state st;
	struct strv lines = { 0 };

	(void)argc;
	if (ctr_find(*refs, id) < 0 || ctr_state_load(id, false, &st) < 0)
		die_err();
	if (st.status != CTR_RUNNING && st.status != CTR_PAUSED)
		die("container %s is not running (start it first)", *refs);
	if (ctr_top(&st, &lines) < 0)
		die("cannot list the processes of %s: %s", *refs, err_str());
	for (size_t i = 0; i < lines.n; i++)
		puts(lines.v[i]);
	strv_free(&lines);
	ctr_state_clear(&st);
	return fflush(stdout) ? 125 : 0;
}
