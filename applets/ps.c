// SPDX-License-Identifier: Apache-2.0
/* ps.c - dory ps: the containers, as Docker lists them. The records are
 * core/ctr/ctr.c's; how a row looks and what a filter means, core/ctr/ctr_view.c's. */
//@applet ps  APPLET_PS  ps_main  NEEDROOT
//@config APPLET_PS
//@	bool "ps (~8 KB)"
//@	default y
//@	select CORE_IMAGE
//@	select CORE_RUNTIME
//@	help
//@	  Usage: dory ps [OPTIONS]
//@
//@	  List the running containers (all with -a), newest first.
//@
//@	    -a, --all            stopped and created ones too
//@	    -q, --quiet          only the container IDs
//@	    -n, --last N         the N newest containers, in any state
//@	    -l, --latest         the newest container, in any state
//@	    -f, --filter K=V     name=PATTERN (^ $ . * + ?), id=PREFIX,
//@	                         label=KEY[=VALUE], exited=CODE, status=created,
//@	                         restarting, running, paused, exited or dead
//@	                         (lists stopped ones too), health=starting,
//@	                         healthy, unhealthy or none. Repeat a key to
//@	                         accept any value (labels: all must match)
//@	        --no-trunc       full IDs and commands
//@	        --format T       a template: '{{.Names}}', {{.ID}} {{.Image}}
//@	                         {{.Command}} {{.RunningFor}} {{.Status}}
//@	                         {{.State}} {{.Labels}} {{json .}}; 'table T'
//@	                         aligns columns under a header
#include <errno.h>
#include <string.h>

#include "applets.h"
#include "core/ctr/ctr.h"
#include "core/ctr/ctr_view.h"
#include "core/util/err.h"
#include "core/util/json.h"
#include "core/util/log.h"
#include "core/util/opt.h"
#include "core/util/str.h"
#include "core/util/tpl.h"
#include "core/util/xalloc.h"

struct ps_opts {
	bool all, quiet, latest, notrunc;
	const char *last, *format;
	struct strv filter;
};

static const struct opt ps_optv[] = {
	OPT_BOOL('a', "all", offsetof(struct ps_opts, all)),
	OPT_BOOL('q', "quiet", offsetof(struct ps_opts, quiet)),
	OPT_STR('n', "last", offsetof(struct ps_opts, last)),
	OPT_BOOL('l', "latest", offsetof(struct ps_opts, latest)),
	OPT_LIST('f', "filter", offsetof(struct ps_opts, filter)),
	OPT_BOOL(0, "no-trunc", offsetof(struct ps_opts, notrunc)),
	OPT_STR(0, "format", offsetof(struct ps_opts, format)),
	OPT_END
};

struct ps {
	struct ctr_filter filter;
	struct tpl_list list;
	const char *format;
	bool all, trunc;
	unsigned long long limit;	/* 0: no limit */
	long long now;
};

static void ps_setup(struct ps *p, struct ps_opts *o)
{
	p->format = o->format ? o->format : ctr_ps_format;
	for (size_t i = 0; i < o->filter.n; i++)
		if (ctr_filter_add(&p->filter, o->filter.v[i]) < 0)
			die_err();
	if (o->last && str_to_u64(o->last, 1ULL << 31, &p->limit) < 0)
		die("invalid value \"%s\" for -n: give a number of containers", o->last);
	if (o->latest && !p->limit)
		p->limit = 1;
	/* -n, -l and a status filter list containers in every state */
	p->all = o->all || p->limit || ctr_filter_wants_all(&p->filter);
	p->trunc = !o->notrunc;
	if (o->quiet) {
		if (o->format)
			warn("ignoring the custom format, because both --format and --quiet are set");
		p->format = "{{.ID}}";
	}
}

static bool is_up(const struct ctr_state *s)
{
	return s->status == CTR_RUNNING || s->status == CTR_PAUSED || s->status == CTR_RESTARTING;
}

/* One container's row, if it passes; 1 when printed. A container
 * removed since the listing is skipped without a word. */
static int ps_one(struct ps *p, const char *id)
{
	struct ctr_config c = { 0 };
	struct ctr_state s = { 0 };
	struct json *row;
	int rc;

	rc = ctr_config_load(id, &c);
	if (rc == 0)
		rc = ctr_state_load(id, false, &s);
	if (rc < 0) {
		if (rc != -ENOENT)
			warn("%s", err_str());
		ctr_config_clear(&c);
		return 0;
	}
	rc = (p->all || is_up(&s)) && ctr_filter_match(&p->filter, &c, &s);
	if (rc) {
		row = ctr_ps_row(&c, &s, p->now, p->trunc);
		if (tpl_list_row(&p->list, row) < 0)
			die_err();
		json_free(row);
	}
	ctr_state_clear(&s);
	ctr_config_clear(&c);
	return rc;
}

int ps_main(int argc, char **argv)
{
	struct ps_opts o = { 0 };
	struct ps p = { 0 };
	struct strv ids = { 0 };
	struct json *h = ctr_ps_header();
	unsigned long long shown = 0;
	char **args;

	(void)argc;
	args = opt_parse(ps_optv, &o, argv);
	if (args[0])
		die("unexpected argument \"%s\" (usage: dory ps [OPTIONS])", args[0]);
	ps_setup(&p, &o);
	if (tpl_list_begin(&p.list, p.format, ctr_ps_format + strlen("table "), h, stdout) < 0)
		die_err();
	json_free(h);
	if (ctr_list(&ids) < 0)
		die_err();
	p.now = ctr_now();
	for (size_t i = ids.n; i-- > 0 && (!p.limit || shown < p.limit);)
		shown += ps_one(&p, ids.v[i]);
	if (tpl_list_end(&p.list) < 0)
		die_err();
	if (fflush(stdout) != 0 || ferror(stdout))
		die_errno("write the output");
	strv_free(&ids);
	ctr_filter_clear(&p.filter);
	return 0;
}
