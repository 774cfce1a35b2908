// SPDX-License-Identifier: Apache-2.0
/* ctrlog.c - a detached container's log in the CRI format: the supervisor's
 * unbuffered rotating writer, the reader behind `dory logs`, --since. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>

#include "core/ctr/ctrlog.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/str.h"
#include "core/util/xalloc.h"

enum {
	NS = 1000000000,
	TS_LEN = 30,		/* "2026-11-25T14:38:00.123456789Z" */
	HDR_LEN = TS_LEN + 10,	/* then " stdout F " */
	RD_CHUNK = 16384,	/* the reader's buffer, grown for longer lines */
	POLL_MS = 100,		/* follow: how often an idle log is looked at */
	OPEN_TRIES = 5,		/* reopen the set when a rotation raced us */
};

struct ctrlog {
	int fd;			/* -1 after a failed rotation: reopened on write */
	int max_file;
	long long size, max_size;
	char path[];
};

/* ---- time: proleptic Gregorian, UTC, in integers (no libc tz state) ---- */

/* Days from 1970-01-01 to y-m-d, counted in eras of 400 years (146097 days)
 * with years starting in March, so that the leap day comes last. */
static long long days_from_civil(long long y, int m, int d)
{
	long long era, yoe, doy;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

static void civil_from_days(long long z, long long *y, int *m, int *d)
{
	long long era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static void put_num(char *p, long long v, int width)
{
	while (width--) {
		p[width] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* ns since the epoch as RFC 3339 with 9 fraction digits in out[TS_LEN + 1];
 * by hand, because the supervisor keeps stdio out of its hot path. */
static void ts_fmt(long long ns, char *out)
{
	long long s = ns / NS, f = ns % NS, days, sod, y;
	int m, d;

	if (f < 0) {
		f += NS;
		s--;
	}
	days = s / 86400;
	sod = s % 86400;
	if (sod < 0) {
		sod += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	memcpy(out, "0000-00-00T00:00:00.000000000Z", TS_LEN + 1);
	put_num(out, y, 4);
	put_num(out + 5, m, 2);
	put_num(out + 8, d, 2);
	put_num(out + 11, sod / 3600, 2);
	put_num(out + 14, sod / 60 % 60, 2);
	put_num(out + 17, sod % 60, 2);
	put_num(out + 20, f, 9);
}

/* Take exactly n digits at *p. Stops at the NUL, never reads past it. */
static bool take_num(const char **p, int n, long long *v)
{
	long long x = 0;

	for (int i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return false;
		x = x * 10 + (*p)[i] - '0';
	}
	*p += n;
	*v = x;
	return true;
}

static bool take_ch(const char **p, const char *set)
{
	if (!**p || !strchr(set, **p))
		return false;
	(*p)++;
	return true;
}

/* ".123" (any number of digits, the first 9 count) as ns. */
static bool take_frac(const char **p, long long *ns)
{
	long long v = 0, scale = NS;
	const char *s = *p;

	while (*s >= '0' && *s <= '9') {
		if (scale > 1) {
			scale /= 10;
			v += (*s - '0') * scale;
		}
		s++;
	}
	if (s == *p)
		return false;
	*p = s;
	*ns = v;
	return true;
}

static int month_days(long long y, long long m)
{
	static const unsigned char md[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return md[m - 1] + (m == 2 && leap);
}

/* The clock part after the date: "HH[:MM[:SS[.frac]]]" into seconds and ns. */
static bool take_clock(const char **p, long long *sec, long long *frac)
{
	long long h, mi = 0, s = 0;

	if (!take_num(p, 2, &h) || h > 23)
		return false;
	if (take_ch(p, ":")) {
		if (!take_num(p, 2, &mi) || mi > 59)
			return false;
		if (take_ch(p, ":")) {
			if (!take_num(p, 2, &s) || s > 59)
				return false;
			if (take_ch(p, ".,") && !take_frac(p, frac))
				return false;
		}
	}
	*sec = h * 3600 + mi * 60 + s;
	return true;
}

/* "YYYY-MM-DD[(T|t| )HH[:MM[:SS[.frac]]]][Z|(+|-)HH:MM]" at s; *end is
 * left after it. Without a zone it is local time, as Docker reads it. */
static int parse_time(const char *s, const char **end, long long *ns)
{
	const char *p = s;
	long long y, mo, d, sec = 0, frac = 0, oh, om, t;
	int sign;

	if (!take_num(&p, 4, &y) || !take_ch(&p, "-") || !take_num(&p, 2, &mo) ||
	    !take_ch(&p, "-") || !take_num(&p, 2, &d) || mo < 1 || mo > 12 || d < 1 ||
	    d > month_days(y, mo))
		return -EINVAL;
	if (take_ch(&p, "Tt ") && !take_clock(&p, &sec, &frac))
		return -EINVAL;
	if (take_ch(&p, "Zz")) {
		t = days_from_civil(y, (int)mo, (int)d) * 86400 + sec;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '-' ? -1 : 1;
		if (!take_num(&p, 2, &oh) || !take_ch(&p, ":") || !take_num(&p, 2, &om) ||
		    oh > 23 || om > 59)
			return -EINVAL;
		t = days_from_civil(y, (int)mo, (int)d) * 86400 + sec - sign * (oh * 3600 + om * 60);
	} else {
		struct tm tm = {
			.tm_year = (int)y - 1900, .tm_mon = (int)mo - 1, .tm_mday = (int)d,
			.tm_hour = (int)(sec / 3600), .tm_min = (int)(sec / 60 % 60),
			.tm_sec = (int)(sec % 60), .tm_isdst = -1,
		};

		t = mktime(&tm);
	}
	if (t > LLONG_MAX / NS - 1 || t < LLONG_MIN / NS + 1)
		return -ERANGE;
	*end = p;
	*ns = t * NS + frac;
	return 0;
}

/* Go's time.ParseDuration without a sign: "1h30m", "1.5h", "42s", "300ms". */
static int parse_duration(const char *s, long long *ns)
{
	static const struct { char u[4]; long long ns; } units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "\xc2\xb5s", 1000 }, { "ms", 1000000 },
		{ "s", NS }, { "m", 60LL * NS }, { "h", 3600LL * NS },
	};
	long long total = 0, whole, frac, scale, v;
	const char *p = s;
	size_t k, ul;

	while (*p) {
		const char *digits = p;

		for (whole = 0; *p >= '0' && *p <= '9'; p++)
			if (__builtin_mul_overflow(whole, 10, &whole) ||
			    __builtin_add_overflow(whole, *p - '0', &whole))
				return -ERANGE;
		frac = 0;
		scale = 1;
		if (*p == '.')		/* "1.5h", ".5h" and "5.h", as Go */
			for (p++; *p >= '0' && *p <= '9'; p++)
				if (scale < NS) {
					frac = frac * 10 + *p - '0';
					scale *= 10;
				}
		if (p == digits || (p == digits + 1 && *digits == '.'))
			return -EINVAL;
		for (k = 0; k < ARRAY_SIZE(units); k++) {
			ul = strlen(units[k].u);
			if (!strncmp(p, units[k].u, ul))
				break;
		}
		if (k == ARRAY_SIZE(units))
			return -EINVAL;
		p += ul;
		if (__builtin_mul_overflow(whole, units[k].ns, &v) ||
		    __builtin_add_overflow(v, frac * units[k].ns / scale, &v) ||
		    __builtin_add_overflow(total, v, &total))
			return -ERANGE;
	}
	*ns = total;
	return p == s ? -EINVAL : 0;
}

/* "1700000000[.123]": seconds since the epoch. */
static int parse_unix(const char *s, long long *ns)
{
	const char *p = s;
	long long sec = 0, frac = 0;

	for (; *p >= '0' && *p <= '9'; p++)
		if (__builtin_mul_overflow(sec, 10, &sec) ||
		    __builtin_add_overflow(sec, *p - '0', &sec))
			return -ERANGE;
	if (p == s || (*p == '.' && !(p++, take_frac(&p, &frac))) || *p)
		return -EINVAL;
	if (__builtin_mul_overflow(sec, NS, &sec))
		return -ERANGE;
	*ns = sec + frac;
	return 0;
}

int ctrlog_parse_since(const char *s, long long now_ns, long long *out_ns)
{
	const char *end = s;
	long long v = 0;
	int r;

	if (strchr(s, '-'))
		r = parse_time(s, &end, &v) < 0 || *end ? -EINVAL : 0;
	else if (s[strspn(s, "0123456789.")] == '\0')
		r = parse_unix(s, &v);
	else if ((r = parse_duration(s, &v)) == 0)
		v = now_ns - v;
	if (r < 0)
		return err_setx(EINVAL, "invalid time \"%s\" (use 2024-01-02T15:04:05Z, "
				"1700000000 or 1h30m)", s);
	*out_ns = v;
	return 0;
}

/* ---- --log-opt ---- */

/* "10m", "512k", "1g", "100000", "10MB", "10MiB": go-units' RAMInBytes. */
static bool parse_size(const char *s, long long *out)
{
	static const char units[] = "kmgt";
	unsigned long long v = 0;
	const char *p = s, *u;

	for (; *p >= '0' && *p <= '9'; p++)
		if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, *p - '0', &v))
			return false;
	if (p == s || !v)
		return false;
	if (*p && (u = strchr(units, *p | 0x20))) {
		for (long i = u - units; i >= 0; i--)
			if (__builtin_mul_overflow(v, 1024, &v))
				return false;
		p++;
		if ((*p | 0x20) == 'i')
			p++;
	}
	if ((*p | 0x20) == 'b')
		p++;
	if (*p || v > LLONG_MAX)
		return false;
	*out = (long long)v;
	return true;
}

static bool parse_one_opt(const char *kv, long long *size, int *files)
{
	unsigned long long n;

	if (!strncmp(kv, "max-size=", 9))
		return parse_size(kv + 9, size);
	if (!strncmp(kv, "max-file=", 9) && !str_to_u64(kv + 9, CTRLOG_MAX_FILES, &n) && n) {
		*files = (int)n;
		return true;
	}
	return false;
}

int ctrlog_parse_opt(const char *kv, long long *size, int *files)
{
	long long sz = *size;
	int nf = *files;
	const char *p = kv, *e;
	char one[64];

	do {
		e = strchrnul(p, ',');
		if ((size_t)(e - p) >= sizeof(one))
			goto bad;
		memcpy(one, p, (size_t)(e - p));
		one[e - p] = '\0';
		if (!parse_one_opt(one, &sz, &nf))
			goto bad;
		p = e + 1;
	} while (*e);
	*size = sz;
	*files = nf;
	return 0;
bad:
	return err_setx(EINVAL, "invalid log option \"%s\" (use max-size=N[k|m|g] and "
			"max-file=N, N >= 1)", kv);
}

/* ---- the writer (runs in the supervisor: small, unbuffered) ---- */

/* ctr.log for k 0, ctr.log.k otherwise (allocated). */
static char *log_name(const char *path, int k)
{
	return k ? xasprintf("%s.%d", path, k) : xstrdup(path);
}

static int log_reopen(struct ctrlog *l)
{
	struct stat st;

	l->fd = openat(AT_FDCWD, l->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (l->fd < 0)
		return err_set(errno, "open %s", l->path);
	l->size = fstat(l->fd, &st) < 0 ? 0 : st.st_size;
	return 0;
}

/* Shift ctr.log.(k) to ctr.log.(k+1), the oldest falling off as rename
 * replaces it, so that max_file files remain with the new ctr.log. */
static int log_rotate(struct ctrlog *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	if (l->max_file == 1 && unlink(l->path) < 0 && errno != ENOENT)
		return err_set(errno, "rotate %s", l->path);
	for (int k = l->max_file - 1; k >= 1; k--) {
		autofree char *from = log_name(l->path, k - 1);
		autofree char *to = log_name(l->path, k);

		if (rename(from, to) < 0 && errno != ENOENT)
			return err_set(errno, "rotate %s", from);
	}
	return log_reopen(l);
}

static int writev_full(int fd, struct iovec *iov, int cnt)
{
	while (cnt) {
		ssize_t r = writev(fd, iov, cnt);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -EIO;
		for (; cnt && (size_t)r >= iov->iov_len; iov++, cnt--)
			r -= (ssize_t)iov->iov_len;
		if (cnt) {
			iov->iov_base = (char *)iov->iov_base + r;
			iov->iov_len -= (size_t)r;
		}
	}
	return 0;
}

/* One entry, header, text and newline in one write: O_APPEND keeps
 * entries whole for a reader. */
static int log_entry(struct ctrlog *l, char *hdr, const char *text, size_t n)
{
	struct iovec iov[3] = {
		{ hdr, HDR_LEN }, { (char *)text, n }, { (char *)"\n", 1 },
	};
	long long len = HDR_LEN + (long long)n + 1;
	int r;

	if (l->fd >= 0 && l->size > 0 && l->size + len > l->max_size && log_rotate(l) < 0)
		return -err_errno();
	if (l->fd < 0 && log_reopen(l) < 0)
		return -err_errno();
	r = writev_full(l->fd, iov, 3);
	if (r < 0)
		return err_set(-r, "write %s", l->path);
	l->size += len;
	return 0;
}

int ctrlog_write(struct ctrlog *l, int stream, const void *buf, size_t n)
{
	const char *p = buf, *end = p + n, *nl;
	char hdr[HDR_LEN + 1];
	struct timespec ts;
	int r;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts_fmt(ts.tv_sec * (long long)NS + ts.tv_nsec, hdr);
	memcpy(hdr + TS_LEN, stream == CTRLOG_STDERR ? " stderr F " : " stdout F ", 11);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		hdr[TS_LEN + 8] = nl ? 'F' : 'P';
		r = log_entry(l, hdr, p, (size_t)((nl ? nl : end) - p));
		if (r < 0)
			return r;
		p = nl ? nl + 1 : end;
	}
	return 0;
}

int ctrlog_open(const char *path, long long max_size, int max_file, struct ctrlog **out)
{
	size_t n = strlen(path) + 1;
	struct ctrlog *l = xzalloc(sizeof(*l) + n);

	memcpy(l->path, path, n);
	l->max_size = max_size > 0 ? max_size : CTRLOG_DEFAULT_SIZE;
	l->max_file = max_file > 0 ? max_file : CTRLOG_DEFAULT_FILES;
	if (l->max_file > CTRLOG_MAX_FILES)
		l->max_file = CTRLOG_MAX_FILES;
	if (log_reopen(l) < 0) {
		free(l);
		return -err_errno();
	}
	*out = l;
	return 0;
}

void ctrlog_close(struct ctrlog *l)
{
	if (!l)
		return;
	if (l->fd >= 0)
		close(l->fd);
	free(l);
}

int ctrlog_remove(const char *path, int max_file)
{
	if (max_file <= 0)
		max_file = CTRLOG_DEFAULT_FILES;
	/* Past max_file too, up to the first gap: a log once kept more. */
	for (int k = 0; k < CTRLOG_MAX_FILES; k++) {
		autofree char *name = log_name(path, k);

		if (unlink(name) == 0)
			continue;
		if (errno != ENOENT)
			return err_set(errno, "remove %s", name);
		if (k >= max_file)
			break;
	}
	return 0;
}

/* ---- the reader ---- */

struct printer {
	const struct ctrlog_read_opts *o;
	int fd[3];		/* [CTRLOG_STDOUT], [CTRLOG_STDERR] */
	long long skip;		/* lines left out for --tail */
	long long line;		/* lines begun so far */
	bool partial[3];	/* the stream's last entry was P */
	bool show[3];		/* its current line is printed */
	bool count_only;
	int out_fd;		/* what buf holds is for out_fd */
	size_t out_n;
	char buf[4096];
};

struct rd {
	int fd;
	char *buf;
	size_t len, cap;
};

static int out_flush(struct printer *pr)
{
	int r;

	if (!pr->out_n)
		return 0;
	r = fsutil_write_full(pr->out_fd, pr->buf, pr->out_n);
	pr->out_n = 0;
	return r < 0 ? err_set(-r, "write the log") : 0;
}

static int out_put(struct printer *pr, int fd, const char *s, size_t n)
{
	if ((pr->out_fd != fd || pr->out_n + n > sizeof(pr->buf)) && out_flush(pr) < 0)
		return -err_errno();
	pr->out_fd = fd;
	if (n > sizeof(pr->buf)) {
		int r = fsutil_write_full(fd, s, n);

		return r < 0 ? err_set(-r, "write the log") : 0;
	}
	memcpy(pr->buf + pr->out_n, s, n);
	pr->out_n += n;
	return 0;
}

/* One entry, s[n] being its NUL (was the newline). A malformed line (a
 * torn write after a crash) is skipped. */
static int pr_entry(struct printer *pr, const char *s, size_t n)
{
	const char *p, *end = s + n;
	char ts[TS_LEN + 2];
	long long ns;
	int st;
	bool full;

	if (parse_time(s, &p, &ns) < 0 || *p++ != ' ')
		return 0;
	if (!strncmp(p, "stdout ", 7))
		st = CTRLOG_STDOUT;
	else if (!strncmp(p, "stderr ", 7))
		st = CTRLOG_STDERR;
	else
		return 0;
	p += 7;
	if ((*p != 'F' && *p != 'P') || (p[1] != ' ' && p[1] != '\0'))
		return 0;
	full = *p == 'F';
	p += p[1] ? 2 : 1;
	if (!pr->partial[st]) {
		pr->line++;
		pr->show[st] = pr->line > pr->skip && ns >= pr->o->since_ns;
		if (pr->show[st] && !pr->count_only && pr->o->timestamps) {
			ts_fmt(ns, ts);
			ts[TS_LEN] = ' ';
			if (out_put(pr, pr->fd[st], ts, TS_LEN + 1) < 0)
				return -err_errno();
		}
	}
	pr->partial[st] = !full;
	if (!pr->show[st] || pr->count_only)
		return 0;
	if (out_put(pr, pr->fd[st], p, (size_t)(end - p)) < 0 ||
	    (full && out_put(pr, pr->fd[st], "\n", 1) < 0))
		return -err_errno();
	return 0;
}

/* Hand each complete line fd has now to pr_entry; a line still without
 * its newline stays in r. Returns the bytes read, or -errno. */
static ssize_t rd_pump(struct rd *r, struct printer *pr)
{
	ssize_t total = 0, n;
	char *p, *end, *nl;

	while (r->fd >= 0) {
		if (r->len == r->cap) {
			r->cap = r->cap ? r->cap * 2 : RD_CHUNK;
			r->buf = xrealloc(r->buf, r->cap + 1);
		}
		n = read(r->fd, r->buf + r->len, r->cap - r->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_set(errno, "read the log");
		if (n == 0)
			break;
		total += n;
		r->len += (size_t)n;
		end = r->buf + r->len;
		for (p = r->buf; (nl = memchr(p, '\n', (size_t)(end - p))); p = nl + 1) {
			*nl = '\0';
			if (pr_entry(pr, p, (size_t)(nl - p)) < 0)
				return -err_errno();
		}
		r->len = (size_t)(end - p);
		memmove(r->buf, p, r->len);
	}
	return out_flush(pr) < 0 ? -err_errno() : total;
}

/* Print all of a file (a rotated one, whole). */
static int rd_file(struct rd *r, struct printer *pr, int fd)
{
	ssize_t n;

	r->fd = fd;
	r->len = 0;
	n = rd_pump(r, pr);
	r->fd = -1;
	r->len = 0;
	return n < 0 ? (int)n : 0;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

static int open_ro(const char *name)
{
	return openat(AT_FDCWD, name, O_RDONLY | O_CLOEXEC);
}

/* Follow, on a rotation: drain the held file (what came before the
 * rename), print the rotated files newer than it (more than one rotation
 * in a poll), then hold the new ctr.log. 1: switched; 0: nothing to do. */
static int follow_rotated(const char *path, int max_file, struct rd *r, struct printer *pr)
{
	struct stat now, held, st;
	int k, fd;

	if (r->fd < 0) {
		r->fd = open_ro(path);
		return r->fd >= 0;
	}
	if (stat(path, &now) < 0 || fstat(r->fd, &held) < 0 || same_file(&now, &held))
		return 0;	/* mid-rotation (no ctr.log yet) or none */
	if (rd_pump(r, pr) < 0)
		return -err_errno();
	close(r->fd);
	r->fd = -1;
	r->len = 0;
	for (k = 1; k < max_file; k++) {
		autofree char *name = log_name(path, k);

		if (stat(name, &st) == 0 && same_file(&st, &held))
			break;
	}
	while (--k >= 1) {
		autofree char *name = log_name(path, k);

		fd = open_ro(name);
		if (fd >= 0 && rd_file(r, pr, fd) < 0) {
			close(fd);
			return -err_errno();
		}
		if (fd >= 0)
			close(fd);
	}
	r->fd = open_ro(path);
	return 1;
}

static void nap(void)
{
	struct timespec ts = { 0, POLL_MS * 1000000L };

	nanosleep(&ts, NULL);
}

static int follow(const char *path, int max_file, struct rd *r, struct printer *pr)
{
	const struct ctrlog_read_opts *o = pr->o;
	bool last = false;
	ssize_t n;
	int k;

	for (;;) {
		n = rd_pump(r, pr);
		if (n < 0)
			return (int)n;
		if (n > 0)
			continue;
		k = follow_rotated(path, max_file, r, pr);
		if (k < 0)
			return k;
		if (k > 0)
			continue;
		if (last)
			return 0;
		/* Stopped: one more round drains what it wrote before. */
		if (o->running && !o->running(o->arg))
			last = true;
		else
			nap();
	}
}

static void close_all(int *fds, int n)
{
	for (int k = 0; k < n; k++) {
		if (fds[k] >= 0)
			close(fds[k]);
		fds[k] = -1;
	}
}

/* Open ctr.log.(n-1) ... ctr.log, fds[k] for ctr.log.k (-1: none), as one
 * set: a rotation while opening them is seen (a name no longer names the
 * file opened) and the set reopened. Returns how many exist. */
static int open_set(const char *path, int *fds, int n)
{
	struct stat a, b;
	int k, found = 0, tries;

	for (tries = 0; tries < OPEN_TRIES; tries++) {
		bool moved = false;

		for (found = 0, k = n - 1; k >= 0; k--) {
			autofree char *name = log_name(path, k);

			fds[k] = open_ro(name);
			found += fds[k] >= 0;
		}
		for (k = 0; k < n && !moved; k++) {
			autofree char *name = log_name(path, k);
			bool there = stat(name, &a) == 0;

			moved = there != (fds[k] >= 0) ||
				(there && (fstat(fds[k], &b) < 0 || !same_file(&a, &b)));
		}
		if (!moved || tries == OPEN_TRIES - 1)
			break;
		close_all(fds, n);
	}
	return found;
}

/* Print every file, oldest first; the newest (fds[0]) stays held in r. */
static int print_set(struct rd *r, struct printer *pr, int *fds, int n)
{
	int k;

	for (k = n - 1; k >= 1; k--)
		if (fds[k] >= 0 && rd_file(r, pr, fds[k]) < 0)
			return -err_errno();
	r->fd = fds[0];
	r->len = 0;
	return rd_pump(r, pr) < 0 ? -err_errno() : 0;
}

static void printer_reset(struct printer *pr, long long skip, bool count_only)
{
	pr->skip = skip;
	pr->line = 0;
	pr->count_only = count_only;
	memset(pr->partial, 0, sizeof(pr->partial));
	memset(pr->show, 0, sizeof(pr->show));
}

static int print_log(const char *path, int n, struct printer *pr, int *fds)
{
	struct rd r = { .fd = -1 };
	long long skip = 0;
	int rc = 0, k;

	if (!open_set(path, fds, n) && !pr->o->follow)
		return err_set(ENOENT, "open %s", path);
	if (pr->o->tail >= 0) {
		/* Count the lines first: tail is over all the files. */
		printer_reset(pr, 0, true);
		rc = print_set(&r, pr, fds, n);
		skip = pr->line > pr->o->tail ? pr->line - pr->o->tail : 0;
		for (k = 0; k < n; k++)
			if (fds[k] >= 0 && lseek(fds[k], 0, SEEK_SET) < 0 && !rc)
				rc = err_set(errno, "seek %s", path);
	}
	printer_reset(pr, skip, false);
	if (!rc)
		rc = print_set(&r, pr, fds, n);
	fds[0] = -1;		/* r holds it now */
	if (!rc && pr->o->follow)
		rc = follow(path, n, &r, pr);
	if (!rc && pr->o->follow && r.fd < 0)
		rc = err_set(ENOENT, "open %s", path);
	if (r.fd >= 0)
		close(r.fd);
	free(r.buf);
	return rc;
}

int ctrlog_print(const char *path, int max_file, const struct ctrlog_read_opts *o, int outfd,
		 int errfd)
{
	struct printer *pr;
	int n = max_file > 0 && max_file <= CTRLOG_MAX_FILES ? max_file : CTRLOG_DEFAULT_FILES;
	int *fds = xmalloc((size_t)n * sizeof(*fds));
	int rc;

	if (max_file > CTRLOG_MAX_FILES)
		n = CTRLOG_MAX_FILES;
	for (int k = 0; k < n; k++)
		fds[k] = -1;
	pr = xzalloc(sizeof(*pr));
	pr->o = o;
	pr->fd[CTRLOG_STDOUT] = outfd;
	pr->fd[CTRLOG_STDERR] = errfd;
	pr->out_fd = outfd;
	rc = print_log(path, n, pr, fds);
	close_all(fds, n);
	free(fds);
	free(pr);
	return rc;
}
