// SPDX-License-Identifier: Apache-2.0
/* tar.c - tar streams as entries: a push reader (ustar, pax, GNU) and a
 * ustar/pax writer. What the entries mean (layers, archives) is elsewhere. */
#include <errno.h>
#include <string.h>

#include "core/image/tar.h"
#include "core/util/err.h"
#include "core/util/xalloc.h"

/*
 * Header layout (POSIX.1-1988 ustar; GNU puts other fields where ustar has
 * its prefix, so the prefix counts only with the "ustar\0" magic).
 */
enum {
	H_NAME = 0, H_MODE = 100, H_UID = 108, H_GID = 116, H_SIZE = 124, H_MTIME = 136,
	H_CHKSUM = 148, H_TYPE = 156, H_LINK = 157, H_MAGIC = 257, H_VERSION = 263,
	H_UNAME = 265, H_GNAME = 297, H_PREFIX = 345,
	NAME_LEN = 100, PREFIX_LEN = 155,
	EXT_MAX = 1 << 20,	/* a pax header or GNU long name */
};

static const char zeros[TAR_BLOCK];

/* ---- numbers ---- */

/* An octal field (spaces and NULs around it) or GNU base-256. */
static int tar_num(const unsigned char *f, size_t n, long long *out)
{
	unsigned long long v = 0;
	size_t i = 0;

	if (f[0] & 0x80) {
		if (f[0] != 0x80)
			return -1;	/* negative: never valid for us */
		for (i = 1; i < n; i++) {
			if (v >> 55)
				return -1;
			v = v << 8 | f[i];
		}
		*out = (long long)v;
		return 0;
	}
	while (i < n && (f[i] == ' ' || f[i] == 0))
		i++;
	for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) {
		if (v >> 60)
			return -1;
		v = v * 8 + (f[i] - '0');
	}
	for (; i < n; i++)
		if (f[i] != ' ' && f[i] != 0)
			return -1;
	*out = (long long)v;
	return 0;
}

/* A decimal pax value; a fraction (mtime) is dropped. */
static int pax_num(const char *s, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || (*end && *end != '.'))
		return -1;
	*out = v;
	return 0;
}

/* ---- reading ---- */

enum rstate { R_HDR, R_DATA, R_EXT, R_PAD, R_END };

struct tar_reader {
	const struct tar_reader_ops *ops;
	void *arg;
	enum rstate state;
	int err;
	unsigned char blk[TAR_BLOCK];
	size_t blen;
	unsigned long long pos;		/* archive bytes consumed */
	unsigned long long left;	/* data (or extension) bytes still to come */
	unsigned pad;			/* padding after them */
	char ext_type;			/* 'x', 'g', 'L' or 'K' being collected */
	char *ext;
	size_t ext_len;
	/* From pax or GNU headers, for the next entry only. */
	char *next_name, *next_link;
	long long next_size, next_uid, next_gid, next_mtime;
	bool has_size, has_uid, has_gid, has_mtime;
	/* The current entry. */
	struct tar_entry e;
	char *name, *link;
};

static int rd_bad(struct tar_reader *r, const char *what)
{
	return r->err = err_setx(EBADMSG, "malformed tar archive: %s at byte %llu", what,
				 r->pos);
}

static void rd_clear_next(struct tar_reader *r)
{
	free(r->next_name);
	free(r->next_link);
	r->next_name = r->next_link = NULL;
	r->has_size = r->has_uid = r->has_gid = r->has_mtime = false;
}

/* One "LEN key=value\n" record after another. */
static int rd_pax(struct tar_reader *r)
{
	char *p = r->ext, *end = r->ext + r->ext_len;

	while (p < end) {
		char *sp, *eq, *rec;
		long long len, v;

		sp = memchr(p, ' ', end - p);
		if (!sp)
			return rd_bad(r, "pax record without a length");
		*sp = 0;
		if (pax_num(p, &len) < 0 || len <= sp - p + 1 || len > end - p ||
		    p[len - 1] != '\n')
			return rd_bad(r, "bad pax record length");
		rec = sp + 1;
		p[len - 1] = 0;
		eq = strchr(rec, '=');
		if (!eq)
			return rd_bad(r, "pax record without '='");
		*eq++ = 0;
		p += len;
		if (r->ext_type == 'g')
			continue;	/* global defaults: nothing we use */
		if (!strncmp(rec, "GNU.sparse.", 11))
			return r->err = err_setx(ENOTSUP, "tar archive: sparse files are not "
						  "supported (at byte %llu)", r->pos);
		if (!strcmp(rec, "path")) {
			free(r->next_name);
			r->next_name = xstrdup(eq);
		} else if (!strcmp(rec, "linkpath")) {
			free(r->next_link);
			r->next_link = xstrdup(eq);
		} else if (!strcmp(rec, "size") || !strcmp(rec, "uid") || !strcmp(rec, "gid") ||
			   !strcmp(rec, "mtime")) {
			if (pax_num(eq, &v) < 0 || (v < 0 && strcmp(rec, "mtime")))
				return rd_bad(r, "bad pax number");
			if (rec[0] == 's')
				r->next_size = v, r->has_size = true;
			else if (rec[0] == 'u')
				r->next_uid = v, r->has_uid = true;
			else if (rec[0] == 'g')
				r->next_gid = v, r->has_gid = true;
			else
				r->next_mtime = v, r->has_mtime = true;
		}
	}
	return 0;
}

/* A collected extension (pax header or GNU long name) is complete. */
static int rd_ext_done(struct tar_reader *r)
{
	char **dst = r->ext_type == 'L' ? &r->next_name : &r->next_link;

	if (r->ext_type == 'x' || r->ext_type == 'g')
		return rd_pax(r);
	free(*dst);
	*dst = xstrndup(r->ext, strnlen(r->ext, r->ext_len));
	return 0;
}

/* The header's name: pax or GNU long name, else ustar prefix "/" name. */
static char *rd_name(struct tar_reader *r)
{
	const char *h = (const char *)r->blk;

	if (r->next_name)
		return TAKE(r->next_name);
	if (!memcmp(h + H_MAGIC, "ustar\0", 6) && h[H_PREFIX])
		return xasprintf("%.*s/%.*s", PREFIX_LEN, h + H_PREFIX, NAME_LEN, h + H_NAME);
	return xstrndup(h + H_NAME, NAME_LEN);
}

static bool rd_header_only(char type)
{
	return type == TAR_HARDLINK || type == TAR_SYMLINK || type == TAR_CHR ||
	       type == TAR_BLK || type == TAR_DIR || type == TAR_FIFO || type == 'V';
}

static int rd_checksum(struct tar_reader *r)
{
	long long want;
	unsigned long u = 0;
	long s = 0;

	for (int i = 0; i < TAR_BLOCK; i++) {
		unsigned char c = i >= H_CHKSUM && i < H_CHKSUM + 8 ? ' ' : r->blk[i];

		u += c;
		s += (signed char)c;
	}
	if (tar_num(r->blk + H_CHKSUM, 8, &want) < 0 || (want != (long long)u && want != s))
		return r->pos ? rd_bad(r, "bad header checksum") :
				(r->err = err_setx(EBADMSG, "not a tar archive (its first block is "
						   "no tar header)"));
	return 0;
}

/* Start collecting an extension header's data. */
static int rd_ext_begin(struct tar_reader *r, char type, long long size)
{
	if (size > EXT_MAX)
		return rd_bad(r, "extended header larger than 1 MiB");
	r->ext_type = type;
	r->ext = xrealloc(r->ext, (size_t)size + 1);
	r->ext_len = 0;
	r->left = (unsigned long long)size;
	r->pad = (TAR_BLOCK - size % TAR_BLOCK) % TAR_BLOCK;
	r->state = R_EXT;
	return 0;
}

/* The end of the current entry's data. */
static int rd_entry_done(struct tar_reader *r)
{
	int rc = r->ops->end ? r->ops->end(r->arg) : 0;

	free(r->name);
	free(r->link);
	r->name = r->link = NULL;
	r->state = r->pad ? R_PAD : R_HDR;
	return rc < 0 ? (r->err = rc) : 0;
}

static int rd_fields(struct tar_reader *r, struct tar_entry *e)
{
	const unsigned char *h = r->blk;
	long long mode;

	if (tar_num(h + H_MODE, 8, &mode) < 0 || tar_num(h + H_UID, 8, &e->uid) < 0 ||
	    tar_num(h + H_GID, 8, &e->gid) < 0 || tar_num(h + H_SIZE, 12, &e->size) < 0 ||
	    tar_num(h + H_MTIME, 12, &e->mtime) < 0)
		return rd_bad(r, "bad number in a header");
	e->mode = (unsigned)mode & 07777;
	return 0;
}

/* What a pax header or GNU long name said about this entry. */
static void rd_overrides(struct tar_reader *r, struct tar_entry *e)
{
	if (r->has_size)
		e->size = r->next_size;
	if (r->has_uid)
		e->uid = r->next_uid;
	if (r->has_gid)
		e->gid = r->next_gid;
	if (r->has_mtime)
		e->mtime = r->next_mtime;
}

static int rd_header(struct tar_reader *r)
{
	struct tar_entry *e = &r->e;
	char type = (char)r->blk[H_TYPE];
	int rc;

	if (!memcmp(r->blk, zeros, TAR_BLOCK)) {
		r->state = R_END;	/* end of archive; GNU tar also stops at one */
		return 0;
	}
	memset(e, 0, sizeof(*e));
	if (rd_checksum(r) < 0 || rd_fields(r, e) < 0)
		return r->err;
	if (type == 'x' || type == 'g' || type == 'L' || type == 'K')
		return rd_ext_begin(r, type, e->size);
	if (type == 'S' || type == 'M')
		return r->err = err_setx(ENOTSUP, "tar archive: %s entries are not supported (at "
					 "byte %llu)", type == 'S' ? "sparse" : "multi-volume",
					 r->pos);
	rd_overrides(r, e);
	e->type = type == 0 || type == '7' ? TAR_REG : type;
	r->name = rd_name(r);
	r->link = r->next_link ? TAKE(r->next_link) :
				 xstrndup((const char *)r->blk + H_LINK, NAME_LEN);
	rd_clear_next(r);
	e->name = r->name;
	e->linkname = r->link;
	if (rd_header_only(e->type))
		e->size = 0;
	r->left = (unsigned long long)e->size;
	r->pad = (TAR_BLOCK - e->size % TAR_BLOCK) % TAR_BLOCK;
	rc = r->ops->entry ? r->ops->entry(r->arg, e) : 0;
	if (rc < 0)
		return r->err = rc;
	r->state = R_DATA;
	return r->left ? 0 : rd_entry_done(r);
}

struct tar_reader *tar_reader_new(const struct tar_reader_ops *ops, void *arg)
{
	struct tar_reader *r = xzalloc(sizeof(*r));

	r->ops = ops;
	r->arg = arg;
	return r;
}

/* Feed one state's worth of input; returns the bytes used or -errno. */
static ssize_t rd_step(struct tar_reader *r, const unsigned char *p, size_t n)
{
	size_t k;
	int rc = 0;

	switch (r->state) {
	case R_HDR:
		k = n < TAR_BLOCK - r->blen ? n : TAR_BLOCK - r->blen;
		memcpy(r->blk + r->blen, p, k);
		r->blen += k;
		if (r->blen == TAR_BLOCK) {
			r->blen = 0;
			rc = rd_header(r);
		}
		return rc < 0 ? rc : (ssize_t)k;
	case R_DATA:
	case R_EXT:
		k = n < r->left ? n : (size_t)r->left;
		if (r->state == R_EXT)
			memcpy(r->ext + r->ext_len, p, k), r->ext_len += k;
		else if (r->ops->data && (rc = r->ops->data(r->arg, p, k)) < 0)
			return r->err = rc;
		r->left -= k;
		if (!r->left && r->state == R_EXT) {
			r->state = r->pad ? R_PAD : R_HDR;
			rc = rd_ext_done(r);
		} else if (!r->left) {
			rc = rd_entry_done(r);
		}
		return rc < 0 ? rc : (ssize_t)k;
	case R_PAD:
		k = n < r->pad ? n : r->pad;
		r->pad -= k;
		if (!r->pad)
			r->state = R_HDR;
		return (ssize_t)k;
	case R_END:
		return (ssize_t)n;
	}
	return -EINVAL;
}

int tar_reader_feed(struct tar_reader *r, const void *p, size_t n)
{
	const unsigned char *b = p;

	if (r->err)
		return r->err;
	while (n) {
		ssize_t k = rd_step(r, b, n);

		if (k < 0)
			return r->err = (int)k;
		b += k;
		n -= (size_t)k;
		r->pos += (unsigned long long)k;
	}
	return 0;
}

int tar_reader_finish(struct tar_reader *r)
{
	if (r->err)
		return r->err;
	if (r->state == R_END || (r->state == R_HDR && !r->blen && !r->next_name &&
				  !r->next_link && !r->has_size))
		return 0;
	if (r->state == R_DATA)
		return r->err = err_setx(EBADMSG, "tar archive is cut short in entry \"%s\"",
					 r->name);
	return r->err = err_setx(EBADMSG, "tar archive is cut short at byte %llu", r->pos);
}

bool tar_reader_at_end(const struct tar_reader *r)
{
	return r->state == R_END;
}

void tar_reader_free(struct tar_reader *r)
{
	if (!r)
		return;
	rd_clear_next(r);
	free(r->ext);
	free(r->name);
	free(r->link);
	free(r);
}

/* ---- writing ---- */

struct tar_writer {
	tar_sink_fn sink;
	void *arg;
	unsigned long long off;
	unsigned long long left;	/* data bytes the current entry still needs */
	unsigned pad;
};

static int wr_out(struct tar_writer *w, const void *p, size_t n)
{
	int rc = w->sink(w->arg, p, n);

	if (rc < 0)
		return rc;
	w->off += n;
	return 0;
}

/* n-1 octal digits and a NUL; false when v does not fit. */
static bool put_octal(char *f, size_t n, unsigned long long v)
{
	if (n < 22 && v >> (3 * (n - 1)))
		return false;
	snprintf(f, n, "%0*llo", (int)(n - 1), v);
	return true;
}

/* Append one pax record "LEN key=value\n" to *buf. */
static void pax_add(char **buf, size_t *len, const char *key, const char *val)
{
	size_t body = strlen(key) + strlen(val) + 3, total = body + 1;
	char tmp[24];

	while ((size_t)snprintf(tmp, sizeof(tmp), "%zu", total) + body != total)
		total = (size_t)snprintf(tmp, sizeof(tmp), "%zu", total) + body;
	*buf = xrealloc(*buf, *len + total + 1);
	snprintf(*buf + *len, total + 1, "%zu %s=%s\n", total, key, val);
	*len += total;
}

static void pax_add_num(char **buf, size_t *len, const char *key, long long v)
{
	char s[24];

	snprintf(s, sizeof(s), "%lld", v);
	pax_add(buf, len, key, s);
}

/* Fill a header block (checksum included). */
static void wr_block(char *h, const char *name, const char *prefix, const struct tar_entry *e,
		     char type, long long size)
{
	unsigned long sum = 0;

	memset(h, 0, TAR_BLOCK);
	strncpy(h + H_NAME, name, NAME_LEN);
	put_octal(h + H_MODE, 8, e->mode & 07777);
	if (!put_octal(h + H_UID, 8, (unsigned long long)e->uid))
		put_octal(h + H_UID, 8, 0);
	if (!put_octal(h + H_GID, 8, (unsigned long long)e->gid))
		put_octal(h + H_GID, 8, 0);
	if (size < 0 || !put_octal(h + H_SIZE, 12, (unsigned long long)size))
		put_octal(h + H_SIZE, 12, 0);
	if (e->mtime < 0 || !put_octal(h + H_MTIME, 12, (unsigned long long)e->mtime))
		put_octal(h + H_MTIME, 12, 0);
	h[H_TYPE] = type;
	strncpy(h + H_LINK, e->linkname ? e->linkname : "", NAME_LEN);
	memcpy(h + H_MAGIC, "ustar\0" "00", 8);
	strcpy(h + H_UNAME, e->uid ? "" : "root");
	strcpy(h + H_GNAME, e->gid ? "" : "root");
	if (prefix)
		strncpy(h + H_PREFIX, prefix, PREFIX_LEN);
	memset(h + H_CHKSUM, ' ', 8);
	for (int i = 0; i < TAR_BLOCK; i++)
		sum += (unsigned char)h[i];
	snprintf(h + H_CHKSUM, 8, "%06lo", sum);
}

/* Split name at a "/" into a ustar prefix and name; -1 when it cannot. */
static int wr_split(const char *name)
{
	size_t n = strlen(name);

	if (n <= NAME_LEN)
		return 0;
	for (size_t i = n - 1; i > 0; i--)
		if (name[i] == '/' && i <= PREFIX_LEN && n - i - 1 <= NAME_LEN && n - i - 1 > 0)
			return (int)i;
	return -1;
}

/* The pax records an entry needs (none: *len stays 0). */
static void wr_pax(const struct tar_entry *e, int split, long long size, char **buf, size_t *len)
{
	if (split < 0)
		pax_add(buf, len, "path", e->name);
	if (e->linkname && strlen(e->linkname) > NAME_LEN)
		pax_add(buf, len, "linkpath", e->linkname);
	if (size > 077777777777LL)
		pax_add_num(buf, len, "size", size);
	if (e->uid < 0 || e->uid > 07777777)
		pax_add_num(buf, len, "uid", e->uid);
	if (e->gid < 0 || e->gid > 07777777)
		pax_add_num(buf, len, "gid", e->gid);
	if (e->mtime < 0 || e->mtime > 077777777777LL)
		pax_add_num(buf, len, "mtime", e->mtime);
}

static int wr_pad(struct tar_writer *w, unsigned long long size)
{
	size_t pad = (TAR_BLOCK - size % TAR_BLOCK) % TAR_BLOCK;

	return pad ? wr_out(w, zeros, pad) : 0;
}

int tar_writer_add(struct tar_writer *w, const struct tar_entry *e)
{
	char h[TAR_BLOCK], pname[NAME_LEN + 1];
	autofree char *pax = NULL, *prefix = NULL;
	long long size = rd_header_only(e->type) ? 0 : e->size;
	int split = wr_split(e->name), rc;
	size_t plen = 0;

	if (w->left)
		return err_setx(EINVAL, "tar: the entry before \"%s\" is short", e->name);
	wr_pax(e, split, size, &pax, &plen);
	if (plen) {
		const char *base = strrchr(e->name, '/');

		snprintf(pname, sizeof(pname), "PaxHeaders/%.80s", base && base[1] ? base + 1 :
			 e->name);
		wr_block(h, pname, NULL, &(struct tar_entry){ .mode = 0644 }, 'x', (long long)plen);
		if ((rc = wr_out(w, h, TAR_BLOCK)) < 0 || (rc = wr_out(w, pax, plen)) < 0 ||
		    (rc = wr_pad(w, plen)) < 0)
			return rc;
	}
	if (split > 0)
		prefix = xstrndup(e->name, (size_t)split);
	wr_block(h, split > 0 ? e->name + split + 1 : e->name, prefix, e, e->type, size);
	rc = wr_out(w, h, TAR_BLOCK);
	if (rc < 0)
		return rc;
	w->left = (unsigned long long)size;
	w->pad = (TAR_BLOCK - size % TAR_BLOCK) % TAR_BLOCK;
	return 0;
}

int tar_writer_data(struct tar_writer *w, const void *p, size_t n)
{
	int rc;

	if (n > w->left)
		return err_setx(EINVAL, "tar: %llu bytes more than the entry's size",
				(unsigned long long)n - w->left);
	rc = wr_out(w, p, n);
	if (rc < 0)
		return rc;
	w->left -= n;
	if (!w->left && w->pad) {
		rc = wr_out(w, zeros, w->pad);
		w->pad = 0;
	}
	return rc;
}

int tar_writer_file(struct tar_writer *w, const char *name, const void *p, size_t n)
{
	struct tar_entry e = { .name = name, .type = TAR_REG, .mode = 0644, .size = (long long)n };
	int rc = tar_writer_add(w, &e);

	return rc < 0 || !n ? rc : tar_writer_data(w, p, n);
}

int tar_writer_dir(struct tar_writer *w, const char *name)
{
	struct tar_entry e = { .name = name, .type = TAR_DIR, .mode = 0755 };

	return tar_writer_add(w, &e);
}

int tar_writer_finish(struct tar_writer *w)
{
	int rc;

	if (w->left)
		return err_setx(EINVAL, "tar: the last entry is short by %llu bytes", w->left);
	rc = wr_out(w, zeros, TAR_BLOCK);
	return rc < 0 ? rc : wr_out(w, zeros, TAR_BLOCK);
}

struct tar_writer *tar_writer_new(tar_sink_fn sink, void *arg)
{
	struct tar_writer *w = xzalloc(sizeof(*w));

	w->sink = sink;
	w->arg = arg;
	return w;
}

unsigned long long tar_writer_offset(const struct tar_writer *w)
{
	return w->off;
}

void tar_writer_free(struct tar_writer *w)
{
	free(w);
}
