// SPDX-License-Identifier: Apache-2.0
/* ctr_vol.c - a container's -v mounts between its config and its start:
 * the volumes and host directories made at create, the runtime's binds,
 * and the containers that hold a volume (so it is not removed). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "core/ctr/ctr_vol.h"
#include "core/fs/volume.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/xalloc.h"

/* ---- the mounts of a new container, from its flags and its image ---- */

/* Add m to c (taken), refusing a second mount on its target. */
static int ctr_vol_add(struct ctr_config *c, struct vol_mount *m, size_t *cap)
{
	for (size_t k = 0; k < c->nmounts; k++)
		if (!strcmp(c->mounts[k].target, m->target)) {
			err_setx(EINVAL, "Duplicate mount point: %s (give each mount its own "
				 "container path)", m->target);
			vol_mount_clear(m);
			return -EINVAL;
		}
	if (c->nmounts + 1 >= *cap) {
		*cap = *cap ? 2 * *cap : 8;
		c->mounts = xrealloc(c->mounts, *cap * sizeof(*c->mounts));
	}
	c->mounts[c->nmounts++] = *m;
	memset(&c->mounts[c->nmounts], 0, sizeof(*c->mounts));
	return 0;
}

/* Drop c's mount on target, if any (the flags' own win over a copy). */
static void ctr_vol_drop(struct ctr_config *c, const char *target)
{
	for (size_t k = 0; k < c->nmounts; k++)
		if (!strcmp(c->mounts[k].target, target)) {
			vol_mount_clear(&c->mounts[k]);
			memmove(&c->mounts[k], &c->mounts[k + 1],
				(c->nmounts - k) * sizeof(*c->mounts));
			c->nmounts--;
			return;
		}
}

/* --volumes-from C[:ro|rw]: C's volume and bind mounts, read-only as
 * asked or as they are there (Docker's rule); its tmpfs mounts are not. */
static int ctr_vol_from(const char *spec, struct ctr_config *c, size_t *cap)
{
	char id[CTR_ID_LEN + 1], *ref = NULL;
	struct ctr_config from;
	int ro, r = vol_from_parse(spec, &ref, &ro);

	if (r == 0 && (r = ctr_find(ref, id)) == 0 && (r = ctr_config_load(id, &from)) == 0) {
		for (size_t i = 0; r == 0 && i < from.nmounts; i++) {
			struct vol_mount m;

			if (from.mounts[i].type == VOL_MOUNT_TMPFS)
				continue;
			vol_mount_copy(&from.mounts[i], &m);
			if (ro >= 0)
				m.ro = ro;
			ctr_vol_drop(c, m.target);
			r = ctr_vol_add(c, &m, cap);
		}
		ctr_config_clear(&from);
	}
	free(ref);
	return r < 0 ? err_ctx("--volumes-from %s", spec) : 0;
}

/* The i-th of -v, then --mount, then --tmpfs, parsed into m. */
static int ctr_vol_parse(const struct ctr_vol_flags *f, size_t i, struct vol_mount *m)
{
	size_t nv = f->volumes->n, nm = f->mounts->n;

	if (i < nv)
		return vol_spec_parse(f->volumes->v[i], m);
	if (i < nv + nm)
		return vol_mount_opt_parse(f->mounts->v[i - nv], m);
	return vol_tmpfs_parse(f->tmpfs->v[i - nv - nm], m);
}

int ctr_vol_build(const struct ctr_vol_flags *f, struct ctr_config *c)
{
	size_t cap = 0, copied;
	struct vol_mount m;

	c->mounts = xzalloc(sizeof(*c->mounts));
	for (size_t i = 0; i < f->volumes_from->n; i++)
		if (ctr_vol_from(f->volumes_from->v[i], c, &cap) < 0)
			return -err_errno();
	copied = c->nmounts;
	/* One of the flags' own on a copied target replaces the copy, as
	 * Docker's; on another of its own, it is refused. */
	for (size_t i = 0; i < f->volumes->n + f->mounts->n + f->tmpfs->n; i++) {
		if (ctr_vol_parse(f, i, &m) < 0)
			return -err_errno();
		for (size_t k = 0; k < copied; k++)
			if (!strcmp(c->mounts[k].target, m.target)) {
				ctr_vol_drop(c, m.target);
				copied--;
				break;
			}
		if (ctr_vol_add(c, &m, &cap) < 0)
			return -err_errno();
	}
	return 0;
}

int ctr_vol_image(const struct strv *paths, struct ctr_config *c)
{
	size_t cap = c->nmounts + 1;

	for (size_t i = 0; i < paths->n; i++) {
		struct vol_mount m;
		bool taken = false;

		if (vol_image_parse(paths->v[i], &m) < 0)
			return err_ctx("the image's VOLUME");
		for (size_t k = 0; k < c->nmounts && !taken; k++)
			taken = !strcmp(c->mounts[k].target, m.target);
		if (taken)
			vol_mount_clear(&m);
		else if (ctr_vol_add(c, &m, &cap) < 0)
			return -err_errno();
	}
	return 0;
}

/* A new volume of a user-namespaced container belongs to its root (the
 * range's first id), as Docker's with userns-remap: its _data, while it
 * is still the empty directory vol_create made (owned by the host's root). */
static int ctr_vol_own(const struct ctr_config *c, const char *name)
{
	autofree char *data = vol_mountpoint(name);
	autoclosedir DIR *d = NULL;
	struct dirent *e;
	struct stat st;

	if (lstat(data, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid ||
	    st.st_gid || !(d = opendir(data)))
		return 0;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			return 0;
	if (lchown(data, c->userns.base, c->userns.base) < 0)
		return err_set(errno, "chown %s", data);
	return 0;
}

/* A volume c's mount m names: made when missing, owned as c needs. */
static int ctr_vol_make(const struct ctr_config *c, const struct vol_mount *m)
{
	struct vol_cfg v = { .name = xstrdup(m->name) }, got;
	int r = vol_create(&v, NULL);

	vol_cfg_clear(&v);
	if (r == 0 && c->userns.count && (r = vol_lookup(m->name, &got)) == 0) {
		if (vol_has_data(&got))
			r = ctr_vol_own(c, m->name);
		vol_cfg_clear(&got);
	}
	return r < 0 ? err_ctx("volume %s", m->name) : 0;
}

int ctr_vol_prepare(const struct ctr_config *c)
{
	for (size_t i = 0; i < c->nmounts; i++) {
		const struct vol_mount *m = &c->mounts[i];

		/* Docker's -v makes a missing host directory; --mount
		 * refused it at parse. */
		if (m->type == VOL_MOUNT_BIND && m->from == VOL_FROM_V &&
		    fsutil_mkdir_p(m->source, 0755) < 0)
			return err_ctx("bind source %s", m->source);
		if (m->type == VOL_MOUNT_VOLUME && ctr_vol_make(c, m) < 0)
			return -err_errno();
	}
	return 0;
}

int ctr_vol_remove_anon(const struct ctr_config *c)
{
	int r = 0;

	for (size_t i = 0; i < c->nmounts; i++) {
		const struct vol_mount *m = &c->mounts[i];

		/* Still used (--volumes-from), or gone: kept, as Docker. */
		if (m->anon && m->type == VOL_MOUNT_VOLUME &&
		    vol_remove(m->name, ctr_vol_busy, NULL) < 0) {
			if (err_errno() != EBUSY && err_errno() != ENOENT && r == 0)
				r = -err_errno();
			else if (r == 0)
				err_clear();
		}
	}
	return r;
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

/* A tmpfs mount's flags and options. */
static int ctr_vol_tmpfs(const struct vol_mount *m, struct rt_bind *r, struct ctr_vol_binds *b)
{
	char *data;

	if (vol_tmpfs_opts(m->data, &r->flags, &data) < 0)
		return err_ctx("tmpfs on %s", m->target);
	r->fstype = "tmpfs";
	r->data = ctr_vol_keep(b, data);
	return 0;
}

/* A volume's source: its _data, or the file system it names. */
static int ctr_vol_volume(const struct vol_mount *m, struct rt_bind *r, struct ctr_vol_binds *b)
{
	char *src = NULL, *fstype = NULL, *data = NULL;
	struct vol_cfg v;

	if (vol_lookup(m->name, &v) < 0)
		return err_ctx("the container's volume %s", m->name);
	vol_source(&v, &src, &fstype, &data);
	r->src = ctr_vol_keep(b, src);
	r->fstype = ctr_vol_keep(b, fstype);
	r->data = ctr_vol_keep(b, data);
	r->flags = MS_NOSUID | MS_NODEV;
	/* Docker copies the image's content into an empty volume (not
	 * into a bound host directory, nor a tmpfs mount), unless nocopy. */
	r->copy_up = !m->nocopy;
	vol_cfg_clear(&v);
	return 0;
}

/* How many components path has. */
static size_t ctr_vol_depth(const char *path)
{
	size_t n = 0;

	for (const char *p = path; *p; p++)
		n += *p == '/' && p[1] && p[1] != '/';
	return n;
}

/* Parents before what is mounted inside them, in the given order
 * otherwise (Docker sorts its mounts so: daemon/volumes.go). */
static void ctr_vol_sort(struct rt_bind *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct rt_bind x = v[i];
		size_t j = i, d = ctr_vol_depth(x.dst);

		for (; j > 0 && ctr_vol_depth(v[j - 1].dst) > d; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

int ctr_vol_binds(const struct ctr_config *c, struct ctr_vol_binds *b)
{
	memset(b, 0, sizeof(*b));
	b->v = xzalloc((c->nmounts + 1) * sizeof(*b->v));
	for (size_t i = 0; i < c->nmounts; i++) {
		const struct vol_mount *m = &c->mounts[i];
		struct rt_bind *r = &b->v[b->n++];
		int rc = 0;

		*r = (struct rt_bind){ .src = m->source, .dst = m->target, .ro = m->ro,
				       .propagation = vol_propagation(m->propagation) };
		if (m->type == VOL_MOUNT_TMPFS)
			rc = ctr_vol_tmpfs(m, r, b);
		else if (m->type == VOL_MOUNT_VOLUME)
			rc = ctr_vol_volume(m, r, b);
		if (rc < 0) {
			ctr_vol_binds_clear(b);
			return rc;
		}
	}
	ctr_vol_sort(b->v, b->n);
	return 0;
}

void ctr_vol_usage_free(struct ctr_vol_usage *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

int ctr_vol_usage(struct ctr_vol_usage **out, size_t *n)
{
	struct vol_cfg *v;
	size_t nv;

	*out = NULL;
	*n = 0;
	if (vol_list(&v, &nv) < 0)
		return -err_errno();
	*out = xzalloc((nv + 1) * sizeof(**out));
	for (size_t i = 0; i < nv; i++) {
		struct ctr_vol_usage *u = &(*out)[(*n)++];
		char who[8];
		int links = ctr_vol_busy(v[i].name, who, sizeof(who), NULL);

		if (links < 0) {
			vol_list_free(v, nv);
			ctr_vol_usage_free(*out, *n - 1);
			*out = NULL;
			*n = 0;
			return links;
		}
		u->bytes = vol_data_bytes(&v[i]);
		u->name = TAKE(v[i].name);
		u->links = (unsigned)links;
	}
	vol_list_free(v, nv);
	return 0;
}
