// SPDX-License-Identifier: Apache-2.0
/* inroot.h - open (or make) a path inside a directory taken as the root, as
 * a process chrooted there would, never leaving it. Walking trees is
 * others'. */
#ifndef DORY_INROOT_H
#define DORY_INROOT_H

#include <sys/types.h>

#include "core/util/base.h"

/*
 * An O_PATH descriptor of path resolved inside rootfd: "/" and ".." stop
 * at rootfd, absolute symlinks start again from it, magic links (/proc's)
 * are refused, at most 40 symlinks. The last component is followed when
 * follow, else a symlink there is opened itself. openat2 RESOLVE_IN_ROOT
 * where the kernel has it (5.6), else a walk one component at a time with
 * O_NOFOLLOW that follows symlinks by hand. -errno recorded ("path: why").
 */
int inroot_open(int rootfd, const char *path, bool follow);
/*
 * As inroot_open(rootfd, path, true), making what is missing on the way:
 * directories with mode, the last component a directory when dir, else an
 * empty file (mode less its x bits). A dangling symlink is followed, inside
 * the root, and what it names is made.
 */
int inroot_make(int rootfd, const char *path, bool dir, mode_t mode);
/* Tests: always take the walk (as on kernels before 5.6). */
void inroot_force_walk(bool on);

#endif
