// SPDX-License-Identifier: Apache-2.0
/* err.c - the error-context buffer behind err.h. Single-threaded by design
 * (every dory process is), so one static line and no malloc. */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "core/util/err.h"

enum { ERR_LINE = 512 };	/* TLS errors with their hint need more than 256 */

static char err_line[ERR_LINE];
static int err_num;

/* Append s to the line, cut at the buffer's end. */
static void err_append(const char *s)
{
	size_t n = strlen(err_line), m = strlen(s);

	if (m > sizeof(err_line) - 1 - n)
		m = sizeof(err_line) - 1 - n;
	memcpy(err_line + n, s, m);
	err_line[n + m] = '\0';
}

static int PRINTF(3, 0) err_vrecord(int errnum, bool with_strerror, const char *fmt, va_list ap)
{
	if (errnum <= 0)
		errnum = errnum < 0 ? -errnum : EIO;
	vsnprintf(err_line, sizeof(err_line), fmt, ap);
	if (with_strerror) {
		err_append(": ");
		err_append(strerror(errnum));
	}
	err_num = errnum;
	return -errnum;
}

int err_set(int errnum, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = err_vrecord(errnum, true, fmt, ap);
	va_end(ap);
	return r;
}

int err_setx(int errnum, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = err_vrecord(errnum, false, fmt, ap);
	va_end(ap);
	return r;
}

int err_ctx(const char *fmt, ...)
{
	char old[ERR_LINE];
	va_list ap;

	memcpy(old, err_line, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(err_line, sizeof(err_line), fmt, ap);
	va_end(ap);
	if (old[0]) {
		err_append(": ");
		err_append(old);
	}
	if (!err_num)
		err_num = EIO;
	return -err_num;
}

int err_hint(const char *fmt, ...)
{
	char hint[ERR_LINE];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(hint, sizeof(hint), fmt, ap);
	va_end(ap);
	err_append(" (");
	err_append(hint);
	err_append(")");
	if (!err_num)
		err_num = EIO;
	return -err_num;
}

int err_errno(void)
{
	return err_num;
}

const char *err_str(void)
{
	return err_line;
}

void err_clear(void)
{
	err_line[0] = '\0';
	err_num = 0;
}
