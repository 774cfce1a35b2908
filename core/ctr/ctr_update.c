// SPDX-License-Identifier: Apache-2.0
/* ctr_update.c - update: new limits into a running container's cgroup and
 * into its config, where the supervisor and the next start find them.
 * The values are parsed and checked by ctr_build.c, as run's are. */
#include <errno.h>

#include "core/ctr/ctr.h"
#include "core/ctr/ctr_build.h"
#include "core/ctr/ctr_update.h"
#include "core/kernel/cgroup.h"
#include "core/util/err.h"
#include "core/util/lock.h"

int ctr_update(const char *id, const struct ctr_flags *f)
{
	struct ctr_config c;
	struct ctr_state st = { 0 };
	int lk = ctr_lock(id), r;

	if (lk < 0)
		return lk;
	r = ctr_config_load(id, &c);
	if (r < 0)
		goto out_lock;
	r = ctr_build_update(f, &c);
	if (r == 0)
		r = ctr_state_load(id, true, &st);
	/* The cgroup first: a limit the kernel refuses (memory below what
	 * the container uses) leaves the config as it was. */
	if (r == 0 && ctr_active(&st) && st.cg.n)
		r = cg_update_limits(&st.cg, &c.limits);
	if (r == 0)
		r = ctr_config_save(&c);
	ctr_state_clear(&st);
	ctr_config_clear(&c);
out_lock:
	lock_close(lk);
	return r;
}
