// SPDX-License-Identifier: Apache-2.0
/* inroot_test.c - paths resolved inside a root: symlinks to /, "..", an
 * absolute link in the middle, loops; the same with openat2 and the walk. */
#include "tap.h"
#include "fixture.h"

#include "core/fs/inroot.h"
#include "core/util/err.h"

static char *root;
static int rootfd = -1;

static void setup(void)
{
	if (root)
		return;
	root = fix_tmpdir("inroot");
	CHECK(mkdir(fix_path(root, "etc"), 0755) == 0);
	CHECK(mkdir(fix_path(root, "a"), 0755) == 0);
	CHECK(mkdir(fix_path(root, "a/b"), 0755) == 0);
	fix_put(root, "etc/passwd", "inside\n", 0644);
	CHECK(symlink("/etc", fix_path(root, "evil")) == 0);
	CHECK(symlink("../../../../../etc", fix_path(root, "a/b/up")) == 0);
	CHECK(symlink("/a/b/../../etc/passwd", fix_path(root, "abs")) == 0);
	CHECK(symlink("loop2", fix_path(root, "loop1")) == 0);
	CHECK(symlink("loop1", fix_path(root, "loop2")) == 0);
	CHECK(symlink("/proc/self/root", fix_path(root, "magic")) == 0);
	rootfd = openat(AT_FDCWD, root, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/* The file path names inside the root, by its content; "" if none. */
static const char *content(const char *path, bool follow)
{
	static char buf[64];
	char self[32];
	int fd = inroot_open(rootfd, path, follow), in;
	ssize_t n;

	buf[0] = '\0';
	if (fd < 0)
		return buf;
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	in = openat(AT_FDCWD, self, O_RDONLY | O_CLOEXEC);
	n = in < 0 ? -1 : read(in, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	if (in >= 0)
		close(in);
	close(fd);
	return buf;
}

static void both(void (*fn)(void))
{
	setup();
	inroot_force_walk(false);
	fn();
	inroot_force_walk(true);
	fn();
	inroot_force_walk(false);
}

static void confined(void)
{
	CHECK_EQ_STR(content("/evil/passwd", true), "inside\n");
	CHECK_EQ_STR(content("evil/passwd", true), "inside\n");
	CHECK_EQ_STR(content("/a/b/up/passwd", true), "inside\n");
	CHECK_EQ_STR(content("/../../../etc/passwd", true), "inside\n");
	CHECK_EQ_STR(content("/a/../../a/b/../../etc/./passwd", true), "inside\n");
	CHECK_EQ_STR(content("/abs", true), "inside\n");
}

TEST(inroot_symlinks_and_dotdot_stay_inside)
{
	both(confined);
}

static void last_link(void)
{
	struct stat st;
	int fd = inroot_open(rootfd, "/evil", false);

	CHECK(fd >= 0);
	CHECK(fd >= 0 && fstatat(fd, "", &st, AT_EMPTY_PATH) == 0 && S_ISLNK(st.st_mode));
	if (fd >= 0)
		close(fd);
	fd = inroot_open(rootfd, "/evil", true);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode));
	if (fd >= 0)
		close(fd);
}

TEST(inroot_last_symlink_followed_only_when_asked)
{
	both(last_link);
}

static void refusals(void)
{
	CHECK_EQ_INT(inroot_open(rootfd, "/nope/x", true), -ENOENT);
	CHECK(strstr(err_str(), "/nope/x") != NULL);
	CHECK_EQ_INT(inroot_open(rootfd, "/loop1", true), -ELOOP);
	CHECK_EQ_INT(inroot_open(rootfd, "/etc/passwd/x", true), -ENOTDIR);
	CHECK(inroot_open(rootfd, "/magic/etc", true) < 0);
	err_clear();
}

TEST(inroot_missing_loops_and_magic_links_refused)
{
	both(refusals);
}

static void root_itself(void)
{
	struct stat a, b;
	int fd = inroot_open(rootfd, "/", true);

	CHECK(fd >= 0 && fstat(fd, &a) == 0 && fstat(rootfd, &b) == 0 && a.st_ino == b.st_ino);
	if (fd >= 0)
		close(fd);
	fd = inroot_open(rootfd, "..", true);
	CHECK(fd >= 0 && fstat(fd, &a) == 0 && a.st_ino == b.st_ino);
	if (fd >= 0)
		close(fd);
}

TEST(inroot_root_and_its_parent_are_the_root)
{
	both(root_itself);
}

TEST(inroot_cleanup)
{
	setup();
	close(rootfd);
	fix_rmtree(root);
}
