// SPDX-License-Identifier: Apache-2.0
/* tartree.h - a directory tree into the one tar writer (tar.c): cp and
 * export. Walks from descriptors, never through a symlink; where the tree
 * comes from (a container's root, the host) is the caller's business. */
#ifndef DORY_TARTREE_H
#define DORY_TARTREE_H

#include <stdint.h>

#include "core/image/tar.h"

/*
 * Entries carry the files' modes, owners (numeric), mtimes and device
 * numbers; a file met again through another hard link becomes a hardlink
 * entry to the first name; symlinks are written as links, never followed;
 * sockets are left out (tar cannot hold them, as GNU tar). Files and
 * directories carry their user.* and security.capability xattrs (file
 * capabilities, which Docker's archives keep). A file that
 * shrinks while read is padded with zeros to its size at open, one that
 * grows is cut there (the archive stays well formed).
 */
struct tartree;

/* Allocated; w is borrowed. */
struct tartree *tartree_new(struct tar_writer *w);
/* Write fd (O_PATH is fine; a symlink opened O_NOFOLLOW is written as
 * one) as the archive name as, and what is below it; as "" writes only
 * what is below the directory fd, its children at the top. */
int tartree_add(struct tartree *t, int fd, const char *as);
/* Owners as a user namespace mapping base .. base + count - 1 to 0 ..
 * count - 1 sees them: an id in that range is shifted down, any other id
 * is written as it is (count 0: no shift, the default). */
void tartree_set_idshift(struct tartree *t, uint32_t base, uint32_t count);
void tartree_free(struct tartree *t);	/* NULL is fine */

#endif
