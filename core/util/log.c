// SPDX-License-Identifier: Apache-2.0
/* log.c - stderr messages and dying with dory.fail_code. Also owns the
 * process context, since every message names the applet. */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "core/util/err.h"
#include "core/util/log.h"

struct dory_ctx dory = {
	.applet = NULL,
	.root = "/var/lib/dory",
	.state = "/run/dory",
	.fail_code = 125,
};

static void PRINTF(3, 0) log_line(const char *level, int errnum, const char *fmt, va_list ap)
{
	char buf[512];
	size_t n;

	if (dory.applet)
		n = (size_t)snprintf(buf, sizeof(buf), "dory %s: %s", dory.applet, level);
	else
		n = (size_t)snprintf(buf, sizeof(buf), "dory: %s", level);
	if (n < sizeof(buf))
		vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	n = strlen(buf);
	if (errnum && n < sizeof(buf))
		snprintf(buf + n, sizeof(buf) - n, ": %s", strerror(errnum));
	n = strlen(buf);
	if (n >= sizeof(buf) - 1)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	/* One write, so lines from concurrent processes do not interleave. */
	if (write(2, buf, n) < 0)
		return;
}

void warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line("", 0, fmt, ap);
	va_end(ap);
}

void warn_errno(const char *fmt, ...)
{
	int e = errno;
	va_list ap;

	va_start(ap, fmt);
	log_line("", e, fmt, ap);
	va_end(ap);
}

void info(const char *fmt, ...)
{
	va_list ap;

	if (!dory.verbose)
		return;
	va_start(ap, fmt);
	log_line("", 0, fmt, ap);
	va_end(ap);
}

void log_dbg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line("debug: ", 0, fmt, ap);
	va_end(ap);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line("", 0, fmt, ap);
	va_end(ap);
	exit(dory.fail_code);
}

void die_errno(const char *fmt, ...)
{
	int e = errno;
	va_list ap;

	if (e == EPIPE)
		exit(dory.fail_code);
	va_start(ap, fmt);
	log_line("", e, fmt, ap);
	va_end(ap);
	exit(dory.fail_code);
}

void die_err(void)
{
	if (err_errno() != EPIPE)
		die("%s", err_str());
	exit(dory.fail_code);
}

bool confirm_prune(const char *what)
{
	char line[16];

	if (!isatty(0))
		die("not pruning without asking: stdin is not a terminal (add -f to prune "
		    "without asking)");
	fprintf(stderr, "WARNING! This will remove %s.\nAre you sure you want to continue? [y/N] ",
		what);
	if (!fgets(line, sizeof(line), stdin))
		return false;
	return (line[0] == 'y' || line[0] == 'Y') && (line[1] == '\n' || !line[1]);
}
