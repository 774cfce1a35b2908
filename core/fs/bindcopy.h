// SPDX-License-Identifier: Apache-2.0
/* bindcopy.h - the bind-copy storage driver, for kernels or filesystems
 * without overlay: flattened copies of an image, bind-mounted. */
#ifndef DORY_BINDCOPY_H
#define DORY_BINDCOPY_H

#include "core/util/base.h"

/*
 * Copy the merged view of lowers (top layer first, each in overlay form:
 * a char device 0/0 is a whiteout, trusted.overlay.opaque="y" an opaque
 * dir) into dst, which must be missing or an empty dir. Type, mode,
 * owner, times, xattrs (but trusted.overlay.*), device numbers, symlinks
 * and hardlinks within a layer are kept; no symlink of the source is ever
 * followed. On failure dst is removed again (emptied, if it existed).
 */
int bindcopy_flatten(const char *const *lowers, int n, const char *dst);
/* A copy of a flattened tree, sharing data blocks (FICLONE) where the
 * filesystem can, for a writable container. Same rules for dst. */
int bindcopy_clone(const char *src_flat, const char *dst);
/* Bind src on target, read-only with readonly. */
int bindcopy_mount(const char *src, const char *target, bool readonly);
/* Detach the mount on target; not mounted (or missing) is fine. */
int bindcopy_umount(const char *target);
/* Remove a tree (rm -rf); missing is fine. Refuses (EBUSY) to descend
 * into anything mounted inside, so unmount first. */
int bindcopy_remove(const char *path);

#endif
