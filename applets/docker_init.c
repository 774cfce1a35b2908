// SPDX-License-Identifier: Apache-2.0
/* docker_init.c - `run --init`'s PID 1: this binary, bound read-only at
 * /sbin/docker-init in the container (as Docker binds its own). It runs
 * the command as its child, forwards every signal it may catch to it,
 * reaps every zombie (orphans are reparented to it), and exits with the
 * child's status: its exit code, or 128+N when signal N killed it, as
 * tini and docker-init do. Hidden: not listed, installed or in --help. */
//@applet docker-init  APPLET_DOCKER_INIT  docker_init_main  HIDDEN
//@config APPLET_DOCKER_INIT
//@	bool "docker-init: run --init's PID 1 (~2 KB)"
//@	default y
//@	select CORE_RUNTIME
//@	help
//@	  Usage: docker-init [--] COMMAND [ARG...]
//@
//@	  The init that 'dory run --init' runs as the container's PID 1: it
//@	  forwards signals to COMMAND, reaps zombies and exits with COMMAND's
//@	  status (128+N if signal N killed it). Not for use by hand.
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/runtime/runtime.h"
#include "core/util/log.h"

/* Signals the kernel raises for a fault of this process itself: never
 * forwarded (and so left unblocked), as tini leaves them. */
static bool init_synchronous(int sig)
{
	return sig == SIGFPE || sig == SIGILL || sig == SIGSEGV || sig == SIGBUS ||
	       sig == SIGABRT || sig == SIGTRAP || sig == SIGSYS;
}

static NORETURN void init_child(char **argv, const sigset_t *old)
{
	/* Its own process group, in the terminal's foreground if there is
	 * one (SIGTTOU is still blocked), so that a ^C reaches it once. */
	setpgid(0, 0);
	if (isatty(0))
		tcsetpgrp(0, getpid());
	sigprocmask(SIG_SETMASK, old, NULL);
	execvp(argv[0], argv);
	fprintf(stderr, "docker-init: exec %s: %s\n", argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

int docker_init_main(int argc, char **argv)
{
	sigset_t all, old;
	int status = 0;
	pid_t child;

	if (argc > 1 && !strcmp(argv[1], "--"))
		argv++, argc--;
	if (argc < 2)
		die("no command given (usage: docker-init [--] COMMAND [ARG...])");
	/* Blocked signals are never dropped, not even those of PID 1 with no
	 * handler: each waits for sigwaitinfo below. */
	sigfillset(&all);
	for (int s = 1; s < NSIG; s++)
		if (init_synchronous(s))
			sigdelset(&all, s);
	sigprocmask(SIG_BLOCK, &all, &old);
	child = fork();
	if (child < 0)
		die_errno("fork");
	if (child == 0)
		init_child(argv + 1, &old);
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si);

		if (sig < 0)
			continue;
		if (sig == SIGCHLD) {
			if (rt_reap(child, &status))	/* every zombie; the child's status */
				break;
		} else if (sig != SIGKILL && sig != SIGSTOP) {
			kill(child, sig);
		}
	}
	/* What is left of its tree gets no parent to wait for it: the
	 * kernel kills the namespace as this, its init, exits. */
	return status;
}
