// SPDX-License-Identifier: Apache-2.0
/* cgbase.c - the plan of control-file writes that cgroup.c and its
 * per-version halves fill in, reading "key N" counters, and polling. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/kernel/cgbase.h"
#include "core/util/base.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/xalloc.h"

void cg_plan_str(struct cg_plan *p, const char *dir, const char *file, const char *val,
		 const char *flag, const char *hint)
{
	struct cg_write *w = &p->w[p->n++];

	*w = (struct cg_write){ .dir = dir, .file = file, .val = val, .flag = flag, .hint = hint };
}

void cg_plan_num(struct cg_plan *p, const char *dir, const char *file, long long val,
		 const char *flag, const char *hint)
{
	struct cg_write *w = &p->w[p->n];

	cg_plan_str(p, dir, file, w->num, flag, hint);
	snprintf(w->num, sizeof(w->num), "%lld", val);
}

int cg_read_key(const char *dir, const char *file, const char *key, long long *out)
{
	autofree char *path = xasprintf("%s/%s", dir, file), *text = NULL;
	size_t n;

	if (access(path, F_OK) < 0)
		return -ENOENT;
	if (fsutil_read_file(path, &text) < 0)
		return -err_errno();
	if (!key) {
		*out = strtoll(text, NULL, 10);
		return 0;
	}
	n = strlen(key);
	for (char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (strncmp(l, key, n) || l[n] != ' ')
			continue;
		*out = strtoll(l + n + 1, NULL, 10);
		return 0;
	}
	return -ENOENT;
}

char *cg_read_text(const char *dir, const char *file)
{
	autofree char *path = xasprintf("%s/%s", dir, file);
	char *text = NULL;

	if (fsutil_read_file(path, &text) < 0) {
		err_clear();
		return xstrdup("");
	}
	return text;
}

bool cg_backoff(unsigned *waited_ms, unsigned ms)
{
	unsigned step = *waited_ms < 20 ? 1 : 10;
	struct timespec ts = { 0, (long)step * 1000 * 1000 };

	if (*waited_ms >= ms)
		return false;
	nanosleep(&ts, NULL);
	*waited_ms += step;
	return true;
}
