// SPDX-License-Identifier: Apache-2.0
/* str.c - string helpers and string vectors (environment lists, argv). */
#include <stdarg.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util/err.h"
#include "core/util/str.h"
#include "core/util/xalloc.h"

bool str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

int str_to_u64(const char *s, unsigned long long max, unsigned long long *out)
{
	unsigned long long v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (v > (max - (unsigned)(*s - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (unsigned)(*s - '0');
	}
	*out = v;
	return 0;
}

void str_printable(char *buf, size_t n, const char *s)
{
	snprintf(buf, n, "%s", s);
	for (; *buf; buf++)
		if ((unsigned char)*buf < 0x20 || *buf == 0x7f)
			*buf = '?';
}

void strv_push_take(struct strv *sv, char *s)
{
	sv->v = xrealloc(sv->v, (sv->n + 2) * sizeof(*sv->v));
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
}

void strv_push(struct strv *sv, const char *s)
{
	strv_push_take(sv, xstrdup(s));
}

void strv_free(struct strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = 0;
}

ssize_t strv_find_key(const struct strv *sv, const char *key, size_t klen)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strncmp(sv->v[i], key, klen) == 0 && sv->v[i][klen] == '=')
			return (ssize_t)i;
	return -1;
}

void strv_setenv(struct strv *sv, const char *kv)
{
	const char *eq = strchr(kv, '=');
	ssize_t i = strv_find_key(sv, kv, eq ? (size_t)(eq - kv) : strlen(kv));

	if (i < 0) {
		strv_push(sv, kv);
		return;
	}
	free(sv->v[i]);
	sv->v[i] = xstrdup(kv);
}

int strv_docker_env(struct strv *env, const char *kv, const char *from)
{
	size_t klen = strcspn(kv, "=");
	autofree char *key = xstrndup(kv, klen);
	const char *val;

	if (!klen || key[strcspn(key, " \t")])
		return err_setx(EINVAL, "invalid environment variable '%s'%s%s (use NAME=VALUE)",
				kv, from ? " in " : "", from ? from : "");
	if (kv[klen] == '=') {
		strv_setenv(env, kv);
	} else if ((val = getenv(key))) {
		autofree char *full = xasprintf("%s=%s", key, val);

		strv_setenv(env, full);
	}
	return 0;
}

const char *strv_getenv(const struct strv *sv, const char *key)
{
	size_t klen = strlen(key);
	ssize_t i = strv_find_key(sv, key, klen);

	return i < 0 ? NULL : sv->v[i] + klen + 1;
}

/* go-units duration.go: whole seconds and minutes truncated, hours
 * rounded (half up); days, weeks, months and years from those hours. */
void str_human_duration(long long s, char *buf, size_t len)
{
	long long m = s / 60, h = (s + 1800) / 3600;	/* Round(time.Hour) */

	if (s < 1)
		snprintf(buf, len, "Less than a second");
	else if (s == 1)
		snprintf(buf, len, "1 second");
	else if (s < 60)
		snprintf(buf, len, "%lld seconds", s);
	else if (m == 1)
		snprintf(buf, len, "About a minute");
	else if (m < 60)
		snprintf(buf, len, "%lld minutes", m);
	else if (h == 1)
		snprintf(buf, len, "About an hour");
	else if (h < 48)
		snprintf(buf, len, "%lld hours", h);
	else if (h < 24 * 7 * 2)
		snprintf(buf, len, "%lld days", h / 24);
	else if (h < 24 * 30 * 2)
		snprintf(buf, len, "%lld weeks", h / 24 / 7);
	else if (h < 24 * 365 * 2)
		snprintf(buf, len, "%lld months", h / 24 / 30);
	else
		snprintf(buf, len, "%lld years", s / 3600 / 24 / 365);
}

void sbuf_addf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (b->n + (size_t)n + 1 > b->cap) {
		b->cap = (b->n + (size_t)n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap);
	va_end(ap);
	b->n += (size_t)n;
}

void str_size(char *buf, size_t len, unsigned long long n, int prec, bool binary)
{
	static const char dec[][3] = { "B", "kB", "MB", "GB", "TB", "PB", "EB" };
	static const char bin[][4] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	unsigned long long base = binary ? 1024 : 1000, div = 1, scale = 1, top = 1, q, m, r;
	unsigned u = 0;
	int idig = 1, frac;

	while (u + 1 < ARRAY_SIZE(dec) && n / div >= base) {
		div *= base;
		u++;
	}
	if (u == 0) {
		snprintf(buf, len, "%lluB", n);
		return;
	}
	for (unsigned long long w = n / div; w >= 10; w /= 10)
		idig++;
	frac = prec > idig ? prec - idig : 0;
	for (int i = 0; i < prec; i++)
		top *= 10;
	for (int i = 0; i < frac; i++)
		scale *= 10;
	/* the value times scale, rounded; the remainder scaled down first
	 * where times scale would overflow (bits far below the digits shown) */
	q = div;
	m = n % div;
	while (q > ULLONG_MAX / scale) {
		q >>= 1;
		m >>= 1;
	}
	r = n / div * scale + (m * scale + q / 2) / q;
	if (r >= top) {			/* rounded up to one digit more */
		if (!frac) {
			snprintf(buf, len, "1%s", binary ? bin[u + 1] : dec[u + 1]);
			return;
		}
		r /= 10;
		scale /= 10;
		frac--;
	}
	for (; frac > 0 && r % 10 == 0; frac--) {	/* %g drops trailing zeros */
		r /= 10;
		scale /= 10;
	}
	if (frac > 0)
		snprintf(buf, len, "%u.%0*u%s", (unsigned)(r / scale), frac, (unsigned)(r % scale),
			 binary ? bin[u] : dec[u]);
	else
		snprintf(buf, len, "%u%s", (unsigned)r, binary ? bin[u] : dec[u]);
}
