// SPDX-License-Identifier: Apache-2.0
/* rootfs.h - the container's filesystem view, built inside its new mount
 * namespace: rootfs bind, /proc, /sys, /dev, pivot_root, masks. */
#ifndef DORY_ROOTFS_H
#define DORY_ROOTFS_H

#include "core/base.h"

/* Make dir the root of the calling process's (new) mount namespace with
 * Docker's /proc, /sys and /dev; the old root is detached. */
int rootfs_enter(const char *dir);
/* After the console is set up: Docker's masked and read-only paths, and a
 * read-only root if readonly. */
int rootfs_finish(bool readonly);
/* Bind the pty slave (an open fd) onto /dev/console. */
int rootfs_bind_console(int slave);

#endif
