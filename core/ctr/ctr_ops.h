// SPDX-License-Identifier: Apache-2.0
/* ctr_ops.h - what the lifecycle commands do to a container: make it,
 * start it, signal, stop, pause and delete it, under its lock. */
#ifndef DORY_CTR_OPS_H
#define DORY_CTR_OPS_H

#include "core/ctr/ctr.h"

/* Start it: attached, the caller becomes its supervisor until it stops
 * for good; else a supervisor starts in the background and this returns
 * once the container runs. Already running: 0. *status as sup_run. */
int ctr_start(const char *id, bool attached, int *status);
/* Send sig to its init. SIGKILL or its stop signal also mean "stopped by
 * hand": no restart. -EINVAL when it does not run. */
int ctr_kill(const char *id, int sig);
/* The stop signal, then SIGKILL after timeout seconds (-1: its own). */
int ctr_stop(const char *id, int timeout);
/* Ask its supervisor to stop it (stop signal, SIGKILL after its
 * timeout) without counting that as a stop by hand: for shutdown, so that
 * the next boot's start --all brings back the same containers. */
int ctr_shutdown(const char *id);
/* Until it no longer runs (timeout_ms; -1 forever): 0 and its state. */
int ctr_wait(const char *id, int timeout_ms, struct ctr_state *out);
/* Freeze or thaw every process of a running container. */
int ctr_pause(const char *id, bool pause);
/* Delete it and all it has (root filesystem, log, hold); one that runs
 * is killed first with force, else -EBUSY. */
int ctr_delete(const char *id, bool force);
/* ctr_delete, then with volumes its anonymous volumes (rm -v, run --rm). */
int ctr_delete_volumes(const char *id, bool force, bool volumes);

#endif
