// SPDX-License-Identifier: Apache-2.0
/* caps.h - capability sets as 64-bit masks: Docker's default set, names,
 * and applying a set to the calling process before exec. */
#ifndef DORY_CAPS_H
#define DORY_CAPS_H

#include <stdint.h>

#include "core/util/base.h"

struct strv;

#define CAPS_BIT(c) (UINT64_C(1) << (c))

/* Docker's default capability set (moby oci/caps/defaults.go). */
uint64_t caps_docker_default(void);
/* Highest capability the running kernel knows (/proc/sys/kernel/cap_last_cap). */
int caps_last_cap(void);
/* "CAP_CHOWN" or "chown" -> 0; -1 if unknown. */
int caps_from_name(const char *name);
const char *caps_name(int cap);		/* "CAP_CHOWN", or NULL */
/* Like caps_from_name, but an unknown name is an error (-EINVAL). */
int caps_parse_name(const char *name, int *cap);
/* Every capability of the running kernel: bits 0..caps_last_cap(). */
uint64_t caps_all(void);
/* The calling process's permitted set. */
int caps_held(uint64_t *out);
/* Docker's --cap-add/--cap-drop rules on base: "ALL" in add gives all
 * but the drops; "ALL" in drop gives only the adds; else drops, then
 * adds. Names with or without CAP_, any case. -EINVAL on an unknown name. */
int caps_adjust(uint64_t base, const struct strv *add, const struct strv *drop,
		uint64_t *out);
/* A process's five capability sets (capabilities(7)). */
struct caps_sets {
	uint64_t eff, prm, inh, bnd, amb;
};

/* Make s->eff, s->prm and s->inh the process's sets and raise s->amb (all
 * else ambient cleared). Call after setuid with PR_SET_KEEPCAPS, once
 * caps_drop_bounding(s->bnd) has cut the bounding set. */
int caps_apply(const struct caps_sets *s);
/* Drop from the bounding set only; needs CAP_SETPCAP, so before setuid. */
int caps_drop_bounding(uint64_t keep);

#endif
