// SPDX-License-Identifier: Apache-2.0
/* kprobe_test.c - the kernel probes: release numbers, sysctl files, and
 * the namespace, seccomp and network answers against what the kernel does
 * when asked directly. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include "core/kernel/kprobe.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/xalloc.h"
#include "nsutil.h"
#include "tap.h"

TEST(kprobe_release_numbers)
{
	unsigned maj = 0, min = 0;

	CHECK_EQ_INT(kprobe_release("6.18.44-fc-v1300", &maj, &min), 0);
	CHECK_EQ_INT(maj, 6);
	CHECK_EQ_INT(min, 18);
	CHECK_EQ_INT(kprobe_release("5.2", &maj, &min), 0);
	CHECK_EQ_INT(maj * 100 + min, 502);
	CHECK_EQ_INT(kprobe_release("4.14-rc1", &maj, &min), 0);
	CHECK_EQ_INT(min, 14);
	CHECK_EQ_INT(kprobe_release("6", &maj, &min), -EINVAL);
	CHECK_EQ_INT(kprobe_release("v6.1", &maj, &min), -EINVAL);
	CHECK_EQ_INT(kprobe_release("6.x", &maj, &min), -EINVAL);
	CHECK_EQ_INT(kprobe_release("", &maj, &min), -EINVAL);
	CHECK_EQ_INT(kprobe_release("99999.1", &maj, &min), -EINVAL);
	err_clear();
}

static char *sysctl_file(const char *text)
{
	char tmpl[] = "/tmp/dory-kprobe-XXXXXX";
	int fd = mkstemp(tmpl);

	if (fd < 0 || fsutil_write_full(fd, text, strlen(text)) < 0)
		TAP_FAIL("write %s", tmpl);
	close(fd);
	return xstrdup(tmpl);
}

TEST(kprobe_sysctl_reads_one_number)
{
	char *p = sysctl_file("15078\n");
	long long v = -1;

	CHECK_EQ_INT(kprobe_sysctl(p, &v), 0);
	CHECK_EQ_INT(v, 15078);
	unlink(p);
	free(p);
	p = sysctl_file("lots\n");
	CHECK_EQ_INT(kprobe_sysctl(p, &v), -EINVAL);
	CHECK(strstr(err_str(), "not a number"));
	unlink(p);
	free(p);
	/* A kernel without the knob: -ENOENT and nothing recorded. */
	err_clear();
	CHECK_EQ_INT(kprobe_sysctl("/proc/sys/dory/none", &v), -ENOENT);
	CHECK_EQ_STR(err_str(), "");
}

static int nothing(void)
{
	return 0;
}

/* Each answer is the kernel's: unshare(2) of that namespace alone. */
TEST(kprobe_ns_agrees_with_unshare)
{
	static const int flag[KP_NNS] = {
		[KP_MNT] = CLONE_NEWNS, [KP_UTS] = CLONE_NEWUTS, [KP_IPC] = CLONE_NEWIPC,
		[KP_PID] = CLONE_NEWPID, [KP_NET] = CLONE_NEWNET, [KP_USER] = CLONE_NEWUSER,
		[KP_CGROUP] = CLONE_NEWCGROUP,
	};
	int err[KP_NNS];

	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	CHECK_EQ_INT(kprobe_ns(err), 0);
	for (int i = 0; i < KP_NNS; i++) {
		int want = in_ns(flag[i], nothing) == 99 ? 1 : 0;

		if ((err[i] != 0) != want)
			TAP_FAIL("%s: probe says errno %d, unshare %s", kprobe_ns_name[i], err[i],
				 want ? "failed" : "worked");
	}
}

TEST(kprobe_seccomp_and_net_leave_the_caller_alone)
{
	char before[64] = "", after[64] = "";
	struct kprobe_net n;
	ssize_t len;

	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	len = readlink("/proc/self/ns/net", before, sizeof(before) - 1);
	CHECK(len > 0);
	/* The kernel of the test machines has seccomp filters. */
	CHECK_EQ_INT(kprobe_seccomp(), 0);
	CHECK_EQ_INT(kprobe_net(&n), 0);
	CHECK_EQ_INT(n.netns, 0);
	CHECK(readlink("/proc/self/ns/net", after, sizeof(after) - 1) == len);
	CHECK_EQ_STR(after, before);
	/* The links were made in the child's namespace, not here. */
	CHECK(access("/sys/class/net/dory-probe0", F_OK) < 0);
	CHECK(access("/sys/class/net/dory-probebr", F_OK) < 0);
	/* The caller is not under a filter either. */
	CHECK_EQ_INT(prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 0);
}
