// SPDX-License-Identifier: Apache-2.0
/* cgprobe.c - could dory limit a container with each controller, below
 * the parent cg_create would use (cg_where)? The same choice as cgroup.c's
 * cg_find (a v1 hierarchy that has it, else cgroup v2), then: can it make
 * groups there, and on v2, may the controller be enabled down to it. Only
 * reads; v2 device rules are tried by loading (and dropping) the BPF
 * program. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "core/kernel/cgprobe.h"
#include "core/kernel/cgroup.h"
#include "core/kernel/cgroup2.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/xalloc.h"

const char *const cgp_name[CGP_N] = {
	[CGP_MEMORY] = "memory", [CGP_CPU] = "cpu", [CGP_PIDS] = "pids",
	[CGP_CPUSET] = "cpuset", [CGP_DEVICES] = "devices", [CGP_FREEZER] = "freezer",
};

/* A file some of a controller's flags need, and one every group with the
 * controller has: with the second and not the first, those flags fail. */
static const struct {
	const char *v1, *v1main, *v2, *v2main, *lack;
} cgp_extra[CGP_N] = {
	[CGP_MEMORY] = { "memory.memsw.limit_in_bytes", "memory.limit_in_bytes",
			 "memory.swap.max", "memory.max", "no swap accounting: no --memory-swap" },
	[CGP_CPU] = { "cpu.cfs_quota_us", "cpu.shares", "cpu.max", "cpu.weight",
		      "no CFS bandwidth: no --cpus" },
};

static void PRINTF(3, 4) cgp_set(struct cgp_state *s, int err, const char *fmt, ...)
{
	va_list ap;

	s->err = err;
	va_start(ap, fmt);
	vsnprintf(s->why, sizeof(s->why), fmt, ap);
	va_end(ap);
}

static bool cgp_has_file(const char *dir, const char *file)
{
	autofree char *p = xasprintf("%s/%s", dir, file);

	return access(p, F_OK) == 0;
}

/* The v1 hierarchy that has ctrl, as cg_find picks it. */
static const struct cg_hier *cgp_v1(const struct cg *cg, const char *ctrl)
{
	for (size_t i = 0; i < cg->n; i++) {
		struct cg one = { .n = 1, .h = { cg->h[i] } };

		if (cg_has_v1_ctrl(&one, ctrl))
			return &cg->h[i];
	}
	return NULL;
}

static const struct cg_hier *cgp_v2(const struct cg *cg)
{
	for (size_t i = 0; i < cg->n; i++)
		if (cg->h[i].ver == CG_V2)
			return &cg->h[i];
	return NULL;
}

/* h->dir, or the nearest group above it that exists (the parent may not
 * be made yet); allocated. */
static char *cgp_existing(const struct cg_hier *h)
{
	char *d = xstrdup(h->dir);

	while (access(d, F_OK) < 0 && strlen(d) > h->mnt_len)
		*strrchr(d, '/') = '\0';
	return d;
}

/* dory makes the parent (mkdir -p) and its groups there. */
static bool cgp_writable(const struct cg_hier *h, struct cgp_state *s)
{
	autofree char *d = cgp_existing(h);

	if (access(d, W_OK) == 0)
		return true;
	cgp_set(s, errno, "cannot make groups in %s: %s", d, strerror(errno));
	return false;
}

/* Is the running kernel at least major.minor? */
static bool cgp_kernel_at_least(int major, int minor)
{
	struct utsname u;
	int ma = 0, mi = 0;

	return uname(&u) == 0 && sscanf(u.release, "%d.%d", &ma, &mi) == 2 &&
	       (ma > major || (ma == major && mi >= minor));
}

/* v2's cgroup.freeze is in every group but the root (Linux 5.2): look in
 * the parent (or the nearest group above it), else in the first group
 * below the root; with none yet (a fresh boot), the kernel's version
 * tells, since the v2 freezer is part of cgroup itself, not an option. */
static bool cgp_v2_freeze(const struct cg_hier *h)
{
	autofree char *d = cgp_existing(h);
	autoclosedir DIR *dir = NULL;
	struct dirent *e;

	if (strlen(d) > h->mnt_len)
		return cgp_has_file(d, "cgroup.freeze");
	dir = opendir(d);
	while (dir && (e = readdir(dir)))
		if (e->d_type == DT_DIR && e->d_name[0] != '.') {
			autofree char *sub = xasprintf("%s/%s", d, e->d_name);

			return cgp_has_file(sub, "cgroup.freeze");
		}
	return cgp_kernel_at_least(5, 2);
}

static void cgp_on_v2(const struct cg_hier *h, bool delegated, enum cgp_ctrl c,
		      struct cgp_state *s)
{
	struct cg_hier below = *h;

	s->ver = CG_V2;
	if (c == CGP_DEVICES) {
		if (cg_dev_bpf_probe() < 0)
			cgp_set(s, err_errno(), "%s", err_str());
		return;
	}
	if (c == CGP_FREEZER) {
		if (!cgp_v2_freeze(h))
			cgp_set(s, ENOENT, "no cgroup.freeze (Linux 5.2)");
		return;
	}
	if (!cg2_has(h, cgp_name[c])) {
		cgp_set(s, ENOENT, "not in cgroup.controllers of %.*s", (int)h->mnt_len, h->dir);
		return;
	}
	if (!cgp_writable(h, s))
		return;
	/* Enabling goes down to the parent of a container's group: the
	 * parent itself has processes only when delegated, and cg_create
	 * moves them out of it first. */
	below.dir = xasprintf("%s%s", h->dir, delegated ? "" : "/probe");
	if (cg2_enable_check(&below, cgp_name[c]) < 0)
		cgp_set(s, err_errno(), "%s", err_str());
	free(below.dir);
}

static void cgp_one(const struct cg *cg, bool delegated, enum cgp_ctrl c, struct cgp_state *s)
{
	const struct cg_hier *h = cgp_v1(cg, cgp_name[c]);
	autofree char *d = NULL;
	bool v1;

	if (h) {
		s->ver = CG_V1;
		cgp_writable(h, s);
	} else if ((h = cgp_v2(cg))) {
		cgp_on_v2(h, delegated, c, s);
	} else {
		cgp_set(s, ENOENT, "no cgroup hierarchy has it");
	}
	if (s->err || !cgp_extra[c].lack)
		return;
	v1 = s->ver == CG_V1;
	d = cgp_existing(h);
	if (cgp_has_file(d, v1 ? cgp_extra[c].v1main : cgp_extra[c].v2main) &&
	    !cgp_has_file(d, v1 ? cgp_extra[c].v1 : cgp_extra[c].v2)) {
		s->partial = true;
		snprintf(s->why, sizeof(s->why), "%s", cgp_extra[c].lack);
	}
}

static enum cg_layout cgp_layout(const struct cg *cg)
{
	bool v1 = false, v2 = false;

	for (size_t i = 0; i < cg->n; i++) {
		if (cg->h[i].ver == CG_V2)
			v2 = true;
		else if (strncmp(cg->h[i].ctrl, "name=", 5))	/* not systemd's own */
			v1 = true;
	}
	return v1 && v2 ? CG_LAYOUT_HYBRID : v1 ? CG_LAYOUT_V1 : v2 ? CG_LAYOUT_V2
				     : CG_LAYOUT_NONE;
}

/* self: the hierarchies the caller is in; parent as cg_create takes it. */
static int cgp_run(const struct cg *self, const char *parent, struct cg_probe *out)
{
	const struct cg_hier *v2;
	bool delegated;
	struct cg cg;

	if (!self->n) {
		for (int c = 0; c < CGP_N; c++)
			cgp_set(&out->c[c], ENOENT, "no cgroup hierarchy is mounted");
		return 0;
	}
	out->layout = cgp_layout(self);
	if (cg_where(self, parent, &cg, &delegated) < 0)
		return -err_errno();
	if ((v2 = cgp_v2(&cg))) {
		autofree char *top = xstrndup(v2->dir, v2->mnt_len);
		autofree char *path = xasprintf("%s/cgroup.controllers", top);
		autofree char *text = NULL;

		if (fsutil_read_file(path, &text) == 0)
			snprintf(out->v2ctrls, sizeof(out->v2ctrls), "%.*s",
				 (int)strcspn(text, "\n"), text);
	}
	for (int c = 0; c < CGP_N; c++)
		cgp_one(&cg, delegated, (enum cgp_ctrl)c, &out->c[c]);
	err_clear();
	cg_free(&cg);
	return 0;
}

int cg_probe_at(const char *mountinfo, const char *selfcg, const char *parent,
		struct cg_probe *out)
{
	struct cg self;
	int r;

	memset(out, 0, sizeof(*out));
	if (cg_parse(mountinfo, selfcg, &self) < 0)
		err_clear();
	r = cgp_run(&self, parent, out);
	cg_free(&self);
	return r;
}

int cg_probe(const char *parent, struct cg_probe *out)
{
	autofree char *mi = NULL, *self = NULL;

	memset(out, 0, sizeof(*out));
	if (fsutil_read_file("/proc/self/mountinfo", &mi) < 0 ||
	    fsutil_read_file("/proc/self/cgroup", &self) < 0)
		return -err_errno();
	return cg_probe_at(mi, self, parent, out);
}
