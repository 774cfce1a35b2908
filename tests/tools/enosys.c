// SPDX-License-Identifier: Apache-2.0
/* enosys.c - run a command as if on an older kernel: a seccomp filter makes
 * every system call newer than --level (default 4.14) fail with ENOSYS, and
 * seccomp(2) and close_range(2) refuse with EINVAL the operations and flags
 * that kernel did not know. A test tool, not part of dory; built by tests/cases/oldkernel.sh
 * with the host's compiler (x86_64 numbers only).
 *   enosys [--level MAJOR.MINOR] [--list] [--] CMD [ARG...]
 *   enosys --try NAME   make system call NAME (of the table) with zero
 *                       arguments and print "ok" or its errno's name */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __x86_64__
#error "enosys knows the x86_64 system call numbers only"
#endif

#define V(maj, min) ((maj) * 1000 + (min))

/* x86_64 system calls from 3.19 on, with the release that added each
 * (arch/x86/entry/syscalls/syscall_64.tbl and each call's man page).
 * Numbers above the last one are newer still: refused at every level. */
static const struct {
	int nr, since;
	const char *name;
} calls[] = {
	{ 323, V(4, 3), "userfaultfd" },	{ 324, V(4, 3), "membarrier" },
	{ 325, V(4, 4), "mlock2" },		{ 326, V(4, 5), "copy_file_range" },
	{ 327, V(4, 6), "preadv2" },		{ 328, V(4, 6), "pwritev2" },
	{ 329, V(4, 9), "pkey_mprotect" },	{ 330, V(4, 9), "pkey_alloc" },
	{ 331, V(4, 9), "pkey_free" },		{ 332, V(4, 11), "statx" },
	{ 333, V(4, 18), "io_pgetevents" },	{ 334, V(4, 18), "rseq" },
	{ 424, V(5, 1), "pidfd_send_signal" },	{ 425, V(5, 1), "io_uring_setup" },
	{ 426, V(5, 1), "io_uring_enter" },	{ 427, V(5, 1), "io_uring_register" },
	{ 428, V(5, 2), "open_tree" },		{ 429, V(5, 2), "move_mount" },
	{ 430, V(5, 2), "fsopen" },		{ 431, V(5, 2), "fsconfig" },
	{ 432, V(5, 2), "fsmount" },		{ 433, V(5, 2), "fspick" },
	{ 434, V(5, 3), "pidfd_open" },		{ 435, V(5, 3), "clone3" },
	{ 436, V(5, 9), "close_range" },	{ 437, V(5, 6), "openat2" },
	{ 438, V(5, 6), "pidfd_getfd" },	{ 439, V(5, 8), "faccessat2" },
	{ 440, V(5, 10), "process_madvise" },	{ 441, V(5, 11), "epoll_pwait2" },
	{ 442, V(5, 12), "mount_setattr" },	{ 443, V(5, 14), "quotactl_fd" },
	{ 444, V(5, 13), "landlock_create_ruleset" },
	{ 445, V(5, 13), "landlock_add_rule" },	{ 446, V(5, 13), "landlock_restrict_self" },
	{ 447, V(5, 14), "memfd_secret" },	{ 448, V(5, 15), "process_mrelease" },
	{ 449, V(5, 16), "futex_waitv" },	{ 450, V(5, 17), "set_mempolicy_home_node" },
	{ 451, V(6, 5), "cachestat" },		{ 452, V(6, 6), "fchmodat2" },
	{ 453, V(6, 6), "map_shadow_stack" },	{ 454, V(6, 7), "futex_wake" },
	{ 455, V(6, 7), "futex_wait" },		{ 456, V(6, 7), "futex_requeue" },
	{ 457, V(6, 8), "statmount" },		{ 458, V(6, 8), "listmount" },
	{ 459, V(6, 8), "lsm_get_self_attr" },	{ 460, V(6, 8), "lsm_set_self_attr" },
	{ 461, V(6, 8), "lsm_list_modules" },	{ 462, V(6, 10), "mseal" },
	{ 463, V(6, 13), "setxattrat" },	{ 464, V(6, 13), "getxattrat" },
	{ 465, V(6, 13), "listxattrat" },	{ 466, V(6, 13), "removexattrat" },
	{ 467, V(6, 15), "open_tree_attr" },	{ 468, V(6, 17), "file_getattr" },
	{ 469, V(6, 17), "file_setattr" },
};
enum { NCALLS = sizeof(calls) / sizeof(calls[0]), LAST_NR = 469, X32_BIT = 0x40000000 };

/* seccomp(2): the operations (arg 0) and filter flags (arg 1) by release. */
static const struct {
	unsigned bit;
	int since;
} sc_flags[] = {
	{ 1, V(3, 17) },	/* SECCOMP_FILTER_FLAG_TSYNC */
	{ 2, V(4, 14) },	/* LOG */
	{ 4, V(4, 17) },	/* SPEC_ALLOW */
	{ 8, V(5, 0) },		/* NEW_LISTENER */
	{ 16, V(5, 7) },	/* TSYNC_ESRCH */
	{ 32, V(5, 19) },	/* WAIT_KILLABLE_RECV */
};

static struct sock_filter prog[2 * NCALLS + 32];
static unsigned short len;

static void emit(struct sock_filter f)
{
	if (len == sizeof(prog) / sizeof(prog[0])) {
		fputs("enosys: filter too long\n", stderr);
		exit(2);
	}
	prog[len++] = f;
}

#define STMT(c, k) emit((struct sock_filter)BPF_STMT(c, k))
#define JUMP(c, k, t, f) emit((struct sock_filter)BPF_JUMP(c, k, t, f))
#define RET_ERRNO(e) STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (e))
#define LOAD(field) STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, field))

/* seccomp(2) as the kernel of `level` answers it: EINVAL for an operation
 * (0 strict, 1 filter, 2 GET_ACTION_AVAIL 4.14, 3 GET_NOTIF_SIZES 5.0) or a
 * filter flag it does not know. The accumulator holds the number. */
static void seccomp_rules(int level)
{
	unsigned known = 0, maxop = level >= V(5, 0) ? 3 : level >= V(4, 14) ? 2 : 1;

	for (size_t i = 0; i < sizeof(sc_flags) / sizeof(sc_flags[0]); i++)
		if (level >= sc_flags[i].since)
			known |= sc_flags[i].bit;
	JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_seccomp, 0, 7);
	LOAD(args[0]);
	JUMP(BPF_JMP | BPF_JGT | BPF_K, maxop, 4, 0);
	JUMP(BPF_JMP | BPF_JEQ | BPF_K, SECCOMP_SET_MODE_FILTER, 0, 2);
	LOAD(args[1]);
	JUMP(BPF_JMP | BPF_JSET | BPF_K, ~known, 1, 0);
	STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	RET_ERRNO(EINVAL);
}

/* close_range(2) of 5.9 and 5.10 had no CLOSE_RANGE_CLOEXEC (5.11): EINVAL. */
static void close_range_rules(int level)
{
	if (level < V(5, 9) || level >= V(5, 11))
		return;
	JUMP(BPF_JMP | BPF_JEQ | BPF_K, 436, 0, 3);
	LOAD(args[2]);
	JUMP(BPF_JMP | BPF_JSET | BPF_K, 4, 0, 1);
	RET_ERRNO(EINVAL);
	LOAD(nr);
}

static void build(int level)
{
	LOAD(arch);
	JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
	STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);	/* i386 entry: not emulated */
	LOAD(nr);
	JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_BIT, 0, 1);
	STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);	/* x32: not emulated */
	JUMP(BPF_JMP | BPF_JGT | BPF_K, LAST_NR, 0, 1);
	RET_ERRNO(ENOSYS);
	for (int i = 0; i < NCALLS; i++) {
		if (calls[i].since <= level)
			continue;
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)calls[i].nr, 0, 1);
		RET_ERRNO(ENOSYS);
	}
	close_range_rules(level);
	seccomp_rules(level);
	STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
}

static int parse_level(const char *s)
{
	char *end;
	long maj = strtol(s, &end, 10), min;

	if (end == s || *end != '.')
		return -1;
	s = end + 1;
	min = strtol(s, &end, 10);
	if (end == s || *end || min < 0 || min > 99 || V(maj, min) < V(3, 19) || maj > 99)
		return -1;
	return (int)V(maj, min);
}

/* The errno names a check of the filter needs; others by number. */
static int try_call(const char *name)
{
	for (int k = 0; k < NCALLS; k++) {
		if (strcmp(calls[k].name, name))
			continue;
		if (syscall(calls[k].nr, 0, 0, 0, 0, 0, 0) >= 0)
			puts("ok");
		else if (errno == ENOSYS || errno == EINVAL || errno == EFAULT || errno == EPERM)
			puts(errno == ENOSYS ? "ENOSYS" : errno == EINVAL ? "EINVAL" :
			     errno == EFAULT ? "EFAULT" : "EPERM");
		else
			printf("errno %d\n", errno);
		return 0;
	}
	fprintf(stderr, "enosys: --try: '%s' is not in the table (see --list --level 3.19)\n", name);
	return 2;
}

static void usage(void)
{
	fputs("usage: enosys [--level MAJOR.MINOR (3.19 or later, default 4.14)] [--list] "
	      "[--] CMD [ARG...]\n       enosys --try NAME\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	struct sock_fprog fp;
	int level = V(4, 14), list = 0, i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if (!strcmp(argv[i], "--list")) {
			list = 1;
		} else if (!strcmp(argv[i], "--try") && i + 1 < argc) {
			return try_call(argv[i + 1]);
		} else if (!strcmp(argv[i], "--level") && i + 1 < argc) {
			if ((level = parse_level(argv[++i])) < 0) {
				fprintf(stderr, "enosys: bad level '%s' (want MAJOR.MINOR, 3.19 or later)\n",
					argv[i]);
				return 2;
			}
		} else {
			usage();
		}
	}
	if (list) {
		for (int k = 0; k < NCALLS; k++)
			if (calls[k].since > level)
				printf("%s\n", calls[k].name);
		return 0;
	}
	if (i >= argc)
		usage();
	build(level);
	fp = (struct sock_fprog){ .len = len, .filter = prog };
	/* As root with CAP_SYS_ADMIN no_new_privs is not needed, and leaving it
	 * off keeps the command's world as it is; without, the kernel wants it. */
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) < 0) {
		if (errno != EACCES || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) < 0) {
			perror("enosys: seccomp");
			return 125;
		}
	}
	execvp(argv[i], argv + i);
	fprintf(stderr, "enosys: %s: %s\n", argv[i], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}
