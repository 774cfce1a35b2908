// SPDX-License-Identifier: Apache-2.0
/* cgroup.c - finding the hierarchies and making, joining and removing a
 * container's cgroup in all of them. Limits per version come in
 * cgroup1.c / cgroup2.c. Nested below the caller's own cgroup, so dory
 * works under a delegated subtree and never escapes a limit set on it. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/cgroup.h"
#include "core/err.h"
#include "core/fsutil.h"
#include "core/str.h"
#include "core/xalloc.h"

struct cg_mount {
	char *root, *point, *fstype, *super;
};

/* Split a mountinfo line into the fields we need; modifies line. */
static bool cg_mount_parse(char *line, struct cg_mount *m)
{
	char *f[6], *sep, *save = NULL;
	int i = 0;

	for (char *t = line; i < 6 && (t = strtok_r(i ? NULL : line, " ", &save)); )
		f[i++] = t;
	if (i < 6 || !save)
		return false;
	sep = strstr(save, "- ");	/* after the optional fields */
	if (!sep)
		return false;
	sep += 2;
	m->root = f[3];
	m->point = f[4];
	m->fstype = strtok_r(sep, " ", &save);
	strtok_r(NULL, " ", &save);	/* source */
	m->super = strtok_r(NULL, " \n", &save);
	return m->fstype && m->super;
}

/* Does the comma list super name every controller in ctrl? */
static bool cg_super_has(const char *super, const char *ctrl)
{
	autofree char *c = xstrdup(ctrl);
	char *save = NULL;

	for (char *t = strtok_r(c, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		size_t n = strlen(t);
		const char *p = super;
		bool found = false;

		while ((p = strstr(p, t))) {
			if ((p == super || p[-1] == ',') && (p[n] == ',' || p[n] == '\0')) {
				found = true;
				break;
			}
			p += n;
		}
		if (!found)
			return false;
	}
	return true;
}

/* The mount of the hierarchy for ctrl (v1) or the unified one (v2). */
static bool cg_find_mount(const char *mountinfo, enum cg_ver ver, const char *ctrl,
			  const char *path, char **dir)
{
	autofree char *text = xstrdup(mountinfo);
	char *save = NULL;

	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		struct cg_mount m;
		size_t rl;

		if (!cg_mount_parse(l, &m))
			continue;
		if (strcmp(m.fstype, ver == CG_V2 ? "cgroup2" : "cgroup"))
			continue;
		if (ver == CG_V1 && !cg_super_has(m.super, ctrl))
			continue;
		rl = strcmp(m.root, "/") ? strlen(m.root) : 0;
		if (rl && (strncmp(path, m.root, rl) || (path[rl] && path[rl] != '/')))
			rl = strlen(path);	/* outside this mount's root: use its top */
		*dir = xasprintf("%s%s", m.point, strcmp(path + rl, "/") ? path + rl : "");
		return true;
	}
	return false;
}

int cg_parse(const char *mountinfo, const char *selfcg, struct cg *out)
{
	autofree char *text = xstrdup(selfcg);
	char *save = NULL;

	memset(out, 0, sizeof(*out));
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(l, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		enum cg_ver ver;
		char *dir;

		if (!c2)
			continue;
		*c1 = *c2 = '\0';
		ver = (!strcmp(l, "0") && c2 == c1 + 1) ? CG_V2 : CG_V1;
		if (!cg_find_mount(mountinfo, ver, c1 + 1, c2 + 1, &dir))
			continue;
		if (out->n == CG_MAX) {
			free(dir);
			break;
		}
		out->h[out->n].ver = ver;
		out->h[out->n].ctrl = xstrdup(c1 + 1);
		out->h[out->n++].dir = dir;
	}
	if (!out->n)
		return err_setx(ENODEV, "no cgroup hierarchy is mounted");
	return 0;
}

/* A new v1 cpuset group starts with no CPUs and no memory nodes, and no
 * task can join it until it has its parent's. */
static int cg_cpuset_inherit(const char *parent, const char *dir)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		autofree char *src = xasprintf("%s/%s", parent, files[i]);
		autofree char *val = NULL;
		autoclose int dfd = -1;

		if (fsutil_read_file(src, &val) < 0)
			return err_ctx("cpuset");
		dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			return err_set(errno, "open %s", dir);
		if (val[0] != '\n' && fsutil_write_at(dfd, files[i], val) < 0)
			return err_ctx("%s", dir);
	}
	return 0;
}

int cg_create(const char *name, struct cg *out)
{
	autofree char *mi = NULL, *self = NULL;
	size_t i;
	int r;

	memset(out, 0, sizeof(*out));
	if (fsutil_read_file("/proc/self/mountinfo", &mi) < 0 ||
	    fsutil_read_file("/proc/self/cgroup", &self) < 0)
		return -err_errno();
	if (cg_parse(mi, self, out) < 0)
		return -err_errno();
	for (i = 0; i < out->n; i++) {
		char *parent = out->h[i].dir;

		out->h[i].dir = xasprintf("%s/%s", parent, name);
		if (mkdir(out->h[i].dir, 0755) < 0) {
			err_set(errno, "create cgroup %s", out->h[i].dir);
			free(parent);
			goto undo;
		}
		if (out->h[i].ver == CG_V1 && cg_super_has(out->h[i].ctrl, "cpuset") &&
		    cg_cpuset_inherit(parent, out->h[i].dir) < 0) {
			free(parent);
			i++;
			goto undo;
		}
		free(parent);
	}
	return 0;
undo:
	r = -err_errno();
	for (size_t j = i; j < out->n; j++) {
		free(out->h[j].ctrl);
		free(out->h[j].dir);
	}
	out->n = i;
	cg_destroy(out);
	cg_free(out);
	return r;
}

int cg_add_pid(const struct cg *cg, pid_t pid)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	for (size_t i = 0; i < cg->n; i++) {
		autoclose int dfd = open(cg->h[i].dir, O_PATH | O_DIRECTORY | O_CLOEXEC);

		if (dfd < 0)
			return err_set(errno, "open %s", cg->h[i].dir);
		if (fsutil_write_at(dfd, "cgroup.procs", buf) < 0)
			return err_ctx("join cgroup %s", cg->h[i].dir);
	}
	return 0;
}

int cg_destroy(struct cg *cg)
{
	int ret = 0;

	for (size_t i = 0; i < cg->n; i++) {
		/* Tasks killed with the pid namespace leave the group as they
		 * are reaped; give them a moment (up to 2 s) before giving up. */
		for (int tries = 0; rmdir(cg->h[i].dir) < 0; tries++) {
			struct timespec ts = { 0, 10 * 1000 * 1000 };

			if (errno == ENOENT)
				break;
			if (errno != EBUSY || tries == 200) {
				ret = err_set(errno, "remove cgroup %s", cg->h[i].dir);
				break;
			}
			nanosleep(&ts, NULL);
		}
	}
	return ret;
}

void cg_free(struct cg *cg)
{
	for (size_t i = 0; i < cg->n; i++) {
		free(cg->h[i].ctrl);
		free(cg->h[i].dir);
	}
	cg->n = 0;
}

bool cg_has_v1(const struct cg *cg)
{
	for (size_t i = 0; i < cg->n; i++)
		if (cg->h[i].ver == CG_V1)
			return true;
	return false;
}

bool cg_has_v2(const struct cg *cg)
{
	for (size_t i = 0; i < cg->n; i++)
		if (cg->h[i].ver == CG_V2)
			return true;
	return false;
}
