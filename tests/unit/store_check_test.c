// SPDX-License-Identifier: Apache-2.0
/* store_check_test.c - the store's line of `dory check`: filesystem
 * names, a root not made yet, nothing written. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "core/store/store_check.h"
#include "core/util/xalloc.h"
#include "tap.h"

TEST(store_fs_name_by_magic)
{
	CHECK_EQ_STR(store_fs_name(0xEF53), "ext4");
	CHECK_EQ_STR(store_fs_name(0x01021994), "tmpfs");
	CHECK_EQ_STR(store_fs_name(0x794C7630), "overlay");
	CHECK_EQ_STR(store_fs_name(0x24051905), "ubifs");
	/* f_type is sign-extended on some 64-bit targets. */
	CHECK_EQ_STR(store_fs_name((unsigned long)(long)(int)0xF2F52010), "f2fs");
	CHECK(store_fs_name(0x12345678) == NULL);
}

TEST(store_check_root_not_made_yet)
{
	char tmpl[] = "/tmp/dory-stcheck-XXXXXX";
	struct chk_list *l = xzalloc(sizeof(*l));
	char *base = mkdtemp(tmpl), *root = xasprintf("%s/a/b/root", base), *dir = NULL;
	struct statfs fs;
	const char *name;

	store_check(root, l, &dir);
	CHECK_EQ_STR(dir, base);
	CHECK_EQ_INT(l->n, 1);
	CHECK_EQ_STR(l->v[0].name, "store");
	CHECK(l->v[0].required);
	CHECK(strstr(l->v[0].found, "free (not made yet)"));
	CHECK(statfs(base, &fs) == 0);
	name = store_fs_name((unsigned long)fs.f_type);
	CHECK(name && !strncmp(l->v[0].found, name, strlen(name)));
	/* Nothing was made on the way. */
	CHECK(access(root, F_OK) < 0 && errno == ENOENT);
	free(dir);
	dir = NULL;
	l->n = 0;
	store_check(base, l, &dir);
	CHECK_EQ_STR(dir, base);
	CHECK(!strstr(l->v[0].found, "not made yet"));
	CHECK(l->v[0].state != CHK_MISSING);
	rmdir(base);
	free(dir);
	free(root);
	free(l);
}
