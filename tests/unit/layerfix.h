// SPDX-License-Identifier: Apache-2.0
/* layerfix.h - fixtures shared by the overlay and bind-copy tests: a temp
 * dir, three hand-made layers (whiteouts, opaque dirs, hardlinks, setuid,
 * fifos) and the checks of a merged view. Include after defining
 * FIX_TEMPLATE (a mkdtemp template) and declaring `static char dir[]`. */
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

static int put(const char *path, const char *s, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	int ok = fd >= 0 && write(fd, s, strlen(s)) == (ssize_t)strlen(s);

	if (fd >= 0)
		close(fd);
	return ok && chmod(path, mode) == 0 ? 0 : -1;
}

static bool has(const char *path, const char *s)
{
	char b[256];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, b, sizeof(b) - 1);

	if (fd >= 0)
		close(fd);
	if (n < 0)
		return false;
	b[n] = '\0';
	return strcmp(b, s) == 0;
}

static bool absent(const char *path)
{
	struct stat st;

	return lstat(path, &st) < 0 && errno == ENOENT;
}

static int mkdirs(const char *const *v)
{
	for (; *v; v++)
		if (mkdir(P("%s", *v), 0755) < 0)
			return -1;
	return 0;
}

static int count_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	if (d)
		closedir(d);
	return d ? n : -1;
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
	NS_CHECK(has(M("etc/passwd"), "root:x:0:0:new\n") && has(M("etc/keep"), "keep"));
	NS_CHECK(absent(M("etc/gone")) && absent(M("null")));
	NS_CHECK(count_entries(M("etc")) == 2);
	NS_CHECK(stat(M("bin/su"), &st) == 0 && (st.st_mode & 07777) == 04755);
	NS_CHECK(stat(M("bin/h1"), &st) == 0 && stat(M("bin/h2"), &st2) == 0);
	NS_CHECK(st.st_ino == st2.st_ino && st.st_nlink == 2);
	NS_CHECK(count_entries(M("opq")) == 2 && has(M("opq/c"), "c") && has(M("opq/d"), "d"));
	NS_CHECK(lstat(M("dirx"), &st) == 0 && S_ISDIR(st.st_mode) && has(M("dirx/inner"), "inner"));
	NS_CHECK(lstat(M("dd"), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0600);
	NS_CHECK((n = readlink(M("lnk"), b, sizeof(b))) == 10 && !memcmp(b, "etc/passwd", 10));
	NS_CHECK(lstat(M("fifo"), &st) == 0 && S_ISFIFO(st.st_mode));
	NS_CHECK(stat(M("own"), &st) == 0 && st.st_uid == 1000 && st.st_gid == 1000);
	NS_CHECK((st.st_mode & 07777) == 0640);
	NS_CHECK(getxattr(M("xf"), "user.test", b, sizeof(b)) == 1 && b[0] == 'v');
	NS_CHECK(has(M("top.txt"), "top"));
#undef M
	return 0;
}

#endif
