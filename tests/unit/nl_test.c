// SPDX-License-Identifier: Apache-2.0
#include <errno.h>

#include "core/kernel/nl.h"
#include "nsutil.h"
#include "tap.h"

static int lo_up(void)
{
	bool up = true;

	if (nl_link_is_up("lo", &up) < 0 || up)
		return 1;	/* a new namespace's lo starts down */
	if (nl_link_up("lo") < 0 || nl_link_is_up("lo", &up) < 0 || !up)
		return 2;
	if (nl_link_up("dory-nope0") != -ENODEV)
		return 3;
	return 0;
}

TEST(nl_link_up_in_a_new_netns)
{
	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	CHECK_EQ_INT(in_ns(CLONE_NEWNET, lo_up), 0);
}
