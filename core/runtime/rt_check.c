// SPDX-License-Identifier: Apache-2.0
/* rt_check.c - what the kernel gives the runtime, as `dory check` words
 * it: the probes are core/kernel's (kprobe.c, cgprobe.c); which namespaces
 * and controllers a container needs is the runtime's own knowledge
 * (runtime.c's clone flags, cgroup.c's limits, rt_devices). */
#include <errno.h>
#include <string.h>
#include <sys/utsname.h>

#include "config.h"
#include "core/kernel/cgprobe.h"
#include "core/kernel/kprobe.h"
#include "core/runtime/rt_check.h"
#include "core/util/err.h"

/* The namespaces every container gets (runtime.c's clone flags); a
 * cgroup namespace is made where the kernel has one, a user namespace
 * only for userns-remap. */
static const bool rt_ns_required[KP_NNS] = {
	[KP_MNT] = true, [KP_UTS] = true, [KP_IPC] = true, [KP_PID] = true, [KP_NET] = true,
};

/* What each controller's absence costs (cgroup.c's run flags). */
static const char *const rt_cg_loss[CGP_N] = {
	[CGP_MEMORY] = "no -m/--memory limits",
	[CGP_CPU] = "no --cpus or --cpu-shares",
	[CGP_PIDS] = "no --pids-limit",
	[CGP_CPUSET] = "no --cpuset-cpus or --cpuset-mems",
	[CGP_DEVICES] = "device rules cannot be enforced: run only --privileged containers",
	[CGP_FREEZER] = "no pause or unpause",
};

static void rt_check_kernel(struct chk_list *l)
{
	struct utsname u;

	if (uname(&u) < 0)
		chk_note(chk_add(l, "kernel", CHK_LIMITED, "unknown"), "uname: %s", strerror(errno));
	else
		chk_add(l, "kernel", CHK_OK, "%s %s %s", u.sysname, u.release, u.machine);
}

/* One line for the namespaces a container always gets, and the cgroup one. */
static void rt_check_ns(struct chk_list *l, const int err[KP_NNS])
{
	char have[64] = "", lack[64] = "";
	struct chk_item *it;
	bool req = false, opt = false;

	for (int i = 0; i < KP_NNS; i++) {
		char *to = err[i] ? lack : have;

		if (i == KP_USER)
			continue;
		snprintf(to + strlen(to), 64 - strlen(to), "%s%s", *to ? " " : "", kprobe_ns_name[i]);
		req = req || (err[i] && rt_ns_required[i]);
		opt = opt || (err[i] && !rt_ns_required[i]);
	}
	it = chk_add(l, "namespaces", req ? CHK_MISSING : opt ? CHK_LIMITED : CHK_OK, "%s%s%s",
		     have, *lack ? ", not " : "", lack);
	it->required = true;
	if (req)
		chk_note(it, "dory run needs mnt, pid, uts, ipc and net namespaces "
			 "(CONFIG_NAMESPACES and its *_NS options)");
	else if (opt)
		chk_note(it, "no cgroup namespace: containers see the host's cgroup paths");
}

static void rt_check_userns(struct chk_list *l, int err)
{
	long long max = -1, unpriv = -1;
	struct chk_item *it;

	kprobe_sysctl("/proc/sys/user/max_user_namespaces", &max);
	kprobe_sysctl("/proc/sys/kernel/unprivileged_userns_clone", &unpriv);
	err_clear();
	if (!err) {
		it = chk_add(l, "user ns", CHK_OK, "yes");
		if (max >= 0)
			snprintf(it->found, sizeof(it->found), "max %lld, unprivileged %s", max,
				 unpriv == 0 ? "off" : "on");
		return;
	}
	it = chk_add(l, "user ns", CHK_MISSING, "%s", max == 0 ? "max_user_namespaces is 0"
						      : strerror(err));
	chk_note(it, "no userns-remap: a container's root is the host's root");
}

static void rt_check_seccomp(struct chk_list *l)
{
	struct chk_item *it;
	int r;

	if (!CFG_CORE_SECCOMP) {
		chk_note(chk_add(l, "seccomp", CHK_LIMITED, "not built in (CONFIG_CORE_SECCOMP)"),
			 "containers run without a syscall filter");
		return;
	}
	r = kprobe_seccomp();
	if (r == 0) {
		chk_add(l, "seccomp", CHK_OK, "filter mode");
		return;
	}
	it = chk_add(l, "seccomp", CHK_MISSING, "%s", r == -EINVAL ? "no filter mode" : strerror(-r));
	it->required = true;
	chk_note(it, "the kernel needs CONFIG_SECCOMP_FILTER; until then run with "
		 "--security-opt seccomp=unconfined");
}

void rt_cg_info(const char *cg_parent, struct rt_cg_info *out)
{
	struct cg_probe p;
	const struct cgp_state *m = &p.c[CGP_MEMORY], *c = &p.c[CGP_CPU];

	if (cg_probe(cg_parent, &p) < 0) {
		err_clear();
		p.layout = CG_LAYOUT_NONE;
	}
	out->none = p.layout == CG_LAYOUT_NONE;
	out->version = out->none ? "" : p.layout == CG_LAYOUT_V2 ? "2" : "1";
	out->no_memory = out->none || m->err;
	out->no_swap = !out->no_memory && m->partial;
	out->no_cpu = out->none || c->err;
	out->no_cfs = !out->no_cpu && c->partial;
	out->no_pids = out->none || p.c[CGP_PIDS].err;
}

static void rt_check_cgroups(const char *cg_parent, struct chk_list *l)
{
	static const char *const layout[] = { "none mounted", "v1", "v2", "hybrid (v1 and v2)" };
	struct cg_probe p;
	struct chk_item *it;

	if (cg_probe(cg_parent, &p) < 0) {
		chk_note(chk_add(l, "cgroups", CHK_MISSING, "unknown"), "%s", err_str());
		return;
	}
	it = chk_add(l, "cgroups", p.layout ? CHK_OK : CHK_MISSING, "%s", layout[p.layout]);
	it->required = true;
	if (p.layout == CG_LAYOUT_HYBRID)
		snprintf(it->found + strlen(it->found), sizeof(it->found) - strlen(it->found),
			 "; v2 has: %s", *p.v2ctrls ? p.v2ctrls : "none");
	if (!p.layout)
		chk_note(it, "no limits and no device rules: mount cgroup2 (or the v1 "
			 "controllers) on /sys/fs/cgroup");
	for (int c = 0; c < CGP_N; c++) {
		const struct cgp_state *s = &p.c[c];
		enum chk_state st = s->err ? CHK_MISSING : s->partial ? CHK_LIMITED : CHK_OK;

		it = chk_add(l, cgp_name[c], st, "%s", s->ver == CG_V1 ? "v1" : s->ver ? "v2" : "-");
		it->required = c == CGP_DEVICES;
		if (s->err && !p.layout)
			chk_note(it, "%s", rt_cg_loss[c]);
		else if (s->err)
			chk_note(it, "%s: %s", rt_cg_loss[c], s->why);
		else if (s->partial)
			chk_note(it, "%s", s->why);
	}
}

void rt_check(const char *cg_parent, struct chk_list *l)
{
	int err[KP_NNS];

	rt_check_kernel(l);
	if (kprobe_ns(err) < 0) {
		chk_note(chk_add(l, "namespaces", CHK_MISSING, "unknown"), "%s", err_str());
		l->v[l->n - 1].required = true;
	} else {
		rt_check_ns(l, err);
		rt_check_userns(l, err[KP_USER]);
	}
	rt_check_seccomp(l);
	rt_check_cgroups(cg_parent, l);
}

void rt_check_net(struct chk_list *l)
{
	static const char bridge[] = "--network bridge will not work (host and none will)";
	struct kprobe_net n;
	struct chk_item *it;
	bool v6;

	if (kprobe_net(&n) < 0) {
		chk_note(chk_add(l, "network", CHK_MISSING, "unknown"), "%s", err_str());
		return;
	}
	it = chk_add(l, "veth", n.veth ? CHK_MISSING : CHK_OK, "%s",
		     n.veth ? strerror(n.veth) : "yes");
	if (n.veth)
		chk_note(it, "%s (CONFIG_VETH)", bridge);
	it = chk_add(l, "bridge", n.bridge ? CHK_MISSING : CHK_OK, "%s",
		     n.bridge ? strerror(n.bridge) : "yes");
	if (n.bridge)
		chk_note(it, "%s (CONFIG_BRIDGE)", bridge);
	it = chk_add(l, "nf_tables", n.nft ? CHK_MISSING : CHK_OK, "%s",
		     n.nft ? strerror(n.nft) : "yes");
	if (n.nft)
		chk_note(it, "NAT and -p need nft or iptables, or the port proxy (CONFIG_NF_TABLES)");
	v6 = access("/proc/sys/net/ipv6", F_OK) == 0;
	it = chk_add(l, "ipv6", v6 ? CHK_OK : CHK_MISSING, "%s", v6 ? "yes" : "no");
	if (!v6)
		chk_note(it, "network create --ipv6 will not work (CONFIG_IPV6, not ipv6.disable=1)");
}
