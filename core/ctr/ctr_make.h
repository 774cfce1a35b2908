// SPDX-License-Identifier: Apache-2.0
/* ctr_make.h - a container's things on disk, made at create and removed
 * together: root filesystem, records, image hold, seccomp profile. */
#ifndef DORY_CTR_MAKE_H
#define DORY_CTR_MAKE_H

#include "core/ctr/ctr.h"

struct store;
struct image;

/* Make a container: a new id, its root filesystem from im (NULL with
 * c->rootfs), its records, the image hold, and with seccomp=FILE the
 * profile and its program (c->seccomp_text, seccomp_prog). On failure
 * nothing is left. */
int ctr_make(struct ctr_config *c, struct store *st, const struct image *im);
/* Remove all it has (root filesystem, records, log, hold) once it no
 * longer runs; -EBUSY while it does. */
int ctr_destroy(const char *id);
/* The bytes its root filesystem has written (Docker's SizeRw). */
long long ctr_size_rw(const char *id);

#endif
