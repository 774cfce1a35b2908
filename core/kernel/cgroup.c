// SPDX-License-Identifier: Apache-2.0
/* cgroup.c - finding the hierarchies, making, joining and removing a
 * container's cgroup in all of them, and choosing the hierarchy of each
 * controller for limits; the per-version files are in cgroup1.c and
 * cgroup2.c. Containers go below a parent that dory owns, never below the
 * caller's own cgroup: an init system's service cgroup has processes, and
 * cgroup v2 hands no controller down from a group that has. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>

#include "core/kernel/cgbase.h"
#include "core/kernel/cgroup.h"
#include "core/kernel/cgroup1.h"
#include "core/kernel/cgroup2.h"
#include "core/kernel/mnt.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/str.h"
#include "core/util/xalloc.h"

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

/* Is point covered by a mount that rest (the lines after its own) lists:
 * one on point itself or on a directory above it, but "/" (an empty tmpfs
 * on /sys/fs/cgroup hides every hierarchy below it)? */
static bool cg_covered(const char *rest, const char *point)
{
	autofree char *text = xstrdup(rest);
	char *save = NULL;

	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		struct mnt_line m;
		size_t n;

		if (!mnt_line_parse(l, &m) || !strcmp(m.point, "/"))
			continue;
		n = strlen(m.point);
		if (!strncmp(point, m.point, n) && (point[n] == '\0' || point[n] == '/'))
			return true;
	}
	return false;
}

/* The mount of the hierarchy for ctrl (v1) or the unified one (v2) that
 * is not covered by a later mount. */
static bool cg_find_mount(const char *mountinfo, enum cg_ver ver, const char *ctrl,
			  const char *path, char **dir, size_t *mnt_len)
{
	autofree char *text = xstrdup(mountinfo);
	char *save = NULL;

	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		size_t next = (size_t)(l - text) + strlen(l) + 1;
		struct mnt_line m;
		size_t rl;

		if (!mnt_line_parse(l, &m))
			continue;
		if (strcmp(m.fstype, ver == CG_V2 ? "cgroup2" : "cgroup"))
			continue;
		if (ver == CG_V1 && !cg_super_has(m.super, ctrl))
			continue;
		if (next < strlen(mountinfo) && cg_covered(mountinfo + next, m.point))
			continue;
		rl = strcmp(m.root, "/") ? strlen(m.root) : 0;
		if (rl && (strncmp(path, m.root, rl) || (path[rl] && path[rl] != '/')))
			rl = strlen(path);	/* outside this mount's root: use its top */
		*dir = xasprintf("%s%s", m.point, strcmp(path + rl, "/") ? path + rl : "");
		*mnt_len = strlen(m.point);
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
		size_t mnt_len;
		char *dir;

		if (!c2)
			continue;
		*c1 = *c2 = '\0';
		ver = (!strcmp(l, "0") && c2 == c1 + 1) ? CG_V2 : CG_V1;
		if (!cg_find_mount(mountinfo, ver, c1 + 1, c2 + 1, &dir, &mnt_len))
			continue;
		if (out->n == CG_MAX) {
			free(dir);
			break;
		}
		out->h[out->n].ver = ver;
		out->h[out->n].ctrl = xstrdup(c1 + 1);
		out->h[out->n].mnt_len = mnt_len;
		out->h[out->n++].dir = dir;
	}
	if (!out->n)
		return err_setx(ENODEV, "no cgroup hierarchy is mounted");
	return 0;
}

/* A new v1 cpuset group starts with no CPUs and no memory nodes, and no
 * task can join it until it has its parent's. One that has them (made
 * before, by anyone) is left as it is. */
static int cg_cpuset_inherit(const char *parent, const char *dir)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		autofree char *src = xasprintf("%s/%s", parent, files[i]);
		autofree char *dst = xasprintf("%s/%s", dir, files[i]);
		autofree char *val = NULL, *have = NULL;

		if (fsutil_read_file(dst, &have) < 0 || fsutil_read_file(src, &val) < 0)
			return err_ctx("cpuset");
		if (have[0] == '\n' && val[0] != '\n' && fsutil_write_at(AT_FDCWD, dst, val) < 0)
			return err_ctx("%s", dir);
	}
	return 0;
}

/* Is h a v1 hierarchy of cpuset alone, while l asks for no cpuset? */
static bool cg_unwanted(const struct cg_hier *h, const struct cg_limits *l)
{
	return h->ver == CG_V1 && !strcmp(h->ctrl, "cpuset") &&
	       !(l && ((l->cpuset_cpus && *l->cpuset_cpus) || (l->cpuset_mems && *l->cpuset_mems)));
}

/* parent ("/a/b/", "a/b", "/") as "a/b" or "" (the root); allocated. */
static int cg_parent_clean(const char *parent, char **out)
{
	autofree char *copy = xstrdup(parent);
	char *save = NULL, *rel = xstrdup("");

	for (char *t = strtok_r(copy, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		char *next;

		if (!strcmp(t, ".") || !strcmp(t, "..")) {
			free(rel);
			err_setx(EINVAL, "cgroup parent \"%s\": \".\" and \"..\" are not allowed",
				 parent);
			return err_hint("give a path from the root of the hierarchy, e.g. /dory");
		}
		next = xasprintf("%s%s%s", rel, *rel ? "/" : "", t);
		free(rel);
		rel = next;
	}
	*out = rel;
	return 0;
}

int cg_parent_check(const char *parent)
{
	autofree char *rel = NULL;

	return cg_parent_clean(parent, &rel);
}

/* Has an init system handed dir to its service? systemd (Delegate=yes)
 * says so with an extended attribute on the service's cgroup. */
static bool cg_is_delegated(const char *dir)
{
	static const char *const names[] = { "trusted.delegate", "user.delegate" };
	char v[2];

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (getxattr(dir, names[i], v, sizeof(v)) == 1 && v[0] == '1')
			return true;
	return false;
}

/* The delegated cgroup the caller sits in or below, from the root of its
 * hierarchy ("system.slice/dory.service"); NULL when there is none. */
static char *cg_delegated(const struct cg *self)
{
	for (size_t i = 0; i < self->n; i++) {
		autofree char *dir = xstrdup(self->h[i].dir);
		size_t top = self->h[i].mnt_len;

		for (size_t len = strlen(dir); len > top; len = strlen(dir)) {
			if (cg_is_delegated(dir))
				return xstrdup(dir + top + 1);
			*strrchr(dir, '/') = '\0';
		}
	}
	return NULL;
}

/* Where dory's cgroups go, the same path in every hierarchy. */
static int cg_parent_path(const struct cg *self, const char *parent, char **rel, bool *deleg)
{
	*deleg = false;
	if (parent && *parent)
		return cg_parent_clean(parent, rel);
	*rel = cg_delegated(self);
	*deleg = *rel != NULL;
	if (!*rel)
		*rel = xstrdup("dory");
	return 0;
}

int cg_where(const struct cg *self, const char *parent, struct cg *out, bool *delegated)
{
	autofree char *rel = NULL;

	memset(out, 0, sizeof(*out));
	if (cg_parent_path(self, parent, &rel, delegated) < 0)
		return -err_errno();
	for (size_t i = 0; i < self->n; i++) {
		const struct cg_hier *h = &self->h[i];

		out->h[out->n++] = (struct cg_hier){ .ver = h->ver, .ctrl = xstrdup(h->ctrl),
			.dir = xasprintf("%.*s%s%s", (int)h->mnt_len, h->dir, *rel ? "/" : "", rel),
			.mnt_len = h->mnt_len };
	}
	return 0;
}

/* mkdir -p of base below h's mount point; each v1 cpuset level gets its
 * parent's CPUs and nodes. */
static int cg_mkdir_parents(const struct cg_hier *h, const char *base)
{
	autofree char *dir = xstrdup(base);
	bool cpuset = h->ver == CG_V1 && cg_super_has(h->ctrl, "cpuset");
	size_t len = strlen(dir);

	for (size_t i = h->mnt_len + 1; i <= len; i++) {
		if (dir[i] != '/' && dir[i] != '\0')
			continue;
		dir[i] = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return err_set(errno, "create cgroup %s", dir);
		if (cpuset) {
			autofree char *up = xstrndup(dir, (size_t)(strrchr(dir, '/') - dir));

			if (cg_cpuset_inherit(up, dir) < 0)
				return -err_errno();
		}
		dir[i] = i < len ? '/' : '\0';
	}
	return 0;
}

/* leaf below parent in each of self's hierarchies that l needs, into out:
 * made fresh (a container's: an empty one left by an owner that died is
 * removed first, one with tasks refused) or kept (the supervisors'). A
 * delegated parent that still holds processes (the service that started
 * dory) has them moved into the supervisors' leaf first, since v2 lets no
 * group with processes hand controllers down. */
static int cg_place(const struct cg *self, const char *parent, const char *leaf, bool fresh,
		    const struct cg_limits *l, struct cg *out)
{
	struct cg where;
	bool deleg;
	int r = 0;

	memset(out, 0, sizeof(*out));
	if (cg_where(self, parent, &where, &deleg) < 0)
		return -err_errno();
	for (size_t i = 0; i < where.n && r == 0; i++) {
		const struct cg_hier *h = &where.h[i];
		const char *base = h->dir;
		bool made = false;
		char *dir;

		if (cg_unwanted(h, l))
			continue;
		dir = xasprintf("%s/%s", base, leaf);
		out->h[out->n++] = (struct cg_hier){ .ver = h->ver, .ctrl = xstrdup(h->ctrl),
			.dir = dir, .mnt_len = h->mnt_len };
		if (cg_mkdir_parents(h, base) < 0 ||
		    (deleg && h->ver == CG_V2 && cg2_evacuate(base, CG_LEAF_SUPERVISOR) < 0))
			r = -err_errno();
		else if (mkdir(dir, 0755) == 0)
			made = true;
		else if (errno != EEXIST || (fresh && (rmdir(dir) < 0 || mkdir(dir, 0755) < 0)))
			r = err_set(errno, "create cgroup %s", dir);
		else
			made = fresh;
		if (r == 0 && h->ver == CG_V1 && cg_super_has(h->ctrl, "cpuset") &&
		    cg_cpuset_inherit(base, dir) < 0)
			r = -err_errno();
		if (r < 0 && !made) {	/* not ours to remove */
			out->n--;
			free(out->h[out->n].ctrl);
			free(out->h[out->n].dir);
		}
	}
	cg_free(&where);
	if (r < 0) {
		if (fresh)
			cg_destroy(out);
		cg_free(out);
	}
	return r;
}

int cg_create_at(const char *mountinfo, const char *selfcg, const char *parent,
		 const char *name, const struct cg_limits *l, struct cg *out)
{
	struct cg self;
	int r;

	memset(out, 0, sizeof(*out));
	if (cg_parse(mountinfo, selfcg, &self) < 0)
		return -err_errno();
	r = cg_place(&self, parent, name, true, l, out);
	cg_free(&self);
	return r;
}

/* The texts cg_create_at reads, from the kernel. */
static int cg_self(char **mi, char **self)
{
	*mi = *self = NULL;
	if (fsutil_read_file("/proc/self/mountinfo", mi) < 0 ||
	    fsutil_read_file("/proc/self/cgroup", self) < 0)
		return -err_errno();
	return 0;
}

int cg_create(const char *parent, const char *name, const struct cg_limits *l, struct cg *out)
{
	autofree char *mi = NULL, *self = NULL;

	memset(out, 0, sizeof(*out));
	if (cg_self(&mi, &self) < 0)
		return -err_errno();
	return cg_create_at(mi, self, parent, name, l, out);
}

int cg_join_supervisors(const char *parent)
{
	autofree char *mi = NULL, *text = NULL;
	struct cg self, leaf;
	int r;

	if (cg_self(&mi, &text) < 0 || cg_parse(mi, text, &self) < 0)
		return -err_errno();
	r = cg_place(&self, parent, CG_LEAF_SUPERVISOR, false, NULL, &leaf);
	cg_free(&self);
	if (r == 0)
		r = cg_add_pid(&leaf, getpid());
	cg_free(&leaf);
	return r;
}

int cg_add_pid(const struct cg *cg, pid_t pid)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	for (size_t i = 0; i < cg->n; i++) {
		autofree char *procs = xasprintf("%s/cgroup.procs", cg->h[i].dir);

		if (fsutil_write_at(AT_FDCWD, procs, buf) < 0)
			return err_ctx("join cgroup %s", cg->h[i].dir);
	}
	return 0;
}

int cg_destroy(struct cg *cg)
{
	int ret = 0;

	for (size_t i = 0; i < cg->n; i++) {
		/* Tasks killed with the pid namespace leave the group as they
		 * exit; give them a moment (up to 5 s, for a loaded device). */
		for (int tries = 0; rmdir(cg->h[i].dir) < 0; tries++) {
			struct timespec ts = { 0, 10 * 1000 * 1000 };

			if (errno == ENOENT)
				break;
			if (errno != EBUSY || tries == 500) {
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

bool cg_has_v1_ctrl(const struct cg *cg, const char *ctrl)
{
	for (size_t i = 0; i < cg->n; i++)
		if (cg->h[i].ver == CG_V1 && cg_super_has(cg->h[i].ctrl, ctrl))
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

/* ---- limits: one list of writes, checked, then done ---- */

/* The controllers limits use, with what the user can do without one. */
enum { CG_MEMORY, CG_CPU, CG_PIDS, CG_CPUSET, CG_NCTRL };
static const struct cg_ctrl {
	const char *name, *config, *flag;
} cg_ctrls[CG_NCTRL] = {
	[CG_MEMORY] = { "memory", "CONFIG_MEMCG", "-m/--memory" },
	[CG_CPU] = { "cpu", "CONFIG_CGROUP_SCHED", "--cpus/--cpu-shares" },
	[CG_PIDS] = { "pids", "CONFIG_CGROUP_PIDS", "--pids-limit" },
	[CG_CPUSET] = { "cpuset", "CONFIG_CPUSETS", "--cpuset-cpus/--cpuset-mems" },
};

/* Where ctrl is attached: the v1 hierarchy it is bound to, else v2 when
 * the unified root offers it. A controller lives in one place only. */
static const struct cg_hier *cg_find(const struct cg *cg, const char *ctrl)
{
	for (size_t i = 0; i < cg->n; i++)
		if (cg->h[i].ver == CG_V1 && cg_super_has(cg->h[i].ctrl, ctrl))
			return &cg->h[i];
	for (size_t i = 0; i < cg->n; i++)
		if (cg->h[i].ver == CG_V2 && cg2_has(&cg->h[i], ctrl))
			return &cg->h[i];
	return NULL;
}

static bool cg_is_set(const char *s)
{
	return s && *s;
}

/* Which controllers l asks for. */
static void cg_wanted(const struct cg_limits *l, bool want[CG_NCTRL])
{
	want[CG_MEMORY] = l->memory > 0 || l->memory_swap > 0;
	want[CG_CPU] = l->cpu_quota_us > 0 || l->cpu_shares > 0;
	want[CG_PIDS] = l->pids > 0;
	want[CG_CPUSET] = cg_is_set(l->cpuset_cpus) || cg_is_set(l->cpuset_mems);
}

/* Docker's checks (daemon/daemon_unix.go verifyPlatformContainerResources). */
int cg_limits_check(const struct cg_limits *l)
{
	if (l->memory > 0 && l->memory < 6 * 1024 * 1024)
		return err_setx(EINVAL, "minimum memory limit allowed is 6MB");
	if (l->memory_swap < -1)
		return err_setx(EINVAL, "--memory-swap %lld: -1 (unlimited swap) is the only "
				"negative value", l->memory_swap);
	if (l->memory_swap > 0 && l->memory <= 0)
		return err_setx(EINVAL, "--memory-swap needs a memory limit (-m) too");
	if (l->memory_swap > 0 && l->memory_swap < l->memory)
		return err_setx(EINVAL, "--memory-swap must be at least the memory limit (-m)");
	if (l->cpu_shares && (l->cpu_shares < 2 || l->cpu_shares > 262144))
		return err_setx(EINVAL, "--cpu-shares %lld: must be from 2 to 262144",
				l->cpu_shares);
	if (l->cpu_quota_us && l->cpu_quota_us < 1000)
		return err_setx(EINVAL, "CPU quota %lld us: must be at least 1000 (0.01 CPUs)",
				l->cpu_quota_us);
	if (l->cpu_period_us && (l->cpu_period_us < 1000 || l->cpu_period_us > 1000000))
		return err_setx(EINVAL, "CPU period %lld us: must be from 1000 to 1000000",
				l->cpu_period_us);
	if (cg_is_set(l->cpuset_cpus) && cg_parse_cpuset(l->cpuset_cpus) < 0)
		return err_ctx("--cpuset-cpus");
	if (cg_is_set(l->cpuset_mems) && cg_parse_cpuset(l->cpuset_mems) < 0)
		return err_ctx("--cpuset-mems");
	return 0;
}

/* Each wanted controller's hierarchy; fails naming the first missing, but
 * for a default pids limit, which a kernel without the controller drops. */
static int cg_resolve(const struct cg *cg, const struct cg_limits *l, const bool want[CG_NCTRL],
		      const struct cg_hier *at[CG_NCTRL])
{
	for (int c = 0; c < CG_NCTRL; c++) {
		const struct cg_ctrl *k = &cg_ctrls[c];

		at[c] = want[c] ? cg_find(cg, k->name) : NULL;
		/* v2 hands a controller down only where no group above has
		 * processes: the default asks for no refusal there either. */
		if (at[c] && c == CG_PIDS && l->pids_default && at[c]->ver == CG_V2 &&
		    cg2_enable_check(at[c], k->name) < 0) {
			err_clear();
			at[c] = NULL;
		}
		if (!want[c] || at[c] || (c == CG_PIDS && l->pids_default))
			continue;
		err_setx(EOPNOTSUPP, "no cgroup hierarchy has the %s controller", k->name);
		if (c == CG_MEMORY)
			return err_hint("boot a %s kernel with cgroup_enable=memory, or drop %s",
					k->config, k->flag);
		return err_hint("the kernel needs %s, or drop %s", k->config, k->flag);
	}
	return 0;
}

/* Turn the v2 controllers on along the path, all in one write per level. */
static int cg_enable_v2(const struct cg_hier *const at[CG_NCTRL])
{
	const struct cg_hier *v2 = NULL;
	char ctrls[64] = "";

	for (int c = 0; c < CG_NCTRL; c++) {
		if (!at[c] || at[c]->ver != CG_V2)
			continue;
		v2 = at[c];
		if (ctrls[0])
			strcat(ctrls, " ");
		strcat(ctrls, cg_ctrls[c].name);
	}
	return v2 ? cg2_enable(v2, ctrls) : 0;
}

static void cg_plan(struct cg_plan *p, const struct cg_limits *l,
		    const struct cg_hier *const at[CG_NCTRL])
{
	static const char nopids[] = "is the pids controller enabled for it?";
	static const char nocpuset[] = "is the cpuset controller enabled for it?";
	const struct cg_hier *h;

	if ((h = at[CG_MEMORY]))
		(h->ver == CG_V1 ? cg1_plan_memory : cg2_plan_memory)(p, h->dir, l);
	if ((h = at[CG_CPU]))
		(h->ver == CG_V1 ? cg1_plan_cpu : cg2_plan_cpu)(p, h->dir, l);
	if ((h = at[CG_PIDS]))
		cg_plan_num(p, h->dir, "pids.max", l->pids, "--pids-limit", nopids);
	if ((h = at[CG_CPUSET]) && cg_is_set(l->cpuset_cpus))
		cg_plan_str(p, h->dir, "cpuset.cpus", l->cpuset_cpus, "--cpuset-cpus", nocpuset);
	if ((h = at[CG_CPUSET]) && cg_is_set(l->cpuset_mems))
		cg_plan_str(p, h->dir, "cpuset.mems", l->cpuset_mems, "--cpuset-mems", nocpuset);
}

/* Every file the plan needs is there; optional ones that are not drop out. */
static int cg_plan_check(struct cg_plan *p)
{
	size_t k = 0;

	for (size_t i = 0; i < p->n; i++) {
		struct cg_write *w = &p->w[i];
		autofree char *path = xasprintf("%s/%s", w->dir, w->file);

		if (access(path, F_OK) == 0) {
			if (k != i)
				p->w[k] = *w;
			if (p->w[k].val == w->num)
				p->w[k].val = p->w[k].num;
			k++;
			continue;
		}
		if (w->hint) {
			err_setx(EOPNOTSUPP, "%s: %s is missing", w->flag, path);
			return err_hint("%s", w->hint);
		}
	}
	p->n = k;
	return 0;
}

/* Say which CPUs or nodes the parent allows when the kernel refuses ours. */
static void cg_cpuset_hint(const struct cg_write *w)
{
	autofree char *parent = xstrdup(w->dir), *path = NULL, *val = NULL;
	char *slash = strrchr(parent, '/');

	if (!slash)
		return;
	*slash = '\0';
	path = xasprintf("%s/%s.effective", parent, w->file);
	if (access(path, F_OK) < 0) {
		free(path);
		path = xasprintf("%s/%s", parent, w->file);
	}
	if (fsutil_read_file(path, &val) < 0)
		return;
	val[strcspn(val, "\n")] = '\0';
	err_hint("the parent cgroup allows %s", val);
}

static int cg_plan_write(const struct cg_plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct cg_write *w = &p->w[i];
		autofree char *path = xasprintf("%s/%s", w->dir, w->file);
		autoclose int fd = openat(AT_FDCWD, path, O_WRONLY | O_CLOEXEC);
		int r = fd < 0 ? -errno : fsutil_write_full(fd, w->val, strlen(w->val));

		if (r == 0)
			continue;
		err_set(-r, "%s %s: write %s", w->flag, w->val, path);
		if ((r == -EINVAL || r == -ERANGE) && str_has_prefix(w->file, "cpuset."))
			cg_cpuset_hint(w);
		return r;
	}
	return 0;
}

int cg_set_limits(const struct cg *cg, const struct cg_limits *l)
{
	const struct cg_hier *at[CG_NCTRL];
	bool want[CG_NCTRL];
	struct cg_plan p;

	if (cg_limits_check(l) < 0)
		return -err_errno();
	cg_wanted(l, want);
	if (cg_resolve(cg, l, want, at) < 0 || cg_enable_v2(at) < 0)
		return -err_errno();
	p.n = 0;
	cg_plan(&p, l, at);
	if (cg_plan_check(&p) < 0)
		return -err_errno();
	return cg_plan_write(&p);
}

int cg_events(const struct cg *cg, struct cg_events *out)
{
	const struct cg_hier *m = cg_find(cg, "memory"), *p = cg_find(cg, "pids");
	int r;

	*out = (struct cg_events){ 0 };
	if (m && (m->ver == CG_V1 ? cg1_memory_events : cg2_memory_events)(m->dir, out) < 0)
		return -err_errno();
	/* pids.events: the same "max N" in v1 (Linux 4.3) and v2. */
	r = p ? cg_read_key(p->dir, "pids.events", "max", &out->pids_max) : 0;
	return r == -ENOENT ? 0 : r;
}

/* Before Linux 4.13 v1 did not count kills: hitting the limit is the best
 * sign there is. */
int cg_oom_killed(const struct cg *cg, bool *out)
{
	struct cg_events ev;

	*out = false;
	if (cg_events(cg, &ev) < 0)
		return -err_errno();
	*out = ev.oom_kills > 0 || (ev.oom_kills < 0 && ev.memory_max > 0);
	return 0;
}

/* The v1 freezer if one is mounted, else v2's cgroup.freeze (Linux 5.2). */
static const struct cg_hier *cg_freezer(const struct cg *cg)
{
	const struct cg_hier *h = cg_find(cg, "freezer");

	for (size_t i = 0; !h && i < cg->n; i++) {
		autofree char *path = xasprintf("%s/cgroup.freeze", cg->h[i].dir);

		if (cg->h[i].ver == CG_V2 && access(path, F_OK) == 0)
			h = &cg->h[i];
	}
	if (!h) {
		err_setx(EOPNOTSUPP, "no cgroup freezer");
		err_hint("the kernel needs CONFIG_CGROUP_FREEZER or cgroup v2 of Linux 5.2");
	}
	return h;
}

/* A thaw that finds the group gone is done: its last task died (a SIGKILL
 * sent before the thaw acts at once) and the supervisor removed it. */
int cg_freeze(const struct cg *cg, bool frozen)
{
	const struct cg_hier *h = cg_freezer(cg);
	int r;

	if (!h)
		return -err_errno();
	r = h->ver == CG_V1 ? cg1_freeze(h->dir, frozen) : cg2_freeze(h->dir, frozen);
	if (r < 0 && !frozen && err_errno() == ENOENT) {
		err_clear();
		return 0;
	}
	return r;
}

int cg_is_frozen(const struct cg *cg, bool *out)
{
	const struct cg_hier *h = cg_freezer(cg);

	*out = false;
	if (!h)
		return -err_errno();
	return h->ver == CG_V1 ? cg1_is_frozen(h->dir, out) : cg2_is_frozen(h->dir, out);
}

/* ---- the run flags' values; fixed point, core has no floating point ---- */

/* "D[.F]": the integer part, and the fraction in nanos (0.F * 1e9) with
 * *inexact set if it has more than 9 digits; *end is what follows. All
 * digits are read even on -ERANGE (an integer part over 2^53). */
static int cg_parse_decimal(const char *s, unsigned long long *whole, unsigned long long *nano,
			    bool *inexact, const char **end)
{
	unsigned long long w = 0, f = 0, scale = 1000000000ULL;
	bool big = false;

	*inexact = false;
	if (*s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		big = big || w > (1ULL << 53) / 10;
		w = big ? w : w * 10 + (unsigned)(*s - '0');
	}
	if (*s == '.') {
		if (s[1] < '0' || s[1] > '9')
			return -EINVAL;
		for (s++; *s >= '0' && *s <= '9'; s++) {
			if (scale == 1) {
				*inexact = *inexact || *s != '0';
				continue;
			}
			scale /= 10;
			f += (unsigned)(*s - '0') * scale;
		}
	}
	*whole = w, *nano = f, *end = s;
	return big ? -ERANGE : 0;
}

/* floor(nano / 1e9 * 2^shift), by long division: stays within 64 bits
 * on 32-bit routers too. */
static unsigned long long cg_frac_shift(unsigned long long nano, unsigned shift)
{
	unsigned long long q = 0;

	for (unsigned i = 0; i < shift; i++) {
		nano *= 2;
		q = q * 2 + nano / 1000000000ULL;
		nano %= 1000000000ULL;
	}
	return q;
}

/* go-units RAMInBytes: ^(\d+(\.\d+)?) ?([kmgtp])?i?b?$, any case, binary
 * multiples, a fraction truncated to whole bytes. */
int cg_parse_bytes(const char *s, long long *out)
{
	static const char units[] = "kmgtp";
	unsigned long long whole, nano, v;
	const char *p, *u;
	unsigned shift = 0;
	bool inexact;
	int r = cg_parse_decimal(s, &whole, &nano, &inexact, &p);

	if (r == -EINVAL)
		goto bad;
	if (*p == ' ')
		p++;
	if (*p && (u = strchr(units, *p | 0x20)))
		shift = 10 * (unsigned)(u - units + 1), p++;
	if (*p == 'i' || *p == 'I')
		p++;
	if (*p == 'b' || *p == 'B')
		p++;
	if (*p)
		goto bad;
	if (r < 0 || whole > (unsigned long long)LLONG_MAX >> shift)
		goto range;
	v = (whole << shift) + cg_frac_shift(nano, shift);
	if (v > (unsigned long long)LLONG_MAX)
		goto range;
	*out = (long long)v;
	return 0;
bad:
	err_setx(EINVAL, "invalid size \"%s\"", s);
	return err_hint("a number with an optional unit b, k, m, g, t or p, e.g. 512m or 1.5g");
range:
	return err_setx(ERANGE, "size \"%s\" is too large", s);
}

/* Docker's NanoCPUs: at most 9 decimals; the daemon turns them into a
 * 100 ms CFS period and a quota of NanoCPUs * period / 1e9. */
int cg_parse_cpus(const char *s, long long *quota, long long *period)
{
	unsigned long long whole, nano;
	const char *end;
	bool inexact;
	int r = cg_parse_decimal(s, &whole, &nano, &inexact, &end);

	if (r == 0 && *end)
		r = -EINVAL;
	if (r == -EINVAL)
		return err_setx(EINVAL, "invalid CPU count \"%s\" (a decimal number, e.g. 1.5)", s);
	if (r < 0 || whole > 1000000 || inexact)
		return err_setx(ERANGE, "CPU count \"%s\" is too large or too precise", s);
	if ((whole || nano) && whole * 100000 + nano / 10000 < 1000)
		return err_setx(ERANGE, "CPU count \"%s\": the least is 0.01", s);
	*quota = (long long)(whole * 100000 + nano / 10000);
	*period = *quota ? 100000 : 0;
	return 0;
}

/* "N", "N-M", comma-separated, as the kernel's cpulist (and Docker's
 * ParseUintList) reads them. */
int cg_parse_cpuset(const char *s)
{
	const char *p = s;

	if (!*p)
		goto bad;
	for (;;) {
		unsigned long lo, hi;
		char *e;

		if (*p < '0' || *p > '9')
			goto bad;
		lo = hi = strtoul(p, &e, 10);
		if (*e == '-') {
			if (e[1] < '0' || e[1] > '9')
				goto bad;
			hi = strtoul(e + 1, &e, 10);
		}
		if (hi < lo || hi > 65535)
			goto bad;
		if (!*e)
			return 0;
		if (*e != ',')
			goto bad;
		p = e + 1;
	}
bad:
	err_setx(EINVAL, "invalid cpuset \"%s\"", s);
	return err_hint("a list of numbers and ranges, e.g. 0-3,5");
}

/* Docker's device rules for the v1 devices controller: deny everything,
 * then allow the nodes a container's /dev holds, and mknod of any (a node
 * the rules do not allow cannot be opened). v2 has no file for this: it
 * needs a BPF program, which dory does not load yet. */
/* Docker's default device rules: mknod of anything (inert unless allowed),
 * and the nodes a container's /dev holds. */
const char *const cg_dev_default[] = {
	"c *:* m", "b *:* m", "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm",
	"c 1:9 rwm", "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm", "c 10:200 rwm",
	NULL,
};

/* One rule per write(2), all through one descriptor of devices.allow. */
static int cg_allow_devices(const char *dir, const char *const *rules, const char *const *extra)
{
	autofree char *path = xasprintf("%s/devices.allow", dir);
	autoclose int fd = openat(AT_FDCWD, path, O_WRONLY | O_CLOEXEC);
	const char *const *lists[] = { rules, extra };
	int r;

	if (fd < 0)
		return err_set(errno, "open %s", path);
	for (size_t l = 0; l < 2; l++)
		for (const char *const *a = lists[l]; a && *a; a++) {
			r = fsutil_write_full(fd, *a, strlen(*a));
			if (r < 0)
				return err_set(-r, "device rule \"%s\" in %s", *a, path);
		}
	return 0;
}

int cg_set_devices(const struct cg *cg, bool all, const char *const *extra)
{
	static const char *const any[] = { "a", NULL };

	for (size_t i = 0; i < cg->n; i++) {
		autofree char *deny = NULL;
		const char *dir = cg->h[i].dir;

		if (cg->h[i].ver != CG_V1 || !cg_super_has(cg->h[i].ctrl, "devices"))
			continue;
		if (all)
			return cg_allow_devices(dir, any, NULL);
		deny = xasprintf("%s/devices.deny", dir);
		if (fsutil_write_at(AT_FDCWD, deny, "a") < 0 ||
		    cg_allow_devices(dir, cg_dev_default, extra) < 0)
			return err_ctx("device rules of %s", dir);
		return 0;
	}
	return 0;
}

char *cg_to_text(const struct cg *cg)
{
	char *s = xstrdup("");

	for (size_t i = 0; i < cg->n; i++) {
		char *t = xasprintf("%s%d %zu %s %s\n", s, (int)cg->h[i].ver, cg->h[i].mnt_len,
				    *cg->h[i].ctrl ? cg->h[i].ctrl : "-", cg->h[i].dir);

		free(s);
		s = t;
	}
	return s;
}

int cg_from_text(const char *text, struct cg *out)
{
	autofree char *copy = xstrdup(text);
	char *save = NULL;

	memset(out, 0, sizeof(*out));
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char ctrl[256] = "-";
		const char *dir;
		int ver = 0, off = 0;
		size_t len = 0;

		if (sscanf(l, "%d %zu %255s %n", &ver, &len, ctrl, &off) != 3 || !off)
			off = (int)strlen(l);
		dir = l + off;
		if (out->n == CG_MAX || (ver != CG_V1 && ver != CG_V2) ||
		    len > strlen(dir) || dir[0] != '/') {
			cg_free(out);
			return err_setx(EINVAL, "bad cgroup record \"%s\"", l);
		}
		out->h[out->n++] = (struct cg_hier){ .ver = (enum cg_ver)ver, .mnt_len = len,
			.ctrl = xstrdup(strcmp(ctrl, "-") ? ctrl : ""), .dir = xstrdup(dir) };
	}
	return 0;
}
