// SPDX-License-Identifier: Apache-2.0
/* initramfs.c - run a command whose root is the kernel's initial rootfs,
 * as on a device that never left its initramfs: in a new mount namespace
 * the host's root is detached, and the namespace entered at what is left,
 * rootfs. Copies of DIR, the host's /dev and /sys go on its /mnt, /dev and
 * /sys, a new proc on /proc; nothing is written to the rootfs itself, and
 * all goes away with the namespace. Exit 77 when the rootfs lacks one of
 * those directories. Built by the test that uses it (gcc -static).
 *   initramfs DIR CMD [ARG...]     (CMD runs in /mnt, which is DIR) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x4
#endif

static int fail(const char *what)
{
	fprintf(stderr, "initramfs: %s: %s\n", what, strerror(errno));
	return 1;
}

/* A detached copy of the tree at path (a bind mount not yet placed). */
static int copy_tree(const char *path)
{
	return (int)syscall(SYS_open_tree, AT_FDCWD, path,
			    OPEN_TREE_CLONE | AT_RECURSIVE | O_CLOEXEC);
}

static int place(int tree, const char *at)
{
	return (int)syscall(SYS_move_mount, tree, "", AT_FDCWD, at, MOVE_MOUNT_F_EMPTY_PATH);
}

int main(int argc, char **argv)
{
	static const char *const dirs[] = { "/mnt", "/dev", "/sys", "/proc" };
	int tree[3], ns;

	if (argc < 3) {
		fprintf(stderr, "usage: initramfs DIR CMD [ARG...]\n");
		return 2;
	}
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return fail("a private mount namespace");
	tree[0] = copy_tree(argv[1]);
	tree[1] = copy_tree("/dev");
	tree[2] = copy_tree("/sys");
	ns = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (tree[0] < 0 || tree[1] < 0 || tree[2] < 0 || ns < 0)
		return fail("copy the trees");
	if (umount2("/", MNT_DETACH) < 0 || setns(ns, CLONE_NEWNS) < 0)
		return fail("detach the root");
	for (int i = 0; i < 4; i++)
		if (access(dirs[i], F_OK) < 0) {
			fprintf(stderr, "initramfs: the rootfs has no %s\n", dirs[i]);
			return 77;
		}
	for (int i = 0; i < 3; i++)
		if (place(tree[i], dirs[i]) < 0)
			return fail(dirs[i]);
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return fail("mount /proc");
	if (chdir("/mnt") < 0)
		return fail("chdir /mnt");
	execv(argv[2], argv + 2);
	return fail(argv[2]);
}
