// SPDX-License-Identifier: Apache-2.0
/* chk.c - filling the lines of `dory check`; the probing is the rooms'
 * (kernel, fs, store, registry), the printing applets/check.c's. */
#include <stdarg.h>
#include <string.h>

#include "core/util/chk.h"

struct chk_item *chk_add(struct chk_list *l, const char *name, enum chk_state st,
			 const char *fmt, ...)
{
	struct chk_item *it = &l->v[l->n < CHK_MAX ? l->n++ : CHK_MAX - 1];
	va_list ap;

	memset(it, 0, sizeof(*it));
	it->name = name;
	it->state = st;
	va_start(ap, fmt);
	vsnprintf(it->found, sizeof(it->found), fmt, ap);
	va_end(ap);
	return it;
}

void chk_note(struct chk_item *it, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(it->note, sizeof(it->note), fmt, ap);
	va_end(ap);
}

bool chk_failed(const struct chk_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].required && l->v[i].state == CHK_MISSING)
			return true;
	return false;
}

void chk_size(unsigned long long n, char *buf, size_t len)
{
	static const char units[][4] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	unsigned long long whole, tenth;
	unsigned u = 0;

	while (u + 1 < ARRAY_SIZE(units) && n >> (10 * u) >= 1024)
		u++;
	whole = n >> (10 * u);
	/* The remainder in tenths, without floating point or overflow. */
	tenth = ((n & ((1ULL << (10 * u)) - 1)) * 10) >> (10 * u);
	if (u && whole < 10)
		snprintf(buf, len, "%llu.%llu %s", whole, tenth, units[u]);
	else
		snprintf(buf, len, "%llu %s", whole, units[u]);
}
