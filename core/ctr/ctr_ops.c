// SPDX-License-Identifier: Apache-2.0
/* ctr_ops.c - the lifecycle operations on a container that exists: start
 * through a supervisor, kill, stop with a timeout, wait, pause and delete,
 * each under the container's lock. Making and removing its things on disk
 * is ctr_make.c's. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/ctr/ctr_make.h"
#include "core/ctr/ctr_ops.h"
#include "core/ctr/ctr_vol.h"
#include "core/ctr/supervisor.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/lock.h"
#include "core/util/log.h"
#include "core/util/xalloc.h"

int ctr_start(const char *id, bool attached, int *status)
{
	struct ctr_state st;
	pid_t sup;
	int rfd, r = ctr_state_load(id, false, &st);

	*status = 125;
	if (r < 0)
		return r;
	ctr_state_clear(&st);
	if (ctr_active(&st)) {
		*status = 0;
		return 0;
	}
	if (attached)
		return sup_run(id, -1, true, status);
	r = sup_spawn(id, &sup, &rfd);
	return r < 0 ? r : sup_spawned(sup, rfd, status);
}

/* Is sig the container's stop signal (SIGTERM unless its image says)? */
static bool ctr_is_stop_signal(const char *id, int sig)
{
	struct ctr_config c;
	int stop;

	if (ctr_config_load(id, &c) < 0) {
		err_clear();
		return sig == SIGTERM;
	}
	stop = ctr_stop_signal(&c);
	ctr_config_clear(&c);
	return sig == stop;
}

static int ctr_kill_locked(const char *id, struct ctr_state *st, int sig, bool manual)
{
	if (manual && !st->manual_stop) {
		st->manual_stop = true;
		if (ctr_state_save(id, st) < 0)
			return -err_errno();
	}
	if (st->status == CTR_RESTARTING || !st->pid)
		return manual && kill(st->sup_pid, SIGTERM) < 0 && errno != ESRCH ?
		       err_set(errno, "signal the supervisor") : 0;
	if (kill(st->pid, sig) < 0 && errno != ESRCH)
		return err_set(errno, "send signal %d", sig);
	/* A frozen task acts on a fatal signal only once thawed. */
	if (st->status == CTR_PAUSED && manual && cg_freeze(&st->cg, false) < 0)
		return -err_errno();
	return 0;
}

int ctr_kill(const char *id, int sig)
{
	struct ctr_state st;
	bool manual = sig == SIGKILL || ctr_is_stop_signal(id, sig);
	int lk = ctr_lock(id), r;

	if (lk < 0)
		return lk;
	r = ctr_state_load(id, true, &st);
	if (r == 0 && !ctr_active(&st))
		r = err_setx(EINVAL, "container %.12s is not running", id);
	else if (r == 0)
		r = ctr_kill_locked(id, &st, sig, manual);
	ctr_state_clear(&st);
	lock_close(lk);
	return r;
}

int ctr_wait(const char *id, int timeout_ms, struct ctr_state *out)
{
	unsigned waited = 0, step = 5;

	for (;;) {
		struct timespec ts;
		int r = ctr_state_load(id, false, out);

		if (r < 0)
			return r;
		if (!ctr_active(out))
			return 0;
		ctr_state_clear(out);
		if (timeout_ms >= 0 && waited >= (unsigned)timeout_ms)
			return err_setx(ETIMEDOUT, "container %.12s still runs", id);
		ts = (struct timespec){ 0, (long)step * 1000000L };
		nanosleep(&ts, NULL);
		waited += step;
		step = step < 100 ? step * 2 : 100;
	}
}

int ctr_stop(const char *id, int timeout)
{
	struct ctr_config c;
	struct ctr_state st;
	int sig, r;

	r = ctr_config_load(id, &c);
	if (r < 0)
		return r;
	if (timeout < 0)
		timeout = c.stop_timeout;
	sig = ctr_stop_signal(&c);
	ctr_config_clear(&c);
	r = ctr_kill(id, sig);
	if (r == -EINVAL) {
		err_clear();	/* not running: nothing to stop, as Docker */
		return 0;
	}
	if (r == 0 && ctr_wait(id, timeout * 1000, &st) == 0)
		return 0;
	err_clear();
	r = ctr_kill(id, SIGKILL);
	if (r == -EINVAL) {
		err_clear();
		return 0;
	}
	return r < 0 ? r : ctr_wait(id, 10000, &st);
}

int ctr_shutdown(const char *id)
{
	struct ctr_state st;
	int lk = ctr_lock(id), r;

	if (lk < 0)
		return lk;
	r = ctr_state_load(id, true, &st);
	if (r == 0 && ctr_active(&st) && kill(st.sup_pid, SIGTERM) < 0 && errno != ESRCH)
		r = err_set(errno, "signal the supervisor of %.12s", id);
	ctr_state_clear(&st);
	lock_close(lk);
	return r;
}

int ctr_pause(const char *id, bool pause)
{
	struct ctr_state st;
	int lk = ctr_lock(id), r;

	if (lk < 0)
		return lk;
	r = ctr_state_load(id, true, &st);
	if (r == 0 && st.status != (pause ? CTR_RUNNING : CTR_PAUSED))
		r = err_setx(EINVAL, pause ? "container %.12s is not running" :
				     "container %.12s is not paused", id);
	else if (r == 0 && !st.cg.n)
		r = err_setx(ENODEV, "container %.12s has no cgroup to freeze", id);
	else if (r == 0 && cg_freeze(&st.cg, pause) == 0) {
		st.status = pause ? CTR_PAUSED : CTR_RUNNING;
		r = ctr_state_save(id, &st);
	} else if (r == 0) {
		r = -err_errno();
	}
	ctr_state_clear(&st);
	lock_close(lk);
	return r;
}

int ctr_delete(const char *id, bool force)
{
	return ctr_delete_volumes(id, force, false);
}

int ctr_delete_volumes(const char *id, bool force, bool volumes)
{
	struct ctr_config c = { 0 };
	struct ctr_state st;
	int r;

	if (force) {
		r = ctr_kill(id, SIGKILL);
		if (r == 0)
			r = ctr_wait(id, 10000, &st);
		if (r < 0 && r != -EINVAL)
			return r;
		err_clear();
	}
	if (!volumes)
		return ctr_destroy(id);
	if (ctr_config_load(id, &c) < 0)
		return -err_errno();
	r = ctr_destroy(id);
	if (r == 0)
		r = ctr_vol_remove_anon(&c);
	ctr_config_clear(&c);
	return r;
}
