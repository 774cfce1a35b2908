// SPDX-License-Identifier: Apache-2.0
/* exec.c - `dory exec`: run a command in a running container, from its
 * records. Joining the container is core/runtime/rt_exec.c's work. */
//@applet exec  APPLET_EXEC  exec_main  NEEDROOT
//@config APPLET_EXEC
//@	bool "exec (~6 KB)"
//@	default y
//@	select CORE_RUNTIME
//@	help
//@	  Usage: dory exec [OPTIONS] CONTAINER COMMAND [ARG...]
//@
//@	  Run a command in a running container: in its namespaces, cgroup and
//@	  root filesystem, as its user, with its capabilities and seccomp
//@	  policy and its environment.
//@
//@	    -d, --detach         run in the background (output discarded)
//@	    -e, --env K=V        set an environment variable (K alone: copy it)
//@	    -i, --interactive    keep stdin open
//@	    -t, --tty            allocate a pseudo-terminal
//@	    -u, --user U[:G]     user and group (default: the container's)
//@	    -w, --workdir DIR    working directory (default: the container's)
//@
//@	  Exit status: the command's, 128+N if killed by signal N, 125 if
//@	  dory failed or the container is not running, 126 if COMMAND cannot
//@	  run, 127 if it is not found.
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/ctr/ctr.h"
#include "core/runtime/rt_exec.h"
#include "core/util/err.h"
#include "core/util/log.h"
#include "core/util/opt.h"
#include "core/util/str.h"
#include "core/util/xalloc.h"

struct exec_opts {
	bool detach, interactive, tty;
	struct strv env;
	const char *user, *workdir;
};

static const struct opt exec_optv[] = {
	OPT_BOOL('d', "detach", offsetof(struct exec_opts, detach)),
	OPT_LIST('e', "env", offsetof(struct exec_opts, env)),
	OPT_BOOL('i', "interactive", offsetof(struct exec_opts, interactive)),
	OPT_BOOL('t', "tty", offsetof(struct exec_opts, tty)),
	OPT_STR('u', "user", offsetof(struct exec_opts, user)),
	OPT_STR('w', "workdir", offsetof(struct exec_opts, workdir)),
	OPT_END
};

/* Docker refuses a container that is not running; so do we (125). */
static void exec_check_state(const char *ref, const struct ctr_state *st)
{
	if (st->status == CTR_PAUSED)
		die("container %s is paused (unpause it first)", ref);
	if (st->status == CTR_RESTARTING)
		die("container %s is restarting (wait until it is running)", ref);
	if (st->status != CTR_RUNNING || st->pid <= 0)
		die("container %s is not running (start it first)", ref);
}

static void exec_spec(const struct exec_opts *o, const struct ctr_config *c,
		      struct rt_exec_spec *s)
{
	/* Docker: HOSTNAME and, with -t, TERM, then the container's, then -e. */
	for (size_t i = 0; i < c->env.n; i++)
		strv_push(&s->env, c->env.v[i]);
	if (c->hostname && !strv_getenv(&s->env, "HOSTNAME"))
		strv_push_take(&s->env, xasprintf("HOSTNAME=%s", c->hostname));
	if (o->tty && !strv_getenv(&s->env, "TERM"))
		strv_setenv(&s->env, "TERM=xterm");
	for (size_t i = 0; i < o->env.n; i++)
		if (strv_docker_env(&s->env, o->env.v[i], NULL) < 0)
			die_err();
	s->user = o->user ? o->user : c->user;
	s->groups = &c->tune.groups;	/* Docker: --group-add holds for exec too */
	s->hostpid = c->tune.hostpid;
	s->cwd = o->workdir ? o->workdir : c->workdir;
	s->tty = o->tty;
	s->interactive = o->interactive;
	s->detach = o->detach;
}

int exec_main(int argc, char **argv)
{
	struct exec_opts o = { 0 };
	struct rt_exec_spec s = { 0 };
	struct ctr_config c = { 0 };
	struct ctr_state st = { 0 };
	struct secpol pol;
	char id[CTR_ID_LEN + 1];
	char **args;
	int status;

	(void)argc;
	args = opt_parse(exec_optv, &o, argv);
	if (!args[0] || !args[1])
		die("give a container and a command (usage: dory exec CONTAINER COMMAND [ARG...])");
	if (o.interactive && o.tty && !isatty(0))
		die("the input device is not a TTY (drop -t, or run from a terminal)");
	if (o.workdir && o.workdir[0] != '/')
		die("the working directory '%s' is invalid, it needs to be an absolute path",
		    o.workdir);
	if (ctr_find(args[0], id) < 0 || ctr_config_load(id, &c) < 0 ||
	    ctr_state_load(id, false, &st) < 0)
		die_err();
	exec_check_state(args[0], &st);
	/* The very policy its init got (the supervisor builds it alike). */
	if (ctr_policy(&c, &pol) < 0)
		die_err();
	exec_spec(&o, &c, &s);
	s.policy = &pol;
	s.pid = st.pid;
	s.cg = &st.cg;
	s.argv = args + 1;
	if (rt_exec(&s, &status) < 0) {
		if (err_errno() == ESRCH && status == 125)	/* it stopped meanwhile */
			die("container %s is not running (start it first)", args[0]);
		dory.fail_code = status;
		die_err();
	}
	return status;
}
