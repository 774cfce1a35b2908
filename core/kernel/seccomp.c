// SPDX-License-Identifier: Apache-2.0
/* seccomp.c - the only door to libseccomp: Docker's default policy as our own
 * table, Docker-format JSON profiles, BPF built in the parent, one syscall to
 * install it in the child. When to apply it is runtime.c's business. */
#include "core/kernel/seccomp.h"

#if !defined(CFG_CORE_SECCOMP) || CFG_CORE_SECCOMP
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "core/kernel/caps.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/json.h"
#include "core/util/xalloc.h"
#include "libc-compat/compat.h"
#include "version.h"

/*
 * Docker's default profile (moby/profiles seccomp/default_linux.go, the
 * version with the socket family allow-list): default ERRNO(EPERM); these
 * syscalls allowed (io_uring_* no longer, since Docker 25); socket(2) for
 * some families; five personality(2) values; arch- and capability-gated
 * groups; clone(2) without namespace flags, and clone3(2) answered with
 * ENOSYS (so that libcs fall back to clone), unless CAP_SYS_ADMIN is held.
 * One difference, for :ro mounts (Docker leaves it to AppArmor): with
 * CAP_SYS_ADMIN, mount(2) may not remount read-write and mount_setattr(2)
 * answers ENOSYS. Names this libseccomp does not know are skipped, as Docker skips them.
 * Strings are NUL-joined and end with an empty name.
 */
static const char sc_base[] =
	"accept\0accept4\0access\0adjtimex\0alarm\0bind\0brk\0cachestat\0capget\0capset\0"
	"chdir\0chmod\0chown\0chown32\0clock_adjtime\0clock_adjtime64\0clock_getres\0"
	"clock_getres_time64\0clock_gettime\0clock_gettime64\0clock_nanosleep\0"
	"clock_nanosleep_time64\0close\0close_range\0connect\0copy_file_range\0creat\0"
	"dup\0dup2\0dup3\0epoll_create\0epoll_create1\0epoll_ctl\0epoll_ctl_old\0"
	"epoll_pwait\0epoll_pwait2\0epoll_wait\0epoll_wait_old\0eventfd\0eventfd2\0"
	"execve\0execveat\0exit\0exit_group\0faccessat\0faccessat2\0fadvise64\0"
	"fadvise64_64\0fallocate\0fanotify_mark\0fchdir\0fchmod\0fchmodat\0fchmodat2\0"
	"fchown\0fchown32\0fchownat\0fcntl\0fcntl64\0fdatasync\0fgetxattr\0flistxattr\0"
	"flock\0fork\0fremovexattr\0fsetxattr\0fstat\0fstat64\0fstatat64\0fstatfs\0"
	"fstatfs64\0fsync\0ftruncate\0ftruncate64\0futex\0futex_requeue\0futex_time64\0"
	"futex_wait\0futex_waitv\0futex_wake\0futimesat\0getcpu\0getcwd\0getdents\0"
	"getdents64\0getegid\0getegid32\0geteuid\0geteuid32\0getgid\0getgid32\0"
	"getgroups\0getgroups32\0getitimer\0getpeername\0getpgid\0getpgrp\0getpid\0"
	"getppid\0getpriority\0getrandom\0getresgid\0getresgid32\0getresuid\0"
	"getresuid32\0getrlimit\0get_robust_list\0getrusage\0getsid\0getsockname\0"
	"getsockopt\0get_thread_area\0gettid\0gettimeofday\0getuid\0getuid32\0getxattr\0"
	"getxattrat\0inotify_add_watch\0inotify_init\0inotify_init1\0inotify_rm_watch\0"
	"io_cancel\0ioctl\0io_destroy\0io_getevents\0io_pgetevents\0"
	"io_pgetevents_time64\0ioprio_get\0ioprio_set\0io_setup\0io_submit\0ipc\0kill\0"
	"landlock_add_rule\0landlock_create_ruleset\0landlock_restrict_self\0lchown\0"
	"lchown32\0lgetxattr\0link\0linkat\0listen\0listmount\0listxattr\0listxattrat\0"
	"llistxattr\0_llseek\0lremovexattr\0lseek\0lsetxattr\0lstat\0lstat64\0madvise\0"
	"map_shadow_stack\0membarrier\0memfd_create\0memfd_secret\0mincore\0mkdir\0"
	"mkdirat\0mknod\0mknodat\0mlock\0mlock2\0mlockall\0mmap\0mmap2\0mprotect\0"
	"mq_getsetattr\0mq_notify\0mq_open\0mq_timedreceive\0mq_timedreceive_time64\0"
	"mq_timedsend\0mq_timedsend_time64\0mq_unlink\0mremap\0mseal\0msgctl\0msgget\0"
	"msgrcv\0msgsnd\0msync\0munlock\0munlockall\0munmap\0name_to_handle_at\0"
	"nanosleep\0newfstatat\0_newselect\0open\0openat\0openat2\0pause\0pidfd_open\0"
	"pidfd_send_signal\0pipe\0pipe2\0pkey_alloc\0pkey_free\0pkey_mprotect\0poll\0"
	"ppoll\0ppoll_time64\0prctl\0pread64\0preadv\0preadv2\0prlimit64\0"
	"process_mrelease\0pselect6\0pselect6_time64\0pwrite64\0pwritev\0pwritev2\0read\0"
	"readahead\0readlink\0readlinkat\0readv\0recv\0recvfrom\0recvmmsg\0"
	"recvmmsg_time64\0recvmsg\0remap_file_pages\0removexattr\0removexattrat\0"
	"rename\0renameat\0renameat2\0restart_syscall\0riscv_hwprobe\0rmdir\0rseq\0"
	"rt_sigaction\0rt_sigpending\0rt_sigprocmask\0rt_sigqueueinfo\0rt_sigreturn\0"
	"rt_sigsuspend\0rt_sigtimedwait\0rt_sigtimedwait_time64\0rt_tgsigqueueinfo\0"
	"sched_getaffinity\0sched_getattr\0sched_getparam\0sched_get_priority_max\0"
	"sched_get_priority_min\0sched_getscheduler\0sched_rr_get_interval\0"
	"sched_rr_get_interval_time64\0sched_setaffinity\0sched_setattr\0"
	"sched_setparam\0sched_setscheduler\0sched_yield\0seccomp\0select\0semctl\0"
	"semget\0semop\0semtimedop\0semtimedop_time64\0send\0sendfile\0sendfile64\0"
	"sendmmsg\0sendmsg\0sendto\0setfsgid\0setfsgid32\0setfsuid\0setfsuid32\0setgid\0"
	"setgid32\0setgroups\0setgroups32\0setitimer\0setpgid\0setpriority\0setregid\0"
	"setregid32\0setresgid\0setresgid32\0setresuid\0setresuid32\0setreuid\0"
	"setreuid32\0setrlimit\0set_robust_list\0setsid\0setsockopt\0set_thread_area\0"
	"set_tid_address\0setuid\0setuid32\0setxattr\0setxattrat\0shmat\0shmctl\0shmdt\0"
	"shmget\0shutdown\0sigaltstack\0signalfd\0signalfd4\0sigprocmask\0sigreturn\0"
	"socketcall\0socketpair\0splice\0stat\0stat64\0statfs\0statfs64\0statmount\0"
	"statx\0symlink\0symlinkat\0sync\0sync_file_range\0syncfs\0sysinfo\0tee\0tgkill\0"
	"time\0timer_create\0timer_delete\0timer_getoverrun\0timer_gettime\0"
	"timer_gettime64\0timer_settime\0timer_settime64\0timerfd_create\0"
	"timerfd_gettime\0timerfd_gettime64\0timerfd_settime\0timerfd_settime64\0times\0"
	"tkill\0truncate\0truncate64\0ugetrlimit\0umask\0uname\0unlink\0unlinkat\0"
	"uretprobe\0utime\0utimensat\0utimensat_time64\0utimes\0vfork\0vmsplice\0wait4\0"
	"waitid\0waitpid\0write\0writev\0";

static const char sc_sys_admin[] =
	"bpf\0clone\0clone3\0fanotify_init\0fsconfig\0fsmount\0fsopen\0fspick\0"
	"lookup_dcookie\0lsm_get_self_attr\0lsm_list_modules\0lsm_set_self_attr\0"
	"move_mount\0open_tree\0perf_event_open\0quotactl\0quotactl_fd\0"
	"setdomainname\0sethostname\0setns\0syslog\0umount\0umount2\0unshare\0";

enum {
	SCG_WITHOUT = 1,	/* applies when the capability is NOT held */
	SCG_K48 = 2,		/* Linux 4.8+ only: before it ptrace could skip seccomp */
	SCG_SOCKET = 4,		/* socket(2) for the families in sc_families */
	SCG_PERSONA = 8,	/* personality(2) with one of sc_personas */
	SCG_CLONE = 16,		/* clone(2) without namespace flags (arg 0; s390 differs) */
	SCG_ENOSYS = 32,	/* ERRNO(ENOSYS) instead of allow */
	SCG_MOUNT = 64,		/* mount(2) unless it remounts read-write (arg 3) */
};

struct sc_group {
	const char *names;
	signed char cap;	/* -1: no capability condition */
	unsigned char flags;
};

static const struct sc_group sc_groups[] = {
	{ sc_base, -1, 0 },
	{ "process_vm_readv\0process_vm_writev\0ptrace\0", -1, SCG_K48 },
	{ "socket\0", -1, SCG_SOCKET },
	{ "personality\0", -1, SCG_PERSONA },
#if defined(__arm__) || defined(__aarch64__)
	{ "arm_fadvise64_64\0arm_sync_file_range\0sync_file_range2\0breakpoint\0cacheflush\0"
	  "set_tls\0", -1, 0 },
#endif
#if defined(__x86_64__)
	{ "arch_prctl\0modify_ldt\0", -1, 0 },
#endif
#if defined(__riscv) && __riscv_xlen == 64
	{ "riscv_flush_icache\0", -1, 0 },
#endif
	{ "open_by_handle_at\0", CAP_DAC_READ_SEARCH, 0 },
	{ sc_sys_admin, CAP_SYS_ADMIN, 0 },
	/* Unlike Docker: a :ro mount stays read-only with CAP_SYS_ADMIN.
	 * mount_setattr's flags sit behind a pointer seccomp cannot read:
	 * ENOSYS, so that mount tools fall back to mount(2). */
	{ "mount\0", CAP_SYS_ADMIN, SCG_MOUNT },
	{ "mount_setattr\0", CAP_SYS_ADMIN, SCG_ENOSYS },
	{ "clone\0", CAP_SYS_ADMIN, SCG_WITHOUT | SCG_CLONE },
	{ "clone3\0", CAP_SYS_ADMIN, SCG_WITHOUT | SCG_ENOSYS },
	{ "reboot\0", CAP_SYS_BOOT, 0 },
	{ "chroot\0", CAP_SYS_CHROOT, 0 },
	{ "delete_module\0init_module\0finit_module\0", CAP_SYS_MODULE, 0 },
	{ "acct\0", CAP_SYS_PACCT, 0 },
	{ "kcmp\0pidfd_getfd\0process_madvise\0process_vm_readv\0process_vm_writev\0ptrace\0",
	  CAP_SYS_PTRACE, 0 },
	{ "iopl\0ioperm\0", CAP_SYS_RAWIO, 0 },
	{ "settimeofday\0stime\0clock_settime\0clock_settime64\0", CAP_SYS_TIME, 0 },
	{ "vhangup\0", CAP_SYS_TTY_CONFIG, 0 },
	{ "get_mempolicy\0mbind\0set_mempolicy\0set_mempolicy_home_node\0", CAP_SYS_NICE, 0 },
	{ "syslog\0", CAP_SYSLOG, 0 },
	{ "bpf\0", CAP_BPF, 0 },
	{ "perf_event_open\0", CAP_PERFMON, 0 },
};

#define SC_AF(n) (UINT64_C(1) << (n))
/* Families 1-45 but the removed ones (DECnet 12, Econet 19, ATMSVC 20,
 * IrDA 23, WANPIPE 25, ISDN 34, CAIF 37), AF_ALG (38) and AF_VSOCK (40). */
static const uint64_t sc_families = (SC_AF(46) - 2) & ~(SC_AF(12) | SC_AF(19) | SC_AF(20) |
	SC_AF(23) | SC_AF(25) | SC_AF(34) | SC_AF(37) | SC_AF(38) | SC_AF(40));
/* PER_LINUX, PER_LINUX32, UNAME26, UNAME26|PER_LINUX32, and the query. */
static const uint32_t sc_personas[] = { 0, 0x8, 0x20000, 0x20008, 0xffffffff };
#define SC_NS_FLAGS (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | \
		     CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP)

/* The compat ABIs Docker adds to a native filter (its archMap). */
static const uint32_t sc_subarches[] = {
#if defined(__x86_64__)
	SCMP_ARCH_X86, SCMP_ARCH_X32,
#elif defined(__aarch64__)
	SCMP_ARCH_ARM,
#endif
	0
};

/* includes/excludes "arches" name the machine as Go's GOARCH does. */
#if defined(__x86_64__)
#define SC_GOARCH "amd64"
#elif defined(__i386__)
#define SC_GOARCH "386"
#elif defined(__aarch64__)
#define SC_GOARCH "arm64"
#elif defined(__arm__)
#define SC_GOARCH "arm"
#elif defined(__mips64) && defined(__MIPSEL__)
#define SC_GOARCH "mips64le"
#elif defined(__mips64)
#define SC_GOARCH "mips64"
#elif defined(__mips__) && defined(__MIPSEL__)
#define SC_GOARCH "mipsle"
#elif defined(__mips__)
#define SC_GOARCH "mips"
#elif defined(__riscv) && __riscv_xlen == 64
#define SC_GOARCH "riscv64"
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SC_GOARCH "ppc64le"
#elif defined(__s390x__)
#define SC_GOARCH "s390x"
#else
#define SC_GOARCH ""
#endif

enum {
	SC_ARCH_MAX = 16,		/* libseccomp knows fewer */
	SC_ARGS_MAX = 16,		/* conditions in one profile rule */
	SC_PIPE = 1 << 16,		/* twice the kernel's largest program */
	SC_X32_BIT = 0x40000000,	/* x32 syscall numbers have it */
	SC_ARM_PRIVATE = 0x0f0000,	/* ARM's private syscalls (cacheflush...) */
	SC_STUB_MAX = 5 * SC_ARCH_MAX + 3,
};

/* A filter being built: the libseccomp context and what the ENOSYS stub
 * needs to know (sc_stub). */
struct sc_build {
	scmp_filter_ctx ctx;
	const char *src;		/* "seccomp profile FILE", for messages */
	uint32_t def;			/* default action */
	unsigned int flags;		/* seccomp(2) flags from the profile */
	int narch;
	uint32_t arch[SC_ARCH_MAX];
	int max[SC_ARCH_MAX];		/* highest syscall number in a rule, per arch */
};

struct seccomp_policy {
	unsigned int flags;
	unsigned short len;
	struct sock_filter insns[];
};

static int PRINTF(2, 3) sc_bad(const struct sc_build *b, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_setx(EINVAL, "%s: %s", b->src, msg);
}

/* The running kernel is maj.min or newer (includes.minKernel). */
static bool sc_kernel_at_least(unsigned int maj, unsigned int min)
{
	struct utsname u;
	unsigned int a, b;

	if (uname(&u) < 0 || sscanf(u.release, "%u.%u", &a, &b) != 2)
		return true;	/* unreadable: assume a current kernel */
	return a > maj || (a == maj && b >= min);
}

static int sc_begin(struct sc_build *b, uint32_t def)
{
	b->ctx = seccomp_init(def);
	if (!b->ctx)
		return sc_bad(b, "libseccomp cannot use default action %#x on this kernel", def);
	b->def = def;
	b->arch[0] = seccomp_arch_native();
	b->max[0] = -1;
	b->narch = 1;
	return 0;
}

static void sc_end(struct sc_build *b)
{
	if (b->ctx)
		seccomp_release(b->ctx);
	b->ctx = NULL;
}

static int sc_arch_index(const struct sc_build *b, uint32_t arch)
{
	for (int i = 0; i < b->narch; i++)
		if (b->arch[i] == arch)
			return i;
	return -1;
}

static int sc_arch_add(struct sc_build *b, uint32_t arch)
{
	int r;

	if (sc_arch_index(b, arch) >= 0)
		return 0;
	if (b->narch == SC_ARCH_MAX)
		return sc_bad(b, "more than %d architectures", SC_ARCH_MAX);
	r = seccomp_arch_add(b->ctx, arch);
	if (r < 0)
		return err_setx(-r, "%s: add architecture %#x: %s", b->src, arch, strerror(-r));
	b->arch[b->narch] = arch;
	b->max[b->narch++] = -1;
	return 0;
}

/* Remember the highest syscall number a rule names on each architecture. */
static void sc_note(struct sc_build *b, const char *name)
{
	for (int i = 0; i < b->narch; i++) {
		int nr = seccomp_syscall_resolve_name_arch(b->arch[i], name);

		if (b->arch[i] == SCMP_ARCH_ARM && nr >= SC_ARM_PRIVATE)
			continue;
		if (nr > b->max[i])
			b->max[i] = nr;
	}
}

static bool sc_arg_repeats(const struct scmp_arg_cmp *c, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		for (unsigned int j = i + 1; j < n; j++)
			if (c[i].arg == c[j].arg)
				return true;
	return false;
}

/* One rule. libseccomp resolves the name on every architecture of the
 * filter (absent ones are left out). Like runc, a rule repeating the
 * default is dropped, and one comparing an argument twice becomes one rule
 * per comparison (OR), since libseccomp takes an argument once per rule. */
static int sc_rule(struct sc_build *b, const char *name, uint32_t act, unsigned int n,
		   const struct scmp_arg_cmp *c)
{
	int nr = seccomp_syscall_resolve_name(name), r = 0;

	if (nr == __NR_SCMP_ERROR || act == b->def)
		return 0;
	if (sc_arg_repeats(c, n)) {
		for (unsigned int i = 0; i < n && r >= 0; i++)
			r = seccomp_rule_add_array(b->ctx, act, nr, 1, c + i);
	} else {
		r = seccomp_rule_add_array(b->ctx, act, nr, n, c);
	}
	if (r < 0 && (act == SCMP_ACT_KILL_PROCESS || act == SCMP_ACT_LOG))
		return err_setx(-r, "%s: syscall %s: %s (that action needs Linux 4.14)", b->src,
				name, strerror(-r));
	if (r < 0)
		return err_setx(-r, "%s: syscall %s: %s", b->src, name, strerror(-r));
	sc_note(b, name);
	return 0;
}

/* socket(2): one "below" rule for the run of families from AF_UNIX
 * (AF_UNSPEC cannot be created), then one rule per other family. */
static int sc_socket(struct sc_build *b)
{
	struct scmp_arg_cmp c = { .arg = 0, .op = SCMP_CMP_LT };
	unsigned int af = 1;
	int r;

	while (sc_families & SC_AF(af))
		af++;
	c.datum_a = af;
	r = sc_rule(b, "socket", SCMP_ACT_ALLOW, 1, &c);
	c.op = SCMP_CMP_EQ;
	for (; r >= 0 && af < 64; af++) {
		c.datum_a = af;
		if (sc_families & SC_AF(af))
			r = sc_rule(b, "socket", SCMP_ACT_ALLOW, 1, &c);
	}
	return r;
}

static bool sc_group_applies(const struct sc_group *g, uint64_t caps)
{
	bool held = g->cap >= 0 && (caps & CAPS_BIT(g->cap));

	if (g->cap >= 0 && held == !!(g->flags & SCG_WITHOUT))
		return false;
	return !(g->flags & SCG_K48) || sc_kernel_at_least(4, 8);
}

static int sc_personality(struct sc_build *b)
{
	struct scmp_arg_cmp c = { .arg = 0, .op = SCMP_CMP_EQ };
	int r = 0;

	for (size_t i = 0; i < ARRAY_SIZE(sc_personas) && r >= 0; i++) {
		c.datum_a = sc_personas[i];
		r = sc_rule(b, "personality", SCMP_ACT_ALLOW, 1, &c);
	}
	return r;
}

/* mount(2) unless MS_REMOUNT is set and MS_RDONLY clear: two rules, as
 * libseccomp ANDs the conditions of one. Anything else (a new mount, a
 * bind, remount,ro, propagation) is the kernel's to judge. */
static int sc_mount(struct sc_build *b)
{
	struct scmp_arg_cmp c = { .arg = 3, .op = SCMP_CMP_MASKED_EQ, .datum_a = MS_REMOUNT,
				  .datum_b = 0 };
	int r = sc_rule(b, "mount", SCMP_ACT_ALLOW, 1, &c);

	c.datum_a = c.datum_b = MS_RDONLY;
	return r < 0 ? r : sc_rule(b, "mount", SCMP_ACT_ALLOW, 1, &c);
}

static int sc_group_add(struct sc_build *b, const struct sc_group *g)
{
	uint32_t act = g->flags & SCG_ENOSYS ? SCMP_ACT_ERRNO(ENOSYS) : SCMP_ACT_ALLOW;
	struct scmp_arg_cmp c = { .arg = 0, .op = SCMP_CMP_MASKED_EQ, .datum_a = SC_NS_FLAGS };
	int r = 0;

	if (g->flags & SCG_SOCKET)
		return sc_socket(b);
	if (g->flags & SCG_PERSONA)
		return sc_personality(b);
	if (g->flags & SCG_MOUNT)
		return sc_mount(b);
	for (const char *s = g->names; *s && r >= 0; s += strlen(s) + 1)
		r = sc_rule(b, s, act, g->flags & SCG_CLONE ? 1 : 0, &c);
	return r;
}

/* libseccomp's program, read back through a pipe: 2.5 exports to an fd
 * only. The pipe holds more than the kernel's 4096 instructions, and a
 * full pipe means a cut program, so that is refused. */
static int sc_export(const struct sc_build *b, struct sock_filter **out, size_t *n)
{
	autofree struct sock_filter *buf = NULL;
	int p[2], cap, r;
	ssize_t got;

	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		return err_set(errno, "%s: pipe", b->src);
	fcntl(p[1], F_SETPIPE_SZ, SC_PIPE);
	cap = fcntl(p[1], F_GETPIPE_SZ);
	if (cap <= 0)
		cap = SC_PIPE;		/* kernels before 2.6.35: always 64 KB */
	r = seccomp_export_bpf(b->ctx, p[1]);
	close(p[1]);
	buf = xmalloc((size_t)cap);
	got = r < 0 ? r : fsutil_read_full(p[0], buf, (size_t)cap);
	close(p[0]);
	if (got < 0)
		return err_setx((int)-got, "%s: generate the filter: %s", b->src,
				strerror((int)-got));
	if (got == 0 || got >= cap || got % sizeof(**out))
		return err_setx(E2BIG, "%s: the generated filter is empty or too large", b->src);
	*n = (size_t)got / sizeof(**out);
	*out = TAKE(buf);
	return 0;
}

/* Instructions in the stub for arch i (0: none). */
static unsigned int sc_block_len(const struct sc_build *b, int i, int x32)
{
	if (b->max[i] < 0 || b->arch[i] == SCMP_ARCH_X32)
		return 0;
	if (b->arch[i] == SCMP_ARCH_X86_64)
		return x32 >= 0 && b->max[x32] >= 0 ? 5 : 4;
	return b->arch[i] == SCMP_ARCH_ARM ? 4 : 3;
}

static struct sock_filter sc_jgt(int max, unsigned int at, unsigned int enosys,
				 unsigned int start)
{
	struct sock_filter f = BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, (uint32_t)max,
					(uint8_t)(enosys - at - 1), (uint8_t)(start - at - 1));
	return f;
}

/*
 * What runc puts before libseccomp's program: a syscall numbered above every
 * syscall the profile names gets ENOSYS, not the default EPERM, so that a
 * libc probing a syscall newer than the profile (or this libseccomp) falls
 * back instead of failing. x32 numbers share x86_64's audit arch and carry
 * SC_X32_BIT; ARM's private syscalls sit above SC_ARM_PRIVATE.
 */
static unsigned int sc_stub(const struct sc_build *b, struct sock_filter *f)
{
	unsigned int len[SC_ARCH_MAX], t = 3, k = 1, enosys, start;
	int x32 = sc_arch_index(b, SCMP_ARCH_X32);

	for (int i = 0; i < b->narch; i++)
		t += len[i] = sc_block_len(b, i, x32);
	if (t == 3)
		return 0;	/* no rule resolved anywhere: nothing is "newer" */
	enosys = t - 1;
	start = t;
	f[0] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					    offsetof(struct seccomp_data, arch));
	for (int i = 0; i < b->narch; i++) {
		if (!len[i])
			continue;
		f[k] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, b->arch[i], 0,
						    len[i] - 1);
		f[k + 1] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
							offsetof(struct seccomp_data, nr));
		k += 2;
		if (b->arch[i] == SCMP_ARCH_ARM) {
			f[k] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K,
							    SC_ARM_PRIVATE, start - k - 1, 0);
			k++;
		}
		if (b->arch[i] == SCMP_ARCH_X86_64) {
			f[k] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, SC_X32_BIT,
							    len[i] == 5 ? 1 : start - k - 1, 0);
			k++;
		}
		f[k] = sc_jgt(b->max[i], k, enosys, start);
		k++;
		if (b->arch[i] == SCMP_ARCH_X86_64 && len[i] == 5) {
			f[k] = sc_jgt(b->max[x32], k, enosys, start);
			k++;
		}
	}
	f[k++] = (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, 1);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
	return k;
}

/* Only a default that refuses needs the stub; ERRNO(ENOSYS) is the stub. */
static bool sc_wants_stub(uint32_t def)
{
	uint32_t kind = def & 0xffff0000U;

	if (kind == SCMP_ACT_ERRNO(0))
		return (def & 0xffff) != ENOSYS;
	return kind == SCMP_ACT_KILL_THREAD || kind == SCMP_ACT_KILL_PROCESS ||
	       kind == SCMP_ACT_TRAP;
}

static int sc_finish(struct sc_build *b, struct seccomp_policy **out)
{
	struct sock_filter stub[SC_STUB_MAX];
	autofree struct sock_filter *prog = NULL;
	struct seccomp_policy *p;
	size_t n = 0, ns = 0;

	if (sc_export(b, &prog, &n) < 0)
		return -err_errno();
	if (sc_wants_stub(b->def))
		ns = sc_stub(b, stub);
	if (ns + n > BPF_MAXINSNS)
		return err_setx(E2BIG, "%s: the filter has %zu instructions, more than the "
				"kernel's %d", b->src, ns + n, BPF_MAXINSNS);
	p = xmalloc(sizeof(*p) + (ns + n) * sizeof(p->insns[0]));
	p->flags = b->flags;
	p->len = (unsigned short)(ns + n);
	memcpy(p->insns, stub, ns * sizeof(stub[0]));
	memcpy(p->insns + ns, prog, n * sizeof(prog[0]));
	*out = p;
	return 0;
}

int seccomp_policy_default(uint64_t caps, struct seccomp_policy **out)
{
	struct sc_build b = { .src = "default seccomp profile" };
	int r;

	*out = NULL;
	r = sc_begin(&b, SCMP_ACT_ERRNO(EPERM));
	for (const uint32_t *a = sc_subarches; r >= 0 && *a; a++)
		r = sc_arch_add(&b, *a);
	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(sc_groups); i++)
		if (sc_group_applies(&sc_groups[i], caps))
			r = sc_group_add(&b, &sc_groups[i]);
	if (r >= 0)
		r = sc_finish(&b, out);
	sc_end(&b);
	return r;
}

/* ---- a cache of the default policy ---- */

static uint64_t sc_fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--)
		h = (h ^ *c++) * 0x100000001b3ULL;
	return h;
}

/* What a built program depends on besides its source: caps, this build
 * (and its default table), the kernel (rules of both kinds depend on its
 * version). */
static uint64_t sc_key(uint64_t caps)
{
	uint64_t h = sc_fnv(0xcbf29ce484222325ULL, &caps, sizeof(caps));
	long long epoch = DORY_BUILD_EPOCH;
	struct utsname u;

	h = sc_fnv(h, &epoch, sizeof(epoch));
	if (uname(&u) == 0)
		h = sc_fnv(h, u.release, strlen(u.release));
	for (size_t i = 0; i < ARRAY_SIZE(sc_groups); i++) {
		const char *n = sc_groups[i].names;

		while (*n)
			n += strlen(n) + 1;
		h = sc_fnv(h, sc_groups[i].names, n - sc_groups[i].names);
		h = sc_fnv(h, &sc_groups[i].cap, 1);
		h = sc_fnv(h, &sc_groups[i].flags, 1);
	}
	return h;
}

/* A kept program: this header, then its instructions. */
struct sc_kept {
	char magic[4];		/* "DSF1" */
	uint32_t flags;
	uint32_t len;
	uint32_t pad;
	uint64_t key;		/* sc_key of the caps it was built for */
};

static struct seccomp_policy *sc_kept_read(const char *path, uint64_t key)
{
	struct seccomp_policy *p = NULL;
	struct sc_kept h;
	struct stat st;
	int fd = openat(AT_FDCWD, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	/* Only a whole file root made and nobody else can change is trusted;
	 * one for another build, kernel or set of caps is stale. */
	if (fstat(fd, &st) == 0 && st.st_uid == 0 && !(st.st_mode & 022) &&
	    fsutil_read_full(fd, &h, sizeof(h)) == sizeof(h) && !memcmp(h.magic, "DSF1", 4) &&
	    h.key == key && h.len && h.len <= BPF_MAXINSNS &&
	    st.st_size == (off_t)(sizeof(h) + h.len * sizeof(struct sock_filter))) {
		p = xzalloc(sizeof(*p) + h.len * sizeof(struct sock_filter));
		p->flags = h.flags;
		p->len = (unsigned short)h.len;
		if (fsutil_read_full(fd, p->insns, h.len * sizeof(struct sock_filter)) !=
		    (ssize_t)(h.len * sizeof(struct sock_filter)))
			free(TAKE(p));
	}
	close(fd);
	return p;
}

int seccomp_policy_keep(const struct seccomp_policy *p, uint64_t caps, const char *path)
{
	struct sc_kept h = { .magic = "DSF1", .flags = p->flags, .len = p->len,
			     .key = sc_key(caps) };
	autofree char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	int fd = openat(AT_FDCWD, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0)
		return err_set(errno, "create %s", tmp);
	/* Not fsynced: a program lost to a power cut is built again. */
	if (fsutil_write_full(fd, &h, sizeof(h)) < 0 ||
	    fsutil_write_full(fd, p->insns, p->len * sizeof(struct sock_filter)) < 0 ||
	    close(TAKE_FD(fd)) < 0 || rename(tmp, path) < 0) {
		err_set(errno, "write %s", path);
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		return -err_errno();
	}
	return 0;
}

int seccomp_policy_default_cached(uint64_t caps, const char *dir, struct seccomp_policy **out)
{
	char path[PATH_MAX];
	uint64_t key = sc_key(caps);
	int r;

	if (!dir || snprintf(path, sizeof(path), "%s/seccomp-%016llx.bpf", dir,
			     (unsigned long long)key) >= (int)sizeof(path))
		return seccomp_policy_default(caps, out);
	*out = sc_kept_read(path, key);
	if (*out)
		return 0;
	r = seccomp_policy_default(caps, out);
	if (r == 0 && (fsutil_mkdir_p(dir, 0700) < 0 || seccomp_policy_keep(*out, caps, path) < 0))
		err_clear();	/* best effort */
	return r;
}

/* ---- Docker-format JSON profiles ---- */

/* cJSON's null, booleans and numbers are neither objects, arrays nor
 * strings: Docker's generated profiles write "args": null, read as absent. */
static bool sc_absent(const struct json *j)
{
	return !j || (!json_is_obj(j) && !json_is_arr(j) && !json_str(j));
}

static const struct {
	char name[24];
	uint32_t act;
} sc_actions[] = {
	{ "SCMP_ACT_KILL", SCMP_ACT_KILL },
	{ "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD },
	{ "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS },
	{ "SCMP_ACT_TRAP", SCMP_ACT_TRAP },
	{ "SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0) },
	{ "SCMP_ACT_TRACE", SCMP_ACT_TRACE(0) },
	{ "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW },
	{ "SCMP_ACT_LOG", SCMP_ACT_LOG },
};

static const struct {
	char name[20];
	enum scmp_compare op;
} sc_ops[] = {
	{ "SCMP_CMP_NE", SCMP_CMP_NE }, { "SCMP_CMP_LT", SCMP_CMP_LT },
	{ "SCMP_CMP_LE", SCMP_CMP_LE }, { "SCMP_CMP_EQ", SCMP_CMP_EQ },
	{ "SCMP_CMP_GE", SCMP_CMP_GE }, { "SCMP_CMP_GT", SCMP_CMP_GT },
	{ "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};

/* An action and its errno (or trace message): Docker's defaults are EPERM. */
static int sc_action(const struct sc_build *b, const struct json *o, const char *akey,
		     const char *ekey, const char *where, uint32_t *out)
{
	const char *s = json_get_str(o, akey);
	long long e = EPERM;
	bool has_e = json_get_i64(o, ekey, &e);
	size_t i;

	if (!has_e && !sc_absent(json_get(o, ekey)))
		return sc_bad(b, "%s: %s must be a number", where, ekey);
	if (!s)
		return sc_bad(b, "%s: no %s", where, akey);
	for (i = 0; i < ARRAY_SIZE(sc_actions) && strcmp(s, sc_actions[i].name); i++)
		;
	if (i == ARRAY_SIZE(sc_actions) && !strcmp(s, "SCMP_ACT_NOTIFY"))
		return sc_bad(b, "%s: SCMP_ACT_NOTIFY is not supported (dory has no seccomp "
			      "agent)", where);
	if (i == ARRAY_SIZE(sc_actions))
		return sc_bad(b, "%s: unknown action \"%s\" (SCMP_ACT_ALLOW, ERRNO, KILL, "
			      "KILL_PROCESS, KILL_THREAD, TRAP, TRACE or LOG)", where, s);
	*out = sc_actions[i].act;
	if (*out == SCMP_ACT_ERRNO(0) || *out == SCMP_ACT_TRACE(0)) {
		if (e < 0 || e > (*out == SCMP_ACT_ERRNO(0) ? 4094 : 65535))
			return sc_bad(b, "%s: %s %lld is out of range", where, ekey, e);
		*out |= (uint32_t)e;
	} else if (has_e) {
		return sc_bad(b, "%s: %s needs SCMP_ACT_ERRNO or SCMP_ACT_TRACE", where, ekey);
	}
	return 0;
}

/* A non-negative integer member (missing: 0). */
static int sc_u64(const struct sc_build *b, const struct json *o, const char *key,
		  const char *where, uint64_t *out)
{
	long long v = 0;

	if (json_get(o, key) && (!json_get_i64(o, key, &v) || v < 0))
		return sc_bad(b, "%s: %s must be an integer from 0 to 2^53", where, key);
	*out = (uint64_t)v;
	return 0;
}

static int sc_args(const struct sc_build *b, const struct json *a, const char *where,
		   struct scmp_arg_cmp *c, unsigned int *n)
{
	char at[48];
	uint64_t idx;

	*n = 0;
	if (sc_absent(a))
		return 0;
	if (!json_is_arr(a) || json_arr_len(a) > SC_ARGS_MAX)
		return sc_bad(b, "%s: args must be an array of at most %d conditions", where,
			      SC_ARGS_MAX);
	for (int i = 0; i < json_arr_len(a); i++, (*n)++) {
		const struct json *x = json_arr_at(a, i);
		const char *op = json_get_str(x, "op");
		size_t k;

		snprintf(at, sizeof(at), "%s.args[%d]", where, i);
		if (!json_is_obj(x))
			return sc_bad(b, "%s: expected an object", at);
		if (sc_u64(b, x, "index", at, &idx) < 0 ||
		    sc_u64(b, x, "value", at, &c[i].datum_a) < 0 ||
		    sc_u64(b, x, "valueTwo", at, &c[i].datum_b) < 0)
			return -err_errno();
		if (idx > 5)
			return sc_bad(b, "%s: index %llu is not an argument (0 to 5)", at,
				      (unsigned long long)idx);
		for (k = 0; op && k < ARRAY_SIZE(sc_ops) && strcmp(op, sc_ops[k].name); k++)
			;
		if (!op || k == ARRAY_SIZE(sc_ops))
			return sc_bad(b, "%s: unknown op \"%s\"", at, op ? op : "");
		c[i].arg = (unsigned int)idx;
		c[i].op = sc_ops[k].op;
	}
	return 0;
}

/* Every member of arr is a string (a missing arr is an empty one); where
 * (NULL at the top level) and key say what it is in messages. */
static int sc_strings(const struct sc_build *b, const struct json *arr, const char *where,
		      const char *key)
{
	if (sc_absent(arr))
		return 0;
	if (!json_is_arr(arr))
		return sc_bad(b, "%s%s%s must be an array of strings", where ? where : "",
			      where ? ": " : "", key);
	for (int i = 0; i < json_arr_len(arr); i++)
		if (!json_str(json_arr_at(arr, i)))
			return sc_bad(b, "%s%s%s[%d] must be a string", where ? where : "",
				      where ? ": " : "", key, i);
	return 0;
}

static bool sc_has(const struct json *arr, const char *s)
{
	for (int i = 0; i < json_arr_len(arr); i++)
		if (!strcmp(json_str(json_arr_at(arr, i)), s))
			return true;
	return false;
}

/* Docker's includes (every cap held, this machine's arch listed, kernel at
 * least minKernel) and excludes (any of those): *skip if the rule is out. */
static int sc_filter(const struct sc_build *b, const struct json *f, const char *where,
		     uint64_t caps, bool incl, bool *skip)
{
	const struct json *cv = json_get(f, "caps"), *av = json_get(f, "arches");
	const char *mk = json_get_str(f, "minKernel");
	unsigned int maj, min;
	char at[48];
	int held = 0;

	snprintf(at, sizeof(at), "%s.%s", where, incl ? "includes" : "excludes");
	if (sc_absent(f))
		return 0;
	if (!json_is_obj(f))
		return sc_bad(b, "%s: expected an object", at);
	if (sc_strings(b, cv, at, "caps") < 0 || sc_strings(b, av, at, "arches") < 0)
		return -err_errno();
	for (int i = 0; i < json_arr_len(cv); i++) {
		int c = caps_from_name(json_str(json_arr_at(cv, i)));

		held += c >= 0 && c < 64 && (caps & CAPS_BIT(c));
	}
	if (mk && (sscanf(mk, "%u.%u", &maj, &min) != 2))
		return sc_bad(b, "%s: minKernel \"%s\" is not MAJOR.MINOR", at, mk);
	if (incl)
		*skip |= held < json_arr_len(cv) ||
			 (json_arr_len(av) && !sc_has(av, SC_GOARCH)) ||
			 (mk && !sc_kernel_at_least(maj, min));
	else
		*skip |= held > 0 || sc_has(av, SC_GOARCH) || (mk && sc_kernel_at_least(maj, min));
	return 0;
}

static int sc_profile_rule(struct sc_build *b, const struct json *r, int i, uint64_t caps)
{
	const struct json *names = json_get(r, "names");
	const char *name = json_get_str(r, "name");
	struct scmp_arg_cmp c[SC_ARGS_MAX];
	char where[24];
	bool skip = false;
	unsigned int n;
	uint32_t act;
	int ret = 0;

	snprintf(where, sizeof(where), "syscalls[%d]", i);
	if (!json_is_obj(r))
		return sc_bad(b, "%s: expected an object", where);
	if (name && json_arr_len(names))
		return sc_bad(b, "%s: give name or names, not both", where);
	if (!name && sc_strings(b, names, where, "names") < 0)
		return -err_errno();
	if (!name && !json_arr_len(names))
		return sc_bad(b, "%s: no syscall names", where);
	if (sc_action(b, r, "action", "errnoRet", where, &act) < 0 ||
	    sc_args(b, json_get(r, "args"), where, c, &n) < 0 ||
	    sc_filter(b, json_get(r, "includes"), where, caps, true, &skip) < 0 ||
	    sc_filter(b, json_get(r, "excludes"), where, caps, false, &skip) < 0)
		return -err_errno();
	if (skip)
		return 0;
	if (name)
		return sc_rule(b, name, act, n, c);
	for (int k = 0; k < json_arr_len(names) && ret >= 0; k++)
		ret = sc_rule(b, json_str(json_arr_at(names, k)), act, n, c);
	return ret;
}

/* "SCMP_ARCH_X86_64" -> libseccomp's token; 0 if unknown. */
static uint32_t sc_arch_token(const char *s)
{
	char low[24];
	size_t i;

	if (!s || strncmp(s, "SCMP_ARCH_", 10) || strlen(s + 10) >= sizeof(low))
		return 0;
	for (i = 0; s[10 + i]; i++)
		low[i] = (char)tolower((unsigned char)s[10 + i]);
	low[i] = '\0';
	return seccomp_arch_resolve_name(low);
}

static int sc_arch_named(struct sc_build *b, const char *s, const char *where)
{
	uint32_t a = sc_arch_token(s);

	if (!a)
		return sc_bad(b, "%s: unknown architecture \"%s\"", where, s);
	return sc_arch_add(b, a);
}

/* "architectures", or the "archMap" entry of this machine (Docker's
 * choice: the native arch and its subArchitectures). */
static int sc_arches(struct sc_build *b, const struct json *root)
{
	const struct json *av = json_get(root, "architectures"), *map = json_get(root, "archMap");
	int r = sc_strings(b, av, NULL, "architectures");

	if (r < 0)
		return r;
	if (json_arr_len(av) && json_arr_len(map))
		return sc_bad(b, "architectures and archMap are both given; use one");
	for (int i = 0; i < json_arr_len(av) && r >= 0; i++)
		r = sc_arch_named(b, json_str(json_arr_at(av, i)), "architectures");
	if (!sc_absent(map) && !json_is_arr(map))
		return sc_bad(b, "archMap must be an array");
	for (int i = 0; i < json_arr_len(map) && r >= 0; i++) {
		const struct json *e = json_arr_at(map, i), *sub = json_get(e, "subArchitectures");

		if (sc_arch_token(json_get_str(e, "architecture")) != seccomp_arch_native())
			continue;
		r = sc_strings(b, sub, "archMap", "subArchitectures");
		for (int k = 0; k < json_arr_len(sub) && r >= 0; k++)
			r = sc_arch_named(b, json_str(json_arr_at(sub, k)), "archMap");
	}
	return r;
}

/* seccomp(2) flags; TSYNC means nothing to a single-threaded child. */
static int sc_flags(struct sc_build *b, const struct json *root)
{
	const struct json *fv = json_get(root, "flags");

	if (sc_strings(b, fv, NULL, "flags") < 0)
		return -err_errno();
	for (int i = 0; i < json_arr_len(fv); i++) {
		const char *s = json_str(json_arr_at(fv, i));

		if (!strcmp(s, "SECCOMP_FILTER_FLAG_LOG"))
			b->flags |= SECCOMP_FILTER_FLAG_LOG;
		else if (!strcmp(s, "SECCOMP_FILTER_FLAG_SPEC_ALLOW"))
			b->flags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
		else if (strcmp(s, "SECCOMP_FILTER_FLAG_TSYNC"))
			return sc_bad(b, "flags: unknown flag \"%s\"", s);
	}
	return 0;
}

static int sc_profile(struct sc_build *b, const struct json *root, uint64_t caps,
		      struct seccomp_policy **out)
{
	const struct json *sys = json_get(root, "syscalls");
	uint32_t def;

	if (!json_is_obj(root))
		return sc_bad(b, "expected a JSON object");
	if (!json_get_str(root, "defaultAction"))
		return sc_bad(b, "no defaultAction");
	if (sc_action(b, root, "defaultAction", "defaultErrnoRet", "defaultAction", &def) < 0 ||
	    sc_flags(b, root) < 0 || sc_begin(b, def) < 0 || sc_arches(b, root) < 0)
		return -err_errno();
	if (!sc_absent(sys) && !json_is_arr(sys))
		return sc_bad(b, "syscalls must be an array");
	for (int i = 0; i < json_arr_len(sys); i++)
		if (sc_profile_rule(b, json_arr_at(sys, i), i, caps) < 0)
			return -err_errno();
	return sc_finish(b, out);
}

int seccomp_policy_parse(const char *path, const char *text, uint64_t caps,
			 struct seccomp_policy **out)
{
	autofree char *src = xasprintf("seccomp profile %s", path);
	struct sc_build b = { .src = src };
	struct json *root;
	int r;

	*out = NULL;
	root = json_parse(text, strlen(text));
	if (!root)
		return err_ctx("%s", src);
	r = sc_profile(&b, root, caps, out);
	json_free(root);
	sc_end(&b);
	return r;
}

int seccomp_policy_load(const char *path, uint64_t caps, struct seccomp_policy **out)
{
	autofree char *text = NULL;

	*out = NULL;
	if (fsutil_read_file(path, &text) < 0)
		return err_ctx("seccomp profile");
	return seccomp_policy_parse(path, text, caps, out);
}

int seccomp_policy_load_kept(const char *path, uint64_t caps, const char *program,
			      struct seccomp_policy **out)
{
	*out = sc_kept_read(program, sc_key(caps));
	if (*out)
		return 0;
	if (seccomp_policy_load(path, caps, out) < 0)
		return -err_errno();
	if (seccomp_policy_keep(*out, caps, program) < 0)
		err_clear();	/* built again next time */
	return 0;
}

/* ---- installing it ---- */

int seccomp_policy_apply(const struct seccomp_policy *p)
{
	struct sock_fprog prog = { .len = p->len, .filter = (struct sock_filter *)p->insns };
	long r;
	int e;

	/* prctl(2) reaches back to Linux 3.5; seccomp(2) (3.17) only for flags. */
	if (p->flags)
		r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, p->flags, &prog);
	else
		r = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
	if (r == 0)
		return 0;
	e = errno;
	err_set(e, "load the seccomp filter");
	if (e == EACCES)
		return err_hint("set no_new_privs first, or load it while CAP_SYS_ADMIN is held");
	if (e == EINVAL || e == ENOSYS)
		return err_hint("the kernel needs CONFIG_SECCOMP_FILTER%s; or run with "
				"--security-opt seccomp=unconfined",
				p->flags ? " and the profile's flags" : "");
	return -e;
}

int seccomp_policy_len(const struct seccomp_policy *p)
{
	return p ? p->len : 0;
}

const struct sock_filter *seccomp_policy_prog(const struct seccomp_policy *p)
{
	return p ? p->insns : NULL;
}

void seccomp_policy_free(struct seccomp_policy *p)
{
	free(p);
}
#endif
