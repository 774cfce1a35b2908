// SPDX-License-Identifier: Apache-2.0
/* tar.c - tar streams as entries: a push reader (ustar, pax, GNU) and a
 * ustar/pax writer. What the entries mean (layers, archives) is elsewhere. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "core/image/tar.h"
#include "core/util/err.h"
#include "core/util/str.h"
#include "core/util/xalloc.h"

/* Header offsets (POSIX pax(1), "ustar Interchange Format"). */
enum {
	H_NAME = 0, H_MODE = 100, H_UID = 108, H_GID = 116, H_SIZE = 124, H_MTIME = 136,
	H_CHKSUM = 148, H_TYPE = 156, H_LINK = 157, H_MAGIC = 257, H_VERSION = 263,
	H_UNAME = 265, H_GNAME = 297, H_PREFIX = 345,
	NAME_LEN = 100, PREFIX_LEN = 155,
	EXT_MAX = 1 << 20,	/* a pax header */
};

static const char zeros[TAR_BLOCK];

/* ---- numbers ---- */

/*
 * A numeric header field: octal text (spaces and NULs around it), or
 * base-256 when the first byte has its top bit set (big endian, two's
 * complement), as GNU tar and star write sizes of 8 GiB and more, ids
 * over 2097151 and, negative, dates before 1970. Only the mtime may be
 * negative.
 */
static int tar_num(const unsigned char *f, size_t n, bool neg_ok, long long *out)
{
	unsigned long long v = 0;
	size_t i = 0;

	if (f[0] & 0x80) {
		unsigned char inv = f[0] & 0x40 ? 0xff : 0;

		if (inv && !neg_ok)
			return -1;
		for (i = 0; i < n; i++) {
			if (v >> 55)
				return -1;
			v = v << 8 | ((f[i] ^ inv) & (i ? 0xff : 0x7f));
		}
		*out = inv ? -(long long)v - 1 : (long long)v;
		return 0;
	}
	while (n && (f[n - 1] == ' ' || f[n - 1] == 0))
		n--;
	while (i < n && (f[i] == ' ' || f[i] == 0))
		i++;
	for (; i < n; i++) {
		if (f[i] < '0' || f[i] > '7' || v >> 60)
			return -1;
		v = v * 8 + (unsigned)(f[i] - '0');
	}
	*out = (long long)v;
	return 0;
}

/* A whole decimal pax value in [0, max]. */
static int pax_dec(const char *s, size_t n, unsigned long long max, long long *out)
{
	unsigned long long v;

	if (strlen(s) != n || str_to_u64(s, max, &v) < 0)
		return -1;
	*out = (long long)v;
	return 0;
}

/* A pax number record: empty, it drops the key. */
static int pax_num(const char *s, size_t n, unsigned long long max, bool *has, long long *out)
{
	*has = n > 0;
	return n ? pax_dec(s, n, max, out) : 0;
}

/* A pax time, "[-]SECONDS[.FRACTION]", the fraction cut to nanoseconds
 * and the result normalised (-1.25 is -2 s + 750000000 ns). */
static int pax_time(char *s, size_t n, long long *sec, long *nsec)
{
	bool neg = *s == '-';
	char *dot = strchr(s, '.');
	long ns = 0, scale = 100000000;

	if (strlen(s) != n)
		return -1;
	if (dot) {
		for (const char *c = dot + 1; *c; c++, scale /= 10) {
			if (*c < '0' || *c > '9')
				return -1;
			ns += (*c - '0') * scale;
		}
		*dot = 0;
	}
	if (pax_dec(s + neg, strlen(s + neg), 1ULL << 62, sec) < 0)
		return -1;
	if (neg) {
		*sec = -*sec - (ns != 0);
		ns = ns ? 1000000000 - ns : 0;
	}
	*nsec = ns;
	return 0;
}

/* ---- reading ---- */

/*
 * More of the header. GNU puts other fields where ustar has its prefix,
 * so the prefix counts only with the "ustar\0" magic; star keeps a
 * trailer in the last 24 bytes of it.
 */
enum {
	H_DEVMAJOR = 329, H_DEVMINOR = 337, H_STAR_TRAILER = 508, STAR_PREFIX_LEN = 131,
	UGNAME_LEN = 32,
	NAME_LIMIT = 4096,	/* PATH_MAX: names and link targets, NUL included */
};

/* The largest uid or gid: (uid_t)-1 means "unchanged" to chown. */
#define ID_MAX 0xfffffffeLL

enum rstate { R_HDR, R_DATA, R_EXT, R_PAD, R_ZERO, R_END };

struct rbuf {
	char *p;
	size_t len, cap;
};

/* What a pax header said for the next entry; NULL or false: nothing. */
struct pax_vals {
	const char *path, *link, *uname, *gname;	/* into the pax buffer */
	bool has_size, has_uid, has_gid, has_mtime;
	long long size, uid, gid, mtime;
	long mtime_nsec;
};

struct tar_reader {
	const struct tar_reader_ops *ops;
	void *arg;
	enum rstate state;
	int err;
	unsigned char blk[TAR_BLOCK];
	size_t blen;
	unsigned long long pos;		/* archive bytes consumed */
	unsigned long long hdr_pos;	/* where the last header block starts */
	unsigned long long left;	/* data (or extension) bytes still to come */
	unsigned pad;			/* padding after them */
	char ext_type;			/* 'x', 'g', 'L' or 'K' being collected */
	struct rbuf ext;		/* ... into this */
	/* Extended headers for the next entry only. */
	bool pending;
	struct rbuf pax, lname, llink;
	struct pax_vals pv;
	struct tar_xattr *xattrs;
	size_t nxattrs, xcap;
	/* The current entry. */
	struct tar_entry e;
	struct rbuf name, link;
	char uname[UGNAME_LEN + 1], gname[UGNAME_LEN + 1];
};

static void rb_put(struct rbuf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = 2 * (b->len + n + 1);
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = 0;
}

static void rb_swap(struct rbuf *a, struct rbuf *b)
{
	struct rbuf t = *a;

	*a = *b;
	*b = t;
}

static int rd_bad(struct tar_reader *r, const char *what)
{
	return r->err = err_setx(EBADMSG, "malformed tar archive: %s at byte %llu", what,
				 r->hdr_pos);
}

static void rd_clear_next(struct tar_reader *r)
{
	r->pending = false;
	r->pax.len = r->lname.len = r->llink.len = 0;
	r->nxattrs = 0;
	memset(&r->pv, 0, sizeof(r->pv));
}

/* One record of a pax header: its key and value, in place. */
static int rd_pax_xattr(struct tar_reader *r, const char *key, const char *val, size_t n)
{
	if (!key[13])
		return rd_bad(r, "pax xattr record without a name");
	if (r->nxattrs == r->xcap) {
		r->xcap = r->xcap ? 2 * r->xcap : 8;
		r->xattrs = xrealloc(r->xattrs, r->xcap * sizeof(*r->xattrs));
	}
	r->xattrs[r->nxattrs++] = (struct tar_xattr){ .name = key + 13, .value = val, .len = n };
	return 0;
}

/* Later records win; an empty value drops the key (POSIX pax(1), "pax
 * Extended Header"), and strings may not hold a NUL. */
static int rd_pax_rec(struct tar_reader *r, const char *key, char *val, size_t n)
{
	static const char *const strs[] = { "path", "linkpath", "uname", "gname" };
	const char **str[] = { &r->pv.path, &r->pv.link, &r->pv.uname, &r->pv.gname };
	struct pax_vals *pv = &r->pv;
	int rc = 0;

	if (!strncmp(key, "GNU.sparse.", 11))
		return r->err = err_setx(ENOTSUP, "tar archive: sparse files are not supported "
					 "(at byte %llu)", r->hdr_pos);
	if (!strncmp(key, "SCHILY.xattr.", 13))
		return rd_pax_xattr(r, key, val, n);
	for (size_t i = 0; i < ARRAY_SIZE(strs); i++) {
		if (strcmp(key, strs[i]))
			continue;
		if (strlen(val) != n)
			return rd_bad(r, "NUL byte in a pax name");
		*str[i] = n ? val : NULL;
		return 0;
	}
	if (!strcmp(key, "size"))
		rc = pax_num(val, n, INT64_MAX, &pv->has_size, &pv->size);
	else if (!strcmp(key, "uid"))
		rc = pax_num(val, n, ID_MAX, &pv->has_uid, &pv->uid);
	else if (!strcmp(key, "gid"))
		rc = pax_num(val, n, ID_MAX, &pv->has_gid, &pv->gid);
	else if (!strcmp(key, "mtime") && (pv->has_mtime = n > 0))
		rc = pax_time(val, n, &pv->mtime, &pv->mtime_nsec);
	return rc < 0 ? rd_bad(r, "bad pax number") : 0;
}

/* "LEN key=value\n" records, one after another; LEN counts itself, the
 * key may not hold a NUL, the value is any bytes. A global header ('g')
 * is checked and otherwise ignored, as docker does. */
static int rd_pax(struct tar_reader *r, struct rbuf *b, bool global)
{
	char *p = b->p, *end = b->p + b->len;

	while (p < end) {
		char *sp = p, *eq;
		size_t len = 0;
		int rc;

		for (; sp < end && *sp >= '0' && *sp <= '9' && len <= b->len; sp++)
			len = len * 10 + (size_t)(*sp - '0');
		if (sp == p || sp == end || *sp != ' ' || len < (size_t)(sp - p) + 4 ||
		    len > (size_t)(end - p) || p[len - 1] != '\n')
			return rd_bad(r, "bad pax record length");
		eq = memchr(sp + 1, '=', (size_t)(p + len - 1 - (sp + 1)));
		if (!eq || eq == sp + 1 || memchr(sp + 1, 0, (size_t)(eq - (sp + 1))))
			return rd_bad(r, "bad pax record key");
		*eq = 0;
		p[len - 1] = 0;
		rc = global ? 0 : rd_pax_rec(r, sp + 1, eq + 1, (size_t)(p + len - 1 - (eq + 1)));
		if (rc < 0)
			return rc;
		p += len;
	}
	return 0;
}

/* A GNU long name or link: one NUL-terminated name (the NUL is counted,
 * so it may be missing), nothing after it. */
static int rd_gnu_name(struct tar_reader *r, struct rbuf *b)
{
	size_t n = strnlen(b->p, b->len);

	for (size_t i = n; i < b->len; i++)
		if (b->p[i])
			return rd_bad(r, "NUL byte in a GNU long name");
	if (!n)
		return rd_bad(r, "empty GNU long name");
	b->len = n;
	return 0;
}

/* A collected extended header is complete: it waits for its entry. A
 * second one of a kind replaces the first (as Go's archive/tar). */
static int rd_ext_done(struct tar_reader *r)
{
	struct rbuf *dst = r->ext_type == 'x' ? &r->pax : r->ext_type == 'L' ? &r->lname :
			   &r->llink;

	if (r->ext_type == 'g')
		return rd_pax(r, &r->ext, true);
	rb_swap(&r->ext, dst);
	r->pending = true;
	if (r->ext_type != 'x')
		return rd_gnu_name(r, dst);
	r->nxattrs = 0;
	memset(&r->pv, 0, sizeof(r->pv));
	return rd_pax(r, dst, false);
}

/* The entry's name or link: pax, GNU long name, else (name only) ustar
 * prefix "/" name. */
static int rd_name(struct tar_reader *r, struct rbuf *out, const char *pax,
		   const struct rbuf *gnu, size_t field)
{
	const char *h = (const char *)r->blk;

	out->len = 0;
	rb_put(out, "", 0);
	if (pax) {
		rb_put(out, pax, strlen(pax));
	} else if (gnu->len) {
		rb_put(out, gnu->p, gnu->len);
	} else {
		bool ustar = !memcmp(h + H_MAGIC, "ustar\0", 6);
		bool star = ustar && !memcmp(h + H_STAR_TRAILER, "tar\0", 4);
		size_t plen = strnlen(h + H_PREFIX, star ? STAR_PREFIX_LEN : PREFIX_LEN);

		if (field == H_NAME && ustar && plen) {
			rb_put(out, h + H_PREFIX, plen);
			rb_put(out, "/", 1);
		}
		rb_put(out, h + field, strnlen(h + field, NAME_LEN));
	}
	if (out->len >= NAME_LIMIT)
		return rd_bad(r, field == H_NAME ? "name of 4 KiB or more" :
				 "link target of 4 KiB or more");
	return 0;
}

static bool rd_header_only(char type)
{
	return type == TAR_HARDLINK || type == TAR_SYMLINK || type == TAR_CHR ||
	       type == TAR_BLK || type == TAR_DIR || type == TAR_FIFO;
}

/* The checksum counts the header with its own field as spaces; old tars
 * summed signed chars, so both sums are accepted (as GNU tar and Go). */
static int rd_checksum(struct tar_reader *r)
{
	long long want;
	long u = 0, s = 0;

	for (int i = 0; i < TAR_BLOCK; i++) {
		u += r->blk[i];
		s += (signed char)r->blk[i];
	}
	for (int i = H_CHKSUM; i < H_CHKSUM + 8; i++) {
		u += ' ' - r->blk[i];
		s += ' ' - (signed char)r->blk[i];
	}
	if (tar_num(r->blk + H_CHKSUM, 8, false, &want) < 0 || (want != u && want != s))
		return r->hdr_pos ? rd_bad(r, "bad header checksum") :
				    (r->err = err_setx(EBADMSG, "not a tar archive (bad header "
						       "checksum at byte 0)"));
	return 0;
}

/* Every header's numbers, extended headers' too. */
static int rd_fields(struct tar_reader *r, struct tar_entry *e)
{
	const unsigned char *h = r->blk;
	long long mode, maj, min;

	if (tar_num(h + H_MODE, 8, false, &mode) < 0 || tar_num(h + H_UID, 8, false, &e->uid) < 0 ||
	    tar_num(h + H_GID, 8, false, &e->gid) < 0 ||
	    tar_num(h + H_SIZE, 12, false, &e->size) < 0 ||
	    tar_num(h + H_MTIME, 12, true, &e->mtime) < 0 ||
	    tar_num(h + H_DEVMAJOR, 8, false, &maj) < 0 ||
	    tar_num(h + H_DEVMINOR, 8, false, &min) < 0 || e->uid > ID_MAX ||
	    e->gid > ID_MAX || maj > UINT32_MAX || min > UINT32_MAX)
		return rd_bad(r, "bad number in a header");
	e->mode = (unsigned)mode & 07777;
	e->devmajor = (unsigned)maj;
	e->devminor = (unsigned)min;
	return 0;
}

/* Start collecting an extended header's data: a pax header up to 1 MiB,
 * a GNU long name up to NAME_LIMIT. */
static int rd_ext_begin(struct tar_reader *r, char type, long long size)
{
	if (size > (type == 'L' || type == 'K' ? NAME_LIMIT : EXT_MAX))
		return rd_bad(r, type == 'L' || type == 'K' ? "GNU long name of 4 KiB or more" :
				 "pax header larger than 1 MiB");
	r->ext_type = type;
	r->ext.len = 0;
	rb_put(&r->ext, "", 0);
	r->left = (unsigned long long)size;
	r->pad = (TAR_BLOCK - size % TAR_BLOCK) % TAR_BLOCK;
	r->state = R_EXT;
	if (r->left)
		return 0;
	r->state = R_HDR;
	return rd_ext_done(r);
}

/* The end of the current entry's data. */
static int rd_entry_done(struct tar_reader *r)
{
	int rc = r->ops->end ? r->ops->end(r->arg) : 0;

	rd_clear_next(r);
	r->state = r->pad ? R_PAD : R_HDR;
	return rc < 0 ? (r->err = rc) : 0;
}

/* What a pax header said about this entry. */
static void rd_overrides(struct tar_reader *r, struct tar_entry *e)
{
	const struct pax_vals *pv = &r->pv;
	const char *h = (const char *)r->blk;

	if (pv->has_size)
		e->size = pv->size;
	if (pv->has_uid)
		e->uid = pv->uid;
	if (pv->has_gid)
		e->gid = pv->gid;
	if (pv->has_mtime)
		e->mtime = pv->mtime, e->mtime_nsec = pv->mtime_nsec;
	memcpy(r->uname, h + H_UNAME, UGNAME_LEN);	/* r->uname[32] stays NUL */
	memcpy(r->gname, h + H_GNAME, UGNAME_LEN);
	e->uname = pv->uname ? pv->uname : r->uname;
	e->gname = pv->gname ? pv->gname : r->gname;
	e->xattrs = r->xattrs;
	e->nxattrs = r->nxattrs;
}

/* Types other than these are refused: GNU sparse ('S'), multi-volume
 * ('M'), volume labels ('V'), dump dirs ('D') and vendor extensions
 * cannot be unpacked as they are meant. */
static int rd_type(struct tar_reader *r, char type, const char *name)
{
	char shown[128];

	if (type == 0)
		return *name && name[strlen(name) - 1] == '/' ? TAR_DIR : TAR_REG;
	if (type == '7')
		return TAR_REG;
	if (type == TAR_REG || rd_header_only(type))
		return type;
	str_printable(shown, sizeof(shown), name);
	if (type == 'S')
		return r->err = err_setx(ENOTSUP, "tar entry \"%s\" at byte %llu: sparse files "
					 "are not supported", shown, r->hdr_pos);
	return r->err = err_setx(ENOTSUP, "tar entry \"%s\" at byte %llu: type 0x%02x is not "
				 "supported", shown, r->hdr_pos, (unsigned char)type);
}

static int rd_header(struct tar_reader *r)
{
	struct tar_entry *e = &r->e;
	char type = (char)r->blk[H_TYPE];
	int rc;

	if (!memcmp(r->blk, zeros, TAR_BLOCK)) {
		if (r->state == R_ZERO)
			r->state = R_END;
		else if (r->pending)
			return rd_bad(r, "end of archive right after an extended header");
		else
			r->state = R_ZERO;
		return 0;
	}
	if (r->state == R_ZERO)
		return rd_bad(r, "data after an end-of-archive block");
	memset(e, 0, sizeof(*e));
	if (rd_checksum(r) < 0 || rd_fields(r, e) < 0)
		return r->err;
	if (type == 'x' || type == 'g' || type == 'L' || type == 'K')
		return rd_ext_begin(r, type, e->size);
	if (rd_name(r, &r->name, r->pv.path, &r->lname, H_NAME) < 0 ||
	    rd_name(r, &r->link, r->pv.link, &r->llink, H_LINK) < 0 ||
	    (rc = rd_type(r, type, r->name.p)) < 0)
		return r->err;
	rd_overrides(r, e);
	e->type = (char)rc;
	e->name = r->name.p;
	e->linkname = r->link.p;
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
	case R_ZERO:
		if (!r->blen)
			r->hdr_pos = r->pos;
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
			rb_put(&r->ext, p, k);
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
	char name[128];

	if (r->err)
		return r->err;
	if (r->state == R_DATA) {
		str_printable(name, sizeof(name), r->name.p);
		return r->err = err_setx(EBADMSG, "tar archive is cut short in entry \"%s\"", name);
	}
	if (r->blen || r->state == R_EXT || r->state == R_PAD)
		return r->err = err_setx(EBADMSG, "tar archive is cut short at byte %llu", r->pos);
	if (r->pending)
		return r->err = err_setx(EBADMSG, "tar archive is cut short after an extended "
					 "header");
	return 0;
}

bool tar_reader_at_end(const struct tar_reader *r)
{
	return r->state == R_ZERO || r->state == R_END;
}

void tar_reader_free(struct tar_reader *r)
{
	if (!r)
		return;
	free(r->ext.p);
	free(r->pax.p);
	free(r->lname.p);
	free(r->llink.p);
	free(r->xattrs);
	free(r->name.p);
	free(r->link.p);
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
static void pax_add_bin(char **buf, size_t *len, const char *key, const char *val, size_t vn)
{
	size_t body = strlen(key) + vn + 3, total = body + 1;
	char tmp[24];
	int hn;

	while ((size_t)snprintf(tmp, sizeof(tmp), "%zu", total) + body != total)
		total = (size_t)snprintf(tmp, sizeof(tmp), "%zu", total) + body;
	*buf = xrealloc(*buf, *len + total + 1);
	hn = snprintf(*buf + *len, total + 1, "%zu %s=", total, key);
	memcpy(*buf + *len + hn, val, vn);
	(*buf)[*len + total - 1] = '\n';
	*len += total;
}

static void pax_add(char **buf, size_t *len, const char *key, const char *val)
{
	pax_add_bin(buf, len, key, val, strlen(val));
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
	if (type == TAR_CHR || type == TAR_BLK) {
		put_octal(h + H_DEVMAJOR, 8, e->devmajor);
		put_octal(h + H_DEVMINOR, 8, e->devminor);
	}
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
	for (size_t i = 0; i < e->nxattrs; i++) {
		autofree char *k = xasprintf("SCHILY.xattr.%s", e->xattrs[i].name);

		pax_add_bin(buf, len, k, e->xattrs[i].value, e->xattrs[i].len);
	}
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
