// SPDX-License-Identifier: Apache-2.0
/* volume.c - dory volume: create, ls, inspect, rm and prune, as Docker
 * prints them. Records, names and options are core/fs/volume.c's; which
 * containers name a volume is core/ctr/ctr_vol.c's to say. */
//@applet volume  APPLET_VOLUME  volume_main  NEEDROOT
//@config APPLET_VOLUME
//@	bool "volume: create, ls, inspect, rm, prune (~8 KB)"
//@	default y
//@	select CORE_RUNTIME
//@	help
//@	  Usage: dory volume COMMAND [OPTIONS]
//@
//@	  create [OPTIONS] [NAME]  make a volume (a random 64-hex name if none)
//@	                         and print its name; an existing one is no error
//@	    -d, --driver D       local, the only driver
//@	    -o, --opt K=V        type=tmpfs -o device=tmpfs [-o o=size=64m]: a
//@	                         tmpfs, empty at each start of a container;
//@	                         type=none -o device=/DIR -o o=bind: a host
//@	                         directory. Default: a directory on disk
//@	        --label K=V      set a label
//@	  ls [OPTIONS]           list the volumes (also: list)
//@	    -q, --quiet          only the names
//@	    -f, --filter K=V     dangling=true|false (no container names it),
//@	                         name= (^ $ . * + ?), driver=, label=K[=V]
//@	        --format T       {{.Name}} {{.Driver}} {{.Mountpoint}}
//@	                         {{.Labels}} {{.Scope}}; 'table T' aligns
//@	                         columns under a header
//@	  inspect [-f T] VOLUME...  details as JSON, as Docker prints them
//@	  rm [-f] VOLUME...      remove volumes no container names, and their
//@	                         data (also: remove)
//@	    -f, --force          no error for a volume that does not exist
//@	  prune [OPTIONS]        remove the anonymous volumes no container
//@	                         names: those with a random 64-hex name
//@	    -a, --all            every volume no container names
//@	    -f, --force          do not ask
//@	        --filter K=V     label=K[=V] or label!=K[=V]
//@
//@	  Volumes live in ROOT/volumes/NAME/_data (a container's -v NAME:/PATH
//@	  makes one). As Docker's, a refusal of the store (a bad name or
//@	  option, a volume in use or missing) exits 1; a bad flag exits 125.
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "applets.h"
#include "core/ctr/ctr_view.h"
#include "core/ctr/ctr_vol.h"
#include "core/fs/volume.h"
#include "core/util/err.h"
#include "core/util/json.h"
#include "core/util/log.h"
#include "core/util/opt.h"
#include "core/util/str.h"
#include "core/util/tpl.h"
#include "core/util/xalloc.h"

/* Docker's CLI exits 1 when the daemon refuses (its usage errors: 125). */
enum { VOL_REFUSED = 1 };

static const char vol_ls_format[] = "table {{.Driver}}\t{{.Name}}";

static int out_flush(void)
{
	if (fflush(stdout) != 0 || ferror(stdout))
		die_errno("write the output");
	return 0;
}

/* Whether a container (running or not) names volume name. */
static bool vol_used(const char *name)
{
	char who[16];
	int r = ctr_vol_busy(name, who, sizeof(who), NULL);

	if (r < 0)
		die_err();
	return r > 0;
}

/* ---- create ---- */

struct create_opts {
	const char *driver, *name;
	struct strv opt, label;
};

static const struct opt create_optv[] = {
	OPT_STR('d', "driver", offsetof(struct create_opts, driver)),
	OPT_LIST('o', "opt", offsetof(struct create_opts, opt)),
	OPT_LIST(0, "label", offsetof(struct create_opts, label)),
	OPT_STR(0, "name", offsetof(struct create_opts, name)),
	OPT_END
};

static int volcreate_main(int argc, char **argv)
{
	struct create_opts o = { 0 };
	struct vol_cfg c = { 0 };
	char **args;

	(void)argc;
	args = opt_parse(create_optv, &o, argv);
	if (args[0] && (args[1] || (o.name && strcmp(o.name, args[0]))))
		die("give at most one volume NAME (usage: dory volume create [OPTIONS] [NAME])");
	for (size_t i = 0; i < o.label.n; i++) {
		const char *l = o.label.v[i];

		if (l[0] == '=' || !l[0])
			die("invalid label \"%s\" (use --label KEY=VALUE)", l);
		if (strchr(l, '='))
			strv_setenv(&c.labels, l);
		else
			strv_push_take(&c.labels, xasprintf("%s=", l));
	}
	for (size_t i = 0; i < o.opt.n; i++)
		strv_push(&c.options, o.opt.v[i]);	/* vol_create checks them */
	c.name = args[0] ? xstrdup(args[0]) : o.name ? xstrdup(o.name) : NULL;
	c.driver = o.driver ? xstrdup(o.driver) : NULL;
	dory.fail_code = VOL_REFUSED;
	if (vol_create(&c, NULL) < 0)
		die_err();
	puts(c.name);
	vol_cfg_clear(&c);
	return out_flush();
}

/* ---- ls ---- */

struct ls_filter {
	struct strv name, driver, label, dangling;
};

/* One --filter K=V into f; a key or value Docker does not know dies. */
static void ls_filter_add(struct ls_filter *f, const char *kv)
{
	static const char *const keys[] = { "name", "driver", "label", "dangling" };
	struct strv *lists[] = { &f->name, &f->driver, &f->label, &f->dangling };
	const char *eq = strchr(kv, '=');
	size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);

	for (size_t i = 0; eq && i < ARRAY_SIZE(keys); i++) {
		if (strlen(keys[i]) != klen || strncmp(kv, keys[i], klen))
			continue;
		if (lists[i] == &f->dangling && strcmp(eq + 1, "true") && strcmp(eq + 1, "false") &&
		    strcmp(eq + 1, "1") && strcmp(eq + 1, "0"))
			die("invalid filter 'dangling=%s' (use dangling=true or false)", eq + 1);
		strv_push(lists[i], eq + 1);
		return;
	}
	die("invalid filter '%s' (use dangling=, name=, driver= or label=)", kv);
}

static void ls_filter_clear(struct ls_filter *f)
{
	strv_free(&f->name), strv_free(&f->driver), strv_free(&f->label);
	strv_free(&f->dangling);
}

/* label=KEY or label=KEY=VALUE: whether c has it. */
static bool vol_has_label(const struct vol_cfg *c, const char *w)
{
	const char *eq = strchr(w, '=');
	ssize_t k = strv_find_key(&c->labels, w, eq ? (size_t)(eq - w) : strlen(w));

	return k >= 0 && (!eq || !strcmp(strchr(c->labels.v[k], '=') + 1, eq + 1));
}

static bool ls_match(const struct ls_filter *f, const struct vol_cfg *c)
{
	bool name = !f->name.n, driver = !f->driver.n;

	for (size_t i = 0; i < f->name.n; i++)
		name |= ctr_name_match(f->name.v[i], c->name);
	for (size_t i = 0; i < f->driver.n; i++)
		driver |= !strcmp(f->driver.v[i], c->driver);
	if (!name || !driver)
		return false;
	for (size_t i = 0; i < f->label.n; i++)	/* every one, as Docker */
		if (!vol_has_label(c, f->label.v[i]))
			return false;
	for (size_t i = 0; i < f->dangling.n; i++) {
		bool want = !strcmp(f->dangling.v[i], "true") || !strcmp(f->dangling.v[i], "1");

		if (want == vol_used(c->name))
			return false;
	}
	return true;
}

/* The row for --format: Docker's volume ls fields. */
static struct json *ls_row(const struct vol_cfg *c)
{
	struct json *o = json_new_obj();
	autofree char *labels = ctr_labels_text(&c->labels), *mp = vol_mountpoint(c->name);

	json_add_str(o, "Name", c->name);
	json_add_str(o, "Driver", c->driver);
	json_add_str(o, "Scope", "local");
	json_add_str(o, "Mountpoint", mp);
	json_add_str(o, "Labels", labels);
	json_add_str(o, "Links", "N/A");
	json_add_str(o, "Size", "N/A");
	return o;
}

static struct json *ls_header(void)
{
	static const char *const kv[][2] = {
		{ "Name", "VOLUME NAME" }, { "Driver", "DRIVER" }, { "Scope", "SCOPE" },
		{ "Mountpoint", "MOUNTPOINT" }, { "Labels", "LABELS" }, { "Links", "LINKS" },
		{ "Size", "SIZE" },
	};

	return json_new_pairs(kv, ARRAY_SIZE(kv));
}

struct ls_opts {
	bool quiet;
	const char *format;
	struct strv filter;
};

static const struct opt ls_optv[] = {
	OPT_BOOL('q', "quiet", offsetof(struct ls_opts, quiet)),
	OPT_LIST('f', "filter", offsetof(struct ls_opts, filter)),
	OPT_STR(0, "format", offsetof(struct ls_opts, format)),
	OPT_END
};

static int volls_main(int argc, char **argv)
{
	struct ls_opts o = { 0 };
	struct ls_filter f = { 0 };
	struct tpl_list l;
	struct json *h = ls_header();
	struct vol_cfg *v;
	const char *format;
	size_t n;
	char **args;

	(void)argc;
	args = opt_parse(ls_optv, &o, argv);
	if (args[0])
		die("unexpected argument \"%s\" (usage: dory volume ls [OPTIONS])", args[0]);
	for (size_t i = 0; i < o.filter.n; i++)
		ls_filter_add(&f, o.filter.v[i]);
	format = o.format ? o.format : vol_ls_format;
	if (o.quiet) {
		if (o.format)
			warn("ignoring the custom format, because both --format and --quiet are set");
		format = "{{.Name}}";
	}
	if (tpl_list_begin(&l, format, vol_ls_format + strlen("table "), h, stdout) < 0)
		die_err();
	json_free(h);
	if (vol_list(&v, &n) < 0)
		die_err();
	for (size_t i = 0; i < n; i++) {
		struct json *row;

		if (!ls_match(&f, &v[i]))
			continue;
		row = ls_row(&v[i]);
		if (tpl_list_row(&l, row) < 0)
			die_err();
		json_free(row);
	}
	if (tpl_list_end(&l) < 0)
		die_err();
	vol_list_free(v, n);
	ls_filter_clear(&f);
	return out_flush();
}

/* ---- inspect ---- */

/* Docker's volume inspect object; Labels and Options as the record
 * writes them. */
static struct json *inspect_obj(const struct vol_cfg *c)
{
	struct json *o = json_new_obj();
	autofree char *text = vol_cfg_json(c), *mp = vol_mountpoint(c->name);
	struct json *rec = json_parse(text, strlen(text));
	char when[40];

	/* Docker's CreatedAt: RFC 3339 in whole seconds */
	ctr_time_rfc3339(c->created_ns - c->created_ns % 1000000000LL, when);
	json_add_str(o, "CreatedAt", when);
	json_add_str(o, "Driver", c->driver);
	json_add_copy(o, "Labels", json_get(rec, "Labels"));
	json_add_str(o, "Mountpoint", mp);
	json_add_str(o, "Name", c->name);
	json_add_copy(o, "Options", json_get(rec, "Options"));
	json_add_str(o, "Scope", "local");
	json_free(rec);
	return o;
}

struct inspect_opts {
	const char *format;
};

static const struct opt inspect_optv[] = {
	OPT_STR('f', "format", offsetof(struct inspect_opts, format)),
	OPT_END
};

/* The volumes found, printed; a missing one is said on stderr and the
 * exit is 1, as Docker's. */
static int volinspect_main(int argc, char **argv)
{
	struct inspect_opts o = { 0 };
	struct json *all = json_new_arr();
	struct tpl t = { 0 };
	int rc = 0;
	char **args;

	(void)argc;
	args = opt_parse(inspect_optv, &o, argv);
	if (!args[0])
		die("give a VOLUME (usage: dory volume inspect [-f FORMAT] VOLUME...)");
	if (o.format && tpl_parse(o.format, NULL, &t) < 0)
		die_err();
	for (size_t i = 0; args[i]; i++) {
		struct vol_cfg c;
		struct json *obj;

		if (vol_lookup(args[i], &c) < 0) {
			warn("%s", err_str());
			rc = VOL_REFUSED;
			continue;
		}
		obj = inspect_obj(&c);
		json_add_copy(all, NULL, obj);
		json_free(obj);
		vol_cfg_clear(&c);
	}
	for (int i = 0; o.format && i < json_arr_len(all); i++) {
		if (tpl_run(t.text, json_arr_at(all, i), stdout) < 0)
			die_err();
		putchar('\n');
	}
	if (!o.format) {
		autofree char *text = json_print(all, true);

		puts(text);
	}
	json_free(all);
	tpl_free(&t);
	out_flush();
	return rc;
}

/* ---- rm and prune ---- */

struct rm_opts {
	bool force;
};

static const struct opt rm_optv[] = {
	OPT_BOOL('f', "force", offsetof(struct rm_opts, force)),
	OPT_END
};

static int volrm_main(int argc, char **argv)
{
	struct rm_opts o = { 0 };
	int rc = 0;
	char **args;

	(void)argc;
	args = opt_parse(rm_optv, &o, argv);
	if (!args[0])
		die("give a VOLUME (usage: dory volume rm [-f] VOLUME...)");
	for (size_t i = 0; args[i]; i++) {
		if (vol_remove(args[i], ctr_vol_busy, NULL) == 0) {
			puts(args[i]);
			continue;
		}
		if (o.force && err_errno() == ENOENT)
			continue;
		warn("%s", err_str());
		rc = VOL_REFUSED;
	}
	out_flush();
	return rc;
}

struct prune_opts {
	bool force, all;
	struct strv filter;
};

static const struct opt prune_optv[] = {
	OPT_BOOL('a', "all", offsetof(struct prune_opts, all)),
	OPT_BOOL('f', "force", offsetof(struct prune_opts, force)),
	OPT_LIST(0, "filter", offsetof(struct prune_opts, filter)),
	OPT_END
};

/* --filter label=K[=V] (must have) and label!=K[=V] (must not). */
static bool prune_match(const struct strv *filter, const struct vol_cfg *c)
{
	for (size_t i = 0; i < filter->n; i++) {
		const char *f = filter->v[i];

		if (str_has_prefix(f, "label=") && !vol_has_label(c, f + strlen("label=")))
			return false;
		if (str_has_prefix(f, "label!=") && vol_has_label(c, f + strlen("label!=")))
			return false;
	}
	return true;
}

static int volprune_main(int argc, char **argv)
{
	struct prune_opts o = { 0 };
	unsigned long long bytes = 0;
	char total[24];
	struct vol_cfg *v;
	size_t n, gone = 0;
	char **args;
	int rc = 0;

	(void)argc;
	args = opt_parse(prune_optv, &o, argv);
	if (args[0])
		die("unexpected argument \"%s\" (usage: dory volume prune [-a] [-f] [--filter "
		    "label=K])", args[0]);
	for (size_t i = 0; i < o.filter.n; i++)
		if (!str_has_prefix(o.filter.v[i], "label=") &&
		    !str_has_prefix(o.filter.v[i], "label!="))
			die("invalid filter '%s' (prune takes label=KEY[=VALUE] or label!=KEY)",
			    o.filter.v[i]);
	if (!o.force && !confirm_prune(o.all ? "all local volumes not used by at least one "
					      "container" : "anonymous local volumes not used by at least "
					      "one container"))
		return 0;
	if (vol_list(&v, &n) < 0)
		die_err();
	for (size_t i = 0; i < n; i++) {
		if ((!o.all && !vol_name_anonymous(v[i].name)) || !prune_match(&o.filter, &v[i]))
			continue;
		long long size = vol_data_bytes(&v[i]);

		/* the lock and the use check are vol_remove's: in use, kept */
		if (vol_remove(v[i].name, ctr_vol_busy, NULL) < 0) {
			if (err_errno() != EBUSY && err_errno() != ENOENT) {
				warn("%s", err_str());
				rc = VOL_REFUSED;
			}
			err_clear();
			continue;
		}
		if (!gone++)
			puts("Deleted Volumes:");
		puts(v[i].name);
		bytes += size > 0 ? (unsigned long long)size : 0;
	}
	vol_list_free(v, n);
	/* Docker: a blank line after the names, then the total, always */
	if (gone)
		putchar('\n');
	str_size(total, sizeof(total), bytes, 4, false);
	printf("Total reclaimed space: %s\n", total);
	out_flush();
	return rc;
}

/* ---- the family ---- */

static const struct {
	const char *name, *label;
	int (*main)(int argc, char **argv);
} vol_cmds[] = {
	{ "create", "volume create", volcreate_main },
	{ "inspect", "volume inspect", volinspect_main },
	{ "list", "volume ls", volls_main },
	{ "ls", "volume ls", volls_main },
	{ "prune", "volume prune", volprune_main },
	{ "remove", "volume rm", volrm_main },
	{ "rm", "volume rm", volrm_main },
};

int volume_main(int argc, char **argv)
{
	if (argc < 2 || argv[1][0] == '-')
		die("give a command: create, ls, inspect, rm or prune (see 'dory volume --help')");
	for (size_t i = 0; i < ARRAY_SIZE(vol_cmds); i++)
		if (!strcmp(argv[1], vol_cmds[i].name)) {
			dory.applet = vol_cmds[i].label;
			return vol_cmds[i].main(argc - 1, argv + 1);
		}
	die("'%s' is not a dory volume command (see 'dory volume --help')", argv[1]);
}
