// SPDX-License-Identifier: Apache-2.0
/* rt_tune.c - --ulimit, --sysctl and --oom-score-adj: Docker's grammar and
 * rules (docker/go-units ulimit.go, the CLI's ValidateSysctl), and their
 * application in the container's init. Where they are kept is core/ctr's. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/kernel/caps.h"
#include "core/runtime/rt_tune.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/xalloc.h"

static const struct {
	char name[12];
	int resource;
} rt_ulimits[] = {
	{ "core", RLIMIT_CORE }, { "cpu", RLIMIT_CPU }, { "data", RLIMIT_DATA },
	{ "fsize", RLIMIT_FSIZE }, { "locks", RLIMIT_LOCKS }, { "memlock", RLIMIT_MEMLOCK },
	{ "msgqueue", RLIMIT_MSGQUEUE }, { "nice", RLIMIT_NICE }, { "nofile", RLIMIT_NOFILE },
	{ "nproc", RLIMIT_NPROC }, { "rss", RLIMIT_RSS }, { "rtprio", RLIMIT_RTPRIO },
	{ "rttime", RLIMIT_RTTIME }, { "sigpending", RLIMIT_SIGPENDING },
	{ "stack", RLIMIT_STACK },
};

const char *rt_ulimit_name(int resource)
{
	for (size_t i = 0; i < ARRAY_SIZE(rt_ulimits); i++)
		if (rt_ulimits[i].resource == resource)
			return rt_ulimits[i].name;
	return NULL;
}

int rt_ulimit_resource(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(rt_ulimits); i++)
		if (!strcmp(rt_ulimits[i].name, name))
			return rt_ulimits[i].resource;
	return -1;
}

/* A limit: a number, or -1 for unlimited. */
static int rt_ulimit_value(const char *s, const char *spec, long long *out)
{
	unsigned long long v;

	if (!strcmp(s, "-1")) {
		*out = -1;
		return 0;
	}
	if (str_to_u64(s, (unsigned long long)LLONG_MAX, &v) < 0)
		return err_setx(EINVAL, "invalid ulimit argument: %s (use NAME=SOFT[:HARD], "
				"numbers or -1)", spec);
	*out = (long long)v;
	return 0;
}

static unsigned long long rt_rlim(long long v)
{
	return v < 0 ? (unsigned long long)RLIM_INFINITY : (unsigned long long)v;
}

int rt_ulimit_parse(const char *spec, struct rt_ulimit *out)
{
	autofree char *copy = xstrdup(spec);
	char *eq = strchr(copy, '='), *colon;
	struct rlimit now;

	if (!eq)
		return err_setx(EINVAL, "invalid ulimit argument: %s (use NAME=SOFT[:HARD])", spec);
	*eq = '\0';
	out->resource = rt_ulimit_resource(copy);
	if (out->resource < 0)
		return err_setx(EINVAL, "invalid ulimit type: %s (use core, cpu, data, fsize, "
				"locks, memlock, msgqueue, nice, nofile, nproc, rss, rtprio, "
				"rttime, sigpending or stack)", copy);
	colon = strchr(eq + 1, ':');
	if (colon)
		*colon = '\0';
	if (rt_ulimit_value(eq + 1, spec, &out->soft) < 0 ||
	    rt_ulimit_value(colon ? colon + 1 : eq + 1, spec, &out->hard) < 0)
		return -err_errno();
	if (rt_rlim(out->soft) > rt_rlim(out->hard))
		return err_setx(EINVAL, "ulimit soft limit must be less than or equal to hard "
				"limit: %lld > %lld", out->soft, out->hard);
	if (getrlimit(out->resource, &now) < 0)
		return err_set(errno, "getrlimit %s", copy);
	if (rt_rlim(out->hard) > now.rlim_max)
		return err_setx(EPERM, "ulimit %s: %lld is above this system's hard limit %lld "
				"(raising it needs CAP_SYS_RESOURCE; give %lld or less)", copy,
				out->hard, (long long)now.rlim_max, (long long)now.rlim_max);
	return 0;
}

/* The sysctls of the IPC namespace Docker lets through, by full name. */
static const char *const rt_ipc_sysctls[] = {
	"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
	"kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
};

/* A key that names a file below /proc/sys and nothing else. */
static bool rt_sysctl_key_ok(const char *k, size_t n)
{
	if (!n || k[0] == '.' || k[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (k[i] == '/' || (unsigned char)k[i] <= ' ' || (k[i] == '.' && k[i + 1] == '.'))
			return false;
	return true;
}

int rt_sysctl_check(const char *kv, bool ownnet)
{
	const char *eq = strchr(kv, '=');
	size_t n = eq ? (size_t)(eq - kv) : 0;

	if (!eq || !rt_sysctl_key_ok(kv, n) || strchr(eq, '\n'))
		return err_setx(EINVAL, "invalid --sysctl \"%s\" (use KEY=VALUE, e.g. "
				"net.ipv4.ip_forward=1)", kv);
	for (size_t i = 0; i < ARRAY_SIZE(rt_ipc_sysctls); i++)
		if (strlen(rt_ipc_sysctls[i]) == n && !strncmp(kv, rt_ipc_sysctls[i], n))
			return 0;
	if (!strncmp(kv, "fs.mqueue.", 10))
		return 0;
	if (!strncmp(kv, "net.", 4) && !ownnet)
		return err_setx(EINVAL, "sysctl '%.*s' not allowed in host network namespace "
				"(drop --network host)", (int)n, kv);
	if (!strncmp(kv, "net.", 4))
		return 0;
	return err_setx(EINVAL, "sysctl '%.*s' is not allowed (only kernel.msg*, kernel.sem, "
			"kernel.shm*, fs.mqueue.* and net.* are namespaced)", (int)n, kv);
}

int rt_oom_check(long long adj)
{
	autofree char *text = NULL;
	uint64_t held = 0;
	long now;

	if (adj < -1000 || adj > 1000)
		return err_setx(EINVAL, "invalid --oom-score-adj %lld: it must be in the range "
				"-1000 to 1000", adj);
	if (fsutil_read_file("/proc/self/oom_score_adj", &text) < 0)
		return err_ctx("--oom-score-adj");
	now = strtol(text, NULL, 10);
	if (adj >= now || (caps_held(&held) == 0 && (held >> CAP_SYS_RESOURCE & 1)))
		return 0;
	return err_setx(EPERM, "--oom-score-adj %lld: lowering the score below dory's own "
			"(%ld) needs CAP_SYS_RESOURCE, which this process lacks (give %ld or "
			"more)", adj, now, now);
}

static int rt_sysctl_write(const char *kv)
{
	const char *eq = strchr(kv, '=');
	autofree char *path = xasprintf("/proc/sys/%.*s", (int)(eq - kv), kv);
	autoclose int fd = -1;

	for (char *p = path + 10; *p; p++)
		if (*p == '.')
			*p = '/';
	fd = openat(AT_FDCWD, path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || fsutil_write_full(fd, eq + 1, strlen(eq + 1)) < 0)
		return err_set(errno, "sysctl %.*s", (int)(eq - kv), kv);
	return 0;
}

int rt_tune_apply(const struct rt_tune *t)
{
	for (size_t i = 0; i < t->sysctls.n; i++)
		if (rt_sysctl_write(t->sysctls.v[i]) < 0)
			return -err_errno();
	for (size_t i = 0; i < t->nulimits; i++) {
		const struct rt_ulimit *u = &t->ulimits[i];
		struct rlimit r = { rt_rlim(u->soft), rt_rlim(u->hard) };

		if (setrlimit(u->resource, &r) < 0)
			return err_set(errno, "ulimit %s", rt_ulimit_name(u->resource));
	}
	if (t->oom_set) {
		char v[16];
		autoclose int fd = openat(AT_FDCWD, "/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);

		snprintf(v, sizeof(v), "%d", t->oom_score_adj);
		if (fd < 0 || fsutil_write_full(fd, v, strlen(v)) < 0)
			return err_set(errno, "set oom_score_adj %s", v);
	}
	return 0;
}

void rt_tune_clear(struct rt_tune *t)
{
	free(t->ulimits);
	strv_free(&t->sysctls);
	strv_free(&t->groups);
	memset(t, 0, sizeof(*t));
}
