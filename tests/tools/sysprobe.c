// SPDX-License-Identifier: Apache-2.0
/* sysprobe.c - make one system call a seccomp policy may refuse and say
 * what came of it: "ok", or the errno's name. Built by the test that uses
 * it (gcc -static), so that it runs in any root filesystem.
 *   sysprobe keyctl | ptrace | unshare | mount | spin SECONDS
 *   sysprobe escape PATH... | unroot PATH... | euid
 * euid prints the effective uid: installed setuid root, whether execve
 * granted it (no_new_privs off) or not.
 * escape and unroot try to leave the root, then say for each PATH whether
 * it can be seen from there: "PATH visible" or "PATH hidden". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
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

static int seen(char **paths)
{
	for (; *paths; paths++)
		printf("%s %s\n", *paths, access(*paths, F_OK) ? "hidden" : "visible");
	return 0;
}

/* The chroot escape of a process with CAP_SYS_CHROOT: a root below the
 * working directory, then ".." as far as it goes, and a root there. */
static int escape(char **paths)
{
	if ((mkdir("/.escape", 0700) < 0 && errno != EEXIST) || chroot("/.escape") < 0)
		return report(-1);
	for (int i = 0; i < 256; i++)
		if (chdir("..") < 0)
			return report(-1);
	if (chroot(".") < 0)
		return report(-1);
	return seen(paths);
}

/* With CAP_SYS_ADMIN: detach the root, then enter the mount namespace
 * at what its root now is. */
static int unroot(char **paths)
{
	int ns = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);

	if (ns < 0 || umount2("/", MNT_DETACH) < 0 || setns(ns, CLONE_NEWNS) < 0)
		return report(-1);
	return seen(paths);
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
	if (!strcmp(what, "escape"))
		return escape(argv + 2);
	if (!strcmp(what, "unroot"))
		return unroot(argv + 2);
	if (!strcmp(what, "euid"))
		return printf("%u\n", (unsigned)geteuid()) < 0;
	fprintf(stderr, "usage: sysprobe keyctl|ptrace|unshare|mount|spin SECONDS|"
		"escape PATH...|unroot PATH...|euid\n");
	return 2;
}
