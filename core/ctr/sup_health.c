// SPDX-License-Identifier: Apache-2.0
/* sup_health.c - the supervisor's health checks, run by a prober process
 * so that the supervisor's own loop never waits for one. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/ctr/health.h"
#include "core/ctr/sup_health.h"
#include "core/runtime/rt_exec.h"
#include "core/util/err.h"
#include "core/util/xalloc.h"

/* A prober past its check's timeout by this much is stuck (in a frozen
 * cgroup, say): it is killed, and the next check comes on time. */
#define SUPH_GRACE_NS (5 * HEALTH_NS_PER_S)

void sup_health_begin(struct sup_health *h, const struct ctr_config *c,
		      const struct secpol *policy, long long started_ns)
{
	autofree char *dir = NULL;
	struct health st;

	*h = (struct sup_health){ .started_ns = started_ns };
	if (!health_config_active(&c->health))
		return;
	h->c = c;
	h->policy = policy;
	dir = ctr_dir(c->id);
	if (health_load(dir, &st) < 0)
		err_clear();
	health_restart(&st);
	if (health_save(dir, &st) < 0)
		err_clear();	/* ps shows the last state; the checks go on */
	h->next_ns = health_next(&c->health, &st, started_ns, started_ns);
	health_clear(&st);
}

int sup_health_wait_ms(const struct sup_health *h, long long now_ns)
{
	long long at = h->prober ? h->kill_ns : h->next_ns, ms;

	if (!h->c)
		return -1;
	ms = at <= now_ns ? 0 : (at - now_ns - 1) / 1000000 + 1;	/* rounded up */
	return ms < 0 ? 0 : ms > INT_MAX ? INT_MAX : (int)ms;
}

/* ---- the prober ---- */

/* The check's environment, as exec's: the container's and its HOSTNAME. */
static void suph_env(const struct ctr_config *c, struct strv *env)
{
	for (size_t i = 0; i < c->env.n; i++)
		strv_push(env, c->env.v[i]);
	if (c->hostname && !strv_getenv(env, "HOSTNAME"))
		strv_push_take(env, xasprintf("HOSTNAME=%s", c->hostname));
}

/* Collect what the check writes until it exits and out is drained, or
 * until deadline, when it is killed; its status into r. */
static void suph_collect(int out, pid_t pid, long long deadline, const struct ctr_config *c,
			 struct health_result *r)
{
	char buf[HEALTH_OUTPUT_MAX + 1];
	size_t n = 0;
	sigset_t chld;
	int sfd, st;
	bool exited = false;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sfd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);	/* blocked: the supervisor's mask */
	while (!exited || out >= 0) {
		struct pollfd f[2] = { { .fd = out, .events = POLLIN }, { .fd = sfd, .events = POLLIN } };
		long long left = (deadline - ctr_now()) / 1000000;
		int k;

		if (!exited && left <= 0) {
			char d[32];

			kill(-pid, SIGKILL);	/* its session: what it started too */
			kill(pid, SIGKILL);
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
			health_duration_text(c->health.timeout ? c->health.timeout : HEALTH_TIMEOUT, d,
					     sizeof(d));
			r->exit_code = -1;
			r->output = xasprintf("Health check exceeded timeout (%s)", d);
			close(sfd);
			return;
		}
		/* once it exited, what its own children still write: 100 ms */
		k = poll(f, 2, exited ? 100 : left > INT_MAX ? INT_MAX : (int)left);
		if (k == 0 && exited)
			break;
		if (k < 0)
			continue;
		if (f[1].revents) {
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof(si)) == sizeof(si))
				;
			if (waitpid(pid, &st, WNOHANG) == pid) {
				exited = true;
				r->exit_code = rt_exit_status(st);
			}
		}
		if (f[0].revents) {
			char drop[4096];
			ssize_t m = n < sizeof(buf) ? read(out, buf + n, sizeof(buf) - n) :
				    read(out, drop, sizeof(drop));

			if (m > 0 && n < sizeof(buf))
				n += (size_t)m;
			else if (m == 0 || (m < 0 && errno != EINTR && errno != EAGAIN))
				close(TAKE_FD(out));
		}
	}
	if (out >= 0)
		close(out);
	close(sfd);
	r->output = health_output(buf, n);
}

/* Run the check once into r. */
static void suph_check(const struct sup_health *h, const struct rt_proc *p,
		       struct health_result *r)
{
	const struct ctr_config *c = h->c;
	struct rt_exec_spec s = { .pid = p->pid, .cg = &p->cg, .user = c->user, .cwd = c->workdir,
				  .policy = h->policy, .groups = &c->tune.groups,
				  .hostpid = c->tune.hostpid };
	struct strv argv = { 0 };
	int pfd[2], status;
	pid_t pid;

	r->exit_code = -1;
	if (health_config_argv(&c->health, &argv) < 0 || pipe2(pfd, O_CLOEXEC) < 0) {
		r->output = xstrdup(err_errno() ? err_str() : "cannot create a pipe");
		return;
	}
	suph_env(c, &s.env);
	s.argv = argv.v;
	if (rt_exec_spawn(&s, pfd[1], &pid, &status) < 0) {
		close(pfd[0]);
		close(pfd[1]);
		r->output = xstrdup(err_str());
		return;
	}
	close(pfd[1]);
	suph_collect(pfd[0], pid,
		     r->start_ns + (c->health.timeout ? c->health.timeout : HEALTH_TIMEOUT), c, r);
}

static bool suph_paused(const char *id)
{
	struct ctr_state st;
	bool paused = ctr_state_load(id, false, &st) == 0 && st.status == CTR_PAUSED;

	ctr_state_clear(&st);
	return paused;
}

/* The prober: one check, its result recorded; exits with the health
 * status, which tells the supervisor when the next is due. */
static NORETURN void suph_probe(const struct sup_health *h, const struct rt_proc *p,
				pid_t sup)
{
	struct health_result r = { .start_ns = ctr_now() };
	autofree char *dir = ctr_dir(h->c->id);
	struct health st;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != sup)
		_exit(0);
	if (health_load(dir, &st) < 0)
		_exit(0);
	/* Paused: its cgroup is frozen, and so would the check be. */
	if (suph_paused(h->c->id))
		_exit(st.status);
	suph_check(h, p, &r);
	r.end_ns = ctr_now();
	health_record(&st, &h->c->health, h->started_ns, &r);
	if (health_save(dir, &st) < 0)
		_exit(0);
	_exit(st.status);
}

void sup_health_tick(struct sup_health *h, const struct rt_proc *p, long long now_ns)
{
	pid_t sup = getpid(), pid;

	if (!h->c)
		return;
	if (h->prober && now_ns >= h->kill_ns) {
		kill(h->prober, SIGKILL);
		h->kill_ns = now_ns + HEALTH_NS_PER_S;	/* reaped before then */
	}
	if (h->prober || now_ns < h->next_ns)
		return;
	pid = fork();
	if (pid == 0)
		suph_probe(h, p, sup);
	if (pid < 0) {	/* try again at the next interval */
		h->next_ns = now_ns + (h->c->health.interval ? h->c->health.interval : HEALTH_INTERVAL);
		return;
	}
	h->prober = pid;
	h->kill_ns = now_ns + (h->c->health.timeout ? h->c->health.timeout : HEALTH_TIMEOUT) +
		     SUPH_GRACE_NS;
}

bool sup_health_reaped(struct sup_health *h, pid_t pid, int st, long long now_ns)
{
	struct health last = { 0 };

	if (!h->prober || pid != h->prober)
		return false;
	h->prober = 0;
	if (WIFEXITED(st))
		last.status = (enum health_status)WEXITSTATUS(st);
	if (h->c)
		h->next_ns = health_next(&h->c->health, &last, h->started_ns, now_ns);
	return true;
}

void sup_health_end(struct sup_health *h)
{
	if (h->prober) {
		kill(h->prober, SIGKILL);
		while (waitpid(h->prober, NULL, 0) < 0 && errno == EINTR)
			;
	}
	*h = (struct sup_health){ 0 };
}
