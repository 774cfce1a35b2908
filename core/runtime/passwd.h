// SPDX-License-Identifier: Apache-2.0
/* passwd.h - resolving `-u USER[:GROUP]` the way Docker does, against the
 * container's own /etc/passwd and /etc/group (never the host's). */
#ifndef DORY_PASSWD_H
#define DORY_PASSWD_H

#include <sys/types.h>

#include "core/util/base.h"

enum { PW_MAX_GROUPS = 64 };

struct pw_user {
	uid_t uid;
	gid_t gid;
	char *home;			/* allocated; "/" when unknown */
	size_t ngroups;			/* supplementary groups from /etc/group */
	gid_t groups[PW_MAX_GROUPS];
};

/* spec is "" (root), "uid", "name", "uid:gid", "name:group"...; passwd and
 * group are the files' text (NULL when missing). */
int pw_resolve(const char *spec, const char *passwd, const char *group, struct pw_user *out);
/* One more supplementary group (--group-add): a gid, or a name in group's
 * text; -ENOENT for a name it lacks. */
int pw_add_group(const char *spec, const char *group, struct pw_user *u);
void pw_user_clear(struct pw_user *u);

#endif
