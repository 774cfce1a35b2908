// SPDX-License-Identifier: Apache-2.0
/* ctrlog.h - the log of a detached container: written by its supervisor,
 * rotated by size, read back by `dory logs`. Parsing only, no policy. */
#ifndef DORY_CTRLOG_H
#define DORY_CTRLOG_H

#include <stddef.h>

#include "core/util/base.h"

/*
 * ROOT/containers/ID/ctr.log, then ctr.log.1 (older) ... ctr.log.(N-1).
 * One entry a line, the CRI log format (Kubernetes' kubelet writes it too):
 *   2026-11-25T14:38:00.123456789Z stdout F text
 * F: the text ends a line; P: a partial chunk that the next entry of the
 * same stream continues. Timestamps are UTC with 9 fraction digits.
 */
enum {
	CTRLOG_STDOUT = 1,	/* streams, as the fd numbers */
	CTRLOG_STDERR = 2,
	CTRLOG_DEFAULT_FILES = 2,	/* flash: 2 MiB of log at most */
	CTRLOG_MAX_FILES = 1000,
};
#define CTRLOG_DEFAULT_SIZE (1024LL * 1024)

struct ctrlog;

/* Open (create, 0640) the log at path for appending; max_size 0 and
 * max_file 0 mean the defaults. *out is allocated: ctrlog_close. */
int ctrlog_open(const char *path, long long max_size, int max_file, struct ctrlog **out);
/* Log one chunk read from the container's stream (CTRLOG_STDOUT or
 * CTRLOG_STDERR) at once, unbuffered: each complete line as an F entry, a
 * trailing piece as a P entry. Rotates first when the file would pass
 * max_size. */
int ctrlog_write(struct ctrlog *l, int stream, const void *buf, size_t n);
void ctrlog_close(struct ctrlog *l);	/* NULL is fine */

struct ctrlog_read_opts {
	long long tail;		/* the last N lines over all files; -1: all */
	long long since_ns;	/* only lines logged at or after; 0: all */
	bool timestamps;	/* prefix each line with its time and a space */
	bool follow;		/* then print what comes, across rotations */
	/* follow stops once this says false and nothing new came; NULL:
	 * follow until killed. Asked only while idle (every ~100 ms). */
	bool (*running)(void *arg);
	void *arg;
};

/* Print the log at path (max_file as written; 0: the default): stdout
 * lines to outfd, stderr lines to errfd, partial entries joined. -ENOENT
 * when there is no log (nor, with follow, one appears while running);
 * -EPIPE when a reader went away. */
int ctrlog_print(const char *path, int max_file, const struct ctrlog_read_opts *o, int outfd,
		 int errfd);
/* Remove the log and its rotated files; none is fine. */
int ctrlog_remove(const char *path, int max_file);

/* One --log-opt: "max-size=10m" (k, m, g: binary units; bytes without)
 * or "max-file=3" (>= 1), or both joined by ','. Sets only what kv names;
 * -EINVAL for anything else. */
int ctrlog_parse_opt(const char *kv, long long *size, int *files);
/* Docker's --since/--until: RFC 3339 ("2024-01-02T15:04:05[.123][Z|+01:00]",
 * local time without a zone, or a date alone), Unix seconds
 * ("1700000000[.123]"), or a duration back from now_ns ("10m", "1h30m",
 * "1.5h", "42s", units h m s ms us ns). -EINVAL otherwise. */
int ctrlog_parse_since(const char *s, long long now_ns, long long *out_ns);

#endif
