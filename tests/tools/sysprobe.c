// SPDX-License-Identifier: Apache-2.0
/* sysprobe.c - make one system call a seccomp policy may refuse and say
 * what came of it: "ok", or the errno's name. Built by the test that uses
 * it (gcc -static), so that it runs in any root filesystem.
 *   sysprobe keyctl | ptrace | unshare | mount | spin SECONDS */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int report(long r)
{
	if (r >= 0) {
		puts("ok");
		return 0;
	}
	puts(errno == EPERM ? "EPERM" : errno == ENOSYS ? "ENOSYS" : strerror(errno));
	return 1;
}

/* Burn CPU for s seconds of wall time; print the CPU seconds used. */
static int spin(double s)
{
	struct timespec t0, t, c;
	volatile unsigned long n = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (int i = 0; i < 100000; i++)
			n++;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9 < s);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c);
	printf("%.2f\n", c.tv_sec + c.tv_nsec / 1e9);
	return 0;
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";

	if (!strcmp(what, "keyctl"))	/* KEYCTL_GET_KEYRING_ID of the session keyring */
		return report(syscall(SYS_keyctl, 0, -3, 0));
	if (!strcmp(what, "ptrace"))
		return report(ptrace(PTRACE_TRACEME, 0, NULL, NULL));
	if (!strcmp(what, "unshare"))
		return report(unshare(CLONE_NEWUSER));
	if (!strcmp(what, "mount"))
		return report(mount("none", "/tmp", "tmpfs", 0, NULL));
	if (!strcmp(what, "spin") && argc > 2)
		return spin(atof(argv[2]));
	fprintf(stderr, "usage: sysprobe keyctl|ptrace|unshare|mount|spin SECONDS\n");
	return 2;
}
