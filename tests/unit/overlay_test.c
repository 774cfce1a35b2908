// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "core/fs/overlay.h"
#include "core/util/err.h"
#include "nsutil.h"
#include "tap.h"
#include "fixture.h"

#define FIX_TEMPLATE "/tmp/dory-ovl-XXXXXX"
static char dir[] = FIX_TEMPLATE;
#include "layerfix.h"

/* The merged view of make_layers() at where. */
static int check_view(const char *where)
{
	char m[256];
	int r;

	snprintf(m, sizeof(m), "%s", where);	/* where may be a P() ring slot */
	if ((r = check_view_shared(m)))
		return r;
	NS_CHECK(fix_count(m, NULL) == 10);
	return 0;
}

static int ns_setup(void)
{
	NS_CHECK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0);
	NS_CHECK(mount("tmpfs", dir, "tmpfs", 0, "size=64m") == 0);
	return make_layers();
}

/* The three layers' paths, top first. */
static void layer_paths(char l[3][64], const char *lw[3])
{
	for (int i = 0; i < 3; i++) {
		snprintf(l[i], 64, "%s/l%d", dir, i + 1);
		lw[i] = l[i];
	}
}

typedef int (*mount_fn)(const char *const *, int, const char *, const char *, const char *,
			bool);

static int merged_and_upper(mount_fn how)
{
	char l[3][64];
	const char *lw[3];
	struct stat st;
	int r = ns_setup();

	if (r)
		return r;
	layer_paths(l, lw);
	NS_CHECK(how(lw, 3, P("u"), P("w"), P("m"), false) == 0);
	if ((r = check_view(P("m"))))
		return r;
	/* writes land in the upper dir; a removal leaves a whiteout there */
	NS_CHECK(fix_put(dir, "m/new.txt", "new", 0644) == 0 && fix_has(dir, "u/new.txt", "new"));
	NS_CHECK(unlink(P("m/etc/keep")) == 0 && !fix_exists(dir, "m/etc/keep"));
	NS_CHECK(lstat(P("u/etc/keep"), &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == 0);
	NS_CHECK(fix_has(dir, "l3/etc/keep", "keep"));
	NS_CHECK(overlay_umount(P("m")) == 0 && fix_count(dir, "m") == 0);
	NS_CHECK(overlay_umount(P("m")) == 0);	/* not mounted: fine */
	NS_CHECK(overlay_umount(P("nonexistent")) == 0);
	return 0;
}

static int merged_new(void)
{
	return merged_and_upper(overlay_mount);
}

static int merged_legacy(void)
{
	return merged_and_upper(overlay_mount_legacy);
}

TEST(overlay_merged_view_and_upper)
{
	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	CHECK(new_dir());
	CHECK_EQ_INT(in_ns(CLONE_NEWNS, merged_new), 0);
	CHECK_EQ_INT(rmdir(dir), 0);
}

TEST(overlay_legacy_mount_merged_view)
{
	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	CHECK(new_dir());
	CHECK_EQ_INT(in_ns(CLONE_NEWNS, merged_legacy), 0);
	CHECK_EQ_INT(rmdir(dir), 0);
}

static int erofs(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

	if (fd >= 0)
		close(fd);
	return fd < 0 && errno == EROFS;
}

static int read_only(void)
{
	char l[3][64];
	const char *lw[3];
	int r = ns_setup();

	if (r)
		return r;
	layer_paths(l, lw);
	for (int i = 0; i < 2; i++) {
		mount_fn how = i ? overlay_mount_legacy : overlay_mount;

		NS_CHECK(how(lw, 3, NULL, NULL, P("m"), false) == 0);	/* no upper: read-only */
		NS_CHECK((r = check_view(P("m"))) == 0 && erofs(P("m/new")));
		NS_CHECK(overlay_umount(P("m")) == 0);
		NS_CHECK(how(lw, 1, NULL, NULL, P("m"), true) == 0);	/* one: a bind */
		NS_CHECK(fix_has(dir, "m/top.txt", "top") && erofs(P("m/new")));
		NS_CHECK(overlay_umount(P("m")) == 0);
		NS_CHECK(how(lw, 3, P("u"), P("w"), P("m"), true) == 0);
		NS_CHECK(fix_has(dir, "m/top.txt", "top") && erofs(P("m/new")));
		NS_CHECK(overlay_umount(P("m")) == 0 && fix_count(dir, "m") == 0);
	}
	return 0;
}

TEST(overlay_read_only_mounts_refuse_writes)
{
	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	CHECK(new_dir());
	CHECK_EQ_INT(in_ns(CLONE_NEWNS, read_only), 0);
	CHECK_EQ_INT(rmdir(dir), 0);
}

enum { MANY = 150 };

/* MANY layers at DIR/AAA.../layers/N/diff, the A's long enough that each
 * path is longlen bytes or so; each has fNNN, and "common" saying N. */
static int many_layers(size_t longlen, char **paths)
{
	char a[256], b[16];
	size_t pre = strlen(dir) + 1 + 8 + 64 + 5;

	memset(a, 'a', sizeof(a));
	a[longlen > pre + 255 ? 255 : longlen - pre] = '\0';
	NS_CHECK(mkdir(P("%s", a), 0755) == 0 && mkdir(P("%s/layers", a), 0755) == 0);
	for (int i = 0; i < MANY; i++) {
		paths[i] = strdup(P("%s/layers/%064d/diff", a, i));
		NS_CHECK(mkdir(P("%s/layers/%064d", a, i), 0755) == 0 && mkdir(paths[i], 0755) == 0);
		snprintf(b, sizeof(b), "%d", i);
		NS_CHECK(fix_put(P("%s/layers/%064d/diff/f%03d", a, i, i), NULL, b, 0644) == 0);
		NS_CHECK(fix_put(P("%s/layers/%064d/diff/common", a, i), NULL, b, 0644) == 0);
	}
	return 0;
}

static int many_check(mount_fn how, char **paths)
{
	const char *const *lw = (const char *const *)paths;

	NS_CHECK(how(lw, MANY, P("u"), P("w"), P("m"), false) == 0);
	NS_CHECK(fix_count(dir, "m") == MANY + 1 && fix_has(dir, "m/common", "0"));
	NS_CHECK(fix_has(dir, "m/f000", "0") && fix_has(dir, "m/f149", "149"));
	NS_CHECK(fix_put(dir, "m/common", "new", 0644) == 0 && fix_has(dir, "u/common", "new"));
	NS_CHECK(overlay_umount(P("m")) == 0 && fix_count(dir, "m") == 0);
	NS_CHECK(unlink(P("u/common")) == 0);
	NS_CHECK(how(lw, MANY, NULL, NULL, P("m"), true) == 0);
	NS_CHECK(fix_count(dir, "m") == MANY + 1 && fix_has(dir, "m/common", "0"));
	NS_CHECK(overlay_umount(P("m")) == 0 && fix_count(dir, "m") == 0);
	return 0;
}

static int many(void)
{
	static const char *const dirs[] = { "u", "w", "m", NULL };
	char *paths[MANY] = { 0 };
	int r;

	NS_CHECK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0);
	NS_CHECK(mount("tmpfs", dir, "tmpfs", 0, "size=64m") == 0);
	NS_CHECK(mkdirs(dirs) == 0);
	/* 200 bytes fit one fsconfig value, not 150 of them one page; 300 fit neither */
	for (size_t len = 200; len <= 300; len += 100) {
		NS_CHECK((r = many_layers(len, paths)) == 0);
		NS_CHECK(strlen(paths[0]) > len - 10 && strlen(paths[0]) < len + 10);
		NS_CHECK((r = many_check(overlay_mount, paths)) == 0);
		NS_CHECK((r = many_check(overlay_mount_legacy, paths)) == 0);
		for (int i = 0; i < MANY; i++)
			free(paths[i]);
	}
	return 0;
}

TEST(overlay_150_layers_with_long_paths)
{
	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	CHECK(new_dir());
	CHECK_EQ_INT(in_ns(CLONE_NEWNS, many), 0);
	CHECK_EQ_INT(rmdir(dir), 0);
}

static int usable(void)
{
	static const char *const dirs[] = { "t", "l", "u", "w", "m", NULL };
	char why[512] = "";

	NS_CHECK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0);
	/* the temp dir's own filesystem (ext4 or so), then tmpfs */
	NS_CHECK(overlay_usable(dir, why, sizeof(why)));
	NS_CHECK(fix_count(dir, NULL) == 0);
	NS_CHECK(mount("tmpfs", dir, "tmpfs", 0, "size=8m") == 0);
	NS_CHECK(overlay_usable(dir, why, sizeof(why)) && fix_count(dir, NULL) == 0);
	/* an overlay cannot be the upper of another */
	NS_CHECK(mkdirs(dirs) == 0);
	NS_CHECK(overlay_mount((const char *const[]){ P("l") }, 1, P("u"), P("w"), P("m"),
			       false) == 0);
	NS_CHECK(!overlay_usable(P("m"), why, sizeof(why)));
	fprintf(stderr, "#   overlay on overlay: %s\n", why);
	NS_CHECK(strstr(why, P("m")) != NULL && fix_count(dir, "m") == 0);
	NS_CHECK(overlay_umount(P("m")) == 0);
	NS_CHECK(!overlay_usable(P("nonexistent"), why, sizeof(why)));
	NS_CHECK(strstr(why, "nonexistent") != NULL);
	return 0;
}

TEST(overlay_usable_probes_and_cleans_up)
{
	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	CHECK(new_dir());
	CHECK_EQ_INT(in_ns(CLONE_NEWNS, usable), 0);
	CHECK_EQ_INT(rmdir(dir), 0);
}

static int errors(void)
{
	static const char *const dirs[] = { "l", "m", "u", "w", NULL };
	const char *lw[2];
	const char *many_lw[501];

	NS_CHECK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0);
	NS_CHECK(mount("tmpfs", dir, "tmpfs", 0, "size=1m") == 0);
	NS_CHECK(mkdirs(dirs) == 0);
	lw[0] = "l";
	lw[1] = P("l");
	NS_CHECK(overlay_mount(lw, 2, NULL, NULL, P("m"), true) == -EINVAL);
	NS_CHECK(strstr(err_str(), "absolute") != NULL);
	NS_CHECK(overlay_mount(lw, 0, NULL, NULL, P("m"), true) == -EINVAL);
	NS_CHECK(overlay_mount(lw + 1, 1, P("u"), NULL, P("m"), false) == -EINVAL);
	for (int i = 0; i < 501; i++)
		many_lw[i] = lw[1];
	NS_CHECK(overlay_mount(many_lw, 501, NULL, NULL, P("m"), true) == -EINVAL);
	NS_CHECK(strstr(err_str(), "at most 500") != NULL);
	lw[0] = P("missing");
	NS_CHECK(overlay_mount(lw, 2, P("u"), P("w"), P("m"), false) == -ENOENT);
	fprintf(stderr, "#   missing layer: %s\n", err_str());
	NS_CHECK(overlay_mount_legacy(lw, 2, P("u"), P("w"), P("m"), false) == -ENOENT);
	fprintf(stderr, "#   missing layer (mount(2)): %s\n", err_str());
	NS_CHECK(fix_count(dir, "m") == 0);
	return 0;
}

TEST(overlay_bad_requests_fail_clearly)
{
	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	CHECK(new_dir());
	CHECK_EQ_INT(in_ns(CLONE_NEWNS, errors), 0);
	CHECK_EQ_INT(rmdir(dir), 0);
}
