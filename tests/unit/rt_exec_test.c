// SPDX-License-Identifier: Apache-2.0
/* rt_exec_test.c - exec into a target: a sleeping PID 1 in new pid, mount,
 * uts, ipc and net namespaces on a busybox root (the host's static busybox,
 * copied), as runtime.c would leave a container. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>

#include "core/kernel/caps.h"
#include "core/kernel/cgroup.h"
#include "core/runtime/rootfs.h"
#include "core/runtime/rt_exec.h"
#include "core/runtime/secpol.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "libc-compat/compat.h"
#include "nsutil.h"
#include "tap.h"
#include "fixture.h"

struct target {
	char dir[40];
	pid_t pid;
};

static const char *const tgt_applets[] = {
	"sh", "cat", "hostname", "id", "pwd", "tty", "echo", "sleep", "grep", "kill", "test",
};

static int tgt_copy(const char *from, const char *to)
{
	int in = open(from, O_RDONLY | O_CLOEXEC), out, ok = 0;
	char buf[65536];
	ssize_t n;

	if (in < 0)
		return -1;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	while (out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			ok = -1;
	close(in);
	if (out < 0)
		return -1;
	close(out);
	return ok;
}

static int tgt_write(const char *dir, const char *name, const char *text)
{
	char p[96];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "we");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* A busybox root with a user "app" (1000) and a marker file. */
static int tgt_rootfs(char *dir)
{
	static const char *const dirs[] = { "bin", "etc", "tmp", "home", "home/app" };
	char p[96];

	if (!mkdtemp(dir) || chmod(dir, 0755) < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, dirs[i]);
		if (mkdir(p, 0755) < 0)
			return -1;
	}
	if (chown(p, 1000, 1000) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s/bin/busybox", dir);
	if (tgt_copy("/bin/busybox", p) < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(tgt_applets); i++) {
		snprintf(p, sizeof(p), "%s/bin/%s", dir, tgt_applets[i]);
		if (symlink("busybox", p) < 0)
			return -1;
	}
	return tgt_write(dir, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"
			 "app:x:1000:1000:app:/home/app:/bin/sh\n") |
	       tgt_write(dir, "etc/group", "root:x:0:\napp:x:1000:\n") |
	       tgt_write(dir, "etc/marker", "the target's root\n");
}

static int tgt_rm(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st; (void)flag; (void)f;
	return remove(p);
}

static void tgt_stop(struct target *t)
{
	if (t->pid > 0) {
		kill(t->pid, SIGKILL);
		waitpid(t->pid, NULL, 0);
	}
	t->pid = -1;
	if (t->dir[0])
		nftw(t->dir, tgt_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* The target: PID 1 of its namespaces, pivoted into the root, asleep. */
static int tgt_start(struct target *t)
{
	int p[2];
	char c = 0;

	snprintf(t->dir, sizeof(t->dir), "/tmp/dory-exec-XXXXXX");
	t->pid = -1;
	if (tgt_rootfs(t->dir) < 0 || pipe2(p, O_CLOEXEC) < 0)
		return -1;
	t->pid = compat_clone_fork(CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC |
				   CLONE_NEWNET);
	if (t->pid == 0) {
		close(p[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		if (sethostname("exectest", 8) < 0 || rootfs_enter(t->dir) < 0)
			_exit(1);
		if (write(p[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	if (t->pid > 0 && read(p[0], &c, 1) != 1)
		c = 0;
	close(p[0]);
	return c == 'r' ? 0 : -1;
}

static struct secpol tgt_policy;

static struct rt_exec_spec tgt_spec(const struct target *t, char **argv)
{
	uint64_t caps = caps_docker_default() & caps_all();

	tgt_policy = (struct secpol){ .caps = { .eff = caps, .prm = caps, .bnd = caps },
				      .no_new_privs = true };
	return (struct rt_exec_spec){ .pid = t->pid, .argv = argv, .policy = &tgt_policy };
}

/* rt_exec with our stdout captured into out. */
static int tgt_exec(const struct rt_exec_spec *s, char *out, size_t n, int *status)
{
	char path[] = "/tmp/dory-exec-out-XXXXXX";
	int fd = mkostemp(path, O_CLOEXEC), saved, r;
	ssize_t got;

	out[0] = '\0';
	if (fd < 0)
		return -1000;
	unlink(path);
	fflush(stdout);
	saved = dup(1);
	dup2(fd, 1);
	r = rt_exec(s, status);
	dup2(saved, 1);
	close(saved);
	got = pread(fd, out, n - 1, 0);
	out[got > 0 ? got : 0] = '\0';
	close(fd);
	return r;
}

TEST(rt_exec_sees_the_targets_hostname_root_and_pids)
{
	char *host[] = { "hostname", NULL }, *cat[] = { "cat", "/etc/marker", NULL };
	char *procs[] = { "sh", "-c", "echo /proc/[0-9]*", NULL };
	char *fds[] = { "sh", "-c", "cd /proc/$$/fd && echo *", NULL };
	struct target t = { 0 };
	struct rt_exec_spec s;
	char out[512], c;
	int status = -1, pid = 0, stray;

	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	CHECK_EQ_INT(tgt_start(&t), 0);
	s = tgt_spec(&t, host);
	CHECK_EQ_INT(tgt_exec(&s, out, sizeof(out), &status), 0);
	CHECK_EQ_INT(status, 0);
	CHECK_EQ_STR(out, "exectest\n");
	s.argv = cat;
	CHECK_EQ_INT(tgt_exec(&s, out, sizeof(out), &status), 0);
	CHECK_EQ_STR(out, "the target's root\n");
	/* Its own pid namespace: the target is 1, and the shell (no
	 * intermediate in between) the only other one. */
	/* No descriptor of ours but stdio (this one is not close-on-exec). */
	stray = open("/", O_PATH);
	s.argv = fds;
	CHECK_EQ_INT(tgt_exec(&s, out, sizeof(out), &status), 0);
	CHECK_EQ_STR(out, "0 1 2 3\n");	/* 3: the directory read */
	close(stray);
	s.argv = procs;
	CHECK_EQ_INT(tgt_exec(&s, out, sizeof(out), &status), 0);
	CHECK(sscanf(out, "/proc/1 /proc/%d\n%c", &pid, &c) == 1 && pid > 1);
	tgt_stop(&t);
}

TEST(rt_exec_exit_codes)
{
	char *three[] = { "sh", "-c", "exit 3", NULL }, *nope[] = { "nope", NULL };
	char *noexec[] = { "/etc/marker", NULL }, *killed[] = { "sh", "-c", "kill -9 $$", NULL };
	struct target t = { 0 };
	struct rt_exec_spec s;
	char out[512];
	int status = -1;

	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	CHECK_EQ_INT(tgt_start(&t), 0);
	s = tgt_spec(&t, three);
	CHECK_EQ_INT(tgt_exec(&s, out, sizeof(out), &status), 0);
	CHECK_EQ_INT(status, 3);
	s.argv = killed;
	CHECK_EQ_INT(tgt_exec(&s, out, sizeof(out), &status), 0);
	CHECK_EQ_INT(status, 137);
	s.argv = nope;
	CHECK(tgt_exec(&s, out, sizeof(out), &status) < 0);
	CHECK_EQ_INT(status, 127);
	CHECK_EQ_STR(err_str(), "exec: \"nope\": executable file not found in $PATH");
	s.argv = noexec;
	CHECK(tgt_exec(&s, out, sizeof(out), &status) < 0);
	CHECK_EQ_INT(status, 126);
	s.argv = three;
	s.cwd = "/nowhere";
	CHECK(tgt_exec(&s, out, sizeof(out), &status) < 0);
	CHECK_EQ_INT(status, 126);
	CHECK_EQ_STR(err_str(), "working directory /nowhere: No such file or directory");
	tgt_stop(&t);
}

TEST(rt_exec_user_workdir_env_and_caps)
{
	char *argv[] = { "sh", "-c", "id -u; id -g; pwd; echo $HOME $FOO; "
			 "grep CapEff /proc/self/status", NULL };
	char *envv[] = { "FOO=bar", NULL };
	struct target t = { 0 };
	struct rt_exec_spec s;
	char out[512], want[160];
	int status = -1;

	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	CHECK_EQ_INT(tgt_start(&t), 0);
	s = tgt_spec(&t, argv);
	s.env = (struct strv){ envv, 1 };
	CHECK_EQ_INT(tgt_exec(&s, out, sizeof(out), &status), 0);
	snprintf(want, sizeof(want), "0\n0\n/\n/root bar\nCapEff:\t%016llx\n",
		 (unsigned long long)s.policy->caps.eff);
	CHECK_EQ_STR(out, want);
	/* A user other than root keeps no capability across execve (no
	 * ambient set), as with Docker. */
	s.user = "app";
	s.cwd = "/tmp";
	CHECK_EQ_INT(tgt_exec(&s, out, sizeof(out), &status), 0);
	CHECK_EQ_INT(status, 0);
	CHECK_EQ_STR(out, "1000\n1000\n/tmp\n/home/app bar\nCapEff:\t0000000000000000\n");
	tgt_stop(&t);
}

TEST(rt_exec_joins_the_cgroup)
{
	char *argv[] = { "cat", "/proc/self/cgroup", NULL };
	struct target t = { 0 };
	struct rt_exec_spec s;
	char out[2048], name[40], proc[32];
	autofree char *want = NULL;
	struct cg cg;
	int status = -1, r;

	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	snprintf(name, sizeof(name), "dory-exectest-%d", (int)getpid());
	r = cg_create(fix_cg_parent(), name, NULL, &cg);
	SKIP_IF(r == -ENODEV, "no cgroup hierarchy mounted");
	CHECK_EQ_INT(r, 0);
	CHECK_EQ_INT(tgt_start(&t), 0);
	CHECK_EQ_INT(cg_add_pid(&cg, t.pid), 0);
	s = tgt_spec(&t, argv);
	s.cg = &cg;
	CHECK_EQ_INT(tgt_exec(&s, out, sizeof(out), &status), 0);
	snprintf(proc, sizeof(proc), "/proc/%d/cgroup", (int)t.pid);
	CHECK_EQ_INT(fsutil_read_file(proc, &want), 0);
	CHECK_EQ_STR(out, want);
	CHECK(strstr(out, name) != NULL);
	tgt_stop(&t);
	CHECK_EQ_INT(cg_destroy(&cg), 0);
	cg_free(&cg);
	fix_cg_parent_rm();
}

TEST(rt_exec_tty_is_a_pty_of_the_container)
{
	char *argv[] = { "sh", "-c", "tty; test -t 0 && test -t 2 && echo both", NULL };
	char *nope[] = { "nope", NULL };
	struct target t = { 0 };
	struct rt_exec_spec s;
	char out[512];
	int status = -1;

	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	CHECK_EQ_INT(tgt_start(&t), 0);
	s = tgt_spec(&t, argv);
	s.tty = true;
	CHECK_EQ_INT(tgt_exec(&s, out, sizeof(out), &status), 0);
	CHECK_EQ_INT(status, 0);
	CHECK_EQ_STR(out, "/dev/pts/0\r\nboth\r\n");
	s.argv = nope;
	CHECK(tgt_exec(&s, out, sizeof(out), &status) < 0);
	CHECK_EQ_INT(status, 127);
	tgt_stop(&t);
}

/* Wait up to 2 s for an orphan reparented to us (a subreaper). */
static pid_t tgt_reap_orphan(void)
{
	pid_t pid = 0;

	for (int i = 0; i < 100 && pid <= 0; i++) {
		pid = waitpid(-1, NULL, WNOHANG);
		if (pid <= 0)
			nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
	}
	return pid;
}

/* Detached: back once it has exec'd, and reaped by the nearest subreaper
 * (here we are one) rather than left a zombie. */
TEST(rt_exec_detach_returns_and_is_reaped_elsewhere)
{
	char *argv[] = { "sh", "-c", "sleep 0.3; echo done >/tmp/detached", NULL };
	char *nope[] = { "nope", NULL };
	struct target t = { 0 };
	struct rt_exec_spec s;
	char out[512], p[80];
	int status = -1;
	pid_t orphan;

	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	CHECK_EQ_INT(tgt_start(&t), 0);
	CHECK_EQ_INT(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
	s = tgt_spec(&t, argv);
	s.detach = true;
	CHECK_EQ_INT(tgt_exec(&s, out, sizeof(out), &status), 0);
	CHECK_EQ_INT(status, 0);
	snprintf(p, sizeof(p), "%s/tmp/detached", t.dir);
	CHECK(access(p, F_OK) < 0);
	orphan = tgt_reap_orphan();
	CHECK(orphan > 0 && orphan != t.pid);
	CHECK_EQ_INT(access(p, F_OK), 0);
	s.argv = nope;
	CHECK(tgt_exec(&s, out, sizeof(out), &status) < 0);
	CHECK_EQ_INT(status, 127);
	/* The target cannot die while a zombie of its namespace is ours. */
	CHECK(tgt_reap_orphan() > 0);
	prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
	tgt_stop(&t);
}

TEST(rt_exec_refuses_a_gone_or_host_process)
{
	char *argv[] = { "true", NULL };
	struct rt_exec_spec s = { .argv = argv };
	int status = -1;
	pid_t dead;

	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	dead = fork();
	if (dead == 0)
		_exit(0);
	waitpid(dead, NULL, 0);
	s.pid = dead;
	CHECK(rt_exec(&s, &status) < 0);
	CHECK_EQ_INT(status, 125);
	CHECK(strstr(err_str(), "is gone") != NULL);
	s.pid = getpid();
	CHECK(rt_exec(&s, &status) < 0);
	CHECK_EQ_INT(status, 125);
	CHECK(strstr(err_str(), "not a container's init") != NULL);
}
