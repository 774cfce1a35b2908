// SPDX-License-Identifier: Apache-2.0
/* import_test.c - a root filesystem tar into an image: the record, the
 * config with its changes, the layer's files; bad input leaves the store
 * as it was. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/image/image.h"
#include "core/image/import.h"
#include "core/store/store.h"
#include "core/util/err.h"
#include "core/util/json.h"
#include "core/util/str.h"
#include "core/util/xalloc.h"
#include "tap.h"
#include "fixture.h"
#include "tarfix.h"

/* The tar t as a file to read from: an fd at its start. */
static int tar_fd(const char *dir, const struct tw *t)
{
	const char *p = fix_path(dir, "in.tar");
	int fd = openat(AT_FDCWD, p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	CHECK(fd >= 0);
	if (t->len)
		fix_write_all(fd, t->p, t->len);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* The store's files, one string: what must not change on failure. */
static char *store_files(const char *root)
{
	struct sbuf b = { 0 };
	const char *sub[] = { "blobs/sha256", "layers", "images" };

	for (size_t i = 0; i < ARRAY_SIZE(sub); i++)
		sbuf_addf(&b, "%s:%d ", sub[i], fix_count(root, sub[i]));
	return b.s;
}

TEST(import_makes_an_image_with_changes)
{
	char *root = fix_tmpdir("import");
	struct store *st = fix_store(root);
	struct strv ch = { 0 };
	struct tw t = { 0 };
	struct image im = { 0 };
	char id[DIGEST_STRLEN];
	struct image_import_opts o = { .changes = &ch, .source = "-", .ref = "imp:1" };
	const struct json *cfg;
	struct strv dirs = { 0 };
	int fd;

	tw_simple(&t, "bin/", '5', 0755, NULL);
	tw_file(&t, "bin/hello", 0755, "#!/bin/sh\n");
	tw_end(&t);
	strv_push(&ch, "CMD [\"/bin/hello\"]");
	strv_push(&ch, "ENV A=1");
	fd = tar_fd(root, &t);
	CHECK_EQ_INT(image_import(st, fd, &o, id), 0);
	close(fd);
	CHECK(!strncmp(id, "sha256:", 7));
	CHECK_EQ_INT(image_open(st, "imp:1", &im), 0);
	CHECK_EQ_STR(im.id, id);
	cfg = json_get(im.config, "config");
	CHECK_EQ_STR(json_str(json_arr_at(json_get(cfg, "Cmd"), 0)), "/bin/hello");
	CHECK_EQ_STR(json_str(json_arr_at(json_get(cfg, "Env"), 0)), "A=1");
	CHECK_EQ_STR(json_get_str(json_arr_at(json_get(im.config, "history"), 0), "comment"),
		     "Imported from -");
	CHECK_EQ_INT(image_layer_dirs(st, &im, &dirs), 0);
	CHECK(dirs.n == 1 && fix_has(dirs.v[0], "bin/hello", "#!/bin/sh\n"));
	strv_free(&dirs);
	image_close(&im);
	strv_free(&ch);
	free(t.p);
	store_close(st);
	fix_rmtree(root);
}

TEST(import_bad_input_leaves_the_store)
{
	char *root = fix_tmpdir("import");
	struct store *st = fix_store(root);
	struct strv ch = { 0 };
	struct tw t = { 0 }, empty = { 0 };
	char id[DIGEST_STRLEN], *before;
	struct image_import_opts o = { .changes = &ch, .source = "x.tar", .ref = "bad:1" };
	int fd;

	before = store_files(root);
	tw_file(&t, "ok", 0644, "fine");
	tw_put(&t, "garbage that is no tar header", 29);
	tw_pad(&t);
	fd = tar_fd(root, &t);
	CHECK(image_import(st, fd, &o, id) < 0);
	close(fd);
	fd = tar_fd(root, &empty);
	CHECK_EQ_INT(image_import(st, fd, &o, id), -EINVAL);
	CHECK(strstr(err_str(), "x.tar is empty") != NULL);
	close(fd);
	strv_push(&ch, "ONBUILD RUN x");
	fd = tar_fd(root, &t);
	CHECK_EQ_INT(image_import(st, fd, &o, id), -EINVAL);
	CHECK(strstr(err_str(), "--change \"ONBUILD RUN x\"") != NULL);
	close(fd);
	err_clear();
	{
		char *after = store_files(root);

		CHECK_EQ_STR(after, before);
		free(after);
	}
	free(before);
	strv_free(&ch);
	free(t.p);
	store_close(st);
	fix_rmtree(root);
}
