// SPDX-License-Identifier: Apache-2.0
/* gz.c - the zlib wrapper: gzip streams in and out through a sink callback,
 * in chunks of at most GZ_CHUNK bytes. What the bytes mean is the caller's. */
#include <errno.h>
#include <string.h>
#include <zlib.h>

#include "core/util/err.h"
#include "core/util/gz.h"
#include "core/util/xalloc.h"

/* Output chunk: also the bound on what one sink call receives. */
enum { GZ_CHUNK = 64 * 1024 };

struct gz {
	z_stream zs;
	bool deflating;
	bool member_done;	/* inflate: the last member ended cleanly */
	bool finished;		/* gz_finish was called */
	int err;		/* first failure, returned from then on */
	gz_sink_fn sink;
	void *arg;
	unsigned char out[GZ_CHUNK];
};

static struct gz *gz_new(bool deflating, gz_sink_fn sink, void *arg)
{
	struct gz *z = xzalloc(sizeof(*z));

	z->deflating = deflating;
	z->sink = sink;
	z->arg = arg;
	return z;
}

static int gz_zlib_err(struct gz *z, int r)
{
	if (r == Z_MEM_ERROR)
		z->err = err_setx(ENOMEM, "gzip: zlib is out of memory");
	else if (z->deflating)
		z->err = err_setx(EIO, "gzip compression: %s", z->zs.msg ? z->zs.msg : zError(r));
	else
		z->err = err_setx(EBADMSG, "corrupt gzip data: %s",
				  z->zs.msg ? z->zs.msg : "bad stream");
	return z->err;
}

/* Hand what zlib wrote to the sink and make the whole buffer free again. */
static int gz_drain(struct gz *z)
{
	size_t have = GZ_CHUNK - z->zs.avail_out;
	int r;

	z->zs.next_out = z->out;
	z->zs.avail_out = GZ_CHUNK;
	if (!have)
		return 0;
	r = z->sink(z->arg, z->out, have);
	if (r < 0)
		z->err = r;
	return r < 0 ? r : 0;
}

/* After inflateInit2/deflateInit2: z ready for output, or NULL (freed). */
static struct gz *gz_started(struct gz *z, int r)
{
	if (r != Z_OK) {
		gz_zlib_err(z, r);
		free(z);
		return NULL;
	}
	z->zs.next_out = z->out;
	z->zs.avail_out = GZ_CHUNK;
	return z;
}

struct gz *gz_inflate_new(gz_sink_fn sink, void *arg)
{
	struct gz *z = gz_new(false, sink, arg);
	int r;

	/* 16 + windowBits: expect a gzip header and trailer, not zlib's */
	r = inflateInit2(&z->zs, 16 + MAX_WBITS);
	return gz_started(z, r);
}

struct gz *gz_deflate_new(int level, gz_sink_fn sink, void *arg)
{
	struct gz *z;
	int r;

	if (level < 1 || level > 9) {
		err_setx(EINVAL, "gzip level %d: must be 1 to 9", level);
		return NULL;
	}
	z = gz_new(true, sink, arg);
	/* zlib's gzip header has no name and a zero mtime: the output depends
	 * on the input alone, so saved layers keep their digests */
	r = deflateInit2(&z->zs, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
	return gz_started(z, r);
}

static int gz_inflate_some(struct gz *z)
{
	for (;;) {
		int r = inflate(&z->zs, Z_NO_FLUSH);
		bool full = !z->zs.avail_out;

		if (r != Z_OK && r != Z_STREAM_END && r != Z_BUF_ERROR)
			return gz_zlib_err(z, r);
		if ((r == Z_STREAM_END || full) && gz_drain(z) < 0)
			return z->err;
		if (r == Z_STREAM_END) {
			/* RFC 1952 2.2: a gzip file is a series of members */
			z->member_done = true;
			if (!z->zs.avail_in)
				return 0;
			inflateReset(&z->zs);
			z->member_done = false;
			continue;
		}
		/* Room left over: all input is used. A full buffer may hide more
		 * output (the trailer is read only after it), so go round again. */
		if (!full)
			return 0;
	}
}

static int gz_deflate_some(struct gz *z, int flush)
{
	for (;;) {
		int r = deflate(&z->zs, flush);

		if (r == Z_STREAM_ERROR)
			return gz_zlib_err(z, r);
		if ((r == Z_STREAM_END || !z->zs.avail_out) && gz_drain(z) < 0)
			return z->err;
		/* Z_NO_FLUSH: input taken is enough, zlib keeps the rest for later */
		if (r == Z_STREAM_END || (flush == Z_NO_FLUSH && !z->zs.avail_in))
			return 0;
		if (r == Z_BUF_ERROR)
			return gz_zlib_err(z, r);
	}
}

int gz_feed(struct gz *z, const void *p, size_t n)
{
	if (z->err)
		return z->err;
	if (z->finished)
		return err_setx(EINVAL, "gzip: input after the end of the stream");
	/* zlib counts input in uInt: feed huge buffers in slices */
	while (n) {
		uInt k = n > (1u << 30) ? 1u << 30 : (uInt)n;
		int r;

		if (!z->deflating && z->member_done) {
			inflateReset(&z->zs);
			z->member_done = false;
		}
		z->zs.next_in = (Bytef *)p;
		z->zs.avail_in = k;
		r = z->deflating ? gz_deflate_some(z, Z_NO_FLUSH) : gz_inflate_some(z);
		if (r < 0)
			return r;
		p = (const char *)p + k;
		n -= k;
	}
	return 0;
}

int gz_finish(struct gz *z)
{
	if (z->err)
		return z->err;
	if (z->finished)
		return 0;
	z->finished = true;
	z->zs.next_in = NULL;
	z->zs.avail_in = 0;
	if (z->deflating)
		return gz_deflate_some(z, Z_FINISH);
	if (!z->member_done)
		return z->err = err_setx(EBADMSG, "corrupt gzip data: stream ends early");
	return gz_drain(z);
}

void gz_free(struct gz *z)
{
	if (!z)
		return;
	if (z->deflating)
		deflateEnd(&z->zs);
	else
		inflateEnd(&z->zs);
	free(z);
}

bool gz_is_gzip(const void *p, size_t n)
{
	const unsigned char *b = p;

	/* RFC 1952 2.3.1: ID1 ID2 */
	return n >= 2 && b[0] == 0x1f && b[1] == 0x8b;
}
