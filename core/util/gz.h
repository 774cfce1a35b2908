// SPDX-License-Identifier: Apache-2.0
/* gz.h - the only door to zlib: streaming gzip inflate (layers) and
 * deflate (save, tests), pushing output to a callback. */
#ifndef DORY_GZ_H
#define DORY_GZ_H

#include <stdbool.h>
#include <stddef.h>

/* Receives output; returns 0 or -errno (which stops the stream). */
typedef int (*gz_sink_fn)(void *arg, const void *p, size_t n);

struct gz;
/* Inflate a gzip stream (also several concatenated members). */
struct gz *gz_inflate_new(gz_sink_fn sink, void *arg);
/* Deflate into a gzip stream at the given level (1..9). */
struct gz *gz_deflate_new(int level, gz_sink_fn sink, void *arg);
/* Push input; output goes to the sink as it is made. 0 or -errno
 * (-EBADMSG with "corrupt gzip data" recorded for bad input). */
int gz_feed(struct gz *z, const void *p, size_t n);
/* End of input: flushes; for inflate, -EBADMSG if the stream was cut. */
int gz_finish(struct gz *z);
void gz_free(struct gz *z);
/* true when the first bytes look like gzip (1f 8b). */
bool gz_is_gzip(const void *p, size_t n);

#endif
