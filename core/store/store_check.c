// SPDX-License-Identifier: Apache-2.0
/* store_check.c - what the filesystem under --root gives the store, for
 * `dory check`: only statfs and access, nothing is written. Whether
 * overlay works there is core/fs's question (fscheck.c). */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>

#include "core/store/store_check.h"
#include "core/util/xalloc.h"

/* Below this, a pull of a common base image may not fit. */
enum { STORE_LOW_FREE = 64 << 20 };

const char *store_fs_name(unsigned long type)
{
	/* The magic numbers of linux/magic.h (and fs/ubifs, fs/fuse). */
	static const struct {
		unsigned long magic;
		const char *name;
	} fs[] = {
		{ 0xEF53, "ext4" }, { 0x01021994, "tmpfs" }, { 0x858458F6, "ramfs" },
		{ 0x794C7630, "overlay" }, { 0x9123683E, "btrfs" }, { 0x58465342, "xfs" },
		{ 0x73717368, "squashfs" }, { 0x72B6, "jffs2" }, { 0x24051905, "ubifs" },
		{ 0xF2F52010, "f2fs" }, { 0x4D44, "vfat" }, { 0x2011BAB0, "exfat" },
		{ 0x6969, "nfs" }, { 0x65735546, "fuse" }, { 0x28CD3D45, "cramfs" },
		{ 0x5346544E, "ntfs" }, { 0x9FA0, "proc" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(fs); i++)
		if (fs[i].magic == (type & 0xFFFFFFFFUL))
			return fs[i].name;
	return NULL;
}

/* root, or the nearest directory above it that exists (allocated). */
static char *store_existing(const char *root)
{
	char *p = xstrdup(root);
	struct stat st;

	while (stat(p, &st) < 0 && errno == ENOENT && strcmp(p, "/")) {
		char *slash = strrchr(p, '/');

		if (!slash)
			break;
		*(slash == p ? slash + 1 : slash) = '\0';
	}
	return p;
}

/* What the filesystem's type means for the store, if anything. */
static void store_fs_note(struct chk_item *it, const char *name)
{
	if (!strcmp(name, "tmpfs") || !strcmp(name, "ramfs"))
		chk_note(it, "in RAM: images and containers are lost at power-off");
	else if (!strcmp(name, "overlay"))
		chk_note(it, "on overlay: no overlay above it, so containers get bind-copies");
}

void store_check(const char *root, struct chk_list *l, char **dir)
{
	char *d = store_existing(root), size[24], type[24];
	struct chk_item *it;
	struct statvfs vfs;
	struct statfs fs;
	const char *name;
	bool made = !strcmp(d, root);

	*dir = d;
	if (statfs(d, &fs) < 0 || statvfs(d, &vfs) < 0) {
		it = chk_add(l, "store", CHK_MISSING, "%s: %s", d, strerror(errno));
		it->required = true;
		chk_note(it, "use --root (or DORY_ROOT) on a writable filesystem");
		return;
	}
	name = store_fs_name((unsigned long)fs.f_type);
	if (!name)
		snprintf(type, sizeof(type), "fs 0x%lx", (unsigned long)fs.f_type);
	chk_size((unsigned long long)vfs.f_bavail * vfs.f_frsize, size, sizeof(size));
	it = chk_add(l, "store", CHK_OK, "%s, %s free%s", name ? name : type, size,
		     made ? "" : " (not made yet)");
	it->required = true;
	if ((vfs.f_flag & ST_RDONLY) || access(d, W_OK) < 0) {
		it->state = CHK_MISSING;
		chk_note(it, "%s is read-only: use --root (or DORY_ROOT) on a writable "
			 "filesystem", d);
	} else if ((unsigned long long)vfs.f_bavail * vfs.f_frsize < STORE_LOW_FREE) {
		it->state = CHK_LIMITED;
		chk_note(it, "little room: pulls of most images will not fit");
	} else if (name) {
		store_fs_note(it, name);
	}
}
