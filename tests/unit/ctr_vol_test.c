// SPDX-License-Identifier: Apache-2.0
/* ctr_vol_test.c - a container's mounts in a scratch ROOT: built from the
 * flags (--volumes-from copies, duplicates refused), the image's VOLUMEs,
 * the runtime's binds (parents first), the anonymous volumes rm -v
 * removes, and system df's usage. */
#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/ctr/ctr.h"
#include "core/ctr/ctr_vol.h"
#include "core/fs/volume.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/str.h"
#include "core/util/xalloc.h"
#include "tap.h"

struct fx {
	char root[96], state[96];
};

static int rm_one(const char *p, const struct stat *st, int type, struct FTW *f)
{
	(void)st, (void)type, (void)f;
	return remove(p);
}

static void fx_init(struct fx *f)
{
	snprintf(f->root, sizeof(f->root), "/tmp/dory-ctrvol-XXXXXX");
	snprintf(f->state, sizeof(f->state), "/tmp/dory-ctrvol-XXXXXX");
	if (!mkdtemp(f->root) || !mkdtemp(f->state))
		abort();
	dory.root = f->root;
	dory.state = f->state;
	err_clear();
}

static void fx_free(struct fx *f)
{
	nftw(f->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	nftw(f->state, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	dory.root = dory.state = NULL;
}

/* c's mounts from -v, --mount, --tmpfs and --volumes-from lists. */
static int build(struct ctr_config *c, struct strv *v, struct strv *m, struct strv *t,
		 struct strv *from)
{
	const struct ctr_vol_flags f = { v, m, t, from };

	return ctr_vol_build(&f, c);
}

TEST(ctr_vol_build_orders_and_refuses_duplicates)
{
	struct strv v = { 0 }, m = { 0 }, t = { 0 }, from = { 0 };
	struct ctr_config c = { 0 };
	struct fx f;

	fx_init(&f);
	strv_push(&v, "data:/a");
	strv_push(&m, "type=tmpfs,dst=/b");
	strv_push(&t, "/c:size=1m");
	CHECK_EQ_INT(build(&c, &v, &m, &t, &from), 0);
	CHECK_EQ_INT(c.nmounts, 3);
	CHECK_EQ_STR(c.mounts[0].target, "/a");
	CHECK_EQ_INT(c.mounts[1].type, VOL_MOUNT_TMPFS);
	CHECK_EQ_INT(c.mounts[2].from, VOL_FROM_TMPFS);
	ctr_config_clear(&c);
	memset(&c, 0, sizeof(c));
	strv_push(&t, "/a");
	CHECK_EQ_INT(build(&c, &v, &m, &t, &from), -EINVAL);
	CHECK(strstr(err_str(), "Duplicate mount point: /a"));
	ctr_config_clear(&c);
	strv_free(&v), strv_free(&m), strv_free(&t);
	fx_free(&f);
}

TEST(ctr_vol_volumes_from_copies_and_yields)
{
	struct strv v = { 0 }, none = { 0 }, from = { 0 };
	struct ctr_config src = { 0 }, c = { 0 };
	struct fx f;

	fx_init(&f);
	src.name = xstrdup("src");
	strv_push(&v, "data:/d");
	strv_push(&v, "/h:/h:ro");
	strv_push(&none, "/t");
	CHECK_EQ_INT(build(&src, &v, &(struct strv){ 0 }, &none, &from), 0);
	CHECK_EQ_INT(ctr_create(&src), 0);
	strv_free(&v);
	strv_free(&none);
	strv_push(&from, "src:rw");
	strv_push(&v, "other:/d");
	CHECK_EQ_INT(build(&c, &v, &none, &none, &from), 0);
	/* the tmpfs is not copied; -v on /d replaces the copy */
	CHECK_EQ_INT(c.nmounts, 2);
	CHECK_EQ_STR(c.mounts[0].target, "/h");
	CHECK(!c.mounts[0].ro);
	CHECK_EQ_STR(c.mounts[1].name, "other");
	ctr_config_clear(&c);
	memset(&c, 0, sizeof(c));
	strv_free(&from);
	strv_push(&from, "nope");
	CHECK_EQ_INT(build(&c, &none, &none, &none, &from), -ENOENT);
	CHECK(strstr(err_str(), "--volumes-from nope"));
	ctr_config_clear(&c);
	ctr_config_clear(&src);
	strv_free(&v), strv_free(&from);
	fx_free(&f);
}

TEST(ctr_vol_image_volumes_anonymous_unless_taken)
{
	struct strv v = { 0 }, none = { 0 }, paths = { 0 };
	struct ctr_config c = { 0 };
	struct fx f;

	fx_init(&f);
	strv_push(&v, "mine:/srv");
	strv_push(&paths, "/srv");
	strv_push(&paths, "/var/db/");
	CHECK_EQ_INT(build(&c, &v, &none, &none, &none), 0);
	CHECK_EQ_INT(ctr_vol_image(&paths, &c), 0);
	CHECK_EQ_INT(c.nmounts, 2);
	CHECK_EQ_STR(c.mounts[1].target, "/var/db");
	CHECK(c.mounts[1].anon && strlen(c.mounts[1].name) == VOL_RANDOM_LEN);
	CHECK(!c.mounts[0].anon);
	strv_free(&paths);
	strv_push(&paths, "rel");
	CHECK_EQ_INT(ctr_vol_image(&paths, &c), -EINVAL);
	ctr_config_clear(&c);
	strv_free(&v), strv_free(&paths);
	fx_free(&f);
}

TEST(ctr_vol_binds_parents_first_and_anon_removed)
{
	struct strv v = { 0 }, none = { 0 };
	struct ctr_config c = { 0 };
	struct ctr_vol_binds b;
	struct ctr_vol_usage *u;
	size_t n;
	struct fx f;

	fx_init(&f);
	strv_push(&v, "deep:/a/b/c");
	strv_push(&v, "top:/a");
	strv_push(&v, "/x");
	CHECK_EQ_INT(build(&c, &v, &none, &none, &none), 0);
	CHECK_EQ_INT(ctr_vol_prepare(&c), 0);
	CHECK_EQ_INT(ctr_vol_binds(&c, &b), 0);
	CHECK_EQ_INT(b.n, 3);
	CHECK_EQ_STR(b.v[0].dst, "/a");
	CHECK_EQ_STR(b.v[1].dst, "/x");
	CHECK_EQ_STR(b.v[2].dst, "/a/b/c");
	CHECK(b.v[0].copy_up && b.v[0].propagation);
	ctr_vol_binds_clear(&b);
	CHECK_EQ_INT(ctr_create(&c), 0);
	CHECK_EQ_INT(ctr_vol_usage(&u, &n), 0);
	CHECK_EQ_INT(n, 3);
	for (size_t i = 0; i < n; i++)
		CHECK(u[i].links == 1 && u[i].bytes == 0);
	ctr_vol_usage_free(u, n);
	/* named by the container still: kept */
	CHECK_EQ_INT(ctr_vol_remove_anon(&c), 0);
	CHECK_EQ_INT(ctr_vol_usage(&u, &n), 0);
	CHECK_EQ_INT(n, 3);
	ctr_vol_usage_free(u, n);
	CHECK_EQ_INT(ctr_remove(c.id), 0);
	CHECK_EQ_INT(ctr_vol_remove_anon(&c), 0);
	CHECK_EQ_INT(ctr_vol_usage(&u, &n), 0);
	CHECK_EQ_INT(n, 2);	/* the anonymous one went, the named ones stay */
	for (size_t i = 0; i < n; i++)
		CHECK(strlen(u[i].name) < VOL_RANDOM_LEN && u[i].links == 0);
	ctr_vol_usage_free(u, n);
	ctr_config_clear(&c);
	strv_free(&v);
	fx_free(&f);
}
