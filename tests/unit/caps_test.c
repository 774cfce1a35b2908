// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "core/kernel/caps.h"
#include "core/util/err.h"
#include "core/util/str.h"
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
		struct caps_sets s = { .eff = keep, .prm = keep, .inh = CAPS_BIT(CAP_KILL),
				       .bnd = keep, .amb = CAPS_BIT(CAP_KILL) };

		if (caps_drop_bounding(keep) < 0 || caps_apply(&s) < 0)
			_exit(2);
		if (prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN, 0, 0, 0) != 0 ||
		    prctl(PR_CAPBSET_READ, CAP_KILL, 0, 0, 0) != 1)
			_exit(3);
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_KILL, 0, 0) != 1 ||
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_CHOWN, 0, 0) != 0)
			_exit(4);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	CHECK_EQ_INT(WEXITSTATUS(st), 0);
}

TEST(caps_parse_name_errors)
{
	int c = -1;

	CHECK_EQ_INT(caps_parse_name("cap_net_raw", &c), 0);
	CHECK_EQ_INT(c, CAP_NET_RAW);
	CHECK_EQ_INT(caps_parse_name("Sys_Admin", &c), 0);
	CHECK_EQ_INT(c, CAP_SYS_ADMIN);
	CHECK_EQ_INT(caps_parse_name("CAP_BOGUS", &c), -EINVAL);
	CHECK(strstr(err_str(), "\"CAP_BOGUS\"") != NULL);
	CHECK_EQ_INT(caps_parse_name("", &c), -EINVAL);
}

TEST(caps_all_covers_the_kernel)
{
	CHECK_EQ_INT(caps_all() & CAPS_BIT(CAP_AUDIT_READ), CAPS_BIT(CAP_AUDIT_READ));
	CHECK_EQ_INT(caps_all() >> (caps_last_cap() + 1), 0);
}

/* Parse a space-separated list into sv. */
static void list(struct strv *sv, char *s)
{
	for (char *t = strtok(s, " "); t; t = strtok(NULL, " "))
		strv_push(sv, t);
}

static int adjust(const char *add, const char *drop, uint64_t *out)
{
	struct strv a = { 0 }, d = { 0 };
	char ab[128], db[128];
	int r;

	snprintf(ab, sizeof(ab), "%s", add);
	snprintf(db, sizeof(db), "%s", drop);
	list(&a, ab);
	list(&d, db);
	r = caps_adjust(caps_docker_default(), &a, &d, out);
	strv_free(&a);
	strv_free(&d);
	return r;
}

TEST(caps_adjust_docker_rules)
{
	uint64_t def = caps_docker_default(), out = 0;

	CHECK_EQ_INT(adjust("", "", &out), 0);
	CHECK_EQ_INT(out, def);
	CHECK_EQ_INT(adjust("SYS_ADMIN", "", &out), 0);
	CHECK_EQ_INT(out, def | CAPS_BIT(CAP_SYS_ADMIN));
	CHECK_EQ_INT(adjust("", "chown", &out), 0);
	CHECK_EQ_INT(out, def & ~CAPS_BIT(CAP_CHOWN));
	CHECK_EQ_INT(adjust("NET_BIND_SERVICE", "ALL", &out), 0);
	CHECK_EQ_INT(out, CAPS_BIT(CAP_NET_BIND_SERVICE));
	CHECK_EQ_INT(adjust("", "all", &out), 0);
	CHECK_EQ_INT(out, 0);
	CHECK_EQ_INT(adjust("ALL", "CAP_KILL", &out), 0);
	CHECK_EQ_INT(out, caps_all() & ~CAPS_BIT(CAP_KILL));
	/* drops first, then adds: a cap in both stays */
	CHECK_EQ_INT(adjust("NET_ADMIN", "NET_ADMIN", &out), 0);
	CHECK_EQ_INT(out, def | CAPS_BIT(CAP_NET_ADMIN));
	CHECK_EQ_INT(caps_adjust(def, NULL, NULL, &out), 0);
	CHECK_EQ_INT(out, def);
}

TEST(caps_adjust_unknown_name)
{
	uint64_t out = 7;

	CHECK_EQ_INT(adjust("NET_ADMIN FOO", "", &out), -EINVAL);
	CHECK(strstr(err_str(), "\"FOO\"") != NULL);
	CHECK(strstr(err_str(), "to add") != NULL);
	CHECK_EQ_INT(adjust("", "CAP_NOPE", &out), -EINVAL);
	CHECK(strstr(err_str(), "\"CAP_NOPE\"") != NULL);
	CHECK(strstr(err_str(), "to drop") != NULL);
}

TEST(caps_held_reads_the_permitted_set)
{
	uint64_t held = 0;

	CHECK_EQ_INT(caps_held(&held), 0);
	if (geteuid() == 0)
		CHECK(held & CAPS_BIT(CAP_CHOWN));
}
