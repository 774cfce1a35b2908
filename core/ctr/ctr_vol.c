// SPDX-License-Identifier: Apache-2.0
/* ctr_vol.c - a container's -v mounts between its config and its start:
 * the volumes and host directories made at create, the runtime's binds,
 * and the containers that hold a volume (so it is not removed). */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "core/ctr/ctr_vol.h"
#include "core/fs/volume.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/xalloc.h"

int ctr_vol_prepare(const struct ctr_config *c)
{
	for (size_t i = 0; i < c->nmounts; i++) {
		const struct vol_mount *m = &c->mounts[i];
		struct vol_cfg v = { 0 };
		int r;

		if (m->type == VOL_MOUNT_BIND) {
			if (fsutil_mkdir_p(m->source, 0755) < 0)
				return err_ctx("bind source %s", m->source);
			continue;
		}
		v.name = xstrdup(m->name);
		r = vol_create(&v, NULL);
		vol_cfg_clear(&v);
		if (r < 0)
			return err_ctx("volume %s", m->name);
	}
	return 0;
}

int ctr_vol_busy(const char *name, char *who, size_t len, void *arg)
{
	struct strv ids = { 0 };
	size_t at = 0;
	int users = 0;

	(void)arg;
	if (ctr_list(&ids) < 0)
		return -err_errno();
	for (size_t i = 0; i < ids.n; i++) {
		struct ctr_config c;

		if (ctr_config_load(ids.v[i], &c) < 0) {
			err_clear();	/* removed meanwhile */
			continue;
		}
		for (size_t k = 0; k < c.nmounts; k++)
			if (c.mounts[k].name && !strcmp(c.mounts[k].name, name)) {
				if (at < len)
					at += (size_t)snprintf(who + at, len - at, "%s%s",
							       users ? ", " : "", c.id);
				users++;
				break;
			}
		ctr_config_clear(&c);
	}
	strv_free(&ids);
	return users;
}

void ctr_vol_binds_clear(struct ctr_vol_binds *b)
{
	free(b->v);
	strv_free(&b->keep);
	memset(b, 0, sizeof(*b));
}

/* A string b keeps alive for the bind. */
static const char *ctr_vol_keep(struct ctr_vol_binds *b, char *s)
{
	if (!s)
		return NULL;
	strv_push_take(&b->keep, s);
	return s;
}

int ctr_vol_binds(const struct ctr_config *c, struct ctr_vol_binds *b)
{
	memset(b, 0, sizeof(*b));
	b->v = xzalloc((c->nmounts + 1) * sizeof(*b->v));
	for (size_t i = 0; i < c->nmounts; i++) {
		const struct vol_mount *m = &c->mounts[i];
		struct rt_bind *r = &b->v[b->n++];
		char *src = NULL, *fstype = NULL, *data = NULL;
		struct vol_cfg v;

		*r = (struct rt_bind){ .src = m->source, .dst = m->target, .ro = m->ro };
		if (m->type == VOL_MOUNT_BIND)
			continue;
		if (vol_lookup(m->name, &v) < 0) {
			ctr_vol_binds_clear(b);
			return err_ctx("the container's volume %s", m->name);
		}
		vol_source(&v, &src, &fstype, &data);
		r->src = ctr_vol_keep(b, src);
		r->fstype = ctr_vol_keep(b, fstype);
		r->data = ctr_vol_keep(b, data);
		/* Docker copies the image's content into an empty volume (not
		 * into a bound host directory), unless nocopy. */
		r->copy_up = !strstr(m->mode ? m->mode : "", "nocopy");
		vol_cfg_clear(&v);
	}
	return 0;
}
