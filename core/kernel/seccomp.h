// SPDX-License-Identifier: Apache-2.0
/* seccomp.h - syscall filters for containers: Docker's default policy and
 * Docker-format JSON profiles, compiled to BPF. The only user of libseccomp. */
#ifndef DORY_SECCOMP_H
#define DORY_SECCOMP_H

#include <errno.h>
#include <stdint.h>

#include "config.h"
#include "core/util/err.h"

/* A compiled filter: a BPF program and nothing else, so that the container
 * child installs it with one system call and no allocation. */
struct seccomp_policy;
struct sock_filter;

#if defined(CFG_CORE_SECCOMP) && !CFG_CORE_SECCOMP
static inline int seccomp_policy_default(uint64_t caps, struct seccomp_policy **out)
{
	(void)caps;
	*out = NULL;
	return err_setx(ENOTSUP, "seccomp support is not built in (CONFIG_CORE_SECCOMP)");
}
static inline int seccomp_policy_default_cached(uint64_t caps, const char *dir,
						struct seccomp_policy **out)
{
	(void)dir;
	return seccomp_policy_default(caps, out);
}
static inline int seccomp_policy_load(const char *path, uint64_t caps,
				      struct seccomp_policy **out)
{
	(void)caps;
	*out = NULL;
	return err_setx(ENOTSUP, "seccomp profile %s: seccomp support is not built in "
			"(CONFIG_CORE_SECCOMP)", path);
}
static inline int seccomp_policy_parse(const char *path, const char *text, uint64_t caps,
				       struct seccomp_policy **out)
{
	(void)text;
	return seccomp_policy_load(path, caps, out);
}
static inline int seccomp_policy_load_kept(const char *path, uint64_t caps,
					   const char *program, struct seccomp_policy **out)
{
	(void)program;
	return seccomp_policy_load(path, caps, out);
}
static inline int seccomp_policy_keep(const struct seccomp_policy *p, uint64_t caps,
				      const char *path)
{
	(void)p, (void)caps, (void)path;
	return err_setx(ENOTSUP, "seccomp support is not built in (CONFIG_CORE_SECCOMP)");
}
static inline int seccomp_policy_apply(const struct seccomp_policy *p)
{
	(void)p;
	return err_setx(ENOTSUP, "seccomp support is not built in (CONFIG_CORE_SECCOMP)");
}
static inline int seccomp_policy_len(const struct seccomp_policy *p) { (void)p; return 0; }
static inline const struct sock_filter *seccomp_policy_prog(const struct seccomp_policy *p)
{
	(void)p;
	return NULL;
}
static inline void seccomp_policy_free(struct seccomp_policy *p) { (void)p; }
#else
/* Docker's default profile (moby profiles/seccomp) for a container whose
 * capability set is caps (see caps.h): the capability-gated syscalls are
 * allowed only with their capability. Allocated into *out. */
int seccomp_policy_default(uint64_t caps, struct seccomp_policy **out);
/* A Docker-format JSON profile (--security-opt seccomp=FILE), its includes
 * and excludes decided by caps. Allocated into *out; a bad profile gets a
 * one-line error naming the file, the entry and the problem. */
int seccomp_policy_load(const char *path, uint64_t caps, struct seccomp_policy **out);
/* The same for a profile's text, read from path. */
int seccomp_policy_parse(const char *path, const char *text, uint64_t caps,
			 struct seccomp_policy **out);
/* The default policy, kept once built in dir (the --state tmpfs): it
 * depends only on caps, this build and the kernel, and takes ~20 ms. */
int seccomp_policy_default_cached(uint64_t caps, const char *dir, struct seccomp_policy **out);
/* Keep p, built for caps, at path (root's only, written atomically, not
 * fsynced): read back by seccomp_policy_load_kept. */
int seccomp_policy_keep(const struct seccomp_policy *p, uint64_t caps, const char *path);
/* The profile at path built for caps, as kept at program; built again
 * (and kept) when program is missing, damaged, or was built by another
 * dory, for another kernel or other caps. */
int seccomp_policy_load_kept(const char *path, uint64_t caps, const char *program,
			     struct seccomp_policy **out);
/* Install p in the calling process (no allocation: safe after fork). Call
 * it last before execve; it needs no_new_privs or CAP_SYS_ADMIN. */
int seccomp_policy_apply(const struct seccomp_policy *p);
/* p's BPF program: seccomp_policy_len(p) instructions (for tests, sizes). */
int seccomp_policy_len(const struct seccomp_policy *p);
const struct sock_filter *seccomp_policy_prog(const struct seccomp_policy *p);
void seccomp_policy_free(struct seccomp_policy *p);	/* NULL is fine */
#endif

#endif
