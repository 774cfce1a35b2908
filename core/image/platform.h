// SPDX-License-Identifier: Apache-2.0
/* platform.h - OCI platforms ("linux/arm/v7"): this machine's, parsing a
 * --platform value, and choosing a manifest from an index. */
#ifndef DORY_PLATFORM_H
#define DORY_PLATFORM_H

#include "core/util/base.h"
#include "core/util/sha256.h"

struct json;

struct platform {
	char os[16];
	char arch[16];		/* GOARCH names: amd64, arm64, arm, mipsle, riscv64 */
	char variant[8];	/* "v7", "v8" or "" */
};

/* The platform this binary runs on. */
void platform_host(struct platform *p);
/* "os/arch[/variant]" or "arch[/variant]" (os linux); -EINVAL otherwise. */
int platform_parse(const char *s, struct platform *p);
/* "linux/arm/v7" into buf. */
const char *platform_str(const struct platform *p, char *buf, size_t n);
/* How well a candidate fits want: 0 not at all, higher is better (an
 * exact variant beats a compatible older one: arm/v7 can run arm/v6). */
int platform_score(const struct platform *want, const char *os, const char *arch,
		   const char *variant);
/* The manifest of an index (OCI image index, Docker manifest list) that
 * fits want best: its digest into out. -ENOENT naming what (the
 * repository) and the platforms the index has. */
int platform_pick(const struct json *idx, const struct platform *want, const char *what,
		  char out[DIGEST_STRLEN]);

#endif
