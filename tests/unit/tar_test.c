// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <string.h>

#include "core/image/tar.h"
#include "core/util/err.h"
#include "core/util/xalloc.h"
#include "tap.h"
#include "tarfix.h"

/* ---- fixtures: what the reader saw ---- */

enum { MAXE = 16 };

struct got {
	char *name, *link, *uname, *gname;
	char type;
	unsigned mode, maj, min;
	long long uid, gid, mtime, size;
	long nsec;
	char xattrs[512];	/* "name=len:value;" for each, value as is */
	size_t xlen;
	struct tw data;
};

struct seen {
	int n, ends;
	struct got e[MAXE];
	int fail_at;		/* entry() fails for this entry number (1-based) */
};

static int seen_entry(void *arg, const struct tar_entry *e)
{
	struct seen *s = arg;
	struct got *g;

	if (s->n >= MAXE)
		return -E2BIG;
	if (++s->n == s->fail_at)
		return err_setx(EIO, "stop");
	g = &s->e[s->n - 1];
	g->name = xstrdup(e->name);
	g->link = xstrdup(e->linkname);
	g->uname = xstrdup(e->uname);
	g->gname = xstrdup(e->gname);
	g->type = e->type;
	g->mode = e->mode;
	g->uid = e->uid, g->gid = e->gid;
	g->mtime = e->mtime, g->nsec = e->mtime_nsec;
	g->maj = e->devmajor, g->min = e->devminor;
	g->size = e->size;
	for (size_t i = 0; i < e->nxattrs; i++) {
		const struct tar_xattr *x = &e->xattrs[i];
		size_t room = sizeof(g->xattrs) - g->xlen;
		int k = snprintf(g->xattrs + g->xlen, room, "%s=%zu:", x->name, x->len);

		if (k < 0 || (size_t)k + x->len + 2 > room)
			return -E2BIG;
		g->xlen += (size_t)k;
		memcpy(g->xattrs + g->xlen, x->value, x->len);
		g->xlen += x->len;
		g->xattrs[g->xlen++] = ';';
		g->xattrs[g->xlen] = 0;
	}
	return 0;
}

static int seen_data(void *arg, const void *p, size_t n)
{
	struct seen *s = arg;

	tw_put(&s->e[s->n - 1].data, p, n);
	return 0;
}

/* The data gets a NUL after it, for CHECK_EQ_STR. */
static int seen_end(void *arg)
{
	struct seen *s = arg;
	struct tw *d = &s->e[s->n - 1].data;

	tw_put(d, "", 1);
	d->len--;
	s->ends++;
	return 0;
}

static const struct tar_reader_ops seen_ops = { seen_entry, seen_data, seen_end };

static void seen_free(struct seen *s)
{
	for (int i = 0; i < MAXE; i++) {
		struct got *g = &s->e[i];

		free(g->name), free(g->link), free(g->uname), free(g->gname), free(g->data.p);
	}
	memset(s, 0, sizeof(*s));
}

static int tw_sink(void *arg, const void *p, size_t n)
{
	tw_put(arg, p, n);
	return 0;
}

/* Read t in chunks of step bytes (0: all at once); the finish result. */
static int read_all(const struct tw *t, size_t step, struct seen *s)
{
	struct tar_reader *r = tar_reader_new(&seen_ops, s);
	int rc = 0;

	for (size_t off = 0; off < t->len && !rc;) {
		size_t k = step && t->len - off > step ? step : t->len - off;

		rc = tar_reader_feed(r, t->p + off, k);
		off += k;
	}
	if (!rc)
		rc = tar_reader_finish(r);
	tar_reader_free(r);
	return rc;
}

/* t must fail with rc and msg in the error, however it is fed. */
#define EXPECT_FAIL(t, rc, msg) expect_fail(t, rc, msg, __LINE__)
static void expect_fail(const struct tw *t, int rc, const char *msg, int line)
{
	static const size_t steps[] = { 0, 1, 511 };

	for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
		struct seen s = { 0 };
		int got = read_all(t, steps[i], &s);

		if (got != rc || !strstr(err_str(), msg))
			TAP_FAIL("case %d, step %zu: %d \"%s\", expected %d \"%s\"", line, steps[i],
				 got, err_str(), rc, msg);
		seen_free(&s);
	}
}

/* An archive of the pax records recs (emptied) and then one file. */
static void pax_then_file(struct tw *t, struct tw *recs)
{
	tw_pax(t, recs);
	tw_file(t, "f", 0644, "");
	tw_end(t);
}

static void tw_reset(struct tw *t)
{
	free(t->p);
	*t = (struct tw){ 0 };
}

static char *long_name(char c, int parts)
{
	char *s = xstrdup("");

	for (int i = 0; i < parts; i++) {
		char *t = xasprintf("%s%s%.40s", s, i ? "/" : "",
				    "0123456789012345678901234567890123456789");
		free(s);
		s = t;
		s[strlen(s) - 1] = c;
	}
	return s;
}

/* ---- the writer, read back ---- */

TEST(tar_round_trip)
{
	struct tw b = { 0 };
	struct seen s = { 0 };
	struct tar_writer *w = tar_writer_new(tw_sink, &b);
	autofree char *split = long_name('s', 4);	/* 163 bytes with "/": prefix + name */
	autofree char *flat = xasprintf("%0300d", 7);	/* no "/": a pax path */
	autofree char *target = long_name('t', 5);
	struct tar_entry sym = { .name = "lnk", .linkname = target, .type = TAR_SYMLINK,
				 .mode = 0777 };
	struct tar_entry hard = { .name = "hard", .linkname = "a/hello", .type = TAR_HARDLINK,
				  .size = 99 };

	CHECK_EQ_INT(tar_writer_dir(w, "a/"), 0);
	CHECK_EQ_INT(tar_writer_file(w, "a/hello", "hello\n", 6), 0);
	CHECK_EQ_INT(tar_writer_file(w, split, "x", 1), 0);
	CHECK_EQ_INT(tar_writer_file(w, flat, "", 0), 0);
	CHECK_EQ_INT(tar_writer_add(w, &sym), 0);
	CHECK_EQ_INT(tar_writer_add(w, &hard), 0);
	CHECK_EQ_INT(tar_writer_finish(w), 0);
	CHECK_EQ_INT(b.len % TAR_BLOCK, 0);
	CHECK_EQ_INT(tar_writer_offset(w), b.len);
	tar_writer_free(w);

	CHECK_EQ_INT(read_all(&b, 0, &s), 0);
	CHECK_EQ_INT(s.n, 6);
	CHECK_EQ_INT(s.ends, 6);
	CHECK_EQ_STR(s.e[0].name, "a/");
	CHECK_EQ_INT(s.e[0].type, TAR_DIR);
	CHECK_EQ_STR(s.e[1].name, "a/hello");
	CHECK_EQ_INT(s.e[1].data.len, 6);
	CHECK(s.e[1].data.p && !memcmp(s.e[1].data.p, "hello\n", 6));
	CHECK_EQ_STR(s.e[1].uname, "root");
	CHECK_EQ_STR(s.e[2].name, split);
	CHECK_EQ_STR(s.e[3].name, flat);
	CHECK_EQ_INT(s.e[3].size, 0);
	CHECK_EQ_STR(s.e[4].name, "lnk");
	CHECK_EQ_STR(s.e[4].link, target);
	CHECK_EQ_INT(s.e[4].type, TAR_SYMLINK);
	CHECK_EQ_STR(s.e[5].link, "a/hello");
	CHECK_EQ_INT(s.e[5].size, 0);	/* links carry no data */
	seen_free(&s);
	free(b.p);
}

TEST(tar_byte_at_a_time)
{
	struct tw b = { 0 };
	struct seen one = { 0 }, all = { 0 };
	struct tar_writer *w = tar_writer_new(tw_sink, &b);
	autofree char *big = xmalloc(3000);
	autofree char *name = xasprintf("%0200d", 1);

	memset(big, 'z', 3000);
	CHECK_EQ_INT(tar_writer_file(w, "big", big, 3000), 0);
	CHECK_EQ_INT(tar_writer_file(w, name, "q", 1), 0);
	CHECK_EQ_INT(tar_writer_finish(w), 0);
	tar_writer_free(w);
	CHECK_EQ_INT(read_all(&b, 1, &one), 0);
	CHECK_EQ_INT(read_all(&b, 0, &all), 0);
	CHECK_EQ_INT(one.n, 2);
	CHECK_EQ_INT(one.e[0].data.len, 3000);
	CHECK(one.e[0].data.p && !memcmp(one.e[0].data.p, big, 3000));
	CHECK_EQ_STR(one.e[1].name, name);
	CHECK_EQ_STR(all.e[1].name, name);
	seen_free(&one);
	seen_free(&all);
	free(b.p);
}

TEST(tar_writer_misuse)
{
	struct tw b = { 0 };
	struct tar_writer *w = tar_writer_new(tw_sink, &b);
	struct tar_entry e = { .name = "f", .type = TAR_REG, .mode = 0644, .size = 4 };

	CHECK_EQ_INT(tar_writer_add(w, &e), 0);
	CHECK_EQ_INT(tar_writer_data(w, "12345", 5), -EINVAL);
	CHECK_EQ_INT(tar_writer_data(w, "12", 2), 0);
	CHECK_EQ_INT(tar_writer_finish(w), -EINVAL);
	CHECK_EQ_INT(tar_writer_file(w, "g", "", 0), -EINVAL);
	CHECK_EQ_INT(tar_writer_data(w, "34", 2), 0);
	CHECK_EQ_INT(tar_writer_finish(w), 0);
	tar_writer_free(w);
	tar_writer_free(NULL);
	tar_reader_free(NULL);
	free(b.p);
}

TEST(tar_big_size_uses_pax)
{
	struct tw b = { 0 };
	struct seen s = { 0 };
	struct tar_writer *w = tar_writer_new(tw_sink, &b);
	struct tar_entry e = { .name = "huge", .type = TAR_REG, .mode = 0644,
			       .size = 9LL << 30, .mtime = -5, .uid = 1LL << 30 };
	struct tar_reader *r = tar_reader_new(&seen_ops, &s);

	CHECK_EQ_INT(tar_writer_add(w, &e), 0);
	CHECK(b.len > TAR_BLOCK && memmem(b.p, b.len, "size=9663676416\n", 16));
	CHECK_EQ_INT(tar_reader_feed(r, b.p, b.len), 0);
	CHECK_EQ_INT(s.n, 1);
	CHECK_EQ_INT(s.e[0].size, 9LL << 30);
	CHECK_EQ_INT(s.e[0].mtime, -5);
	CHECK_EQ_INT(s.e[0].uid, 1LL << 30);
	CHECK_EQ_INT(tar_reader_finish(r), -EBADMSG);	/* the data never came */
	tar_reader_free(r);
	tar_writer_free(w);
	seen_free(&s);
	free(b.p);
}

/* ---- what the reader understands ---- */

TEST(tar_ustar_fields)
{
	struct tw t = { 0 };
	struct seen s = { 0 };
	struct th h = th_def("etc/passwd", '0', 0100644);	/* type bits in the mode */

	h.uid = 1000, h.gid = 100, h.mtime = 1234567890, h.size = 5;
	h.uname = "alice", h.gname = "staff";
	tw_hdr(&t, &h);
	tw_data(&t, "root\n", 5);
	h = th_def("bin/sh", '2', 0777);
	h.link = "busybox";
	h.uname = "a-name-of-exactly-32-characters!";
	tw_hdr(&t, &h);
	tw_end(&t);
	CHECK_EQ_INT(read_all(&t, 0, &s), 0);
	CHECK_EQ_INT(s.n, 2);
	CHECK_EQ_STR(s.e[0].name, "etc/passwd");
	CHECK_EQ_INT(s.e[0].type, TAR_REG);
	CHECK_EQ_INT(s.e[0].mode, 0644);
	CHECK_EQ_INT(s.e[0].uid, 1000);
	CHECK_EQ_INT(s.e[0].gid, 100);
	CHECK_EQ_INT(s.e[0].mtime, 1234567890);
	CHECK_EQ_INT(s.e[0].nsec, 0);
	CHECK_EQ_STR(s.e[0].uname, "alice");
	CHECK_EQ_STR(s.e[0].gname, "staff");
	CHECK_EQ_STR(s.e[0].link, "");
	CHECK_EQ_STR(s.e[0].xattrs, "");
	CHECK_EQ_INT(s.e[0].data.len, 5);
	CHECK_EQ_STR(s.e[1].link, "busybox");
	CHECK_EQ_STR(s.e[1].uname, "a-name-of-exactly-32-characters!");
	CHECK_EQ_STR(s.e[1].gname, "");
	seen_free(&s);
	free(t.p);
}

TEST(tar_prefix_gnu_star_v7)
{
	struct tw t = { 0 };
	struct seen s = { 0 };
	char star[132];
	struct th h;

	memset(star, 's', 131);
	star[131] = 0;
	h = th_def("name", '5', 0755);
	h.prefix = "pre/fix";
	tw_hdr(&t, &h);
	h.gnu = true;		/* GNU keeps other things in the prefix field */
	tw_hdr(&t, &h);
	h.gnu = false, h.v7 = true;
	tw_hdr(&t, &h);
	h = th_def("n", '5', 0755);
	h.prefix = star, h.star = true;
	tw_hdr(&t, &h);
	tw_end(&t);
	CHECK_EQ_INT(read_all(&t, 0, &s), 0);
	CHECK_EQ_INT(s.n, 4);
	CHECK_EQ_STR(s.e[0].name, "pre/fix/name");
	CHECK_EQ_STR(s.e[1].name, "name");
	CHECK_EQ_STR(s.e[2].name, "name");
	CHECK(s.e[3].name && strlen(s.e[3].name) == 133 && !strcmp(s.e[3].name + 131, "/n"));
	seen_free(&s);
	free(t.p);
}

TEST(tar_pax_records)
{
	static const char long_user[] = "a-user-name-longer-than-the-32-byte-field";
	struct tw t = { 0 }, r = { 0 };
	struct seen s = { 0 };

	tw_rec(&r, "path", "first", 5);
	tw_rec(&r, "comment", "ignored", 7);
	tw_rec(&r, "path", "from/pax.txt", 12);	/* later records win */
	tw_rec(&r, "linkpath", "to/there", 8);
	tw_rec(&r, "size", "3", 1);
	tw_rec(&r, "uid", "4294967294", 10);
	tw_rec(&r, "gid", "70000", 5);
	tw_rec(&r, "mtime", "1700000000.123456789", 20);
	tw_rec(&r, "uname", long_user, strlen(long_user));
	tw_rec(&r, "gname", "grp", 3);
	tw_rec(&r, "atime", "1.5", 3);
	tw_pax(&t, &r);
	tw_file(&t, "ignored", 0644, "abc");
	tw_file(&t, "next", 0644, "");		/* the records were for one entry */
	tw_rec(&r, "path", "", 0);		/* empty: the header's own */
	tw_rec(&r, "size", "", 0);
	tw_rec(&r, "mtime", "", 0);
	tw_pax(&t, &r);
	tw_file(&t, "own", 0644, "xy");
	tw_rec(&r, "path", "global", 6);
	tw_meta(&t, 'g', r.p, r.len);		/* global: checked, not used */
	tw_reset(&r);
	tw_file(&t, "after-global", 0644, "");
	tw_end(&t);
	CHECK_EQ_INT(read_all(&t, 0, &s), 0);
	CHECK_EQ_INT(s.n, 4);
	CHECK_EQ_STR(s.e[0].name, "from/pax.txt");
	CHECK_EQ_STR(s.e[0].link, "to/there");
	CHECK_EQ_INT(s.e[0].size, 3);
	CHECK_EQ_INT(s.e[0].uid, 4294967294LL);
	CHECK_EQ_INT(s.e[0].gid, 70000);
	CHECK_EQ_INT(s.e[0].mtime, 1700000000);
	CHECK_EQ_INT(s.e[0].nsec, 123456789);
	CHECK_EQ_STR(s.e[0].uname, long_user);
	CHECK_EQ_STR(s.e[0].gname, "grp");
	CHECK_EQ_STR(s.e[1].name, "next");
	CHECK_EQ_INT(s.e[1].mtime, 1600000000);
	CHECK_EQ_INT(s.e[1].uid, getuid());
	CHECK_EQ_STR(s.e[1].link, "");
	CHECK_EQ_STR(s.e[2].name, "own");
	CHECK_EQ_INT(s.e[2].size, 2);
	CHECK_EQ_INT(s.e[2].mtime, 1600000000);
	CHECK_EQ_STR(s.e[3].name, "after-global");
	seen_free(&s);
	free(t.p);
}

TEST(tar_pax_mtime_fractions)
{
	static const struct {
		const char *v;
		long long sec;
		long nsec;
	} c[] = {
		{ "-1.25", -2, 750000000 }, { "-3", -3, 0 }, { "5.", 5, 0 },
		{ "7.1234567891", 7, 123456789 }, { "0.000000001", 0, 1 }, { "-0.5", -1, 500000000 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		struct tw t = { 0 }, r = { 0 };
		struct seen s = { 0 };

		tw_rec(&r, "mtime", c[i].v, strlen(c[i].v));
		pax_then_file(&t, &r);
		CHECK_EQ_INT(read_all(&t, 0, &s), 0);
		if (s.e[0].mtime != c[i].sec || s.e[0].nsec != c[i].nsec)
			TAP_FAIL("mtime=%s read as %lld.%09ld", c[i].v, s.e[0].mtime, s.e[0].nsec);
		seen_free(&s);
		free(t.p);
	}
}

TEST(tar_pax_xattrs)
{
	static const char bin[] = { 'a', 0, '\n', 'b', '=' };
	struct tw t = { 0 }, r = { 0 };
	struct seen s = { 0 };

	tw_rec(&r, "SCHILY.xattr.user.bin", bin, sizeof(bin));
	tw_rec(&r, "SCHILY.xattr.security.capability", "cap", 3);
	tw_rec(&r, "SCHILY.xattr.user.empty", "", 0);
	tw_rec(&r, "SCHILY.xattr.user.a.b=c", "v", 1);	/* the key ends at the first '=' */
	tw_pax(&t, &r);
	tw_file(&t, "f", 0644, "data");
	tw_dir(&t, "d/", 0755);
	tw_end(&t);
	CHECK_EQ_INT(read_all(&t, 3, &s), 0);
	CHECK_EQ_INT(s.n, 2);
	CHECK(!memcmp(s.e[0].xattrs, "user.bin=5:a\0\nb=;", 17));
	CHECK_EQ_STR(s.e[0].xattrs + 17,
		     "security.capability=3:cap;user.empty=0:;user.a.b=3:c=v;");
	CHECK_EQ_STR(s.e[0].data.p, "data");
	CHECK_EQ_STR(s.e[1].xattrs, "");	/* for one entry only */
	seen_free(&s);
	free(t.p);
}

TEST(tar_gnu_long_names)
{
	struct tw t = { 0 }, r = { 0 };
	struct seen s = { 0 };
	autofree char *name = long_name('g', 6);
	autofree char *target = long_name('k', 7);
	char full[4096];

	tw_meta(&t, 'L', name, strlen(name) + 1);	/* GNU counts the NUL */
	tw_meta(&t, 'K', target, strlen(target));	/* ... which may be missing */
	tw_sym(&t, "short", "short-target");
	tw_meta(&t, 'L', "gnu-name", 9);
	tw_rec(&r, "path", "pax-name", 8);
	tw_pax(&t, &r);
	tw_file(&t, "x", 0644, "");			/* pax wins, whatever the order */
	tw_rec(&r, "path", "pax-again", 9);
	tw_pax(&t, &r);
	tw_meta(&t, 'L', "gnu-again", 10);
	tw_file(&t, "y", 0644, "");
	tw_file(&t, "plain", 0644, "");			/* for one entry only */
	memset(full, 'f', sizeof(full));
	full[4095] = 0;					/* the longest name: 4095 bytes */
	tw_meta(&t, 'L', full, sizeof(full));
	tw_file(&t, "z", 0644, "");
	tw_end(&t);
	CHECK_EQ_INT(read_all(&t, 7, &s), 0);
	CHECK_EQ_INT(s.n, 5);
	CHECK_EQ_STR(s.e[0].name, name);
	CHECK_EQ_STR(s.e[0].link, target);
	CHECK_EQ_STR(s.e[1].name, "pax-name");
	CHECK_EQ_STR(s.e[2].name, "pax-again");
	CHECK_EQ_STR(s.e[3].name, "plain");
	CHECK_EQ_STR(s.e[3].link, "");
	CHECK_EQ_STR(s.e[4].name, full);
	seen_free(&s);
	free(t.p);
}

TEST(tar_base256_numbers)
{
	struct tw t = { 0 };
	struct seen s = { 0 };
	struct th h = th_def("b", '0', 0644);

	h.size = 5, h.b256_size = true;
	h.uid = 3000000, h.b256_uid = true;	/* over 7 octal digits */
	h.mtime = -100, h.b256_mtime = true;	/* before 1970 */
	tw_hdr(&t, &h);
	tw_data(&t, "abcde", 5);
	h = th_def("future", '0', 0644);
	h.mtime = 10000000000LL, h.b256_mtime = true;
	tw_hdr(&t, &h);
	tw_end(&t);
	CHECK_EQ_INT(read_all(&t, 0, &s), 0);
	CHECK_EQ_INT(s.n, 2);
	CHECK_EQ_INT(s.e[0].size, 5);
	CHECK_EQ_INT(s.e[0].data.len, 5);
	CHECK_EQ_INT(s.e[0].uid, 3000000);
	CHECK_EQ_INT(s.e[0].mtime, -100);
	CHECK_EQ_INT(s.e[1].mtime, 10000000000LL);
	seen_free(&s);
	free(t.p);
}

/* Devices carry their numbers; links, dirs, devices and fifos no data,
 * whatever their size field says. */
TEST(tar_devices_and_header_only_types)
{
	static const char types[] = { '1', '2', '3', '4', '5', '6' };
	struct tw t = { 0 };
	struct seen s = { 0 };
	struct th h = th_def("dev/null", '3', 0666);

	h.maj = 1, h.min = 3;
	tw_hdr(&t, &h);
	h = th_def("dev/loop0", '4', 0660);
	h.maj = 259, h.min = 1048575;
	tw_hdr(&t, &h);
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		h = th_def("x", types[i], 0644);
		h.size = 1000, h.link = "t";
		tw_hdr(&t, &h);
	}
	tw_file(&t, "last", 0644, "L");
	tw_end(&t);
	CHECK_EQ_INT(read_all(&t, 0, &s), 0);
	CHECK_EQ_INT(s.n, 9);
	CHECK_EQ_INT(s.e[0].type, TAR_CHR);
	CHECK(s.e[0].maj == 1 && s.e[0].min == 3);
	CHECK_EQ_INT(s.e[1].type, TAR_BLK);
	CHECK(s.e[1].maj == 259 && s.e[1].min == 1048575);
	for (int i = 2; i < 8; i++) {
		CHECK_EQ_INT(s.e[i].type, types[i - 2]);
		CHECK_EQ_INT(s.e[i].size, 0);
		CHECK_EQ_INT(s.e[i].data.len, 0);
	}
	CHECK_EQ_STR(s.e[8].data.p, "L");
	seen_free(&s);
	free(t.p);
}

TEST(tar_old_type_flags)
{
	struct tw t = { 0 };
	struct seen s = { 0 };

	tw_simple(&t, "old-file", '\0', 0644, NULL);
	tw_simple(&t, "old-dir/", '\0', 0755, NULL);	/* pre-POSIX directory */
	tw_simple(&t, "contiguous", '7', 0644, NULL);
	tw_end(&t);
	CHECK_EQ_INT(read_all(&t, 0, &s), 0);
	CHECK_EQ_INT(s.n, 3);
	CHECK_EQ_INT(s.e[0].type, TAR_REG);
	CHECK_EQ_INT(s.e[1].type, TAR_DIR);
	CHECK_EQ_INT(s.e[2].type, TAR_REG);
	seen_free(&s);
	free(t.p);
}

/* Old tars summed the header as signed chars. */
TEST(tar_signed_checksum)
{
	struct tw t = { 0 };
	struct seen s = { 0 };
	struct th h = th_def("caf\xc3\xa9", '0', 0644);
	unsigned char b[512];
	int sum = 0;

	th_block(&h, b);
	memset(b + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += (signed char)b[i];
	snprintf((char *)b + 148, 8, "%06o", sum);
	tw_put(&t, b, 512);
	tw_end(&t);
	CHECK_EQ_INT(read_all(&t, 0, &s), 0);
	CHECK_EQ_STR(s.e[0].name, "caf\xc3\xa9");
	seen_free(&s);
	free(t.p);
}

TEST(tar_end_of_archive)
{
	struct tw t = { 0 };
	struct seen s = { 0 };
	struct tar_reader *r;
	size_t one;

	tw_file(&t, "f", 0644, "1");
	one = t.len;
	CHECK_EQ_INT(read_all(&t, 0, &s), 0);	/* plain EOF after an entry */
	seen_free(&s);
	tw_put(&t, (char[512]){ 0 }, 512);
	CHECK_EQ_INT(read_all(&t, 0, &s), 0);	/* one end block */
	seen_free(&s);
	tw_put(&t, (char[512]){ 0 }, 512);
	tw_put(&t, "garbage after the end", 21);
	tw_put(&t, (char[1024]){ 1 }, 1024);
	r = tar_reader_new(&seen_ops, &s);
	CHECK_EQ_INT(tar_reader_feed(r, t.p, one), 0);
	CHECK(!tar_reader_at_end(r));
	CHECK_EQ_INT(tar_reader_feed(r, t.p + one, t.len - one), 0);
	CHECK(tar_reader_at_end(r));
	CHECK_EQ_INT(tar_reader_finish(r), 0);
	CHECK_EQ_INT(s.n, 1);
	tar_reader_free(r);
	seen_free(&s);
	free(t.p);
	t = (struct tw){ 0 };
	CHECK_EQ_INT(read_all(&t, 0, &s), 0);	/* nothing at all */
	CHECK_EQ_INT(s.n, 0);
	tw_meta(&t, 'g', "", 0);		/* an empty global header, then EOF */
	CHECK_EQ_INT(read_all(&t, 0, &s), 0);
	free(t.p);
}

/* A pax header of exactly 1 MiB is fine. */
TEST(tar_pax_at_the_limit)
{
	struct tw t = { 0 }, r = { 0 };
	struct seen s = { 0 };
	size_t vlen = (1 << 20) - 17;	/* "1048576 comment=" and "\n" */
	char *v = xmalloc(vlen);

	memset(v, 'c', vlen);
	tw_rec(&r, "comment", v, vlen);
	CHECK_EQ_INT(r.len, 1 << 20);
	pax_then_file(&t, &r);
	CHECK_EQ_INT(read_all(&t, 0, &s), 0);
	CHECK_EQ_STR(s.e[0].name, "f");
	seen_free(&s);
	free(t.p), free(v);
}

TEST(tar_callback_error_stops)
{
	struct tw t = { 0 };
	struct seen s = { .fail_at = 2 };
	struct tar_reader *r;

	tw_file(&t, "a", 0644, "1");
	tw_file(&t, "b", 0644, "2");
	tw_file(&t, "c", 0644, "3");
	tw_end(&t);
	CHECK_EQ_INT(read_all(&t, 0, &s), -EIO);
	CHECK_EQ_INT(s.n, 2);
	CHECK_EQ_STR(err_str(), "stop");
	seen_free(&s);
	s.fail_at = 1;
	r = tar_reader_new(&seen_ops, &s);
	CHECK_EQ_INT(tar_reader_feed(r, t.p, t.len), -EIO);
	err_clear();
	CHECK_EQ_INT(tar_reader_feed(r, t.p, t.len), -EIO);	/* sticks */
	CHECK_EQ_INT(tar_reader_finish(r), -EIO);
	CHECK_EQ_INT(s.n, 1);
	tar_reader_free(r);
	seen_free(&s);
	free(t.p);
}

/* ---- what the reader refuses ---- */

TEST(tar_refuses_bad_checksums)
{
	struct tw t = { 0 };
	char junk[1024];

	tw_file(&t, "a", 0644, "x");
	tw_file(&t, "b", 0644, "y");
	tw_end(&t);
	t.p[0] ^= 1;
	EXPECT_FAIL(&t, -EBADMSG, "not a tar archive (bad header checksum at byte 0)");
	t.p[0] ^= 1;
	t.p[1024 + 1] = 'x';		/* the second header */
	EXPECT_FAIL(&t, -EBADMSG, "malformed tar archive: bad header checksum at byte 1024");
	t.p[1024 + 1] = 0;
	memcpy(t.p + 148, "0000x00", 7);	/* the checksum field itself */
	EXPECT_FAIL(&t, -EBADMSG, "not a tar archive");
	tw_reset(&t);
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(i * 7 + 3);
	tw_put(&t, junk, sizeof(junk));
	EXPECT_FAIL(&t, -EBADMSG, "not a tar archive");
	free(t.p);
}

/* Header field at off (n bytes) set to v, checksum fixed. */
static void bad_field(struct tw *t, size_t off, const void *v, size_t n)
{
	struct th h = th_def("f", '0', 0644);
	unsigned char b[512];

	th_block(&h, b);
	memcpy(b + off, v, n);
	tw_sum(b);
	tw_reset(t);
	tw_put(t, b, 512);
	tw_end(t);
}

TEST(tar_refuses_bad_numbers)
{
	static const struct {
		size_t off, n;
		const char *v;
	} c[] = {
		{ 100, 8, "0000648" },		/* mode: not octal */
		{ 124, 12, "0000000001x" },	/* size: junk after */
		{ 124, 12, "00 0000001 " },	/* size: a space inside */
		{ 136, 12, "-0000000001" },	/* mtime: no sign in octal */
		{ 108, 8, "\xff\xff\xff\xff\xff\xff\xff\xff" },	/* uid: base-256 -1 */
		{ 108, 8, "\x80\x00\x00\x00\xff\xff\xff\xff" },	/* uid: 2^32-1 */
		{ 116, 8, "\x80\x00\x00\x01\x00\x00\x00\x00" },	/* gid: 2^32 */
		{ 124, 12, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xfe" },	/* size < 0 */
		{ 124, 12, "\x80\x00\x00\x80\x00\x00\x00\x00\x00\x00\x00\x00" },	/* 2^71 */
		{ 136, 12, "\x80\x00\x00\x80\x00\x00\x00\x00\x00\x00\x00\x00" },	/* mtime too */
		{ 329, 8, "0000x00" },		/* devmajor */
		{ 337, 8, "\x80\x00\x00\x01\x00\x00\x00\x00" },	/* devminor: 2^32 */
	};
	struct tw t = { 0 };

	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		bad_field(&t, c[i].off, c[i].v, c[i].n);
		expect_fail(&t, -EBADMSG, "malformed tar archive: bad number in a header at byte 0",
			    (int)i);
	}
	/* ... in an extended header too */
	tw_reset(&t);
	{
		struct th h = th_def("././@LongLink", 'L', 0644);
		unsigned char b[512];

		h.size = 2;
		th_block(&h, b);
		memcpy(b + 100, "09", 2);
		tw_sum(b);
		tw_put(&t, b, 512);
		tw_data(&t, "n", 2);
		tw_file(&t, "f", 0644, "");
		tw_end(&t);
	}
	EXPECT_FAIL(&t, -EBADMSG, "bad number in a header at byte 0");
	free(t.p);
}

/* One pax header of raw bytes (records as given), then a file. */
static void raw_pax(struct tw *t, const char *recs, size_t n)
{
	tw_reset(t);
	tw_meta(t, 'x', recs, n);
	tw_file(t, "f", 0644, "");
	tw_end(t);
}

#define RAW_PAX(t, s) raw_pax(t, s, sizeof(s) - 1)

TEST(tar_refuses_bad_pax_records)
{
	static const char *const bad_len[] = {
		"x path=a\n",	/* no length */
		"+9 path=a\n",	/* a sign */
		"9path=abc\n",	/* no space */
		"4 =\n",	/* shorter than any record */
		"99 path=a\n",	/* past the end */
		"10 path=ab",	/* no newline */
		"9 path=a\n5 p\n",	/* the second one */
		"18446744073709551626 a=b\n",	/* 2^64 + 10 */
	};
	struct tw t = { 0 };

	for (size_t i = 0; i < ARRAY_SIZE(bad_len); i++) {
		raw_pax(&t, bad_len[i], strlen(bad_len[i]));
		expect_fail(&t, -EBADMSG, "malformed tar archive: bad pax record length at byte 0",
			    (int)i);
	}
	RAW_PAX(&t, "7 =abc\n");		/* empty key */
	EXPECT_FAIL(&t, -EBADMSG, "bad pax record key at byte 0");
	RAW_PAX(&t, "8 pathx\n");		/* no '=' */
	EXPECT_FAIL(&t, -EBADMSG, "bad pax record key");
	RAW_PAX(&t, "11 pa\0th=a\n");		/* a NUL in the key */
	EXPECT_FAIL(&t, -EBADMSG, "bad pax record key");
	/* the same in a global header, which is otherwise ignored */
	tw_reset(&t);
	tw_meta(&t, 'g', "8 pathx\n", 8);
	tw_file(&t, "f", 0644, "");
	tw_end(&t);
	EXPECT_FAIL(&t, -EBADMSG, "bad pax record key at byte 0");
	free(t.p);
}

TEST(tar_refuses_bad_pax_values)
{
	static const char *const bad[][2] = {
		{ "size", "-1" }, { "size", "1x" }, { "size", "+5" }, { "size", " 5" },
		{ "size", "9223372036854775808" }, { "uid", "4294967295" }, { "gid", "-0" },
		{ "gid", "0x10" }, { "mtime", "abc" }, { "mtime", ".5" }, { "mtime", "1.x" },
		{ "mtime", "--1" }, { "mtime", "1.5.5" }, { "mtime", "4611686018427387905" },
	};
	struct tw t = { 0 }, r = { 0 };

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		tw_reset(&t);
		tw_rec(&r, bad[i][0], bad[i][1], strlen(bad[i][1]));
		pax_then_file(&t, &r);
		expect_fail(&t, -EBADMSG, "malformed tar archive: bad pax number at byte 0", (int)i);
	}
	tw_reset(&t);
	tw_rec(&r, "size", "1\0", 2);		/* a NUL after the digits */
	pax_then_file(&t, &r);
	EXPECT_FAIL(&t, -EBADMSG, "bad pax number");
	free(t.p);
}

TEST(tar_refuses_nul_in_names)
{
	static const char *const keys[] = { "path", "linkpath", "uname", "gname" };
	struct tw t = { 0 }, r = { 0 };

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		tw_reset(&t);
		tw_rec(&r, keys[i], "etc/passwd\0.txt", 15);
		pax_then_file(&t, &r);
		expect_fail(&t, -EBADMSG, "malformed tar archive: NUL byte in a pax name at byte 0",
			    (int)i);
	}
	tw_reset(&t);
	tw_meta(&t, 'L', "etc/passwd\0.txt", 16);
	tw_file(&t, "f", 0644, "");
	tw_end(&t);
	EXPECT_FAIL(&t, -EBADMSG, "NUL byte in a GNU long name at byte 0");
	tw_reset(&t);
	tw_meta(&t, 'K', "a\0b", 3);
	tw_sym(&t, "f", "x");
	tw_end(&t);
	EXPECT_FAIL(&t, -EBADMSG, "NUL byte in a GNU long name");
	tw_reset(&t);
	tw_meta(&t, 'L', "\0", 1);
	tw_file(&t, "f", 0644, "");
	tw_end(&t);
	EXPECT_FAIL(&t, -EBADMSG, "empty GNU long name");
	tw_reset(&t);
	tw_meta(&t, 'L', "", 0);
	tw_file(&t, "f", 0644, "");
	tw_end(&t);
	EXPECT_FAIL(&t, -EBADMSG, "empty GNU long name");
	tw_reset(&t);
	tw_rec(&r, "SCHILY.xattr.", "v", 1);
	pax_then_file(&t, &r);
	EXPECT_FAIL(&t, -EBADMSG, "pax xattr record without a name");
	free(t.p);
}

TEST(tar_refuses_long_names)
{
	struct tw t = { 0 }, r = { 0 };
	char *n = xmalloc(4097);
	struct th h;

	memset(n, 'n', 4096);
	n[4096] = 0;
	tw_rec(&r, "path", n, 4096);
	pax_then_file(&t, &r);
	EXPECT_FAIL(&t, -EBADMSG, "malformed tar archive: name of 4 KiB or more at byte 5120");
	tw_reset(&t);
	tw_rec(&r, "linkpath", n, 4096);
	tw_pax(&t, &r);
	tw_sym(&t, "s", "x");
	tw_end(&t);
	EXPECT_FAIL(&t, -EBADMSG, "link target of 4 KiB or more");
	tw_reset(&t);
	tw_meta(&t, 'L', n, 4096);		/* no room for its NUL */
	tw_file(&t, "f", 0644, "");
	tw_end(&t);
	EXPECT_FAIL(&t, -EBADMSG, "name of 4 KiB or more");
	tw_reset(&t);
	tw_meta(&t, 'K', n, 4097);
	EXPECT_FAIL(&t, -EBADMSG, "GNU long name of 4 KiB or more at byte 0");
	tw_reset(&t);
	h = th_def("././@PaxHeader", 'x', 0644);
	h.size = (1 << 20) + 1;
	tw_hdr(&t, &h);
	EXPECT_FAIL(&t, -EBADMSG, "pax header larger than 1 MiB at byte 0");
	h.type = 'g';
	tw_reset(&t);
	tw_hdr(&t, &h);
	EXPECT_FAIL(&t, -EBADMSG, "pax header larger than 1 MiB");
	free(t.p), free(n);
}

TEST(tar_refuses_sparse_and_other_types)
{
	static const char other[] = { 'V', 'M', 'D', 'N', 'A', 'Z', '8', 'X' - 1 };
	struct tw t = { 0 }, r = { 0 };
	char msg[80];

	tw_rec(&r, "GNU.sparse.major", "1", 1);
	pax_then_file(&t, &r);
	EXPECT_FAIL(&t, -ENOTSUP, "tar archive: sparse files are not supported (at byte 0)");
	tw_reset(&t);
	tw_file(&t, "ok", 0644, "");
	tw_simple(&t, "sp\n", 'S', 0644, NULL);
	tw_end(&t);
	EXPECT_FAIL(&t, -ENOTSUP, "tar entry \"sp?\" at byte 512: sparse files are not supported");
	for (size_t i = 0; i < ARRAY_SIZE(other); i++) {
		tw_reset(&t);
		tw_simple(&t, "odd", other[i], 0644, NULL);
		tw_end(&t);
		snprintf(msg, sizeof(msg), "tar entry \"odd\" at byte 0: type 0x%02x is not supported",
			 other[i]);
		expect_fail(&t, -ENOTSUP, msg, (int)i);
	}
	free(t.p);
}

TEST(tar_refuses_bad_ends)
{
	struct tw t = { 0 }, r = { 0 };

	tw_file(&t, "a", 0644, "x");
	tw_put(&t, (char[512]){ 0 }, 512);	/* one end block, then more */
	tw_file(&t, "b", 0644, "x");
	EXPECT_FAIL(&t, -EBADMSG, "malformed tar archive: data after an end-of-archive block at "
		    "byte 1536");
	tw_reset(&t);
	tw_rec(&r, "path", "p", 1);
	tw_pax(&t, &r);
	tw_end(&t);
	EXPECT_FAIL(&t, -EBADMSG, "end of archive right after an extended header at byte 1024");
	tw_reset(&t);
	tw_meta(&t, 'L', "name", 5);
	EXPECT_FAIL(&t, -EBADMSG, "tar archive is cut short after an extended header");
	tw_reset(&t);
	tw_rec(&r, "uid", "5", 1);		/* even one that sets no name */
	tw_pax(&t, &r);
	EXPECT_FAIL(&t, -EBADMSG, "cut short after an extended header");
	free(t.p);
}

TEST(tar_refuses_truncation)
{
	struct tw t = { 0 }, cut;
	size_t full;

	tw_file(&t, "f\x01", 0644, "0123456789");
	full = t.len;
	tw_meta(&t, 'L', "long", 5);
	tw_file(&t, "g", 0644, "");
	tw_end(&t);
	cut = (struct tw){ .p = t.p, .len = 512 + 5 };		/* in the data */
	EXPECT_FAIL(&cut, -EBADMSG, "tar archive is cut short in entry \"f?\"");
	cut.len = 512 + 100;					/* in the padding */
	EXPECT_FAIL(&cut, -EBADMSG, "tar archive is cut short at byte 612");
	cut.len = full + 100;					/* in a header */
	EXPECT_FAIL(&cut, -EBADMSG, "cut short at byte 1124");
	cut.len = full + 512 + 3;				/* in a long name */
	EXPECT_FAIL(&cut, -EBADMSG, "cut short at byte 1539");
	cut.len = 300;						/* in the first header */
	EXPECT_FAIL(&cut, -EBADMSG, "cut short at byte 300");
	free(t.p);
}
