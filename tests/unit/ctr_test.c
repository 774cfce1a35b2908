// SPDX-License-Identifier: Apache-2.0
/* ctr_test.c - container records in a scratch ROOT and STATE: create,
 * names, lookup, list, state and run files, reconciliation, removal. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/ctr/ctr.h"
#include "core/kernel/proc.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/str.h"
#include "core/util/xalloc.h"
#include "tap.h"

/* ---- a fresh ROOT and STATE per test (no heap: forked children) ---- */

struct fx {
	char root[96], state[96];
};

static int rm_one(const char *p, const struct stat *st, int type, struct FTW *f)
{
	(void)st, (void)type, (void)f;
	return remove(p);
}

static void fx_dir(char d[96])
{
	const char *u = getenv("USER");

	snprintf(d, 96, "/tmp/%s-ctr-XXXXXX", u && *u && !strchr(u, '/') ? u : "dory");
	if (!mkdtemp(d))
		abort();
}

static void fx_init(struct fx *f)
{
	fx_dir(f->root);
	fx_dir(f->state);
	dory.root = f->root;
	dory.state = f->state;
	err_clear();
}

static void fx_free(struct fx *f)
{
	if (nftw(f->root, rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0)
		TAP_FAIL("remove %s", f->root);
	if (nftw(f->state, rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0)
		TAP_FAIL("remove %s", f->state);
	dory.root = dory.state = NULL;
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* STATE/containers/ID[/run.json] (allocated). */
static char *state_path(const char *id, bool run)
{
	return xasprintf("%s/containers/%s%s", dory.state, id, run ? "/run.json" : "");
}

static bool is_hex_id(const char *s)
{
	return strlen(s) == CTR_ID_LEN && s[strspn(s, "0123456789abcdef")] == '\0';
}

/* A container named name (NULL: generated) with id (NULL: random). */
static int make(const char *name, const char *id, char out[CTR_ID_LEN + 1])
{
	struct ctr_config c = { 0 };
	int r;

	if (id)
		snprintf(c.id, sizeof(c.id), "%s", id);
	c.name = name ? xstrdup(name) : NULL;
	strv_push(&c.argv, "/bin/true");
	r = ctr_create(&c);
	if (out)
		memcpy(out, c.id, CTR_ID_LEN + 1);
	ctr_config_clear(&c);
	return r;
}

/* An id of 64 hex digits: prefix, then fill. */
static void mk_id(char id[CTR_ID_LEN + 1], const char *prefix, char fill)
{
	memset(id, fill, CTR_ID_LEN);
	id[CTR_ID_LEN] = '\0';
	memcpy(id, prefix, strlen(prefix));
}

/* ---- create and config.json ---- */

TEST(ctr_create_fills_id_name_created)
{
	struct fx f;
	struct ctr_config c = { 0 };
	long long before, after;
	char *dir;
	size_t us;

	fx_init(&f);
	strv_push(&c.argv, "sh");
	before = ctr_now();
	CHECK_EQ_INT(ctr_create(&c), 0);
	after = ctr_now();
	CHECK(is_hex_id(c.id));
	CHECK(c.name != NULL);
	if (c.name) {
		us = strcspn(c.name, "_");
		/* adjective_fish: two lower-case words */
		CHECK(us > 0 && c.name[us] == '_' && c.name[us + 1]);
		CHECK(c.name[strspn(c.name, "abcdefghijklmnopqrstuvwxyz_")] == '\0');
		CHECK(strchr(c.name + us + 1, '_') == NULL);
		CHECK(ctr_name_ok(c.name));
	}
	CHECK(c.created_ns >= before && c.created_ns <= after);
	dir = ctr_dir(c.id);
	CHECK(exists(dir));
	free(dir);
	ctr_config_clear(&c);
	fx_free(&f);
}

TEST(ctr_create_generated_names_differ)
{
	struct fx f;
	char a[CTR_ID_LEN + 1], b[CTR_ID_LEN + 1];
	struct ctr_config x, y;

	fx_init(&f);
	/* The same first 8 digits seed the same name: the second must move on. */
	mk_id(a, "12345678", 'a');
	mk_id(b, "12345678", 'b');
	CHECK_EQ_INT(make(NULL, a, NULL), 0);
	CHECK_EQ_INT(make(NULL, b, NULL), 0);
	CHECK_EQ_INT(ctr_config_load(a, &x), 0);
	CHECK_EQ_INT(ctr_config_load(b, &y), 0);
	CHECK(x.name && y.name && strcmp(x.name, y.name) != 0);
	ctr_config_clear(&x);
	ctr_config_clear(&y);
	fx_free(&f);
}

static void fill_config(struct ctr_config *c)
{
	static const char *const argv[] = { "/docker-entrypoint.sh", "nginx", "-g", "daemon off;" };

	c->name = xstrdup("web-1.a_b");
	c->image = xstrdup("nginx:1.25");
	c->image_id = xstrdup("sha256:0123456789abcdef0123456789abcdef"
			      "0123456789abcdef0123456789abcdef");
	c->rootfs = xstrdup("/srv/root fs");
	c->driver = CTRFS_BINDCOPY;
	for (size_t i = 0; i < 4; i++)
		strv_push(&c->argv, argv[i]);
	strv_push(&c->entrypoint, "/docker-entrypoint.sh");
	strv_push(&c->cmd, "nginx");
	strv_push(&c->cmd, "");
	strv_push(&c->env, "PATH=/usr/bin:/bin");
	strv_push(&c->env, "QUOTE=\"a b\"\\\n\tc");
	c->hostname = xstrdup("web");
	c->user = xstrdup("101:101");
	c->workdir = xstrdup("");
	c->caps = 0x80000000a80425fbULL;
	strv_push(&c->cap_add, "NET_ADMIN");
	strv_push(&c->cap_drop, "ALL");
	c->devices = xzalloc(3 * sizeof(*c->devices));
	CHECK_EQ_INT(secpol_device_parse("/dev/fuse", &c->devices[0]), 0);
	CHECK_EQ_INT(secpol_device_parse("/dev/null:/dev/x/n:rw", &c->devices[1]), 0);
	c->ndevices = 2;
	strv_push(&c->labels, "com.example.k=v=w");
	strv_push(&c->labels, "empty=");
	strv_push(&c->dns, "10.0.0.1");
	strv_push(&c->dns, "10.0.0.2");
	strv_push(&c->dns_search, "example.com");
	strv_push(&c->dns_opts, "ndots:2");
	strv_push(&c->extra_hosts, "db:10.1.2.3");
	c->readonly = c->tty = c->interactive = c->privileged = c->autoremove = true;
	c->limits = (struct cg_limits){ .memory = 512LL << 20, .memory_swap = -1,
		.cpu_quota_us = 150000, .cpu_period_us = 100000, .cpu_shares = 512, .pids = 100,
		.cpuset_cpus = xstrdup("0-1,3"), .cpuset_mems = xstrdup("0") };
	c->seccomp = SECPOL_SECCOMP_FILE;
	c->stop_signal = xstrdup("SIGQUIT");
	c->stop_timeout = 42;
	c->restart = CTR_RESTART_ON_FAILURE;
	c->restart_max = 5;
	c->log_max_size = 10LL << 30;
	c->log_max_file = 7;
	c->userns = (struct userns_map){ .base = 4000000000U, .count = 65536 };
	c->health = (struct health_config){ .set = true, .interval = 2000000000LL, .retries = 4,
					    .timeout = 5000000LL, .start_period = 7,
					    .start_interval = 8 };
	strv_push(&c->health.test, "CMD-SHELL");
	strv_push(&c->health.test, "true");
	c->init = true;
}

static void check_strv(const struct strv *a, const struct strv *b)
{
	CHECK_EQ_INT(a->n, b->n);
	for (size_t i = 0; i < a->n && i < b->n; i++)
		CHECK_EQ_STR(a->v[i], b->v[i]);
}

TEST(ctr_config_round_trip_keeps_every_field)
{
	struct fx f;
	struct ctr_config c = { 0 }, l;

	fx_init(&f);
	fill_config(&c);
	CHECK_EQ_INT(ctr_create(&c), 0);
	CHECK(c.created_ns > (1LL << 53));
	CHECK_EQ_INT(ctr_config_load(c.id, &l), 0);
	CHECK_EQ_STR(l.id, c.id);
	CHECK_EQ_STR(l.name, c.name);
	CHECK_EQ_STR(l.image, c.image);
	CHECK_EQ_STR(l.image_id, c.image_id);
	CHECK_EQ_STR(l.rootfs, c.rootfs);
	CHECK_EQ_INT(l.driver, CTRFS_BINDCOPY);
	check_strv(&l.argv, &c.argv);
	check_strv(&l.entrypoint, &c.entrypoint);
	check_strv(&l.cmd, &c.cmd);
	check_strv(&l.env, &c.env);
	CHECK_EQ_STR(l.hostname, c.hostname);
	CHECK_EQ_STR(l.user, c.user);
	CHECK_EQ_STR(l.workdir, "");
	CHECK(l.caps == c.caps);
	check_strv(&l.cap_add, &c.cap_add);
	check_strv(&l.cap_drop, &c.cap_drop);
	CHECK_EQ_INT(l.ndevices, 2);
	for (size_t i = 0; i < l.ndevices && i < 2; i++) {
		CHECK_EQ_STR(l.devices[i].host, c.devices[i].host);
		CHECK_EQ_STR(l.devices[i].path, c.devices[i].path);
		CHECK_EQ_STR(l.devices[i].access, c.devices[i].access);
	}
	check_strv(&l.labels, &c.labels);
	check_strv(&l.dns, &c.dns);
	check_strv(&l.dns_search, &c.dns_search);
	check_strv(&l.dns_opts, &c.dns_opts);
	check_strv(&l.extra_hosts, &c.extra_hosts);
	CHECK(l.readonly && l.tty && l.interactive && l.privileged && l.autoremove);
	CHECK_EQ_INT(l.limits.memory, 512LL << 20);
	CHECK_EQ_INT(l.limits.memory_swap, -1);
	CHECK_EQ_INT(l.limits.cpu_quota_us, 150000);
	CHECK_EQ_INT(l.limits.cpu_period_us, 100000);
	CHECK_EQ_INT(l.limits.cpu_shares, 512);
	CHECK_EQ_INT(l.limits.pids, 100);
	CHECK_EQ_STR(l.limits.cpuset_cpus, "0-1,3");
	CHECK_EQ_STR(l.limits.cpuset_mems, "0");
	CHECK_EQ_INT(l.seccomp, SECPOL_SECCOMP_FILE);
	CHECK_EQ_STR(l.stop_signal, "SIGQUIT");
	CHECK_EQ_INT(l.stop_timeout, 42);
	CHECK_EQ_INT(l.restart, CTR_RESTART_ON_FAILURE);
	CHECK_EQ_INT(l.restart_max, 5);
	CHECK_EQ_INT(l.log_max_size, 10LL << 30);
	CHECK_EQ_INT(l.log_max_file, 7);
	CHECK_EQ_INT(l.created_ns, c.created_ns);	/* past 2^53: exact */
	CHECK_EQ_INT(l.userns.base, 4000000000U);
	CHECK_EQ_INT(l.userns.count, 65536);
	CHECK(l.health.set && l.init);
	check_strv(&l.health.test, &c.health.test);
	CHECK_EQ_INT(l.health.interval, 2000000000LL);
	CHECK_EQ_INT(l.health.timeout, 5000000LL);
	CHECK_EQ_INT(l.health.start_period, 7);
	CHECK_EQ_INT(l.health.start_interval, 8);
	CHECK_EQ_INT(l.health.retries, 4);
	ctr_config_clear(&l);
	ctr_config_clear(&c);
	fx_free(&f);
}

TEST(ctr_config_round_trip_unset_fields)
{
	struct fx f;
	struct ctr_config c = { 0 }, l;

	fx_init(&f);
	c.name = xstrdup("plain");
	c.restart = CTR_RESTART_UNLESS_STOPPED;
	CHECK_EQ_INT(ctr_create(&c), 0);
	CHECK_EQ_INT(ctr_config_load(c.id, &l), 0);
	CHECK(!l.image && !l.image_id && !l.rootfs && l.driver == CTRFS_OVERLAY && !l.hostname);
	CHECK(!l.limits.cpuset_cpus && !l.limits.cpuset_mems && !l.ndevices);
	CHECK(!l.health.set && !l.init);
	CHECK_EQ_INT(l.seccomp, SECPOL_SECCOMP_DEFAULT);
	CHECK_EQ_INT(l.argv.n, 0);
	CHECK_EQ_INT(l.labels.n, 0);
	CHECK_EQ_INT(l.dns.n + l.dns_search.n + l.dns_opts.n + l.extra_hosts.n, 0);
	CHECK(l.caps == 0 && !l.tty && !l.privileged);
	CHECK_EQ_INT(l.restart, CTR_RESTART_UNLESS_STOPPED);
	CHECK_EQ_INT(l.userns.count, 0);
	ctr_config_clear(&l);
	ctr_config_clear(&c);
	fx_free(&f);
}

/* Every kind of mount, and what it needs beyond Docker's MountPoint. */
TEST(ctr_config_round_trip_keeps_mounts)
{
	static const char *const specs[][2] = {
		{ "v", "/h:/h:ro,rslave" }, { "v", "/anon" }, { "m", "src=v1,dst=/m,volume-nocopy" },
		{ "m", "type=tmpfs,dst=/t,tmpfs-size=1k" }, { "t", "/run:exec" },
	};
	struct fx f;
	struct ctr_config c = { 0 }, l;

	fx_init(&f);
	c.mounts = xzalloc((ARRAY_SIZE(specs) + 1) * sizeof(*c.mounts));
	for (size_t i = 0; i < ARRAY_SIZE(specs); i++) {
		const char *k = specs[i][0], *v = specs[i][1];
		int r = *k == 'v' ? vol_spec_parse(v, &c.mounts[i]) :
			*k == 'm' ? vol_mount_opt_parse(v, &c.mounts[i]) :
			vol_tmpfs_parse(v, &c.mounts[i]);

		CHECK_EQ_INT(r, 0);
		c.nmounts++;
	}
	CHECK_EQ_INT(ctr_create(&c), 0);
	CHECK_EQ_INT(ctr_config_load(c.id, &l), 0);
	CHECK_EQ_INT(l.nmounts, ARRAY_SIZE(specs));
	for (size_t i = 0; i < l.nmounts && i < c.nmounts; i++) {
		const struct vol_mount *a = &c.mounts[i], *b = &l.mounts[i];

		CHECK_EQ_INT(b->type, a->type);
		CHECK_EQ_INT(b->from, a->from);
		CHECK_EQ_STR(b->target, a->target);
		CHECK(!a->name == !b->name && (!a->name || !strcmp(a->name, b->name)));
		CHECK(!a->source == !b->source && (!a->source || !strcmp(a->source, b->source)));
		CHECK(!a->data == !b->data && (!a->data || !strcmp(a->data, b->data)));
		CHECK(!a->propagation == !b->propagation &&
		      (!a->propagation || !strcmp(a->propagation, b->propagation)));
		CHECK(a->ro == b->ro && a->nocopy == b->nocopy && a->anon == b->anon);
	}
	CHECK(l.mounts[1].anon && l.mounts[2].nocopy && l.mounts[0].ro);
	ctr_config_clear(&l);
	ctr_config_clear(&c);
	fx_free(&f);
}

/* --ulimit, --sysctl, --group-add, --shm-size, --oom-score-adj, --pid. */
TEST(ctr_config_round_trip_tune)
{
	struct fx f;
	struct ctr_config c = { 0 }, l;
	struct rt_tune *t = &c.tune;

	fx_init(&f);
	c.name = xstrdup("tuned");
	t->ulimits = xzalloc(3 * sizeof(*t->ulimits));
	t->ulimits[0] = (struct rt_ulimit){ RLIMIT_NOFILE, 1024, 2048 };
	t->ulimits[1] = (struct rt_ulimit){ RLIMIT_CORE, -1, -1 };
	t->nulimits = 2;
	strv_push(&t->sysctls, "kernel.sem=250 32000 32 128");
	strv_push(&t->groups, "staff");
	strv_push(&t->groups, "1234");
	t->shm_size = 1LL << 30;
	t->oom_score_adj = -17;
	t->oom_set = t->hostpid = true;
	CHECK_EQ_INT(ctr_create(&c), 0);
	CHECK_EQ_INT(ctr_config_load(c.id, &l), 0);
	CHECK_EQ_INT(l.tune.nulimits, 2);
	CHECK_EQ_INT(l.tune.ulimits[0].resource, RLIMIT_NOFILE);
	CHECK_EQ_INT(l.tune.ulimits[0].soft, 1024);
	CHECK_EQ_INT(l.tune.ulimits[0].hard, 2048);
	CHECK_EQ_INT(l.tune.ulimits[1].resource, RLIMIT_CORE);
	CHECK_EQ_INT(l.tune.ulimits[1].soft, -1);
	check_strv(&l.tune.sysctls, &t->sysctls);
	check_strv(&l.tune.groups, &t->groups);
	CHECK_EQ_INT(l.tune.shm_size, 1LL << 30);
	CHECK(l.tune.oom_set && l.tune.hostpid);
	CHECK_EQ_INT(l.tune.oom_score_adj, -17);
	ctr_config_clear(&l);
	ctr_config_clear(&c);
	c = (struct ctr_config){ .name = xstrdup("plain") };
	CHECK_EQ_INT(ctr_create(&c), 0);
	CHECK_EQ_INT(ctr_config_load(c.id, &l), 0);
	CHECK(!l.tune.nulimits && !l.tune.sysctls.n && !l.tune.groups.n && !l.tune.oom_set &&
	      !l.tune.hostpid && !l.tune.shm_size && !l.pid_ctr);
	ctr_config_clear(&l);
	ctr_config_clear(&c);
	c = (struct ctr_config){ .name = xstrdup("joins"), .pid_ctr = xstrdup("0123abcd") };
	CHECK_EQ_INT(ctr_create(&c), 0);
	CHECK_EQ_INT(ctr_config_load(c.id, &l), 0);	/* --pid container:ID */
	CHECK(!l.tune.hostpid && l.pid_ctr && !strcmp(l.pid_ctr, "0123abcd"));
	ctr_config_clear(&l);
	ctr_config_clear(&c);
	fx_free(&f);
}

/* A record as earlier dorys wrote it (modes as strings, --device as
 * given) loads into the same enums and devices. */
TEST(ctr_config_loads_earlier_records)
{
	static const struct {
		const char *json;
		enum ctrfs_driver driver;
		enum secpol_seccomp seccomp;
	} v[] = {
		{ "\"Driver\":\"bind-copy\",\"Seccomp\":\"unconfined\"", CTRFS_BINDCOPY,
		  SECPOL_SECCOMP_UNCONFINED },
		{ "\"Driver\":\"overlay\",\"Seccomp\":\"file\"", CTRFS_OVERLAY,
		  SECPOL_SECCOMP_FILE },
		{ "\"Seccomp\":\"default\"", CTRFS_OVERLAY, SECPOL_SECCOMP_DEFAULT },
		{ "\"Seccomp\":\"bogus\"", CTRFS_OVERLAY, SECPOL_SECCOMP_DEFAULT },
	};
	struct fx f;
	struct ctr_config l;
	char id[CTR_ID_LEN + 1];
	autofree char *p = NULL;

	fx_init(&f);
	CHECK_EQ_INT(make("old", NULL, id), 0);
	p = xasprintf("%s/containers/%s/config.json", dory.root, id);
	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		autofree char *text = xasprintf(
			"{\"Id\":\"%s\",\"Name\":\"old\",%s,\"Devices\":[\"/dev/fuse\","
			"\"/dev/null:rw\",\"/dev/zero:/dev/z:r\",\":/dev/x\"]}", id, v[i].json);

		CHECK_EQ_INT(fsutil_write_atomic(p, text, false), 0);
		CHECK_EQ_INT(ctr_config_load(id, &l), 0);
		CHECK_EQ_INT(l.driver, v[i].driver);
		CHECK_EQ_INT(l.seccomp, v[i].seccomp);
		CHECK_EQ_INT(l.ndevices, 3);	/* the damaged one left out */
		if (l.ndevices == 3) {
			CHECK_EQ_STR(l.devices[0].path, "/dev/fuse");
			CHECK_EQ_STR(l.devices[0].access, "rwm");
			CHECK_EQ_STR(l.devices[1].path, "/dev/null");
			CHECK_EQ_STR(l.devices[1].access, "rw");
			CHECK_EQ_STR(l.devices[2].host, "/dev/zero");
			CHECK_EQ_STR(l.devices[2].path, "/dev/z");
			CHECK_EQ_STR(l.devices[2].access, "r");
		}
		ctr_config_clear(&l);
	}
	CHECK_EQ_INT(err_errno(), 0);
	fx_free(&f);
}

TEST(ctr_config_load_missing_and_damaged)
{
	struct fx f;
	struct ctr_config l;
	char id[CTR_ID_LEN + 1], *p;

	fx_init(&f);
	mk_id(id, "dead", '0');
	CHECK_EQ_INT(ctr_config_load(id, &l), -ENOENT);
	CHECK(strstr(err_str(), "no such container") != NULL);
	CHECK_EQ_INT(make("dmg", NULL, id), 0);
	p = xasprintf("%s/containers/%s/config.json", dory.root, id);
	CHECK_EQ_INT(fsutil_write_atomic(p, "{\"Id\":\"short\",\"Name\":\"dmg\"}", false), 0);
	CHECK_EQ_INT(ctr_config_load(id, &l), -EINVAL);
	CHECK_EQ_INT(fsutil_write_atomic(p, "not json", false), 0);
	CHECK_EQ_INT(ctr_config_load(id, &l), -EINVAL);
	/* A damaged record is not listed, and does not break lookups. */
	CHECK_EQ_INT(ctr_find("dmg", id), -ENOENT);
	free(p);
	fx_free(&f);
}

/* ---- names, restart policies, signals ---- */

TEST(ctr_create_duplicate_name_refused)
{
	struct fx f;
	char a[CTR_ID_LEN + 1], b[CTR_ID_LEN + 1];
	struct strv ids = { 0 };
	char want[16];

	fx_init(&f);
	CHECK_EQ_INT(make("web", NULL, a), 0);
	CHECK_EQ_INT(make("web", NULL, b), -EEXIST);
	snprintf(want, sizeof(want), "%.12s", a);
	CHECK(strstr(err_str(), want) != NULL);		/* names the holder */
	CHECK(strstr(err_str(), "\"/web\"") != NULL);
	CHECK_EQ_INT(ctr_list(&ids), 0);
	CHECK_EQ_INT(ids.n, 1);				/* nothing left of the second */
	strv_free(&ids);
	fx_free(&f);
}

TEST(ctr_name_ok_docker_rule)
{
	static const char *const good[] = { "ab", "web", "Web-1", "a.b_c-d", "0x", "9_", "a--",
					    "A.", NULL };
	static const char *const bad[] = { "", "-a", "_a", ".a", "a b", "a/b", "/ab", "é1",
					   "a:b", "a\n", "a*", NULL };

	for (size_t i = 0; good[i]; i++)
		if (!ctr_name_ok(good[i]))
			TAP_FAIL("ctr_name_ok(\"%s\") refused", good[i]);
	for (size_t i = 0; bad[i]; i++)
		if (ctr_name_ok(bad[i]))
			TAP_FAIL("ctr_name_ok(\"%s\") accepted", bad[i]);
}

TEST(ctr_name_ok_one_char_refused_as_docker)
{
	/* moby daemon/names: ^[a-zA-Z0-9][a-zA-Z0-9_.-]+$, two characters at least. */
	CHECK(!ctr_name_ok("a"));
	CHECK(!ctr_name_ok("7"));
}

TEST(ctr_restart_parse_policies)
{
	struct ctr_config c = { 0 };

	CHECK_EQ_INT(ctr_restart_parse("no", &c), 0);
	CHECK_EQ_INT(c.restart, CTR_RESTART_NO);
	CHECK_EQ_INT(ctr_restart_parse("always", &c), 0);
	CHECK_EQ_INT(c.restart, CTR_RESTART_ALWAYS);
	CHECK_EQ_INT(ctr_restart_parse("unless-stopped", &c), 0);
	CHECK_EQ_INT(c.restart, CTR_RESTART_UNLESS_STOPPED);
	CHECK_EQ_INT(ctr_restart_parse("on-failure:3", &c), 0);
	CHECK_EQ_INT(c.restart, CTR_RESTART_ON_FAILURE);
	CHECK_EQ_INT(c.restart_max, 3);
	CHECK_EQ_INT(ctr_restart_parse("on-failure", &c), 0);
	CHECK_EQ_INT(c.restart, CTR_RESTART_ON_FAILURE);
	CHECK_EQ_INT(c.restart_max, 0);
	CHECK_EQ_INT(ctr_restart_parse("on-failure:0", &c), 0);
	CHECK_EQ_INT(c.restart_max, 0);
}

TEST(ctr_restart_parse_bad)
{
	static const char *const bad[] = { "", "never", "Always", "always:3", "on-failure:",
					   "on-failure:-1", "on-failure:3x", "on-failure:x",
					   "on-failure:99999999999999999999", "unless-stopped:1",
					   "on-failure 3", NULL };
	struct ctr_config c = { 0 };

	for (size_t i = 0; bad[i]; i++) {
		err_clear();
		if (ctr_restart_parse(bad[i], &c) != -EINVAL)
			TAP_FAIL("ctr_restart_parse(\"%s\") accepted", bad[i]);
		else if (!strstr(err_str(), "invalid restart policy"))
			TAP_FAIL("message for \"%s\": %s", bad[i], err_str());
	}
}

TEST(ctr_signal_parse_names_and_numbers)
{
	CHECK_EQ_INT(ctr_signal_parse("SIGTERM"), SIGTERM);
	CHECK_EQ_INT(ctr_signal_parse("TERM"), SIGTERM);
	CHECK_EQ_INT(ctr_signal_parse("term"), SIGTERM);
	CHECK_EQ_INT(ctr_signal_parse("sigkill"), SIGKILL);
	CHECK_EQ_INT(ctr_signal_parse("9"), 9);
	CHECK_EQ_INT(ctr_signal_parse("15"), 15);
	CHECK_EQ_INT(ctr_signal_parse("SIGQUIT"), SIGQUIT);
	CHECK_EQ_INT(ctr_signal_parse("USR1"), SIGUSR1);
	CHECK_EQ_INT(ctr_signal_parse("WINCH"), SIGWINCH);
}

TEST(ctr_signal_parse_bad)
{
	static const char *const bad[] = { "", "SIG", "0", "65", "-9", "9x", "SIGFOO", "TERMX",
					   " TERM", "SIG9", NULL };

	for (size_t i = 0; bad[i]; i++) {
		err_clear();
		if (ctr_signal_parse(bad[i]) != -EINVAL)
			TAP_FAIL("ctr_signal_parse(\"%s\") accepted", bad[i]);
		else if (!strstr(err_str(), "invalid signal"))
			TAP_FAIL("message for \"%s\": %s", bad[i], err_str());
	}
}

/* ---- lookup and listing ---- */

TEST(ctr_find_by_name_id_prefix)
{
	struct fx f;
	char a[CTR_ID_LEN + 1], b[CTR_ID_LEN + 1], got[CTR_ID_LEN + 1];

	fx_init(&f);
	mk_id(a, "abc1", '1');
	mk_id(b, "abc2", '2');
	CHECK_EQ_INT(make("alpha", a, NULL), 0);
	CHECK_EQ_INT(make("beta", b, NULL), 0);
	memset(got, 0, sizeof(got));
	CHECK_EQ_INT(ctr_find("alpha", got), 0);
	CHECK_EQ_STR(got, a);
	CHECK_EQ_INT(ctr_find("/beta", got), 0);
	CHECK_EQ_STR(got, b);
	CHECK_EQ_INT(ctr_find(a, got), 0);
	CHECK_EQ_STR(got, a);
	CHECK_EQ_INT(ctr_find("abc2", got), 0);
	CHECK_EQ_STR(got, b);
	CHECK_EQ_INT(ctr_find("abc1111", got), 0);
	CHECK_EQ_STR(got, a);
	fx_free(&f);
}

TEST(ctr_find_ambiguous_prefix)
{
	struct fx f;
	char a[CTR_ID_LEN + 1], b[CTR_ID_LEN + 1], got[CTR_ID_LEN + 1] = "";

	fx_init(&f);
	mk_id(a, "abc1", '1');
	mk_id(b, "abc2", '2');
	CHECK_EQ_INT(make("alpha", a, NULL), 0);
	CHECK_EQ_INT(make("beta", b, NULL), 0);
	CHECK_EQ_INT(ctr_find("abc", got), -EINVAL);
	CHECK(strstr(err_str(), "matches 2 containers") != NULL);
	CHECK_EQ_INT(ctr_find("a", got), -EINVAL);
	fx_free(&f);
}

TEST(ctr_find_unknown)
{
	struct fx f;
	char a[CTR_ID_LEN + 1], got[CTR_ID_LEN + 1];

	fx_init(&f);
	/* No containers directory yet. */
	CHECK_EQ_INT(ctr_find("web", got), -ENOENT);
	mk_id(a, "abc1", '1');
	CHECK_EQ_INT(make("alpha", a, NULL), 0);
	CHECK_EQ_INT(ctr_find("gamma", got), -ENOENT);
	CHECK(strstr(err_str(), "no such container: gamma") != NULL);
	CHECK_EQ_INT(ctr_find("abd", got), -ENOENT);
	CHECK_EQ_INT(ctr_find("", got), -ENOENT);
	CHECK_EQ_INT(ctr_find("/", got), -ENOENT);
	CHECK_EQ_INT(ctr_find("/abc1", got), -ENOENT);	/* "/" makes it a name */
	CHECK_EQ_INT(ctr_find("ALPHA", got), -ENOENT);
	fx_free(&f);
}

TEST(ctr_list_oldest_first)
{
	struct fx f;
	static const char *const pre[] = { "ff", "ee", "dd", "cc" };
	char ids[4][CTR_ID_LEN + 1];
	struct strv l = { 0 };

	fx_init(&f);
	CHECK_EQ_INT(ctr_list(&l), 0);	/* no containers directory: empty */
	CHECK_EQ_INT(l.n, 0);
	/* Ids made to sort the other way round: the order must be by time. */
	for (size_t i = 0; i < 4; i++) {
		char name[8];

		snprintf(name, sizeof(name), "c%zu", i);
		mk_id(ids[i], pre[i], '0');
		CHECK_EQ_INT(make(name, ids[i], NULL), 0);
	}
	CHECK_EQ_INT(ctr_list(&l), 0);
	CHECK_EQ_INT(l.n, 4);
	for (size_t i = 0; i < 4 && i < l.n; i++)
		CHECK_EQ_STR(l.v[i], ids[i]);
	strv_free(&l);
	fx_free(&f);
}

/* ---- state.json and run.json ---- */

TEST(ctr_state_round_trip_without_supervisor)
{
	struct fx f;
	char id[CTR_ID_LEN + 1];
	struct ctr_state s = { 0 }, l;
	char *runp, *sdir;

	fx_init(&f);
	CHECK_EQ_INT(make("st", NULL, id), 0);
	runp = state_path(id, true);
	sdir = state_path(id, false);
	CHECK_EQ_INT(ctr_state_load(id, false, &l), 0);
	CHECK_EQ_INT(l.status, CTR_CREATED);
	CHECK(!exists(runp));
	s.status = CTR_EXITED;
	s.exit_code = 143;
	s.oom_killed = true;
	s.manual_stop = true;
	s.restart_count = 3;
	s.started_ns = 1700000000123456789LL;
	s.finished_ns = 1700000001987654321LL;
	snprintf(s.error, sizeof(s.error), "exec \"/nope\": no such file \"quoted\"\n\ttab");
	CHECK_EQ_INT(ctr_state_save(id, &s), 0);
	CHECK(!exists(runp));
	CHECK(!exists(sdir));
	CHECK_EQ_INT(ctr_state_load(id, false, &l), 0);
	CHECK_EQ_INT(l.status, CTR_EXITED);
	CHECK_EQ_INT(l.exit_code, 143);
	CHECK(l.oom_killed && l.manual_stop);
	CHECK_EQ_INT(l.restart_count, 3);
	CHECK_EQ_INT(l.started_ns, 1700000000123456789LL);
	CHECK_EQ_INT(l.finished_ns, 1700000001987654321LL);
	CHECK_EQ_STR(l.error, s.error);
	CHECK(l.pid == 0 && l.sup_pid == 0 && l.cg.n == 0);
	ctr_state_clear(&l);
	free(runp);
	free(sdir);
	fx_free(&f);
}

static void fake_cg(struct cg *cg)
{
	cg->n = 2;
	cg->h[0] = (struct cg_hier){ .ver = CG_V1, .ctrl = xstrdup("cpu,cpuacct"),
		.dir = xstrdup("/sys/fs/cgroup/cpu,cpuacct/dory/x y"),
		.mnt_len = strlen("/sys/fs/cgroup/cpu,cpuacct") };
	cg->h[1] = (struct cg_hier){ .ver = CG_V2, .ctrl = xstrdup(""),
		.dir = xstrdup("/sys/fs/cgroup/unified/dory/x y"),
		.mnt_len = strlen("/sys/fs/cgroup/unified") };
}

TEST(ctr_state_live_supervisor_stays_running)
{
	struct fx f;
	char id[CTR_ID_LEN + 1];
	struct ctr_state s = { 0 }, l;
	char *runp;

	fx_init(&f);
	CHECK_EQ_INT(make("live", NULL, id), 0);
	runp = state_path(id, true);
	s.status = CTR_RUNNING;
	s.started_ns = ctr_now();
	s.pid = 4242;
	s.sup_pid = getpid();
	s.sup_start = proc_self_start();
	fake_cg(&s.cg);
	CHECK(ctr_sup_alive(&s));
	CHECK_EQ_INT(ctr_state_save(id, &s), 0);
	CHECK(exists(runp));
	CHECK_EQ_INT(ctr_state_load(id, false, &l), 0);
	CHECK_EQ_INT(l.status, CTR_RUNNING);
	CHECK_EQ_INT(l.pid, 4242);
	CHECK_EQ_INT(l.sup_pid, getpid());
	CHECK(l.sup_start == s.sup_start);
	CHECK_EQ_INT(l.started_ns, s.started_ns);
	CHECK_EQ_INT(l.cg.n, 2);
	if (l.cg.n == 2) {
		CHECK_EQ_INT(l.cg.h[0].ver, CG_V1);
		CHECK_EQ_STR(l.cg.h[0].ctrl, "cpu,cpuacct");
		CHECK_EQ_STR(l.cg.h[0].dir, s.cg.h[0].dir);
		CHECK_EQ_INT(l.cg.h[0].mnt_len, s.cg.h[0].mnt_len);
		CHECK_EQ_INT(l.cg.h[1].ver, CG_V2);
		CHECK_EQ_STR(l.cg.h[1].ctrl, "");
		CHECK_EQ_STR(l.cg.h[1].dir, s.cg.h[1].dir);
	}
	CHECK(exists(runp));
	ctr_state_clear(&l);
	/* Saved without a supervisor: run.json and its directory go. */
	s.status = CTR_EXITED;
	s.sup_pid = 0;
	CHECK_EQ_INT(ctr_state_save(id, &s), 0);
	CHECK(!exists(runp));
	ctr_state_clear(&s);
	free(runp);
	fx_free(&f);
}

TEST(ctr_sup_alive_start_time_must_match)
{
	struct ctr_state s = { .sup_pid = getpid() };
	unsigned long long st = proc_self_start();

	SKIP_IF(getenv("DORY_UNIT_QEMU") && st == 0,
		"qemu-user's /proc/self/stat has no start time (field 22 reads 0)");
	CHECK(st > 0);
	s.sup_start = st;
	CHECK(ctr_sup_alive(&s));
	s.sup_start = st + 1;	/* the pid was reused by another process */
	CHECK(!ctr_sup_alive(&s));
	s.sup_pid = 0;
	CHECK(!ctr_sup_alive(&s));
}

/* The pid of a child that has exited and been reaped. */
static pid_t dead_pid(void)
{
	pid_t pid;
	int st;

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(0);
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		abort();
	return pid;
}

TEST(ctr_state_dead_supervisor_reconciled_137)
{
	struct fx f;
	char id[CTR_ID_LEN + 1];
	struct ctr_state s = { 0 }, l;
	char *runp, *sdir, *cgdir;
	long long before;

	s.sup_pid = dead_pid();	/* first: the child leaves with no heap of ours */
	fx_init(&f);
	CHECK_EQ_INT(make("dead", NULL, id), 0);
	runp = state_path(id, true);
	sdir = state_path(id, false);
	/* Its cgroup: an empty directory the reconciliation removes. */
	cgdir = xasprintf("%s/cg/dory-x", f.state);
	CHECK_EQ_INT(fsutil_mkdir_p(cgdir, 0700), 0);
	s.status = CTR_RUNNING;
	s.pid = 4243;
	s.sup_start = 987654321ULL;
	s.cg.n = 1;
	s.cg.h[0] = (struct cg_hier){ .ver = CG_V2, .ctrl = xstrdup(""), .dir = xstrdup(cgdir),
		.mnt_len = strlen(f.state) };
	CHECK(!ctr_sup_alive(&s));
	CHECK_EQ_INT(ctr_state_save(id, &s), 0);
	CHECK(exists(runp));
	before = ctr_now();
	CHECK_EQ_INT(ctr_state_load(id, false, &l), 0);
	CHECK_EQ_INT(l.status, CTR_EXITED);
	CHECK_EQ_INT(l.exit_code, 137);
	CHECK_EQ_STR(l.error, "its supervisor was killed");
	CHECK(l.finished_ns >= before);
	CHECK(l.pid == 0 && l.sup_pid == 0 && l.sup_start == 0 && l.cg.n == 0);
	CHECK(!exists(runp));
	CHECK(!exists(sdir));
	CHECK(!exists(cgdir));
	ctr_state_clear(&l);
	/* Recorded: the next load reads the same without reconciling again. */
	CHECK_EQ_INT(ctr_state_load(id, false, &l), 0);
	CHECK_EQ_INT(l.status, CTR_EXITED);
	CHECK_EQ_INT(l.exit_code, 137);
	CHECK_EQ_STR(l.error, "its supervisor was killed");
	ctr_state_clear(&l);
	ctr_state_clear(&s);
	free(runp);
	free(sdir);
	free(cgdir);
	fx_free(&f);
}

TEST(ctr_state_reboot_reconciled_255)
{
	struct fx f;
	char id[CTR_ID_LEN + 1];
	struct ctr_state s = { 0 }, l;
	char *base;
	int lk;

	fx_init(&f);
	CHECK_EQ_INT(make("boot", NULL, id), 0);
	s.status = CTR_PAUSED;
	s.pid = 4244;
	s.sup_pid = getpid();
	s.sup_start = proc_self_start();
	CHECK_EQ_INT(ctr_state_save(id, &s), 0);
	/* A reboot: STATE is a tmpfs, gone with everything in it. */
	base = xasprintf("%s/containers", dory.state);
	CHECK_EQ_INT(nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
	lk = ctr_lock(id);
	CHECK(lk >= 0);
	CHECK_EQ_INT(ctr_state_load(id, true, &l), 0);	/* the caller holds the lock */
	CHECK_EQ_INT(l.status, CTR_EXITED);
	CHECK_EQ_INT(l.exit_code, 255);
	CHECK_EQ_STR(l.error, "the system restarted while it ran");
	CHECK(l.pid == 0 && l.sup_pid == 0);
	if (lk >= 0)
		close(lk);
	ctr_state_clear(&l);
	free(base);
	fx_free(&f);
}

TEST(ctr_state_stale_run_json_of_stopped_removed)
{
	struct fx f;
	char id[CTR_ID_LEN + 1], *runp;
	struct ctr_state s = { 0 }, l;

	s.sup_pid = dead_pid();
	fx_init(&f);
	CHECK_EQ_INT(make("stale", NULL, id), 0);
	runp = state_path(id, true);
	s.status = CTR_EXITED;
	s.exit_code = 3;
	s.sup_start = 1;
	CHECK_EQ_INT(ctr_state_save(id, &s), 0);
	CHECK(exists(runp));
	CHECK_EQ_INT(ctr_state_load(id, false, &l), 0);
	CHECK_EQ_INT(l.status, CTR_EXITED);
	CHECK_EQ_INT(l.exit_code, 3);
	CHECK_EQ_INT(l.sup_pid, 0);
	CHECK(!exists(runp));
	ctr_state_clear(&l);
	free(runp);
	fx_free(&f);
}

TEST(ctr_state_load_unknown)
{
	struct fx f;
	char id[CTR_ID_LEN + 1];
	struct ctr_state l;

	fx_init(&f);
	mk_id(id, "beef", '0');
	CHECK_EQ_INT(ctr_state_load(id, false, &l), -ENOENT);
	CHECK(strstr(err_str(), "no such container") != NULL);
	fx_free(&f);
}

/* ---- removal ---- */

TEST(ctr_remove_unlists_and_clears_state_dir)
{
	struct fx f;
	char a[CTR_ID_LEN + 1], b[CTR_ID_LEN + 1], got[CTR_ID_LEN + 1];
	struct ctr_state s = { 0 };
	struct strv l = { 0 };
	char *cfg, *sdir;

	fx_init(&f);
	CHECK_EQ_INT(make("keep", NULL, a), 0);
	CHECK_EQ_INT(make("gone", NULL, b), 0);
	s.status = CTR_RUNNING;
	s.sup_pid = getpid();
	s.sup_start = proc_self_start();
	CHECK_EQ_INT(ctr_state_save(b, &s), 0);
	sdir = state_path(b, false);
	cfg = xasprintf("%s/containers/%s/config.json", dory.root, b);
	CHECK(exists(sdir));
	CHECK_EQ_INT(ctr_remove(b), 0);
	CHECK(!exists(cfg));
	CHECK(!exists(sdir));
	CHECK_EQ_INT(ctr_list(&l), 0);
	CHECK_EQ_INT(l.n, 1);
	if (l.n)
		CHECK_EQ_STR(l.v[0], a);
	CHECK_EQ_INT(ctr_find("gone", got), -ENOENT);
	CHECK_EQ_INT(ctr_find(b, got), -ENOENT);
	/* Its name is free again. */
	CHECK_EQ_INT(make("gone", NULL, NULL), 0);
	CHECK_EQ_INT(ctr_remove(b), 0);	/* twice: nothing left to do */
	strv_free(&l);
	free(cfg);
	free(sdir);
	fx_free(&f);
}

/* ---- times ---- */

TEST(ctr_status_names)
{
	CHECK_EQ_STR(ctr_status_name(CTR_CREATED), "created");
	CHECK_EQ_STR(ctr_status_name(CTR_RUNNING), "running");
	CHECK_EQ_STR(ctr_status_name(CTR_PAUSED), "paused");
	CHECK_EQ_STR(ctr_status_name(CTR_RESTARTING), "restarting");
	CHECK_EQ_STR(ctr_status_name(CTR_EXITED), "exited");
	CHECK_EQ_STR(ctr_status_name((enum ctr_status)99), "dead");
}

/* A supervisor records its own start time; other processes check it
 * through /proc/PID/stat: both readings must agree. */
TEST(ctr_sup_alive_seen_from_another_process)
{
	struct ctr_state s = { 0 };
	int p[2], q[2], st;
	unsigned long long start = 0;
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC) < 0 || pipe2(q, O_CLOEXEC) < 0)
		abort();
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(q[1]);
		start = proc_self_start();
		if (write(p[1], &start, sizeof(start)) != sizeof(start))
			_exit(1);
		_exit(read(q[0], &c, 1) < 0);	/* alive until the parent is done */
	}
	CHECK(pid > 0);
	close(p[1]);
	close(q[0]);
	CHECK_EQ_INT(read(p[0], &start, sizeof(start)), sizeof(start));
	s.sup_pid = pid;
	s.sup_start = start;
	CHECK(ctr_sup_alive(&s));	/* also under qemu-user: read past its fake /proc/self */
	close(q[1]);
	close(p[0]);
	CHECK_EQ_INT(waitpid(pid, &st, 0), pid);
	CHECK(!ctr_sup_alive(&s));	/* reaped: gone */
}
