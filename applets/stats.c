// SPDX-License-Identifier: Apache-2.0
/* stats.c - dory stats: containers' CPU, memory, network, block I/O and
 * tasks, once or every second, as Docker shows them. The figures and their
 * strings are core/ctr/ctr_stats.c's. */
//@applet stats  APPLET_STATS  stats_main  NEEDROOT
//@config APPLET_STATS
//@	bool "stats (~5 KB)"
//@	default y
//@	depends on APPLET_RUN
//@	help
//@	  Usage: dory stats [OPTIONS] [CONTAINER...]
//@
//@	  Resource use of the running containers (or those named): CPU %,
//@	  memory use and limit, network and block I/O, processes. Redrawn
//@	  every second on a terminal, else a table a second, until ^C.
//@
//@	    -a, --all        stopped containers too (their figures are 0)
//@	        --no-stream  print once and exit
//@	        --no-trunc   full IDs
//@	        --format T   a template: {{.Container}} {{.Name}} {{.ID}}
//@	                     {{.CPUPerc}} {{.MemUsage}} {{.MemPerc}} {{.NetIO}}
//@	                     {{.BlockIO}} {{.PIDs}}; 'table T' aligns columns
//@	                     under a header
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "applets.h"
#include "core/ctr/ctr.h"
#include "core/ctr/ctr_stats.h"
#include "core/util/err.h"
#include "core/util/json.h"
#include "core/util/log.h"
#include "core/util/opt.h"
#include "core/util/str.h"
#include "core/util/tpl.h"
#include "core/util/xalloc.h"

struct stats_opts {
	bool all, no_stream, no_trunc;
	const char *format;
};

static const struct opt stats_optv[] = {
	OPT_BOOL('a', "all", offsetof(struct stats_opts, all)),
	OPT_BOOL(0, "no-stream", offsetof(struct stats_opts, no_stream)),
	OPT_BOOL(0, "no-trunc", offsetof(struct stats_opts, no_trunc)),
	OPT_STR(0, "format", offsetof(struct stats_opts, format)),
	OPT_END
};

/* A container shown, with its last sample. */
struct stats_ctr {
	char id[CTR_ID_LEN + 1];
	const char *ref;	/* as named on the command line; NULL: listed */
	struct ctr_sample last;
	bool sampled;
};

struct stats {
	struct stats_opts o;
	struct stats_ctr *v;
	size_t n;
	char **refs;
	struct ctr_stats_host host;
};

/* The containers named, or (re)listed each round: the running ones, all
 * with -a. Samples of those still listed are kept. */
static void stats_list(struct stats *s)
{
	struct strv ids = { 0 };
	struct stats_ctr *v;
	size_t n = 0;

	if (s->refs[0])
		return;
	if (ctr_list(&ids) < 0)
		die_err();
	v = xzalloc((ids.n + 1) * sizeof(*v));
	for (size_t i = 0; i < ids.n; i++) {
		struct ctr_state st;
		bool shown;

		if (ctr_state_load(ids.v[i], false, &st) < 0) {
			err_clear();
			continue;
		}
		shown = s->o.all || ctr_active(&st);
		ctr_state_clear(&st);
		if (!shown)
			continue;
		memcpy(v[n].id, ids.v[i], sizeof(v[n].id));
		for (size_t k = 0; k < s->n; k++)
			if (!strcmp(s->v[k].id, v[n].id))
				v[n] = s->v[k];
		n++;
	}
	free(s->v);
	s->v = v;
	s->n = n;
	strv_free(&ids);
}

static void stats_named(struct stats *s)
{
	size_t n = 0;

	while (s->refs[n])
		n++;
	s->v = xzalloc((n + 1) * sizeof(*s->v));
	for (size_t i = 0; i < n; i++) {
		if (ctr_find(s->refs[i], s->v[i].id) < 0) {
			warn("%s", err_str());
			exit(1);
		}
		s->v[i].ref = s->refs[i];
	}
	s->n = n;
}

static void stats_sleep(void)
{
	struct timespec ts = { 1, 0 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* One round: a sample of each, a row from it and the one before. A
 * container removed meanwhile is left out. */
static void stats_round(struct stats *s, struct tpl_list *l)
{
	for (size_t i = 0; i < s->n; i++) {
		struct stats_ctr *e = &s->v[i];
		struct ctr_sample now;
		struct ctr_config c;
		struct json *row;

		if (ctr_stats_sample(e->id, &now) < 0 || ctr_config_load(e->id, &c) < 0) {
			err_clear();
			continue;
		}
		row = ctr_stats_row(&c, e->ref, !s->o.no_trunc, e->sampled ? &e->last : &now, &now,
				    &s->host);
		e->last = now;
		e->sampled = true;
		if (tpl_list_row(l, row) < 0)
			die_err();
		json_free(row);
		ctr_config_clear(&c);
	}
}

/* Sample all, so that the first figures shown cover a second too. */
static void stats_prime(struct stats *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (ctr_stats_sample(s->v[i].id, &s->v[i].last) == 0)
			s->v[i].sampled = true;
		else
			err_clear();
}

int stats_main(int argc, char **argv)
{
	struct stats s = { 0 };
	const char *format;
	bool redraw;

	(void)argc;
	s.refs = opt_parse(stats_optv, &s.o, argv);
	format = s.o.format ? s.o.format : ctr_stats_format;
	redraw = !s.o.no_stream && isatty(1);
	ctr_stats_host(&s.host);
	if (s.refs[0])
		stats_named(&s);
	stats_list(&s);
	stats_prime(&s);
	for (;;) {
		struct json *h = ctr_stats_header();
		struct tpl_list l;
		int r;

		stats_sleep();
		stats_list(&s);
		r = tpl_list_begin(&l, format, ctr_stats_format + strlen("table "), h, stdout);
		json_free(h);
		if (r < 0)
			die_err();
		if (redraw)
			fputs("\033[2J\033[H", stdout);	/* Docker's: clear, cursor home */
		stats_round(&s, &l);
		if (tpl_list_end(&l) < 0)
			die_err();
		if (fflush(stdout))
			return errno == EPIPE ? 0 : 125;
		if (s.o.no_stream)
			return 0;
	}
}
