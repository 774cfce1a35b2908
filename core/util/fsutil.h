// SPDX-License-Identifier: Apache-2.0
/* fsutil.h - file helpers: whole reads and writes retried on EINTR, small
 * control-file writes (cgroup, proc), directory creation. */
#ifndef DORY_FSUTIL_H
#define DORY_FSUTIL_H

#include <sys/types.h>

#include "core/util/base.h"

/* Read up to n bytes, stopping only at EOF; returns bytes read or -errno. */
ssize_t fsutil_read_full(int fd, void *buf, size_t n);
/* Write all n bytes; 0 or -errno. */
int fsutil_write_full(int fd, const void *buf, size_t n);
/* Write the string s to dirfd/name (opened O_WRONLY, not created). */
int fsutil_write_at(int dirfd, const char *name, const char *s);
/* Read a whole small file into an allocated NUL-terminated buffer. */
int fsutil_read_file(const char *path, char **out);
/* Wait up to ms for events ev on fd (poll, retried on EINTR): 0 when
 * ready, -ETIMEDOUT, or -errno. */
int fsutil_poll(int fd, short ev, int ms);
/* mkdir -p; existing directories are fine. */
int fsutil_mkdir_p(const char *path, mode_t mode);
/* Replace path with the string s: a temporary name beside it, rename;
 * durable: fsync the file and its directory too (power cuts). */
int fsutil_write_atomic(const char *path, const char *s, bool durable);
/* Remove dirfd/name and what is below it, best effort, never following a
 * symlink: for a probe's small scratch tree, not for the store. */
void fsutil_rmtree_scratch(int dfd, const char *name);
/* The apparent size of what is below dirfd/name (files, symlinks),
 * staying on its file system and never following a symlink; 0 when it
 * cannot be read. */
unsigned long long fsutil_tree_bytes(int dfd, const char *name);

#endif
