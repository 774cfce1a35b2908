// SPDX-License-Identifier: Apache-2.0
/* cgroup2.c - the cgroup v2 control files: enabling controllers down the
 * tree, memory and cpu limits, OOM events, cgroup.freeze. Choosing a
 * hierarchy is cgroup.c's job. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "core/kernel/cgbase.h"
#include "core/kernel/cgroup2.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/xalloc.h"

/* Is w one of the words of list (separated by spaces or newlines)? */
static bool cg2_word_in(const char *list, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = list; (p = strstr(p, w)); p += n)
		if ((p == list || p[-1] == ' ' || p[-1] == '\n' || p[-1] == '+') &&
		    (p[n] == ' ' || p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

bool cg2_has(const struct cg_hier *h, const char *ctrl)
{
	autofree char *top = xstrndup(h->dir, h->mnt_len);
	autofree char *text = cg_read_text(top, "cgroup.controllers");

	return cg2_word_in(text, ctrl);
}

/* Append word w to the list in out (n bytes), space-separated. */
static void cg2_add(char *out, size_t n, const char *prefix, const char *w)
{
	if (out[0])
		strncat(out, " ", n - strlen(out) - 1);
	strncat(out, prefix, n - strlen(out) - 1);
	strncat(out, w, n - strlen(out) - 1);
}

/* Which of ctrls level's subtree_control lacks, as "+a +b" in out. */
static void cg2_missing(const char *level, const char *ctrls, char *out, size_t n)
{
	autofree char *have = cg_read_text(level, "cgroup.subtree_control");
	autofree char *want = xstrdup(ctrls);
	char *save = NULL;

	out[0] = '\0';
	for (char *c = strtok_r(want, " ", &save); c; c = strtok_r(NULL, " ", &save))
		if (!cg2_word_in(have, c))
			cg2_add(out, n, "+", c);
}

/* The no-internal-process rule (cgroup-v2.rst): below the root, a group
 * with tasks of its own cannot hand domain controllers to its children,
 * and one that hands down threaded ones (cpu, pids, cpuset) turns its
 * children into threads that no process can join. So dory enables none
 * where there are tasks, and says why. */
static int cg2_busy(const char *level, const char *ctrls)
{
	autofree char *names = xstrdup(ctrls);
	size_t k = 0;

	for (size_t i = 0; names[i]; i++)	/* "+a +b" to "a b" */
		if (names[i] != '+')
			names[k++] = names[i];
	names[k] = '\0';
	err_setx(EBUSY, "cannot enable the %s controller%s of cgroup v2 in %s: it has processes "
		 "of its own", names, strchr(names, ' ') ? "s" : "", level);
	return err_hint("set cgroup-parent (or --cgroup-parent) to a cgroup without processes");
}

static int cg2_enable_level(const char *level, const char *missing)
{
	autofree char *path = xasprintf("%s/cgroup.subtree_control", level);
	autoclose int fd = openat(AT_FDCWD, path, O_WRONLY | O_CLOEXEC);
	int r = fd < 0 ? -errno : fsutil_write_full(fd, missing, strlen(missing));

	if (r == -EBUSY)
		return cg2_busy(level, missing);
	if (r < 0)
		return err_set(-r, "enable %s in %s", missing, path);
	return 0;
}

/* One pass over the groups above h->dir, from the mount point down:
 * check that each can take the controllers it lacks (the root always
 * can), or, once all can, write them. */
static int cg2_walk(const struct cg_hier *h, const char *ctrls, bool write)
{
	autofree char *level = xstrdup(h->dir);
	size_t len = strlen(level);

	for (size_t i = h->mnt_len; i < len; i++) {
		char missing[80];

		if (level[i] != '/')
			continue;
		level[i] = '\0';
		cg2_missing(level, ctrls, missing, sizeof(missing));
		if (write && missing[0] && cg2_enable_level(level, missing) < 0)
			return -err_errno();
		if (!write && missing[0] && i > h->mnt_len) {
			autofree char *procs = cg_read_text(level, "cgroup.procs");

			if (procs[0])
				return cg2_busy(level, missing);
		}
		level[i] = '/';
	}
	return 0;
}

int cg2_enable_check(const struct cg_hier *h, const char *ctrls)
{
	return cg2_walk(h, ctrls, false);
}

int cg2_enable(const struct cg_hier *h, const char *ctrls)
{
	if (cg2_walk(h, ctrls, false) < 0)
		return -err_errno();
	return cg2_walk(h, ctrls, true);
}

int cg2_evacuate(const char *dir, const char *leaf)
{
	autofree char *dst = xasprintf("%s/%s", dir, leaf);
	autoclose int fd = -1;

	/* A task may fork while we move the others: a few passes. */
	for (int pass = 0; pass < 4; pass++) {
		autofree char *procs = cg_read_text(dir, "cgroup.procs");
		char *save = NULL;

		if (!procs[0])
			return 0;
		if (fd < 0 && (mkdir(dst, 0755) < 0 && errno != EEXIST))
			return err_set(errno, "create cgroup %s", dst);
		if (fd < 0 && (fd = openat(AT_FDCWD, dst, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
			return err_set(errno, "open %s", dst);
		for (char *p = strtok_r(procs, "\n", &save); p; p = strtok_r(NULL, "\n", &save))
			if (fsutil_write_at(fd, "cgroup.procs", p) < 0) {
				if (err_errno() != ESRCH)
					return err_ctx("move the processes of %s into %s", dir, leaf);
				err_clear();	/* gone meanwhile */
			}
	}
	return err_setx(EBUSY, "%s keeps gaining processes; cannot move them into %s", dir, leaf);
}

static const char cg2_noswap[] =
	"swap accounting is off: boot with swapaccount=1, or drop --memory-swap";

/* memory.swap.max is swap alone, where Docker's --memory-swap counts
 * memory plus swap. */
void cg2_plan_memory(struct cg_plan *p, const char *dir, const struct cg_limits *l)
{
	if (l->memory > 0)
		cg_plan_num(p, dir, "memory.max", l->memory, "-m/--memory",
			    "is the memory controller enabled for it?");
	if (l->memory_swap > 0)
		cg_plan_num(p, dir, "memory.swap.max", l->memory_swap - l->memory,
			    "--memory-swap", cg2_noswap);
	else if (l->memory_swap == 0 && l->memory > 0)	/* Docker: as much swap again */
		cg_plan_num(p, dir, "memory.swap.max", l->memory, "-m/--memory", NULL);
	else if (l->memory_swap == -1)
		cg_plan_str(p, dir, "memory.swap.max", "max", "--memory-swap", NULL);
}

/* cpu.weight from Docker's shares: the linear map of [2, 262144] onto
 * [1, 10000] that runc and crun use, so the same flag means the same. */
void cg2_plan_cpu(struct cg_plan *p, const char *dir, const struct cg_limits *l)
{
	if (l->cpu_quota_us > 0) {
		struct cg_write *w = &p->w[p->n];

		cg_plan_str(p, dir, "cpu.max", w->num, "--cpus",
			    "the kernel needs CONFIG_CFS_BANDWIDTH, or drop --cpus");
		snprintf(w->num, sizeof(w->num), "%lld %lld", l->cpu_quota_us,
			 l->cpu_period_us > 0 ? l->cpu_period_us : 100000);
	}
	if (l->cpu_shares > 0)
		cg_plan_num(p, dir, "cpu.weight", 1 + ((l->cpu_shares - 2) * 9999) / 262142,
			    "--cpu-shares", "is the cpu controller enabled for it?");
}

/* memory.events counts the whole subtree; missing means no memory
 * controller here, so nothing to count. */
int cg2_memory_events(const char *dir, struct cg_events *out)
{
	int r = cg_read_key(dir, "memory.events", "oom_kill", &out->oom_kills);

	if (r == 0)
		r = cg_read_key(dir, "memory.events", "max", &out->memory_max);
	return r == -ENOENT ? 0 : r;
}

int cg2_is_frozen(const char *dir, bool *out)
{
	long long n = 0;
	int r = cg_read_key(dir, "cgroup.events", "frozen", &n);

	if (r == -ENOENT)
		return err_setx(ENOENT, "%s/cgroup.events has no \"frozen\" key", dir);
	*out = r == 0 && n == 1;
	return r;
}

/* cgroup.freeze is asynchronous; cgroup.events says when it is done. */
int cg2_freeze(const char *dir, bool frozen)
{
	autoclose int dfd = openat(AT_FDCWD, dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	unsigned waited = 0;
	bool now = !frozen;

	if (dfd < 0)
		return err_set(errno, "open %s", dir);
	if (fsutil_write_at(dfd, "cgroup.freeze", frozen ? "1" : "0") < 0)
		return err_ctx("%s", dir);
	do {
		if (cg2_is_frozen(dir, &now) < 0)
			return -err_errno();
	} while (now != frozen && cg_backoff(&waited, 5000));
	if (now == frozen)
		return 0;
	if (frozen)
		fsutil_write_at(dfd, "cgroup.freeze", "0");
	return err_setx(EBUSY, "%s %s: cgroup.events does not say frozen %d after 5 s",
			frozen ? "freeze" : "thaw", dir, frozen);
}
