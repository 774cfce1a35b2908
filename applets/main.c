// SPDX-License-Identifier: Apache-2.0
/* main.c - the multi-call entry: pick the applet from argv[0] ("run",
 * "dory-run", "docker", "dory"), global options, --list, --install, --help.
 * The applet table is generated from the applets' own //@ lines. */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "applets.h"
#include "core/util/log.h"
#include "core/util/xalloc.h"

enum { APPLET_NEEDROOT = 1, APPLET_NOHELP = 2, APPLET_HIDDEN = 4 };

struct applet {
	const char *name;
	int (*main)(int argc, char **argv);
	unsigned flags;
	const char *help;
};

static const struct applet applets[] = { APPLET_ROWS };

static const char main_help[] =
	"Usage: dory [OPTIONS] COMMAND [ARG...]\n"
	"       COMMAND [ARG...]   (through a link named COMMAND or dory-COMMAND)\n"
	"\n"
	"A daemonless container engine. Options:\n"
	"  --root DIR       image and container store (default /var/lib/dory,\n"
	"                   or $DORY_ROOT)\n"
	"  --state DIR      runtime state (default /run/dory, or $DORY_STATE)\n"
	"  -D, --debug      debug messages (also DORY_DEBUG=1)\n"
	"  -v, --verbose    more messages\n"
	"  --list           list the commands built in\n"
	"  --install [-s] DIR  link every command into DIR (-s: symlinks)\n"
	"  --version        same as 'dory version'\n"
	"\n"
	"Run 'dory COMMAND --help' for a command's options.\n";

static const struct applet *main_find(const char *name)
{
	size_t lo = 0, hi = ARRAY_SIZE(applets);

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(name, applets[mid].name);

		if (!c)
			return &applets[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static int main_list(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(applets); i++)
		if (applets[i].name[0] != '_' && !(applets[i].flags & APPLET_HIDDEN))	/* internal */
			printf("%s\n", applets[i].name);
	return fflush(stdout) ? 125 : 0;
}

/* Link every applet name in dir to this binary; existing names are kept. */
static int main_install(const char *dir, bool sym)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	int ret = 0;

	if (n < 0)
		die_errno("find this binary (/proc/self/exe)");
	self[n] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(applets); i++) {
		autofree char *p = NULL;

		if (applets[i].name[0] == '_' || (applets[i].flags & APPLET_HIDDEN))
			continue;
		p = xasprintf("%s/%s", dir, applets[i].name);
		if ((sym ? symlink(self, p) : link(self, p)) == 0)
			continue;
		if (errno == EEXIST) {
			warn("%s exists; left as it is", p);
			continue;
		}
		warn_errno("install %s", p);
		ret = 125;
	}
	return ret;
}

/* Options before the command, as `dory --root DIR run ...`. Returns the
 * index of the command in argv, or exits for --list/--install/--help. */
static int main_global(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if ((!strcmp(a, "--root") || !strcmp(a, "--state")) && i + 1 < argc)
			*(a[2] == 'r' ? &dory.root : &dory.state) = argv[++i];
		else if (!strncmp(a, "--root=", 7))
			dory.root = a + 7;
		else if (!strncmp(a, "--state=", 8))
			dory.state = a + 8;
		else if (!strcmp(a, "-D") || !strcmp(a, "--debug"))
			dory.debug = true;
		else if (!strcmp(a, "-v") || !strcmp(a, "--verbose"))
			dory.verbose++;
		else if (!strcmp(a, "--list"))
			exit(main_list());
		else if (!strcmp(a, "--install") && i + 1 < argc)
			exit(strcmp(argv[i + 1], "-s") ? main_install(argv[i + 1], false)
			     : i + 2 < argc ? main_install(argv[i + 2], true)
			     : (die("--install -s needs a directory"), 125));
		else if (!strcmp(a, "--help") || !strcmp(a, "-h"))
			exit(fputs(main_help, stdout) < 0 || fflush(stdout) ? 125 : 0);
		else if (!strcmp(a, "--version"))
			return i;
		else
			die("unknown option %s (see 'dory --help')", a);
	}
	return i;
}

static void main_env(void)
{
	const char *v;

	if ((v = getenv("DORY_ROOT")) && *v)
		dory.root = v;
	if ((v = getenv("DORY_STATE")) && *v)
		dory.state = v;
	if ((v = getenv("DORY_DEBUG")) && *v && strcmp(v, "0"))
		dory.debug = true;
}

int main(int argc, char **argv)
{
	const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	const char *prog = strcmp(name, "docker") ? "dory" : "docker";
	const struct applet *a;

	main_env();
	if (!strncmp(name, "dory-", 5))
		name += 5;
	if (!strcmp(name, "dory") || !strcmp(name, "docker")) {
		int i = main_global(argc, argv);

		if (i >= argc) {
			fputs(main_help, stderr);
			return 125;
		}
		argc -= i;
		argv += i;
		name = !strcmp(argv[0], "--version") ? "version" : argv[0];
	}
	a = main_find(name);
	/* Docker's CLI: these two lines and status 1, in the name it was
	 * called by, which scripts written for it match. */
	if (!a) {
		fprintf(stderr, "%s: '%s' is not a %s command.\nSee '%s --help'\n", prog, name, prog,
			prog);
		return 1;
	}
	dory.applet = a->name;
	dory.help = a->help;
	if (argc > 1 && !strcmp(argv[1], "--help") && !(a->flags & APPLET_NOHELP))
		return fputs(a->help, stdout) < 0 || fflush(stdout) ? 125 : 0;
	if ((a->flags & APPLET_NEEDROOT) && geteuid() != 0)
		die("must be run as root (try again as root, or with sudo)");
	return a->main(argc, argv);
}
