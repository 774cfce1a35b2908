// SPDX-License-Identifier: Apache-2.0
/* layerfix.h - fixtures shared by the overlay and bind-copy tests: a temp
 * dir, three hand-made layers (whiteouts, opaque dirs, hardlinks, setuid,
 * fifos) and the checks of a merged view. Include after fixture.h (files),
 * after defining FIX_TEMPLATE (a mkdtemp template) and declaring
 * `static char dir[]`. */
#ifndef DORY_LAYERFIX_H
#define DORY_LAYERFIX_H

/* In the child: report the failed check and its line as the exit status. */
#define NS_CHECK(c)                                                                  \
	do {                                                                         \
		if (!(c)) {                                                          \
			fprintf(stderr, "#   %s:%d: %s [%s]\n", __FILE__, __LINE__, #c,   \
				err_str());                                          \
			return __LINE__ % 250 + 1;                                   \
		}                                                                    \
	} while (0)

/* Formatted paths from a ring of buffers, so several can be alive; P()
 * is under dir, R() as given. */
static char *ring_next(void)
{
	static char ring[8][1024];
	static int next;

	return ring[next++ % 8];
}

static const char *vfmt(const char *pre, const char *fmt, va_list ap)
{
	char *b = ring_next();
	int n = snprintf(b, 1024, "%s", pre);

	vsnprintf(b + n, 1024 - (size_t)n, fmt, ap);
	return b;
}

PRINTF(1, 2) static const char *P(const char *fmt, ...)
{
	char pre[64];
	const char *r;
	va_list ap;

	snprintf(pre, sizeof(pre), "%s/", dir);
	va_start(ap, fmt);
	r = vfmt(pre, fmt, ap);
	va_end(ap);
	return r;
}

PRINTF(1, 2) static const char *R(const char *fmt, ...)
{
	const char *r;
	va_list ap;

	va_start(ap, fmt);
	r = vfmt("", fmt, ap);
	va_end(ap);
	return r;
}

/* A fresh temp dir for each test. */
static bool new_dir(void)
{
	strcpy(dir, FIX_TEMPLATE);
	return mkdtemp(dir) != NULL;
}

static int mkdirs(const char *const *v)
{
	for (; *v; v++)
		if (mkdir(P("%s", *v), 0755) < 0)
			return -1;
	return 0;
}

/* Three layers in overlay form: l3 at the bottom, l1 on top. */
static int make_layers(void)
{
	static const char *const dirs[] = {
		"l1", "l2", "l3", "l3/etc", "l3/bin", "l3/opq", "l3/dd", "l2/etc", "l2/opq",
		"l2/dd", "l1/opq", "l1/dirx", "u", "w", "m", NULL,
	};

	NS_CHECK(mkdirs(dirs) == 0);
	NS_CHECK(fix_put(dir, "l3/etc/passwd", "root:x:0:0\n", 0644) == 0);
	NS_CHECK(fix_put(dir, "l3/etc/keep", "keep", 0644) == 0);
	NS_CHECK(fix_put(dir, "l3/etc/gone", "gone", 0644) == 0);
	NS_CHECK(fix_put(dir, "l3/bin/su", "su", 04755) == 0);
	NS_CHECK(fix_put(dir, "l3/bin/h1", "hard", 0755) == 0);
	NS_CHECK(link(P("l3/bin/h1"), P("l3/bin/h2")) == 0);
	NS_CHECK(fix_put(dir, "l3/opq/a", "a", 0644) == 0);
	NS_CHECK(fix_put(dir, "l3/opq/b", "b", 0644) == 0);
	NS_CHECK(fix_put(dir, "l3/dirx", "file", 0644) == 0);
	NS_CHECK(fix_put(dir, "l3/dd/inside", "in", 0644) == 0);
	NS_CHECK(symlink("etc/passwd", P("l3/lnk")) == 0);
	NS_CHECK(mkfifo(P("l3/fifo"), 0600) == 0);
	NS_CHECK(mknod(P("l3/null"), S_IFCHR | 0666, makedev(1, 3)) == 0);
	NS_CHECK(fix_put(dir, "l3/own", "own", 0640) == 0 && chown(P("l3/own"), 1000, 1000) == 0);
	NS_CHECK(fix_put(dir, "l3/xf", "x", 0644) == 0);
	NS_CHECK(setxattr(P("l3/xf"), "user.test", "v", 1, 0) == 0);
	/* l2: a whiteout, an opaque dir, a replaced file, a file over a dir */
	NS_CHECK(mknod(P("l2/etc/gone"), S_IFCHR, makedev(0, 0)) == 0);
	NS_CHECK(fix_put(dir, "l2/etc/passwd", "root:x:0:0:new\n", 0644) == 0);
	NS_CHECK(setxattr(P("l2/opq"), "trusted.overlay.opaque", "y", 1, 0) == 0);
	NS_CHECK(fix_put(dir, "l2/opq/c", "c", 0644) == 0);
	NS_CHECK(rmdir(P("l2/dd")) == 0 && fix_put(dir, "l2/dd", "file now", 0600) == 0);
	/* l1: a new file, a dir over a file, a whiteout over a device */
	NS_CHECK(fix_put(dir, "l1/top.txt", "top", 0644) == 0);
	NS_CHECK(fix_put(dir, "l1/opq/d", "d", 0644) == 0);
	NS_CHECK(fix_put(dir, "l1/dirx/inner", "inner", 0644) == 0);
	NS_CHECK(mknod(P("l1/null"), S_IFCHR, makedev(0, 0)) == 0);
	return 0;
}

/* What both drivers must show of make_layers() at where. */
static int check_view_shared(const char *where)
{
	char m[256];
	struct stat st, st2;
	char b[64];
	ssize_t n;

	snprintf(m, sizeof(m), "%s", where);
#define M(s) R("%s/%s", m, s)
	NS_CHECK(fix_has(m, "etc/passwd", "root:x:0:0:new\n") && fix_has(m, "etc/keep", "keep"));
	NS_CHECK(!fix_exists(m, "etc/gone") && !fix_exists(m, "null"));
	NS_CHECK(fix_count(m, "etc") == 2);
	NS_CHECK(stat(M("bin/su"), &st) == 0 && (st.st_mode & 07777) == 04755);
	NS_CHECK(stat(M("bin/h1"), &st) == 0 && stat(M("bin/h2"), &st2) == 0);
	NS_CHECK(st.st_ino == st2.st_ino && st.st_nlink == 2);
	NS_CHECK(fix_count(m, "opq") == 2 && fix_has(m, "opq/c", "c") && fix_has(m, "opq/d", "d"));
	NS_CHECK(lstat(M("dirx"), &st) == 0 && S_ISDIR(st.st_mode));
	NS_CHECK(fix_has(m, "dirx/inner", "inner"));
	NS_CHECK(lstat(M("dd"), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0600);
	NS_CHECK((n = readlink(M("lnk"), b, sizeof(b))) == 10 && !memcmp(b, "etc/passwd", 10));
	NS_CHECK(lstat(M("fifo"), &st) == 0 && S_ISFIFO(st.st_mode));
	NS_CHECK(stat(M("own"), &st) == 0 && st.st_uid == 1000 && st.st_gid == 1000);
	NS_CHECK((st.st_mode & 07777) == 0640);
	NS_CHECK(getxattr(M("xf"), "user.test", b, sizeof(b)) == 1 && b[0] == 'v');
	NS_CHECK(fix_has(m, "top.txt", "top"));
#undef M
	return 0;
}

#endif
