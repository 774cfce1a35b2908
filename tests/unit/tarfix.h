// SPDX-License-Identifier: Apache-2.0
/* tarfix.h - hand-built tar archives for the tests of the tar reader and
 * the layer unpacker: ustar headers with any field, pax records, GNU long
 * names, base-256 numbers. Include after the libc headers and xalloc.h. */
#ifndef DORY_TARFIX_H
#define DORY_TARFIX_H

struct tw {
	char *p;
	size_t len, cap;
};

struct th {
	const char *name, *link;
	char type;
	unsigned mode, uid, gid, maj, min;
	long long mtime;
	unsigned long long size;
	bool gnu;		/* GNU magic: no prefix field */
	bool v7;		/* no magic at all */
	bool star;		/* star's trailer: a 131-byte prefix */
	bool b256_size, b256_mtime, b256_uid;
	const char *prefix, *uname, *gname;
};

static void tw_put(struct tw *t, const void *s, size_t n)
{
	if (t->len + n > t->cap) {
		t->cap = (t->len + n) * 2;
		t->p = xrealloc(t->p, t->cap);
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
}

static void tw_pad(struct tw *t)
{
	static const char zero[512];

	tw_put(t, zero, (512 - t->len % 512) % 512);
}

static void tw_b256(unsigned char *f, size_t n, long long v)
{
	for (size_t i = n; i-- > 0; v >>= 8)
		f[i] = (unsigned char)(v & 0xff);
	f[0] = v < 0 ? 0xff : 0x80;
}

/* (Re)compute the checksum of header block b, e.g. after a test changed
 * a field by hand. */
static void tw_sum(unsigned char *b)
{
	unsigned sum = 0;

	memset(b + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += b[i];
	snprintf((char *)b + 148, 8, "%06o", sum);
}

static void th_block(const struct th *h, unsigned char *b)
{
	memset(b, 0, 512);
	memcpy(b, h->name, strnlen(h->name, 100));
	snprintf((char *)b + 100, 8, "%07o", h->mode);
	snprintf((char *)b + 108, 8, "%07o", h->uid);
	snprintf((char *)b + 116, 8, "%07o", h->gid);
	if (h->b256_uid)
		tw_b256(b + 108, 8, h->uid);
	if (h->b256_size)
		tw_b256(b + 124, 12, (long long)h->size);
	else
		snprintf((char *)b + 124, 12, "%011llo", h->size);
	if (h->b256_mtime)
		tw_b256(b + 136, 12, h->mtime);
	else
		snprintf((char *)b + 136, 12, "%011llo", (unsigned long long)h->mtime);
	b[156] = (unsigned char)h->type;
	if (h->link)
		memcpy(b + 157, h->link, strnlen(h->link, 100));
	if (!h->v7)
		memcpy(b + 257, h->gnu ? "ustar  " : "ustar\0" "00", 8);
	if (h->uname)
		memcpy(b + 265, h->uname, strnlen(h->uname, 32));
	if (h->gname)
		memcpy(b + 297, h->gname, strnlen(h->gname, 32));
	snprintf((char *)b + 329, 8, "%07o", h->maj);
	snprintf((char *)b + 337, 8, "%07o", h->min);
	if (h->prefix)
		memcpy(b + 345, h->prefix, strnlen(h->prefix, h->star ? 131 : 155));
	if (h->star)
		memcpy(b + 508, "tar", 4);
	tw_sum(b);
}

static void tw_hdr(struct tw *t, const struct th *h)
{
	unsigned char b[512];

	th_block(h, b);
	tw_put(t, b, 512);
}

static struct th th_def(const char *name, char type, unsigned mode)
{
	return (struct th){ .name = name, .type = type, .mode = mode, .uid = getuid(),
			    .gid = getgid(), .mtime = 1600000000 };
}

static void tw_data(struct tw *t, const void *d, size_t n)
{
	tw_put(t, d, n);
	tw_pad(t);
}

static void tw_file(struct tw *t, const char *name, unsigned mode, const char *data)
{
	struct th h = th_def(name, '0', mode);

	h.size = strlen(data);
	tw_hdr(t, &h);
	tw_data(t, data, h.size);
}

static void tw_simple(struct tw *t, const char *name, char type, unsigned mode, const char *link)
{
	struct th h = th_def(name, type, mode);

	h.link = link;
	tw_hdr(t, &h);
}

#define tw_dir(t, n, m) tw_simple(t, n, '5', m, NULL)
#define tw_sym(t, n, l) tw_simple(t, n, '2', 0777, l)
#define tw_hard(t, n, l) tw_simple(t, n, '1', 0644, l)

/* Append one "LEN key=value\n" record; LEN counts itself. */
static void tw_rec(struct tw *r, const char *key, const void *val, size_t vlen)
{
	size_t n = strlen(key) + vlen + 3, d = 1;
	char num[24];

	while (snprintf(num, sizeof(num), "%zu", n + d) != (int)d)
		d++;
	snprintf(num, sizeof(num), "%zu ", n + d);
	tw_put(r, num, strlen(num));
	tw_put(r, key, strlen(key));
	tw_put(r, "=", 1);
	tw_put(r, val, vlen);
	tw_put(r, "\n", 1);
}

/* An extended header ('x', 'g', 'L', 'K') and its data. */
static void tw_meta(struct tw *t, char type, const void *d, size_t n)
{
	struct th h = th_def("././@LongLink", type, 0644);

	h.size = n;
	tw_hdr(t, &h);
	tw_data(t, d, n);
}

/* A pax header of the records in recs, which is emptied. */
static void tw_pax(struct tw *t, struct tw *recs)
{
	tw_meta(t, 'x', recs->p, recs->len);
	free(recs->p);
	*recs = (struct tw){ 0 };
}

static void tw_end(struct tw *t)
{
	static const char zero[1024];

	tw_put(t, zero, sizeof(zero));
}

#endif
