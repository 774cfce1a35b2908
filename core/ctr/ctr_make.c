// SPDX-License-Identifier: Apache-2.0
/* ctr_make.c - a container's things on disk: made at create (its root
 * filesystem from the image, its records, the image hold, its seccomp
 * profile) and removed together once it no longer runs. Starting and
 * stopping it is ctr_ops.c's; the supervisor removes a --rm container. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "core/ctr/ctr.h"
#include "core/ctr/ctr_make.h"
#include "core/ctr/ctr_vol.h"
#include "core/ctr/ctr_vol.h"
#include "core/fs/bindcopy.h"
#include "core/fs/ctrfs.h"
#include "core/fs/userns.h"
#include "core/image/image.h"
#include "core/kernel/seccomp.h"
#include "core/runtime/runtime.h"
#include "core/store/store.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/lock.h"
#include "core/util/xalloc.h"

/* The profile as given (for inspect, and to build it again for another
 * kernel) and the program built from it at create, which start and exec
 * load as it is. */
static int ctr_keep_seccomp(const struct ctr_config *c)
{
	autofree char *dir = ctr_dir(c->id);
	autofree char *json = xasprintf("%s/seccomp.json", dir);
	autofree char *bpf = xasprintf("%s/seccomp.bpf", dir);

	if (fsutil_write_atomic(json, c->seccomp_text, !c->autoremove) < 0)
		return err_ctx("seccomp profile");
	if (c->seccomp_prog && seccomp_policy_keep(c->seccomp_prog, c->caps, bpf) < 0)
		err_clear();	/* built again at start */
	return 0;
}

int ctr_make(struct ctr_config *c, struct store *st, const struct image *im)
{
	struct ctrfs fs = { 0 };
	int r = c->id[0] ? 0 : rt_new_id(c->id);

	if (r == 0)
		r = ctr_vol_prepare(c);
	if (r == 0 && im)
		r = ctrfs_prepare(st, im, c->id, c->driver, c->readonly && !c->userns_shifted, &fs);
	/* Without idmapped mounts: its own copy, owners shifted into the range. */
	if (r == 0 && im && c->userns_shifted && userns_shift_tree(fs.src, &c->userns) < 0) {
		r = -err_errno();
		ctrfs_remove(&fs);
	}
	if (r < 0) {
		ctrfs_clear(&fs);
		return r;
	}
	r = ctr_create(c);
	if (r == 0 && c->seccomp == SECPOL_SECCOMP_FILE && c->seccomp_text)
		r = ctr_keep_seccomp(c);
	if (r == 0 && im)
		r = store_hold_put(st, c->id, im->id);
	if (r < 0) {
		char keep[256];
		autofree char *dir = ctr_dir(c->id);

		snprintf(keep, sizeof(keep), "%s", err_str());
		ctr_remove(c->id);
		bindcopy_remove(dir);
		err_setx(-r, "%s", keep);
	}
	ctrfs_clear(&fs);
	return r;
}

static int ctr_unhold(const char *id)
{
	struct store *st;
	int r = store_open(dory.root, &st);

	if (r < 0)
		return r;
	r = store_hold_del(st, id);
	store_close(st);
	return r;
}

/* The records, then the image hold (a --rootfs container has none). */
static int ctr_remove_held(const char *id)
{
	struct ctr_config c;
	bool held = CFG_CORE_IMAGE;

	if (ctr_config_load(id, &c) == 0) {
		held = held && c.image_id;
		ctr_config_clear(&c);
	}
	err_clear();
	if (ctr_remove(id) < 0)
		return -err_errno();
	return held ? ctr_unhold(id) : 0;
}

int ctr_destroy(const char *id)
{
	autofree char *dir = ctr_dir(id);
	struct ctr_state st;
	int lk, r;

	lk = ctr_lock(id);
	if (lk < 0)
		return lk;
	r = ctr_state_load(id, true, &st);
	if (r == 0 && ctr_active(&st))
		r = err_setx(EBUSY, "container %.12s is %s (stop it first, or use rm -f)", id,
			     ctr_status_name(st.status));
	ctr_state_clear(&st);
	if (r == 0)
		r = ctr_remove_held(id);
	if (r == 0)
		r = bindcopy_remove(dir);
	lock_close(lk);
	return r;
}

long long ctr_size_rw(const char *id)
{
	autofree char *dir = ctr_dir(id);
	autofree char *upper = xasprintf("%s/upper", dir), *copy = xasprintf("%s/copy", dir);

	/* The overlay's upper dir, or a bind-copy's own copy: what the
	 * container writes to (Docker's SizeRw). */
	return (long long)(fsutil_tree_bytes(AT_FDCWD, upper) + fsutil_tree_bytes(AT_FDCWD, copy));
}
