// SPDX-License-Identifier: Apache-2.0
/* rt_exec.c - docker exec: one more process in a running container, from
 * the caller's side to execve. Starting the container is runtime.c's. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "core/fs/userns.h"
#include "core/kernel/pty.h"
#include "core/runtime/passwd.h"
#include "core/runtime/rt_exec.h"
#include "core/runtime/runtime.h"
#include "core/runtime/secpol.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/xalloc.h"
#include "libc-compat/compat.h"

#define RT_EXEC_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* The namespaces joined, in order: cgroup right after the cgroup itself,
 * so that the group is the namespace's root (as for the init); pid before
 * the fork that enters it; mnt last, as it changes what paths mean. */
static const struct {
	char name[8];
	int type;
} rt_exec_nsv[] = {
	{ "cgroup", CLONE_NEWCGROUP }, { "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS },
	{ "net", CLONE_NEWNET }, { "pid", CLONE_NEWPID }, { "mnt", CLONE_NEWNS },
};

/* RT_EXEC_PIDNS, RT_EXEC_MNTNS: the indexes of "pid" and "mnt" above. */
enum { RT_EXEC_NNS = ARRAY_SIZE(rt_exec_nsv), RT_EXEC_PIDNS = 4, RT_EXEC_MNTNS = 5 };

/* What the children need, opened by the caller before anything runs. */
struct rt_exec_fds {
	int ns[RT_EXEC_NNS];	/* -1: not in this kernel (cgroup before 4.6) */
	int root;		/* the init's root directory */
	int user;		/* its user namespace; -1: ours */
	int null;		/* /dev/null */
	int err;		/* the children's error pipe (write end) */
	int pid;		/* the intermediate's report of the process's pid */
	int sock;		/* where the pty master goes; -1 without one */
	int out;		/* rt_exec_spawn's: stdout and stderr; -1 otherwise */
};


/* ---- inside the container ---- */

static int rt_exec_dup_all(int fd)
{
	for (int i = 0; i < 3; i++)
		if (dup2(fd, i) < 0)
			return err_set(errno, "set up stdio");
	return 0;
}

/* A session of its own, so that keys typed at the caller's terminal reach
 * it only as the signals the caller forwards. With a tty, the pty is
 * opened in the container's own devpts (its /dev/ptmx, as `tty` there
 * must name a device that exists) and becomes the controlling terminal. */
static int rt_exec_stdio(const struct rt_exec_spec *s, const struct rt_exec_fds *f)
{
	int master, slave, r;

	if (setsid() < 0)
		return err_set(errno, "setsid");
	if (s->detach)
		return rt_exec_dup_all(f->null);
	if (f->out >= 0)
		return dup2(f->null, 0) < 0 || dup2(f->out, 1) < 0 || dup2(f->out, 2) < 0 ?
		       err_set(errno, "set up stdio") : 0;
	if (!s->tty && !s->interactive && dup2(f->null, 0) < 0)
		return err_set(errno, "stdin from /dev/null");
	if (!s->tty)
		return 0;
	if (pty_open(&master, &slave) < 0)
		return err_ctx("the container's /dev/ptmx");
	r = pty_send_fd(f->sock, master);
	close(master);
	if (r == 0 && ioctl(slave, TIOCSCTTY, 0) < 0)
		r = err_set(errno, "make the pty the controlling terminal");
	if (r == 0)
		r = rt_exec_dup_all(slave);
	close(slave);
	return r;
}

static NORETURN void rt_exec_child(const struct rt_exec_spec *s, const struct rt_exec_fds *f)
{
	const char *cwd = s->cwd && *s->cwd ? s->cwd : "/";
	struct strv env = { 0 };

	rt_child_signals();
	for (size_t i = 0; i < s->env.n; i++)
		strv_push(&env, s->env.v[i]);
	if (!strv_getenv(&env, "PATH"))
		strv_setenv(&env, "PATH=" RT_EXEC_PATH);
	if (fchdir(f->root) < 0 || chroot(".") < 0) {
		err_set(errno, "enter the container's root");
		rt_child_fail(f->err, 125);
	}
	/* Nothing that leads out of the container stays open (runc's
	 * CVE-2016-9962: a process of the container may ptrace this one). */
	for (size_t i = 0; i < RT_EXEC_NNS; i++)
		if (f->ns[i] >= 0)
			close(f->ns[i]);
	close(f->root);
	if (chdir(cwd) < 0) {
		err_set(errno, "working directory %s", cwd);
		rt_child_fail(f->err, 126);
	}
	if (rt_exec_stdio(s, f) == 0 && rt_child_confine(s->policy) == 0 &&
	    rt_child_user(s->user, s->groups, &s->policy->caps, &env) == 0) {
		umask(022);
		compat_cloexec_from(3);
		rt_child_execve(s->argv, &env, rt_child_late_filter(s->policy), f->err);
	}
	if (!err_errno())
		err_set(errno, "set up the process");
	rt_child_fail(f->err, 125);
}

/* The intermediate: joins the cgroup while the host's cgroupfs is still
 * in view, then the namespaces, and forks the process into the pid
 * namespace: as a sibling (CLONE_PARENT), so that the caller waits for it
 * and signals it, or with detach as an orphan, once this one exits. */
static NORETURN void rt_exec_mid(const struct rt_exec_spec *s, const struct rt_exec_fds *f)
{
	pid_t pid;

	/* Not to be ptraced or read through /proc by the container's own
	 * processes until execve, which makes the process dumpable again. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		err_set(errno, "prctl PR_SET_DUMPABLE");
		rt_child_fail(f->err, 125);
	}
	if (s->cg && s->cg->n && cg_add_pid(s->cg, getpid()) < 0)
		rt_child_fail(f->err, 125);
	/* The user namespace first: the others belong to it. */
	if (f->user >= 0 && setns(f->user, CLONE_NEWUSER) < 0) {
		err_set(errno, "join the container's user namespace");
		rt_child_fail(f->err, 125);
	}
	if (f->user >= 0 && userns_become_root() < 0)
		rt_child_fail(f->err, 125);
	for (size_t i = 0; i < RT_EXEC_NNS; i++)
		if (f->ns[i] >= 0 && setns(f->ns[i], rt_exec_nsv[i].type) < 0) {
			err_set(errno, "join the container's %s namespace", rt_exec_nsv[i].name);
			rt_child_fail(f->err, 125);
		}
	pid = compat_clone_fork(s->detach ? 0 : CLONE_PARENT);
	if (pid == 0)
		rt_exec_child(s, f);
	if (pid < 0) {
		err_set(errno, "fork in the container's pid namespace");
		rt_child_fail(f->err, 125);
	}
	fsutil_write_full(f->pid, &pid, sizeof(pid));
	_exit(0);
}

/* ---- the caller's side ---- */

static void rt_exec_fds_close(struct rt_exec_fds *f)
{
	for (size_t i = 0; i < RT_EXEC_NNS; i++)
		if (f->ns[i] >= 0)
			close(f->ns[i]);
	if (f->root >= 0)
		close(f->root);
	if (f->user >= 0)
		close(f->user);
	if (f->null >= 0)
		close(f->null);
}

/* Is the namespace fd our own of that kind (/proc/self/ns/NAME)? */
static bool rt_exec_is_ours(int fd, const char *name)
{
	char self[24];
	struct stat a, b;

	snprintf(self, sizeof(self), "/proc/self/ns/%s", name);
	return fstat(fd, &a) == 0 && stat(self, &b) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Open what the children join, before anything is started. */
/* The init's user namespace, when it is not ours (userns-remap). */
static int rt_exec_open_user(int nsd, struct rt_exec_fds *f)
{
	struct stat theirs, ours;

	f->user = openat(nsd, "user", O_RDONLY | O_CLOEXEC);
	if (f->user < 0)
		return errno == ENOENT ? 0 : -1;
	if (fstat(f->user, &theirs) == 0 && stat("/proc/self/ns/user", &ours) == 0 &&
	    theirs.st_ino == ours.st_ino && theirs.st_dev == ours.st_dev)
		close(TAKE_FD(f->user));
	return 0;
}

static int rt_exec_open(pid_t pid, bool hostpid, struct rt_exec_fds *f)
{
	autoclose int dfd = -1, nsd = -1;
	char dir[24];

	snprintf(dir, sizeof(dir), "/proc/%d", (int)pid);
	dfd = openat(AT_FDCWD, dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || (nsd = openat(dfd, "ns", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		goto gone;
	for (size_t i = 0; i < RT_EXEC_NNS; i++) {
		f->ns[i] = openat(nsd, rt_exec_nsv[i].name, O_RDONLY | O_CLOEXEC);
		if (f->ns[i] < 0 && !(errno == ENOENT && rt_exec_nsv[i].type == CLONE_NEWCGROUP))
			goto gone;
	}
	f->root = openat(dfd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (f->root < 0 || rt_exec_open_user(nsd, f) < 0)
		goto gone;
	/* A pid is reused once its process is gone; one in our own pid
	 * namespace is no container's init, nor (--pid host) one in our own
	 * mount namespace. */
	if (rt_exec_is_ours(f->ns[hostpid ? RT_EXEC_MNTNS : RT_EXEC_PIDNS], hostpid ? "mnt" : "pid"))
		return err_setx(ESRCH, "process %d is not a container's init "
				"(it is in the caller's pid namespace)", (int)pid);
	f->null = openat(AT_FDCWD, "/dev/null", O_RDWR | O_CLOEXEC);
	if (f->null < 0)
		return err_set(errno, "open /dev/null");
	return 0;
gone:
	if (errno == ENOENT || errno == ESRCH)
		return err_setx(ESRCH, "the container's process %d is gone "
				"(has the container stopped?)", (int)pid);
	return err_set(errno, "open the namespaces of %s", dir);
}

/* A child's report on errfd, if any: -errno with the error recorded and
 * *status set; 0 at end of file (every child has exec'd or exited). */
static int rt_exec_report(int errfd, int *status)
{
	struct rt_child_err e;
	ssize_t n = fsutil_read_full(errfd, &e, sizeof(e));

	if (n == 0)
		return 0;
	*status = 125;
	if (n != sizeof(e))
		return err_setx(EIO, "short report from the exec process");
	e.msg[sizeof(e.msg) - 1] = '\0';
	*status = e.code;
	return err_setx(e.errnum, "%s", e.msg);
}

static void rt_exec_reap(pid_t pid)
{
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* Fork the intermediate and learn the process's pid from it. */
static int rt_exec_fork(const struct rt_exec_spec *s, struct rt_exec_fds *f, int p[6],
			pid_t *pid, int *status)
{
	pid_t mid = fork();
	int st = 0, r;

	if (mid == 0) {
		close(p[0]);
		close(p[2]);
		if (p[4] >= 0)
			close(p[4]);
		f->err = p[1];
		f->pid = p[3];
		f->sock = p[5];
		rt_exec_mid(s, f);
	}
	for (int i = 1; i < 6; i += 2)
		if (p[i] >= 0)
			close(p[i]);
	p[1] = p[3] = p[5] = -1;
	if (mid < 0)
		return err_set(errno, "fork");
	while (waitpid(mid, &st, 0) < 0 && errno == EINTR)
		;
	if (fsutil_read_full(p[2], pid, sizeof(*pid)) == sizeof(*pid))
		return 0;
	r = rt_exec_report(p[0], status);
	if (r < 0)
		return r;
	*status = 125;
	return err_setx(EIO, "the exec process died before exec (status %d)",
			rt_exit_status(st));
}

/* Start the process: 0 once it has exec'd, with its pid, and with tty
 * the pty master in *master. */
static int rt_exec_start(const struct rt_exec_spec *s, struct rt_exec_fds *f, pid_t *pid,
			 int *master, int *status)
{
	int p[6] = { -1, -1, -1, -1, -1, -1 };	/* err, pid and pty pairs: ours first */
	bool tty = s->tty && !s->detach;
	int r;

	if (pipe2(p, O_CLOEXEC) < 0 || pipe2(p + 2, O_CLOEXEC) < 0 ||
	    (tty && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p + 4) < 0)) {
		r = err_set(errno, "create pipes");
		goto out;
	}
	r = rt_exec_fork(s, f, p, pid, status);
	if (r < 0)
		goto out;
	if (tty && pty_recv_fd(p[4], master) < 0) {
		r = rt_exec_report(p[0], status);
		if (r == 0)
			r = err_ctx("set up the terminal");
	} else {
		r = rt_exec_report(p[0], status);
	}
	if (r < 0 && !s->detach)
		rt_exec_reap(*pid);
out:
	for (int i = 0; i < 6; i++)
		if (p[i] >= 0)
			close(p[i]);
	return r;
}

/* Start the process and, unless detached, relay until it exits: the
 * pty, stdin and signals, as for a container's init (runtime.c). */
static int rt_exec_relay(const struct rt_exec_spec *s, struct rt_exec_fds *f, int sfd,
			 int *status)
{
	struct rt_spec rs = { .tty = s->tty, .interactive = s->interactive };
	struct rt_proc p = { .pid = -1, .master = -1, .in = -1, .out = -1, .err = -1 };
	int r = rt_exec_start(s, f, &p.pid, &p.master, status);

	if (r == 0)
		*status = 0;
	if (r == 0 && !s->detach)
		rt_attach(&rs, &p, sfd, NULL, status);
	if (p.master >= 0)	/* also when it failed after sending it */
		close(p.master);
	return r;
}

/* Nothing open yet; the command checked. */
static int rt_exec_init(const struct rt_exec_spec *s, struct rt_exec_fds *f)
{
	*f = (struct rt_exec_fds){ .root = -1, .user = -1, .null = -1, .err = -1, .pid = -1,
				   .sock = -1, .out = -1 };
	for (size_t i = 0; i < RT_EXEC_NNS; i++)
		f->ns[i] = -1;
	if (!s->argv || !s->argv[0] || !*s->argv[0])
		return err_setx(EINVAL, "no command given");
	return 0;
}

int rt_exec_spawn(const struct rt_exec_spec *s, int out, pid_t *pid, int *status)
{
	struct rt_exec_fds f;
	int master = -1, r;

	*status = 125;
	*pid = -1;
	if (s->tty || s->detach || s->interactive)
		return err_setx(EINVAL, "a spawned exec has no terminal, stdin or detach");
	r = rt_exec_init(s, &f);
	if (r == 0)
		r = rt_exec_open(s->pid, s->hostpid, &f);
	f.out = out;
	if (r == 0)
		r = rt_exec_start(s, &f, pid, &master, status);
	if (r < 0)
		*pid = -1;
	rt_exec_fds_close(&f);
	return r;
}

int rt_exec(const struct rt_exec_spec *s, int *status)
{
	struct rt_exec_fds f;
	struct signalfd_siginfo si;
	autoclose int sfd = -1;
	sigset_t old;
	int r;

	*status = 125;
	r = rt_exec_init(s, &f);
	if (r < 0)
		goto out;
	r = rt_exec_open(s->pid, s->hostpid, &f);
	if (r < 0)
		goto out;
	sfd = rt_signals_block(&old);
	if (sfd < 0) {
		r = sfd;
		goto out;
	}
	r = rt_exec_relay(s, &f, sfd, status);
	/* What came too late for the process is not for dory itself. */
	while (read(sfd, &si, sizeof(si)) == sizeof(si))
		;
	sigprocmask(SIG_SETMASK, &old, NULL);
out:
	rt_exec_fds_close(&f);
	return r;
}
