// SPDX-License-Identifier: Apache-2.0
/* conf.h - dory's optional configuration file, /etc/dory/config.json
 * (DORY_CONFIG overrides the path): registries, storage, logs. */
#ifndef DORY_CONF_H
#define DORY_CONF_H

#include "core/util/str.h"

/* Without "default-pids-limit": a fork bomb cannot take the device's
 * PIDs (podman's default; Docker sets none). */
enum { CONF_DEFAULT_PIDS = 2048 };

struct dory_conf {
	struct strv insecure;	/* "insecure-registries": host[:port] reached over plain HTTP */
	struct strv mirrors;	/* "registry-mirrors": URLs tried first for docker.io */
	char *storage_driver;	/* "storage-driver": "overlay", "bind-copy"; NULL: detect */
	bool keep_layer_blobs;	/* "keep-layer-blobs" (default true): save needs them */
	char *certs_dir;	/* "certs-dir" (default /etc/dory/certs.d) */
	char *userns_remap;	/* "userns-remap": "BASE:COUNT" or "USER[:GROUP]"; NULL */
	char *cgroup_parent;	/* "cgroup-parent": below which containers' cgroups go; NULL: /dory */
	bool userns_no_idmap;	/* "userns-idmap": false: shifted copies, never idmapped mounts */
	char *default_network;	/* "default-network": a container's without --network; NULL: bridge */
	bool userland_proxy;
	bool no_new_privs;	/* "no-new-privileges": every container's default (Docker: off) */
	bool init;		/* "init": every container gets --init unless --init=false */
	long long default_pids;	/* "default-pids-limit": without --pids-limit; 0: none */	/* "userland-proxy": published ports forwarded by a process, not NAT */
};

/* Read the file; a missing file gives the defaults. -errno with the path
 * and the problem for an unreadable or invalid file. */
int conf_load(struct dory_conf *c);
/* The same from the file's text (path names it in messages). */
int conf_parse(const char *text, const char *path, struct dory_conf *c);
void conf_clear(struct dory_conf *c);
/* Is host[:port] listed in insecure-registries? */
bool conf_is_insecure(const struct dory_conf *c, const char *hostport);

#endif
