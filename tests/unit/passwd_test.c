// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <string.h>

#include "core/runtime/passwd.h"
#include "core/util/err.h"
#include "tap.h"

static const char pw[] = "root:x:0:0:root:/root:/bin/sh\n"
			 "app:x:1000:1001:App:/home/app:/bin/sh\n"
			 "short:x:7\n";
static const char gr[] = "root:x:0:\nstaff:x:50:app,bob\napp:x:1001:\nwheel:x:10:app\n";

TEST(pw_resolve_by_name)
{
	struct pw_user u;

	CHECK_EQ_INT(pw_resolve("app", pw, gr, &u), 0);
	CHECK_EQ_INT(u.uid, 1000);
	CHECK_EQ_INT(u.gid, 1001);
	CHECK_EQ_STR(u.home, "/home/app");
	CHECK_EQ_INT(u.ngroups, 2);
	CHECK_EQ_INT(u.groups[0], 50);
	CHECK_EQ_INT(u.groups[1], 10);
	pw_user_clear(&u);
}

TEST(pw_resolve_numbers_need_no_entry)
{
	struct pw_user u;

	CHECK_EQ_INT(pw_resolve("4242:77", pw, gr, &u), 0);
	CHECK_EQ_INT(u.uid, 4242);
	CHECK_EQ_INT(u.gid, 77);
	CHECK_EQ_STR(u.home, "/");
	pw_user_clear(&u);
	CHECK_EQ_INT(pw_resolve("", NULL, NULL, &u), 0);
	CHECK_EQ_INT(u.uid, 0);
	pw_user_clear(&u);
	CHECK_EQ_INT(pw_resolve("1000:staff", pw, gr, &u), 0);
	CHECK_EQ_INT(u.gid, 50);
	pw_user_clear(&u);
	CHECK_EQ_INT(pw_resolve("short", pw, gr, &u), 0);
	CHECK_EQ_INT(u.uid, 7);
	CHECK_EQ_STR(u.home, "/");
	pw_user_clear(&u);
}

TEST(pw_resolve_errors)
{
	struct pw_user u;

	CHECK_EQ_INT(pw_resolve("nobody", pw, gr, &u), -ENOENT);
	CHECK_EQ_INT(pw_resolve("app:nogroup", pw, gr, &u), -ENOENT);
	CHECK_EQ_INT(pw_resolve("app:", pw, gr, &u), -EINVAL);
	CHECK_EQ_INT(pw_resolve(":1", pw, gr, &u), -EINVAL);
	CHECK_EQ_INT(pw_resolve("app", NULL, NULL, &u), -ENOENT);
}

TEST(pw_add_group_by_name_and_number)
{
	struct pw_user u;

	CHECK_EQ_INT(pw_resolve("root", pw, gr, &u), 0);
	CHECK_EQ_INT(u.ngroups, 0);
	CHECK_EQ_INT(pw_add_group("wheel", gr, &u), 0);
	CHECK_EQ_INT(pw_add_group("4242", gr, &u), 0);
	CHECK_EQ_INT(pw_add_group("10", gr, &u), 0);	/* already there: once */
	CHECK_EQ_INT(u.ngroups, 2);
	CHECK_EQ_INT(u.groups[0], 10);
	CHECK_EQ_INT(u.groups[1], 4242);
	CHECK_EQ_INT(pw_add_group("nosuch", gr, &u), -ENOENT);
	CHECK(strstr(err_str(), "unable to find group nosuch"));
	CHECK_EQ_INT(pw_add_group("staff", NULL, &u), -ENOENT);
	pw_user_clear(&u);
}
