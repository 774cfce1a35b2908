// SPDX-License-Identifier: Apache-2.0
/* supervisor.h - the process that owns a running container: started in the
 * background by sup_spawn (this binary again, as `dory _supervise ID`), or
 * the calling process itself for an attached `run` or `start -a`. */
#ifndef DORY_SUPERVISOR_H
#define DORY_SUPERVISOR_H

#include <sys/types.h>

#include "core/util/base.h"

/* Own container id until it stops for good: start it, carry its output
 * (to the log when detached, to the caller's terminal when attached),
 * record each exit, restart it as its policy says. readyfd (-1: none)
 * hears "R" once it runs or "E<code><message>" if it could not start.
 * *status is the last exit status (125/126/127 when it did not start). */
int sup_run(const char *id, int readyfd, bool attached, int *status);
/* Start id's supervisor in the background; *rfd is where it reports. */
int sup_spawn(const char *id, pid_t *sup, int *rfd);
/* Wait for that report: 0 once the container runs, else the error and
 * *status (125, 126, 127). Several spawns can be waited for in turn. */
int sup_spawned(pid_t sup, int rfd, int *status);

#endif
