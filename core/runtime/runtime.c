// SPDX-License-Identifier: Apache-2.0
/* runtime.c - one foreground container: the caller's side (cgroup, clone,
 * signal and pty relay, exit status) and the container's side up to execve
 * (hostname, loopback, rootfs, stdio, user, capabilities). The container
 * reports a failure before exec through a close-on-exec pipe. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/fs/userns.h"
#include "core/kernel/caps.h"
#include "core/kernel/cgroup.h"
#include "core/kernel/mnt.h"
#include "core/kernel/nl.h"
#include "core/kernel/proc.h"
#include "core/kernel/pty.h"
#include "core/kernel/seccomp.h"
#include "core/kernel/sigfd.h"
#include "core/runtime/passwd.h"
#include "core/runtime/rootfs.h"
#include "core/runtime/runtime.h"
#include "core/runtime/rt_tune.h"
#include "core/runtime/secpol.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/xalloc.h"
#include "libc-compat/compat.h"

#define RT_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


/* The signals the caller forwards (as Docker's client does), plus CHLD. */
static const int rt_relayed[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };

int rt_new_id(char id[RT_ID_LEN + 1])
{
	unsigned char raw[RT_ID_LEN / 2];
	size_t got = 0;

	while (got < sizeof(raw)) {
		ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_set(errno, "getrandom");
		got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(id + 2 * i, 3, "%02x", raw[i]);
	return 0;
}

/* ---- the container's side ---- */

NORETURN void rt_child_fail(int errfd, int code)
{
	struct rt_child_err e = { .code = code, .errnum = err_errno() };

	snprintf(e.msg, sizeof(e.msg), "%s", err_str());
	fsutil_write_full(errfd, &e, sizeof(e));
	_exit(code);
}

/* Signal s back to SIG_DFL. Not signal(): musl refuses 32 to 34, which it
 * keeps for its threads, yet a caller may ignore them, and an ignored
 * signal outlives execve. A kernel sigaction of zeros is SIG_DFL, no flags
 * and an empty mask on every architecture. */
static void rt_sig_default(int s)
{
	unsigned long long zero[8] = { 0 };

	syscall(SYS_rt_sigaction, s, zero, NULL, (NSIG - 1) / 8);
}

/* execve resets caught signals to their defaults but keeps ignored ones:
 * those (an init script's nohup, a shell's background job) go back to
 * SIG_DFL, as a container starts under Docker. They are the bits of SigIgn
 * in /proc/self/status (the rightmost is signal 1), one call each instead
 * of one per signal; every signal when it cannot be read. */
void rt_child_signals(void)
{
	autofree char *text = NULL;
	const char *hex = NULL, *end;
	sigset_t none;

	if (fsutil_read_file("/proc/self/status", &text) == 0 && (hex = strstr(text, "\nSigIgn:")))
		hex += strspn(hex + 8, " \t") + 8;
	err_clear();
	end = hex ? hex + strspn(hex, "0123456789abcdef") : NULL;
	for (int s = 1; s < NSIG; s++) {
		int d = (s - 1) / 4, v;

		if (s == SIGKILL || s == SIGSTOP)
			continue;
		if (hex) {
			if (end - hex <= d)
				break;
			v = end[-1 - d];
			v = v <= '9' ? v - '0' : v - 'a' + 10;
			if (!(v >> ((s - 1) % 4) & 1))
				continue;
		}
		rt_sig_default(s);
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* stdio: the pty's slave with -t (master sent to the caller), else the
 * caller's own streams, with /dev/null as stdin unless -i. */
static int rt_child_stdio(const struct rt_spec *s, int sock, const int io[3])
{
	int master, slave, fd;

	if (!s->tty && io[1] >= 0) {
		if (setsid() < 0)
			return err_set(errno, "setsid");
		for (fd = 0; fd < 3; fd++)
			if (dup2(io[fd], fd) < 0)
				return err_set(errno, "connect the container's output");
		return 0;
	}
	if (!s->tty) {
		/* A session of its own: keys typed at the caller's terminal reach
		 * the container only as the signals the caller forwards. */
		if (setsid() < 0)
			return err_set(errno, "setsid");
		if (s->interactive)
			return 0;
		fd = openat(AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd < 0 || dup2(fd, 0) < 0)
			return err_set(errno, "open /dev/null as stdin");
		close(fd);
		return 0;
	}
	if (pty_open(&master, &slave) < 0 || rootfs_bind_console(slave) < 0)
		return -err_errno();
	if (pty_send_fd(sock, master) < 0)
		return -err_errno();
	close(master);
	if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0)
		return err_set(errno, "make the pty the controlling terminal");
	for (fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			return err_set(errno, "dup pty");
	close(slave);
	return 0;
}

/* Read a file of the container's own (/etc/passwd); NULL if missing. */
static char *rt_child_etc(const char *path)
{
	char *text = NULL;

	if (fsutil_read_file(path, &text) < 0)
		err_clear();
	return text;
}

int rt_child_user(const char *user, const struct strv *groups, const struct caps_sets *caps,
		  struct strv *env)
{
	autofree char *passwd = rt_child_etc("/etc/passwd"), *group = rt_child_etc("/etc/group");
	const char *who = user && *user ? user : "root";
	struct pw_user u;
	int r = -1;

	if (pw_resolve(user ? user : "", passwd, group, &u) < 0)
		return -err_errno();
	for (size_t i = 0; groups && i < groups->n; i++)
		if (pw_add_group(groups->v[i], group, &u) < 0)
			goto out;
	if (!strv_getenv(env, "HOME")) {
		autofree char *home = xasprintf("HOME=%s", u.home);

		strv_setenv(env, home);
	}
	if (caps_drop_bounding(caps->bnd) < 0)
		goto out;
	if (setgroups(u.ngroups, u.groups) < 0 || setresgid(u.gid, u.gid, u.gid) < 0) {
		err_set(errno, "set groups for user %s", who);
		goto out;
	}
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 || setresuid(u.uid, u.uid, u.uid) < 0) {
		err_set(errno, "set user %s", who);
		goto out;
	}
	r = caps_apply(caps);
out:
	pw_user_clear(&u);
	return r;
}

/* The working directory, made if missing (as Docker does). */
static int rt_child_cwd(const struct rt_spec *s)
{
	const char *cwd = s->cwd && *s->cwd ? s->cwd : "/";

	if (fsutil_mkdir_p(cwd, 0755) == 0 && chdir(cwd) == 0)
		return 0;
	if (!err_errno())
		err_set(errno, "chdir %s", cwd);
	return err_ctx("working directory");
}

int rt_exec_code(int e)
{
	return (e == ENOENT || e == ENOTDIR || e == ELOOP) ? 127 : 126;
}

char *rt_lookpath(const char *cmd, const char *path)
{
	autofree char *copy = xstrdup(path);
	char *save = NULL;

	for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char *p = xasprintf("%s/%s", *d ? d : ".", cmd);
		struct stat st;

		if (!stat(p, &st) && S_ISREG(st.st_mode) && (st.st_mode & 0111))
			return p;
		free(p);
	}
	return NULL;
}

NORETURN void rt_child_execve(char *const *argv, struct strv *env,
			      const struct seccomp_policy *sc, int errfd)
{
	const char *cmd = argv[0];
	autofree char *path = NULL;

	if (!strchr(cmd, '/')) {
		path = rt_lookpath(cmd, strv_getenv(env, "PATH"));
		if (!path) {
			err_setx(ENOENT, "exec: \"%s\": executable file not found in $PATH", cmd);
			rt_child_fail(errfd, 127);
		}
		cmd = path;
	}
	/* Last before execve, so that nothing dory itself does is filtered;
	 * the program was built by the caller, this only installs it. */
	if (sc && seccomp_policy_apply(sc) < 0)
		rt_child_fail(errfd, 125);
	execve(cmd, argv, env->v);
	err_set(errno, "exec: \"%s\"", argv[0]);
	rt_child_fail(errfd, rt_exec_code(err_errno()));
}

int rt_child_confine(const struct secpol *p)
{
	if (p->no_new_privs) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			return err_set(errno, "set no_new_privs");
		return 0;
	}
	/* Without no_new_privs the kernel takes a filter only from a holder
	 * of CAP_SYS_ADMIN: it goes in now, before the user and capabilities
	 * are set, as runc does, and the profile lets those calls through
	 * (Docker's does). */
	if (p->seccomp && seccomp_policy_apply(p->seccomp) < 0)
		return -err_errno();
	return 0;
}

const struct seccomp_policy *rt_child_late_filter(const struct secpol *p)
{
	return p->no_new_privs ? p->seccomp : NULL;
}

/* Without detached mounts (before 5.2, rt_spec.attach_src): the root's
 * bind, made while this process still has host root's ids, which may
 * search the store's directories (0700); *fd is the mount's, through
 * which the namespace's root, who may not search them, enters it. */
static int rt_child_bind_root(const struct rt_spec *s, int *fd)
{
	if (mnt_mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mnt_bind(s->attach_src, s->rootfs, true, 0) < 0)
		return err_ctx("bind the container's root");
	*fd = openat(AT_FDCWD, s->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return *fd < 0 ? err_set(errno, "open %s", s->rootfs) : 0;
}

/* The root filesystem's own mount (overlay), made where nothing outside
 * the container can see it: it goes away with the namespace. *root is
 * the directory to enter; bound, the fd of rt_child_bind_root's mount. */
static int rt_child_mount_root(const struct rt_spec *s, const struct rootfs_opts *o, int bound,
			       const char **root)
{
	static char fdpath[32];

	*root = s->rootfs;
	if (!s->mount_root && !s->userns)
		return 0;
	if (rootfs_isolate(o) < 0)
		return -err_errno();
	if (!s->userns)
		return s->mount_root(s->mount_arg);
	if (bound < 0 &&
	    compat_move_mount(s->attach_fd, "", AT_FDCWD, "",
			      COMPAT_MOVE_MOUNT_F_EMPTY_PATH | COMPAT_MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return err_set(errno, "attach the container's root");
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", bound < 0 ? s->attach_fd : bound);
	*root = fdpath;
	return 0;
}

/* The binds' sources, opened while this process still has host root's
 * ids (in a user namespace, the namespace's root may not search the
 * store's directories) and in its own mount namespace (a bind source must
 * be a mount of the caller's namespace). */
static int rt_child_bind_srcs(const struct rt_spec *s, int *fds)
{
	for (size_t i = 0; i < s->nbinds; i++) {
		fds[i] = -1;
		if (s->binds[i].fstype)
			continue;	/* a new file system: no source */
		fds[i] = openat(AT_FDCWD, s->binds[i].src, O_PATH | O_CLOEXEC);
		if (fds[i] < 0)
			return err_set(errno, "bind source %s", s->binds[i].src);
	}
	return 0;
}

static NORETURN void rt_child(const struct rt_spec *s, const struct rootfs_device *nodes,
			      const struct cg *cg, int syncfd, int errfd, int sock, const int io[3])
{
	const struct secpol *pol = s->policy;
	int *src_fds = xzalloc((s->nbinds + 1) * sizeof(int));
	const struct rootfs_opts ro = { .readonly = s->readonly, .privileged = pol->privileged,
					.devices = nodes, .ndevices = pol->ndevices,
					.userns = s->userns != NULL, .binds = s->binds,
					.src_fds = src_fds, .nbinds = s->nbinds,
					.shm_size = s->tune ? s->tune->shm_size : 0, .cg = cg };
	struct strv env = { 0 };
	const char *root;
	int bound = -1;
	char go;

	rt_child_signals();
	if (fsutil_read_full(syncfd, &go, 1) != 1)
		_exit(125);	/* the caller died or gave up */
	close(syncfd);
	if (rt_child_bind_srcs(s, src_fds) < 0)
		rt_child_fail(errfd, 125);
	/* The maps are written: become the namespace's root before making
	 * anything, which host root's ids (unmapped) could not own. */
	if (s->userns && s->attach_fd < 0 && s->attach_src && rt_child_bind_root(s, &bound) < 0)
		rt_child_fail(errfd, 125);
	if (s->userns && userns_become_root() < 0)
		rt_child_fail(errfd, 125);
	for (size_t i = 0; i < s->env.n; i++)
		strv_push(&env, s->env.v[i]);
	if (!strv_getenv(&env, "PATH"))
		strv_setenv(&env, "PATH=" RT_DEFAULT_PATH);
	/* Joined to its cgroup by now, so that becomes the namespace's root. */
	if (unshare(CLONE_NEWCGROUP) < 0 && errno != EINVAL)
		err_set(errno, "create cgroup namespace");
	else if (sethostname(s->hostname, strlen(s->hostname)) < 0)
		err_set(errno, "set hostname %s", s->hostname);
	else if ((s->hostnet || s->netns || nl_link_up("lo") == 0) &&
		 rt_child_mount_root(s, &ro, bound, &root) == 0 &&
		 rootfs_enter_opts(root, &ro) == 0 && (!s->tune || rt_tune_apply(s->tune) == 0) &&
		 rt_child_stdio(s, sock, io) == 0 && rootfs_finish_opts(&ro) == 0 &&
		 rt_child_cwd(s) == 0 && rt_child_confine(pol) == 0 &&
		 rt_child_user(s->user, s->tune ? &s->tune->groups : NULL, &pol->caps, &env) == 0 &&
		 prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == 0) {
		umask(022);
		compat_cloexec_from(3);	/* nothing the caller inherited */
		rt_child_execve(s->argv, &env, rt_child_late_filter(pol), errfd);
	}
	if (!err_errno())
		err_set(errno, "set up the container");
	rt_child_fail(errfd, 125);
}

/* ---- the caller's side ---- */

int rt_exit_status(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 125;
}

/* rt_reap, handing the other children to hook's reaped. */
static bool rt_reap_hook(pid_t pid, int *status, const struct rt_hook *hook)
{
	bool done = false;
	pid_t r;
	int st;

	while ((r = waitpid(-1, &st, WNOHANG)) > 0 || (r < 0 && errno == EINTR))
		if (r == pid) {
			*status = rt_exit_status(st);
			done = true;
		} else if (r > 0 && hook && hook->reaped) {
			hook->reaped(hook->arg, r, st);
		}
	return done;
}

bool rt_reap(pid_t pid, int *status)
{
	return rt_reap_hook(pid, status, NULL);
}

static void rt_on_signals(int sfd, pid_t pid, int master, const struct rt_hook *hook,
			  bool *exited, int *status)
{
	struct signalfd_siginfo si;

	while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
		int sig = (int)si.ssi_signo;

		if (sig == SIGCHLD) {
			if (rt_reap_hook(pid, status, hook))
				*exited = true;
		} else if (sig == SIGWINCH && master >= 0) {
			pty_copy_winsize(isatty(0) ? 0 : 1, master);
		} else if (!*exited) {
			kill(pid, sig);
		}
	}
}

/* Copy what is readable on from to to, and to tee's out (NULL: none);
 * false at EOF or error. */
static bool rt_pump(int from, int to, const struct rt_hook *tee)
{
	char buf[4096];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	fsutil_write_full(to, buf, (size_t)n);	/* a closed stdout is not our failure */
	if (tee && tee->out)
		tee->out(tee->arg, buf, (size_t)n);
	return true;
}

/* Relay signals and the pty until the container exits and its output is
 * drained (bounded: 200 ms after exit, in case something holds the pty). */
static void rt_wait(const struct rt_spec *s, pid_t pid, int sfd, int master,
		    const struct rt_hook *hook, int *status)
{
	bool in = master >= 0 && s->interactive, out = master >= 0, exited = false;

	while (!exited || out) {
		struct pollfd p[3 + RT_HOOK_FDS] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = in ? 0 : -1, .events = POLLIN },
			{ .fd = out ? master : -1, .events = POLLIN },
		};
		size_t nh = hook && hook->fds ? hook->fds(hook->arg, p + 3) : 0;
		int n = poll(p, 3 + nh,
			     exited ? 200 : hook && hook->wait_ms ? hook->wait_ms(hook->arg) : -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 && exited)
			break;
		if (!exited && hook && hook->tick)
			hook->tick(hook->arg);
		if (n < 0)
			break;
		if (n == 0)
			continue;
		if (p[0].revents)
			rt_on_signals(sfd, pid, master, hook, &exited, status);
		if (p[1].revents && !rt_pump(0, master, NULL))
			in = false;
		if (p[2].revents && !rt_pump(master, 1, hook))
			out = false;
		if (nh && hook->polled)
			hook->polled(hook->arg, p + 3, nh);
	}
}

/* Wait for the container side to exec (pipe closed) or fail (a report). */
static int rt_started(int errfd, pid_t pid, int *status)
{
	struct rt_child_err e;
	ssize_t n = fsutil_read_full(errfd, &e, sizeof(e));
	int st;

	if (n == 0)
		return 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (n != sizeof(e)) {
		*status = 125;
		return err_setx(EIO, "the container process died before exec (status %d)",
				rt_exit_status(st));
	}
	e.msg[sizeof(e.msg) - 1] = '\0';
	*status = e.code;
	return err_setx(e.errnum, "%s", e.msg);
}

static void rt_sigset(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	for (size_t i = 0; i < ARRAY_SIZE(rt_relayed); i++)
		sigaddset(set, rt_relayed[i]);
}

/* The container's ends of its stdio pipes (RT pipes mode): in[0] (or
 * /dev/null), out[1], err[1]; the caller keeps the others in p. */
static int rt_pipes(const struct rt_spec *s, struct rt_proc *p, int io[3])
{
	int in[2] = { -1, -1 }, out[2], err[2];

	if (s->tty || !s->pipes)
		return 0;
	if (s->interactive ? pipe2(in, O_CLOEXEC) < 0
			   : (in[0] = openat(AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
		return err_set(errno, "create the container's input");
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
		close(in[0]);
		if (in[1] >= 0)
			close(in[1]);
		return err_set(errno, "create the container's output pipes");
	}
	io[0] = in[0];
	io[1] = out[1];
	io[2] = err[1];
	p->in = in[1];
	p->out = out[0];
	p->err = err[0];
	return 0;
}

static void rt_close_io(int io[3])
{
	for (int i = 0; i < 3; i++)
		if (io[i] >= 0)
			close(TAKE_FD(io[i]));
}

/* The new user namespace's maps, and its cgroup v2 directories given to
 * its root (as a cgroup namespace's root may manage its own subtree). */
static int rt_userns(const struct rt_spec *s, const struct rt_proc *p, pid_t pid)
{
	if (userns_write_maps(pid, s->userns) < 0)
		return -err_errno();
	for (size_t i = 0; i < p->cg.n; i++)
		if (p->cg.h[i].ver == CG_V2 && userns_cg_delegate(p->cg.h[i].dir, s->userns) < 0)
			return -err_errno();
	return 0;
}

/* Step into the namespace at path (of type, "own" its /proc/self/ns name)
 * for a clone, *self keeping ours to come back to (rt_ns_back). */
static int rt_ns_enter(const char *path, int type, const char *own, int *self)
{
	autoclose int join = -1;
	char p[32];

	snprintf(p, sizeof(p), "/proc/self/ns/%s", own);
	*self = openat(AT_FDCWD, p, O_RDONLY | O_CLOEXEC);
	join = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	return *self < 0 || join < 0 || setns(join, type) < 0 ? -1 : 0;
}

static void rt_ns_back(int selfnet, int selfpid)
{
	/* stuck in another namespace: nothing is safe now */
	if ((selfnet >= 0 && setns(selfnet, CLONE_NEWNET) < 0) ||
	    (selfpid >= 0 && setns(selfpid, CLONE_NEWPID) < 0))
		abort();
}

/* clone, in attach_at with a user namespace: the child's working
 * directory is then that directory in its own mount namespace, where it
 * attaches its root without a path the namespace's root could not search
 * (the store's directories are host root's, mode 0700). */
static pid_t rt_clone_at(const struct rt_spec *s, unsigned long ns)
{
	int here = -1, e;
	pid_t pid = -1;
	autoclose int selfnet = -1, selfpid = -1;

	/* Joining another container's network or pid namespace: the clone
	 * inherits ours (a pid namespace's setns holds for children only),
	 * so step into it for the clone and straight back. (The child could
	 * not setns itself: its new user namespace owns nothing.) */
	if (s->netns && rt_ns_enter(s->netns, CLONE_NEWNET, "net", &selfnet) < 0)
		goto back;
	if (s->pidns && rt_ns_enter(s->pidns, CLONE_NEWPID, "pid", &selfpid) < 0)
		goto back;
	if (s->userns) {
		here = openat(AT_FDCWD, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (here < 0 || fchdir(s->attach_at) < 0) {
			if (here >= 0)
				close(TAKE_FD(here));
			goto back;
		}
	}
	pid = compat_clone_fork(ns);
back:
	e = errno;
	if (pid != 0)
		rt_ns_back(selfnet, selfpid);
	if (here >= 0) {
		if (pid != 0 && fchdir(here) < 0)
			pid = pid > 0 ? pid : -1;	/* the old directory is gone: stay */
		close(here);
	}
	errno = e;
	return pid;
}

/* Start the container side and hand it over to its cgroup; returns pid. */
static pid_t rt_spawn(const struct rt_spec *s, const struct rootfs_device *nodes,
		      struct rt_proc *p, int *errfd, int *sockfd)
{
	const unsigned long ns = ((s->tune && s->tune->hostpid) || s->pidns ? 0 : CLONE_NEWPID) |
				 CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC |
				 (s->hostnet || s->netns ? 0 : CLONE_NEWNET) |
				 (s->userns ? CLONE_NEWUSER : 0);
	int sync[2], errp[2], sock[2] = { -1, -1 }, io[3] = { -1, -1, -1 };
	pid_t pid;

	if (rt_pipes(s, p, io) < 0)
		return -err_errno();
	if (pipe2(sync, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 ||
	    (s->tty && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sock) < 0)) {
		rt_close_io(io);
		return err_set(errno, "create pipes");
	}
	pid = rt_clone_at(s, ns);
	if (pid == 0) {
		close(sync[1]);
		close(errp[0]);
		if (sock[0] >= 0)
			close(sock[0]);
		rt_child(s, nodes, &p->cg, sync[0], errp[1], sock[1], io);
	}
	rt_close_io(io);
	close(sync[0]);
	close(errp[1]);
	if (sock[1] >= 0)
		close(sock[1]);
	if (pid < 0) {
		if (s->netns || s->pidns)
			err_set(errno, "create namespaces joined to %s", s->netns ? s->netns : s->pidns);
		else
			err_set(errno, "create namespaces");
		goto undo;
	}
	if ((p->cg.n && cg_add_pid(&p->cg, pid) < 0) || (s->userns && rt_userns(s, p, pid) < 0) ||
	    (!s->hostnet && !s->netns && s->net_setup && s->net_setup(s->net_arg, pid) < 0)) {
		kill(pid, SIGKILL);
		goto undo;
	}
	if (fsutil_write_full(sync[1], "g", 1) < 0) {
		err_set(errno, "start the container process");
		goto undo;
	}
	close(sync[1]);
	*errfd = errp[0];
	*sockfd = sock[0];
	return pid;
undo:
	close(sync[1]);
	close(errp[0]);
	if (sock[0] >= 0)
		close(sock[0]);
	if (pid > 0)
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	return -err_errno();
}

/* The --device nodes as the host has them now (Docker looks at each
 * start too), and the device rules: the default nodes and these, with the
 * access each --device gave. */
static int rt_devices(const struct rt_spec *s, const struct cg *cg, struct rootfs_device *nodes)
{
	const struct secpol *pol = s->policy;
	struct strv extra = { 0 };
	int r = 0;

	for (size_t i = 0; r == 0 && i < pol->ndevices; i++) {
		r = rootfs_device_from_host(pol->devices[i].host, pol->devices[i].path, &nodes[i]);
		if (r == 0)
			strv_push_take(&extra, xasprintf("%c %u:%u %s",
							 S_ISBLK(nodes[i].mode) ? 'b' : 'c',
							 major(nodes[i].rdev), minor(nodes[i].rdev),
							 pol->devices[i].access));
	}
	if (r == 0)
		r = cg_set_devices(cg, pol->privileged, (const char *const *)extra.v);
	/* v2's rules are a BPF program; on a hybrid layout v1's devices
	 * controller already enforces the same rules, and a second check of
	 * every open would only cost a program load per start. */
	if (r == 0 && !cg_has_v1_ctrl(cg, "devices"))
		r = cg_set_devices_v2(cg, pol->privileged, (const char *const *)extra.v);
	strv_free(&extra);
	return r;
}

/* Device rules need a v1 devices hierarchy or cgroup v2; without either
 * a container could open any node it makes. Only --privileged, which
 * allows every device anyway, runs so. */
static int rt_cgroup_enforces(const struct rt_spec *s, const struct cg *cg)
{
	if (s->policy->privileged || cg_has_v1_ctrl(cg, "devices") || cg_has_v2(cg))
		return 0;
	err_setx(ENODEV, cg->n ? "no devices controller and no cgroup v2: the container's "
		 "device rules cannot be enforced" : "no cgroup hierarchy is mounted: the "
		 "container's device rules cannot be enforced");
	return err_hint("mount one (mount -t cgroup2 none /sys/fs/cgroup), or run with --privileged");
}

/* The container's cgroup (named after its id, below the parent), with the
 * limits and device rules. */
static int rt_cgroup(const struct rt_spec *s, struct cg *cg, struct rootfs_device *nodes)
{
	int r = cg_create(s->cgroup_parent, s->id, &s->limits, cg);

	if (r == -ENODEV)
		err_clear();	/* nothing mounted: refused below unless privileged */
	else if (r < 0)
		return r;
	r = rt_cgroup_enforces(s, cg);
	/* With no cgroup at all, asking for a limit still fails clearly. */
	if (r == 0)
		r = cg_set_limits(cg, &s->limits);
	if (r == 0)
		r = rt_devices(s, cg, nodes);
	return r;
}

static void rt_proc_close(struct rt_proc *p)
{
	int *fds[] = { &p->master, &p->in, &p->out, &p->err };

	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		if (*fds[i] >= 0)
			close(TAKE_FD(*fds[i]));
}

int rt_start(const struct rt_spec *s, struct rt_proc *p, int *status)
{
	autoclose int errfd = -1, sock = -1;
	autofree struct rootfs_device *nodes = xzalloc((s->policy->ndevices + 1) * sizeof(*nodes));
	int r;

	*status = 125;
	*p = (struct rt_proc){ .master = -1, .in = -1, .out = -1, .err = -1 };
	/* Orphans of the container's namespace come to us, not to a late PID 1. */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	r = rt_cgroup(s, &p->cg, nodes);
	if (r < 0)
		goto undo;
	p->pid = rt_spawn(s, nodes, p, &errfd, &sock);
	if (p->pid < 0) {
		r = p->pid;
		goto undo;
	}
	if (s->tty && pty_recv_fd(sock, &p->master) < 0) {
		r = rt_started(errfd, p->pid, status);
		if (r == 0)
			r = err_ctx("set up the container's terminal");
		goto undo;
	}
	r = rt_started(errfd, p->pid, status);
	if (r == 0)
		return 0;
undo:
	p->pid = 0;
	rt_proc_close(p);
	if (cg_destroy(&p->cg) < 0)
		err_clear();	/* keep the first error */
	cg_free(&p->cg);
	return r;
}

/* SIGKILL every process left in the container's cgroup, and reap them. */
static void rt_kill_group(const struct cg *cg)
{
	for (int round = 0; cg->n && round < 50; round++) {
		autofree pid_t *pids = NULL;
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		size_t n = 0;

		if (proc_cgroup_pids(cg->h[0].dir, &pids, &n) < 0 || !n)
			break;
		for (size_t i = 0; i < n; i++)
			kill(pids[i], SIGKILL);
		nanosleep(&ts, NULL);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	}
	err_clear();
}

int rt_finish(const struct rt_spec *s, struct rt_proc *p)
{
	int r = 0;

	if (s->oom_killed && cg_oom_killed(&p->cg, s->oom_killed) < 0)
		err_clear();
	/* The namespace's other processes, killed with its init, were
	 * reparented to us: reap those already gone before removing the group. */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	/* In the host's pid namespace, or another container's, nothing dies
	 * with the init: the rest of its group goes now, as runc does. */
	if ((s->tune && s->tune->hostpid) || s->pidns)
		rt_kill_group(&p->cg);
	rt_proc_close(p);
	if (cg_destroy(&p->cg) < 0)
		r = -err_errno();
	cg_free(&p->cg);
	return r;
}

int rt_signals_block(sigset_t *old)
{
	sigset_t set;

	rt_sigset(&set);
	return sigfd_block(&set, old);
}

void rt_attach(const struct rt_spec *s, struct rt_proc *p, int sfd, const struct rt_hook *hook,
	       int *status)
{
	struct termios saved;
	bool raw = false;

	if (p->master >= 0) {
		pty_copy_winsize(isatty(0) ? 0 : 1, p->master);
		raw = s->interactive && isatty(0) && pty_make_raw(0, &saved) == 0;
	}
	rt_wait(s, p->pid, sfd, p->master, hook, status);
	if (raw)
		pty_restore(0, &saved);
}

int rt_run(const struct rt_spec *s, int *status)
{
	struct rt_proc p;
	sigset_t old;
	int sfd, r;

	*status = 125;
	sfd = rt_signals_block(&old);
	if (sfd < 0)
		return sfd;
	r = rt_start(s, &p, status);
	if (r == 0) {
		rt_attach(s, &p, sfd, NULL, status);
		r = rt_finish(s, &p);
	}
	close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}
