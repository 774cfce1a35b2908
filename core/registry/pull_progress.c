// SPDX-License-Identifier: Apache-2.0
/* pull_progress.c - the words of a pull: Docker's status lines, and on a
 * terminal each layer's line kept up to date with ANSI cursor moves (up,
 * rewrite, clear to the end, back down), as Docker's client draws them.
 * Events come from image_pull.c; the applet writes what this returns. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/registry/pull_progress.h"
#include "core/util/xalloc.h"

enum { PP_REDRAW_MS = 100 };

struct pull_progress_layer {
	int row;		/* its line, counted from the first; -1: none */
	long long t0, done0;	/* its first bytes: when, and how many (a resume) */
	long long drawn;	/* when its line was last drawn */
};

/* n bytes as Docker shows sizes: decimal units, one decimal place. */
static void pp_size(long long n, char out[32])
{
	static const char units[][3] = { "B", "kB", "MB", "GB", "TB" };
	long long scale = 1;
	size_t u = 0;

	while (u + 1 < sizeof(units) / sizeof(units[0]) && n >= scale * 1000) {
		scale *= 1000;
		u++;
	}
	if (!u)
		snprintf(out, 32, "%lld %s", n, units[0]);
	else
		snprintf(out, 32, "%lld.%lld %s", n / scale, n % scale * 10 / scale, units[u]);
}

static struct pull_progress_layer *pp_layer(struct pull_progress *v, int i)
{
	if (i < 0)
		return NULL;
	if (i >= v->n) {
		v->layers = xrealloc(v->layers, (size_t)(i + 1) * sizeof(*v->layers));
		for (; v->n <= i; v->n++)
			v->layers[v->n] = (struct pull_progress_layer){ .row = -1 };
	}
	return &v->layers[i];
}

/* A new line for layer l (tty), below those drawn so far. */
static char *pp_new_row(struct pull_progress *v, struct pull_progress_layer *l, const char *text)
{
	l->row = v->rows++;
	return xasprintf("%s\n", text);
}

/* Layer l's line rewritten in place: up to it, over it, back down. */
static char *pp_redraw(const struct pull_progress *v, const struct pull_progress_layer *l,
		       const char *text)
{
	int up = v->rows - l->row;

	return xasprintf("\033[%dA\r%s\033[K\033[%dB\r", up, text, up);
}

static char *pp_bytes(struct pull_progress *v, struct pull_progress_layer *l,
		      const struct image_pull_event *e, const char *id, long long now)
{
	char done[32], total[32], rate[32] = "", line[128];
	long long ms;

	if (!l->t0) {
		l->t0 = now ? now : 1;
		l->done0 = e->done;
	} else if (now - l->drawn < PP_REDRAW_MS) {
		return xstrdup("");
	}
	l->drawn = now;
	ms = now - l->t0;
	pp_size(e->done, done);
	pp_size(e->total, total);
	if (ms > 0)
		pp_size((e->done - l->done0) * 1000 / ms, rate);
	snprintf(line, sizeof(line), "%.12s: downloading %s%s%s%s%s%s", id, done,
		 e->total >= 0 ? " / " : "", e->total >= 0 ? total : "", *rate ? "  " : "", rate,
		 *rate ? "/s" : "");
	return pp_redraw(v, l, line);
}

char *pull_progress_text(struct pull_progress *v, const struct image_pull_event *e,
			 long long now_ms)
{
	struct pull_progress_layer *l = pp_layer(v, e->layer);
	const char *id = e->digest && strlen(e->digest) > 7 ? e->digest + 7 : "";
	char line[64];
	struct timespec t;

	if (now_ms < 0 && clock_gettime(CLOCK_MONOTONIC, &t) == 0)
		now_ms = t.tv_sec * 1000LL + t.tv_nsec / 1000000;

	switch (e->what) {
	case IMAGE_PULL_FROM:
		return xasprintf("%s: pulling from %s/%s\n",
				 e->ref->digest ? e->ref->digest : e->ref->tag, e->ref->domain,
				 e->ref->repo);
	case IMAGE_PULL_EXISTS:
		snprintf(line, sizeof(line), "%.12s: already exists", id);
		return v->tty ? pp_new_row(v, l, line) : xasprintf("%s\n", line);
	case IMAGE_PULL_QUEUED:
		snprintf(line, sizeof(line), "%.12s: waiting", id);
		return v->tty ? pp_new_row(v, l, line) : xstrdup("");
	case IMAGE_PULL_BYTES:
		return v->tty && l->row >= 0 ? pp_bytes(v, l, e, id, now_ms) : xstrdup("");
	case IMAGE_PULL_DONE:
		snprintf(line, sizeof(line), "%.12s: pull complete", id);
		if (v->tty)
			return l->row >= 0 ? pp_redraw(v, l, line) : pp_new_row(v, l, line);
		return xasprintf("%s\n", line);
	case IMAGE_PULL_DIGEST:
		return xasprintf("Digest: %s\n", e->digest);
	}
	return xstrdup("");
}

void pull_progress_clear(struct pull_progress *v)
{
	free(v->layers);
	memset(v, 0, sizeof(*v));
}
