// SPDX-License-Identifier: Apache-2.0
/* nsutil.h - run a check in a forked child inside new namespaces, for the
 * unit tests of kernel-facing modules. Skipped without root or under
 * qemu-user or valgrind (DORY_UNIT_QEMU, DORY_UNIT_VALGRIND), which do not
 * emulate clone(2) into namespaces. */
#ifndef DORY_NSUTIL_H
#define DORY_NSUTIL_H

#include <sched.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static int ns_unavailable(void)
{
	return geteuid() != 0 || getenv("DORY_UNIT_QEMU") || getenv("DORY_UNIT_VALGRIND");
}

/* Exit status of fn() run in a child after unshare(flags). */
static int in_ns(int flags, int (*fn)(void))
{
	pid_t pid = fork();
	int st;

	if (pid == 0)
		_exit(unshare(flags) < 0 ? 99 : fn());
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

#endif
