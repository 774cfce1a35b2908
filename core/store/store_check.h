// SPDX-License-Identifier: Apache-2.0
/* store_check.h - `dory check`'s line for the store's filesystem: its
 * type, free space, and whether dory can write there. */
#ifndef DORY_STORE_CHECK_H
#define DORY_STORE_CHECK_H

#include "core/util/chk.h"

/* The name of a filesystem by statfs(2)'s f_type ("ext4", "tmpfs"), or
 * NULL for one this table does not know. */
const char *store_fs_name(unsigned long type);
/* The line for the store at root (which may not exist yet). *dir is
 * the directory the probes of its filesystem may use: root, or the
 * nearest existing directory above it (allocated). */
void store_check(const char *root, struct chk_list *l, char **dir);

#endif
