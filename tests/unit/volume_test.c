// SPDX-License-Identifier: Apache-2.0
/* volume_test.c - Docker's volume name rule and local driver options,
 * the record's JSON, create/lookup/list/remove in a scratch ROOT (with a
 * busy volume refused and a killed create swept), and the -v spec. */
#include <errno.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fs/volume.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/xalloc.h"
#include "tap.h"
#include "fixture.h"

TEST(vol_names_follow_docker)
{
	static const char *const good[] = { "ab", "a1", "my_vol.2-x", "0a", "A.b" };
	static const char *const bad[] = { "", "a", "_a", ".a", "-a", "a/b", "a b", "a:b",
					   "..", "a$" };

	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		if (!vol_name_ok(good[i]))
			TAP_FAIL("%s refused", good[i]);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (vol_name_ok(bad[i]))
			TAP_FAIL("%s taken", bad[i]);
}

static int opts(const char *a, const char *b, const char *c)
{
	struct strv o = { 0 };
	int r;

	if (a)
		strv_push(&o, a);
	if (b)
		strv_push(&o, b);
	if (c)
		strv_push(&o, c);
	r = vol_opts_check(&o);
	strv_free(&o);
	return r;
}

TEST(vol_options_as_the_local_driver)
{
	CHECK_EQ_INT(opts(NULL, NULL, NULL), 0);
	CHECK_EQ_INT(opts("type=tmpfs", "device=tmpfs", "o=size=1m"), 0);
	CHECK_EQ_INT(opts("type=none", "device=/tmp", "o=bind"), 0);
	CHECK_EQ_INT(opts("type=tmpfs", NULL, NULL), -EINVAL);
	CHECK(strstr(err_str(), "missing required option: \"device\"") != NULL);
	CHECK_EQ_INT(opts("device=/tmp", NULL, NULL), -EINVAL);
	CHECK(strstr(err_str(), "\"type\"") != NULL);
	CHECK_EQ_INT(opts("foo=1", NULL, NULL), -EINVAL);
	CHECK(strstr(err_str(), "invalid option key: \"foo\"") != NULL);
	CHECK_EQ_INT(opts("typo", NULL, NULL), -EINVAL);
	CHECK_EQ_INT(opts("type=nfs", "device=:/x", NULL), -ENOTSUP);
	CHECK_EQ_INT(opts("type=none", "device=/tmp", "o=noexec"), -ENOTSUP);
	CHECK_EQ_INT(opts("type=none", "device=relative", "o=bind"), -EINVAL);
	CHECK_EQ_INT(opts("type=none", "device=/nonexistent-dory", "o=bind"), -ENOENT);
}

TEST(vol_record_round_trips)
{
	struct vol_cfg c = { .name = xstrdup("data"), .driver = xstrdup("local"),
			     .created_ns = 1700000000123456789LL }, d;
	char *t;

	strv_push(&c.labels, "a=b");
	strv_push(&c.options, "type=tmpfs");
	strv_push(&c.options, "device=tmpfs");
	strv_push(&c.options, "dev=x");
	t = vol_cfg_json(&c);
	/* maps as Go prints them: sorted by key, a key's prefix first */
	CHECK(strstr(t, "\"Options\":{\"dev\":\"x\",\"device\":\"tmpfs\",\"type\":\"tmpfs\"}") != NULL);
	CHECK_EQ_INT(vol_cfg_parse(t, &d), 0);
	CHECK_EQ_STR(d.name, "data");
	CHECK_EQ_STR(d.driver, "local");
	CHECK(d.created_ns == c.created_ns);
	CHECK_EQ_INT(d.labels.n, 1);
	CHECK_EQ_STR(d.labels.v[0], "a=b");
	CHECK_EQ_STR(d.options.v[2], "type=tmpfs");
	vol_cfg_clear(&d);
	CHECK_EQ_INT(vol_cfg_parse("{\"Name\":\"../x\"}", &d), -EINVAL);
	CHECK_EQ_INT(vol_cfg_parse("garbage", &d), -EINVAL);
	free(t);
	vol_cfg_clear(&c);
}

static int busy_data(const char *name, char *who, size_t len, void *arg)
{
	(void)arg;
	if (strcmp(name, "busy1"))
		return 0;
	snprintf(who, len, "%s", "c0ffee");
	return 1;
}

TEST(vol_create_list_remove)
{
	char *root = fix_tmpdir("vol");
	struct vol_cfg c = { 0 }, *v = NULL, got;
	size_t n = 0;
	bool made = false;
	struct stat st;

	dory.root = root;
	c.name = xstrdup("busy1");
	strv_push(&c.labels, "k=v");
	CHECK_EQ_INT(vol_create(&c, &made), 0);
	CHECK(made);
	CHECK_EQ_INT(vol_create(&c, &made), 0);
	CHECK(!made);
	CHECK_EQ_INT(stat(fix_path(root, "volumes/busy1/_data"), &st), 0);
	CHECK_EQ_INT(st.st_mode & 07777, 0755);
	CHECK(vol_data_bytes(&c) == 0);
	CHECK_EQ_INT(fix_put(root, "volumes/busy1/_data/f", "12345", 0644), 0);
	CHECK(vol_data_bytes(&c) == 5);
	strv_push(&c.options, "type=tmpfs");
	CHECK(vol_data_bytes(&c) == -1);	/* no data of its own: Docker's N/A */
	vol_cfg_clear(&c);
	CHECK_EQ_INT(vol_create(&c, &made), 0);	/* a random name */
	CHECK_EQ_INT(strlen(c.name), VOL_RANDOM_LEN);
	CHECK_EQ_INT(vol_list(&v, &n), 0);
	CHECK_EQ_INT(n, 2);
	vol_list_free(v, n);
	CHECK_EQ_INT(vol_lookup("busy1", &got), 0);
	CHECK_EQ_STR(got.labels.v[0], "k=v");
	vol_cfg_clear(&got);
	CHECK_EQ_INT(vol_remove("busy1", busy_data, NULL), -EBUSY);
	CHECK(strstr(err_str(), "volume is in use - [c0ffee]") != NULL);
	CHECK_EQ_INT(vol_remove(c.name, busy_data, NULL), 0);
	CHECK_EQ_INT(vol_lookup(c.name, &got), -ENOENT);
	CHECK_EQ_INT(vol_remove("nope1", NULL, NULL), -ENOENT);
	CHECK(strstr(err_str(), "no such volume: nope1") != NULL);
	vol_cfg_clear(&c);
	/* a bad name or option makes nothing */
	c.name = xstrdup("a$b");
	CHECK_EQ_INT(vol_create(&c, NULL), -EINVAL);
	vol_cfg_clear(&c);
	c.name = xstrdup("okname");
	strv_push(&c.options, "type=ext4");
	strv_push(&c.options, "device=/dev/null");
	CHECK_EQ_INT(vol_create(&c, NULL), -ENOTSUP);
	CHECK_EQ_INT(vol_lookup("okname", &got), -ENOENT);
	vol_cfg_clear(&c);
	/* a create killed after staging: swept by the next */
	CHECK_EQ_INT(fsutil_mkdir_p(fix_path(root, "volumes/.tmp/half/_data"), 0700), 0);
	c.name = xstrdup("after");
	CHECK_EQ_INT(vol_create(&c, NULL), 0);
	CHECK(access(fix_path(root, "volumes/.tmp/half"), F_OK) < 0);
	vol_cfg_clear(&c);
	fix_rmtree(root);
}

TEST(vol_spec_parses_docker_forms)
{
	struct vol_mount m;

	CHECK_EQ_INT(vol_spec_parse("data:/srv//x/", &m), 0);
	CHECK_EQ_INT(m.type, VOL_MOUNT_VOLUME);
	CHECK_EQ_STR(m.name, "data");
	CHECK_EQ_STR(m.target, "/srv/x");
	CHECK(!m.ro);
	vol_mount_clear(&m);
	CHECK_EQ_INT(vol_spec_parse("/host/../h:/d:ro,z", &m), 0);
	CHECK_EQ_INT(m.type, VOL_MOUNT_BIND);
	CHECK_EQ_STR(m.source, "/h");
	CHECK_EQ_STR(m.mode, "ro,z");
	CHECK(m.ro);
	vol_mount_clear(&m);
	static const char *const bad[] = { "data", "data:", ":/x", "data:rel", "a:/x",
					   "/h:/", "d1:/x:bogus", "d1:/x:ro,rw", "a:b:c:d",
					   "/h:/x:nocopy", "d1::/x" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (vol_spec_parse(bad[i], &m) != -EINVAL)
			TAP_FAIL("%s parsed (%s)", bad[i], err_str());
	CHECK_EQ_INT(vol_spec_parse("d1:/x:rshared", &m), -EINVAL);
	CHECK_EQ_INT(vol_spec_parse("/h:/x:rslave,shared", &m), -EINVAL);
}

TEST(vol_spec_anonymous_and_propagation)
{
	struct vol_mount m;

	CHECK_EQ_INT(vol_spec_parse("/x/", &m), 0);
	CHECK_EQ_INT(m.type, VOL_MOUNT_VOLUME);
	CHECK(m.anon);
	CHECK_EQ_INT((int)strlen(m.name), VOL_RANDOM_LEN);
	CHECK_EQ_STR(m.target, "/x");
	vol_mount_clear(&m);
	CHECK_EQ_INT(vol_spec_parse("/h:/x:ro,rslave", &m), 0);
	CHECK_EQ_STR(m.propagation, "rslave");
	CHECK(m.ro && !m.anon);
	vol_mount_clear(&m);
	CHECK_EQ_INT(vol_spec_parse("v1:/x:nocopy", &m), 0);
	CHECK(m.nocopy);
	vol_mount_clear(&m);
	CHECK(vol_propagation(NULL) == (MS_PRIVATE | MS_REC));
	CHECK(vol_propagation("slave") == MS_SLAVE);
	CHECK(vol_propagation("rshared") == (MS_SHARED | MS_REC));
	CHECK(vol_propagation("bogus") == 0);
}

TEST(vol_mount_opt_docker_forms)
{
	struct vol_mount m;

	CHECK_EQ_INT(vol_mount_opt_parse("type=bind,source=/,target=/h,readonly,"
					 "bind-propagation=rslave", &m), 0);
	CHECK_EQ_INT(m.type, VOL_MOUNT_BIND);
	CHECK_EQ_STR(m.source, "/");
	CHECK_EQ_STR(m.target, "/h");
	CHECK_EQ_STR(m.propagation, "rslave");
	CHECK(m.ro);
	CHECK_EQ_INT(m.from, VOL_FROM_MOUNT);
	vol_mount_clear(&m);
	CHECK_EQ_INT(vol_mount_opt_parse("src=v1,dst=/d,ro=false,volume-nocopy", &m), 0);
	CHECK_EQ_INT(m.type, VOL_MOUNT_VOLUME);
	CHECK_EQ_STR(m.name, "v1");
	CHECK(!m.ro && m.nocopy && !m.anon);
	vol_mount_clear(&m);
	CHECK_EQ_INT(vol_mount_opt_parse("Type=Volume,destination=/d", &m), 0);
	CHECK(m.anon);
	vol_mount_clear(&m);
	CHECK_EQ_INT(vol_mount_opt_parse("type=tmpfs,dst=/t,tmpfs-size=1m,tmpfs-mode=1770,ro", &m),
		     0);
	CHECK_EQ_STR(m.data, "size=1048576,mode=1770,ro");
	vol_mount_clear(&m);
	CHECK_EQ_INT(vol_mount_opt_parse("type=bind,src=/nonexistent-dory,dst=/x", &m), -ENOENT);
	CHECK(strstr(err_str(), "bind source path does not exist: /nonexistent-dory"));
	static const char *const bad[] = { "type=bind,dst=/x", "src=v1", "type=foo,dst=/x",
					   "bogus,dst=/x", "x=1,dst=/x", "dst=/x,ro=maybe",
					   "type=volume,dst=/x,tmpfs-size=1m",
					   "type=bind,src=/,dst=/x,bind-propagation=up",
					   "type=tmpfs,src=a,dst=/x", "type=tmpfs,dst=/x,tmpfs-mode=9",
					   "type=bind,src=rel,dst=/x", "src=v1,dst=rel", "src=v1,dst=/" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (vol_mount_opt_parse(bad[i], &m) != -EINVAL)
			TAP_FAIL("%s parsed (%s)", bad[i], err_str());
}

TEST(vol_tmpfs_docker_defaults)
{
	struct vol_mount m;
	unsigned long fl;
	char *data;

	CHECK_EQ_INT(vol_tmpfs_opts("", &fl, &data), 0);
	CHECK(fl == (MS_NOEXEC | MS_NOSUID | MS_NODEV));
	CHECK_EQ_STR(data, "");
	free(data);
	CHECK_EQ_INT(vol_tmpfs_opts("size=1m,exec,mode=700,size=2m,ro", &fl, &data), 0);
	CHECK(fl == (MS_NOSUID | MS_NODEV | MS_RDONLY));
	CHECK_EQ_STR(data, "size=2m,mode=700");
	free(data);
	CHECK_EQ_INT(vol_tmpfs_opts("nosize", &fl, &data), -EINVAL);
	CHECK_EQ_INT(vol_tmpfs_parse("/run:uid=5,gid=6", &m), 0);
	CHECK_EQ_STR(m.target, "/run");
	CHECK_EQ_STR(m.data, "uid=5,gid=6");
	CHECK_EQ_INT(m.type, VOL_MOUNT_TMPFS);
	vol_mount_clear(&m);
	CHECK_EQ_INT(vol_tmpfs_parse("run", &m), -EINVAL);
	CHECK_EQ_INT(vol_tmpfs_parse("/", &m), -EINVAL);
	CHECK_EQ_INT(vol_tmpfs_parse("/x:size", &m), -EINVAL);
}

TEST(vol_from_and_image)
{
	struct vol_mount m;
	char *ref;
	int ro;

	CHECK_EQ_INT(vol_from_parse("web", &ref, &ro), 0);
	CHECK_EQ_STR(ref, "web");
	CHECK_EQ_INT(ro, -1);
	free(ref);
	CHECK_EQ_INT(vol_from_parse("web:ro", &ref, &ro), 0);
	CHECK_EQ_INT(ro, 1);
	free(ref);
	CHECK_EQ_INT(vol_from_parse("web:rw", &ref, &ro), 0);
	CHECK_EQ_INT(ro, 0);
	free(ref);
	CHECK_EQ_INT(vol_from_parse("", &ref, &ro), -EINVAL);
	CHECK_EQ_INT(vol_from_parse("web:rslave", &ref, &ro), -EINVAL);
	CHECK_EQ_INT(vol_from_parse("web:bogus", &ref, &ro), -EINVAL);
	CHECK_EQ_INT(vol_image_parse("/var/lib//db/", &m), 0);
	CHECK_EQ_STR(m.target, "/var/lib/db");
	CHECK(m.anon && m.from == VOL_FROM_IMAGE);
	vol_mount_clear(&m);
	CHECK_EQ_INT(vol_image_parse("rel", &m), -EINVAL);
}

TEST(vol_name_anonymous_is_64_hex)
{
	char *r = vol_name_random();

	CHECK(r && vol_name_anonymous(r));
	CHECK(!vol_name_anonymous("data"));
	CHECK(!vol_name_anonymous("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeF"));
	CHECK(!vol_name_anonymous("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde"));
	free(r);
}
