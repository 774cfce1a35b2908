// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "core/image/layer.h"
#include "core/util/err.h"
#include "core/util/xalloc.h"
#include "nsutil.h"
#include "tap.h"
#include "tarfix.h"

/* ---- helpers ---- */

struct tdir {
	char *top;	/* mkdtemp: holds "layer" (the target) and "outside" */
	char *layer;
	int fd;		/* O_PATH to layer */
};

static struct tdir td_new(void)
{
	char tmpl[] = "/tmp/dory-layer-XXXXXX";
	struct tdir d;

	d.top = xstrdup(mkdtemp(tmpl));
	d.layer = xasprintf("%s/layer", d.top);
	mkdir(d.layer, 0755);
	d.fd = open(d.layer, O_PATH | O_DIRECTORY | O_CLOEXEC);
	{
		char *o = xasprintf("%s/outside", d.top), *f = xasprintf("%s/outside/passwd", d.top);
		int fd;

		mkdir(o, 0755);
		fd = open(f, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
		if (fd >= 0 && write(fd, "root\n", 5) == 5)
			close(fd);
		free(o), free(f);
	}
	return d;
}

static int td_chmod(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)ftw;
	if (flag == FTW_D)
		chmod(p, (st->st_mode & 07777) | 0700);
	return 0;
}

static int td_rm(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)ftw;
	return flag == FTW_DP ? rmdir(p) : unlink(p);
}

static void td_free(struct tdir *d)
{
	close(d->fd);
	nftw(d->top, td_chmod, 16, FTW_PHYS);
	CHECK_EQ_INT(nftw(d->top, td_rm, 16, FTW_DEPTH | FTW_PHYS), 0);
	free(d->top), free(d->layer);
}

static char *td_path(const struct tdir *d, const char *rel)
{
	static char buf[4][8192];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", d->layer, rel);
	return buf[i];
}

/* Feed t in chunks of `chunk` bytes, then finish. */
static int unpack(const struct tdir *d, const struct tw *t, unsigned flags, size_t chunk,
		  struct layer_stats *st)
{
	struct layer_unpack *u = layer_unpack_new(d->fd, flags);
	int r = 0;

	if (!u)
		return -err_errno();
	for (size_t off = 0; !r && off < t->len; off += chunk)
		r = layer_unpack_feed(u, t->p + off, t->len - off < chunk ? t->len - off : chunk);
	if (!r)
		r = layer_unpack_finish(u);
	if (st)
		*st = *layer_unpack_stats(u);
	layer_unpack_free(u);
	return r;
}

static char *slurp(const char *path)
{
	static char buf[8192];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

static char *rdlink(const char *path)
{
	static char buf[8192];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);

	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

static mode_t lmode(const char *path)
{
	struct stat st;

	return lstat(path, &st) < 0 ? 0 : st.st_mode;
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static void put_file(const char *path, const char *data)
{
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);

	CHECK(fd >= 0 && write(fd, data, strlen(data)) == (ssize_t)strlen(data));
	if (fd >= 0)
		close(fd);
}

/* Unpack t into a fresh dir expecting failure r with msg in the error. */
static void expect_fail(const struct tw *t, unsigned flags, int r, const char *msg)
{
	struct tdir d = td_new();

	CHECK_EQ_INT(unpack(&d, t, flags, 511, NULL), r);
	if (!strstr(err_str(), msg))
		TAP_FAIL("error \"%s\" lacks \"%s\"", err_str(), msg);
	td_free(&d);
}

/* ---- every entry type, in odd-sized chunks ---- */

static void build_types(struct tw *t, char *big, size_t nbig)
{
	struct th h;

	for (size_t i = 0; i < nbig; i++)
		big[i] = (char)('a' + i % 26);
	tw_dir(t, "./", 0755);
	h = th_def("dir/", '5', 0750);
	h.mtime = 1234567;
	tw_hdr(t, &h);
	tw_file(t, "dir/file", 0640, "hello\n");
	tw_file(t, "dir/empty", 0600, "");
	h = th_def("dir/big", '0', 0644);
	h.size = nbig;
	tw_hdr(t, &h);
	tw_data(t, big, nbig);
	tw_sym(t, "dir/sym", "file");
	tw_hard(t, "dir/hard", "dir/file");
	tw_simple(t, "fifo", '6', 0620, NULL);
	tw_file(t, "/abs", 0644, "abs\n");
	tw_file(t, "./dot/./x", 0644, "x\n");
	h = th_def("old/", '\0', 0711);	/* pre-POSIX directory */
	tw_hdr(t, &h);
	h = th_def("contig", '7', 0644);	/* contiguous file = regular */
	h.size = 1;
	tw_hdr(t, &h);
	tw_data(t, "c", 1);
}

TEST(layer_types_every_chunk_size)
{
	static const size_t chunks[] = { 1, 7, 511, 512, 513, 4096, 1 << 20 };
	size_t nbig = 70000;
	char *big = xmalloc(nbig + 1);
	struct tw t = { 0 };

	build_types(&t, big, nbig);
	tw_end(&t);
	for (size_t c = 0; c < ARRAY_SIZE(chunks); c++) {
		struct tdir d = td_new();
		mode_t mask = umask(077);	/* modes come from the archive alone */
		struct layer_stats st = { 0 };
		struct stat a, b;
		int fd;

		CHECK_EQ_INT(unpack(&d, &t, 0, chunks[c], &st), 0);
		umask(mask);
		CHECK_EQ_INT(st.entries, 12);
		CHECK_EQ_INT(st.bytes, 6 + nbig + 4 + 2 + 1);
		CHECK_EQ_INT(st.tar_bytes, t.len);
		CHECK_EQ_STR(slurp(td_path(&d, "dir/file")), "hello\n");
		CHECK_EQ_INT(lmode(td_path(&d, "dir/file")), S_IFREG | 0640);
		CHECK_EQ_INT(lmode(td_path(&d, "dir/empty")), S_IFREG | 0600);
		CHECK_EQ_INT(lmode(td_path(&d, "dir")), S_IFDIR | 0750);
		CHECK_EQ_INT(lmode(td_path(&d, "old")), S_IFDIR | 0711);
		CHECK_EQ_INT(lmode(td_path(&d, "dot")), S_IFDIR | 0755);
		CHECK_EQ_INT(lmode(td_path(&d, "fifo")), S_IFIFO | 0620);
		CHECK_EQ_INT(lmode(td_path(&d, "dir/sym")), S_IFLNK | 0777);
		CHECK_EQ_STR(rdlink(td_path(&d, "dir/sym")), "file");
		CHECK_EQ_STR(slurp(td_path(&d, "abs")), "abs\n");
		CHECK_EQ_STR(slurp(td_path(&d, "dot/x")), "x\n");
		CHECK_EQ_STR(slurp(td_path(&d, "contig")), "c");
		CHECK(lstat(td_path(&d, "dir/file"), &a) == 0 && lstat(td_path(&d, "dir/hard"), &b) == 0);
		CHECK(a.st_ino == b.st_ino && a.st_nlink == 2);
		CHECK(lstat(td_path(&d, "dir"), &a) == 0 && a.st_mtime == 1234567);
		CHECK(lstat(td_path(&d, "dir/file"), &a) == 0 && a.st_mtime == 1600000000);
		fd = open(td_path(&d, "dir/big"), O_RDONLY | O_CLOEXEC);
		{
			char *got = xmalloc(nbig + 1);

			CHECK(fd >= 0 && read(fd, got, nbig + 1) == (ssize_t)nbig);
			CHECK(!memcmp(got, big, nbig));
			free(got);
		}
		close(fd);
		td_free(&d);
	}
	free(t.p);
	free(big);
}

TEST(layer_devices_and_ownership)
{
	struct tw t = { 0 };
	struct tdir d;
	struct th h;
	struct stat st;

	SKIP_IF(ns_unavailable(), "needs root (mknod, chown)");
	h = th_def("dev/null", '3', 0666);
	h.maj = 1, h.min = 3, h.uid = 1234, h.gid = 5678;
	tw_hdr(&t, &h);
	h = th_def("dev/loop0", '4', 0660);
	h.maj = 7, h.min = 0, h.gid = 6;
	tw_hdr(&t, &h);
	h = th_def("f", '0', 04755);
	h.uid = 1000, h.gid = 1000, h.size = 2;
	tw_hdr(&t, &h);
	tw_data(&t, "#!", 2);
	h = th_def("d/", '5', 02775);
	h.uid = 1001, h.gid = 1002;
	tw_hdr(&t, &h);
	h = th_def("tmp/", '5', 01777);
	tw_hdr(&t, &h);
	h = th_def("d/l", '2', 0777);
	h.link = "/nowhere", h.uid = 1003, h.gid = 1004, h.mtime = 999;
	tw_hdr(&t, &h);
	h = th_def("sg", '0', 02711);
	h.uid = 0, h.gid = 50;
	tw_hdr(&t, &h);
	tw_end(&t);
	d = td_new();
	CHECK_EQ_INT(unpack(&d, &t, 0, 513, NULL), 0);
	CHECK(lstat(td_path(&d, "dev/null"), &st) == 0 && S_ISCHR(st.st_mode));
	CHECK(st.st_rdev == makedev(1, 3) && st.st_uid == 1234 && st.st_gid == 5678);
	CHECK_EQ_INT(st.st_mode & 07777, 0666);
	CHECK(lstat(td_path(&d, "dev/loop0"), &st) == 0 && S_ISBLK(st.st_mode));
	CHECK(st.st_rdev == makedev(7, 0) && st.st_gid == 6);
	CHECK(lstat(td_path(&d, "f"), &st) == 0 && st.st_uid == 1000 && st.st_gid == 1000);
	CHECK_EQ_INT(st.st_mode, S_IFREG | 04755);
	CHECK(lstat(td_path(&d, "d"), &st) == 0 && st.st_uid == 1001 && st.st_gid == 1002);
	CHECK_EQ_INT(st.st_mode, S_IFDIR | 02775);
	CHECK_EQ_INT(lmode(td_path(&d, "tmp")), S_IFDIR | 01777);
	CHECK(lstat(td_path(&d, "d/l"), &st) == 0 && st.st_uid == 1003 && st.st_gid == 1004);
	CHECK(st.st_mtime == 999);
	CHECK_EQ_INT(lmode(td_path(&d, "sg")), S_IFREG | 02711);
	td_free(&d);
	free(t.p);
}

/* Owners shifted into a user namespace's host range (cp into such a
 * container), with or without the archive's owners. */
static int unpack_shift(const struct tdir *d, const struct tw *t, unsigned flags)
{
	struct layer_unpack *u = layer_unpack_new(d->fd, flags);
	int r;

	if (!u)
		return -err_errno();
	layer_unpack_set_idshift(u, 100000, 65536);
	r = layer_unpack_feed(u, t->p, t->len);
	if (!r)
		r = layer_unpack_finish(u);
	layer_unpack_free(u);
	return r;
}

TEST(layer_idshift)
{
	struct tw t = { 0 }, bad = { 0 };
	struct tdir d;
	struct th h;
	struct stat st;

	SKIP_IF(ns_unavailable(), "needs root (chown)");
	h = th_def("f", '0', 0644);
	h.uid = 7, h.gid = 8, h.size = 1;
	tw_hdr(&t, &h);
	tw_data(&t, "x", 1);
	h = th_def("l", '2', 0777);
	h.link = "f", h.uid = 9, h.gid = 10;
	tw_hdr(&t, &h);
	tw_end(&t);
	d = td_new();
	CHECK_EQ_INT(unpack_shift(&d, &t, 0), 0);
	CHECK(lstat(td_path(&d, "f"), &st) == 0 && st.st_uid == 100007 && st.st_gid == 100008);
	CHECK(lstat(td_path(&d, "l"), &st) == 0 && st.st_uid == 100009 && st.st_gid == 100010);
	td_free(&d);
	d = td_new();
	CHECK_EQ_INT(unpack_shift(&d, &t, LAYER_NO_CHOWN), 0);
	CHECK(lstat(td_path(&d, "f"), &st) == 0 && st.st_uid == 100000 && st.st_gid == 100000);
	td_free(&d);
	h = th_def("far", '0', 0644);
	h.uid = 70000;
	tw_hdr(&bad, &h);
	tw_end(&bad);
	d = td_new();
	CHECK_EQ_INT(unpack_shift(&d, &bad, 0), -EPERM);
	CHECK(strstr(err_str(), "outside the 65536 ids") != NULL);
	err_clear();
	td_free(&d);
	free(t.p);
	free(bad.p);
}

TEST(layer_modes_and_mtimes)
{
	struct tw t = { 0 }, r = { 0 };
	struct tdir d = td_new();
	struct th h;
	struct stat st;

	h = th_def("suid", '0', 04755);
	tw_hdr(&t, &h);
	h = th_def("none", '0', 0);
	tw_hdr(&t, &h);
	h = th_def("ro/", '5', 0555);
	h.mtime = 777;
	tw_hdr(&t, &h);
	tw_file(&t, "ro/inside", 0444, "x");	/* written after ro/ was made */
	h = th_def("future", '0', 0644);
	h.mtime = 10000000000LL, h.b256_mtime = true;
	tw_hdr(&t, &h);
	h = th_def("past", '0', 0644);
	h.mtime = -100, h.b256_mtime = true;
	tw_hdr(&t, &h);
	tw_rec(&r, "mtime", "1234567890.5", 12);
	tw_pax(&t, &r);
	tw_file(&t, "frac", 0644, "");
	tw_rec(&r, "mtime", "-1.25", 5);
	tw_pax(&t, &r);
	tw_file(&t, "negfrac", 0644, "");
	h = th_def("lnk", '2', 0777);
	h.link = "suid", h.mtime = 4242;
	tw_hdr(&t, &h);
	tw_end(&t);
	CHECK_EQ_INT(unpack(&d, &t, 0, 4096, NULL), 0);
	CHECK_EQ_INT(lmode(td_path(&d, "suid")), S_IFREG | 04755);
	CHECK_EQ_INT(lmode(td_path(&d, "none")), S_IFREG);
	CHECK(lstat(td_path(&d, "ro"), &st) == 0 && st.st_mode == (S_IFDIR | 0555));
	CHECK(st.st_mtime == 777);
	CHECK_EQ_STR(slurp(td_path(&d, "ro/inside")), "x");
	CHECK(lstat(td_path(&d, "future"), &st) == 0 && st.st_mtime == 10000000000LL);
	CHECK(lstat(td_path(&d, "past"), &st) == 0 && st.st_mtime == -100);
	CHECK(lstat(td_path(&d, "frac"), &st) == 0 && st.st_mtim.tv_sec == 1234567890);
	CHECK_EQ_INT(st.st_mtim.tv_nsec, 500000000);
	CHECK(lstat(td_path(&d, "negfrac"), &st) == 0 && st.st_mtim.tv_sec == -2);
	CHECK_EQ_INT(st.st_mtim.tv_nsec, 750000000);
	CHECK(lstat(td_path(&d, "lnk"), &st) == 0 && st.st_mtime == 4242);
	td_free(&d);
	free(t.p);
}

/* ---- names ---- */

TEST(layer_long_names)
{
	struct tw t = { 0 }, r = { 0 };
	struct tdir d = td_new();
	char gnu[200], pax[300], target[400], deep[260], hl[300];
	struct th h;
	struct stat a, b;

	memset(gnu, 'g', sizeof(gnu));
	memcpy(gnu, "long/", 5);
	gnu[150] = '\0';
	memset(pax, 'p', sizeof(pax));
	memcpy(pax, "long/", 5);
	pax[250] = '\0';
	memset(target, 't', sizeof(target));
	target[390] = '\0';
	tw_meta(&t, 'L', gnu, strlen(gnu) + 1);	/* GNU counts the NUL */
	tw_file(&t, "ignored-short-name", 0644, "gnu\n");
	tw_rec(&r, "path", pax, strlen(pax));
	tw_pax(&t, &r);
	tw_file(&t, "ignored-too", 0644, "pax\n");
	tw_meta(&t, 'K', target, strlen(target));
	tw_sym(&t, "gnulink", "short");
	tw_rec(&r, "linkpath", target, strlen(target));
	tw_rec(&r, "path", "paxlink", 7);
	tw_pax(&t, &r);
	tw_sym(&t, "x", "y");
	snprintf(hl, sizeof(hl), "%s", pax);
	tw_rec(&r, "linkpath", hl, strlen(hl));
	tw_pax(&t, &r);
	tw_hard(&t, "paxhard", "wrong");
	/* ustar prefix + name */
	memset(deep, 'd', sizeof(deep));
	deep[120] = '\0';
	h = th_def("in-prefix-dir", '0', 0644);
	h.prefix = deep;
	h.size = 3;
	tw_hdr(&t, &h);
	tw_data(&t, "pre", 3);
	/* a GNU header ignores the prefix field */
	h = th_def("gnu-no-prefix", '0', 0644);
	h.gnu = true;
	tw_hdr(&t, &h);
	tw_end(&t);
	CHECK_EQ_INT(unpack(&d, &t, 0, 511, NULL), 0);
	CHECK_EQ_STR(slurp(td_path(&d, gnu)), "gnu\n");
	CHECK_EQ_STR(slurp(td_path(&d, pax)), "pax\n");
	CHECK(!exists(td_path(&d, "ignored-short-name")) && !exists(td_path(&d, "ignored-too")));
	CHECK_EQ_STR(rdlink(td_path(&d, "gnulink")), target);
	CHECK_EQ_STR(rdlink(td_path(&d, "paxlink")), target);
	CHECK(lstat(td_path(&d, pax), &a) == 0 && lstat(td_path(&d, "paxhard"), &b) == 0);
	CHECK(a.st_ino == b.st_ino);
	{
		char p[300];

		snprintf(p, sizeof(p), "%s/in-prefix-dir", deep);
		CHECK_EQ_STR(slurp(td_path(&d, p)), "pre");
	}
	CHECK(exists(td_path(&d, "gnu-no-prefix")));
	td_free(&d);
	free(t.p);
}

TEST(layer_big_sizes)
{
	struct tw t = { 0 }, r = { 0 };
	struct tdir d = td_new();
	char *data = xmalloc(6000);
	struct th h;
	struct stat st;

	memset(data, 'z', 6000);
	h = th_def("b256", '0', 0644);
	h.size = 5, h.b256_size = true;
	tw_hdr(&t, &h);
	tw_data(&t, "12345", 5);
	tw_rec(&r, "size", "6000", 4);
	tw_rec(&r, "uid", "4294967294", 10);
	tw_pax(&t, &r);
	h = th_def("paxsize", '0', 0644);	/* header size 0, pax wins */
	tw_hdr(&t, &h);
	tw_data(&t, data, 6000);
	tw_file(&t, "after", 0644, "ok");
	tw_end(&t);
	CHECK_EQ_INT(unpack(&d, &t, LAYER_NO_CHOWN, 1000, NULL), 0);
	CHECK_EQ_STR(slurp(td_path(&d, "b256")), "12345");
	CHECK(lstat(td_path(&d, "paxsize"), &st) == 0 && st.st_size == 6000);
	CHECK_EQ_STR(slurp(td_path(&d, "after")), "ok");
	td_free(&d);
	free(t.p);
	free(data);
}

/* ---- xattrs ---- */

TEST(layer_xattrs_user)
{
	struct tw t = { 0 }, r = { 0 };
	struct tdir d = td_new();
	struct layer_stats st = { 0 };
	char v[64];
	static const char bin[] = { 'a', 0, 'b', '\n', 0 };

	tw_rec(&r, "SCHILY.xattr.user.test", "value", 5);
	tw_rec(&r, "SCHILY.xattr.user.bin", bin, sizeof(bin));
	tw_rec(&r, "SCHILY.xattr.security.selinux", "system_u:object_r:x:s0", 22);
	tw_pax(&t, &r);
	tw_file(&t, "f", 0644, "data");
	tw_rec(&r, "SCHILY.xattr.user.dir", "d", 1);
	tw_pax(&t, &r);
	tw_dir(&t, "d", 0755);
	tw_file(&t, "plain", 0644, "");
	tw_end(&t);
	CHECK_EQ_INT(unpack(&d, &t, 0, 513, &st), 0);
	SKIP_IF(st.xattr_skipped, "filesystem without user xattrs");
	CHECK_EQ_INT(getxattr(td_path(&d, "f"), "user.test", v, sizeof(v)), 5);
	CHECK(!memcmp(v, "value", 5));
	CHECK_EQ_INT(getxattr(td_path(&d, "f"), "user.bin", v, sizeof(v)), sizeof(bin));
	CHECK(!memcmp(v, bin, sizeof(bin)));
	CHECK_EQ_INT(getxattr(td_path(&d, "d"), "user.dir", v, sizeof(v)), 1);
	CHECK(getxattr(td_path(&d, "plain"), "user.test", v, sizeof(v)) < 0);
	CHECK_EQ_STR(slurp(td_path(&d, "f")), "data");
	td_free(&d);
	free(t.p);
}

TEST(layer_xattrs_capability_and_trusted)
{
	/* vfs_cap_data revision 2, effective, permitted = CAP_NET_RAW */
	static const unsigned char cap[20] = { 1, 0, 0, 2, 0, 0x20, 0, 0 };
	struct tw t = { 0 }, r = { 0 };
	struct tdir d;
	struct layer_stats st = { 0 };
	struct th h;
	unsigned char v[64];

	SKIP_IF(ns_unavailable(), "needs root (security.capability, trusted.*)");
	tw_rec(&r, "SCHILY.xattr.security.capability", cap, sizeof(cap));
	tw_pax(&t, &r);
	h = th_def("ping", '0', 04755);
	h.uid = 0, h.gid = 0, h.size = 4;	/* chown after the data, caps after chown */
	tw_hdr(&t, &h);
	tw_data(&t, "ELF!", 4);
	tw_rec(&r, "SCHILY.xattr.trusted.sym", "s", 1);
	tw_pax(&t, &r);
	tw_sym(&t, "link", "ping");
	tw_rec(&r, "SCHILY.xattr.trusted.overlay.opaque", "y", 1);
	tw_pax(&t, &r);
	tw_dir(&t, "fake", 0755);
	tw_simple(&t, "fifo", '6', 0644, NULL);
	tw_end(&t);
	d = td_new();
	CHECK_EQ_INT(unpack(&d, &t, 0, 511, &st), 0);
	CHECK_EQ_INT(st.xattr_skipped, 0);
	CHECK_EQ_INT(getxattr(td_path(&d, "ping"), "security.capability", v, sizeof(v)), 20);
	CHECK(!memcmp(v, cap, sizeof(cap)));
	CHECK_EQ_INT(lmode(td_path(&d, "ping")), S_IFREG | 04755);
	CHECK_EQ_INT(lgetxattr(td_path(&d, "link"), "trusted.sym", v, sizeof(v)), 1);
	CHECK_EQ_INT(getxattr(td_path(&d, "fake"), "trusted.overlay.opaque", v, sizeof(v)), 1);
	td_free(&d);
	/* In an overlay layer the archive's overlay xattrs are escaped. */
	d = td_new();
	CHECK_EQ_INT(unpack(&d, &t, LAYER_WH_OVERLAY, 4096, &st), 0);
	CHECK(getxattr(td_path(&d, "fake"), "trusted.overlay.opaque", v, sizeof(v)) < 0);
	CHECK_EQ_INT(getxattr(td_path(&d, "fake"), "trusted.overlay.overlay.opaque", v,
			      sizeof(v)), 1);
	td_free(&d);
	free(t.p);
}

/* ---- whiteouts ---- */

TEST(layer_whiteout_refused_without_flag)
{
	struct tw t = { 0 };

	tw_file(&t, "a/.wh.b", 0644, "");
	tw_end(&t);
	expect_fail(&t, 0, -EINVAL, "layer entry \"a/.wh.b\": whiteout");
	free(t.p);
}

TEST(layer_whiteout_overlay)
{
	struct tw t = { 0 };
	struct tdir d;
	struct stat st;
	char v[8];

	SKIP_IF(ns_unavailable(), "needs root (mknod, trusted.* xattrs)");
	tw_dir(&t, "a/", 0755);
	tw_file(&t, "a/.wh.gone", 0644, "");
	tw_file(&t, "a/.wh..wh..opq", 0644, "");
	tw_file(&t, "b/keep", 0644, "kept");
	tw_file(&t, "b/.wh.keep", 0644, "");	/* same layer: keep stays */
	tw_dir(&t, "c/", 0755);
	tw_file(&t, ".wh.c", 0644, "");		/* our dir stays, lower hidden */
	tw_file(&t, ".wh.d", 0644, "");
	tw_dir(&t, "d/", 0755);			/* recreated after a whiteout */
	tw_file(&t, ".wh.e", 0644, "");
	tw_file(&t, "e/x", 0644, "x");		/* implicit parent over a whiteout */
	tw_file(&t, ".wh..wh.plnk", 0644, "");	/* AUFS bookkeeping: skipped */
	tw_end(&t);
	d = td_new();
	CHECK_EQ_INT(unpack(&d, &t, LAYER_WH_OVERLAY, 1, NULL), 0);
	CHECK(lstat(td_path(&d, "a/gone"), &st) == 0 && S_ISCHR(st.st_mode));
	CHECK(st.st_rdev == makedev(0, 0));
	CHECK_EQ_INT(getxattr(td_path(&d, "a"), "trusted.overlay.opaque", v, sizeof(v)), 1);
	CHECK(v[0] == 'y');
	CHECK_EQ_STR(slurp(td_path(&d, "b/keep")), "kept");
	CHECK(getxattr(td_path(&d, "b"), "trusted.overlay.opaque", v, sizeof(v)) < 0);
	CHECK_EQ_INT(lmode(td_path(&d, "c")), S_IFDIR | 0755);
	CHECK_EQ_INT(getxattr(td_path(&d, "c"), "trusted.overlay.opaque", v, sizeof(v)), 1);
	CHECK_EQ_INT(lmode(td_path(&d, "d")), S_IFDIR | 0755);
	CHECK_EQ_INT(getxattr(td_path(&d, "d"), "trusted.overlay.opaque", v, sizeof(v)), 1);
	CHECK_EQ_STR(slurp(td_path(&d, "e/x")), "x");
	CHECK_EQ_INT(getxattr(td_path(&d, "e"), "trusted.overlay.opaque", v, sizeof(v)), 1);
	CHECK(!exists(td_path(&d, ".wh..wh.plnk")) && !exists(td_path(&d, "plnk")));
	CHECK(!exists(td_path(&d, ".wh.c")) && !exists(td_path(&d, "a/.wh..wh..opq")));
	td_free(&d);
	free(t.p);
}

static void lower_tree(const struct tdir *d)
{
	static const char *const dirs[] = { "a", "a/sub", "c", "d", "d/dir", "e", "m", "f",
					    "x" };
	static const char *const files[] = { "a/old", "a/sub/y", "c/file", "d/dir/z", "e/old",
					     "m/keep", "f/inner", "g", "lowerfile", "x/keep" };

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		mkdir(td_path(d, dirs[i]), 0755);
	for (size_t i = 0; i < ARRAY_SIZE(files); i++)
		put_file(td_path(d, files[i]), files[i]);
	CHECK_EQ_INT(symlink("/tmp", td_path(d, "s")), 0);
}

TEST(layer_whiteout_apply)
{
	struct tw t = { 0 };
	struct tdir d = td_new();
	struct stat a, b;

	lower_tree(&d);
	tw_file(&t, "a/new", 0644, "new");
	tw_file(&t, "a/sub/x", 0644, "x");
	tw_file(&t, "a/.wh..wh..opq", 0644, "");	/* after this layer's own entries */
	tw_file(&t, ".wh.c", 0644, "");
	tw_dir(&t, "d/", 0755);
	tw_file(&t, "d/n", 0644, "n");
	tw_file(&t, ".wh.d", 0644, "");		/* d and d/n are this layer's */
	tw_file(&t, ".wh.missing", 0644, "");
	tw_file(&t, "nodir/.wh.y", 0644, "");
	tw_file(&t, "e/.wh..wh..opq", 0644, "");	/* before: the usual order */
	tw_file(&t, "e/new", 0644, "e");
	tw_hard(&t, "hl", "lowerfile");		/* hardlink to a lower layer's file */
	tw_file(&t, "f", 0644, "file over dir");
	tw_dir(&t, "g/", 0700);			/* dir over file */
	tw_dir(&t, "s/", 0700);			/* dir over symlink: replaced */
	tw_dir(&t, "m/", 0700);			/* dir over dir: merged */
	tw_file(&t, "x/.wh.keep", 0644, "");
	tw_file(&t, "x/keep", 0644, "again");	/* whiteout, then the same name */
	tw_end(&t);
	CHECK_EQ_INT(unpack(&d, &t, LAYER_WH_APPLY, 513, NULL), 0);
	CHECK_EQ_STR(slurp(td_path(&d, "a/new")), "new");
	CHECK_EQ_STR(slurp(td_path(&d, "a/sub/x")), "x");
	CHECK(!exists(td_path(&d, "a/old")) && !exists(td_path(&d, "a/sub/y")));
	CHECK(!exists(td_path(&d, "c")));
	CHECK_EQ_STR(slurp(td_path(&d, "d/n")), "n");
	CHECK(!exists(td_path(&d, "d/dir")));
	CHECK(!exists(td_path(&d, "nodir")));
	CHECK(!exists(td_path(&d, "e/old")));
	CHECK_EQ_STR(slurp(td_path(&d, "e/new")), "e");
	CHECK(lstat(td_path(&d, "hl"), &a) == 0 && lstat(td_path(&d, "lowerfile"), &b) == 0);
	CHECK(a.st_ino == b.st_ino);
	CHECK_EQ_STR(slurp(td_path(&d, "f")), "file over dir");
	CHECK_EQ_INT(lmode(td_path(&d, "g")), S_IFDIR | 0700);
	CHECK_EQ_INT(lmode(td_path(&d, "s")), S_IFDIR | 0700);
	CHECK_EQ_INT(lmode(td_path(&d, "m")), S_IFDIR | 0700);
	CHECK_EQ_STR(slurp(td_path(&d, "m/keep")), "m/keep");
	CHECK_EQ_STR(slurp(td_path(&d, "x/keep")), "again");
	CHECK(!exists(td_path(&d, ".wh.c")) && !exists(td_path(&d, "e/.wh..wh..opq")));
	td_free(&d);
	free(t.p);
}

TEST(layer_whiteout_apply_root_opaque)
{
	struct tw t = { 0 };
	struct tdir d = td_new();

	lower_tree(&d);
	tw_file(&t, "m/new", 0644, "new");
	tw_file(&t, ".wh..wh..opq", 0644, "");
	tw_end(&t);
	CHECK_EQ_INT(unpack(&d, &t, LAYER_WH_APPLY, 4096, NULL), 0);
	CHECK_EQ_STR(slurp(td_path(&d, "m/new")), "new");
	CHECK(!exists(td_path(&d, "m/keep")) && !exists(td_path(&d, "a")));
	CHECK(!exists(td_path(&d, "s")) && !exists(td_path(&d, "lowerfile")));
	td_free(&d);
	free(t.p);
}

/* ---- hardlinks ---- */

/* OVERLAY with lower layers: a hardlink to a lower file copies it up; a
 * whiteout in a higher lower layer hides it. */
TEST(layer_hardlink_copy_up)
{
	struct tdir up = td_new(), lo1 = td_new(), lo2 = td_new();
	struct tw t = { 0 };
	struct layer_unpack *u;
	struct stat a, b;
	int fds[2], r = 0;

	put_file(td_path(&lo2, "f"), "lower\n");
	chmod(td_path(&lo2, "f"), 04750);
	put_file(td_path(&lo2, "gone"), "x\n");
	mkdir(td_path(&lo1, "sub"), 0755);
	SKIP_IF(mknod(td_path(&lo1, "gone"), S_IFCHR, 0) < 0, "mknod needs root");
	tw_hard(&t, "sub/link", "f");
	tw_end(&t);
	fds[0] = lo1.fd, fds[1] = lo2.fd;
	u = layer_unpack_new(up.fd, LAYER_WH_OVERLAY);
	CHECK_EQ_INT(layer_unpack_set_lowers(u, fds, 2), 0);
	r = layer_unpack_feed(u, t.p, t.len);
	CHECK_EQ_INT(r ? r : layer_unpack_finish(u), 0);
	layer_unpack_free(u);
	CHECK_EQ_STR(slurp(td_path(&up, "sub/link")), "lower\n");
	CHECK(lstat(td_path(&up, "f"), &a) == 0 && lstat(td_path(&up, "sub/link"), &b) == 0);
	CHECK(a.st_ino == b.st_ino && (a.st_mode & 07777) == 04750);
	free(t.p);
	t = (struct tw){ 0 };
	tw_hard(&t, "l2", "gone");
	tw_end(&t);
	u = layer_unpack_new(up.fd, LAYER_WH_OVERLAY);
	layer_unpack_set_lowers(u, fds, 2);
	r = layer_unpack_feed(u, t.p, t.len);
	CHECK_EQ_INT(r ? r : layer_unpack_finish(u), -ENOENT);
	layer_unpack_free(u);
	free(t.p);
	td_free(&up), td_free(&lo1), td_free(&lo2);
}

TEST(layer_hardlinks)
{
	struct tw t = { 0 };
	struct tdir d = td_new();
	struct stat a, b, c;

	tw_file(&t, "bin/busybox", 0755, "bb");
	tw_hard(&t, "bin/sh", "bin/busybox");
	tw_hard(&t, "/usr/bin/env", "/bin/busybox");	/* absolute: made relative */
	tw_sym(&t, "sl", "bin/busybox");
	tw_hard(&t, "hsl", "sl");			/* to the symlink itself */
	tw_hard(&t, "bin/busybox", "bin/busybox");	/* to itself: nothing */
	tw_end(&t);
	CHECK_EQ_INT(unpack(&d, &t, 0, 1, NULL), 0);
	CHECK(lstat(td_path(&d, "bin/busybox"), &a) == 0 && lstat(td_path(&d, "bin/sh"), &b) == 0);
	CHECK(lstat(td_path(&d, "usr/bin/env"), &c) == 0);
	CHECK(a.st_ino == b.st_ino && a.st_ino == c.st_ino && a.st_nlink == 3);
	CHECK(lstat(td_path(&d, "hsl"), &a) == 0 && S_ISLNK(a.st_mode));
	CHECK_EQ_STR(rdlink(td_path(&d, "hsl")), "bin/busybox");
	td_free(&d);
	free(t.p);

	t = (struct tw){ 0 };
	tw_hard(&t, "x", "not/there");
	tw_end(&t);
	expect_fail(&t, LAYER_WH_OVERLAY, -EXDEV, "hardlink target \"not/there\" is in a lower layer");
	expect_fail(&t, LAYER_WH_APPLY, -ENOENT, "hardlink target \"not/there\" not found");
	free(t.p);
	t = (struct tw){ 0 };
	tw_dir(&t, "d", 0755);
	tw_hard(&t, "x", "d");
	tw_end(&t);
	expect_fail(&t, 0, -EPERM, "is a directory");
	free(t.p);
}

/* ---- escapes: nothing may be made or changed outside the layer ---- */

static void escape(const char *what, struct tw *t, const char *msg)
{
	struct tdir d = td_new();
	char *out = xasprintf("%s/outside", d.top), *pw = xasprintf("%s/outside/passwd", d.top);
	struct stat st;
	int r = unpack(&d, t, LAYER_WH_APPLY, 511, NULL);

	if (r != -EPERM)
		TAP_FAIL("%s: unpack returned %d (%s)", what, r, err_str());
	if (!strstr(err_str(), msg))
		TAP_FAIL("%s: error \"%s\" lacks \"%s\"", what, err_str(), msg);
	CHECK_EQ_STR(slurp(pw), "root\n");
	CHECK(lstat(pw, &st) == 0 && st.st_nlink == 1);
	CHECK(lstat(out, &st) == 0 && st.st_nlink == 2);	/* nothing new in it */
	td_free(&d);
	free(out), free(pw), free(t->p);
	*t = (struct tw){ 0 };
}

TEST(layer_escapes)
{
	struct tw t = { 0 };
	char etc[64], *etcp;

	tw_file(&t, "../outside/x", 0644, "x");
	escape("dotdot", &t, "layer entry \"../outside/x\": path leaves the layer");
	tw_file(&t, "a/../../outside/x", 0644, "x");
	escape("inner dotdot", &t, "path leaves the layer");
	tw_sym(&t, "s", "..");
	tw_file(&t, "s/outside/passwd", 0644, "pwned");
	escape("symlink to ..", &t, "goes through symlink \"s\"");
	tw_sym(&t, "s", "../outside");
	tw_dir(&t, "s/", 0755);	/* replaces the symlink: fine */
	tw_sym(&t, "s", "../outside");
	tw_file(&t, "s/passwd", 0644, "pwned");
	escape("symlink again", &t, "goes through symlink");
	tw_dir(&t, "d/", 0755);
	tw_file(&t, "d/a", 0644, "");
	tw_sym(&t, "d", "../outside");	/* replaces the cached parent */
	tw_file(&t, "d/b", 0644, "pwned");
	escape("cached parent replaced", &t, "goes through symlink \"d\"");
	tw_hard(&t, "h", "../../outside/passwd");
	escape("hardlink dotdot", &t, "hardlink target leaves the layer");
	tw_sym(&t, "s", "../outside");
	tw_hard(&t, "h", "s/passwd");
	escape("hardlink through symlink", &t, "hardlink target goes through symlink \"s\"");
	tw_sym(&t, "s", "../outside");
	tw_file(&t, "s/.wh.passwd", 0644, "");
	escape("whiteout through symlink", &t, "goes through symlink");
	tw_sym(&t, "s", "/");
	tw_file(&t, "s/x/.wh..wh..opq", 0644, "");
	escape("opaque through symlink", &t, "goes through symlink");
	tw_file(&t, "..", 0644, "");
	escape("just dotdot", &t, "path leaves the layer");
	tw_file(&t, ".wh...", 0644, "");
	escape("whiteout of ..", &t, "whiteout of \"..\" refused");
	tw_file(&t, "./", 0644, "");
	escape("root as a file", &t, "layer root can only be a directory");

	/* s -> /etc, then s/NAME: must not appear in /etc. */
	snprintf(etc, sizeof(etc), "dory-layer-test-%d", (int)getpid());
	etcp = xasprintf("s/%s", etc);
	tw_sym(&t, "s", "/etc");
	tw_file(&t, etcp, 0644, "pwned");
	escape("symlink to /etc", &t, "goes through symlink \"s\"");
	snprintf(etc, sizeof(etc), "/etc/dory-layer-test-%d", (int)getpid());
	CHECK(!exists(etc));
	unlink(etc);
	free(etcp);
}

TEST(layer_file_replaces_symlink)
{
	struct tw t = { 0 };
	struct tdir d = td_new();
	char *pw = xasprintf("%s/outside/passwd", d.top);

	tw_sym(&t, "f", "../outside/passwd");
	tw_file(&t, "f", 0600, "mine");
	tw_sym(&t, "g", "../outside/passwd");
	tw_hard(&t, "h", "g");
	tw_file(&t, "h", 0600, "mine too");	/* h is the symlink's inode */
	tw_end(&t);
	CHECK_EQ_INT(unpack(&d, &t, 0, 7, NULL), 0);
	CHECK_EQ_INT(lmode(td_path(&d, "f")), S_IFREG | 0600);
	CHECK_EQ_STR(slurp(td_path(&d, "f")), "mine");
	CHECK_EQ_STR(slurp(td_path(&d, "h")), "mine too");
	CHECK_EQ_STR(rdlink(td_path(&d, "g")), "../outside/passwd");
	CHECK_EQ_STR(slurp(pw), "root\n");
	td_free(&d);
	free(t.p), free(pw);
}

TEST(layer_lower_symlink_not_followed)
{
	struct tw t = { 0 };
	struct tdir d = td_new();
	char *out = xasprintf("%s/outside", d.top);

	CHECK_EQ_INT(symlink(out, td_path(&d, "lib")), 0);
	tw_file(&t, "lib/x", 0644, "pwned");
	tw_end(&t);
	CHECK_EQ_INT(unpack(&d, &t, LAYER_WH_APPLY, 512, NULL), -EPERM);
	CHECK(strstr(err_str(), "layer entry \"lib/x\": path goes through symlink \"lib\"") != NULL);
	CHECK(!exists(td_path(&d, "../outside/x")));
	td_free(&d);
	free(t.p), free(out);
}

/* Absolute names are made relative. The unpack runs in a child chrooted
 * in the test's directory: a name taken as absolute would land there,
 * beside the layer, and not in the host's root. */
static const struct tdir *abs_dir;
static const struct tw *abs_tar;

static int abs_unpack_in_chroot(void)
{
	if (chroot(abs_dir->top) < 0 || chdir("/") < 0)
		return 10;
	return unpack(abs_dir, abs_tar, 0, 512, NULL) == 0 ? 0 : 11;
}

TEST(layer_absolute_names_stay_inside)
{
	struct tw t = { 0 };
	struct tdir d;
	char *top_abs;

	SKIP_IF(ns_unavailable(), "chroot needs root, not under qemu-user or valgrind");
	d = td_new();
	top_abs = xasprintf("%s/abs", d.top);
	tw_file(&t, "/abs", 0644, "in\n");
	tw_hard(&t, "/abs2", "/abs");
	tw_file(&t, "/outside/passwd", 0644, "mine\n");
	tw_end(&t);
	abs_dir = &d, abs_tar = &t;
	fflush(stdout);
	CHECK_EQ_INT(in_ns(0, abs_unpack_in_chroot), 0);
	CHECK_EQ_STR(slurp(td_path(&d, "abs")), "in\n");
	CHECK_EQ_STR(slurp(td_path(&d, "abs2")), "in\n");
	CHECK_EQ_STR(slurp(td_path(&d, "outside/passwd")), "mine\n");
	CHECK(!exists(top_abs));
	CHECK_EQ_STR(slurp(td_path(&d, "../outside/passwd")), "root\n");
	td_free(&d);
	free(t.p), free(top_abs);
}

/* ---- malformed archives ---- */

TEST(layer_truncated)
{
	struct tw t = { 0 };
	size_t full;
	struct tdir d;
	struct tw cut;

	tw_file(&t, "a", 0644, "0123456789");
	full = t.len;
	tw_end(&t);
	cut = (struct tw){ .p = t.p, .len = 512 + 5 };	/* inside the data */
	expect_fail(&cut, 0, -EBADMSG, "layer: tar archive is cut short in entry \"a\"");
	cut.len = 512 + 100;				/* inside the padding */
	expect_fail(&cut, 0, -EBADMSG, "cut short at byte 612");
	cut.len = full + 100;				/* inside a header */
	expect_fail(&cut, 0, -EBADMSG, "cut short at byte 1124");
	cut.len = 300;					/* inside the first header */
	expect_fail(&cut, 0, -EBADMSG, "cut short at byte 300");
	d = td_new();
	cut.len = full;				/* EOF at a header boundary: fine (Go) */
	CHECK_EQ_INT(unpack(&d, &cut, 0, 100, NULL), 0);
	cut.len = full + 512;			/* one end block only: fine (Go) */
	CHECK_EQ_INT(unpack(&d, &cut, 0, 100, NULL), 0);
	td_free(&d);
	free(t.p);
}

TEST(layer_garbage)
{
	struct tw t = { 0 }, r = { 0 };
	char junk[1024];
	struct th h;

	tw_file(&t, "a", 0644, "x");
	t.p[0] ^= 1;	/* name changed, checksum not */
	tw_end(&t);
	expect_fail(&t, 0, -EBADMSG, "layer: not a tar archive (bad header checksum at byte 0)");
	free(t.p);
	t = (struct tw){ 0 };
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(i * 7 + 3);
	tw_put(&t, junk, sizeof(junk));
	expect_fail(&t, 0, -EBADMSG, "checksum");
	free(t.p);
	t = (struct tw){ 0 };
	tw_file(&t, "a", 0644, "x");
	tw_put(&t, (char[512]){ 0 }, 512);	/* one end block, then more */
	tw_file(&t, "b", 0644, "x");
	expect_fail(&t, 0, -EBADMSG, "data after an end-of-archive block at byte 1536");
	free(t.p);
	t = (struct tw){ 0 };
	tw_put(&r, "9 path=x\n", 9);	/* length says 9 but is 9: fine; then junk */
	tw_put(&r, "5 p\n", 4);
	tw_pax(&t, &r);
	tw_file(&t, "a", 0644, "");
	tw_end(&t);
	expect_fail(&t, 0, -EBADMSG, "bad pax record length at byte 0");
	free(t.p);
	t = (struct tw){ 0 };
	h = th_def("././@PaxHeader", 'x', 0644);
	h.size = 2 << 20;
	tw_hdr(&t, &h);
	expect_fail(&t, 0, -EBADMSG, "pax header larger than 1 MiB");
	free(t.p);
	t = (struct tw){ 0 };
	tw_rec(&r, "GNU.sparse.map", "0,1", 3);
	tw_pax(&t, &r);
	tw_file(&t, "sparse", 0644, "");
	tw_end(&t);
	expect_fail(&t, 0, -EOPNOTSUPP, "sparse files are not supported");
	free(t.p);
	t = (struct tw){ 0 };
	tw_simple(&t, "vol", 'V', 0644, NULL);
	tw_end(&t);
	expect_fail(&t, 0, -EOPNOTSUPP, "tar entry \"vol\" at byte 0: type 0x56 is not supported");
	free(t.p);
}

TEST(layer_trailing_data_and_globals)
{
	struct tw t = { 0 }, r = { 0 };
	struct tdir d = td_new();
	struct layer_stats st = { 0 };

	tw_rec(&r, "comment", "global", 6);
	tw_meta(&t, 'g', r.p, r.len);
	free(r.p);
	tw_file(&t, "a", 0644, "x");
	tw_end(&t);
	tw_put(&t, "trailing garbage", 16);	/* after the end: ignored */
	CHECK_EQ_INT(unpack(&d, &t, 0, 3, &st), 0);
	CHECK_EQ_STR(slurp(td_path(&d, "a")), "x");
	CHECK_EQ_INT(st.entries, 1);
	CHECK_EQ_INT(st.tar_bytes, t.len);
	td_free(&d);
	free(t.p);
}

TEST(layer_api_misuse)
{
	struct tdir d = td_new();
	struct layer_unpack *u;
	int fd;

	CHECK(layer_unpack_new(d.fd, LAYER_WH_OVERLAY | LAYER_WH_APPLY) == NULL);
	CHECK_EQ_INT(err_errno(), EINVAL);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	CHECK(layer_unpack_new(fd, 0) == NULL);
	close(fd);
	u = layer_unpack_new(d.fd, 0);
	CHECK_EQ_INT(layer_unpack_finish(u), 0);	/* empty stream */
	CHECK_EQ_INT(layer_unpack_feed(u, "x", 1), -EINVAL);
	layer_unpack_free(u);
	layer_unpack_free(NULL);
	td_free(&d);
}

TEST(layer_unpack_fd_reads_a_file)
{
	struct tw t = { 0 };
	struct tdir d = td_new();
	struct layer_stats st = { 0 };
	char *f = xasprintf("%s/l.tar", d.top);
	int fd;

	tw_file(&t, "etc/hostname", 0644, "dory\n");
	tw_end(&t);
	fd = open(f, O_CREAT | O_RDWR | O_CLOEXEC, 0644);
	CHECK(write(fd, t.p, t.len) == (ssize_t)t.len);
	lseek(fd, 0, SEEK_SET);
	CHECK_EQ_INT(layer_unpack_fd(d.fd, fd, 0, &st), 0);
	CHECK_EQ_INT(st.entries, 1);
	CHECK_EQ_STR(slurp(td_path(&d, "etc/hostname")), "dory\n");
	close(fd);
	td_free(&d);
	free(t.p), free(f);
}
