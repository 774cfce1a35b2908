// SPDX-License-Identifier: Apache-2.0
/* mnt.c - mount helpers. Bind mounts ignore flags on creation, so flags are
 * applied by a second MS_REMOUNT|MS_BIND that keeps the locked ones. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "core/kernel/mnt.h"
#include "core/util/err.h"

int mnt_mount(const char *src, const char *dst, const char *type, unsigned long flags,
	      const char *data)
{
	if (mount(src, dst, type, flags, data) < 0)
		return err_set(errno, "mount %s on %s", type ? type : src, dst);
	return 0;
}

/* statvfs's ST_* flags are the mount flags a remount must keep. */
static unsigned long mnt_locked_flags(const char *path)
{
	static const struct { unsigned long st, ms; } map[] = {
		{ ST_RDONLY, MS_RDONLY }, { ST_NOSUID, MS_NOSUID }, { ST_NODEV, MS_NODEV },
		{ ST_NOEXEC, MS_NOEXEC }, { ST_NOATIME, MS_NOATIME },
		{ ST_NODIRATIME, MS_NODIRATIME }, { ST_RELATIME, MS_RELATIME },
	};
	struct statvfs sv;
	unsigned long f = 0;

	if (statvfs(path, &sv) < 0)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (sv.f_flag & map[i].st)
			f |= map[i].ms;
	return f;
}

static int mnt_remount(const char *dst, unsigned long flags)
{
	flags |= mnt_locked_flags(dst);
	return mnt_mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND | flags, NULL);
}

int mnt_bind(const char *src, const char *dst, bool rec, unsigned long flags)
{
	if (mount(src, dst, NULL, MS_BIND | (rec ? MS_REC : 0), NULL) < 0)
		return err_set(errno, "bind %s on %s", src, dst);
	if (flags)
		return mnt_remount(dst, flags);
	return 0;
}

int mnt_remount_ro(const char *dst)
{
	return mnt_remount(dst, MS_RDONLY);
}

int mnt_mask(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return errno == ENOENT ? 0 : err_set(errno, "stat %s", path);
	if (S_ISDIR(st.st_mode))
		return mnt_mount("tmpfs", path, "tmpfs", MS_RDONLY, "mode=0755");
	return mnt_bind("/dev/null", path, false, 0);
}

int mnt_make_ro(const char *path)
{
	if (access(path, F_OK) < 0)
		return errno == ENOENT ? 0 : err_set(errno, "access %s", path);
	return mnt_bind(path, path, true, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
}

/* Undo mountinfo's octal escapes (space, tab, newline, backslash). */
static void mnt_unescape(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

bool mnt_line_parse(char *line, struct mnt_line *m)
{
	char *f[6], *t, *save = NULL, *end;

	for (int i = 0; i < 6; i++)
		if (!(f[i] = strtok_r(i ? NULL : line, " ", &save)))
			return false;
	while ((t = strtok_r(NULL, " ", &save)) && strcmp(t, "-"))
		;	/* the optional fields, up to a lone "-" */
	m->fstype = t ? strtok_r(NULL, " ", &save) : NULL;
	m->source = m->fstype ? strtok_r(NULL, " ", &save) : NULL;
	m->super = m->source ? strtok_r(NULL, " ", &save) : NULL;
	if (!m->super)
		return false;
	m->id = (int)strtol(f[0], &end, 10);
	if (*end || end == f[0])
		return false;
	m->parent = (int)strtol(f[1], &end, 10);
	if (*end || end == f[1])
		return false;
	m->root = f[3];
	m->point = f[4];
	mnt_unescape(m->root);
	mnt_unescape(m->point);
	return true;
}
