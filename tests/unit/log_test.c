// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/util/err.h"
#include "core/util/log.h"
#include "tap.h"

/* Run fn in a child with stderr on a pipe; returns its exit status and
 * what it wrote in buf. */
static int capture(void (*fn)(void), char *buf, size_t n)
{
	int p[2], st;
	ssize_t got;
	pid_t pid;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 2);
		fn();
		exit(0);
	}
	close(p[1]);
	got = read(p[0], buf, n - 1);
	buf[got > 0 ? got : 0] = '\0';
	close(p[0]);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void do_warn(void)
{
	dory.applet = "run";
	warn("bad %s", "thing");
}

static void do_die_err(void)
{
	dory.applet = "pull";
	err_set(ENOENT, "open %s", "/etc/x");
	err_hint("create it");
	die_err();
}

static void do_info_quiet(void)
{
	dory.verbose = 0;
	info("not shown");
}

TEST(warn_names_the_applet)
{
	char buf[256];

	CHECK_EQ_INT(capture(do_warn, buf, sizeof(buf)), 0);
	CHECK_EQ_STR(buf, "dory run: bad thing\n");
}

TEST(die_err_prints_one_line_and_exits_125)
{
	char buf[256];

	CHECK_EQ_INT(capture(do_die_err, buf, sizeof(buf)), 125);
	CHECK_EQ_STR(buf, "dory pull: open /etc/x: No such file or directory (create it)\n");
}

TEST(info_is_silent_without_verbose)
{
	char buf[64];

	CHECK_EQ_INT(capture(do_info_quiet, buf, sizeof(buf)), 0);
	CHECK_EQ_STR(buf, "");
}
