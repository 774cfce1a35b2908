// SPDX-License-Identifier: Apache-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/kernel/caps.h"
#include "core/kernel/seccomp.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/xalloc.h"
#include "tap.h"

#if defined(CFG_CORE_SECCOMP) && !CFG_CORE_SECCOMP
TEST(seccomp_not_built_in)
{
	struct seccomp_policy *p;

	CHECK(seccomp_policy_default(0, &p) == -ENOTSUP);
	SKIP_IF(1, "CONFIG_CORE_SECCOMP is off");
}
#else
/* A filter can only be tried in a child: it cannot be taken off again.
 * qemu-user does not pass filters to the kernel, valgrind's own syscalls
 * trip them. Parsing and building are tested everywhere. */
#define NO_FILTERS (getenv("DORY_UNIT_QEMU") || getenv("DORY_UNIT_VALGRIND"))
#define SKIP_NO_FILTERS() SKIP_IF(NO_FILTERS, "qemu-user and valgrind do not run seccomp filters")

enum { ERR_MARK = 1000 };	/* an errno no syscall returns by itself */

static int child_fd = -1;

static void child_fail(int line, const char *what, long r)
{
	char buf[300];
	int n = snprintf(buf, sizeof(buf), "line %d: %s gave %ld, errno %d", line, what, r, errno);

	if (write(child_fd, buf, (size_t)n) < 0)
		_exit(3);
	_exit(1);
}

/* In the child: call gives -1 with errno e / does not fail. */
#define EXPECT_ERR(call, e) do { \
		long r_; errno = 0; r_ = (long)(call); \
		if (r_ != -1 || errno != (e)) child_fail(__LINE__, #call " -> " #e, r_); \
	} while (0)
#define EXPECT_OK(call) do { \
		long r_; errno = 0; r_ = (long)(call); \
		if (r_ < 0) child_fail(__LINE__, #call, r_); \
	} while (0)

/* fn() in a child under p (after no_new_privs); the wait status, and any
 * failure the child reported becomes a TAP failure. */
static int run_filtered(const struct seccomp_policy *p, void (*fn)(void))
{
	char msg[300] = "";
	int fds[2], st = -1;
	ssize_t n;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct rlimit nocore = { 0, 0 };

		child_fd = fds[1];
		setrlimit(RLIMIT_CORE, &nocore);	/* SIGSYS would dump core */
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || seccomp_policy_apply(p) < 0)
			child_fail(__LINE__, err_str(), -1);
		fn();
		_exit(0);
	}
	close(fds[1]);
	n = read(fds[0], msg, sizeof(msg) - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(fds[0]);
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return -1;
	if (msg[0])
		TAP_FAIL("child: %s", msg);
	return st;
}

static bool is_root(void)
{
	return geteuid() == 0;
}

static bool kernel_at_least(int maj, int min)
{
	struct utsname u;
	int a = 0, b = 0;

	uname(&u);
	sscanf(u.release, "%d.%d", &a, &b);
	return a > maj || (a == maj && b >= min);
}

static long raw_clone(unsigned long flags)
{
	long pid = syscall(SYS_clone, flags, 0, 0, 0, 0);

	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid((pid_t)pid, NULL, 0);
	return pid;
}

/* A syscall number above anything a profile names on this ABI. */
#if defined(__mips__)
#define SC_NEWEST 4999
#else
#define SC_NEWEST 999
#endif

static struct seccomp_policy *default_for(uint64_t caps)
{
	struct seccomp_policy *p = NULL;

	if (seccomp_policy_default(caps, &p) < 0)
		TAP_FAIL("seccomp_policy_default: %s", err_str());
	return p;
}

static long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

TEST(seccomp_default_builds_fast_and_small)
{
	enum { RUNS = 10 };
	struct seccomp_policy *p = NULL, *all = default_for(~0ULL);
	long long t0 = now_ns(), dt;

	for (int i = 0; i < RUNS; i++) {
		seccomp_policy_free(p);
		p = default_for(caps_docker_default());
	}
	dt = (now_ns() - t0) / RUNS;
	CHECK(seccomp_policy_len(p) > 100);
	CHECK(seccomp_policy_len(p) <= 4096);
	/* CAP_SYS_ADMIN and the others open more syscalls: more rules. */
	CHECK(seccomp_policy_len(all) > seccomp_policy_len(p));
	printf("# default profile: %d BPF instructions (%d bytes), built in %lld.%03lld ms\n",
	       seccomp_policy_len(p), seccomp_policy_len(p) * 8, dt / 1000000, dt / 1000 % 1000);
	seccomp_policy_free(p);
	seccomp_policy_free(all);
	seccomp_policy_free(NULL);
}

/* The cache gives the very program it stored, and ignores a file that
 * someone else could have written. */
TEST(seccomp_default_cache)
{
	char dir[] = "/tmp/dory-sc-XXXXXX", path[300] = "";
	struct seccomp_policy *a = NULL, *b = NULL, *c = NULL;
	struct dirent *e;
	DIR *d;

	SKIP_IF(!mkdtemp(dir), "mkdtemp");
	CHECK_EQ_INT(seccomp_policy_default_cached(caps_docker_default(), dir, &a), 0);
	CHECK_EQ_INT(seccomp_policy_default_cached(caps_docker_default(), dir, &b), 0);
	CHECK(a && b && seccomp_policy_len(a) == seccomp_policy_len(b));
	CHECK(a && b && !memcmp(seccomp_policy_prog(a), seccomp_policy_prog(b),
				seccomp_policy_len(a) * sizeof(struct sock_filter)));
	d = opendir(dir);
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
	if (d)
		closedir(d);
	/* Writable by others: not trusted, rebuilt (and the same). */
	if (getuid() == 0 && chmod(path, 0666) == 0) {
		CHECK_EQ_INT(seccomp_policy_default_cached(caps_docker_default(), dir, &c), 0);
		CHECK(c && seccomp_policy_len(c) == seccomp_policy_len(a));
	}
	unlink(path);
	rmdir(dir);
	seccomp_policy_free(a), seccomp_policy_free(b), seccomp_policy_free(c);
}

static void blocked_by_default(void)
{
	/* Each of these succeeds, or fails otherwise than EPERM, without the
	 * filter (as root for the first four). */
	EXPECT_ERR(unshare(CLONE_NEWNS), EPERM);
	EXPECT_ERR(mount("none", "/nonexistent-dory", "tmpfs", 0, NULL), EPERM);
	EXPECT_ERR(umount2("/nonexistent-dory", 0), EPERM);
	EXPECT_ERR(syscall(SYS_bpf, 0, NULL, 0), EPERM);
	EXPECT_ERR(unshare(0), EPERM);
	EXPECT_ERR(setns(-1, 0), EPERM);
	EXPECT_ERR(syscall(SYS_keyctl, 0, -3, 0), EPERM);
	EXPECT_ERR(syscall(SYS_add_key, "user", "dory", "x", 1, -2), EPERM);
	EXPECT_ERR(syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0), EPERM);
	EXPECT_ERR(syscall(SYS_reboot, 0, 0, 0, NULL), EPERM);
	EXPECT_ERR(raw_clone(CLONE_NEWUSER | SIGCHLD), EPERM);
	EXPECT_ERR(raw_clone(CLONE_NEWNET | SIGCHLD), EPERM);
	EXPECT_ERR(socket(40 /* AF_VSOCK */, SOCK_STREAM, 0), EPERM);
	EXPECT_ERR(socket(38 /* AF_ALG */, SOCK_SEQPACKET, 0), EPERM);
	EXPECT_ERR(syscall(SYS_personality, 0x0040000 /* ADDR_NO_RANDOMIZE */), EPERM);
	EXPECT_ERR(mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY, NULL), EPERM);
#ifdef SYS_mount_setattr
	EXPECT_ERR(syscall(SYS_mount_setattr, AT_FDCWD, "/", 0, NULL, 0), EPERM);
#endif
}

TEST(seccomp_default_blocks_privileged_syscalls)
{
	struct seccomp_policy *p;

	SKIP_NO_FILTERS();
	p = default_for(caps_docker_default());
	CHECK_EQ_INT(run_filtered(p, blocked_by_default), 0);
	seccomp_policy_free(p);
}

static void allowed_by_default(void)
{
	char c = 'x';
	int fd, s;

	EXPECT_OK(getpid());
	EXPECT_OK(fd = open("/dev/null", O_RDWR | O_CLOEXEC));
	EXPECT_OK(write(fd, &c, 1));
	EXPECT_OK(read(fd, &c, 1));
	EXPECT_OK(close(fd));
	EXPECT_OK(raw_clone(SIGCHLD));
	EXPECT_OK(fork() == 0 ? (_exit(0), 0) : wait(NULL));
	EXPECT_OK(s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
	close(s);
	EXPECT_OK(s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
	close(s);
	EXPECT_OK(syscall(SYS_personality, 0xffffffffUL));
	/* CAP_SYS_CHROOT is in Docker's set: chroot(2) reaches the kernel. */
	EXPECT_ERR(chroot("/nonexistent-dory"), ENOENT);
	/* ptrace is allowed from Linux 4.8: tracing no one gives ESRCH. */
	if (kernel_at_least(4, 8))
		EXPECT_ERR(syscall(SYS_ptrace, 17 /* PTRACE_DETACH */, getppid(), 0, 0), ESRCH);
#ifdef SYS_clone3
	/* clone3 says ENOSYS so that libcs fall back to clone. */
	EXPECT_ERR(syscall(SYS_clone3, NULL, 0), ENOSYS);
#endif
	/* Newer than the profile: ENOSYS, not EPERM (the stub before the filter). */
	EXPECT_ERR(syscall(SC_NEWEST), ENOSYS);
}

TEST(seccomp_default_allows_ordinary_syscalls)
{
	struct seccomp_policy *p;

	SKIP_NO_FILTERS();
	p = default_for(caps_docker_default());
	CHECK_EQ_INT(run_filtered(p, allowed_by_default), 0);
	seccomp_policy_free(p);
}

static void allowed_with_sys_admin(void)
{
	/* The kernel's own answers, so the filter let them through. */
	EXPECT_ERR(setns(-1, 0), EBADF);
	EXPECT_OK(unshare(0));
#ifdef SYS_clone3
	EXPECT_ERR(syscall(SYS_clone3, NULL, 0), EINVAL);
#endif
	if (is_root()) {
		EXPECT_OK(unshare(CLONE_NEWNS));
		EXPECT_OK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
		EXPECT_ERR(mount("none", "/nonexistent-dory", "tmpfs", 0, NULL), ENOENT);
		EXPECT_ERR(umount2("/nonexistent-dory", 0), ENOENT);
	}
}

TEST(seccomp_default_cap_sys_admin_allows_mount_and_unshare)
{
	struct seccomp_policy *p;

	SKIP_NO_FILTERS();
	p = default_for(caps_docker_default() | CAPS_BIT(CAP_SYS_ADMIN));
	CHECK_EQ_INT(run_filtered(p, allowed_with_sys_admin), 0);
	seccomp_policy_free(p);
}

/* The new mount API's constants (linux/mount.h clashes with sys/mount.h). */
enum {
	T_OPEN_TREE_CLONE = 1, T_MOVE_MOUNT_F_EMPTY_PATH = 4, T_MOUNT_ATTR_RDONLY = 1,
	T_FSCONFIG_SET_FLAG = 0, T_FSCONFIG_CMD_RECONFIGURE = 7,
};

static char ro_dir[] = "/tmp/dory-sc-ro-XXXXXX";

static char *ro_path(const char *name)
{
	return xasprintf("%s/%s", ro_dir, name);
}

static bool writable(const char *dir)
{
	autofree char *f = xasprintf("%s/w", dir);
	int fd = open(f, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

/* With CAP_SYS_ADMIN, in a mount namespace of its own: a read-only bind
 * (as a :ro volume) cannot be made writable by any mount call the filter
 * lets through, while ordinary mounts and remount,ro still work. */
static void ro_holds_with_sys_admin(void)
{
	autofree char *a = ro_path("a"), *b = ro_path("b"), *c = ro_path("c"),
		      *t = ro_path("t");

	EXPECT_OK(unshare(CLONE_NEWNS));
	EXPECT_OK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	EXPECT_OK(mount("dory", ro_dir, "tmpfs", 0, NULL));
	EXPECT_OK(mkdir(a, 0700) | mkdir(b, 0700) | mkdir(c, 0700) | mkdir(t, 0700));
	EXPECT_OK(mount(a, a, NULL, MS_BIND, NULL));
	EXPECT_OK(mount(NULL, a, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL));
	if (writable(a))
		child_fail(__LINE__, "remount,ro,bind left it writable", 0);
	/* remount read-write, per mount or of the superblock, with the magic */
	EXPECT_ERR(mount(NULL, a, NULL, MS_REMOUNT | MS_BIND, NULL), EPERM);
	EXPECT_ERR(mount(NULL, a, NULL, MS_REMOUNT, NULL), EPERM);
	EXPECT_ERR(mount(NULL, a, NULL, 0xC0ED0000UL | MS_REMOUNT | MS_NOSUID, NULL), EPERM);
	/* a bind of it is read-only too, and stays so */
	EXPECT_OK(mount(a, b, NULL, MS_BIND, NULL));
	if (writable(b))
		child_fail(__LINE__, "a bind of the ro mount is writable", 0);
	EXPECT_ERR(mount(NULL, b, NULL, MS_REMOUNT | MS_BIND, NULL), EPERM);
#ifdef SYS_mount_setattr
	{
		struct { uint64_t set, clr, prop, userns; } at = { .clr = T_MOUNT_ATTR_RDONLY };

		EXPECT_ERR(syscall(SYS_mount_setattr, AT_FDCWD, a, 0, &at, sizeof(at)), ENOSYS);
	}
#endif
#if defined(SYS_open_tree) && defined(SYS_move_mount)
	{
		int fd;

		EXPECT_OK(fd = (int)syscall(SYS_open_tree, AT_FDCWD, a, T_OPEN_TREE_CLONE));
		EXPECT_OK(syscall(SYS_move_mount, fd, "", AT_FDCWD, c,
				  T_MOVE_MOUNT_F_EMPTY_PATH));
		close(fd);
		if (writable(c))
			child_fail(__LINE__, "open_tree's clone of the ro mount is writable", 0);
	}
#endif
#if defined(SYS_fspick) && defined(SYS_fsconfig)
	{
		autofree char *w = ro_path("w");
		int fd;

		/* remount,ro sets the superblock and that mount read-only; a
		 * read-write bind of the same tmpfs (w) shows the superblock.
		 * fsconfig makes the superblock read-write again: w is
		 * writable, the read-only mounts are not. */
		EXPECT_OK(mkdir(w, 0700));
		EXPECT_OK(mount(w, w, NULL, MS_BIND, NULL));
		EXPECT_OK(mount(NULL, ro_dir, NULL, MS_REMOUNT | MS_RDONLY, NULL));
		if (writable(w))
			child_fail(__LINE__, "remount,ro left the tmpfs writable", 0);
		EXPECT_OK(fd = (int)syscall(SYS_fspick, AT_FDCWD, ro_dir, 0));
		EXPECT_OK(syscall(SYS_fsconfig, fd, T_FSCONFIG_SET_FLAG, "rw", NULL, 0));
		EXPECT_OK(syscall(SYS_fsconfig, fd, T_FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 0));
		close(fd);
		if (!writable(w))
			child_fail(__LINE__, "fsconfig reconfigure left the tmpfs read-only", 0);
		if (writable(a) || writable(b) || writable(c) || writable(ro_dir))
			child_fail(__LINE__, "fsconfig reconfigure changed a per-mount ro", 0);
	}
#endif
	/* ordinary mounts, remount,ro and umount still reach the kernel */
	EXPECT_OK(mount("dory", t, "tmpfs", 0, NULL));
	if (!writable(t))
		child_fail(__LINE__, "a new tmpfs is read-only", 0);
	EXPECT_OK(mount(NULL, t, NULL, MS_REMOUNT | MS_RDONLY, NULL));
	EXPECT_OK(umount2(t, 0));
}

TEST(seccomp_default_cap_sys_admin_keeps_ro_mounts)
{
	struct seccomp_policy *p;

	SKIP_NO_FILTERS();
	SKIP_IF(!is_root(), "needs root (mount namespaces)");
	SKIP_IF(!mkdtemp(ro_dir), "mkdtemp");
	p = default_for(caps_docker_default() | CAPS_BIT(CAP_SYS_ADMIN));
	CHECK_EQ_INT(run_filtered(p, ro_holds_with_sys_admin), 0);
	seccomp_policy_free(p);
	rmdir(ro_dir);
}

/* ---- JSON profiles ---- */

static char *dir;

static void dir_remove(void)
{
	static const char *const names[] = { "p.json", "bad.json", "existing", "made" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		autofree char *f = xasprintf("%s/%s", dir, names[i]);

		if (unlink(f) < 0)
			rmdir(f);
	}
	rmdir(dir);
	free(dir);
}

/* Double quotes for single ones, which keep the tests' JSON readable. */
static char *dq(const char *s)
{
	char *d = xstrdup(s);

	for (char *c = d; (c = strchr(c, '\'')); c++)
		*c = '"';
	return d;
}

/* Write json to DIR/NAME.json, a temporary directory removed at exit. */
static char *profile(const char *name, const char *sq_json)
{
	autofree char *json = dq(sq_json);
	char *path;
	int fd;

	if (!dir) {
		char tmpl[] = "/tmp/dory-unit-XXXXXX";

		dir = xstrdup(mkdtemp(tmpl));
		atexit(dir_remove);
	}
	path = xasprintf("%s/%s.json", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || fsutil_write_full(fd, json, strlen(json)) < 0)
		TAP_FAIL("write %s", path);
	if (fd >= 0)
		close(fd);
	err_clear();
	return path;
}

static struct seccomp_policy *load(const char *json, uint64_t caps)
{
	autofree char *path = profile("p", json);
	struct seccomp_policy *p = NULL;

	if (seccomp_policy_load(path, caps, &p) < 0)
		TAP_FAIL("%s", err_str());
	return p;
}

static void mkdir_denied(void)
{
	autofree char *d = xasprintf("%s/made", dir), *e = xasprintf("%s/existing", dir);

	EXPECT_ERR(mkdir(d, 0700), EPERM);
	EXPECT_ERR(mkdirat(AT_FDCWD, d, 0700), EPERM);
	EXPECT_OK(rmdir(e));
}

TEST(seccomp_profile_denies_mkdir_only)
{
	struct seccomp_policy *p = load("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': ["
		"{'names': ['mkdir', 'mkdirat'], 'action': 'SCMP_ACT_ERRNO'}]}", 0);
	autofree char *e = xasprintf("%s/existing", dir);

	CHECK(p != NULL);
	CHECK(seccomp_policy_len(p) < 40);	/* default allow: no ENOSYS stub */
	if (p && !NO_FILTERS) {
		CHECK_EQ_INT(mkdir(e, 0700), 0);
		CHECK_EQ_INT(run_filtered(p, mkdir_denied), 0);
		CHECK(access(e, F_OK) < 0);
	}
	seccomp_policy_free(p);
	SKIP_NO_FILTERS();
}

static void args_checked(void)
{
	int s;

	EXPECT_ERR(socket(AF_INET6, SOCK_DGRAM, 0), ERR_MARK);
	EXPECT_ERR(socket(AF_NETLINK, SOCK_DGRAM, 0), ERR_MARK);
	EXPECT_OK(s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
	close(s);
	EXPECT_ERR(openat(AT_FDCWD, "/nonexistent-dory", O_RDONLY | O_CREAT, 0600), ERR_MARK + 1);
	EXPECT_ERR(openat(AT_FDCWD, "/nonexistent-dory", O_RDONLY), ENOENT);
}

TEST(seccomp_profile_errno_ret_and_args)
{
	/* Two conditions on one argument are OR'd (runc), MASKED_EQ takes the
	 * mask from value and the result from valueTwo. */
	struct seccomp_policy *p = load("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': ["
		"{'names': ['socket'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 1000,"
		" 'args': [{'index': 0, 'value': 10, 'op': 'SCMP_CMP_EQ'},"
		" {'index': 0, 'value': 16, 'op': 'SCMP_CMP_EQ'}]},"
		"{'name': 'openat', 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 1001,"
		" 'args': [{'index': 2, 'value': 64, 'valueTwo': 64,"
		" 'op': 'SCMP_CMP_MASKED_EQ'}], 'comment': 'O_CREAT'}]}", 0);

	CHECK(p != NULL);
	if (p && !NO_FILTERS)
		CHECK_EQ_INT(run_filtered(p, args_checked), 0);
	seccomp_policy_free(p);
	SKIP_NO_FILTERS();
}

static void call_getppid(void)
{
	syscall(SYS_getppid);
}

TEST(seccomp_profile_kill_process_and_flags)
{
	struct seccomp_policy *p;
	int st;

	/* Also what libseccomp asks the kernel about KILL_PROCESS (valgrind
	 * does not know seccomp(2)). */
	SKIP_NO_FILTERS();
	p = load("{'defaultAction': 'SCMP_ACT_ALLOW',"
		" 'flags': ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_TSYNC'],"
		" 'syscalls': [{'names': ['getppid'], 'action': 'SCMP_ACT_KILL_PROCESS'}]}",
		0);
	CHECK(p != NULL);
	if (!p)
		return;
	st = run_filtered(p, call_getppid);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
	seccomp_policy_free(p);
}

/* Docker's shape: archMap, includes and excludes, nulls, comments. */
static const char docker_shaped[] = "{'defaultAction': 'SCMP_ACT_ERRNO',"
	" 'defaultErrnoRet': 1, 'archMap': ["
	"  {'architecture': 'SCMP_ARCH_X86_64', 'subArchitectures': ['SCMP_ARCH_X86']},"
	"  {'architecture': 'SCMP_ARCH_AARCH64', 'subArchitectures': ['SCMP_ARCH_ARM']},"
	"  {'architecture': 'SCMP_ARCH_RISCV64', 'subArchitectures': null},"
	"  {'architecture': 'SCMP_ARCH_LOONGARCH64', 'subArchitectures': null}],"
	" 'syscalls': ["
	"  {'names': ['read', 'write', 'exit_group', 'no_such_syscall'],"
	"   'action': 'SCMP_ACT_ALLOW', 'args': null, 'comment': '',"
	"   'includes': {}, 'excludes': {}}%s]}";

static int len_of(const char *extra, uint64_t caps)
{
	autofree char *json = xasprintf(docker_shaped, extra);
	struct seccomp_policy *p = load(json, caps);
	int n = seccomp_policy_len(p);

	seccomp_policy_free(p);
	return n;
}

TEST(seccomp_profile_includes_and_excludes)
{
	uint64_t dflt = caps_docker_default(), admin = dflt | CAPS_BIT(CAP_SYS_ADMIN);
	int base = len_of("", dflt);
	const char *gated = ", {'names': ['mount'], 'action': 'SCMP_ACT_ALLOW',"
			    " 'includes': {'caps': ['CAP_SYS_ADMIN']}}";
	const char *not_admin = ", {'names': ['mount'], 'action': 'SCMP_ACT_ALLOW',"
				" 'excludes': {'caps': ['CAP_SYS_ADMIN', 'CAP_NOPE']}}";
	const char *elsewhere = ", {'names': ['mount'], 'action': 'SCMP_ACT_ALLOW',"
				" 'includes': {'arches': ['s390x', 'ppc64le']}}";
	const char *here = ", {'names': ['mount'], 'action': 'SCMP_ACT_ALLOW', 'excludes':"
			   " {'arches': ['amd64', 'arm64', 'arm', 'mipsle', 'riscv64']}}";
	const char *future = ", {'names': ['mount'], 'action': 'SCMP_ACT_ALLOW',"
			     " 'includes': {'minKernel': '99.0'}}";
	const char *past = ", {'names': ['mount'], 'action': 'SCMP_ACT_ALLOW',"
			   " 'includes': {'minKernel': '3.0'}}";

	CHECK(base > 0);
	CHECK_EQ_INT(len_of(gated, dflt), base);
	CHECK(len_of(gated, admin) > base);
	CHECK(len_of(not_admin, dflt) > base);
	CHECK_EQ_INT(len_of(not_admin, admin), base);
	CHECK_EQ_INT(len_of(elsewhere, admin), base);
	CHECK_EQ_INT(len_of(here, admin), base);
	CHECK_EQ_INT(len_of(future, admin), base);
	CHECK(len_of(past, admin) > base);
	/* A rule that repeats the default is dropped, as runc does. */
	CHECK_EQ_INT(len_of(", {'names': ['mount'], 'action': 'SCMP_ACT_ERRNO'}", dflt),
		     base);
}

static const struct {
	const char *json, *want;
} bad_profiles[] = {
	{ "{'defaultAction': ", "invalid JSON" },
	{ "[1]", "expected a JSON object" },
	{ "{}", "no defaultAction" },
	{ "{'defaultAction': 'SCMP_ACT_FOO'}", "defaultAction: unknown action 'SCMP_ACT_FOO'" },
	{ "{'defaultAction': 'SCMP_ACT_ALLOW', 'defaultErrnoRet': 1}",
	  "defaultErrnoRet needs SCMP_ACT_ERRNO" },
	{ "{'defaultAction': 'SCMP_ACT_ERRNO', 'defaultErrnoRet': 5000}", "out of range" },
	{ "{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['read'],"
	  " 'action': 'SCMP_ACT_BOGUS'}]}", "syscalls[0]: unknown action 'SCMP_ACT_BOGUS'" },
	{ "{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['read'],"
	  " 'action': 'SCMP_ACT_NOTIFY'}]}", "SCMP_ACT_NOTIFY is not supported" },
	{ "{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['read'],"
	  " 'action': 'SCMP_ACT_ERRNO', 'args': [{'index': 0, 'value': 1,"
	  " 'op': 'SCMP_CMP_FOO'}]}]}", "syscalls[0].args[0]: unknown op 'SCMP_CMP_FOO'" },
	{ "{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['read'],"
	  " 'action': 'SCMP_ACT_ERRNO', 'args': [{'index': 6, 'op': 'SCMP_CMP_EQ'}]}]}",
	  "index 6 is not an argument" },
	{ "{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['read'],"
	  " 'action': 'SCMP_ACT_ERRNO', 'args': [{'value': -1, 'op': 'SCMP_CMP_EQ'}]}]}",
	  "value must be an integer" },
	{ "{'defaultAction': 'SCMP_ACT_ERRNO', 'syscalls': [{'names': ['read'],"
	  " 'action': 'SCMP_ACT_ALLOW', 'errnoRet': 1}]}", "errnoRet needs SCMP_ACT_ERRNO" },
	{ "{'defaultAction': 'SCMP_ACT_ERRNO', 'syscalls': [{'name': 'read',"
	  " 'names': ['write'], 'action': 'SCMP_ACT_ALLOW'}]}", "not both" },
	{ "{'defaultAction': 'SCMP_ACT_ERRNO', 'syscalls': [{'action': 'SCMP_ACT_ALLOW'}]}",
	  "syscalls[0]: no syscall names" },
	{ "{'defaultAction': 'SCMP_ACT_ERRNO', 'syscalls': [{'names': [1],"
	  " 'action': 'SCMP_ACT_ALLOW'}]}", "names[0] must be a string" },
	{ "{'defaultAction': 'SCMP_ACT_ERRNO', 'syscalls': [{'names': ['read']}]}",
	  "syscalls[0]: no action" },
	{ "{'defaultAction': 'SCMP_ACT_ERRNO', 'syscalls': {}}", "syscalls must be an array" },
	{ "{'defaultAction': 'SCMP_ACT_ERRNO', 'architectures': ['SCMP_ARCH_X86_64'],"
	  " 'archMap': [{'architecture': 'SCMP_ARCH_X86_64'}]}", "both given" },
	{ "{'defaultAction': 'SCMP_ACT_ERRNO', 'architectures': ['SCMP_ARCH_PDP11']}",
	  "unknown architecture 'SCMP_ARCH_PDP11'" },
	{ "{'defaultAction': 'SCMP_ACT_ERRNO', 'syscalls': [{'names': ['read'],"
	  " 'action': 'SCMP_ACT_ALLOW', 'includes': {'minKernel': 'new'}}]}",
	  "syscalls[0].includes: minKernel 'new' is not MAJOR.MINOR" },
	{ "{'defaultAction': 'SCMP_ACT_ERRNO', 'syscalls': [{'names': ['read'],"
	  " 'action': 'SCMP_ACT_ALLOW', 'excludes': {'caps': 'CAP_SYS_ADMIN'}}]}",
	  "syscalls[0].excludes: caps must be an array" },
	{ "{'defaultAction': 'SCMP_ACT_ERRNO', 'flags': ['SECCOMP_FILTER_FLAG_X']}",
	  "unknown flag 'SECCOMP_FILTER_FLAG_X'" },
};

TEST(seccomp_profile_errors_name_file_and_problem)
{
	struct seccomp_policy *p;

	for (size_t i = 0; i < ARRAY_SIZE(bad_profiles); i++) {
		autofree char *path = profile("bad", bad_profiles[i].json);
		autofree char *want = dq(bad_profiles[i].want);

		p = (struct seccomp_policy *)&p;
		CHECK(seccomp_policy_load(path, 0, &p) < 0);
		CHECK(p == NULL);
		if (!strstr(err_str(), path) || !strstr(err_str(), want))
			TAP_FAIL("profile %zu: '%s' lacks '%s'", i, err_str(),
				 bad_profiles[i].want);
		CHECK(!strchr(err_str(), '\n'));
	}
	CHECK(seccomp_policy_load("/nonexistent-dory/p.json", 0, &p) < 0);
	CHECK(strstr(err_str(), "seccomp profile: open /nonexistent-dory/p.json") != NULL);
}

/* The same checks on a profile's text, the file named only in messages. */
TEST(seccomp_profile_from_text)
{
	struct seccomp_policy *p = NULL;

	CHECK_EQ_INT(seccomp_policy_parse("x.json", "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}", 0,
					  &p), 0);
	CHECK(seccomp_policy_len(p) > 0);
	seccomp_policy_free(p);
	CHECK_EQ_INT(seccomp_policy_parse("x.json", "{\"defaultAction\": 1}", 0, &p), -EINVAL);
	CHECK(p == NULL);
	CHECK_EQ_STR(err_str(), "seccomp profile x.json: no defaultAction");
}

TEST(seccomp_profile_unknown_syscalls_are_skipped)
{
	struct seccomp_policy *p = load("{'defaultAction': 'SCMP_ACT_ERRNO', 'syscalls': ["
		"{'names': ['no_such_syscall', 'getpid'], 'action': 'SCMP_ACT_ALLOW'},"
		"{'names': ['no_such_syscall_either'], 'action': 'SCMP_ACT_ALLOW'}]}", 0);

	CHECK(p != NULL);
	CHECK(seccomp_policy_len(p) > 0);
	seccomp_policy_free(p);
}

/* ---- the BPF itself, run here: covers ABIs this machine cannot run ---- */

/* A classic-BPF interpreter for what libseccomp and our stub emit. */
static uint32_t bpf_run(const struct seccomp_policy *p, uint32_t arch, int nr, uint64_t a0)
{
	const struct sock_filter *f = seccomp_policy_prog(p);
	struct seccomp_data d = { .nr = nr, .arch = arch, .args = { a0 } };
	uint32_t a = 0, x = 0, m[BPF_MEMWORDS] = { 0 };

	for (int pc = 0; pc < seccomp_policy_len(p); pc++) {
		const struct sock_filter *i = &f[pc];

		switch (i->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (i->k > sizeof(d) - 4)
				return 0xbad;
			memcpy(&a, (const char *)&d + i->k, 4);
			break;
		case BPF_LD | BPF_IMM: a = i->k; break;
		case BPF_LDX | BPF_IMM: x = i->k; break;
		case BPF_LD | BPF_MEM: a = m[i->k % BPF_MEMWORDS]; break;
		case BPF_LDX | BPF_MEM: x = m[i->k % BPF_MEMWORDS]; break;
		case BPF_ST: m[i->k % BPF_MEMWORDS] = a; break;
		case BPF_STX: m[i->k % BPF_MEMWORDS] = x; break;
		case BPF_ALU | BPF_AND | BPF_K: a &= i->k; break;
		case BPF_MISC | BPF_TAX: x = a; break;
		case BPF_MISC | BPF_TXA: a = x; break;
		case BPF_JMP | BPF_JA: pc += (int)i->k; break;
		case BPF_JMP | BPF_JEQ | BPF_K: pc += a == i->k ? i->jt : i->jf; break;
		case BPF_JMP | BPF_JGT | BPF_K: pc += a > i->k ? i->jt : i->jf; break;
		case BPF_JMP | BPF_JGE | BPF_K: pc += a >= i->k ? i->jt : i->jf; break;
		case BPF_JMP | BPF_JSET | BPF_K: pc += a & i->k ? i->jt : i->jf; break;
		case BPF_RET | BPF_K: return i->k;
		default: return 0xbad;
		}
	}
	return 0xbad;
}

#define ALLOW SECCOMP_RET_ALLOW
#define DENY (SECCOMP_RET_ERRNO | EPERM)
#define NOSYS (SECCOMP_RET_ERRNO | ENOSYS)
#define X32 0x40000000

TEST(seccomp_bpf_per_abi)
{
	/* "Newer" means above the highest syscall named (getrandom here). ARM's
	 * private syscalls (set_tls) are not newer, o32 MIPS numbers start at
	 * 4000, x86 runs next to x86_64. */
	struct seccomp_policy *p = load("{'defaultAction': 'SCMP_ACT_ERRNO',"
		" 'architectures': ['SCMP_ARCH_ARM', 'SCMP_ARCH_MIPSEL', 'SCMP_ARCH_X86'],"
		" 'syscalls': [{'names': ['read', 'set_tls', 'socketcall', 'getrandom'],"
		" 'action': 'SCMP_ACT_ALLOW'}]}", 0);

	CHECK_EQ_INT(bpf_run(p, AUDIT_ARCH_ARM, 3, 0), ALLOW);
	CHECK_EQ_INT(bpf_run(p, AUDIT_ARCH_ARM, 4, 0), DENY);
	CHECK_EQ_INT(bpf_run(p, AUDIT_ARCH_ARM, 999, 0), NOSYS);
	CHECK_EQ_INT(bpf_run(p, AUDIT_ARCH_ARM, 0xf0005, 0), ALLOW);
	CHECK_EQ_INT(bpf_run(p, AUDIT_ARCH_ARM, 0xf0003, 0), DENY);
	CHECK_EQ_INT(bpf_run(p, AUDIT_ARCH_MIPSEL, 4003, 0), ALLOW);
	CHECK_EQ_INT(bpf_run(p, AUDIT_ARCH_MIPSEL, 4004, 0), DENY);
	CHECK_EQ_INT(bpf_run(p, AUDIT_ARCH_MIPSEL, 4999, 0), NOSYS);
	CHECK_EQ_INT(bpf_run(p, AUDIT_ARCH_I386, 3, 0), ALLOW);
	CHECK_EQ_INT(bpf_run(p, AUDIT_ARCH_I386, 102, 0), ALLOW);
	CHECK_EQ_INT(bpf_run(p, AUDIT_ARCH_I386, 999, 0), NOSYS);
	/* An ABI the filter does not know is killed (libseccomp's default). */
	CHECK_EQ_INT(bpf_run(p, AUDIT_ARCH_PPC64LE, 3, 0), SECCOMP_RET_KILL_THREAD);
	seccomp_policy_free(p);
#if defined(__x86_64__)
	p = default_for(caps_docker_default());
	CHECK_EQ_INT(bpf_run(p, AUDIT_ARCH_X86_64, 0, 0), ALLOW);
	CHECK_EQ_INT(bpf_run(p, AUDIT_ARCH_X86_64, 165 /* mount */, 0), DENY);
	CHECK_EQ_INT(bpf_run(p, AUDIT_ARCH_X86_64, 999, 0), NOSYS);
	CHECK_EQ_INT(bpf_run(p, AUDIT_ARCH_X86_64, 41 /* socket */, AF_INET), ALLOW);
	CHECK_EQ_INT(bpf_run(p, AUDIT_ARCH_X86_64, 41, 40 /* AF_VSOCK */), DENY);
	for (int af = 0; af < 100; af++) {
		/* moby's allowedSocketDomains; AF_UNSPEC rides on "below 12". */
		static const char ok[] = "1111111111110111111001101011111111011001011111";
		uint32_t want = af < (int)sizeof(ok) - 1 && ok[af] == '1' ? ALLOW : DENY;

		if (bpf_run(p, AUDIT_ARCH_X86_64, 41 /* socket */, (uint64_t)af) != want)
			TAP_FAIL("socket family %d: not %s", af, want == ALLOW ? "allowed" : "denied");
	}
	CHECK_EQ_INT(bpf_run(p, AUDIT_ARCH_X86_64, 56 /* clone */, SIGCHLD), ALLOW);
	CHECK_EQ_INT(bpf_run(p, AUDIT_ARCH_X86_64, 56, CLONE_NEWUSER | SIGCHLD), DENY);
	CHECK_EQ_INT(bpf_run(p, AUDIT_ARCH_X86_64, 435 /* clone3 */, 0), NOSYS);
	CHECK_EQ_INT(bpf_run(p, AUDIT_ARCH_X86_64, 135 /* personality */, 0xffffffff), ALLOW);
	CHECK_EQ_INT(bpf_run(p, AUDIT_ARCH_X86_64, 135, 0x0040000), DENY);
	CHECK_EQ_INT(bpf_run(p, AUDIT_ARCH_X86_64, X32 | 0, 0), ALLOW);
	CHECK_EQ_INT(bpf_run(p, AUDIT_ARCH_X86_64, X32 | 165, 0), DENY);
	CHECK_EQ_INT(bpf_run(p, AUDIT_ARCH_X86_64, X32 | 999, 0), NOSYS);
	CHECK_EQ_INT(bpf_run(p, AUDIT_ARCH_I386, 3, 0), ALLOW);
	CHECK_EQ_INT(bpf_run(p, AUDIT_ARCH_I386, 21 /* mount */, 0), DENY);
	CHECK_EQ_INT(bpf_run(p, AUDIT_ARCH_I386, 999, 0), NOSYS);
	seccomp_policy_free(p);
#endif
}
#endif
