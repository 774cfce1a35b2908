// SPDX-License-Identifier: Apache-2.0
/* tar.h - a streaming tar reader (ustar, pax, GNU long names) that hands
 * entries and their data to callbacks, and a ustar/pax writer. No files. */
#ifndef DORY_TAR_H
#define DORY_TAR_H

#include "core/util/base.h"

enum { TAR_BLOCK = 512 };

/*
 * One entry. The reader maps '\0' and '7' to TAR_REG and gives data only
 * for regular files (and unknown types): links, directories, devices and
 * fifos carry none, whatever their size field says (as GNU tar and Go's
 * archive/tar read them). name and linkname are as stored (pax and GNU
 * long names applied), not cleaned up: that is the caller's business.
 */
enum tar_type {
	TAR_REG = '0', TAR_HARDLINK = '1', TAR_SYMLINK = '2', TAR_CHR = '3',
	TAR_BLK = '4', TAR_DIR = '5', TAR_FIFO = '6',
};

struct tar_entry {
	const char *name;
	const char *linkname;	/* "" when none */
	char type;		/* enum tar_type, or another typeflag as is */
	unsigned mode;		/* permission bits */
	long long uid, gid, mtime;
	long long size;		/* data bytes that follow */
};

/* ---- reading: push bytes in, get entries out ---- */

/* Each returns 0 or -errno (which stops the reader with that error). */
struct tar_reader_ops {
	int (*entry)(void *arg, const struct tar_entry *e);	/* a header */
	int (*data)(void *arg, const void *p, size_t n);	/* the next bytes of it */
	int (*end)(void *arg);					/* all its data given */
};

struct tar_reader;
/* Allocated; ops and arg are borrowed. */
struct tar_reader *tar_reader_new(const struct tar_reader_ops *ops, void *arg);
/* The next n bytes of the archive. Malformed input is -EBADMSG with a
 * message ("bad tar header checksum at byte N"); after an error every call
 * returns it again. Bytes after the end-of-archive block are ignored. */
int tar_reader_feed(struct tar_reader *r, const void *p, size_t n);
/* End of input: -EBADMSG when it stops inside an entry. */
int tar_reader_finish(struct tar_reader *r);
/* The end-of-archive (zero) block has been seen. */
bool tar_reader_at_end(const struct tar_reader *r);
void tar_reader_free(struct tar_reader *r);	/* NULL is fine */

/* ---- writing ---- */

/* Receives the archive's bytes; 0 or -errno. */
typedef int (*tar_sink_fn)(void *arg, const void *p, size_t n);

struct tar_writer;
/* Allocated; writes nothing yet. */
struct tar_writer *tar_writer_new(tar_sink_fn sink, void *arg);
/* Header of the next entry: ustar, with a pax header before it for what
 * ustar cannot hold (long names, sizes of 8 GiB and more). e->size bytes
 * of data must follow for a regular file; the padding is automatic. */
int tar_writer_add(struct tar_writer *w, const struct tar_entry *e);
/* Data of the current entry; -EINVAL past its size. */
int tar_writer_data(struct tar_writer *w, const void *p, size_t n);
/* A whole small regular file: header and data. */
int tar_writer_file(struct tar_writer *w, const char *name, const void *p, size_t n);
/* A directory entry (name ends in "/"). */
int tar_writer_dir(struct tar_writer *w, const char *name);
/* The end-of-archive blocks; -EINVAL if the last entry is short. */
int tar_writer_finish(struct tar_writer *w);
/* Bytes given to the sink so far. */
unsigned long long tar_writer_offset(const struct tar_writer *w);
void tar_writer_free(struct tar_writer *w);	/* NULL is fine */

#endif
