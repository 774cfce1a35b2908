// SPDX-License-Identifier: Apache-2.0
/* userns.h - run --userns: the host id range container ids map to, the
 * uid/gid maps, idmapped mounts of image layers, and the fallback. */
#ifndef DORY_USERNS_H
#define DORY_USERNS_H

#include <stdint.h>
#include <sys/types.h>

#include "core/util/base.h"

/* Container uid and gid n (0 <= n < count) is host id base + n, for users
 * and groups alike. 65536 ids or more are recommended, so that nobody
 * (65534) maps too; base is never 0 (host root is never in the range). */
struct userns_map {
	uint32_t base;
	uint32_t count;
};

enum {
	USERNS_MAP_TEXT = 40,		/* "0 4294967294 4294967294\n" and NUL */
	USERNS_RECOMMENDED = 65536,
};

/* "BASE:COUNT" ("100000:65536"; digits first), or Docker's "USER[:GROUP]":
 * the first /etc/subuid range of USER and /etc/subgid range of GROUP
 * (default USER; "default" means the user "dory"). -EINVAL with the
 * reason when out of range, -ENOENT when no range is listed. */
int userns_map_parse(const char *spec, struct userns_map *out);
/* That lookup on the texts of /etc/subuid and /etc/subgid (lines
 * "NAME:START:COUNT"); group NULL means user; both ranges must agree. */
int userns_subid_lookup(const char *user, const char *group, const char *subuid,
			const char *subgid, struct userns_map *out);
/* The line of /proc/PID/uid_map and gid_map: "0 BASE COUNT\n". */
void userns_map_text(const struct userns_map *m, char buf[USERNS_MAP_TEXT]);
/* Host id of container id; (uint32_t)-1 when it lies outside the range. */
uint32_t userns_host_id(const struct userns_map *m, uint32_t id);

/* From the parent user namespace (as root): write pid's uid_map and
 * gid_map. The process must be in a new user namespace and not have
 * exec'ed. setgroups stays "allow": the writer has CAP_SETGID. */
int userns_write_maps(pid_t pid, const struct userns_map *m);
/* In the new namespace, once the maps are written: become its root
 * (uid, gid 0, no supplementary groups), still holding every capability. */
int userns_become_root(void);
/* An fd (O_CLOEXEC) of a new user namespace with map m, made by a
 * short-lived child: what idmapped mounts take, before the container's
 * own namespace exists (the map, not the namespace, is what counts). */
int userns_open(const struct userns_map *m);

/* A detached copy of the mount tree at dir (read-only with readonly)
 * whose owners are seen through userns_fd's map (on-disk 0 shows as host
 * base): an fd (O_CLOEXEC) for userns_overlay_open or move_mount(2).
 * -EINVAL when the filesystem cannot be idmapped, -ENOSYS before 5.12.
 * userns_fd -1: a plain detached bind, not idmapped (a shifted copy's). */
int userns_idmap_open(const char *dir, int userns_fd, bool readonly);
/* A detached overlay (an fd, O_CLOEXEC) of the lower mount fds (top
 * first) with upper and work dirs (both NULL: read-only), made by the
 * caller (host root) so that trusted.overlay.* xattrs and whiteouts of
 * the store work; the container attaches it with move_mount(2). Passes
 * the fds themselves (Linux 6.13), else "/proc/self/fd/N" paths (6.8).
 * upper's root must be owned by the mapped root (host base:base). */
int userns_overlay_open(const int *lowerfds, int n, const char *upper, const char *work);
/* Can dir's filesystem be idmapped and overlaid that way on this
 * kernel? Tries it in a scratch dir under dir; false with why. */
bool userns_idmap_usable(const char *dir, const struct userns_map *m, char *why, size_t whylen);

/* The fallback: shift every owner in the tree at dir by the range (host
 * base + id), in place, never following symlinks; a hard-linked inode is
 * shifted once. Setuid/setgid bits and security.capability (v3 rootid
 * shifted too) survive the chown. -EOVERFLOW for an owner outside the
 * range. POSIX ACLs naming users are left as they are. */
int userns_shift_tree(const char *dir, const struct userns_map *m);

/* Give a cgroup v2 directory to the mapped root: the dir and the files
 * /sys/kernel/cgroup/delegate lists (cgroup.procs...), so a cgroup
 * namespace's root can manage its own subtree. */
int userns_cg_delegate(const char *cgdir, const struct userns_map *m);

#endif
