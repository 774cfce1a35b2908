// SPDX-License-Identifier: Apache-2.0
/* ctrfs.h - a container's root filesystem made from an image: an overlay
 * of its layers with a private upper dir, or a bind-copy when overlay
 * cannot be used. Under ROOT/containers/ID. */
#ifndef DORY_CTRFS_H
#define DORY_CTRFS_H

#include "core/image/image.h"
#include "core/util/conf.h"

enum ctrfs_driver { CTRFS_OVERLAY, CTRFS_BINDCOPY };

struct ctrfs {
	enum ctrfs_driver driver;
	char *dir;		/* ROOT/containers/ID */
	char *rootfs;		/* what the runtime enters */
	char *src;		/* bind-copy: the tree bound onto rootfs */
	struct strv lowers;	/* overlay: layer dirs, top first */
	bool readonly;
};

/* The driver for this store: driver ("overlay", "bind-copy") when given,
 * else the config's, else overlay when the store's filesystem takes it. */
int ctrfs_pick(const char *root, const char *driver, const struct dory_conf *conf,
	       enum ctrfs_driver *out);
/* Make the container's directories (and copy, for bind-copy) before it
 * starts. On failure nothing is left. */
int ctrfs_prepare(struct store *st, const struct image *im, const char *id,
		  enum ctrfs_driver driver, bool readonly, struct ctrfs *out);
/* The same struct for a container prepared earlier (to start it again). */
int ctrfs_open(struct store *st, const struct image *im, const char *id,
	       enum ctrfs_driver driver, bool readonly, struct ctrfs *f);
struct userns_map;
/* For a user namespace with map m: the container's root as a detached
 * mount (*out, an fd), its image layers idmapped so that their files keep
 * their owners as the container sees them; made by the caller (host
 * root), attached by the container (rt_spec.attach_fd). shifted: the
 * container's own copy, whose owners were shifted at create, bound as is;
 * before Linux 5.2 (no open_tree(2)) *out is -1: bind f->src instead. */
int ctrfs_idmap_open(const struct ctrfs *f, const struct userns_map *m, bool shifted, int *out);
/* In the container's private mount namespace: mount rootfs (a
 * rt_spec.mount_root hook; arg is the struct ctrfs). */
int ctrfs_mount(void *arg);
/* Remove the container's directories; ctrfs_clear frees the struct. */
int ctrfs_remove(struct ctrfs *f);
void ctrfs_clear(struct ctrfs *f);

#endif
