// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/xalloc.h"
#include "tap.h"

static char *tmpdir(void)
{
	char tmpl[] = "/tmp/dory-unit-XXXXXX";

	return xstrdup(mkdtemp(tmpl));
}

TEST(fsutil_mkdir_p_and_files)
{
	char *d = tmpdir(), *deep = xasprintf("%s/a/b/c", d), *f = xasprintf("%s/a/f", d);
	char *text = NULL, *sub = xasprintf("%s/a/f/x", d);
	int dfd;

	CHECK_EQ_INT(fsutil_mkdir_p(deep, 0755), 0);
	CHECK_EQ_INT(fsutil_mkdir_p(deep, 0755), 0);
	dfd = open(d, O_PATH | O_DIRECTORY | O_CLOEXEC);
	CHECK_EQ_INT(close(open(f, O_CREAT | O_WRONLY | O_CLOEXEC, 0644)), 0);
	CHECK_EQ_INT(fsutil_write_at(dfd, "a/f", "hello\n"), 0);
	CHECK_EQ_INT(fsutil_read_file(f, &text), 0);
	CHECK_EQ_STR(text, "hello\n");
	CHECK_EQ_INT(fsutil_mkdir_p(f, 0755), -ENOTDIR);
	CHECK(fsutil_mkdir_p(sub, 0755) < 0);
	CHECK_EQ_INT(fsutil_write_at(dfd, "missing", "x"), -ENOENT);
	CHECK(strstr(err_str(), "missing") != NULL);
	close(dfd);
	free(text);
	unlink(f);
	rmdir(deep);
	*strrchr(deep, '/') = '\0';
	rmdir(deep);
	*strrchr(deep, '/') = '\0';
	rmdir(deep);
	CHECK_EQ_INT(rmdir(d), 0);
	free(d), free(deep), free(f), free(sub);
}

TEST(fsutil_read_file_grows_past_4k)
{
	char *d = tmpdir(), *f = xasprintf("%s/big", d), *text = NULL;
	char buf[10000];
	int fd = open(f, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);

	memset(buf, 'x', sizeof(buf));
	CHECK_EQ_INT(fsutil_write_full(fd, buf, sizeof(buf)), 0);
	close(fd);
	CHECK_EQ_INT(fsutil_read_file(f, &text), 0);
	CHECK_EQ_INT(strlen(text), sizeof(buf));
	free(text);
	unlink(f);
	rmdir(d);
	free(d), free(f);
}

TEST(fsutil_poll_times_out_then_sees_data)
{
	int p[2];

	CHECK(pipe(p) == 0);
	CHECK_EQ_INT(fsutil_poll(p[0], POLLIN, 10), -ETIMEDOUT);
	CHECK(write(p[1], "x", 1) == 1);
	CHECK_EQ_INT(fsutil_poll(p[0], POLLIN, 1000), 0);
	close(p[0]);
	close(p[1]);
}

TEST(fsutil_tree_bytes_counts_files_and_links)
{
	char *d = tmpdir(), *sub = xasprintf("%s/a/b", d), *f1 = xasprintf("%s/a/f", d);
	char *f2 = xasprintf("%s/a/b/g", d), *ln = xasprintf("%s/a/l", d);

	CHECK_EQ_INT(fsutil_mkdir_p(sub, 0755), 0);
	CHECK_EQ_INT(fsutil_write_atomic(f1, "12345", false), 0);
	CHECK_EQ_INT(fsutil_write_atomic(f2, "1234567890", false), 0);
	CHECK_EQ_INT(symlink("f", ln), 0);	/* a symlink counts its own size, 1 */
	CHECK(fsutil_tree_bytes(AT_FDCWD, d) == 16);
	CHECK(fsutil_tree_bytes(AT_FDCWD, ln) == 0);	/* not followed */
	CHECK(fsutil_tree_bytes(AT_FDCWD, f1) == 0);	/* not a directory */
	unlink(ln), unlink(f2), unlink(f1), rmdir(sub);
	*strrchr(sub, '/') = '\0';
	rmdir(sub);
	CHECK_EQ_INT(rmdir(d), 0);
	CHECK(fsutil_tree_bytes(AT_FDCWD, d) == 0);	/* gone */
	free(d), free(sub), free(f1), free(f2), free(ln);
}
