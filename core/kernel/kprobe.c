// SPDX-License-Identifier: Apache-2.0
/* kprobe.c - asking the running kernel what it gives: each feature is
 * tried for real in a forked child, whose namespaces, links and filters
 * go with it when it exits; the answers come back through a pipe. */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "core/kernel/kprobe.h"
#include "core/kernel/nl.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/str.h"

const char *const kprobe_ns_name[KP_NNS] = {
	[KP_MNT] = "mnt", [KP_UTS] = "uts", [KP_IPC] = "ipc", [KP_PID] = "pid",
	[KP_NET] = "net", [KP_USER] = "user", [KP_CGROUP] = "cgroup",
};

/* The user namespace last: the others are tried as the host's root. */
static const int kprobe_ns_flag[KP_NNS] = {
	[KP_MNT] = CLONE_NEWNS, [KP_UTS] = CLONE_NEWUTS, [KP_IPC] = CLONE_NEWIPC,
	[KP_PID] = CLONE_NEWPID, [KP_NET] = CLONE_NEWNET, [KP_USER] = CLONE_NEWUSER,
	[KP_CGROUP] = CLONE_NEWCGROUP,
};

/* Run fn in a child, which fills res (n ints) and sends it back. */
static int kprobe_child(void (*fn)(int *res), int *res, size_t n)
{
	size_t len = n * sizeof(*res);
	int fds[2], st = 0;
	ssize_t got;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return err_set(errno, "pipe");
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		fn(res);
		_exit(fsutil_write_full(fds[1], res, len) < 0);
	}
	close(fds[1]);
	got = pid < 0 ? -1 : fsutil_read_full(fds[0], res, len);
	close(fds[0]);
	if (pid < 0)
		return err_set(errno, "fork");
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return err_set(errno, "wait for a probe of the kernel");
	if (got != (ssize_t)len)
		return err_setx(EIO, "a probe of the kernel died (status %d)", st);
	return 0;
}

static void kprobe_ns_child(int *err)
{
	for (int i = 0; i < KP_NNS; i++)
		err[i] = unshare(kprobe_ns_flag[i]) < 0 ? errno : 0;
}

int kprobe_ns(int err[KP_NNS])
{
	return kprobe_child(kprobe_ns_child, err, KP_NNS);
}

/* The filter that allows everything: whether filter mode exists at all. */
static void kprobe_seccomp_child(int *err)
{
	struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = { .len = 1, .filter = &allow };

	*err = 0;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
		*err = errno;
}

int kprobe_seccomp(void)
{
	int err;

	if (kprobe_child(kprobe_seccomp_child, &err, 1) < 0)
		return -err_errno();
	return -err;
}

/* Names only this probe uses; the namespace is the child's own. */
static void kprobe_net_child(int *res)
{
	struct kprobe_net r = { 0 };

	if (unshare(CLONE_NEWNET) < 0) {
		r.netns = r.veth = r.bridge = r.nft = errno;
	} else {
		r.veth = nl_link_add("dory-probe0", "veth", "dory-probe1") < 0 ? err_errno() : 0;
		r.bridge = nl_link_add("dory-probebr", "bridge", NULL) < 0 ? err_errno() : 0;
		r.nft = nl_nft_getgen() < 0 ? err_errno() : 0;
	}
	memcpy(res, &r, sizeof(r));
}

int kprobe_net(struct kprobe_net *out)
{
	int res[sizeof(*out) / sizeof(int)];

	if (kprobe_child(kprobe_net_child, res, ARRAY_SIZE(res)) < 0)
		return -err_errno();
	memcpy(out, res, sizeof(*out));
	return 0;
}

int kprobe_sysctl(const char *path, long long *out)
{
	autofree char *text = NULL;
	unsigned long long v;
	int r = fsutil_read_file(path, &text);

	if (r == -ENOENT) {
		err_clear();
		return r;
	}
	if (r < 0)
		return r;
	text[strcspn(text, "\n")] = '\0';
	if (str_to_u64(text, (unsigned long long)1 << 62, &v) < 0)
		return err_setx(EINVAL, "%s: not a number (\"%s\")", path, text);
	*out = (long long)v;
	return 0;
}

int kprobe_release(const char *release, unsigned *major, unsigned *minor)
{
	const char *p = release;
	unsigned long v[2] = { 0, 0 };

	for (int i = 0; i < 2; i++) {
		char *e;

		if (*p < '0' || *p > '9')
			return err_setx(EINVAL, "kernel release \"%s\": not N.N", release);
		v[i] = strtoul(p, &e, 10);
		if (v[i] > 65535 || (i == 0 && *e != '.'))
			return err_setx(EINVAL, "kernel release \"%s\": not N.N", release);
		p = e + 1;
	}
	*major = (unsigned)v[0];
	*minor = (unsigned)v[1];
	return 0;
}
