// SPDX-License-Identifier: Apache-2.0
/* err.h - one line of error context, recorded by core and printed by the
 * applet. Core returns -errno; the text says what failed and why. */
#ifndef DORY_ERR_H
#define DORY_ERR_H

#include "core/util/base.h"

/* Record "fmt: strerror(errnum)"; returns -errnum. */
int err_set(int errnum, const char *fmt, ...) PRINTF(2, 3);
/* Record "fmt" alone (the text already says why); returns -errnum. */
int err_setx(int errnum, const char *fmt, ...) PRINTF(2, 3);
/* Prefix "fmt: " to the recorded text; returns the recorded -errno. */
int err_ctx(const char *fmt, ...) PRINTF(1, 2);
/* Append " (fmt)", what the user can do; returns the recorded -errno. */
int err_hint(const char *fmt, ...) PRINTF(1, 2);
int err_errno(void);		/* positive errno of the recorded error, or 0 */
const char *err_str(void);	/* the recorded line, "" if none */
void err_clear(void);

#endif
