// SPDX-License-Identifier: Apache-2.0
/* secpol_test.c - one policy per container: Docker's capability sets,
 * seccomp by mode (none with --privileged), a profile built once and kept,
 * and the --device grammar. */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "core/kernel/caps.h"
#include "core/kernel/seccomp.h"
#include "core/runtime/secpol.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/xalloc.h"
#include "tap.h"

static const char profile[] = "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":"
			      "[{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\"}]}";

struct dir {
	char path[32];
	char *profile, *program;
};

static void dir_init(struct dir *d)
{
	snprintf(d->path, sizeof(d->path), "/tmp/dory-secpol-XXXXXX");
	if (!mkdtemp(d->path))
		abort();
	d->profile = xasprintf("%s/seccomp.json", d->path);
	d->program = xasprintf("%s/seccomp.bpf", d->path);
	if (fsutil_write_atomic(d->profile, profile, false) < 0)
		abort();
}

static void dir_free(struct dir *d)
{
	/* the profile, its program, and the cache secpol_build keeps there */
	fsutil_rmtree_scratch(AT_FDCWD, d->path);
	free(d->profile);
	free(d->program);
}

TEST(secpol_caps_as_docker_sets_them)
{
	const struct secpol_opts o = { .caps = caps_docker_default(),
				       .seccomp = SECPOL_SECCOMP_UNCONFINED };
	struct secpol p;

	CHECK_EQ_INT(secpol_build(&o, &p), 0);
	CHECK_EQ_INT(p.caps.eff, caps_docker_default());
	CHECK_EQ_INT(p.caps.prm, caps_docker_default());
	CHECK_EQ_INT(p.caps.bnd, caps_docker_default());
	CHECK_EQ_INT(p.caps.inh, 0);
	CHECK_EQ_INT(p.caps.amb, 0);
	CHECK(!p.no_new_privs && !p.privileged && !p.seccomp);
	secpol_clear(&p);
}

/* no_new_privs only when asked (Docker's --security-opt no-new-privileges). */
TEST(secpol_no_new_privs_only_when_asked)
{
	struct secpol_opts o = { .caps = caps_docker_default(),
				 .seccomp = SECPOL_SECCOMP_UNCONFINED, .no_new_privs = true };
	struct secpol p;

	CHECK_EQ_INT(secpol_build(&o, &p), 0);
	CHECK(p.no_new_privs);
	secpol_clear(&p);
}

/* Every seccomp mode, with and without --privileged: a filter only for
 * the default and a profile, and never with --privileged (as Docker). */
TEST(secpol_seccomp_by_mode)
{
	static const enum secpol_seccomp modes[] = {
		SECPOL_SECCOMP_DEFAULT, SECPOL_SECCOMP_UNCONFINED, SECPOL_SECCOMP_FILE,
	};
	struct dir d;

	SKIP_IF(!CFG_CORE_SECCOMP, "CONFIG_CORE_SECCOMP is off");
	dir_init(&d);
	for (int priv = 0; priv < 2; priv++)
		for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
			struct secpol_opts o = { .caps = caps_docker_default(), .privileged = priv,
						 .seccomp = modes[i], .profile = d.profile,
						 .program = d.program, .cache_dir = d.path };
			struct secpol p;
			bool want = !priv && modes[i] != SECPOL_SECCOMP_UNCONFINED;

			CHECK_EQ_INT(secpol_build(&o, &p), 0);
			if ((p.seccomp != NULL) != want)
				TAP_FAIL("privileged %d, mode %d: filter %d", priv, (int)modes[i],
					 p.seccomp != NULL);
			CHECK_EQ_INT(p.privileged, priv);
			secpol_clear(&p);
		}
	dir_free(&d);
}

/* A profile's program, kept at create, is what start and exec load: the
 * profile is not read again while it is current. */
TEST(secpol_profile_built_once)
{
	struct dir d;
	struct seccomp_policy *built = NULL;
	struct secpol_opts o = { .caps = caps_docker_default(), .seccomp = SECPOL_SECCOMP_FILE };
	struct secpol p;

	SKIP_IF(!CFG_CORE_SECCOMP, "CONFIG_CORE_SECCOMP is off");
	dir_init(&d);
	o.profile = d.profile;
	o.program = d.program;
	CHECK_EQ_INT(seccomp_policy_load(d.profile, o.caps, &built), 0);
	CHECK_EQ_INT(seccomp_policy_keep(built, o.caps, d.program), 0);
	unlink(d.profile);	/* gone: only the kept program can serve */
	CHECK_EQ_INT(secpol_build(&o, &p), 0);
	CHECK(p.seccomp && seccomp_policy_len(p.seccomp) == seccomp_policy_len(built));
	CHECK(p.seccomp && !memcmp(seccomp_policy_prog(p.seccomp), seccomp_policy_prog(built),
				   seccomp_policy_len(built) * sizeof(struct sock_filter)));
	secpol_clear(&p);
	/* Kept for other caps: stale, so the profile is needed again. */
	o.caps = caps_all();
	CHECK(secpol_build(&o, &p) < 0);
	CHECK(strstr(err_str(), "seccomp profile") != NULL);
	secpol_clear(&p);
	/* With the profile back it is built and kept anew. */
	CHECK_EQ_INT(fsutil_write_atomic(d.profile, profile, false), 0);
	CHECK_EQ_INT(secpol_build(&o, &p), 0);
	CHECK(p.seccomp != NULL);
	secpol_clear(&p);
	unlink(d.profile);
	CHECK_EQ_INT(secpol_build(&o, &p), 0);
	CHECK(p.seccomp != NULL);
	secpol_clear(&p);
	seccomp_policy_free(built);
	err_clear();
	dir_free(&d);
}

TEST(secpol_device_grammar)
{
	static const struct {
		const char *spec, *host, *path, *access;
	} ok[] = {
		{ "/dev/fuse", "/dev/fuse", "/dev/fuse", "rwm" },
		{ "/dev/null:rw", "/dev/null", "/dev/null", "rw" },
		{ "/dev/zero:/dev/z", "/dev/zero", "/dev/z", "rwm" },
		{ "/dev/zero:/dev/x/z:r", "/dev/zero", "/dev/x/z", "r" },
		{ "/dev/sda:m", "/dev/sda", "/dev/sda", "m" },
	};
	static const char *const bad[] = { "", ":/dev/x", "/dev/null:/dev/n:rx", "/dev/a:/dev/b:" };
	struct secpol_device d;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char *s;

		CHECK_EQ_INT(secpol_device_parse(ok[i].spec, &d), 0);
		CHECK_EQ_STR(d.host, ok[i].host);
		CHECK_EQ_STR(d.path, ok[i].path);
		CHECK_EQ_STR(d.access, ok[i].access);
		s = secpol_device_str(&d);
		secpol_device_clear(&d);
		/* The full form reads back the same. */
		CHECK_EQ_INT(secpol_device_parse(s, &d), 0);
		CHECK_EQ_STR(d.path, ok[i].path);
		CHECK_EQ_STR(d.access, ok[i].access);
		secpol_device_clear(&d);
		free(s);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (secpol_device_parse(bad[i], &d) != -EINVAL)
			TAP_FAIL("--device \"%s\" accepted", bad[i]);
		CHECK(!d.host && !d.path);
	}
	CHECK(strstr(err_str(), "invalid device mode") != NULL);
	err_clear();
}
