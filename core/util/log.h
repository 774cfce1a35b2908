// SPDX-License-Identifier: Apache-2.0
/* log.h - the only printing the applets do: one line on stderr, shaped
 * "dory APPLET: what failed: why (what to do)". */
#ifndef DORY_LOG_H
#define DORY_LOG_H

#include "config.h"
#include "core/util/base.h"

void warn(const char *fmt, ...) PRINTF(1, 2);
void warn_errno(const char *fmt, ...) PRINTF(1, 2);
void info(const char *fmt, ...) PRINTF(1, 2);
void log_dbg(const char *fmt, ...) PRINTF(1, 2);
NORETURN void die(const char *fmt, ...) PRINTF(1, 2);
NORETURN void die_errno(const char *fmt, ...) PRINTF(1, 2);
NORETURN void die_err(void);	/* prints err_str() */
/* prune's question, as Docker asks it: "WARNING! This will remove WHAT."
 * and [y/N] on a terminal; true for y. Not on a terminal it dies: a
 * device's scripts must say -f. */
bool confirm_prune(const char *what);

/* dbg() costs nothing, not even its strings, without DEBUG_LOG. */
#define dbg(...) do { if (CFG_DEBUG_LOG && dory.debug) log_dbg(__VA_ARGS__); } while (0)

#endif
