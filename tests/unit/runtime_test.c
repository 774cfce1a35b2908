// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/kernel/caps.h"
#include "core/runtime/runtime.h"
#include "core/runtime/secpol.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "nsutil.h"
#include "tap.h"
#include "fixture.h"

TEST(rt_new_id_is_64_hex_and_random)
{
	char a[RT_ID_LEN + 1], b[RT_ID_LEN + 1];

	CHECK_EQ_INT(rt_new_id(a), 0);
	CHECK_EQ_INT(rt_new_id(b), 0);
	CHECK_EQ_INT(strlen(a), 64);
	CHECK_EQ_INT(strspn(a, "0123456789abcdef"), 64);
	CHECK(strcmp(a, b) != 0);
}

/* A real container on an empty root: the command cannot be found, which
 * exercises every step up to execve and the error path back. */
TEST(rt_run_reports_not_found_and_cleans_up)
{
	char dir[] = "/tmp/dory-rt-XXXXXX", p[192];
	char *argv1[] = { "nope", NULL }, *argv2[] = { "/bin/nope", NULL };
	const struct secpol pol = { .caps = { .eff = caps_docker_default(),
					      .prm = caps_docker_default(),
					      .bnd = caps_docker_default() },
				    .no_new_privs = true };
	struct rt_spec s = { .hostname = "unit", .policy = &pol, .cgroup_parent = fix_cg_parent() };
	int status = 0;

	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	CHECK(mkdtemp(dir) != NULL);
	CHECK_EQ_INT(rt_new_id(s.id), 0);
	s.rootfs = dir;
	s.argv = argv1;
	CHECK(rt_run(&s, &status) < 0);
	CHECK_EQ_INT(status, 127);
	CHECK(strstr(err_str(), "executable file not found in $PATH") != NULL);
	s.argv = argv2;
	CHECK(rt_run(&s, &status) < 0);
	CHECK_EQ_INT(status, 127);
	for (const char *const *d = (const char *const[]){ "proc", "sys", "dev", NULL }; *d; d++) {
		snprintf(p, sizeof(p), "%s/%s", dir, *d);
		CHECK_EQ_INT(rmdir(p), 0);
	}
	CHECK_EQ_INT(rmdir(dir), 0);
	snprintf(p, sizeof(p), "/sys/fs/cgroup/pids/%s/%s", fix_cg_parent(), s.id);
	CHECK(access(p, F_OK) < 0);
	fix_cg_parent_rm();
}

/* Binds: mount points are made in the root as the container sees it; a
 * dangling symlink of the image's leads inside the root, never to the
 * host's path of the same name. */
TEST(rt_run_binds_stay_in_the_root)
{
	char dir[] = "/tmp/dory-rtb-XXXXXX", src[] = "/tmp/dory-rtb-src-XXXXXX", p[256];
	char *argv[] = { "nope", NULL };
	const struct secpol pol = { .caps = { .eff = caps_docker_default(),
					      .prm = caps_docker_default(),
					      .bnd = caps_docker_default() },
				    .no_new_privs = true };
	struct rt_bind binds[] = { { .src = src, .dst = "/etc/hosts", .optional = true },
				   { .src = src, .dst = "/a/b/file" },
				   { .src = "/tmp", .dst = "/data/tmp", .ro = true } };
	struct rt_spec s = { .hostname = "unit", .policy = &pol, .cgroup_parent = fix_cg_parent(),
			     .binds = binds, .nbinds = 3 };
	struct stat st;
	int status = 0, fd;

	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	CHECK(mkdtemp(dir) != NULL);
	fd = mkstemp(src);
	CHECK(fd >= 0);
	close(fd);
	snprintf(p, sizeof(p), "%s/etc", dir);
	CHECK_EQ_INT(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/etc/hosts", dir);
	/* a dangling link to a path outside the root */
	CHECK_EQ_INT(symlink("/tmp/dory-rtb-outside/hosts", p), 0);
	CHECK_EQ_INT(rt_new_id(s.id), 0);
	s.rootfs = dir;
	s.argv = argv;
	CHECK(rt_run(&s, &status) < 0);
	CHECK_EQ_INT(status, 127);	/* every bind made, then exec failed */
	if (status != 127)
		printf("# %s\n", err_str());
	CHECK(access("/tmp/dory-rtb-outside", F_OK) < 0);
	snprintf(p, sizeof(p), "%s/tmp/dory-rtb-outside/hosts", dir);
	CHECK_EQ_INT(access(p, F_OK), 0);
	snprintf(p, sizeof(p), "%s/a/b/file", dir);
	CHECK(stat(p, &st) == 0 && S_ISREG(st.st_mode));
	snprintf(p, sizeof(p), "%s/data/tmp", dir);	/* a directory's mount point */
	CHECK(stat(p, &st) == 0 && S_ISDIR(st.st_mode));
	snprintf(p, sizeof(p), "rm -rf '%s' '%s'", dir, src);
	CHECK_EQ_INT(system(p), 0);
	fix_cg_parent_rm();
}

/* Signals ignored before it, real-time ones and the ones libcs keep for
 * their threads (32, 33, 34) too, are defaults after rt_child_signals. */
TEST(rt_child_signals_resets_the_ignored)
{
	static const int sigs[] = { SIGHUP, SIGPIPE, 32, 33, 34, 40 };
	pid_t pid;
	int st = 0;

	SKIP_IF(getenv("DORY_UNIT_QEMU"), "qemu-user keeps the dispositions of its own host process");
	pid = fork();
	if (pid == 0) {
		unsigned long long ign[8] = { (unsigned long long)(uintptr_t)SIG_IGN };
		char *text = NULL, *l;

		for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
			syscall(SYS_rt_sigaction, sigs[i], ign, NULL, (size_t)(NSIG - 1) / 8);
		rt_child_signals();
		if (fsutil_read_file("/proc/self/status", &text) < 0 ||
		    !(l = strstr(text, "\nSigIgn:")))
			_exit(2);
		_exit(strtoull(l + 8, NULL, 16) == 0 ? 0 : 1);
	}
	CHECK(pid > 0);
	CHECK_EQ_INT(waitpid(pid, &st, 0), pid);
	CHECK(WIFEXITED(st));
	CHECK_EQ_INT(WEXITSTATUS(st), 0);
}
