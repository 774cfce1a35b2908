// SPDX-License-Identifier: Apache-2.0
/* ipam_test.c - leases in a scratch ROOT: many processes leasing at once
 * get distinct addresses, a holder killed at any point loses its lease to
 * the next look, a requested address, ranges and their exhaustion. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/kernel/proc.h"
#include "core/net/ipam.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/xalloc.h"
#include "tap.h"
#include "fixture.h"

enum { NKIDS = 50 };

/* A network record as ipam sees it: its directory under a fresh ROOT. */
static char *fx_net(struct net_cfg *n, const char *cidr, const char *range)
{
	char *root = fix_tmpdir("ipam");
	char *dir;

	memset(n, 0, sizeof(*n));
	dory.root = root;
	memset(n->id, 'a', NET_ID_LEN);
	n->name = xstrdup("t-net");
	if (ipam_cidr_parse(cidr, &n->subnet, &n->prefix) < 0)
		abort();
	n->gateway = n->subnet + 1;
	if (range && ipam_cidr_parse(range, &n->range, &n->range_prefix) < 0)
		abort();
	dir = xasprintf("%s/" NET_DIR "/%s", root, n->id);
	if (fsutil_mkdir_p(dir, 0700) < 0)
		abort();
	free(dir);
	return root;
}

static void fx_done(char *root, struct net_cfg *n)
{
	net_cfg_clear(n);
	fix_rmtree(root);
}

static unsigned long long self_start(void)
{
	struct proc_info p;

	return proc_stat(getpid(), &p) < 0 ? 0 : p.start;
}

/* Slots the children write their answers in: 0 none yet, 1 failed. */
static volatile uint32_t *slots(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		abort();
	return p;
}

/* Wait until slot[i] is answered (5 s at most). */
static uint32_t slot_wait(volatile uint32_t *slot, int i)
{
	for (int t = 0; t < 5000 && !slot[i]; t++)
		usleep(1000);
	return slot[i];
}

/* A child that leases for itself (container id "c" and its index), puts
 * the address (1 on failure) in slot[i], and waits for hold to close. */
static pid_t kid_lease(const struct net_cfg *n, int i, volatile uint32_t *slot,
		       const int hold[2], uint32_t want)
{
	pid_t pid;

	fflush(stdout);	/* or a child's exit may print what is buffered again */
	pid = fork();

	if (pid == 0) {
		char id[65], c;
		struct ipam_holder h = { id, "kid", NULL, getpid(), self_start() };
		uint32_t ip = 0;

		close(hold[1]);
		snprintf(id, sizeof(id), "c%063d", i);
		if (ipam_lease(n, &h, want, &ip) < 0)
			ip = 1;
		slot[i] = ip;
		while (read(hold[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	return pid;
}

static size_t live_count(const struct net_cfg *n)
{
	struct ipam_lease *v;
	size_t nv = 0;

	if (ipam_list(n, &v, &nv) < 0)
		return (size_t)-1;
	ipam_leases_free(v, nv);
	return nv;
}

/* Entries of the leases directory, staged ones included. */
static int dir_entries(const struct net_cfg *n)
{
	char *p = xasprintf("%s/" NET_DIR "/%s/leases", dory.root, n->id);
	DIR *d = opendir(p);
	struct dirent *e;
	int k = 0;

	while (d && (e = readdir(d)))
		k += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	if (d)
		closedir(d);
	free(p);
	return k;
}

TEST(ipam_fifty_parallel_leases_are_distinct)
{
	struct net_cfg n;
	char *root;
	volatile uint32_t *got;
	int hold[2], dup = 0, bad = 0;
	pid_t kids[NKIDS];

	SKIP_IF(getenv("DORY_UNIT_QEMU"), "50 processes under qemu-user are slow");
	root = fx_net(&n, "10.88.0.0/24", NULL);
	got = slots();
	if (pipe(hold) < 0)
		abort();
	for (int i = 0; i < NKIDS; i++)
		kids[i] = kid_lease(&n, i, got, hold, 0);
	for (int i = 0; i < NKIDS; i++) {
		bad += slot_wait(got, i) <= 1 || !ipam_contains(n.subnet, n.prefix, got[i]);
		for (int j = 0; j < i; j++)
			dup += got[i] == got[j];
	}
	CHECK_EQ_INT(bad, 0);
	CHECK_EQ_INT(dup, 0);
	CHECK_EQ_INT(live_count(&n), NKIDS);
	close(hold[1]);
	for (int i = 0; i < NKIDS; i++)
		waitpid(kids[i], NULL, 0);
	CHECK_EQ_INT(live_count(&n), 0);	/* every holder gone: all reclaimed */
	CHECK_EQ_INT(dir_entries(&n), 0);
	close(hold[0]);
	munmap((void *)got, 4096);
	fx_done(root, &n);
}

TEST(ipam_holder_killed_is_reclaimed)
{
	struct net_cfg n;
	char *root = fx_net(&n, "10.88.0.0/24", NULL);
	struct ipam_holder me = { "me", "me", NULL, getpid(), self_start() };
	volatile uint32_t *got = slots();
	uint32_t again = 0;
	int hold[2];
	pid_t kid;

	if (pipe(hold) < 0)
		abort();
	kid = kid_lease(&n, 0, got, hold, 0);
	CHECK_EQ_INT(slot_wait(got, 0), 0x0a580002);	/* .1 is the gateway */
	CHECK_EQ_INT(live_count(&n), 1);
	kill(kid, SIGKILL);
	waitpid(kid, NULL, 0);
	CHECK_EQ_INT(live_count(&n), 0);
	CHECK_EQ_INT(dir_entries(&n), 0);
	CHECK_EQ_INT(ipam_lease(&n, &me, 0, &again), 0);
	CHECK_EQ_INT(again, 0x0a580002);
	close(hold[0]), close(hold[1]);
	munmap((void *)got, 4096);
	fx_done(root, &n);
}

/* Holders killed at random points of their lease (before, during, after
 * the link): the survivors' addresses are distinct and are what is listed,
 * and nothing of the dead is left once listed. */
TEST(ipam_kills_at_random_points_never_share_an_address)
{
	struct net_cfg n;
	char *root;
	volatile uint32_t *got;
	int hold[2], dup = 0, bad = 0, unlisted = 0;
	pid_t kids[NKIDS];
	struct ipam_lease *v = NULL;
	size_t nv = 0;

	SKIP_IF(getenv("DORY_UNIT_QEMU"), "50 processes under qemu-user are slow");
	root = fx_net(&n, "10.88.0.0/26", NULL);
	got = slots();
	if (pipe(hold) < 0)
		abort();
	srand((unsigned)time(NULL));
	for (int i = 0; i < NKIDS; i++) {
		kids[i] = kid_lease(&n, i, got, hold, 0);
		if (i % 2) {
			usleep((useconds_t)(rand() % 3000));
			kill(kids[i], SIGKILL);
		}
	}
	for (int i = 1; i < NKIDS; i += 2)
		waitpid(kids[i], NULL, 0);
	for (int i = 0; i < NKIDS; i += 2)
		bad += slot_wait(got, i) <= 1;
	CHECK_EQ_INT(bad, 0);
	CHECK_EQ_INT(ipam_list(&n, &v, &nv), 0);
	CHECK_EQ_INT(nv, NKIDS / 2);	/* one lease per survivor (a /26 has 61) */
	for (size_t i = 0; i < nv; i++) {
		bool found = false;

		for (size_t j = 0; j < i; j++)
			dup += v[i].ip == v[j].ip;
		for (int k = 0; k < NKIDS; k += 2)
			found |= got[k] == v[i].ip;
		unlisted += !found;
	}
	CHECK_EQ_INT(dup, 0);
	CHECK_EQ_INT(unlisted, 0);
	CHECK_EQ_INT(dir_entries(&n), NKIDS / 2);	/* no stage or dead lease left */
	ipam_leases_free(v, nv);
	close(hold[1]);
	for (int i = 0; i < NKIDS; i += 2)
		waitpid(kids[i], NULL, 0);
	close(hold[0]);
	munmap((void *)got, 4096);
	fx_done(root, &n);
}

TEST(ipam_requested_address)
{
	struct net_cfg n;
	char *root = fx_net(&n, "10.88.0.0/24", NULL);
	struct ipam_holder a = { "a", "a", NULL, getpid(), self_start() };
	struct ipam_holder b = { "b", "b", NULL, getpid(), self_start() };
	struct ipam_holder c = { "c", "c", NULL, getpid(), self_start() };
	uint32_t ip = 0;

	CHECK_EQ_INT(ipam_lease(&n, &a, 0x0a580032, &ip), 0);
	CHECK_EQ_INT(ip, 0x0a580032);
	CHECK_EQ_INT(ipam_lease(&n, &b, 0x0a580032, &ip), -EADDRINUSE);
	CHECK(strstr(err_str(), "10.88.0.50") != NULL);
	CHECK_EQ_INT(ipam_lease(&n, &b, 0x0a580001, &ip), -EINVAL);	/* the gateway */
	CHECK_EQ_INT(ipam_lease(&n, &b, 0x0a5800ff, &ip), -EINVAL);	/* broadcast */
	CHECK_EQ_INT(ipam_lease(&n, &b, 0x0a580000, &ip), -EINVAL);	/* network */
	CHECK_EQ_INT(ipam_lease(&n, &b, 0x0a590002, &ip), -EINVAL);	/* elsewhere */
	/* the same container again: its lease, not a second one */
	CHECK_EQ_INT(ipam_lease(&n, &a, 0, &ip), 0);
	CHECK_EQ_INT(ip, 0x0a580032);
	CHECK_EQ_INT(ipam_lease(&n, &b, 0, &ip), 0);
	CHECK_EQ_INT(ip, 0x0a580002);
	CHECK_EQ_INT(live_count(&n), 2);
	CHECK_EQ_INT(ipam_lease(&n, &b, 0x0a580033, &ip), -EEXIST);	/* one per container */
	CHECK(strstr(err_str(), "already has address 10.88.0.2") != NULL);
	CHECK_EQ_INT(ipam_release(&n, "a"), 0);
	CHECK_EQ_INT(live_count(&n), 1);
	CHECK_EQ_INT(ipam_lease(&n, &c, 0x0a580032, &ip), 0);	/* free again */
	fx_done(root, &n);
}

TEST(ipam_range_is_honoured_and_runs_out)
{
	struct net_cfg n;
	char *root = fx_net(&n, "10.88.0.0/24", "10.88.0.8/30");
	uint32_t ip = 0, seen[4];
	char id[16];

	for (int i = 0; i < 4; i++) {
		struct ipam_holder h = { id, "x", NULL, getpid(), self_start() };

		snprintf(id, sizeof(id), "r%d", i);
		CHECK_EQ_INT(ipam_lease(&n, &h, 0, &seen[i]), 0);
		CHECK_EQ_INT(seen[i], 0x0a580008 + (uint32_t)i);
	}
	{
		struct ipam_holder h = { "r9", "x", NULL, getpid(), self_start() };

		CHECK_EQ_INT(ipam_lease(&n, &h, 0, &ip), -ENOSPC);
		CHECK(strstr(err_str(), "no available IPv4 addresses") != NULL);
		/* outside the range but in the subnet: --ip may still ask */
		CHECK_EQ_INT(ipam_lease(&n, &h, 0x0a580064, &ip), 0);
	}
	fx_done(root, &n);
}

TEST(ipam_lease_on_a_removed_network)
{
	struct net_cfg n;
	char *root = fx_net(&n, "10.88.0.0/24", NULL);
	struct ipam_holder h = { "a", "a", NULL, getpid(), self_start() };
	char *dir = xasprintf("%s/" NET_DIR "/%s", root, n.id);
	uint32_t ip;

	CHECK_EQ_INT(rmdir(dir), 0);
	CHECK_EQ_INT(ipam_lease(&n, &h, 0, &ip), -ENOENT);
	CHECK(strstr(err_str(), "no such network") != NULL);
	CHECK_EQ_INT(live_count(&n), 0);
	free(dir);
	fx_done(root, &n);
}

TEST(ipam_aliases_and_names_are_kept)
{
	struct net_cfg n;
	char *root = fx_net(&n, "10.88.0.0/24", NULL);
	const char *const al[] = { "db", "cache", NULL };
	struct ipam_holder h = { "abc", "web", al, getpid(), self_start() };
	struct ipam_lease *v = NULL;
	size_t nv = 0;
	uint32_t ip;

	CHECK_EQ_INT(ipam_lease(&n, &h, 0, &ip), 0);
	CHECK_EQ_INT(ipam_list(&n, &v, &nv), 0);
	CHECK_EQ_INT(nv, 1);
	if (nv == 1) {
		CHECK_EQ_STR(v[0].ctr_id, "abc");
		CHECK_EQ_STR(v[0].name, "web");
		CHECK_EQ_INT(v[0].aliases.n, 2);
		CHECK_EQ_STR(v[0].aliases.v[1], "cache");
		CHECK_EQ_INT(v[0].pid, getpid());
	}
	ipam_leases_free(v, nv);
	fx_done(root, &n);
}

/* A lease bigger than a page (many aliases) is read whole, so it stays
 * live and is not taken from its holder. */
TEST(ipam_a_big_lease_stays_live)
{
	struct net_cfg n;
	char *root = fx_net(&n, "10.88.0.0/24", NULL);
	const char *al[301];
	char names[300][40];
	struct ipam_holder h = { "big", "big", al, getpid(), self_start() };
	struct ipam_holder o = { "other", "o", NULL, getpid(), self_start() };
	uint32_t ip, ip2;

	for (int i = 0; i < 300; i++) {
		snprintf(names[i], sizeof(names[i]), "an-alias-of-some-length-%d", i);
		al[i] = names[i];
	}
	al[300] = NULL;
	CHECK_EQ_INT(ipam_lease(&n, &h, 0, &ip), 0);
	CHECK_EQ_INT(live_count(&n), 1);
	CHECK_EQ_INT(ipam_lease(&n, &o, ip, &ip2), -EADDRINUSE);
	fx_done(root, &n);
}

TEST(ipam_ipv6_text)
{
	uint8_t a[16], b[16];
	unsigned p = 0;
	char s[IPAM_CIDR6_LEN];

	CHECK_EQ_INT(ipam_ip6_parse("fd00:0:0::02", a), 0);
	ipam_ip6_format(a, s);
	CHECK_EQ_STR(s, "fd00::2");	/* RFC 5952, as Go prints it */
	CHECK_EQ_INT(ipam_ip6_parse("10.0.0.1", a), -EINVAL);
	CHECK_EQ_INT(ipam_ip6_parse("fd00::g", a), -EINVAL);
	CHECK_EQ_INT(ipam_cidr6_parse("fd78:1::/64", a, &p), 0);
	CHECK_EQ_INT(p, 64);
	ipam_cidr6_format(a, p, s);
	CHECK_EQ_STR(s, "fd78:1::/64");
	CHECK_EQ_INT(ipam_cidr6_parse("fd78:1::1/64", a, &p), -EINVAL);
	CHECK(strstr(err_str(), "use fd78:1::/64") != NULL);
	CHECK_EQ_INT(ipam_cidr6_parse("fd78:1::/129", a, &p), -EINVAL);
	CHECK_EQ_INT(ipam_cidr6_parse("fd78:1::/064", a, &p), -EINVAL);
	CHECK_EQ_INT(ipam_cidr6_parse("10.0.0.0/8", a, &p), -EINVAL);
	CHECK_EQ_INT(ipam_cidr6_parse("fd78:1::", a, &p), -EINVAL);
	CHECK_EQ_INT(ipam_cidr6_parse("fd78:1:0:0:8000::/65", a, &p), 0);
	CHECK_EQ_INT(ipam_cidr6_parse("fd78:1::/64", b, &p), 0);
	CHECK(ipam_overlaps6(a, 65, b, 64));
	CHECK(ipam_contains6(b, 64, a));
	CHECK(!ipam_contains6(a, 65, b));
	CHECK_EQ_INT(ipam_ip6_parse("fd78:2::1", a), 0);
	CHECK(!ipam_overlaps6(a, 64, b, 64));
	err_clear();
}

/* A dual-stack network: each family leases on its own, the IPv6 one
 * from ::2 up, and a release gives back both. */
TEST(ipam_ipv6_leases)
{
	struct net_cfg n;
	char *root = fx_net(&n, "10.88.0.0/24", NULL);
	struct ipam_holder a = { "a", "a", NULL, getpid(), self_start() };
	struct ipam_holder b = { "b", "b", NULL, getpid(), self_start() };
	uint8_t ip[16], want[16];
	uint32_t ip4 = 0;
	char s[IPAM_IP6_LEN];
	struct ipam_lease *v = NULL;
	size_t nv = 0;

	CHECK_EQ_INT(ipam_lease6(&n, &a, NULL, ip), -EINVAL);	/* no IPv6 block */
	if (ipam_cidr6_parse("fd78:1::/64", n.subnet6, &n.prefix6) < 0 ||
	    ipam_ip6_parse("fd78:1::1", n.gateway6) < 0)
		abort();
	n.ipv6 = true;
	CHECK_EQ_INT(ipam_lease(&n, &a, 0, &ip4), 0);
	CHECK_EQ_INT(ipam_lease6(&n, &a, NULL, ip), 0);
	ipam_ip6_format(ip, s);
	CHECK_EQ_STR(s, "fd78:1::2");
	CHECK_EQ_INT(ipam_lease6(&n, &a, NULL, ip), 0);	/* its own again */
	ipam_ip6_format(ip, s);
	CHECK_EQ_STR(s, "fd78:1::2");
	CHECK_EQ_INT(ipam_ip6_parse("fd78:1::2", want), 0);
	CHECK_EQ_INT(ipam_lease6(&n, &b, want, ip), -EADDRINUSE);
	CHECK_EQ_INT(ipam_ip6_parse("fd78:1::1", want), 0);	/* the gateway */
	CHECK_EQ_INT(ipam_lease6(&n, &b, want, ip), -EINVAL);
	CHECK_EQ_INT(ipam_ip6_parse("fd78:1::", want), 0);	/* the subnet's first */
	CHECK_EQ_INT(ipam_lease6(&n, &b, want, ip), -EINVAL);
	CHECK_EQ_INT(ipam_ip6_parse("fd79::5", want), 0);	/* elsewhere */
	CHECK_EQ_INT(ipam_lease6(&n, &b, want, ip), -EINVAL);
	CHECK_EQ_INT(ipam_ip6_parse("fd78:1::ffff:ffff:ffff:ffff", want), 0);	/* no broadcast */
	CHECK_EQ_INT(ipam_lease6(&n, &b, want, ip), 0);
	CHECK_EQ_INT(ipam_list(&n, &v, &nv), 0);
	CHECK_EQ_INT(nv, 3);
	if (nv == 3) {
		CHECK(!v[0].v6 && v[0].ip == ip4);	/* IPv4 first */
		CHECK(v[1].v6 && v[2].v6 && !strcmp(v[2].ctr_id, "b"));
		ipam_ip6_format(v[1].ip6, s);
		CHECK_EQ_STR(s, "fd78:1::2");
	}
	ipam_leases_free(v, nv);
	CHECK_EQ_INT(ipam_release(&n, "a"), 0);
	CHECK_EQ_INT(live_count(&n), 1);
	CHECK_EQ_INT(ipam_lease6(&n, &b, NULL, ip), 0);	/* b has one: that one */
	ipam_ip6_format(ip, s);
	CHECK_EQ_STR(s, "fd78:1::ffff:ffff:ffff:ffff");
	err_clear();
	fx_done(root, &n);
}

/* A small IPv6 block runs out as an IPv4 one does. */
TEST(ipam_ipv6_block_runs_out)
{
	struct net_cfg n;
	char *root = fx_net(&n, "10.88.0.0/24", NULL);
	uint8_t ip[16];
	char id[16], s[IPAM_IP6_LEN];

	if (ipam_cidr6_parse("fd78:1::/126", n.subnet6, &n.prefix6) < 0 ||
	    ipam_ip6_parse("fd78:1::1", n.gateway6) < 0)
		abort();
	for (int i = 0; i < 3; i++) {
		struct ipam_holder h = { id, "x", NULL, getpid(), self_start() };

		snprintf(id, sizeof(id), "s%d", i);
		CHECK_EQ_INT(ipam_lease6(&n, &h, NULL, ip), i < 2 ? 0 : -ENOSPC);
		if (i < 2) {
			ipam_ip6_format(ip, s);
			CHECK_EQ_STR(s, i ? "fd78:1::3" : "fd78:1::2");
		}
	}
	CHECK(strstr(err_str(), "no available IPv6 addresses on network t-net (fd78:1::/126)") != NULL);
	err_clear();
	fx_done(root, &n);
}
