// SPDX-License-Identifier: Apache-2.0
/* ctr_vol.h - a container's -v mounts: made at create (a named volume on
 * first use, a missing host directory as Docker's -v), turned into the
 * runtime's binds at start, and which containers name a volume. */
#ifndef DORY_CTR_VOL_H
#define DORY_CTR_VOL_H

#include "core/ctr/ctr.h"
#include "core/runtime/runtime.h"

/* The mount flags of run and create, as given. */
struct ctr_vol_flags {
	const struct strv *volumes, *mounts, *tmpfs, *volumes_from;
};
/* c's mounts from the flags (--volumes-from, then -v, --mount and
 * --tmpfs), each checked; a second mount on a target is refused. */
int ctr_vol_build(const struct ctr_vol_flags *f, struct ctr_config *c);
/* The image's VOLUME paths as anonymous volumes, where no mount of c is. */
int ctr_vol_image(const struct strv *paths, struct ctr_config *c);
/* Make what c's mounts need: named volumes missing (created), host
 * directories missing (mkdir -p, as Docker's -v does). */
int ctr_vol_prepare(const struct ctr_config *c);
/* Remove the anonymous volumes of c (rm -v, run --rm) that no other
 * container names; those still named are kept, as Docker's. */
int ctr_vol_remove_anon(const struct ctr_config *c);
/* A vol_busy_fn: the containers (running or not) whose config names the
 * volume, their ids in who. */
int ctr_vol_busy(const char *name, char *who, size_t len, void *arg);

/* The binds for c's mounts, kept alive by the strings in keep. */
struct ctr_vol_binds {
	struct rt_bind *v;
	size_t n;
	struct strv keep;
};
int ctr_vol_binds(const struct ctr_config *c, struct ctr_vol_binds *b);
void ctr_vol_binds_clear(struct ctr_vol_binds *b);

/* What system df shows of each volume: how many containers name it and
 * the size of its data (-1 when it has no data of its own). */
struct ctr_vol_usage {
	char *name;
	unsigned links;
	long long bytes;
};
int ctr_vol_usage(struct ctr_vol_usage **v, size_t *n);
void ctr_vol_usage_free(struct ctr_vol_usage *v, size_t n);

#endif
