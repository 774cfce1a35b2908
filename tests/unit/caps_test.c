// SPDX-License-Identifier: Apache-2.0
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "core/caps.h"
#include "tap.h"

TEST(caps_docker_default_is_dockers_set)
{
	/* The CapEff Docker reports for root in a default container. */
	CHECK_EQ_INT(caps_docker_default(), 0xa80425fbULL);
}

TEST(caps_names_round_trip)
{
	CHECK_EQ_INT(caps_from_name("CAP_CHOWN"), CAP_CHOWN);
	CHECK_EQ_INT(caps_from_name("net_admin"), CAP_NET_ADMIN);
	CHECK_EQ_INT(caps_from_name("CAP_NOPE"), -1);
	CHECK_EQ_STR(caps_name(CAP_SYS_ADMIN), "CAP_SYS_ADMIN");
	CHECK(caps_name(200) == NULL);
	CHECK(caps_last_cap() >= CAP_AUDIT_READ);
}

TEST(caps_apply_limits_a_child)
{
	pid_t pid;
	int st;

	SKIP_IF(geteuid() != 0, "needs root");
	pid = fork();
	if (pid == 0) {
		uint64_t keep = CAPS_BIT(CAP_CHOWN) | CAPS_BIT(CAP_KILL);

		if (caps_drop_bounding(keep) < 0 || caps_apply(keep) < 0)
			_exit(2);
		if (prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN, 0, 0, 0) != 0 ||
		    prctl(PR_CAPBSET_READ, CAP_KILL, 0, 0, 0) != 1)
			_exit(3);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	CHECK_EQ_INT(WEXITSTATUS(st), 0);
}
