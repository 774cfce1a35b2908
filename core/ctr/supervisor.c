// SPDX-License-Identifier: Apache-2.0
/* supervisor.c - a container's owner while it runs: it starts the container
 * from its records, carries its output to the log (detached) or to the
 * caller's terminal (attached), reaps it, records each exit and applies the
 * restart policy with back-off. sup_spawn starts one in the background. */
#include <errno.h>
#include <link.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/ctr/attach.h"
#include "core/ctr/ctr.h"
#include "core/ctr/ctr_make.h"
#include "core/ctr/ctr_net.h"
#include "core/ctr/ctr_vol.h"
#include "core/ctr/ctrlog.h"
#include "core/ctr/sup_health.h"
#include "core/ctr/supervisor.h"
#include "core/fs/ctrfs.h"
#include "core/fs/userns.h"
#include "core/image/image.h"
#include "core/kernel/cgroup.h"
#include "core/kernel/proc.h"
#include "core/runtime/runtime.h"
#include "core/store/store.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/lock.h"
#include "core/util/log.h"
#include "core/util/str.h"
#include "core/util/xalloc.h"

/* Docker's back-off: 100 ms, doubled each restart, at most a minute, and
 * back to 100 ms once a run lasted 10 s. */
enum { SUP_BACKOFF_MS = 100, SUP_BACKOFF_MAX_MS = 60000, SUP_RESET_NS_S = 10 };

struct sup {
	const char *id;
	struct ctr_config c;
	struct rt_spec s;
	struct ctr_net_run net;
	char pidns[40];		/* --pid container:ID: that one's, this run */
	struct ctrfs fs;
	struct secpol policy;
	char *dir;		/* ROOT/containers/ID */
	char *etc[3];		/* its hosts, hostname, resolv.conf there */
	struct rt_bind *binds;	/* the /etc files, then the -v mounts */
	struct ctr_vol_binds vols;
	bool oom;
	bool attached;
	bool term;		/* SIGTERM to the supervisor: stop for good */
	int sfd;
	int readyfd;
	struct ctrlog *log;
	struct sup_health health;
	struct strv init_argv;	/* --init: docker-init -- the command */
	char init_src[PATH_MAX];	/* --init: this binary's path */
	struct attach_hub hub;	/* dory attach, while it runs (attached: with a pty) */
};

/* ---- the spec from the records ---- */

static int sup_fs(struct sup *u)
{
	struct store *st = NULL;
	struct image im = { 0 };
	int r;

	if (u->c.rootfs) {
		u->s.rootfs = u->c.rootfs;
		return 0;
	}
	r = store_open(dory.root, &st);
	if (r < 0)
		return r;
	r = image_open(st, u->c.image_id, &im);
	if (r == 0) {
		r = ctrfs_open(st, &im, u->id, u->c.driver, u->c.readonly && !u->c.userns_shifted,
			       &u->fs);
		image_close(&im);
	}
	store_close(st);
	if (r < 0)
		return err_ctx("the container's image %.19s", u->c.image_id);
	u->s.rootfs = u->fs.rootfs;
	u->s.mount_root = ctrfs_mount;
	u->s.mount_arg = &u->fs;
	return 0;
}

/* Its /etc/hosts, /etc/hostname and /etc/resolv.conf: files of its own,
 * bound over the image's (which stay as they are), read-only with
 * --read-only as Docker's; with --network container:ID, that container's
 * (as Docker shares them). Left out where the root cannot take a mount
 * point (a read-only bind-copy of the image lacking the file). The -v
 * mounts come after them, so that one given for /etc/hosts wins. */
static int sup_binds(struct sup *u)
{
	static const char *const names[] = { "/etc/hosts", "/etc/hostname", "/etc/resolv.conf" };
	const char *m = u->c.network_mode;

	if (ctr_vol_binds(&u->c, &u->vols) < 0)
		return -err_errno();
	u->binds = xzalloc((ARRAY_SIZE(names) + u->vols.n) * sizeof(*u->binds));
	u->dir = ctr_dir(m && str_has_prefix(m, "container:") ? m + 10 : u->id);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		u->etc[i] = xasprintf("%s/%s", u->dir, names[i] + 5);
		u->binds[i] = (struct rt_bind){ .src = u->etc[i], .dst = names[i],
						.ro = u->c.readonly, .optional = true };
	}
	if (u->vols.n)
		memcpy(u->binds + ARRAY_SIZE(names), u->vols.v, u->vols.n * sizeof(*u->binds));
	u->s.binds = u->binds;
	u->s.nbinds = ARRAY_SIZE(names) + u->vols.n;
	return 0;
}

/* --init: this very binary (static, so it runs in any image), read-only
 * at Docker's path, runs the command as the docker-init applet. Bound by
 * its path: the container's mount namespace is a copy, where the file
 * behind /proc/self/exe (a mount of ours) is no bind source. */
static int sup_init(struct sup *u)
{
	static const char path[] = "/sbin/docker-init";
	ssize_t n;

	if (!u->c.init)
		return 0;
	n = readlink("/proc/self/exe", u->init_src, sizeof(u->init_src) - 1);
	if (n < 0)
		return err_set(errno, "find this binary for --init (/proc/self/exe)");
	u->init_src[n] = '\0';
	u->binds = xrealloc(u->binds, (u->s.nbinds + 1) * sizeof(*u->binds));
	u->binds[u->s.nbinds++] = (struct rt_bind){ .src = u->init_src, .dst = path,
						    .ro = true };
	u->s.binds = u->binds;
	strv_push(&u->init_argv, path);
	strv_push(&u->init_argv, "--");
	for (size_t i = 0; i < u->c.argv.n; i++)
		strv_push(&u->init_argv, u->c.argv.v[i]);
	u->s.argv = u->init_argv.v;
	return 0;
}

/* Write the files before each start: the host's resolv.conf may have
 * changed since the last, and its addresses are this run's. A container
 * that joins another's network uses that one's files. */
static int sup_netfiles(struct sup *u)
{
	const char *m = u->c.network_mode ? u->c.network_mode : "none";

	if (str_has_prefix(m, "container:"))
		return 0;
	return ctr_net_files(&u->c, &u->net);
}

/* --pid container:ID: that container's pid namespace, while it runs
 * (looked up at each start: its init changes when it restarts). */
static int sup_pidns(struct sup *u)
{
	int rc;

	u->s.pidns = NULL;
	if (!u->c.pid_ctr)
		return 0;
	rc = ctr_ns_path(u->c.pid_ctr, "pid", u->pidns, sizeof(u->pidns));
	if (rc == -ENOENT)
		return err_setx(ENOENT, "the container %.12s whose pid namespace this one "
				"joins is gone", u->c.pid_ctr);
	if (rc == 0)
		u->s.pidns = u->pidns;
	return rc;
}

static int sup_spec(struct sup *u)
{
	struct rt_spec *s = &u->s;
	int r;

	memcpy(s->id, u->c.id, sizeof(s->id));
	s->argv = u->c.argv.v;
	s->env = u->c.env;
	s->hostname = u->c.hostname;
	s->cwd = u->c.workdir && *u->c.workdir ? u->c.workdir : NULL;
	s->user = u->c.user;
	s->policy = &u->policy;
	s->readonly = u->c.readonly;
	s->tty = u->c.tty;
	s->interactive = u->c.interactive;
	s->limits = u->c.limits;
	s->cgroup_parent = u->c.cgroup_parent;
	s->tune = &u->c.tune;
	s->oom_killed = &u->oom;
	s->pipes = !u->attached;
	s->attach_fd = s->attach_at = -1;
	r = sup_binds(u);
	if (r == 0)
		r = sup_init(u);
	if (r == 0)
		r = ctr_policy(&u->c, &u->policy);
	if (r == 0)
		r = sup_fs(u);
	return r;
}

static void sup_clear(struct sup *u)
{
	secpol_clear(&u->policy);
	ctrfs_clear(&u->fs);
	for (size_t i = 0; i < ARRAY_SIZE(u->etc); i++)
		free(u->etc[i]);
	free(u->dir);
	free(u->binds);
	strv_free(&u->init_argv);
	ctr_vol_binds_clear(&u->vols);
	ctrlog_close(u->log);
	ctr_config_clear(&u->c);
	if (u->sfd >= 0)
		close(u->sfd);
}

/* ---- the records ---- */

/* Claim the container: no other supervisor may own it. */
static int sup_claim(struct sup *u)
{
	struct ctr_state st;
	int lk = ctr_lock(u->id), r;

	if (lk < 0)
		return lk;
	r = ctr_state_load(u->id, true, &st);
	if (r == 0 && st.sup_pid > 0 && st.sup_pid != getpid())
		r = err_setx(EBUSY, "container %s is already running", u->c.name);
	if (r == 0) {
		st.sup_pid = getpid();
		st.sup_start = proc_self_start();
		st.manual_stop = false;
		st.restart_count = 0;	/* a start by hand (or at boot) begins afresh */
		r = ctr_state_save(u->id, &st);
	}
	ctr_state_clear(&st);
	lock_close(lk);
	return r;
}

static void sup_ready(struct sup *u, const char *msg, int code)
{
	char buf[300];
	int n;

	if (u->readyfd < 0)
		return;
	n = msg ? snprintf(buf, sizeof(buf), "E%c%s", code, msg) : snprintf(buf, sizeof(buf), "R");
	fsutil_write_full(u->readyfd, buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	close(u->readyfd);
	u->readyfd = -1;
}

static int sup_record_start(struct sup *u, const struct rt_proc *p)
{
	struct ctr_state st;
	int lk = ctr_lock(u->id), r;

	if (lk < 0)
		return lk;
	r = ctr_state_load(u->id, true, &st);
	if (r == 0) {
		ctr_state_clear(&st);
		st.status = CTR_RUNNING;
		st.pid = p->pid;
		st.cg = p->cg;	/* borrowed for the record */
		st.started_ns = ctr_now();
		st.exit_code = 0;
		st.oom_killed = false;
		st.error[0] = '\0';
		r = ctr_state_save(u->id, &st);
		memset(&st.cg, 0, sizeof(st.cg));
	}
	lock_close(lk);
	return r;
}

/* Should the container start again after exiting with code? */
static bool sup_should_restart(const struct sup *u, const struct ctr_state *st, int code)
{
	if (u->term || st->manual_stop || u->c.autoremove)
		return false;
	switch (u->c.restart) {
	case CTR_RESTART_ALWAYS:
	case CTR_RESTART_UNLESS_STOPPED:
		return true;
	case CTR_RESTART_ON_FAILURE:
		return code != 0 && (!u->c.restart_max || st->restart_count < u->c.restart_max);
	default:
		return false;
	}
}

/* update may have changed the restart policy and the limits since the
 * config was read: an exit is judged, and the next start made, by the
 * config as it is now. */
static void sup_refresh(struct sup *u)
{
	struct ctr_config c;
	struct cg_limits old = u->c.limits;

	if (ctr_config_load(u->id, &c) < 0) {
		err_clear();
		return;
	}
	u->c.restart = c.restart;
	u->c.restart_max = c.restart_max;
	u->c.limits = c.limits;
	u->s.limits = c.limits;
	c.limits = old;		/* freed with c */
	ctr_config_clear(&c);
}

/* Record an exit (or a failed start, with msg); *restart: start again.
 * A start that fails is not retried, whatever the policy: Docker's
 * restart manager acts on exits only, and a failed restart stops it. */
static void sup_record_exit(struct sup *u, int code, const char *msg, bool *restart)
{
	struct ctr_state st;
	int lk = ctr_lock(u->id);

	*restart = false;
	if (lk < 0 || ctr_state_load(u->id, true, &st) < 0) {
		lock_close(lk);
		return;
	}
	ctr_state_clear(&st);
	sup_refresh(u);
	st.pid = 0;
	st.exit_code = code;
	st.oom_killed = u->oom;
	st.finished_ns = ctr_now();
	snprintf(st.error, sizeof(st.error), "%s", msg ? msg : "");
	*restart = !msg && sup_should_restart(u, &st, code);
	if (*restart) {
		st.status = CTR_RESTARTING;
		st.restart_count++;
	} else {
		/* Exited with the code, even one that never ran (Docker leaves
		 * that "created"): ps -a shows it failed, and start --all at the
		 * next boot retries an on-failure one with retries left. */
		st.status = CTR_EXITED;
		if (st.sup_pid == getpid()) {
			st.sup_pid = 0;
			st.sup_start = 0;
		}
	}
	ctr_state_save(u->id, &st);
	lock_close(lk);
}

/* ---- waiting ---- */

/* Carry what fd has to the log; false at end of file. */
static bool sup_pump(struct sup *u, int fd, int stream)
{
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	if (u->log && ctrlog_write(u->log, stream, buf, (size_t)n) < 0)
		err_clear();	/* a full disk loses log lines, not the container */
	attach_hub_out(&u->hub, stream == CTRLOG_STDERR ? 2 : 1, buf, (size_t)n);
	return true;
}

/* Reap every child that exited: the container's init, or a health
 * check's prober. */
static void sup_reap(struct sup *u, struct rt_proc *p, bool *exited, int *status)
{
	pid_t r;
	int st;

	while ((r = waitpid(-1, &st, WNOHANG)) > 0 || (r < 0 && errno == EINTR)) {
		if (r == p->pid && !*exited) {
			*status = rt_exit_status(st);
			*exited = true;
		} else if (r > 0) {
			sup_health_reaped(&u->health, r, st, ctr_now());
		}
	}
}

static void sup_on_signals(struct sup *u, struct rt_proc *p, bool *exited, int *status,
			   long long *kill_at)
{
	struct signalfd_siginfo si;

	while (read(u->sfd, &si, sizeof(si)) == sizeof(si)) {
		int sig = (int)si.ssi_signo;

		if (sig == SIGCHLD) {
			sup_reap(u, p, exited, status);
		} else if ((sig == SIGTERM || sig == SIGINT || sig == SIGQUIT) && !*exited) {
			u->term = true;
			kill(p->pid, ctr_stop_signal(&u->c));
			*kill_at = ctr_now() + (long long)u->c.stop_timeout * 1000000000LL + 1;
		}
	}
}

static void sup_close(int *fd)
{
	if (*fd >= 0)
		close(TAKE_FD(*fd));
}

/* Until the container exits and its output is drained (200 ms at most
 * after the exit, in case a process of its own still holds the pipes). */
static void sup_wait(struct sup *u, struct rt_proc *p, int *status)
{
	long long kill_at = 0;
	bool exited = false;

	while (!exited || p->out >= 0 || p->err >= 0 || p->master >= 0) {
		struct pollfd f[4 + 1 + ATTACH_CLIENTS] = {
			{ .fd = u->sfd, .events = POLLIN },
			{ .fd = p->out, .events = POLLIN },
			{ .fd = p->err, .events = POLLIN },
			{ .fd = p->master, .events = POLLIN },
		};
		size_t nh = attach_hub_fds(&u->hub, f + 4);
		int ms = exited ? 200 : sup_health_wait_ms(&u->health, ctr_now()), n;

		if (!exited && kill_at) {
			long long left = (kill_at - ctr_now()) / 1000000;

			left = left < 0 ? 0 : left > INT_MAX ? INT_MAX : left;
			ms = ms < 0 || left < ms ? (int)left : ms;
		}
		n = poll(f, 4 + nh, ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 && exited)
			break;
		if (!exited && kill_at && ctr_now() >= kill_at) {
			kill(p->pid, SIGKILL);
			kill_at = 0;
		}
		if (!exited)
			sup_health_tick(&u->health, p, ctr_now());
		if (n <= 0)
			continue;
		if (f[0].revents)
			sup_on_signals(u, p, &exited, status, &kill_at);
		if (f[1].revents && !sup_pump(u, p->out, CTRLOG_STDOUT))
			sup_close(&p->out);
		if (f[2].revents && !sup_pump(u, p->err, CTRLOG_STDERR))
			sup_close(&p->err);
		if (f[3].revents && !sup_pump(u, p->master, CTRLOG_STDOUT))
			sup_close(&p->master);
		attach_hub_poll(&u->hub, f + 4, nh);
	}
}

/* Sleep ms before a restart; false when told to stop meanwhile. */
static bool sup_backoff(struct sup *u, unsigned ms)
{
	long long until = ctr_now() + (long long)ms * 1000000;

	for (;;) {
		long long left = (until - ctr_now()) / 1000000;
		struct signalfd_siginfo si;

		if (left <= 0)
			return true;
		if (fsutil_poll(u->sfd, POLLIN, (int)left) == 0)
			while (read(u->sfd, &si, sizeof(si)) == sizeof(si))
				if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
					return false;
	}
}

/* In a user namespace, each start gets a fresh detached root (a mount
 * can be attached once) and the directory fd it is attached at. */
static int sup_attach_fds(struct sup *u)
{
	if (!u->c.userns.count)
		return 0;
	u->s.userns = &u->c.userns;
	u->s.attach_at = openat(AT_FDCWD, u->fs.rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (u->s.attach_at < 0)
		return err_set(errno, "open %s", u->fs.rootfs);
	if (ctrfs_idmap_open(&u->fs, &u->c.userns, u->c.userns_shifted, &u->s.attach_fd) < 0) {
		close(TAKE_FD(u->s.attach_at));
		return -err_errno();
	}
	u->s.attach_src = u->s.attach_fd < 0 ? u->fs.src : NULL;
	return 0;
}

static void sup_attach_close(struct sup *u)
{
	if (!u->c.userns.count)
		return;
	if (u->s.attach_fd >= 0)
		close(TAKE_FD(u->s.attach_fd));
	if (u->s.attach_at >= 0)
		close(TAKE_FD(u->s.attach_at));
}

/* This binary's read-only segments, page-aligned inwards. */
struct sup_segs {
	size_t n;
	uintptr_t lo[8], hi[8];
};

static int sup_find_segments(struct dl_phdr_info *info, size_t size, void *arg)
{
	uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
	struct sup_segs *g = arg;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum && g->n < ARRAY_SIZE(g->lo); i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = (info->dlpi_addr + ph->p_vaddr + pg - 1) & ~(pg - 1);
		uintptr_t hi = (info->dlpi_addr + ph->p_vaddr + ph->p_memsz) & ~(pg - 1);

		if (ph->p_type == PT_LOAD && !(ph->p_flags & PF_W) && hi > lo) {
			g->lo[g->n] = lo;
			g->hi[g->n++] = hi;
		}
	}
	return 1;	/* the executable only: it is static */
}

/* Once the container runs, the supervisor needs little of this binary:
 * unmap the code and read-only data it has paged in (setting up, TLS,
 * JSON...) so that its resident set is what its wait loop touches. The
 * pages stay in the page cache and come back on use. The segments are
 * found first, so that little code runs between the drops and the wait. */
static void sup_trim(void)
{
	struct sup_segs g = { 0 };

	dl_iterate_phdr(sup_find_segments, &g);
	for (size_t i = 0; i < g.n; i++)
		madvise((void *)g.lo[i], g.hi[i] - g.lo[i], MADV_DONTNEED);
}

/* dory attach reaches a detached container's pty or pipes through us;
 * without the socket it still runs, unattachable. */
static void sup_hub_open(struct sup *u, const struct rt_proc *p)
{
	if (attach_hub_open(&u->hub, u->id, p->master >= 0 ? p->master : p->in, p->master) < 0)
		err_clear();
}

/* ---- attached: rt_attach's loop runs the checks and the socket ---- */

_Static_assert(1 + ATTACH_CLIENTS <= RT_HOOK_FDS, "rt_attach polls the attach hub's fds");

struct sup_fg {
	struct sup_health *h;
	struct attach_hub *hub;
	const struct rt_proc *p;
};

static int sup_fg_wait_ms(void *arg)
{
	const struct sup_fg *g = arg;

	return sup_health_wait_ms(g->h, ctr_now());
}

static void sup_fg_tick(void *arg)
{
	const struct sup_fg *g = arg;

	sup_health_tick(g->h, g->p, ctr_now());
}

static void sup_fg_reaped(void *arg, pid_t pid, int wstatus)
{
	const struct sup_fg *g = arg;

	sup_health_reaped(g->h, pid, wstatus, ctr_now());
}

static size_t sup_fg_fds(void *arg, struct pollfd *f)
{
	const struct sup_fg *g = arg;

	return attach_hub_fds(g->hub, f);
}

static void sup_fg_polled(void *arg, const struct pollfd *f, size_t n)
{
	const struct sup_fg *g = arg;

	attach_hub_poll(g->hub, f, n);
}

static void sup_fg_out(void *arg, const void *buf, size_t n)
{
	const struct sup_fg *g = arg;

	attach_hub_out(g->hub, 1, buf, n);
}

/* The caller's terminal on the container; meanwhile the checks run and,
 * with a pty (whose output passes through us), dory attach shares it. */
static void sup_attach(struct sup *u, struct rt_proc *p, int *status)
{
	struct sup_fg g = { &u->health, &u->hub, p };
	const struct rt_hook hook = { .arg = &g, .wait_ms = sup_fg_wait_ms, .tick = sup_fg_tick,
				      .reaped = sup_fg_reaped, .fds = sup_fg_fds,
				      .polled = sup_fg_polled, .out = sup_fg_out };

	if (p->master >= 0)
		sup_hub_open(u, p);
	rt_attach(&u->s, p, u->sfd, &hook, status);
	attach_hub_close(&u->hub, *status);
}


/* One run of the container: start, wait, record. 1 to run again, 0 when
 * it stopped for good, -errno (recorded) when it could not start. */
static int sup_once(struct sup *u, int *status, long long *ran_ns)
{
	struct rt_proc p;
	bool restart = false;
	long long t0;
	char msg[256];

	u->oom = false;
	*status = 125;
	if (sup_attach_fds(u) < 0 || sup_pidns(u) < 0 ||
	    ctr_net_start(&u->c, &u->net, &u->s) < 0 || sup_netfiles(u) < 0 ||
	    rt_start(&u->s, &p, status) < 0) {
		int e = err_errno();

		snprintf(msg, sizeof(msg), "%s", err_str());
		ctr_net_stop(&u->net);
		sup_record_exit(u, *status, msg, &restart);
		sup_ready(u, msg, *status);
		sup_attach_close(u);
		return err_setx(e ? e : EIO, "%s", msg);
	}
	sup_attach_close(u);	/* the container has its root now */
	t0 = ctr_now();
	sup_health_begin(&u->health, &u->c, &u->policy, t0);
	if (sup_record_start(u, &p) < 0) {
		snprintf(msg, sizeof(msg), "%s", err_str());
		kill(p.pid, SIGKILL);
	}
	sup_ready(u, NULL, 0);
	if (!u->attached)
		sup_hub_open(u, &p);
	if (!u->attached)
		sup_trim();
	if (u->attached) {
		sup_attach(u, &p, status);
	} else {
		sup_wait(u, &p, status);
		attach_hub_close(&u->hub, *status);
	}
	sup_health_end(&u->health);
	if (rt_finish(&u->s, &p) < 0)
		err_clear();
	ctr_net_stop(&u->net);
	*ran_ns = ctr_now() - t0;
	sup_record_exit(u, *status, NULL, &restart);
	return restart ? 1 : 0;
}

static int sup_loop(struct sup *u, int *status)
{
	unsigned delay = SUP_BACKOFF_MS;
	long long ran = 0;
	autofree char *logp = NULL;
	int r;

	if (!u->attached) {
		autofree char *dir = ctr_dir(u->id);

		logp = xasprintf("%s/ctr.log", dir);
		if (ctrlog_open(logp, u->c.log_max_size, u->c.log_max_file, &u->log) < 0)
			return -err_errno();
	}
	while ((r = sup_once(u, status, &ran)) > 0) {
		if (ran >= SUP_RESET_NS_S * 1000000000LL)
			delay = SUP_BACKOFF_MS;
		if (!sup_backoff(u, delay)) {
			bool again;

			u->term = true;
			sup_record_exit(u, *status, NULL, &again);
			break;
		}
		delay = delay * 2 > SUP_BACKOFF_MAX_MS ? SUP_BACKOFF_MAX_MS : delay * 2;
	}
	return r < 0 ? r : 0;
}

int sup_run(const char *id, int readyfd, bool attached, int *status)
{
	struct sup u = { .id = id, .attached = attached, .readyfd = readyfd, .sfd = -1 };
	sigset_t old;
	int r;

	*status = 125;
	/* Not for the container to inherit: the reader waits for our word. */
	if (readyfd >= 0)
		fcntl(readyfd, F_SETFD, FD_CLOEXEC);
	r = ctr_config_load(id, &u.c);
	if (r == 0)
		r = sup_spec(&u);
	/* In the background, out of the caller's cgroup (a login session, an
	 * init script's service) into the supervisors' leaf. */
	if (r == 0 && !attached && (r = cg_join_supervisors(u.c.cgroup_parent)) == -ENODEV) {
		err_clear();	/* nothing mounted: the start says what that means */
		r = 0;
	}
	if (r == 0) {
		u.sfd = rt_signals_block(&old);
		r = u.sfd < 0 ? u.sfd : 0;
	}
	if (r == 0)
		r = sup_claim(&u);
	if (r == 0) {
		r = sup_loop(&u, status);
	} else {
		char msg[256];
		bool again;

		/* Not when another supervisor owns it: that start did not fail. */
		snprintf(msg, sizeof(msg), "%s", err_str());
		if (err_errno() != EBUSY)
			sup_record_exit(&u, 125, msg, &again);
		sup_ready(&u, msg, 125);
		err_setx(r < 0 ? -r : EIO, "%s", msg);
	}
	if (u.sfd >= 0)
		sigprocmask(SIG_SETMASK, &old, NULL);
	/* Detached --rm: nobody else is left to remove it (and its
	 * anonymous volumes, as Docker's --rm). */
	if (r == 0 && !attached && u.c.autoremove &&
	    (ctr_destroy(id) < 0 || ctr_vol_remove_anon(&u.c) < 0))
		err_clear();
	sup_clear(&u);
	return r;
}

/* ---- in the background ---- */

/* The supervisor's side of the fork: a session of its own, no terminal,
 * the report pipe as fd 3, and a fresh image of this binary. */
static NORETURN void sup_child(const char *id, int wfd)
{
	char *argv[] = { "dory", "--root", (char *)dory.root, "--state", (char *)dory.state,
			 "_supervise", (char *)id, "3", NULL };
	int null = openat(AT_FDCWD, "/dev/null", O_RDWR | O_CLOEXEC);

	setsid();
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
		_exit(125);
	if (wfd == 3 ? fcntl(3, F_SETFD, 0) < 0 : dup2(wfd, 3) < 0)
		_exit(125);
	if (chdir("/") < 0)
		_exit(125);
	execv("/proc/self/exe", argv);
	_exit(125);
}

int sup_spawn(const char *id, pid_t *sup, int *rfd)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return err_set(errno, "create a pipe");
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return err_set(errno, "fork the supervisor");
	}
	if (pid == 0)
		sup_child(id, p[1]);
	close(p[1]);
	*sup = pid;
	*rfd = p[0];
	return 0;
}

int sup_spawned(pid_t sup, int rfd, int *status)
{
	char buf[300];
	ssize_t n;

	/* One write of under PIPE_BUF bytes: one read gets it whole. */
	while ((n = read(rfd, buf, sizeof(buf) - 1)) < 0 && errno == EINTR)
		;

	close(rfd);
	*status = 125;
	if (n >= 1 && buf[0] == 'R') {
		*status = 0;
		return 0;	/* it runs on, and is reaped by whoever inherits it */
	}
	while (waitpid(sup, NULL, 0) < 0 && errno == EINTR)
		;
	if (n >= 2 && buf[0] == 'E') {
		buf[n] = '\0';
		*status = (unsigned char)buf[1];
		return err_setx(EIO, "%s", buf + 2);
	}
	return err_setx(EIO, "the supervisor died before the container started (see 'dory "
			"inspect')");
}
