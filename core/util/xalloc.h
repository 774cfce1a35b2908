// SPDX-License-Identifier: Apache-2.0
/* xalloc.h - allocation that cannot fail: out of memory exits 125. Safe in
 * core only because every store write is crash-safe. */
#ifndef DORY_XALLOC_H
#define DORY_XALLOC_H

#include "core/util/base.h"

void *xmalloc(size_t n);		/* allocated */
void *xzalloc(size_t n);		/* allocated, zeroed */
void *xrealloc(void *p, size_t n);	/* allocated */
char *xstrdup(const char *s);		/* allocated */
char *xstrndup(const char *s, size_t n);	/* allocated */
char *xasprintf(const char *fmt, ...) PRINTF(1, 2);	/* allocated */

#endif
