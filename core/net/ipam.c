// SPDX-License-Identifier: Apache-2.0
/* ipam.c - IPv4 addresses and CIDRs, and a network's leases on disk: made
 * by link(2), owned by a live process, reclaimed once it is gone. The
 * records the leases hang under are network.c's. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "core/kernel/proc.h"
#include "core/net/ipam.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/json.h"
#include "core/util/lock.h"
#include "core/util/xalloc.h"

/* ---- addresses ---- */

/* One decimal octet of a dotted quad at *s, advancing; Go's ParseIP
 * refuses leading zeros, and so does this. */
static int ipam_octet(const char **s, unsigned *v)
{
	const char *p = *s;
	unsigned n = 0;
	int digits = 0;

	while (*p >= '0' && *p <= '9' && digits < 4) {
		n = n * 10 + (unsigned)(*p++ - '0');
		digits++;
	}
	if (!digits || digits > 3 || n > 255 || (digits > 1 && **s == '0'))
		return -1;
	*s = p;
	*v = n;
	return 0;
}

/* A dotted quad at the start of s; the rest in *end. */
static int ipam_quad(const char *s, uint32_t *ip, const char **end)
{
	uint32_t a = 0;
	unsigned o;

	for (int i = 0; i < 4; i++) {
		if (i && *s++ != '.')
			return -1;
		if (ipam_octet(&s, &o) < 0)
			return -1;
		a = a << 8 | o;
	}
	*ip = a;
	*end = s;
	return 0;
}

int ipam_ip_parse(const char *s, uint32_t *ip)
{
	const char *end;

	if (strchr(s, ':'))
		return err_setx(EINVAL, "%s is an IPv6 address: not supported yet (use IPv4)", s);
	if (ipam_quad(s, ip, &end) < 0 || *end)
		return err_setx(EINVAL, "invalid IP address: %s (use a dotted quad, as 172.18.0.2)",
				s);
	return 0;
}

int ipam_cidr_parse(const char *s, uint32_t *addr, unsigned *prefix)
{
	unsigned long long p;
	const char *end;
	char want[20];

	if (strchr(s, ':'))
		return err_setx(EINVAL, "%s is an IPv6 subnet: not supported yet (use IPv4)", s);
	if (ipam_quad(s, addr, &end) < 0 || *end != '/' || !end[1] ||
	    (end[1] == '0' && end[2]) || str_to_u64(end + 1, 32, &p) < 0)
		return err_setx(EINVAL, "invalid CIDR address: %s (use A.B.C.D/N, as 172.18.0.0/16)",
				s);
	*prefix = (unsigned)p;
	if (*addr & ~ipam_mask(*prefix)) {
		ipam_cidr_format(*addr & ipam_mask(*prefix), *prefix, want);
		return err_setx(EINVAL, "invalid CIDR address: %s has host bits set (use %s)", s,
				want);
	}
	return 0;
}

void ipam_ip_format(uint32_t ip, char out[16])
{
	snprintf(out, 16, "%u.%u.%u.%u", ip >> 24, ip >> 16 & 255, ip >> 8 & 255, ip & 255);
}

void ipam_cidr_format(uint32_t addr, unsigned prefix, char out[20])
{
	char ip[16];

	ipam_ip_format(addr, ip);
	snprintf(out, 20, "%s/%u", ip, prefix);
}

uint32_t ipam_mask(unsigned prefix)
{
	return prefix ? (prefix >= 32 ? 0xffffffffu : ~(0xffffffffu >> prefix)) : 0;
}

bool ipam_contains(uint32_t net, unsigned prefix, uint32_t ip)
{
	return ((ip ^ net) & ipam_mask(prefix)) == 0;
}

bool ipam_overlaps(uint32_t a, unsigned ap, uint32_t b, unsigned bp)
{
	return ipam_contains(a, ap, b) || ipam_contains(b, bp, a);
}

/* ---- holders ---- */

/* This boot's id (36 characters), read once per process. */
static const char *ipam_boot_id(void)
{
	static char boot[40];
	autofree char *text = NULL;

	if (!boot[0] && fsutil_read_file("/proc/sys/kernel/random/boot_id", &text) == 0)
		snprintf(boot, sizeof(boot), "%.36s", text);
	err_clear();
	return boot;
}

/* Is pid alive and the one started at start, in this boot? */
static bool ipam_alive(pid_t pid, unsigned long long start, const char *boot)
{
	return !strcmp(boot, ipam_boot_id()) && proc_alive(pid, start);
}

/* ---- lease files ---- */

static char *ipam_path(const struct net_cfg *n, const char *sub)
{
	return xasprintf("%s/" NET_DIR "/%s/%s", dory.root, n->id, sub);
}

static char *ipam_lease_text(const struct ipam_holder *h)
{
	struct json *o = json_new_obj(), *a;
	char *t;

	json_add_str(o, "Container", h->ctr_id);
	json_add_str(o, "Name", h->name ? h->name : "");
	a = json_add_arr(o, "Aliases");
	for (size_t i = 0; h->aliases && h->aliases[i]; i++)
		json_add_str(a, NULL, h->aliases[i]);
	json_add_i64(o, "Pid", h->pid);
	json_add_i64(o, "Start", (long long)h->start);
	json_add_str(o, "Boot", ipam_boot_id());
	t = json_print(o, false);
	json_free(o);
	return t;
}

/* The whole small file name of dirfd (allocated, NUL-terminated); NULL
 * when it is not there (gone meanwhile) or unreadable. */
static char *ipam_slurp(int dirfd, const char *name)
{
	autoclose int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	char *buf;
	ssize_t len;

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > 1 << 20)
		return NULL;
	buf = xmalloc((size_t)st.st_size + 1);
	len = fsutil_read_full(fd, buf, (size_t)st.st_size);
	if (len < 0) {
		free(buf);
		err_clear();
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

/* The lease in file name of dirfd into l; its holder's liveness in *live.
 * -1 when the file is not there (gone meanwhile); a file that is not a
 * whole lease is one whose holder is gone. */
static int ipam_lease_read(int dirfd, const char *name, struct ipam_lease *l, bool *live)
{
	autofree char *text = ipam_slurp(dirfd, name);
	struct json *o, *a;
	long long pid = 0, start = 0;
	const char *s, *boot;

	memset(l, 0, sizeof(*l));
	*live = false;
	if (!text) {
		struct stat st;

		return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ? -1 : 0;
	}
	if (ipam_ip_parse(name, &l->ip) < 0) {
		err_clear();
		return 0;
	}
	o = json_parse(text, strlen(text));
	err_clear();
	s = json_get_str(o, "Container");
	snprintf(l->ctr_id, sizeof(l->ctr_id), "%s", s ? s : "");
	l->name = xstrdup(json_get_str(o, "Name") ? json_get_str(o, "Name") : "");
	a = json_get(o, "Aliases");
	for (int i = 0; i < json_arr_len(a); i++)
		if (json_str(json_arr_at(a, i)))
			strv_push(&l->aliases, json_str(json_arr_at(a, i)));
	json_get_i64(o, "Pid", &pid);
	json_get_i64(o, "Start", &start);
	boot = json_get_str(o, "Boot");
	l->pid = (pid_t)pid;
	l->start = (unsigned long long)start;
	*live = l->ctr_id[0] && boot && ipam_alive(l->pid, l->start, boot);
	json_free(o);
	return 0;
}

static void ipam_lease_clear(struct ipam_lease *l)
{
	free(l->name);
	strv_free(&l->aliases);
	l->name = NULL;
}

void ipam_leases_free(struct ipam_lease *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ipam_lease_clear(&v[i]);
	free(v);
}

/* A staged lease ".new-BOOT-PID-START": its maker's process, if alive. */
static bool ipam_stage_live(const char *name)
{
	char boot[9];
	int pid = 0;
	unsigned long long start = 0;

	if (sscanf(name, ".new-%8[0-9a-f]-%d-%llu", boot, &pid, &start) != 3)
		return false;
	return !strncmp(boot, ipam_boot_id(), 8) && ipam_alive(pid, start, ipam_boot_id());
}

/* ---- the scan ---- */

struct ipam_scan {
	struct ipam_lease *v;	/* live, in directory order */
	size_t n, cap;
	struct strv stale;	/* names of stale leases and orphaned stages */
};

static void ipam_scan_clear(struct ipam_scan *s)
{
	ipam_leases_free(s->v, s->n);
	strv_free(&s->stale);
	memset(s, 0, sizeof(*s));
}

/* Read every lease of the directory dirfd. */
static int ipam_scan_dir(int dirfd, struct ipam_scan *s)
{
	int fd = dup(dirfd);
	autoclosedir DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *e;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return err_set(errno, "read the leases");
	}
	rewinddir(d);
	while ((e = readdir(d))) {
		struct ipam_lease l;
		bool live;

		if (e->d_name[0] == '.') {
			if (!strncmp(e->d_name, ".new-", 5) && !ipam_stage_live(e->d_name))
				strv_push(&s->stale, e->d_name);
			continue;
		}
		if (ipam_lease_read(dirfd, e->d_name, &l, &live) < 0)
			continue;
		if (!live) {
			strv_push(&s->stale, e->d_name);
			ipam_lease_clear(&l);
			continue;
		}
		if (s->n == s->cap) {
			s->cap = s->cap ? 2 * s->cap : 16;
			s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
		}
		s->v[s->n++] = l;
	}
	return 0;
}

/* Remove the stale leases found, under the network's lock, each judged
 * again there: a name is only unlinked under that lock, so what is judged
 * stale under it is what goes. */
static int ipam_reclaim(const struct net_cfg *n, int dirfd, const struct strv *stale)
{
	autofree char *lockp = NULL;
	int lk;

	if (!stale->n)
		return 0;
	lockp = ipam_path(n, "lock");
	lk = lock_open(lockp, LOCK_EXCL);
	if (lk < 0)
		return err_ctx("lock network %s", n->name);
	for (size_t i = 0; i < stale->n; i++) {
		const char *name = stale->v[i];
		struct ipam_lease l;
		bool live = false;

		if (name[0] == '.') {
			if (!ipam_stage_live(name))
				unlinkat(dirfd, name, 0);
			continue;
		}
		if (ipam_lease_read(dirfd, name, &l, &live) == 0 && !live)
			unlinkat(dirfd, name, 0);
		ipam_lease_clear(&l);
	}
	lock_close(lk);
	return 0;
}

static int ipam_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct ipam_lease *)a)->ip, y = ((const struct ipam_lease *)b)->ip;

	return x < y ? -1 : x > y;
}

/* The live leases of the directory dirfd, sorted, stale ones reclaimed. */
static int ipam_scan(const struct net_cfg *n, int dirfd, struct ipam_scan *s)
{
	if (ipam_scan_dir(dirfd, s) < 0 || ipam_reclaim(n, dirfd, &s->stale) < 0) {
		ipam_scan_clear(s);
		return -err_errno();
	}
	if (s->n)
		qsort(s->v, s->n, sizeof(*s->v), ipam_cmp);
	return 0;
}

static int ipam_open_leases(const struct net_cfg *n, bool create)
{
	autofree char *dir = ipam_path(n, "leases");
	int fd;

	if (n->prefix == 0 || n->prefix > 30)
		return err_setx(EINVAL, "network %s has no addresses to lease", n->name);
	if (create && mkdir(dir, 0700) < 0 && errno != EEXIST) {
		if (errno == ENOENT)
			return err_setx(ENOENT, "no such network: %s (it was removed)", n->name);
		return err_set(errno, "mkdir %s", dir);
	}
	fd = openat(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && !create)
		return -ENOENT;
	if (fd < 0)
		return err_set(errno, "open %s", dir);
	return fd;
}

int ipam_list(const struct net_cfg *n, struct ipam_lease **v, size_t *nv)
{
	struct ipam_scan s = { 0 };
	autoclose int dirfd = -1;

	*v = NULL;
	*nv = 0;
	if (n->prefix == 0)
		return 0;
	dirfd = ipam_open_leases(n, false);
	if (dirfd == -ENOENT)
		return 0;
	if (dirfd < 0 || ipam_scan(n, dirfd, &s) < 0)
		return -err_errno();
	*v = s.v;
	*nv = s.n;
	strv_free(&s.stale);
	return 0;
}

int ipam_release(const struct net_cfg *n, const char *ctr_id)
{
	autofree char *lockp = ipam_path(n, "lock");
	autoclose int dirfd = -1;
	autoclosedir DIR *d = NULL;
	struct dirent *e;
	int lk, fd;

	if (n->prefix == 0)
		return 0;
	dirfd = ipam_open_leases(n, false);
	if (dirfd == -ENOENT)
		return 0;
	if (dirfd < 0)
		return dirfd;
	lk = lock_open(lockp, LOCK_EXCL);
	if (lk < 0)
		return err_ctx("lock network %s", n->name);
	fd = dup(dirfd);
	d = fd < 0 ? NULL : fdopendir(fd);
	while (d && (e = readdir(d))) {
		struct ipam_lease l;
		bool live;

		if (e->d_name[0] == '.' || ipam_lease_read(dirfd, e->d_name, &l, &live) < 0)
			continue;
		if (!strcmp(l.ctr_id, ctr_id))
			unlinkat(dirfd, e->d_name, 0);
		ipam_lease_clear(&l);
	}
	lock_close(lk);
	if (!d)
		return err_set(errno, "read the leases of network %s", n->name);
	return 0;
}

/* ---- leasing ---- */

/* Stage the lease of h as a whole file under a name no other process
 * uses; its name into stage. */
static int ipam_stage(int dirfd, const struct ipam_holder *h, char stage[96])
{
	autofree char *text = ipam_lease_text(h);
	int fd, r;

	snprintf(stage, 96, ".new-%.8s-%d-%llu", ipam_boot_id(), (int)getpid(),
		 proc_self_start());
	fd = openat(dirfd, stage, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_set(errno, "create a lease");
	r = fsutil_write_full(fd, text, strlen(text));
	close(fd);
	if (r < 0) {
		unlinkat(dirfd, stage, 0);
		return err_set(-r, "write a lease");
	}
	return 0;
}

/* Is ip one a container may get: inside the subnet, not its network,
 * broadcast or gateway address? */
static bool ipam_usable(const struct net_cfg *n, uint32_t ip)
{
	uint32_t host = ~ipam_mask(n->prefix);

	return ipam_contains(n->subnet, n->prefix, ip) && (ip & host) != 0 &&
	       (ip & host) != host && ip != n->gateway;
}

static bool ipam_taken(const struct ipam_scan *s, uint32_t ip)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (s->v[mid].ip == ip)
			return true;
		if (s->v[mid].ip < ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* link the stage to the lease of ip: 0, 1 when that address is taken. */
static int ipam_take(int dirfd, const char *stage, uint32_t ip)
{
	char name[16];

	ipam_ip_format(ip, name);
	if (linkat(dirfd, stage, dirfd, name, 0) == 0)
		return 0;
	if (errno == EEXIST)
		return 1;
	return err_set(errno, "lease %s", name);
}

/* The lowest free address of the range (or the subnet) into *ip. */
static int ipam_take_free(const struct net_cfg *n, int dirfd, const char *stage,
			  const struct ipam_scan *s, uint32_t *ip)
{
	uint32_t base = n->range_prefix ? n->range : n->subnet;
	unsigned prefix = n->range_prefix ? n->range_prefix : n->prefix;
	uint64_t count = 1ULL << (32 - prefix);
	char net[20];

	for (uint64_t i = 0; i < count; i++) {
		uint32_t a = base + (uint32_t)i;
		int r;

		if (!ipam_usable(n, a) || ipam_taken(s, a))
			continue;
		r = ipam_take(dirfd, stage, a);
		if (r < 0)
			return r;
		if (r == 0) {
			*ip = a;
			return 0;
		}
	}
	ipam_cidr_format(base, prefix, net);
	return err_setx(ENOSPC, "no available IPv4 addresses on network %s (%s): every one is "
			"leased (remove a container, or use a larger --ip-range)", n->name, net);
}

/* With the stage made: the container's live lease again, want, or the
 * lowest free address. */
static int ipam_pick(const struct net_cfg *n, const struct ipam_holder *h, int dirfd,
		     const char *stage, uint32_t want, uint32_t *ip)
{
	struct ipam_scan s = { 0 };
	char addr[16];
	int r = 0;

	if (ipam_scan(n, dirfd, &s) < 0)
		return -err_errno();
	for (size_t i = 0; i < s.n; i++) {
		if (strcmp(s.v[i].ctr_id, h->ctr_id))
			continue;
		ipam_ip_format(s.v[i].ip, addr);
		if (want && want != s.v[i].ip)
			r = err_setx(EEXIST, "container %.12s already has address %s on network %s "
				     "(release it first)", h->ctr_id, addr, n->name);
		else
			*ip = s.v[i].ip;
		goto out;
	}
	if (want) {
		ipam_ip_format(want, addr);
		r = ipam_take(dirfd, stage, want);
		if (r == 1)
			r = err_setx(EADDRINUSE, "Address already in use: %s on network %s (choose "
				     "another --ip, or leave it out)", addr, n->name);
		if (r == 0)
			*ip = want;
		goto out;
	}
	r = ipam_take_free(n, dirfd, stage, &s, ip);
out:
	ipam_scan_clear(&s);
	return r;
}

int ipam_lease(const struct net_cfg *n, const struct ipam_holder *h, uint32_t want, uint32_t *ip)
{
	autofree char *glock = xasprintf("%s/" NET_DIR "/lock", dory.root);
	autoclose int dirfd = -1;
	char stage[96], addr[16];
	int lk, r;

	if (want && (n->prefix == 0 || !ipam_usable(n, want))) {
		char net[20];

		ipam_ip_format(want, addr);
		ipam_cidr_format(n->subnet, n->prefix, net);
		return err_setx(EINVAL, "invalid address %s for network %s: not a container address "
				"of its subnet %s", addr, n->name, net);
	}
	/* shared: the network is not removed while a lease is made */
	lk = lock_open(glock, LOCK_SHARED);
	if (lk < 0)
		return err_ctx("lock the networks");
	dirfd = ipam_open_leases(n, true);
	r = dirfd < 0 ? dirfd : ipam_stage(dirfd, h, stage);
	if (r == 0) {
		r = ipam_pick(n, h, dirfd, stage, want, ip);
		unlinkat(dirfd, stage, 0);
	}
	lock_close(lk);
	return r;
}
