// SPDX-License-Identifier: Apache-2.0
/* kprobe.h - what the running kernel gives, asked of the kernel itself
 * (no /proc/config.gz needed): namespaces, seccomp filters, veth, bridge
 * and nf_tables, each tried in a short-lived child that leaves nothing
 * behind. Cgroups are cgprobe.h's; what the lines say, rt_check.c's. */
#ifndef DORY_KPROBE_H
#define DORY_KPROBE_H

#include "core/util/base.h"

enum kprobe_ns { KP_MNT, KP_UTS, KP_IPC, KP_PID, KP_NET, KP_USER, KP_CGROUP, KP_NNS };
/* "mnt", "uts"... as /proc/self/ns names them. */
extern const char *const kprobe_ns_name[KP_NNS];

/* What a throwaway network namespace allowed: 0, or the errno. */
struct kprobe_net {
	int netns, veth, bridge, nft;
};

/* The errno of unshare(2) of each namespace, tried in a child (0: it
 * worked). -errno only when the child could not be run. */
int kprobe_ns(int err[KP_NNS]);
/* In a child: can a seccomp filter be installed? 0, or the -errno
 * (-EINVAL: the kernel lacks CONFIG_SECCOMP_FILTER). */
int kprobe_seccomp(void);
/* In a child's own network namespace (never the caller's): make a veth
 * pair and a bridge, and ask nf_tables for its generation. */
int kprobe_net(struct kprobe_net *out);
/* The integer in a sysctl file such as /proc/sys/user/max_user_namespaces;
 * -ENOENT (nothing recorded) when the kernel has no such file. */
int kprobe_sysctl(const char *path, long long *out);
/* The major and minor of a kernel release ("6.18.44-fc" gives 6, 18). */
int kprobe_release(const char *release, unsigned *major, unsigned *minor);

#endif
