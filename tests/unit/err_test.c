// SPDX-License-Identifier: Apache-2.0
#include <errno.h>

#include "core/util/err.h"
#include "tap.h"

TEST(err_set_appends_strerror)
{
	CHECK_EQ_INT(err_set(ENOENT, "open %s", "/x"), -ENOENT);
	CHECK_EQ_STR(err_str(), "open /x: No such file or directory");
	CHECK_EQ_INT(err_errno(), ENOENT);
}

TEST(err_ctx_and_hint_wrap_the_line)
{
	err_setx(EINVAL, "bad size");
	CHECK_EQ_INT(err_ctx("set memory on %s", "c1"), -EINVAL);
	CHECK_EQ_INT(err_hint("use %s", "-m 64m"), -EINVAL);
	CHECK_EQ_STR(err_str(), "set memory on c1: bad size (use -m 64m)");
}

TEST(err_line_is_cut_not_overrun)
{
	char big[600];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	err_setx(EIO, "%s", big);
	err_ctx("%s", big);
	err_hint("%s", big);
	CHECK_EQ_INT(strlen(err_str()), 511);
	err_clear();
	CHECK_EQ_STR(err_str(), "");
	CHECK_EQ_INT(err_errno(), 0);
}
