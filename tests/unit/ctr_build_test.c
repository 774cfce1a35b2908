// SPDX-License-Identifier: Apache-2.0
/* ctr_build_test.c - run's flags into a container's config: defaults,
 * every refusal with its message, Docker's capability, seccomp and
 * --device rules, the environment's order and the image's part. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "core/ctr/ctr_build.h"
#include "core/image/image.h"
#include "core/kernel/caps.h"
#include "core/net/link.h"
#include "core/net/network.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/json.h"
#include "core/util/xalloc.h"
#include "tap.h"

static char *const sh_args[] = { "sh", "-c", "true", NULL };
static char *const img_args[] = { "app:1", NULL };
static char *const img_cmd_args[] = { "app:1", "echo", "hi", NULL };

/* A --rootfs run of sh_args, as `dory run --rootfs /tmp sh -c true`. */
static struct ctr_flags flags(void)
{
	return (struct ctr_flags){ .rootfs = "/tmp", .args = sh_args };
}

static void strv_of(struct strv *v, const char *a, const char *b)
{
	strv_push(v, a);
	if (b)
		strv_push(v, b);
}

/* ctr_build_check on f with an empty config file: its result, c filled. */
static int check(const struct ctr_flags *f, struct ctr_config *c)
{
	struct dory_conf conf = { 0 };

	memset(c, 0, sizeof(*c));
	err_clear();
	return ctr_build_check(f, &conf, c);
}

static void free_flags(struct ctr_flags *f)
{
	struct strv *v[] = { &f->env, &f->env_files, &f->secopts, &f->cap_add, &f->cap_drop,
			     &f->devices, &f->log_opts, &f->labels, &f->aliases, &f->links,
			     &f->publish, &f->dns, &f->dns_search, &f->dns_opts, &f->add_hosts };

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		strv_free(v[i]);
}

/* f is refused with -EINVAL (or want) and a message holding msg. */
static void refused(struct ctr_flags *f, int want, const char *msg)
{
	struct ctr_config c;
	int r = check(f, &c);

	if (r != want || !strstr(err_str(), msg))
		TAP_FAIL("want %d \"%s\", got %d \"%s\"", want, msg, r, err_str());
	ctr_config_clear(&c);
	free_flags(f);
	*f = flags();
}

TEST(ctr_build_defaults)
{
	struct ctr_flags f = flags();
	struct ctr_config c;
	char note[256];

	CHECK_EQ_INT(check(&f, &c), 0);
	CHECK_EQ_INT(strlen(c.id), CTR_ID_LEN);
	CHECK(c.hostname && !strncmp(c.hostname, c.id, 12) && strlen(c.hostname) == 12);
	CHECK_EQ_STR(c.rootfs, "/tmp");
	CHECK_EQ_INT(c.caps, caps_docker_default());
	CHECK_EQ_INT(c.seccomp, SECPOL_SECCOMP_DEFAULT);
	CHECK_EQ_INT(c.stop_timeout, 10);
	CHECK_EQ_INT(c.restart, CTR_RESTART_NO);
	CHECK(!c.name && !c.ndevices && !c.privileged && !c.seccomp_text && !c.seccomp_prog);
	CHECK_EQ_INT(ctr_build_finish(&f, &(struct dory_conf){ 0 }, NULL, &c, note), 0);
	CHECK_EQ_STR(note, "");
	CHECK_EQ_INT(c.argv.n, 3);
	CHECK_EQ_STR(c.argv.v[0], "sh");
	CHECK(!c.image && !c.image_id && !c.entrypoint.n);
	ctr_config_clear(&c);
}

#define STR(field) offsetof(struct ctr_flags, field), false
#define LIST(field) offsetof(struct ctr_flags, field), true

/* One flag set to a bad value: the error and (part of) its message. */
static const struct bad {
	size_t off;
	bool list;
	const char *v;
	int err;
	const char *msg;
} bads[] = {
	{ STR(memory), "1x", -EINVAL, "invalid --memory \"1x\" (use a size like 64m or 1g)" },
	{ STR(memory_swap), "lots", -EINVAL, "or -1)" },
	{ STR(cpu_shares), "x", -EINVAL, "invalid --cpu-shares \"x\"" },
	{ STR(pids), "x", -EINVAL, "invalid --pids-limit \"x\"" },
	{ STR(pids), "-x", -EINVAL, "invalid --pids-limit \"-x\"" },
	{ STR(cpus), "999", -EINVAL, "range of CPUs is from 0.01" },
	{ STR(restart), "sometimes", -EINVAL, "invalid restart policy \"sometimes\"" },
	{ LIST(log_opts), "max-size=lots", -EINVAL, "max-size" },
	{ LIST(labels), "=v", -EINVAL, "invalid label \"=v\"" },
	{ STR(stop_signal), "SIGNOPE", -EINVAL, "invalid signal" },
	{ STR(stop_timeout), "soon", -EINVAL, "invalid --stop-timeout \"soon\"" },
	{ STR(name), "-web", -EINVAL, "invalid container name \"-web\"" },
	{ STR(hostname), "under_score", -EINVAL, "invalid hostname 'under_score'" },
	{ STR(workdir), "tmp", -EINVAL, "it needs to be an absolute path" },
	{ STR(userns), "private", -EINVAL, "invalid --userns \"private\"" },
	{ LIST(env), "A B=1", -EINVAL, "invalid environment variable 'A B=1'" },
	{ LIST(env_files), "/nonexistent/env", -ENOENT, "env file" },
	{ LIST(secopts), "apparmor=x", -EINVAL, "unsupported --security-opt \"apparmor=x\"" },
	{ LIST(cap_add), "CAP_BOGUS", -EINVAL, "unknown capability \"CAP_BOGUS\"" },
	{ LIST(devices), "/dev/nope", -ENOENT, "invalid --device /dev/nope: device /dev/nope: No" },
	{ LIST(devices), "/dev/null:/dev/n:rx", -EINVAL, "invalid device mode \"rx\"" },
	{ LIST(devices), "/dev/null:/etc/n", -EINVAL, "use a path under /dev/" },
	{ STR(rootfs), "/nonexistent-dory-root", -ENOENT, "rootfs /nonexistent-dory-root" },
	{ STR(rootfs), "/", -EINVAL, "is the host's root" },
};

TEST(ctr_build_refuses_bad_flags)
{
	struct ctr_flags f = flags();

	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		char *at = (char *)&f + bads[i].off;

		if (bads[i].list)
			strv_push((struct strv *)at, bads[i].v);
		else
			*(const char **)at = bads[i].v;
		refused(&f, bads[i].err, bads[i].msg);
	}
	/* Two flags that do not go together. */
	f.memory = "64m", f.memory_swap = "32m";
	refused(&f, -EINVAL, "--memory-swap");
	f.restart = "always", f.rm = true;
	refused(&f, -EINVAL, "conflicting options: --restart and --rm");
	free_flags(&f);
}

static uint64_t caps_of(const char *add1, const char *add2, const char *drop, bool priv)
{
	struct ctr_flags f = flags();
	struct ctr_config c;
	uint64_t held = 0, r;

	if (add1)
		strv_of(&f.cap_add, add1, add2);
	if (drop)
		strv_of(&f.cap_drop, drop, NULL);
	f.privileged = priv;
	CHECK_EQ_INT(check(&f, &c), 0);
	r = c.caps;
	if (priv)	/* all this process holds */
		CHECK_EQ_INT(caps_held(&held) == 0 ? r : 0, caps_all() & held);
	ctr_config_clear(&c);
	free_flags(&f);
	return r;
}

/* moby's TweakCapabilities: drops, then adds; ALL either way; and
 * --privileged has all, whatever the lists say. */
TEST(ctr_build_caps_as_docker)
{
	uint64_t def = caps_docker_default();

	CHECK_EQ_INT(caps_of("SYS_ADMIN", NULL, "CHOWN", false),
		     (def | CAPS_BIT(CAP_SYS_ADMIN)) & ~CAPS_BIT(CAP_CHOWN));
	CHECK_EQ_INT(caps_of("KILL", NULL, "ALL", false), CAPS_BIT(CAP_KILL));
	CHECK_EQ_INT(caps_of("net_admin", "cap_net_raw", NULL, false),
		     def | CAPS_BIT(CAP_NET_ADMIN));
	caps_of(NULL, NULL, "ALL", true);
	caps_of("KILL", NULL, "ALL", true);
}

/* The config's default pids limit and no_new_privs; the flags override
 * them (--pids-limit 0 or below: none, as Docker's API). */
static void pids_nnp(const char *pids, const char *secopt, long long conf_pids, bool conf_nnp,
		     long long want_pids, bool want_default, bool want_nnp)
{
	struct dory_conf conf = { .default_pids = conf_pids, .no_new_privs = conf_nnp };
	struct ctr_flags f = flags();
	struct ctr_config c;

	f.pids = pids;
	if (secopt)
		strv_push(&f.secopts, secopt);
	memset(&c, 0, sizeof(c));
	CHECK_EQ_INT(ctr_build_check(&f, &conf, &c), 0);
	CHECK_EQ_INT(c.limits.pids, want_pids);
	CHECK(c.limits.pids_default == want_default && c.no_new_privs == want_nnp);
	ctr_config_clear(&c);
	free_flags(&f);
}

TEST(ctr_build_config_defaults_and_overrides)
{
	pids_nnp(NULL, NULL, 2048, false, 2048, true, false);
	pids_nnp(NULL, NULL, 0, false, 0, false, false);
	pids_nnp("77", NULL, 2048, false, 77, false, false);
	pids_nnp("0", NULL, 2048, false, -1, false, false);
	pids_nnp("-1", NULL, 2048, false, -1, false, false);
	pids_nnp("-9", NULL, 2048, false, -1, false, false);
	pids_nnp(NULL, NULL, 2048, true, 2048, true, true);
	pids_nnp(NULL, "no-new-privileges=false", 2048, true, 2048, true, false);
	pids_nnp(NULL, "no-new-privileges:true", 2048, false, 2048, true, true);
}

TEST(ctr_build_seccomp_modes)
{
	char path[] = "/tmp/dory-build-XXXXXX";
	int fd = mkstemp(path);
	struct ctr_flags f = flags();
	struct ctr_config c;

	SKIP_IF(fd < 0, "mkstemp");
	close(fd);
	strv_of(&f.secopts, "seccomp=unconfined", "no-new-privileges");
	CHECK_EQ_INT(check(&f, &c), 0);
	CHECK_EQ_INT(c.seccomp, SECPOL_SECCOMP_UNCONFINED);
	CHECK(c.no_new_privs);
	ctr_config_clear(&c);
	strv_free(&f.secopts);
	CHECK_EQ_INT(fsutil_write_atomic(path, "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}", false), 0);
	strv_push_take(&f.secopts, xasprintf("seccomp=%s", path));
	if (CFG_CORE_SECCOMP) {
		/* Read and built here, once: start and exec load the program. */
		CHECK_EQ_INT(check(&f, &c), 0);
		CHECK_EQ_INT(c.seccomp, SECPOL_SECCOMP_FILE);
		CHECK_EQ_STR(c.seccomp_text, "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}");
		CHECK(c.seccomp_prog != NULL);
		ctr_config_clear(&c);
	}
	CHECK_EQ_INT(fsutil_write_atomic(path, "{bad", false), 0);
	CHECK(check(&f, &c) < 0);
	CHECK(strstr(err_str(), path) != NULL);
	ctr_config_clear(&c);
	unlink(path);
	free_flags(&f);
}

TEST(ctr_build_devices_parsed_once)
{
	struct ctr_flags f = flags();
	struct ctr_config c;

	strv_of(&f.devices, "/dev/null:/dev/x/n:rw", "/dev/zero");
	CHECK_EQ_INT(check(&f, &c), 0);
	CHECK_EQ_INT(c.ndevices, 2);
	if (c.ndevices == 2) {
		CHECK_EQ_STR(c.devices[0].host, "/dev/null");
		CHECK_EQ_STR(c.devices[0].path, "/dev/x/n");
		CHECK_EQ_STR(c.devices[0].access, "rw");
		CHECK_EQ_STR(c.devices[1].path, "/dev/zero");
		CHECK_EQ_STR(c.devices[1].access, "rwm");
	}
	ctr_config_clear(&c);
	free_flags(&f);
}

/* Docker's order: the image's, PATH, HOSTNAME, TERM, --env-file, -e. */
TEST(ctr_build_environment_order)
{
	static const char cfg[] = "{\"config\":{\"Env\":[\"A=img\",\"PATH=/img\",\"C=img\"],"
				  "\"Cmd\":[\"sh\"]}}";
	char path[] = "/tmp/dory-env-XXXXXX";
	int fd = mkstemp(path);
	struct ctr_flags f = flags();
	struct ctr_config c;
	struct image im = { .id = "sha256:0123" };
	char note[256];

	SKIP_IF(fd < 0, "mkstemp");
	close(fd);
	CHECK_EQ_INT(fsutil_write_atomic(path, "# a comment\nA=file\n\nB=file\r\n", false), 0);
	im.config = json_parse(cfg, sizeof(cfg) - 1);
	setenv("DORY_BUILD_T", "host", 1);
	f.rootfs = NULL;
	f.args = img_args;
	f.tty = true;
	f.hostname = "web";
	f.driver = "bind-copy";
	strv_of(&f.env_files, path, NULL);
	strv_of(&f.env, "B=flag", "DORY_BUILD_T");
	strv_push(&f.env, "DORY_BUILD_UNSET_T");
	CHECK_EQ_INT(check(&f, &c), 0);
	CHECK_EQ_INT(ctr_build_finish(&f, &(struct dory_conf){ 0 }, &im, &c, note), 0);
	CHECK_EQ_INT(c.env.n, 7);
	if (c.env.n == 7) {
		static const char *const want[] = { "A=file", "PATH=/img", "C=img", "HOSTNAME=web",
						    "TERM=xterm", "B=flag", "DORY_BUILD_T=host" };

		for (size_t i = 0; i < 7; i++)
			CHECK_EQ_STR(c.env.v[i], want[i]);
	}
	CHECK_EQ_INT(c.driver, CTRFS_BINDCOPY);
	ctr_config_clear(&c);
	json_free(im.config);
	unsetenv("DORY_BUILD_T");
	unlink(path);
	free_flags(&f);
}

/* The image's Entrypoint, Cmd, WorkingDir, User and StopSignal, under
 * Docker's override rules. */
/* Flags for an image (bind-copy, IMAGE with no command). */
static void img_flags(struct ctr_flags *f)
{
	f->rootfs = NULL;
	f->driver = "bind-copy";
	f->args = img_args;
}

/* Both steps of a container made from im. */
static void build_img(const struct ctr_flags *f, const struct image *im, struct ctr_config *c)
{
	struct dory_conf conf = { 0 };
	char note[256];

	CHECK_EQ_INT(check(f, c), 0);
	CHECK_EQ_INT(ctr_build_finish(f, &conf, im, c, note), 0);
}

TEST(ctr_build_image_rules)
{
	static const char cfg[] = "{\"config\":{\"Entrypoint\":[\"/init\"],\"Cmd\":[\"serve\"],"
				  "\"WorkingDir\":\"/srv\",\"User\":\"app\","
				  "\"StopSignal\":\"SIGQUIT\"}}";
	struct image im = { .id = "sha256:0123" };
	struct dory_conf conf = { 0 };
	struct ctr_flags f = flags();
	struct ctr_config c;
	char note[256];

	im.config = json_parse(cfg, sizeof(cfg) - 1);
	img_flags(&f);
	build_img(&f, &im, &c);
	CHECK(c.argv.n == 2 && !strcmp(c.argv.v[0], "/init") && !strcmp(c.argv.v[1], "serve"));
	CHECK_EQ_STR(c.workdir, "/srv");
	CHECK_EQ_STR(c.user, "app");
	CHECK_EQ_STR(c.stop_signal, "SIGQUIT");
	CHECK_EQ_STR(c.image, "app:1");
	CHECK_EQ_STR(c.image_id, "sha256:0123");
	ctr_config_clear(&c);
	/* A command replaces Cmd; flags win over the image. */
	f.args = img_cmd_args;
	f.workdir = "/", f.user = "0", f.stop_signal = "KILL";
	CHECK_EQ_INT(check(&f, &c), 0);
	CHECK_EQ_INT(ctr_build_finish(&f, &conf, &im, &c, note), 0);
	CHECK(c.argv.n == 3 && !strcmp(c.argv.v[0], "/init") && !strcmp(c.argv.v[1], "echo"));
	CHECK_EQ_STR(c.workdir, "/");
	CHECK_EQ_STR(c.user, "0");
	CHECK_EQ_STR(c.stop_signal, "KILL");
	ctr_config_clear(&c);
	/* --entrypoint "" drops Entrypoint and Cmd: nothing left to run. */
	f.args = img_args;
	f.entrypoint = "";
	CHECK_EQ_INT(check(&f, &c), 0);
	CHECK(ctr_build_finish(&f, &conf, &im, &c, note) < 0);
	CHECK(strstr(err_str(), "no command specified") != NULL);
	ctr_config_clear(&c);
	json_free(im.config);
}

/* --init over the config's "init"; the image's HEALTHCHECK under the
 * --health-* flags (the merge's details: health_test.c). */
static bool init_of(int flag, bool conf_init)
{
	struct dory_conf conf = { .init = conf_init };
	struct ctr_flags f = flags();
	struct ctr_config c;
	bool init;

	f.init = flag;
	memset(&c, 0, sizeof(c));
	CHECK_EQ_INT(ctr_build_check(&f, &conf, &c), 0);
	init = c.init;
	ctr_config_clear(&c);
	free_flags(&f);
	return init;
}

TEST(ctr_build_init_and_health)
{
	static const char cfg[] = "{\"config\":{\"Cmd\":[\"serve\"],\"Healthcheck\":"
				  "{\"Test\":[\"CMD\",\"ok\"],\"Retries\":9}}}";
	struct image im = { .id = "sha256:0123" };
	struct ctr_flags f = flags();
	struct ctr_config c;

	CHECK(!init_of(0, false) && init_of(0, true) && init_of(1, false) && !init_of(-1, true));
	im.config = json_parse(cfg, sizeof(cfg) - 1);
	img_flags(&f);
	f.health.interval = "2s";
	build_img(&f, &im, &c);
	CHECK(health_config_active(&c.health) && !strcmp(c.health.test.v[1], "ok"));
	CHECK(c.health.retries == 9 && c.health.interval == 2000000000LL);
	ctr_config_clear(&c);
	f.health = (struct health_flags){ .none = true };
	build_img(&f, &im, &c);
	CHECK(c.health.set && !health_config_active(&c.health));
	ctr_config_clear(&c);
	f.health = (struct health_flags){ .timeout = "1x" };
	CHECK(check(&f, &c) < 0);
	CHECK(strstr(err_str(), "unknown unit \"x\"") != NULL);
	ctr_config_clear(&c);
	json_free(im.config);
	err_clear();
}

/* "userns-remap": container root unprivileged, --privileged and
 * --device refused unless --userns=host. */
TEST(ctr_build_userns_remap)
{
	struct dory_conf conf = { .userns_remap = "100000:65536" };
	struct ctr_flags f = flags();
	struct ctr_config c = { 0 };

	f.rootfs = NULL;
	f.args = img_args;
	CHECK_EQ_INT(ctr_build_check(&f, &conf, &c), 0);
	CHECK_EQ_INT(c.userns.base, 100000);
	CHECK_EQ_INT(c.userns.count, 65536);
	ctr_config_clear(&c);
	f.privileged = true;
	CHECK_EQ_INT(ctr_build_check(&f, &conf, &c), -EINVAL);
	CHECK(strstr(err_str(), "add --userns=host") != NULL);
	ctr_config_clear(&c);
	f.userns = "host";
	CHECK_EQ_INT(ctr_build_check(&f, &conf, &c), 0);
	CHECK_EQ_INT(c.userns.count, 0);
	ctr_config_clear(&c);
	f = flags();
	CHECK_EQ_INT(ctr_build_check(&f, &conf, &c), -EINVAL);
	CHECK(strstr(err_str(), "--rootfs has no idmapped layers") != NULL);
	ctr_config_clear(&c);
	err_clear();
}

/* --ulimit, --sysctl, --shm-size, --group-add, --oom-score-adj, --pid. */
TEST(ctr_build_tune)
{
	struct dory_conf conf = { .userns_remap = "100000:65536" };
	struct ctr_flags f = flags();
	struct ctr_config c;

	CHECK_EQ_INT(check(&f, &c), 0);
	CHECK_EQ_INT(c.tune.shm_size, 64 << 20);	/* Docker's default, as inspect shows */
	CHECK(!c.tune.nulimits && !c.tune.oom_set && !c.tune.hostpid);
	ctr_config_clear(&c);
	strv_of(&f.ulimits, "nofile=10:20", "nofile=30:40");
	strv_of(&f.sysctls, "net.core.somaxconn=1024", NULL);
	strv_of(&f.group_add, "staff", "1234");
	f.shm_size = "1g";
	f.oom_score_adj = "300";
	f.pid = "host";
	CHECK_EQ_INT(check(&f, &c), 0);
	CHECK_EQ_INT(c.tune.nulimits, 1);	/* the last of a name wins */
	CHECK_EQ_INT(c.tune.ulimits[0].soft, 30);
	CHECK_EQ_INT(c.tune.sysctls.n, 1);
	CHECK_EQ_INT(c.tune.groups.n, 2);
	CHECK_EQ_INT(c.tune.shm_size, 1LL << 30);
	CHECK(c.tune.oom_set && c.tune.oom_score_adj == 300 && c.tune.hostpid);
	ctr_config_clear(&c);
	strv_free(&f.ulimits);
	strv_free(&f.sysctls);
	strv_free(&f.group_add);
	f = flags();
	f.network = "host";
	strv_of(&f.sysctls, "net.core.somaxconn=1024", NULL);
	CHECK_EQ_INT(check(&f, &c), -EINVAL);
	CHECK(strstr(err_str(), "not allowed in host network namespace") != NULL);
	ctr_config_clear(&c);
	strv_free(&f.sysctls);
	f = flags();
	f.rootfs = NULL;
	f.args = img_args;
	f.pid = "host";
	CHECK_EQ_INT(ctr_build_check(&f, &conf, (memset(&c, 0, sizeof(c)), &c)), -EINVAL);
	CHECK(strstr(err_str(), "--pid host needs the host's user namespace") != NULL);
	ctr_config_clear(&c);
	f.pid = "container:x";
	CHECK_EQ_INT(ctr_build_check(&f, &conf, (memset(&c, 0, sizeof(c)), &c)), -EINVAL);
	CHECK(strstr(err_str(), "--pid container: needs the host's user namespace") != NULL);
	ctr_config_clear(&c);
	f.pid = "host";
	f.userns = "host";
	CHECK_EQ_INT(ctr_build_check(&f, &conf, (memset(&c, 0, sizeof(c)), &c)), 0);
	ctr_config_clear(&c);
	err_clear();
}

TEST(ctr_build_network_modes_and_docker_conflicts)
{
	struct ctr_flags f = flags();
	struct ctr_config c;
	uint8_t mac[6];

	f.network = "host";
	CHECK_EQ_INT(check(&f, &c), 0);
	CHECK_EQ_STR(c.network_mode, "host");
	CHECK(c.neps == 0 && c.hostname && strlen(c.hostname) > 0);
	ctr_config_clear(&c);
	/* A network of the user's must exist: a record in a store of the test's. */
	char root[] = "/tmp/dory-build-XXXXXX";
	struct net_cfg n = { .name = xstrdup("mynet"), .subnet = 0x0a090000, .prefix = 24 };
	const char *old_root = dory.root;

	CHECK(mkdtemp(root) != NULL);
	dory.root = root;
	f.network = "mynet";
	refused(&f, -ENOENT, "network mynet not found");
	f.network = "mynet";
	f.ip = "10.9.0.7";
	strv_push(&f.aliases, "db");
	f.mac = "02:42:0a:09:00:07";
	if (net_create(&n) == 0) {
		CHECK_EQ_INT(check(&f, &c), 0);
		CHECK(c.neps == 1 && ctr_net_joins(&c));
		CHECK_EQ_STR(c.eps[0].network, "mynet");
		CHECK_EQ_STR(c.eps[0].ip, "10.9.0.7");
		CHECK_EQ_STR(c.eps[0].aliases.v[0], "db");
		CHECK_EQ_STR(c.mac, "02:42:0a:09:00:07");
		ctr_config_clear(&c);
	} else {
		/* qemu-user: no route dump to check the subnet against */
		printf("# no network record here (%s): its success path skipped\n", err_str());
		err_clear();
	}
	net_cfg_clear(&n);
	fsutil_rmtree_scratch(AT_FDCWD, root);
	dory.root = old_root;
	free_flags(&f);
	f = flags();
	f.network = "mynet";
	f.ip = "10.9.0.300";
	refused(&f, -EINVAL, "invalid IPv4 address: 10.9.0.300");
	f.network = "mynet";
	f.ip = "fd00::7";
	refused(&f, -EINVAL, "fd00::7 is an IPv6 address: give it with --ip6");
	f.ip = NULL;
	f.ip6 = "fd00::zz";
	refused(&f, -EINVAL, "invalid IPv6 address: fd00::zz");
	f.ip6 = "10.9.0.3";
	refused(&f, -EINVAL, "invalid IPv6 address: 10.9.0.3");
	f.ip6 = NULL;
	f.mac = "01:00:5e:00:00:01";
	refused(&f, -EINVAL, "01:00:5e:00:00:01 is not a valid mac address");
	f.network = "bridge";
	strv_push(&f.aliases, "db");
	refused(&f, -EINVAL, "network-scoped alias is supported only");
	f.ip = "172.17.0.9";
	refused(&f, -EINVAL, "user specified IP address is supported on user defined networks only");
	f.ip = NULL;
	f.ip6 = "fd00::9";
	refused(&f, -EINVAL, "user specified IP address is supported on user defined networks only");
	f.ip6 = NULL;
	f.network = "host";
	strv_push(&f.links, "db");
	refused(&f, -EINVAL, "host type networking can't be used with links");
	f.network = "container:x";
	f.hostname = "h";
	refused(&f, -EINVAL, "conflicting options: hostname and the network mode");
	f.network = "container:x";
	strv_push(&f.publish, "80");
	refused(&f, -EINVAL, "conflicting options: port publishing");
	f.network = "";
	refused(&f, -EINVAL, "--network needs a value");
	f.network = "bad/name";
	refused(&f, -ENOENT, "network bad/name not found");
	CHECK_EQ_INT(link_mac_parse("02:42:0a:09:00:07", mac), 0);
}

TEST(ctr_build_network_files_flags)
{
	struct ctr_flags f = flags();
	struct ctr_config c;

	strv_of(&f.dns, "10.0.0.1", "2001:db8::1");
	strv_of(&f.dns_search, "example.com", ".");
	strv_of(&f.dns_opts, "ndots:2", NULL);
	strv_of(&f.add_hosts, "db:10.1.2.3", "gw:host-gateway");
	CHECK_EQ_INT(check(&f, &c), 0);
	CHECK_EQ_INT(c.dns.n, 2);
	CHECK_EQ_STR(c.dns.v[1], "2001:db8::1");
	CHECK_EQ_INT(c.dns_search.n, 2);
	CHECK_EQ_STR(c.dns_opts.v[0], "ndots:2");
	CHECK_EQ_STR(c.extra_hosts.v[1], "gw:host-gateway");
	ctr_config_clear(&c);
	free_flags(&f);
	f = flags();
	strv_of(&f.dns, "10.0.0", NULL);
	refused(&f, -EINVAL, "10.0.0 is not an ip address");
	strv_of(&f.dns_search, "a_b.com", NULL);
	refused(&f, -EINVAL, "a_b.com is not a valid domain");
	strv_of(&f.dns_opts, "a\nnameserver 1.2.3.4", NULL);
	refused(&f, -EINVAL, "for \"--dns-option\" flag");
	strv_of(&f.add_hosts, "db", NULL);
	refused(&f, -EINVAL, "bad format for add-host: \"db\"");
	strv_of(&f.add_hosts, "db:300.1.1.1", NULL);
	refused(&f, -EINVAL, "invalid IP address in add-host: \"300.1.1.1\"");
	/* container:NAME has that container's files */
	f.network = "container:x";
	strv_of(&f.dns_search, "example.com", NULL);
	refused(&f, -EINVAL, "conflicting options: dns and the network mode");
	f.network = "container:x";
	strv_of(&f.add_hosts, "db:10.1.2.3", NULL);
	refused(&f, -EINVAL, "conflicting options: custom host-to-IP mapping");
	free_flags(&f);
}
