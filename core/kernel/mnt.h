// SPDX-License-Identifier: Apache-2.0
/* mnt.h - mount(2) with error context, and the few mount shapes the
 * runtime builds a container from (binds, read-only remounts, masks). */
#ifndef DORY_MNT_H
#define DORY_MNT_H

#include "core/util/base.h"

int mnt_mount(const char *src, const char *dst, const char *type, unsigned long flags,
	      const char *data);
/* Bind src on dst (recursively with rec) and apply the extra flags
 * (MS_RDONLY, MS_NOSUID...) with a remount, as bind mounts need. */
int mnt_bind(const char *src, const char *dst, bool rec, unsigned long flags);
/* Make dst read-only, keeping its other flags; dst must be a mount. */
int mnt_remount_ro(const char *dst);
/* Hide path: /dev/null over a file, an empty read-only tmpfs over a
 * directory; a missing path is fine (Docker's masked paths). */
int mnt_mask(const char *path);
/* Bind path on itself read-only; a missing path is fine. */
int mnt_make_ro(const char *path);

/* One line of /proc/self/mountinfo (proc(5)), split in place: root and
 * point unescaped (mountinfo writes a space as \040). */
struct mnt_line {
	int id, parent;
	char *root, *point, *fstype, *source, *super;
};
/* Split line (modified, one line without its newline); false when it
 * does not have the fields. */
bool mnt_line_parse(char *line, struct mnt_line *m);

#endif
