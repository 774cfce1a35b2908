// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <string.h>

#include "core/image/tar.h"
#include "core/util/err.h"
#include "core/util/xalloc.h"
#include "tap.h"

/* ---- fixtures: an archive in memory, and what the reader saw ---- */

struct buf {
	char *p;
	size_t n;
};

static int buf_sink(void *arg, const void *p, size_t n)
{
	struct buf *b = arg;

	b->p = xrealloc(b->p, b->n + n + 1);
	memcpy(b->p + b->n, p, n);
	b->n += n;
	return 0;
}

struct seen {
	int n, ends;
	char names[16][400];
	char links[16][400];
	char types[16];
	long long sizes[16], mtimes[16];
	struct buf data[16];
	int fail_at;		/* entry() fails for this entry number (1-based) */
};

static int seen_entry(void *arg, const struct tar_entry *e)
{
	struct seen *s = arg;

	if (s->n >= 16)
		return -E2BIG;
	if (++s->n == s->fail_at)
		return err_setx(EIO, "stop");
	snprintf(s->names[s->n - 1], 400, "%s", e->name);
	snprintf(s->links[s->n - 1], 400, "%s", e->linkname);
	s->types[s->n - 1] = e->type;
	s->sizes[s->n - 1] = e->size;
	s->mtimes[s->n - 1] = e->mtime;
	return 0;
}

static int seen_data(void *arg, const void *p, size_t n)
{
	struct seen *s = arg;

	return buf_sink(&s->data[s->n - 1], p, n);
}

static int seen_end(void *arg)
{
	((struct seen *)arg)->ends++;
	return 0;
}

static const struct tar_reader_ops seen_ops = { seen_entry, seen_data, seen_end };

static void seen_free(struct seen *s)
{
	for (int i = 0; i < 16; i++)
		free(s->data[i].p);
}

/* Read b in chunks of step bytes (0: all at once); the finish result. */
static int read_all(const struct buf *b, size_t step, struct seen *s)
{
	struct tar_reader *r = tar_reader_new(&seen_ops, s);
	int rc = 0;

	for (size_t off = 0; off < b->n && !rc;) {
		size_t k = step && b->n - off > step ? step : b->n - off;

		rc = tar_reader_feed(r, b->p + off, k);
		off += k;
	}
	if (!rc)
		rc = tar_reader_finish(r);
	tar_reader_free(r);
	return rc;
}

/* A hand-made header block with a correct checksum. */
static void hdr(char *h, const char *name, char type, const char *size_oct, const char *magic)
{
	unsigned sum = 0;

	memset(h, 0, TAR_BLOCK);
	memcpy(h, name, strnlen(name, 100));
	memcpy(h + 100, "0000644", 7);
	memcpy(h + 108, "0000000", 7);
	memcpy(h + 116, "0000000", 7);
	memcpy(h + 124, size_oct, strlen(size_oct));
	memcpy(h + 136, "00000000000", 11);
	h[156] = type;
	memcpy(h + 257, magic, 8);
	memset(h + 148, ' ', 8);
	for (int i = 0; i < TAR_BLOCK; i++)
		sum += (unsigned char)h[i];
	snprintf(h + 148, 8, "%06o", sum);
}

static void put_block(struct buf *b, const void *p, size_t n)
{
	char blk[TAR_BLOCK] = { 0 };

	memcpy(blk, p, n);
	buf_sink(b, blk, TAR_BLOCK);
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

/* ---- tests ---- */

TEST(tar_round_trip)
{
	struct buf b = { 0 };
	struct seen s = { 0 };
	struct tar_writer *w = tar_writer_new(buf_sink, &b);
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
	CHECK_EQ_INT(b.n % TAR_BLOCK, 0);
	CHECK_EQ_INT(tar_writer_offset(w), b.n);
	tar_writer_free(w);

	CHECK_EQ_INT(read_all(&b, 0, &s), 0);
	CHECK_EQ_INT(s.n, 6);
	CHECK_EQ_INT(s.ends, 6);
	CHECK_EQ_STR(s.names[0], "a/");
	CHECK_EQ_INT(s.types[0], TAR_DIR);
	CHECK_EQ_STR(s.names[1], "a/hello");
	CHECK_EQ_INT(s.data[1].n, 6);
	CHECK(s.data[1].p && !memcmp(s.data[1].p, "hello\n", 6));
	CHECK_EQ_STR(s.names[2], split);
	CHECK_EQ_STR(s.names[3], flat);
	CHECK_EQ_INT(s.sizes[3], 0);
	CHECK_EQ_STR(s.names[4], "lnk");
	CHECK_EQ_STR(s.links[4], target);
	CHECK_EQ_INT(s.types[4], TAR_SYMLINK);
	CHECK_EQ_STR(s.links[5], "a/hello");
	CHECK_EQ_INT(s.sizes[5], 0);	/* links carry no data */
	seen_free(&s);
	free(b.p);
}

TEST(tar_byte_at_a_time)
{
	struct buf b = { 0 };
	struct seen one = { 0 }, all = { 0 };
	struct tar_writer *w = tar_writer_new(buf_sink, &b);
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
	CHECK_EQ_INT(one.data[0].n, 3000);
	CHECK(one.data[0].p && !memcmp(one.data[0].p, big, 3000));
	CHECK_EQ_STR(one.names[1], name);
	CHECK_EQ_STR(all.names[1], name);
	seen_free(&one);
	seen_free(&all);
	free(b.p);
}

TEST(tar_gnu_long_name_and_base256)
{
	struct buf b = { 0 };
	struct seen s = { 0 };
	autofree char *name = long_name('g', 6);
	char h[TAR_BLOCK], sz[24];

	snprintf(sz, sizeof(sz), "%011zo", strlen(name) + 1);
	hdr(h, "././@LongLink", 'L', sz, "ustar  \0");
	buf_sink(&b, h, TAR_BLOCK);
	put_block(&b, name, strlen(name) + 1);
	hdr(h, "short", '0', "", "ustar  \0");
	/* GNU base-256 size: 0x80 then big-endian 5 */
	memset(h + 124, 0, 12);
	h[124] = (char)0x80;
	h[135] = 5;
	{
		unsigned sum = 0;

		memset(h + 148, ' ', 8);
		for (int i = 0; i < TAR_BLOCK; i++)
			sum += (unsigned char)h[i];
		snprintf(h + 148, 8, "%06o", sum);
	}
	buf_sink(&b, h, TAR_BLOCK);
	put_block(&b, "abcde", 5);
	CHECK_EQ_INT(read_all(&b, 7, &s), 0);	/* plain EOF after an entry is fine */
	CHECK_EQ_INT(s.n, 1);
	CHECK_EQ_STR(s.names[0], name);
	CHECK_EQ_INT(s.sizes[0], 5);
	CHECK_EQ_INT(s.data[0].n, 5);
	seen_free(&s);
	free(b.p);
}

TEST(tar_pax_overrides_and_prefix)
{
	struct buf b = { 0 };
	struct seen s = { 0 };
	const char *pax = "30 mtime=1700000000.123456789\n"
			  "21 path=from/pax.txt\n";
	char h[TAR_BLOCK], sz[24];

	snprintf(sz, sizeof(sz), "%011zo", strlen(pax));
	hdr(h, "PaxHeaders/x", 'x', sz, "ustar\0" "00");
	buf_sink(&b, h, TAR_BLOCK);
	put_block(&b, pax, strlen(pax));
	hdr(h, "ignored", '0', "00000000002", "ustar\0" "00");
	buf_sink(&b, h, TAR_BLOCK);
	put_block(&b, "hi", 2);
	hdr(h, "name", '5', "", "ustar\0" "00");
	memcpy(h + 345, "pre/fix", 7);
	{
		unsigned sum = 0;

		memset(h + 148, ' ', 8);
		for (int i = 0; i < TAR_BLOCK; i++)
			sum += (unsigned char)h[i];
		snprintf(h + 148, 8, "%06o", sum);
	}
	buf_sink(&b, h, TAR_BLOCK);
	CHECK_EQ_INT(read_all(&b, 0, &s), 0);
	CHECK_EQ_INT(s.n, 2);
	CHECK_EQ_STR(s.names[0], "from/pax.txt");
	CHECK_EQ_INT(s.mtimes[0], 1700000000);
	CHECK_EQ_STR(s.names[1], "pre/fix/name");
	CHECK_EQ_INT(s.mtimes[1], 0);	/* the pax values were for one entry */
	seen_free(&s);
	free(b.p);
}

TEST(tar_bad_input)
{
	struct buf b = { 0 };
	struct seen s = { 0 };
	struct tar_writer *w = tar_writer_new(buf_sink, &b);

	CHECK_EQ_INT(tar_writer_file(w, "f", "0123456789", 10), 0);
	CHECK_EQ_INT(tar_writer_finish(w), 0);
	tar_writer_free(w);

	b.n = TAR_BLOCK + 5;	/* cut inside the data */
	CHECK_EQ_INT(read_all(&b, 0, &s), -EBADMSG);
	CHECK(strstr(err_str(), "\"f\""));
	seen_free(&s);
	memset(&s, 0, sizeof(s));
	b.n = 100;		/* cut inside the header */
	CHECK_EQ_INT(read_all(&b, 0, &s), -EBADMSG);
	CHECK_EQ_INT(s.n, 0);
	b.n = 3 * TAR_BLOCK;
	b.p[148] ^= 1;		/* checksum of the first header */
	CHECK_EQ_INT(read_all(&b, 0, &s), -EBADMSG);
	CHECK(strstr(err_str(), "not a tar archive"));
	b.p[148] ^= 1;
	b.p[2 * TAR_BLOCK] = 'x';	/* a later block that is neither zero nor a header */
	CHECK_EQ_INT(read_all(&b, 0, &s), -EBADMSG);
	CHECK(strstr(err_str(), "checksum at byte 1024"));
	b.p[2 * TAR_BLOCK] = 0;
	b.p[124] = 'x';		/* size */
	CHECK_EQ_INT(read_all(&b, 0, &s), -EBADMSG);
	seen_free(&s);
	free(b.p);
}

TEST(tar_end_block_and_trailing_bytes)
{
	struct buf b = { 0 };
	struct seen s = { 0 };
	struct tar_writer *w = tar_writer_new(buf_sink, &b);
	struct tar_reader *r;

	CHECK_EQ_INT(tar_writer_file(w, "f", "1", 1), 0);
	CHECK_EQ_INT(tar_writer_finish(w), 0);
	tar_writer_free(w);
	buf_sink(&b, "garbage after the end", 21);
	r = tar_reader_new(&seen_ops, &s);
	CHECK_EQ_INT(tar_reader_feed(r, b.p, b.n), 0);
	CHECK(tar_reader_at_end(r));
	CHECK_EQ_INT(tar_reader_finish(r), 0);
	CHECK_EQ_INT(s.n, 1);
	tar_reader_free(r);
	seen_free(&s);
	free(b.p);
}

TEST(tar_callback_error_stops)
{
	struct buf b = { 0 };
	struct seen s = { .fail_at = 2 };
	struct tar_writer *w = tar_writer_new(buf_sink, &b);

	CHECK_EQ_INT(tar_writer_file(w, "a", "1", 1), 0);
	CHECK_EQ_INT(tar_writer_file(w, "b", "2", 1), 0);
	CHECK_EQ_INT(tar_writer_file(w, "c", "3", 1), 0);
	CHECK_EQ_INT(tar_writer_finish(w), 0);
	tar_writer_free(w);
	CHECK_EQ_INT(read_all(&b, 0, &s), -EIO);
	CHECK_EQ_INT(s.n, 2);
	CHECK_EQ_STR(err_str(), "stop");
	seen_free(&s);
	free(b.p);
}

TEST(tar_writer_misuse)
{
	struct buf b = { 0 };
	struct tar_writer *w = tar_writer_new(buf_sink, &b);
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
	struct buf b = { 0 };
	struct seen s = { 0 };
	struct tar_writer *w = tar_writer_new(buf_sink, &b);
	struct tar_entry e = { .name = "huge", .type = TAR_REG, .mode = 0644,
			       .size = 9LL << 30, .mtime = -5, .uid = 1LL << 30 };
	struct tar_reader *r = tar_reader_new(&seen_ops, &s);

	CHECK_EQ_INT(tar_writer_add(w, &e), 0);
	CHECK(b.n > TAR_BLOCK && memmem(b.p, b.n, "size=9663676416\n", 16));
	CHECK_EQ_INT(tar_reader_feed(r, b.p, b.n), 0);
	CHECK_EQ_INT(s.n, 1);
	CHECK_EQ_INT(s.sizes[0], 9LL << 30);
	CHECK_EQ_INT(s.mtimes[0], -5);
	CHECK_EQ_INT(tar_reader_finish(r), -EBADMSG);	/* the data never came */
	tar_reader_free(r);
	tar_writer_free(w);
	seen_free(&s);
	free(b.p);
}
