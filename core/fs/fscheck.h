// SPDX-License-Identifier: Apache-2.0
/* fscheck.h - `dory check`'s lines for containers' root filesystems: is
 * overlay usable on the store's filesystem, and idmapped layers for
 * userns-remap; each with the fallback dory uses instead. */
#ifndef DORY_FSCHECK_H
#define DORY_FSCHECK_H

#include "core/util/chk.h"
#include "core/util/conf.h"

/* dir: a directory on the store's filesystem where the probes may make
 * (and remove) a scratch directory. */
void fscheck(const char *dir, const struct dory_conf *conf, struct chk_list *l);

#endif
