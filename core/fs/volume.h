// SPDX-License-Identifier: Apache-2.0
/* volume.h - named volumes without a daemon: records under ROOT/volumes
 * with Docker's local driver rules (create, look up, list, remove), and
 * the -v spec a container mounts them (or a host directory) by. Which
 * containers use a volume is the ctr room's to say (vol_busy_fn). */
#ifndef DORY_VOLUME_H
#define DORY_VOLUME_H

#include "core/util/base.h"
#include "core/util/str.h"

/*
 * ROOT/volumes/
 *   .lock            flock: exclusive to create or remove a volume
 *   NAME/config.json the record (struct vol_cfg), written once, durable
 *   NAME/_data/      the data (Docker's Mountpoint)
 *   .tmp/            a volume staged before its rename into place, or one
 *                    being removed; swept under the lock
 * No volume name starts with '.', so .lock and .tmp never clash with one.
 */
#define VOL_DIR "volumes"

enum { VOL_NAME_MAX = 255, VOL_RANDOM_LEN = 64 };

struct vol_cfg {
	char *name;
	char *driver;		/* "local" */
	struct strv labels, options;	/* "K=V"; options as -o gave them */
	long long created_ns;	/* CLOCK_REALTIME */
};

/* Docker's rule for a volume name: [a-zA-Z0-9][a-zA-Z0-9_.-]+. */
bool vol_name_ok(const char *name);
/* An anonymous volume's name: 64 hex digits (the image's VOLUMEs, -v
 * /PATH, a volume create without a name). */
bool vol_name_anonymous(const char *name);
/* The local driver's options: type and device together; type tmpfs (o:
 * its mount options) or none with o=bind (device: an existing absolute
 * directory). -EINVAL or -ENOTSUP with Docker's message. */
int vol_opts_check(const struct strv *opts);
/* Create the volume c names (NULL: a random 64-hex name, as Docker), with
 * c's driver (NULL: local), labels and options; fills name, created_ns.
 * A volume of that name already there is no error (Docker's create is
 * idempotent): *made says whether this call made it (may be NULL). */
int vol_create(struct vol_cfg *c, bool *made);
/* The record of volume name; -ENOENT "no such volume". */
int vol_lookup(const char *name, struct vol_cfg *out);
/* Every volume, by name (allocated; vol_list_free). */
int vol_list(struct vol_cfg **v, size_t *n);
void vol_list_free(struct vol_cfg *v, size_t n);
void vol_cfg_clear(struct vol_cfg *c);

/* Called under the volumes' lock: > 0 (the users, one line of them in
 * who) when the volume is in use, 0 when not, -errno. */
typedef int (*vol_busy_fn)(const char *name, char *who, size_t len, void *arg);
/* Remove volume name and its data: -ENOENT, or -EBUSY "volume is in use"
 * when busy says so (busy may be NULL). */
int vol_remove(const char *name, vol_busy_fn busy, void *arg);

/* ROOT/volumes/NAME/_data: Docker's Mountpoint (allocated). */
char *vol_mountpoint(const char *name);
/* Whether volume c keeps its data in its _data (not a tmpfs, not a
 * host directory of type=none). */
bool vol_has_data(const struct vol_cfg *c);
/* Docker's size of volume c: the bytes of its data, -1 when it keeps
 * none of its own (a tmpfs or a host directory; Docker shows N/A). */
long long vol_data_bytes(const struct vol_cfg *c);
/* What a container gets for volume c: a host directory to bind in *src
 * (its _data, or the device of type=none,o=bind), or a file system to
 * mount (*fstype "tmpfs", *data its options; *src NULL). Allocated. */
void vol_source(const struct vol_cfg *c, char **src, char **fstype, char **data);

/* ---- -v, --mount and --tmpfs: one container's mounts ---- */

enum vol_mount_type { VOL_MOUNT_BIND, VOL_MOUNT_VOLUME, VOL_MOUNT_TMPFS };
/* The flag a mount came from: inspect shows each as Docker does. */
enum vol_mount_from { VOL_FROM_V, VOL_FROM_MOUNT, VOL_FROM_TMPFS, VOL_FROM_IMAGE };

/* One mount of a container, as config.json and inspect's Mounts hold it. */
struct vol_mount {
	enum vol_mount_type type;
	enum vol_mount_from from;
	char *name;		/* a volume's name; NULL for a bind or a tmpfs */
	char *source;		/* a bind's host path; NULL otherwise */
	char *target;		/* absolute, in the container, cleaned */
	char *mode;		/* -v's MODE part as given ("ro", "rw,z", "") */
	char *propagation;	/* a bind's: rprivate (NULL), private, [r]shared, [r]slave */
	char *data;		/* a tmpfs's options: size=, mode=, noexec... */
	bool ro, nocopy;
	bool anon;		/* an anonymous volume: rm -v and run --rm remove it */
};

/* Parse a -v value: NAME:DST, /HOST:DST or /DST alone (an anonymous
 * volume), with MODE a list of ro, rw, z, Z, nocopy and a propagation.
 * -EINVAL "invalid volume specification" (and Docker's other messages). */
int vol_spec_parse(const char *spec, struct vol_mount *m);
/* Parse a --mount value (Docker's CSV of type=, source=, target=,
 * readonly, bind-propagation=, volume-nocopy, tmpfs-size=, tmpfs-mode=),
 * with Docker's messages; a bind's source must exist. */
int vol_mount_opt_parse(const char *spec, struct vol_mount *m);
/* Parse a --tmpfs value: /DST[:OPTIONS]. */
int vol_tmpfs_parse(const char *spec, struct vol_mount *m);
/* A tmpfs's mount flags and data from its options, over Docker's
 * defaults (noexec, nosuid, nodev; a later option wins): -EINVAL for an
 * option tmpfs does not take. *data allocated. */
int vol_tmpfs_opts(const char *opts, unsigned long *flags, char **data);
/* Parse a --volumes-from value, CONTAINER[:ro|rw]: *ref the container
 * (allocated), *ro 1 or 0 as asked, -1 to keep each mount's own. */
int vol_from_parse(const char *spec, char **ref, int *ro);
/* An image's VOLUME path as an anonymous volume mount. */
int vol_image_parse(const char *path, struct vol_mount *m);
/* A deep copy of from (a --volumes-from mount). */
void vol_mount_copy(const struct vol_mount *from, struct vol_mount *to);
/* MS_* propagation of p (NULL or "": rprivate); 0 when p is none of them. */
unsigned long vol_propagation(const char *p);
/* A random 64-hex volume name (allocated), as Docker's anonymous ones. */
char *vol_name_random(void);
void vol_mount_clear(struct vol_mount *m);

/* The record as JSON and back (tests); parse: -EINVAL without a Name. */
char *vol_cfg_json(const struct vol_cfg *c);
int vol_cfg_parse(const char *text, struct vol_cfg *c);

#endif
