// SPDX-License-Identifier: Apache-2.0
#include <sys/wait.h>
#include <unistd.h>

#include "core/util/opt.h"
#include "core/util/str.h"
#include "tap.h"

struct o {
	bool i, t, rm;
	int init;
	const char *name, *w;
	struct strv env;
};

static const struct opt optv[] = {
	OPT_BOOL('i', "interactive", offsetof(struct o, i)),
	OPT_BOOL('t', "tty", offsetof(struct o, t)),
	OPT_BOOL(0, "rm", offsetof(struct o, rm)),
	OPT_STR(0, "name", offsetof(struct o, name)),
	OPT_STR('w', "workdir", offsetof(struct o, w)),
	OPT_LIST('e', "env", offsetof(struct o, env)),
	OPT_TRI(0, "init", offsetof(struct o, init)),
	OPT_END
};

TEST(opt_docker_grammar)
{
	char *argv[] = { "run", "-it", "--rm=true", "--name", "web", "-eA=1", "-e", "B=2",
			 "--env=C=3", "-w/tmp", "img", "-e", "X", NULL };
	struct o o = { 0 };
	char **rest = opt_parse(optv, &o, argv);

	CHECK(o.i && o.t && o.rm);
	CHECK_EQ_STR(o.name, "web");
	CHECK_EQ_STR(o.w, "/tmp");
	CHECK_EQ_INT(o.env.n, 3);
	CHECK_EQ_STR(o.env.v[0], "A=1");
	CHECK_EQ_STR(o.env.v[1], "B=2");
	CHECK_EQ_STR(o.env.v[2], "C=3");
	CHECK_EQ_STR(rest[0], "img");
	CHECK_EQ_STR(rest[1], "-e");
	strv_free(&o.env);
}

TEST(opt_double_dash_ends_options)
{
	char *argv[] = { "run", "--rm=false", "--", "-t", NULL };
	struct o o = { .rm = true };
	char **rest = opt_parse(optv, &o, argv);

	CHECK(!o.rm && !o.t);
	CHECK_EQ_STR(rest[0], "-t");
}

TEST(opt_tri_tells_absent_from_false)
{
	char *a[] = { "run", "img", NULL }, *b[] = { "run", "--init", "img", NULL };
	char *c[] = { "run", "--init=false", "img", NULL }, *d[] = { "run", "--init=1", "img", NULL };
	struct o o = { 0 };

	CHECK_EQ_STR(opt_parse(optv, &o, a)[0], "img");
	CHECK_EQ_INT(o.init, 0);
	CHECK_EQ_STR(opt_parse(optv, &o, b)[0], "img");	/* no value taken */
	CHECK_EQ_INT(o.init, 1);
	opt_parse(optv, &o, c);
	CHECK_EQ_INT(o.init, -1);
	opt_parse(optv, &o, d);
	CHECK_EQ_INT(o.init, 1);
}

static int parse_status(char **argv)
{
	struct o o = { 0 };
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		freopen("/dev/null", "w", stderr);
		opt_parse(optv, &o, argv);
		exit(0);
	}
	waitpid(pid, &st, 0);
	return WEXITSTATUS(st);
}

TEST(opt_usage_errors_exit_125)
{
	char *unknown[] = { "run", "--nope", NULL };
	char *missing[] = { "run", "--name", NULL };
	char *badbool[] = { "run", "--rm=maybe", NULL };
	char *badshort[] = { "run", "-x", NULL };

	CHECK_EQ_INT(parse_status(unknown), 125);
	CHECK_EQ_INT(parse_status(missing), 125);
	CHECK_EQ_INT(parse_status(badbool), 125);
	CHECK_EQ_INT(parse_status(badshort), 125);
}
