// SPDX-License-Identifier: Apache-2.0
/* overlay.h - the overlay storage driver: an image's layers as overlayfs
 * lowerdirs under a container's upper dir. Unpacking is layer.c's job. */
#ifndef DORY_OVERLAY_H
#define DORY_OVERLAY_H

#include "core/base.h"

/* Whether overlayfs works with upper and work dirs on dir's filesystem:
 * kernel support, trusted xattrs, whiteouts, a real test mount in a scratch
 * dir under dir (removed again). When not, why gets one line saying why. */
bool overlay_usable(const char *dir, char *why, size_t whylen);

/*
 * Mount on target the union of lowers (top layer first; absolute paths),
 * under upper with its work dir (same filesystem, both absolute), or
 * read-only from the lowers alone when upper is NULL (work is then unused;
 * one lower is a read-only bind mount). readonly makes a mount with an
 * upper read-only too. Options: index=off, redirect_dir=nofollow,
 * metacopy=off (layers come from untrusted tars). Linux 6.8+ takes any
 * number of layers through fsconfig "lowerdir+"; older kernels fall back to
 * overlay_mount_legacy().
 */
int overlay_mount(const char *const *lowers, int nlowers, const char *upper, const char *work,
		  const char *target, bool readonly);
/* The same through mount(2), whose options must fit one page: when the
 * paths do not, they are passed as short names of symlinks in a scratch
 * dir inside target (removed after the mount), which fits about 500 layers,
 * overlayfs's own limit. Exposed for kernels before 6.8 and for tests. */
int overlay_mount_legacy(const char *const *lowers, int nlowers, const char *upper,
			 const char *work, const char *target, bool readonly);
/* Detach the mount on target; not mounted (or missing) is fine. */
int overlay_umount(const char *target);

#endif
