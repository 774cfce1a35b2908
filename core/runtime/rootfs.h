// SPDX-License-Identifier: Apache-2.0
/* rootfs.h - the container's filesystem view, built inside its new mount
 * namespace: rootfs bind, /proc, /sys, /dev, pivot_root (or a move over
 * an initramfs), masks. */
#ifndef DORY_ROOTFS_H
#define DORY_ROOTFS_H

#include <sys/types.h>

#include "core/util/base.h"

/* A device node to make in the container, as --device asks. */
struct rootfs_device {
	const char *path;	/* in the container, under /dev/ */
	mode_t mode;		/* S_IFCHR or S_IFBLK, and permissions */
	dev_t rdev;
	uid_t uid;
	gid_t gid;
};

struct rt_bind;
struct cg;

struct rootfs_opts {
	bool readonly;		/* read-only root */
	bool privileged;	/* /sys read-write, the host's devices, no masks */
	const struct rootfs_device *devices;
	size_t ndevices;
	bool userns;		/* in a user namespace: bind the host's nodes, no mknod */
	/* Binds into the root; src_fds[i] is binds[i].src opened O_PATH
	 * beforehand (by a process that may search the host's path to it). */
	const struct rt_bind *binds;
	const int *src_fds;
	size_t nbinds;
	long long shm_size;	/* /dev/shm's size in bytes; 0: 64 MiB */
	/* The container's cgroup, whose hierarchies are mounted at
	 * /sys/fs/cgroup (read-only unless privileged) from inside its cgroup
	 * namespace, so that it sees its own group as their root; NULL: none. */
	const struct cg *cg;
};

/* What the process's root is, from the text of its mountinfo: a mount
 * pivot_root can leave, the kernel's initial rootfs (an initramfs), which
 * it never can, or no mount point at all (a chroot's directory). */
enum rootfs_root { ROOTFS_ROOT_MOUNT, ROOTFS_ROOT_INITRAMFS, ROOTFS_ROOT_DIR };
enum rootfs_root rootfs_root_kind(const char *mountinfo);

/* Make every mount of the calling process's (new) mount namespace
 * private, from a chroot too (which needs /proc). */
int rootfs_private(void);
/* The namespace's mounts cut off from the host's: private (as
 * rootfs_private); or, where one of o's binds wants the host's mount
 * events (slave, shared), slaves (receiving, never sending), as runc's
 * default rslave root. */
int rootfs_isolate(const struct rootfs_opts *o);

/* Describe the host's device node host as path in the container (path
 * borrowed); path must lie under /dev/: -EINVAL, else -ENOENT or -ENODEV
 * (not a device). */
int rootfs_device_from_host(const char *host, const char *path, struct rootfs_device *out);

/* Make dir the root of the calling process's (new) mount namespace with
 * Docker's /proc, /sys and /dev; the old root is detached. On an
 * initramfs, where pivot_root cannot work, dir is moved over "/" instead,
 * after every mount outside it is detached. */
int rootfs_enter(const char *dir);
/* The same, with --privileged's /sys and /dev, --device nodes and the
 * binds (staged under /dev before the switch, placed after it). */
int rootfs_enter_opts(const char *dir, const struct rootfs_opts *o);
/* After the console is set up: Docker's masked and read-only paths, and a
 * read-only root if readonly. */
int rootfs_finish(bool readonly);
/* The same; privileged leaves out the masked and read-only paths. */
int rootfs_finish_opts(const struct rootfs_opts *o);
/* Bind the pty slave (an open fd) onto /dev/console. */
int rootfs_bind_console(int slave);

#endif
