// SPDX-License-Identifier: Apache-2.0
/* overlay.h - the overlay storage driver: an image's layers as overlayfs
 * lowerdirs under a container's upper dir. Unpacking is layer.c's job. */
#ifndef DORY_OVERLAY_H
#define DORY_OVERLAY_H

#include "core/util/base.h"

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

/* The new mount API's steps that overlay_mount() and userns.c's overlay
 * of idmapped layers share, on an fsopen("overlay") context fd: */
/* The context's last error line, "overlay: ..." ("" if none), or with
 * msg NULL just drain the log. */
void overlay_fslog(int fd, char *msg, size_t n);
/* Record errnum for the step what, with the kernel's message from the
 * log when there is one ("what: msg: strerror"); returns -errnum. */
int overlay_fsfail(int fd, int errnum, const char *what);
/* After the lowers: the safety options above, upper and work dirs
 * (upper NULL: none; what_upper names them in a message) and the source.
 * -errno, recorded through overlay_fsfail(). */
int overlay_fsconfig_common(int fd, const char *upper, const char *work, const char *what_upper);

#endif
