// SPDX-License-Identifier: Apache-2.0
/* ctr_update.h - change a container's limits and restart policy after
 * create: in its config (kept across restarts) and, while it runs, in its
 * cgroup. Checking the flags is ctr_build.c's. */
#ifndef DORY_CTR_UPDATE_H
#define DORY_CTR_UPDATE_H

#include "core/ctr/ctr_build.h"

/* Apply update's flags (f: limits and restart) to the container id under
 * its lock: nothing changes when a value is bad. The supervisor of a
 * running one reads the restart policy and limits from the config at
 * its next exit. */
int ctr_update(const char *id, const struct ctr_flags *f);

#endif
