// SPDX-License-Identifier: Apache-2.0
/* ctr_cp.h - files between a container's root and the host, with Docker's
 * cp rules, and the container's filesystem as a tar (export). The tar is
 * image/tar.c's, the walk tartree.c's, the unpack layer.c's. */
#ifndef DORY_CTR_CP_H
#define DORY_CTR_CP_H

#include "core/util/base.h"

struct ctr_cp_opts {
	bool archive;	/* -a: keep owners (else root's, as Docker) */
	bool follow;	/* -L: follow a symlink SRC */
};

/*
 * docker cp. Paths inside the container are resolved in its root (fs/
 * inroot.h): a symlink there never leads to the host. A running container
 * is reached through its init's root, so its volumes are seen; a stopped
 * one through a private mount of its root filesystem and volumes, in a
 * mount namespace of the calling process (it calls unshare(CLONE_NEWNS)),
 * under the container's lock. Docker's rules:
 *   SRC a file: into DST if DST is a directory, else onto DST (whose
 *     directory must exist); DST ending in "/" must be a directory.
 *   SRC a directory: DST made if missing; into DST if DST is a directory,
 *     or only its content when SRC ends in "/."; a file DST is refused.
 *   A symlink SRC is copied as a link, unless -L or SRC ends in "/".
 * Messages name the path and what to do ("Could not find the file X in
 * container Y").
 * ctr is the container's name for messages. dst "-": a tar of SRC to
 * outfd.
 */
int ctr_cp_out(const char *id, const char *ctr, const char *src, const char *dst, int outfd,
	       const struct ctr_cp_opts *o);
/* The other way; src "-": the tar read from infd goes into the directory
 * DST. */
int ctr_cp_in(const char *id, const char *ctr, const char *src, int infd, const char *dst,
	      const struct ctr_cp_opts *o);
/* docker export: the container's root filesystem (not its volumes or the
 * runtime's mounts) as a tar on fd, running or not. */
int ctr_export(const char *id, int fd);

#endif
