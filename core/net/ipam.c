// SPDX-License-Identifier: Apache-2.0
/* ipam.c - IPv4 and IPv6 addresses and CIDRs, and a network's leases on
 * disk (one family or the other each, by their name): made
 * by link(2), owned by a live process, reclaimed once it is gone. The
 * records the leases hang under are network.c's. */
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
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
		return err_setx(EINVAL, "%s is an IPv6 address where an IPv4 one is needed", s);
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
		return err_setx(EINVAL, "%s is an IPv6 subnet where an IPv4 one is needed", s);
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

/* ---- IPv6 ---- */

int ipam_ip6_parse(const char *s, uint8_t ip[16])
{
	if (!strchr(s, ':') || inet_pton(AF_INET6, s, ip) != 1)
		return err_setx(EINVAL, "invalid IPv6 address: %s (use RFC 4291's form, as "
				"fd00:1::2)", s);
	return 0;
}

/* ip with its host bits (beyond prefix) cleared. */
static void ipam_net6(const uint8_t ip[16], unsigned prefix, uint8_t out[16])
{
	for (unsigned i = 0; i < 16; i++) {
		unsigned bits = prefix > 8 * i ? prefix - 8 * i : 0;

		out[i] = bits >= 8 ? ip[i] : (uint8_t)(ip[i] & (0xff00u >> bits));
	}
}

int ipam_cidr6_parse(const char *s, uint8_t addr[16], unsigned *prefix)
{
	const char *slash = strrchr(s, '/');
	char ip[IPAM_IP6_LEN], want[IPAM_CIDR6_LEN];
	unsigned long long p;
	uint8_t net[16];

	if (!strchr(s, ':') || !slash || (size_t)(slash - s) >= sizeof(ip) || !slash[1] ||
	    (slash[1] == '0' && slash[2]) || str_to_u64(slash + 1, 128, &p) < 0)
		return err_setx(EINVAL, "invalid CIDR address: %s (use ADDR/N, as fd00:1::/64)", s);
	snprintf(ip, sizeof(ip), "%.*s", (int)(slash - s), s);
	if (inet_pton(AF_INET6, ip, addr) != 1)
		return err_setx(EINVAL, "invalid CIDR address: %s (use ADDR/N, as fd00:1::/64)", s);
	*prefix = (unsigned)p;
	ipam_net6(addr, *prefix, net);
	if (memcmp(net, addr, 16)) {
		ipam_cidr6_format(net, *prefix, want);
		return err_setx(EINVAL, "invalid CIDR address: %s has host bits set (use %s)", s,
				want);
	}
	return 0;
}

void ipam_ip6_format(const uint8_t ip[16], char out[IPAM_IP6_LEN])
{
	if (!inet_ntop(AF_INET6, ip, out, IPAM_IP6_LEN))
		snprintf(out, IPAM_IP6_LEN, "::");
}

void ipam_cidr6_format(const uint8_t addr[16], unsigned prefix, char out[IPAM_CIDR6_LEN])
{
	char ip[IPAM_IP6_LEN];

	ipam_ip6_format(addr, ip);
	snprintf(out, IPAM_CIDR6_LEN, "%s/%u", ip, prefix);
}

bool ipam_contains6(const uint8_t net[16], unsigned prefix, const uint8_t ip[16])
{
	uint8_t a[16], b[16];

	ipam_net6(net, prefix, a);
	ipam_net6(ip, prefix, b);
	return !memcmp(a, b, 16);
}

bool ipam_overlaps6(const uint8_t a[16], unsigned ap, const uint8_t b[16], unsigned bp)
{
	return ipam_contains6(a, ap, b) || ipam_contains6(b, bp, a);
}

bool ipam_is_zero6(const uint8_t ip[16])
{
	static const uint8_t zero[16];

	return !memcmp(ip, zero, 16);
}

/* IPv4 as ::ffff:A.B.C.D: one form for both families' leases. */
static void ipam_map4(uint32_t ip, uint8_t out[16])
{
	memset(out, 0, 10);
	out[10] = out[11] = 0xff;
	out[12] = (uint8_t)(ip >> 24);
	out[13] = (uint8_t)(ip >> 16);
	out[14] = (uint8_t)(ip >> 8);
	out[15] = (uint8_t)ip;
}

static uint32_t ipam_unmap4(const uint8_t a[16])
{
	return (uint32_t)a[12] << 24 | (uint32_t)a[13] << 16 | (uint32_t)a[14] << 8 | a[15];
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
	l->v6 = strchr(name, ':') != NULL;
	if (l->v6 ? ipam_ip6_parse(name, l->ip6) < 0 : ipam_ip_parse(name, &l->ip) < 0) {
		err_clear();
		return 0;
	}
	if (!l->v6)
		ipam_map4(l->ip, l->ip6);
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

/* IPv4 first, then by address. */
static int ipam_cmp(const void *a, const void *b)
{
	const struct ipam_lease *x = a, *y = b;

	if (x->v6 != y->v6)
		return x->v6 ? 1 : -1;
	return memcmp(x->ip6, y->ip6, 16);
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

/* fn on each lease of the container ctr_id on n, under the network's
 * lock (none: fine). */
static int ipam_each(const struct net_cfg *n, const char *ctr_id,
		     void (*fn)(int dirfd, const char *file, const struct ipam_lease *l, void *arg),
		     void *arg)
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
			fn(dirfd, e->d_name, &l, arg);
		ipam_lease_clear(&l);
	}
	lock_close(lk);
	if (!d)
		return err_set(errno, "read the leases of network %s", n->name);
	return 0;
}

static void ipam_drop(int dirfd, const char *file, const struct ipam_lease *l, void *arg)
{
	(void)l, (void)arg;
	unlinkat(dirfd, file, 0);
}

int ipam_release(const struct net_cfg *n, const char *ctr_id)
{
	return ipam_each(n, ctr_id, ipam_drop, NULL);
}

static int ipam_stage(int dirfd, const struct ipam_holder *h, char stage[96]);

/* The same lease under the new name: staged whole, renamed over it. */
static void ipam_rename_one(int dirfd, const char *file, const struct ipam_lease *l, void *arg)
{
	struct ipam_holder h = { .ctr_id = l->ctr_id, .name = arg,
				 .aliases = (const char *const *)l->aliases.v,
				 .pid = l->pid, .start = l->start };
	char stage[96];

	if (ipam_stage(dirfd, &h, stage) < 0) {
		err_clear();	/* peers know it by its old name until it restarts */
		return;
	}
	if (renameat(dirfd, stage, dirfd, file) < 0)
		unlinkat(dirfd, stage, 0);
}

int ipam_rename(const struct net_cfg *n, const char *ctr_id, const char *name)
{
	return ipam_each(n, ctr_id, ipam_rename_one, (void *)name);
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

/* One family's addresses of a network, as 16 bytes (IPv4 mapped). */
struct ipam_space {
	bool v6;
	uint8_t base[16], gw[16];	/* base: the range, or the subnet */
	unsigned prefix, base_prefix;	/* of the subnet, of base; out of 128 */
	uint8_t subnet[16];
};

static void ipam_space4(const struct net_cfg *n, struct ipam_space *sp)
{
	memset(sp, 0, sizeof(*sp));
	ipam_map4(n->subnet, sp->subnet);
	ipam_map4(n->range_prefix ? n->range : n->subnet, sp->base);
	ipam_map4(n->gateway, sp->gw);
	sp->prefix = 96 + n->prefix;
	sp->base_prefix = 96 + (n->range_prefix ? n->range_prefix : n->prefix);
}

static void ipam_space6(const struct net_cfg *n, struct ipam_space *sp)
{
	memset(sp, 0, sizeof(*sp));
	sp->v6 = true;
	memcpy(sp->subnet, n->subnet6, 16);
	memcpy(sp->base, n->subnet6, 16);
	memcpy(sp->gw, n->gateway6, 16);
	sp->prefix = sp->base_prefix = n->prefix6;
}

static void ipam_text(const struct ipam_space *sp, const uint8_t a[16], char out[IPAM_IP6_LEN])
{
	if (sp->v6)
		ipam_ip6_format(a, out);
	else
		ipam_ip_format(ipam_unmap4(a), out);
}

/* Is a one a container may get: inside the subnet, not its first address,
 * IPv4's broadcast or the gateway? */
static bool ipam_usable(const struct ipam_space *sp, const uint8_t a[16])
{
	uint8_t net[16], last[16];

	if (!ipam_contains6(sp->subnet, sp->prefix, a) || !memcmp(a, sp->gw, 16))
		return false;
	ipam_net6(a, sp->prefix, net);
	memcpy(last, net, 16);	/* the subnet's last address */
	for (unsigned b = sp->prefix; b < 128; b++)
		last[b / 8] |= (uint8_t)(0x80 >> (b % 8));
	return memcmp(a, net, 16) && (sp->v6 || memcmp(a, last, 16));
}

static bool ipam_taken(const struct ipam_scan *s, bool v6, const uint8_t a[16])
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = s->v[mid].v6 != v6 ? (s->v[mid].v6 ? 1 : -1) : memcmp(s->v[mid].ip6, a, 16);

		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* link the stage to the lease of a: 0, 1 when that address is taken. */
static int ipam_take(int dirfd, const char *stage, const struct ipam_space *sp,
		     const uint8_t a[16])
{
	char name[IPAM_IP6_LEN];

	ipam_text(sp, a, name);
	if (linkat(dirfd, stage, dirfd, name, 0) == 0)
		return 0;
	if (errno == EEXIST)
		return 1;
	return err_set(errno, "lease %s", name);
}

/* The lowest free address of the range (or the subnet) into a; the
 * first 2^32 of a larger IPv6 block are enough. */
static int ipam_take_free(const struct net_cfg *n, int dirfd, const char *stage,
			  const struct ipam_space *sp, const struct ipam_scan *s, uint8_t a[16])
{
	unsigned bits = 128 - sp->base_prefix;
	uint64_t count = bits >= 32 ? 1ULL << 32 : 1ULL << bits;
	char net[IPAM_CIDR6_LEN], base[IPAM_IP6_LEN];

	for (uint64_t i = 0; i < count; i++) {
		uint32_t low = (uint32_t)i;
		int r;

		memcpy(a, sp->base, 16);
		for (int k = 15; k >= 12; k--, low >>= 8)
			a[k] = (uint8_t)(a[k] | (low & 0xff));	/* base has no bits there */
		if (!ipam_usable(sp, a) || ipam_taken(s, sp->v6, a))
			continue;
		r = ipam_take(dirfd, stage, sp, a);
		if (r <= 0)
			return r;
	}
	ipam_text(sp, sp->base, base);
	snprintf(net, sizeof(net), "%s/%u", base, sp->v6 ? sp->base_prefix : sp->base_prefix - 96);
	return err_setx(ENOSPC, "no available IPv%c addresses on network %s (%s): every one is "
			"leased (remove a container, or use a larger block)", sp->v6 ? '6' : '4',
			n->name, net);
}

/* With the stage made: the container's live lease again, want, or the
 * lowest free address. */
static int ipam_pick(const struct net_cfg *n, const struct ipam_space *sp,
		     const struct ipam_holder *h, int dirfd, const char *stage,
		     const uint8_t *want, uint8_t a[16])
{
	struct ipam_scan s = { 0 };
	char addr[IPAM_IP6_LEN];
	int r = 0;

	if (ipam_scan(n, dirfd, &s) < 0)
		return -err_errno();
	for (size_t i = 0; i < s.n; i++) {
		if (strcmp(s.v[i].ctr_id, h->ctr_id) || s.v[i].v6 != sp->v6)
			continue;
		ipam_text(sp, s.v[i].ip6, addr);
		if (want && memcmp(want, s.v[i].ip6, 16))
			r = err_setx(EEXIST, "container %.12s already has address %s on network %s "
				     "(release it first)", h->ctr_id, addr, n->name);
		else
			memcpy(a, s.v[i].ip6, 16);
		goto out;
	}
	if (want) {
		ipam_text(sp, want, addr);
		r = ipam_take(dirfd, stage, sp, want);
		if (r == 1)
			r = err_setx(EADDRINUSE, "Address already in use: %s on network %s (choose "
				     "another address, or leave it out)", addr, n->name);
		if (r == 0)
			memcpy(a, want, 16);
		goto out;
	}
	r = ipam_take_free(n, dirfd, stage, sp, &s, a);
out:
	ipam_scan_clear(&s);
	return r;
}

/* A lease in sp, a family's addresses of n. */
static int ipam_lease_in(const struct net_cfg *n, const struct ipam_space *sp,
			 const struct ipam_holder *h, const uint8_t *want, uint8_t a[16])
{
	autofree char *glock = xasprintf("%s/" NET_DIR "/lock", dory.root);
	autoclose int dirfd = -1;
	char stage[96], addr[IPAM_IP6_LEN], net[IPAM_CIDR6_LEN];
	int lk, r;

	if (want && !ipam_usable(sp, want)) {
		ipam_text(sp, want, addr);
		ipam_text(sp, sp->subnet, net);
		return err_setx(EINVAL, "invalid address %s for network %s: not a container address "
				"of its subnet %s/%u", addr, n->name, net,
				sp->v6 ? sp->prefix : sp->prefix - 96);
	}
	/* shared: the network is not removed while a lease is made */
	lk = lock_open(glock, LOCK_SHARED);
	if (lk < 0)
		return err_ctx("lock the networks");
	dirfd = ipam_open_leases(n, true);
	r = dirfd < 0 ? dirfd : ipam_stage(dirfd, h, stage);
	if (r == 0) {
		r = ipam_pick(n, sp, h, dirfd, stage, want, a);
		unlinkat(dirfd, stage, 0);
	}
	lock_close(lk);
	return r;
}

int ipam_lease(const struct net_cfg *n, const struct ipam_holder *h, uint32_t want, uint32_t *ip)
{
	struct ipam_space sp;
	uint8_t w[16], a[16];
	int r;

	if (n->prefix == 0)
		return err_setx(EINVAL, "network %s has no addresses to lease", n->name);
	ipam_space4(n, &sp);
	ipam_map4(want, w);
	r = ipam_lease_in(n, &sp, h, want ? w : NULL, a);
	if (r == 0)
		*ip = ipam_unmap4(a);
	return r;
}

int ipam_lease6(const struct net_cfg *n, const struct ipam_holder *h, const uint8_t *want,
		uint8_t ip[16])
{
	struct ipam_space sp;

	if (n->prefix6 == 0)
		return err_setx(EINVAL, "network %s has no IPv6 addresses (create it with --ipv6)",
				n->name);
	ipam_space6(n, &sp);
	return ipam_lease_in(n, &sp, h, want, ip);
}
