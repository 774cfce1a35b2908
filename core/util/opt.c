// SPDX-License-Identifier: Apache-2.0
/* opt.c - the option parser behind opt.h. It may die: a usage error is the
 * user's to fix, and it is the one core path that prints (STYLE 2). */
#include <string.h>

#include "core/util/log.h"
#include "core/util/opt.h"
#include "core/util/str.h"

static NORETURN void opt_usage(const char *what, const char *arg)
{
	die("%s: %s (see 'dory %s --help')", what, arg, dory.applet ? dory.applet : "");
}

static NORETURN void opt_help(void)
{
	if (dory.help && fputs(dory.help, stdout) < 0)
		exit(dory.fail_code);
	exit(fflush(stdout) ? dory.fail_code : 0);
}

/* A flag's value: none (the flag alone), true/1 or false/0. */
static bool opt_bool(const char *val, const char *name)
{
	if (!val || !strcmp(val, "true") || !strcmp(val, "1"))
		return true;
	if (strcmp(val, "false") && strcmp(val, "0"))
		opt_usage("invalid boolean value", name);
	return false;
}

static void opt_store(const struct opt *o, void *opts, const char *val, const char *name)
{
	char *field = (char *)opts + o->off;

	switch (o->kind) {
	case OPT_KIND_BOOL:
		*(bool *)field = opt_bool(val, name);
		break;
	case OPT_KIND_TRI:
		*(int *)field = opt_bool(val, name) ? 1 : -1;
		break;
	case OPT_KIND_STR:
		*(const char **)field = val;
		break;
	case OPT_KIND_LIST:
		strv_push((struct strv *)field, val);
		break;
	}
}

static const struct opt *opt_find_long(const struct opt *optv, const char *name, size_t len)
{
	for (; optv->kind != OPT_KIND_END; optv++)
		if (optv->lng && strlen(optv->lng) == len && !strncmp(optv->lng, name, len))
			return optv;
	return NULL;
}

static const struct opt *opt_find_short(const struct opt *optv, char c)
{
	for (; optv->kind != OPT_KIND_END; optv++)
		if (optv->shrt == c)
			return optv;
	return NULL;
}

/* "--name", "--name=value" or "--name value"; returns how many argv used. */
static int opt_long(const struct opt *optv, void *opts, char **argv)
{
	const char *name = argv[0] + 2, *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct opt *o = opt_find_long(optv, name, len);

	if (!o) {
		if (!strcmp(name, "help"))
			opt_help();
		opt_usage("unknown flag", argv[0]);
	}
	if (o->kind == OPT_KIND_BOOL || o->kind == OPT_KIND_TRI) {
		opt_store(o, opts, eq ? eq + 1 : NULL, argv[0]);
		return 1;
	}
	if (eq) {
		opt_store(o, opts, eq + 1, argv[0]);
		return 1;
	}
	if (!argv[1])
		opt_usage("flag needs an argument", argv[0]);
	opt_store(o, opts, argv[1], argv[0]);
	return 2;
}

/* "-abc", "-e K=V", "-eK=V"; returns how many argv used. */
static int opt_short(const struct opt *optv, void *opts, char **argv)
{
	char name[3] = "-?";

	for (const char *p = argv[0] + 1; *p; p++) {
		const struct opt *o = opt_find_short(optv, *p);

		name[1] = *p;
		if (!o)
			opt_usage("unknown shorthand flag", name);
		if (o->kind == OPT_KIND_BOOL || o->kind == OPT_KIND_TRI) {
			opt_store(o, opts, NULL, name);
			continue;
		}
		if (p[1]) {
			opt_store(o, opts, p + 1, name);
			return 1;
		}
		if (!argv[1])
			opt_usage("flag needs an argument", name);
		opt_store(o, opts, argv[1], name);
		return 2;
	}
	return 1;
}

char **opt_parse(const struct opt *optv, void *opts, char **argv)
{
	argv++;
	while (*argv) {
		const char *a = *argv;

		if (!strcmp(a, "--"))
			return argv + 1;
		if (a[0] != '-' || !a[1])
			return argv;
		argv += a[1] == '-' ? opt_long(optv, opts, argv) : opt_short(optv, opts, argv);
	}
	return argv;
}
