// SPDX-License-Identifier: Apache-2.0
/* fuzz.h - what the libFuzzer targets share: the input as text, split at
 * NUL bytes into parts, and a scratch directory that is removed at exit.
 * A target never touches the network and writes only under its scratch. */
#ifndef DORY_FUZZ_H
#define DORY_FUZZ_H

#include <errno.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* n bytes at p as a NUL-terminated string (allocated): files are read so. */
static inline char *fuzz_text(const void *p, size_t n)
{
	char *s = malloc(n + 1);

	if (!s)
		abort();
	if (n)
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/* Cut the input at its first NUL: the part before it, *rest the part after
 * (*rest_n 0 when there is none). Lets one input hold two documents. */
static inline size_t fuzz_split(const uint8_t *d, size_t n, const uint8_t **rest,
				size_t *rest_n)
{
	const uint8_t *z = n ? memchr(d, 0, n) : NULL;

	*rest = z ? z + 1 : d + n;
	*rest_n = z ? n - (size_t)(z + 1 - d) : 0;
	return z ? (size_t)(z - d) : n;
}

static char fuzz_dir[256];

static inline int fuzz_rm1(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(p);
}

static inline void fuzz_scratch_rm(void)
{
	if (*fuzz_dir)
		nftw(fuzz_dir, fuzz_rm1, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh directory under $TMPDIR (or /tmp), removed when the process
 * exits; a crash leaves it to the runner, which sets TMPDIR to its own. */
static inline const char *fuzz_scratch(void)
{
	const char *t = getenv("TMPDIR");

	if (*fuzz_dir)
		return fuzz_dir;
	snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/dory-fuzz.XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(fuzz_dir)) {
		perror(fuzz_dir);
		abort();
	}
	atexit(fuzz_scratch_rm);
	return fuzz_dir;
}

#endif
