// SPDX-License-Identifier: Apache-2.0
/* check.c - `dory check`: can this board run containers? One line per
 * thing dory uses, found by the rooms' own probes (core/runtime/rt_check.c,
 * core/store/store_check.c, core/fs/fscheck.c, the registry's clock). */
//@applet check  APPLET_CHECK  check_main  NEEDROOT
//@config APPLET_CHECK
//@	bool "check (~13 KB)"
//@	default y
//@	select CORE_IMAGE
//@	select CORE_RUNTIME
//@	help
//@	  Usage: dory check
//@
//@	  Tell whether this board can run containers, asking the running
//@	  kernel (no kernel config needed): one line for each thing dory
//@	  uses, ok, limited or missing, with what dory does without it.
//@	  Namespaces, seccomp, cgroups and each controller (could dory
//@	  limit a container with it from where it runs?), the store under
//@	  --root (filesystem, free space), overlay and idmapped mounts there,
//@	  veth, bridge and nf_tables (in a throwaway network namespace), IPv6, and
//@	  the clock (certificates cannot be checked before the build date).
//@	  Nothing is left behind.
//@
//@	  Exit status: 0 when containers can run; 1 when something they
//@	  need is missing (mnt, pid, uts, ipc or net namespaces, seccomp
//@	  filters, device rules, cgroups, a writable store).
#include <string.h>

#include "applets.h"
#include "core/fs/fscheck.h"
#include "core/registry/tls.h"
#include "core/runtime/rt_check.h"
#include "core/store/store_check.h"
#include "core/util/chk.h"
#include "core/util/conf.h"
#include "core/util/err.h"
#include "core/util/log.h"
#include "core/util/opt.h"
#include "core/util/xalloc.h"

/* Columns: name, state, what was found; notes wrap under the third. */
enum { CHECK_NAME = 11, CHECK_STATE = 9, CHECK_COL = CHECK_NAME + CHECK_STATE, CHECK_WIDTH = 80 };

/* text from column CHECK_COL, broken at spaces to fit CHECK_WIDTH. */
static void check_wrap(const char *text)
{
	const int room = CHECK_WIDTH - CHECK_COL;

	while (*text) {
		int n = (int)strlen(text);

		if (n > room) {
			n = room;
			while (n > 0 && text[n] != ' ')
				n--;
			if (n == 0)
				n = room;
		}
		printf("%*s%.*s\n", CHECK_COL, "", n, text);
		text += n;
		while (*text == ' ')
			text++;
	}
}

static void check_print(const struct chk_list *l)
{
	static const char *const state[] = { "ok", "limited", "missing" };
	const struct chk_item *it;
	size_t i;

	printf("%-*s%-*s%s\n", CHECK_NAME, "ITEM", CHECK_STATE, "STATE", "FOUND");
	for (i = 0; i < l->n; i++) {
		it = &l->v[i];
		printf("%-*s%-*s%.*s\n", CHECK_NAME, it->name, CHECK_STATE, state[it->state],
		       CHECK_WIDTH - CHECK_COL, it->found);
		if (it->note[0])
			check_wrap(it->note);
	}
}

/* The last line: the verdict, and what it rests on. */
static void check_verdict(const struct chk_list *l)
{
	char lack[CHECK_WIDTH] = "";
	bool limited = false;

	for (size_t i = 0; i < l->n; i++) {
		const struct chk_item *it = &l->v[i];

		if (it->required && it->state == CHK_MISSING)
			snprintf(lack + strlen(lack), sizeof(lack) - strlen(lack), "%s%s",
				 *lack ? ", " : "", it->name);
		limited = limited || it->state != CHK_OK;
	}
	if (*lack)
		printf("\nnot ready: containers need what is missing: %s\n", lack);
	else
		printf("\nready: dory can run containers here%s\n",
		       limited ? ", without what is limited or missing above" : "");
}

int check_main(int argc, char **argv)
{
	static const struct opt optv[] = { OPT_END };
	struct chk_list *l = xzalloc(sizeof(*l));
	struct dory_conf conf = { 0 };
	autofree char *dir = NULL;
	struct chk_item *it;

	(void)argc;
	argv = opt_parse(optv, NULL, argv);
	if (*argv)
		die("takes no arguments (see 'dory check --help')");
	if (conf_load(&conf) < 0) {
		it = chk_add(l, "config", CHK_MISSING, "unreadable");
		it->required = true;
		chk_note(it, "%s", err_str());
		err_clear();
		conf_clear(&conf);
		conf = (struct dory_conf){ 0 };
	}
	rt_check(conf.cgroup_parent, l);
	store_check(dory.root, l, &dir);
	fscheck(dir, &conf, l);
	rt_check_net(l);
	tls_check_clock(l);
	check_print(l);
	check_verdict(l);
	conf_clear(&conf);
	if (fflush(stdout))
		return 125;
	return chk_failed(l) ? 1 : 0;
}
