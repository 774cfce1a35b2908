// SPDX-License-Identifier: Apache-2.0
/* rt_tune_test.c - --ulimit's grammar and bounds, the sysctls Docker lets
 * a container set, --oom-score-adj's range, and their application in a
 * child (limits and OOM score; sysctls need namespaces of its own). */
#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/runtime/rt_tune.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/xalloc.h"
#include "tap.h"

TEST(rt_ulimit_parse_docker_grammar)
{
	struct rt_ulimit u;

	CHECK_EQ_INT(rt_ulimit_parse("nofile=100:200", &u), 0);
	CHECK_EQ_INT(u.resource, RLIMIT_NOFILE);
	CHECK_EQ_INT(u.soft, 100);
	CHECK_EQ_INT(u.hard, 200);
	CHECK_EQ_INT(rt_ulimit_parse("nofile=64", &u), 0);
	CHECK(u.soft == 64 && u.hard == 64);
	CHECK_EQ_INT(rt_ulimit_parse("core=0:-1", &u), 0);
	CHECK(u.resource == RLIMIT_CORE && u.soft == 0);
	CHECK_EQ_STR(rt_ulimit_name(RLIMIT_STACK), "stack");
	CHECK_EQ_INT(rt_ulimit_resource("sigpending"), RLIMIT_SIGPENDING);
	CHECK_EQ_INT(rt_ulimit_resource("bogus"), -1);
}

TEST(rt_ulimit_parse_bad)
{
	static const char *const bad[][2] = {
		{ "nofile", "invalid ulimit argument: nofile" },
		{ "bogus=1", "invalid ulimit type: bogus" },
		{ "nofile=x", "invalid ulimit argument: nofile=x" },
		{ "nofile=1:", "invalid ulimit argument" },
		{ "nofile=-2", "invalid ulimit argument" },
		{ "nofile=20:10", "soft limit must be less than or equal to hard limit: 20 > 10" },
		{ "nofile=-1:10", "soft limit must be less than or equal to hard limit: -1 > 10" },
	};
	struct rt_ulimit u;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		CHECK(rt_ulimit_parse(bad[i][0], &u) < 0);
		CHECK(strstr(err_str(), bad[i][1]));
	}
}

TEST(rt_ulimit_parse_not_above_own_hard_limit)
{
	struct rlimit r;
	char spec[64];
	struct rt_ulimit u;

	CHECK_EQ_INT(getrlimit(RLIMIT_NOFILE, &r), 0);
	SKIP_IF(r.rlim_max == RLIM_INFINITY, "no hard limit on open files here");
	snprintf(spec, sizeof(spec), "nofile=1:%llu", (unsigned long long)r.rlim_max + 1);
	CHECK_EQ_INT(rt_ulimit_parse(spec, &u), -EPERM);
	CHECK(strstr(err_str(), "above this system's hard limit"));
	snprintf(spec, sizeof(spec), "nofile=1:%llu", (unsigned long long)r.rlim_max);
	CHECK_EQ_INT(rt_ulimit_parse(spec, &u), 0);
}

TEST(rt_sysctl_check_docker_rules)
{
	static const char *const ok[] = {
		"kernel.msgmax=1", "kernel.sem=250 32000 32 128", "kernel.shm_rmid_forced=1",
		"fs.mqueue.msg_max=20", "net.ipv4.ip_forward=1", "net.core.somaxconn=1024",
	};
	static const char *const bad[][2] = {
		{ "kernel.hostname=x", "is not allowed" }, { "vm.swappiness=1", "is not allowed" },
		{ "kernel.msgmaxx=1", "is not allowed" }, { "net.ipv4.ip_forward", "invalid" },
		{ "net/../../x=1", "invalid" }, { "net..x=1", "invalid" },
		{ ".net.x=1", "invalid" }, { "=1", "invalid" }, { "net.x=1\n2", "invalid" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(ok); i++)
		CHECK_EQ_INT(rt_sysctl_check(ok[i], true), 0);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		CHECK_EQ_INT(rt_sysctl_check(bad[i][0], true), -EINVAL);
		CHECK(strstr(err_str(), bad[i][1]));
	}
	CHECK_EQ_INT(rt_sysctl_check("net.ipv4.ip_forward=1", false), -EINVAL);
	CHECK(strstr(err_str(), "not allowed in host network namespace"));
	CHECK_EQ_INT(rt_sysctl_check("kernel.shmmax=1", false), 0);
}

TEST(rt_oom_check_range)
{
	CHECK_EQ_INT(rt_oom_check(1001), -EINVAL);
	CHECK_EQ_INT(rt_oom_check(-1001), -EINVAL);
	CHECK(strstr(err_str(), "-1000 to 1000"));
	CHECK_EQ_INT(rt_oom_check(1000), 0);
}

/* In a child: the limits and the score are what the process has after. */
TEST(rt_tune_apply_limits_and_score)
{
	/* not NOFILE, STACK or DATA, which valgrind keeps for itself */
	struct rt_ulimit u[1] = { { RLIMIT_MSGQUEUE, 64, 128 } };
	const struct rt_tune t = { .ulimits = u, .nulimits = 1, .oom_score_adj = 999,
				   .oom_set = true };
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		autofree char *adj = NULL;
		struct rlimit r;

		if (rt_tune_apply(&t) < 0 || getrlimit(RLIMIT_MSGQUEUE, &r) < 0 ||
		    r.rlim_cur != 64 || r.rlim_max != 128 ||
		    fsutil_read_file("/proc/self/oom_score_adj", &adj) < 0 || strcmp(adj, "999\n"))
			_exit(1);
		_exit(0);
	}
	CHECK(pid > 0);
	CHECK_EQ_INT(waitpid(pid, &st, 0), pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

TEST(rt_tune_clear_frees_and_zeroes)
{
	struct rt_tune t = { .ulimits = xzalloc(sizeof(struct rt_ulimit)), .nulimits = 1,
			     .hostpid = true };

	strv_push(&t.sysctls, "net.x=1");
	strv_push(&t.groups, "1");
	rt_tune_clear(&t);
	CHECK(!t.ulimits && !t.nulimits && !t.sysctls.n && !t.groups.n && !t.hostpid);
	rt_tune_clear(&t);
}
