// SPDX-License-Identifier: Apache-2.0
/* passwd.c - parse passwd(5)/group(5) text. Docker's rules: a numeric uid
 * need not exist (gid 0, home "/"); a name must; a missing group name is
 * an error; supplementary groups list the user by name. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "core/runtime/passwd.h"
#include "core/util/err.h"
#include "core/util/str.h"
#include "core/util/xalloc.h"

enum { PW_FIELDS = 7 };

/* Split a line into at most max ':' fields in place; returns the count. */
static size_t pw_split(char *line, char **f, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < max; i++)
		f[i] = NULL;
	f[n++] = line;
	for (char *p = line; *p && n < max; p++)
		if (*p == ':') {
			*p = '\0';
			f[n++] = p + 1;
		}
	return n;
}

/* Find the line whose field 0 is name (or field 2 is the number id, when
 * name is NULL); fills f (pointing into the copy *buf). */
static bool pw_find(const char *text, const char *name, unsigned long long id, size_t nf,
		    char **f, char **buf)
{
	char *save = NULL;

	if (!text)
		return false;
	*buf = xstrdup(text);
	for (char *l = strtok_r(*buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		unsigned long long v;

		if (pw_split(l, f, nf) < 3)
			continue;
		if (name ? !strcmp(f[0], name) : (!str_to_u64(f[2], UINT32_MAX, &v) && v == id))
			return true;
	}
	free(*buf);
	*buf = NULL;
	return false;
}

static int pw_user(const char *spec, const char *passwd, struct pw_user *out, char **name)
{
	unsigned long long v;
	autofree char *buf = NULL;
	char *f[PW_FIELDS];
	bool numeric = !str_to_u64(spec, UINT32_MAX - 1, &v);

	if (!pw_find(passwd, numeric ? NULL : spec, v, PW_FIELDS, f, &buf)) {
		if (!numeric)
			return err_setx(ENOENT, "unable to find user %s: no matching entries "
					"in passwd file", spec);
		out->uid = (uid_t)v;
		out->home = xstrdup("/");
		return 0;
	}
	if (str_to_u64(f[2], UINT32_MAX - 1, &v) < 0)
		return err_setx(EINVAL, "bad uid for user %s in /etc/passwd", spec);
	out->uid = (uid_t)v;
	if (str_to_u64(f[3] ? f[3] : "", UINT32_MAX - 1, &v) == 0)
		out->gid = (gid_t)v;
	out->home = xstrdup(f[5] && *f[5] ? f[5] : "/");
	*name = xstrdup(f[0]);
	return 0;
}

static int pw_group(const char *spec, const char *group, gid_t *gid)
{
	unsigned long long v;
	autofree char *buf = NULL;
	char *f[4];

	if (!str_to_u64(spec, UINT32_MAX - 1, &v)) {
		*gid = (gid_t)v;
		return 0;
	}
	if (!pw_find(group, spec, 0, 4, f, &buf))
		return err_setx(ENOENT, "unable to find group %s: no matching entries in "
				"group file", spec);
	if (str_to_u64(f[2], UINT32_MAX - 1, &v) < 0)
		return err_setx(EINVAL, "bad gid for group %s in /etc/group", spec);
	*gid = (gid_t)v;
	return 0;
}

/* Groups whose member list (field 3) names user. */
static void pw_supplementary(const char *group, const char *user, struct pw_user *out)
{
	autofree char *buf = NULL;
	char *save = NULL;

	if (!group || !user)
		return;
	buf = xstrdup(group);
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *f[4], *msave = NULL;
		unsigned long long v;

		if (pw_split(l, f, 4) < 4 || str_to_u64(f[2], UINT32_MAX - 1, &v) < 0)
			continue;
		for (char *m = strtok_r(f[3], ",", &msave); m; m = strtok_r(NULL, ",", &msave))
			if (!strcmp(m, user) && out->ngroups < PW_MAX_GROUPS)
				out->groups[out->ngroups++] = (gid_t)v;
	}
}

int pw_resolve(const char *spec, const char *passwd, const char *group, struct pw_user *out)
{
	autofree char *copy = xstrdup(*spec ? spec : "0");
	autofree char *name = NULL;
	char *colon = strchr(copy, ':');

	memset(out, 0, sizeof(*out));
	if (colon)
		*colon = '\0';
	if (!*copy || (colon && !colon[1]))
		return err_setx(EINVAL, "invalid user %s", spec);
	if (pw_user(copy, passwd, out, &name) < 0)
		goto fail;
	if (colon && pw_group(colon + 1, group, &out->gid) < 0)
		goto fail;
	pw_supplementary(group, name, out);
	return 0;
fail:
	pw_user_clear(out);
	return -err_errno();
}

int pw_add_group(const char *spec, const char *group, struct pw_user *u)
{
	gid_t gid;

	if (pw_group(spec, group, &gid) < 0)
		return -err_errno();
	for (size_t i = 0; i < u->ngroups; i++)
		if (u->groups[i] == gid)
			return 0;
	if (u->ngroups == PW_MAX_GROUPS)
		return err_setx(E2BIG, "too many groups (at most %d)", PW_MAX_GROUPS);
	u->groups[u->ngroups++] = gid;
	return 0;
}

void pw_user_clear(struct pw_user *u)
{
	free(u->home);
	u->home = NULL;
}
