// SPDX-License-Identifier: Apache-2.0
/* tar.h - a streaming tar reader (ustar, pax, GNU long names) that hands
 * entries and their data to callbacks, and a ustar/pax writer. No files. */
#ifndef DORY_TAR_H
#define DORY_TAR_H

#include "core/util/base.h"

enum { TAR_BLOCK = 512 };

/*
 * One entry. The reader maps '\0' and '7' to TAR_REG ('\0' with a name
 * ending in "/" to TAR_DIR, as pre-POSIX tars mark directories) and gives
 * data only for regular files: links, directories, devices and fifos carry
 * none, whatever their size field says (as GNU tar and Go's archive/tar
 * read them). name and linkname are as stored (pax and GNU long names
 * applied), not cleaned up: that is the caller's business.
 */
enum tar_type {
	TAR_REG = '0', TAR_HARDLINK = '1', TAR_SYMLINK = '2', TAR_CHR = '3',
	TAR_BLK = '4', TAR_DIR = '5', TAR_FIFO = '6',
};

/* One pax SCHILY.xattr.NAME record: the value is binary. */
struct tar_xattr {
	const char *name;	/* NAME, never empty */
	const char *value;	/* len bytes, any of them NUL */
	size_t len;
};

struct tar_entry {
	const char *name;
	const char *linkname;	/* "" when none */
	const char *uname, *gname;	/* "" when none */
	char type;		/* enum tar_type */
	unsigned mode;		/* permission bits */
	long long uid, gid;	/* 0 .. 2^32-2 */
	long long mtime;	/* seconds, before 1970 negative */
	long mtime_nsec;	/* 0 .. 999999999 (a pax mtime) */
	unsigned devmajor, devminor;
	long long size;		/* data bytes that follow */
	const struct tar_xattr *xattrs;	/* in the archive's order */
	size_t nxattrs;
};

/* ---- reading: push bytes in, get entries out ---- */

/* Each returns 0 or -errno (which stops the reader with that error). The
 * entry and all it points to stay valid until end() returns. */
struct tar_reader_ops {
	int (*entry)(void *arg, const struct tar_entry *e);	/* a header */
	int (*data)(void *arg, const void *p, size_t n);	/* the next bytes of it */
	int (*end)(void *arg);					/* all its data given */
};

struct tar_reader;
/* Allocated; ops and arg are borrowed. */
struct tar_reader *tar_reader_new(const struct tar_reader_ops *ops, void *arg);
/*
 * The next n bytes of the archive. The reader is strict, whoever reads:
 * a bad header checksum, a bad number, a malformed pax record, a NUL in
 * a pax or GNU long name, a name or link of 4 KiB or more, an extended
 * header not followed by its entry, or a block other than zeros after
 * the first end-of-archive block is -EBADMSG with a one-line message
 * ("malformed tar archive: bad header checksum at byte N"); GNU sparse
 * files and entry types other than those above and the extended headers
 * ('x', 'g', 'L', 'K') are -ENOTSUP. After an error every call returns
 * it again. Bytes after the two end-of-archive blocks are ignored.
 */
int tar_reader_feed(struct tar_reader *r, const void *p, size_t n);
/* End of input: -EBADMSG unless it stops at an entry boundary (end
 * blocks, or none) with no extended header waiting for its entry. */
int tar_reader_finish(struct tar_reader *r);
/* An end-of-archive (zero) block has been seen. */
bool tar_reader_at_end(const struct tar_reader *r);
void tar_reader_free(struct tar_reader *r);	/* NULL is fine */

/* ---- writing ---- */

/* Receives the archive's bytes; 0 or -errno. */
typedef int (*tar_sink_fn)(void *arg, const void *p, size_t n);

struct tar_writer;
/* Allocated; writes nothing yet. */
struct tar_writer *tar_writer_new(tar_sink_fn sink, void *arg);
/* Header of the next entry: ustar, with a pax header before it for what
 * ustar cannot hold (long names, sizes of 8 GiB and more, e->xattrs as
 * SCHILY.xattr.NAME records). e->size bytes
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
