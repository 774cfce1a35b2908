// SPDX-License-Identifier: Apache-2.0
/* xalloc.c - malloc wrappers that die on exhaustion. The message is written
 * without allocating, since there is nothing left to allocate with. */
#include <stdarg.h>
#include <string.h>

#include "core/util/xalloc.h"

static NORETURN void xalloc_oom(void)
{
	static const char msg[] = "dory: out of memory\n";

	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(dory.fail_code ? dory.fail_code : 125);
	_exit(dory.fail_code ? dory.fail_code : 125);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		xalloc_oom();
	return p;
}

void *xzalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);

	if (!p)
		xalloc_oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		xalloc_oom();
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		xalloc_oom();
	p = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}
