// SPDX-License-Identifier: Apache-2.0
/* secpol.c - one security policy per container, built here and nowhere
 * else, so that its init and each exec are confined alike. Applying it is
 * runtime.c's and rt_exec.c's; keeping its settings is core/ctr's. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "core/kernel/caps.h"
#include "core/kernel/seccomp.h"
#include "core/runtime/secpol.h"
#include "core/util/err.h"
#include "core/util/xalloc.h"

static int secpol_seccomp(const struct secpol_opts *o, struct seccomp_policy **out)
{
	*out = NULL;
	/* Docker: --privileged has no filter, even with a profile given. */
	if (o->privileged || o->seccomp == SECPOL_SECCOMP_UNCONFINED)
		return 0;
	if (o->seccomp == SECPOL_SECCOMP_FILE)
		return seccomp_policy_load_kept(o->profile, o->caps, o->program, out);
	/* Without seccomp support the default profile is left out, as
	 * Docker does on a kernel without seccomp; a profile is refused. */
	if (!CFG_CORE_SECCOMP)
		return 0;
	return seccomp_policy_default_cached(o->caps, o->cache_dir, out);
}

int secpol_build(const struct secpol_opts *o, struct secpol *out)
{
	*out = (struct secpol){
		.caps = { .eff = o->caps, .prm = o->caps, .bnd = o->caps },
		/* Docker's: only when asked, so setuid programs work. */
		.no_new_privs = o->no_new_privs,
		.privileged = o->privileged,
		.devices = o->devices,
		.ndevices = o->ndevices,
	};
	if (secpol_seccomp(o, &out->seccomp) < 0)
		return err_ctx("seccomp");
	return 0;
}

void secpol_clear(struct secpol *p)
{
	seccomp_policy_free(p->seccomp);
	memset(p, 0, sizeof(*p));
}

static bool secpol_access_ok(const char *m)
{
	return *m && strlen(m) <= 3 && !m[strspn(m, "rwm")];
}

int secpol_device_parse(const char *v, struct secpol_device *out)
{
	const char *c1 = strchr(v, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	const char *access = "rwm";
	const char *p = c1 ? c1 + 1 : NULL, *pend = c2;

	memset(out, 0, sizeof(*out));
	if (c2 && !secpol_access_ok(c2 + 1))
		return err_setx(EINVAL, "invalid device mode \"%s\" in --device %s "
				"(use r, w and m)", c2 + 1, v);
	if (c2) {
		access = c2 + 1;
	} else if (c1 && secpol_access_ok(c1 + 1)) {
		access = c1 + 1;
		p = NULL;
	}
	if (c1 == v || !*v)
		return err_setx(EINVAL, "invalid --device %s: no host path", v);
	out->host = xstrndup(v, c1 ? (size_t)(c1 - v) : strlen(v));
	out->path = p ? xstrndup(p, pend ? (size_t)(pend - p) : strlen(p)) : xstrdup(out->host);
	snprintf(out->access, sizeof(out->access), "%s", access);
	return 0;
}

char *secpol_device_str(const struct secpol_device *d)
{
	return xasprintf("%s:%s:%s", d->host, d->path, d->access);
}

void secpol_device_clear(struct secpol_device *d)
{
	free(d->host);
	free(d->path);
	memset(d, 0, sizeof(*d));
}
