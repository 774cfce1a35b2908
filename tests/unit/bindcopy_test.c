// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "core/fs/bindcopy.h"
#include "core/fs/overlay.h"
#include "core/util/err.h"
#include "nsutil.h"
#include "tap.h"
#include "fixture.h"

#define FIX_TEMPLATE "/tmp/dory-bc-XXXXXX"
static char dir[] = FIX_TEMPLATE;
#include "layerfix.h"

/* make_layers(), and in bin/ what a copy must get right: a hardlink that a
 * higher layer splits, one in a lower layer, a directory's mode and xattrs
 * from the top. */
static int make_bin_layers(void)
{
	static const char *const dirs[] = { "l2/bin", "l1/bin", NULL };
	int r = make_layers();

	if (r)
		return r;
	NS_CHECK(mkdirs(dirs) == 0);
	NS_CHECK(fix_put(dir, "l3/bin/s1", "split", 0755) == 0);
	NS_CHECK(link(P("l3/bin/s1"), P("l3/bin/s2")) == 0);
	NS_CHECK(fix_put(dir, "l2/bin/k1", "k", 0700) == 0);
	NS_CHECK(link(P("l2/bin/k1"), P("l2/bin/k2")) == 0);
	NS_CHECK(chmod(P("l2/bin"), 0711) == 0);
	NS_CHECK(fix_put(dir, "l1/bin/s1", "replaced", 0755) == 0);
	NS_CHECK(mkfifo(P("l1/bin/fifo"), 0644) == 0);
	NS_CHECK(setxattr(P("l1/bin"), "user.dir", "top", 3, 0) == 0);
	NS_CHECK(setxattr(P("l3/bin"), "user.gone", "low", 3, 0) == 0);
	return 0;
}

/* The merged view of make_bin_layers() at where. */
static int check_view(const char *where)
{
	char m[256];
	struct stat st, st2;
	char b[64];
	int r;

	snprintf(m, sizeof(m), "%s", where);	/* where may be a P() ring slot */
	if ((r = check_view_shared(m)))
		return r;
#define M(s) R("%s/%s", m, s)
	NS_CHECK(fix_count(m, NULL) == 10 && fix_count(m, "bin") == 8);
	NS_CHECK(fix_has(m, "bin/s1", "replaced") && fix_has(m, "bin/s2", "split"));
	NS_CHECK(stat(M("bin/k1"), &st) == 0 && stat(M("bin/k2"), &st2) == 0);
	NS_CHECK(st.st_ino == st2.st_ino && (st.st_mode & 07777) == 0700);
	NS_CHECK(stat(M("bin"), &st) == 0 && (st.st_mode & 07777) == 0755);
	NS_CHECK(getxattr(M("bin"), "user.dir", b, sizeof(b)) == 3 && !memcmp(b, "top", 3));
	NS_CHECK(getxattr(M("bin"), "user.gone", b, sizeof(b)) < 0 && errno == ENODATA);
#undef M
	return 0;
}

/* ---- comparing two trees ---- */

struct pairs {
	ino_t a[512], b[512];
	int n;
};

#define CMP(c, what)                                                                 \
	do {                                                                         \
		if (!(c)) {                                                          \
			fprintf(stderr, "#   %s vs %s: %s differs\n", a, b, what);        \
			return 1;                                                    \
		}                                                                    \
	} while (0)

/* Non-dirs hardlinked in one tree are hardlinked in the other, and only those. */
static bool same_grouping(struct pairs *p, ino_t a, ino_t b)
{
	for (int i = 0; i < p->n; i++)
		if (p->a[i] == a || p->b[i] == b)
			return p->a[i] == a && p->b[i] == b;
	if (p->n < 512) {
		p->a[p->n] = a;
		p->b[p->n++] = b;
	}
	return true;
}

static ssize_t slurp(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t r = fd < 0 ? -1 : read(fd, buf, n);

	if (fd >= 0)
		close(fd);
	return r;
}

static int cmp_names(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Sorted names in a dir (allocated), *n of them. */
static char **names(const char *path, int *n)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char **v = NULL;

	*n = 0;
	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		v = realloc(v, sizeof(*v) * (size_t)(*n + 1));
		v[(*n)++] = strdup(e->d_name);
	}
	if (d)
		closedir(d);
	if (*n)
		qsort(v, (size_t)*n, sizeof(*v), cmp_names);
	return v;
}

static void free_names(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int cmp_xattrs(const char *a, const char *b)
{
	char la[1024], lb[1024], va[256], vb[256];
	ssize_t na = llistxattr(a, la, sizeof(la)), nb = llistxattr(b, lb, sizeof(lb));

	CMP(na >= 0 && nb >= 0, "xattr listing");
	for (char *k = la; k < la + na; k += strlen(k) + 1) {
		ssize_t x = lgetxattr(a, k, va, sizeof(va)), y = lgetxattr(b, k, vb, sizeof(vb));

		CMP(x >= 0 && x == y && !memcmp(va, vb, (size_t)x), k);
	}
	for (char *k = lb; k < lb + nb; k += strlen(k) + 1)
		CMP(lgetxattr(a, k, NULL, 0) >= 0, k);
	return 0;
}

static int cmp_tree(const char *a, const char *b, bool nlink, struct pairs *p);

static int cmp_dirs(const char *a, const char *b, bool nlink, struct pairs *p)
{
	int na, nb, r = 0;
	char **va = names(a, &na), **vb = names(b, &nb);

	if (na != nb)
		fprintf(stderr, "#   %s vs %s: %d vs %d entries\n", a, b, na, nb);
	for (int i = 0; r == 0 && i < na && na == nb; i++) {
		char pa[512], pb[512];

		if (strcmp(va[i], vb[i])) {
			fprintf(stderr, "#   %s vs %s: %s vs %s\n", a, b, va[i], vb[i]);
			r = 1;
			break;
		}
		snprintf(pa, sizeof(pa), "%s/%s", a, va[i]);
		snprintf(pb, sizeof(pb), "%s/%s", b, vb[i]);
		r = cmp_tree(pa, pb, nlink, p);
	}
	free_names(va, na);
	free_names(vb, nb);
	return na != nb || r;
}

/* Names, types, modes, owners, sizes, contents, link targets, times,
 * xattrs and hardlink grouping (and link counts with nlink). */
static int cmp_tree(const char *a, const char *b, bool nlink, struct pairs *p)
{
	struct stat sa, sb;
	char ca[256], cb[256];
	ssize_t n;

	CMP(lstat(a, &sa) == 0 && lstat(b, &sb) == 0, "existence");
	CMP(sa.st_mode == sb.st_mode, "mode");
	CMP(sa.st_uid == sb.st_uid && sa.st_gid == sb.st_gid, "owner");
	CMP(sa.st_mtim.tv_sec == sb.st_mtim.tv_sec && sa.st_mtim.tv_nsec == sb.st_mtim.tv_nsec,
	    "mtime");
	if (cmp_xattrs(a, b))
		return 1;
	if (S_ISDIR(sa.st_mode))
		return cmp_dirs(a, b, nlink, p);
	CMP(sa.st_size == sb.st_size && sa.st_rdev == sb.st_rdev, "size");
	CMP(!nlink || sa.st_nlink == sb.st_nlink, "link count");
	CMP(same_grouping(p, sa.st_ino, sb.st_ino), "hardlink grouping");
	if (S_ISREG(sa.st_mode)) {
		n = slurp(a, ca, sizeof(ca));
		CMP(n >= 0 && n == slurp(b, cb, sizeof(cb)) && !memcmp(ca, cb, (size_t)n), "content");
	}
	if (S_ISLNK(sa.st_mode)) {
		n = readlink(a, ca, sizeof(ca));
		CMP(n >= 0 && n == readlink(b, cb, sizeof(cb)) && !memcmp(ca, cb, (size_t)n), "target");
	}
	return 0;
}

static int same_trees(const char *a, const char *b, bool nlink)
{
	struct pairs *p = calloc(1, sizeof(*p));
	int r = cmp_tree(a, b, nlink, p);

	free(p);
	return r;
}

static void layer_paths(char l[3][64], const char *lw[3])
{
	for (int i = 0; i < 3; i++) {
		snprintf(l[i], 64, "%s/l%d", dir, i + 1);
		lw[i] = l[i];
	}
}

/* ---- without mounts: runs under valgrind too, as root ---- */

static int flatten_and_clone(void)
{
	char l[3][64], flat[64], copy[64];
	const char *lw[3];
	struct stat st;
	int r;

	if ((r = make_bin_layers()))
		return r;
	layer_paths(l, lw);
	snprintf(flat, sizeof(flat), "%s/flat", dir);
	snprintf(copy, sizeof(copy), "%s/copy", dir);
	NS_CHECK(bindcopy_flatten(lw, 3, flat) == 0);
	NS_CHECK((r = check_view(flat)) == 0);
	NS_CHECK(stat(P("flat/bin/s2"), &st) == 0 && st.st_nlink == 1);
	NS_CHECK(lgetxattr(P("flat/opq"), "trusted.overlay.opaque", NULL, 0) < 0);
	NS_CHECK(bindcopy_clone(flat, copy) == 0);
	NS_CHECK(same_trees(flat, copy, true) == 0);
	/* a second flatten of the top layer alone into an existing empty dir */
	NS_CHECK(mkdir(P("one"), 0700) == 0 && bindcopy_flatten(lw + 2, 1, P("one")) == 0);
	NS_CHECK(same_trees(P("one"), l[2], false) == 0);
	return 0;
}

static bool root_no_qemu(void)
{
	return geteuid() == 0 && !getenv("DORY_UNIT_QEMU");
}

TEST(bindcopy_flatten_and_clone)
{
	SKIP_IF(!root_no_qemu(), "needs root (mknod, chown), not under qemu-user");
	CHECK(new_dir());
	CHECK_EQ_INT(flatten_and_clone(), 0);
	CHECK_EQ_INT(bindcopy_remove(dir), 0);
	CHECK(access(dir, F_OK) < 0 && errno == ENOENT);
	CHECK_EQ_INT(bindcopy_remove(dir), 0);	/* missing: fine */
}

static int failures(void)
{
	char l[3][64];
	const char *lw[3];
	int r;

	if ((r = make_bin_layers()))
		return r;
	layer_paths(l, lw);
	/* a non-empty dst is refused and left alone */
	NS_CHECK(bindcopy_flatten(lw, 3, P("l1")) == -EEXIST);
	NS_CHECK(strstr(err_str(), "not empty") != NULL && fix_has(dir, "l1/top.txt", "top"));
	NS_CHECK(bindcopy_flatten(lw, 0, P("x")) == -EINVAL && !fix_exists(dir, "x"));
	/* a failure half-way leaves nothing: a dst made here goes, one given stays empty */
	lw[0] = P("missing");
	NS_CHECK(bindcopy_flatten(lw, 3, P("x")) == -ENOENT && !fix_exists(dir, "x"));
	NS_CHECK(strstr(err_str(), "missing") != NULL);
	NS_CHECK(mkdir(P("y"), 0755) == 0 && bindcopy_flatten(lw, 3, P("y")) == -ENOENT);
	NS_CHECK(fix_count(dir, "y") == 0);
	NS_CHECK(bindcopy_clone(P("missing"), P("x")) == -ENOENT && !fix_exists(dir, "x"));
	return 0;
}

TEST(bindcopy_failures_leave_no_trace)
{
	SKIP_IF(!root_no_qemu(), "needs root (mknod, chown), not under qemu-user");
	CHECK(new_dir());
	CHECK_EQ_INT(failures(), 0);
	CHECK_EQ_INT(bindcopy_remove(dir), 0);
}

/* ---- with mounts, in a private mount namespace ---- */

static int private_ns(void)
{
	NS_CHECK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0);
	return 0;
}

static int matches_overlay(void)
{
	char l[3][64];
	const char *lw[3];
	int r;

	if ((r = private_ns()) || (r = make_bin_layers()))
		return r;
	layer_paths(l, lw);
	NS_CHECK(bindcopy_flatten(lw, 3, P("flat")) == 0);
	NS_CHECK(overlay_mount(lw, 3, NULL, NULL, P("m"), true) == 0);
	NS_CHECK((r = check_view(P("m"))) == 0);
	NS_CHECK(same_trees(P("m"), P("flat"), false) == 0);
	NS_CHECK(overlay_umount(P("m")) == 0);
	return 0;
}

TEST(bindcopy_flatten_matches_overlay)
{
	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	CHECK(new_dir());
	CHECK_EQ_INT(in_ns(CLONE_NEWNS, matches_overlay), 0);
	CHECK_EQ_INT(bindcopy_remove(dir), 0);
}

static int binds(void)
{
	int r;

	if ((r = private_ns()))
		return r;
	NS_CHECK(mkdir(P("flat"), 0755) == 0 && mkdir(P("m"), 0755) == 0);
	NS_CHECK(fix_put(dir, "flat/f", "f", 0644) == 0);
	NS_CHECK(bindcopy_mount(P("flat"), P("m"), true) == 0 && fix_has(dir, "m/f", "f"));
	NS_CHECK(fix_put(dir, "m/g", "g", 0644) < 0 && errno == EROFS);
	NS_CHECK(bindcopy_umount(P("m")) == 0 && bindcopy_umount(P("m")) == 0);
	NS_CHECK(bindcopy_mount(P("flat"), P("m"), false) == 0);
	NS_CHECK(fix_put(dir, "m/g", "g", 0644) == 0 && fix_has(dir, "flat/g", "g"));
	/* rm -rf does not go into mounts: another filesystem, or a bind */
	NS_CHECK(bindcopy_remove(P("m")) == -EBUSY && fix_has(dir, "flat/g", "g"));
	NS_CHECK(strstr(err_str(), "unmount it first") != NULL);
	NS_CHECK(bindcopy_umount(P("m")) == 0);
	NS_CHECK(mkdir(P("flat/sub"), 0755) == 0 && mkdir(P("keep"), 0755) == 0);
	NS_CHECK(fix_put(dir, "keep/k", "k", 0644) == 0);
	NS_CHECK(bindcopy_mount(P("keep"), P("flat/sub"), false) == 0);
	NS_CHECK(bindcopy_remove(P("flat")) == -EBUSY && fix_has(dir, "keep/k", "k"));
	NS_CHECK(bindcopy_umount(P("flat/sub")) == 0);
	NS_CHECK(mount("tmpfs", P("flat/sub"), "tmpfs", 0, "size=1m") == 0);
	NS_CHECK(fix_put(dir, "flat/sub/t", "t", 0644) == 0);
	NS_CHECK(bindcopy_remove(P("flat")) == -EBUSY && fix_has(dir, "flat/sub/t", "t"));
	NS_CHECK(bindcopy_umount(P("flat/sub")) == 0);
	NS_CHECK(bindcopy_remove(P("flat")) == 0 && !fix_exists(dir, "flat"));
	return 0;
}

TEST(bindcopy_binds_and_safe_removal)
{
	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	CHECK(new_dir());
	CHECK_EQ_INT(in_ns(CLONE_NEWNS, binds), 0);
	CHECK_EQ_INT(bindcopy_remove(dir), 0);
}
