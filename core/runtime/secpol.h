// SPDX-License-Identifier: Apache-2.0
/* secpol.h - a container's security policy, built once from its settings
 * and applied alike by its init (runtime.c) and by every exec (rt_exec.c):
 * capability sets, seccomp, no_new_privs, masked paths and device rules.
 * Where the settings are kept is the caller's (core/ctr). */
#ifndef DORY_SECPOL_H
#define DORY_SECPOL_H

#include <stdint.h>

#include "core/kernel/caps.h"
#include "core/util/base.h"

struct seccomp_policy;

enum secpol_seccomp {
	SECPOL_SECCOMP_DEFAULT,		/* Docker's default profile */
	SECPOL_SECCOMP_UNCONFINED,	/* seccomp=unconfined */
	SECPOL_SECCOMP_FILE,		/* seccomp=FILE: a Docker-format JSON profile */
};

/* A --device: the host's node host, made as path in the container, and
 * what its device rule allows. */
struct secpol_device {
	char *host;
	char *path;		/* under /dev/ */
	char access[4];		/* "rwm" or part of it */
};

/* A container's security settings, as create checked and kept them. */
struct secpol_opts {
	uint64_t caps;		/* its capabilities: Docker's set, cap-add/drop applied */
	bool privileged;
	bool no_new_privs;	/* --security-opt no-new-privileges, or the config's */
	enum secpol_seccomp seccomp;
	const char *profile;	/* FILE: the profile as kept... */
	const char *program;	/* ...and where its built program is kept */
	const char *cache_dir;	/* DEFAULT: where the built default is kept; NULL: not */
	const struct secpol_device *devices;
	size_t ndevices;
};

/* What the container's processes get, init and exec alike. */
struct secpol {
	struct caps_sets caps;
	struct seccomp_policy *seccomp;	/* NULL: none */
	bool no_new_privs;
	/* --privileged: /sys read-write, the host's device nodes and every
	 * device allowed, no masked or read-only paths. */
	bool privileged;
	const struct secpol_device *devices;	/* --device, borrowed from the opts */
	size_t ndevices;
};

/* The policy for o, as Docker builds it (moby daemon/oci_linux.go and
 * seccomp_linux.go): bounding, permitted and effective sets all caps,
 * inheritable and ambient empty; no seccomp with --privileged. */
int secpol_build(const struct secpol_opts *o, struct secpol *out);
void secpol_clear(struct secpol *p);

/* --device HOST[:CONTAINER][:rwm] (Docker's grammar) into out (allocated
 * strings; secpol_device_clear frees them); -EINVAL with the reason. The
 * node itself is looked at where it is made (rootfs_device_from_host). */
int secpol_device_parse(const char *spec, struct secpol_device *out);
/* d in that grammar, in full: "HOST:CONTAINER:ACCESS" (allocated). */
char *secpol_device_str(const struct secpol_device *d);
void secpol_device_clear(struct secpol_device *d);

#endif
