// SPDX-License-Identifier: Apache-2.0
/* inroot_test.c - paths resolved inside a root: symlinks to /, "..", an
 * absolute link in the middle, loops; what is missing made inside it;
 * the same with openat2 and the walk. */
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

/* ---- make: a fresh box per run, inside root, so that an escape (a
 * mutant's) lands in root, never on the host ---- */

static int box_new(char **box)
{
	static int n;
	char name[16];
	int fd;

	snprintf(name, sizeof(name), "box%d", n++);
	*box = strdup(fix_path(root, name));
	CHECK(*box && mkdir(*box, 0755) == 0);
	CHECK(symlink("../esc", fix_path(*box, "up")) == 0);
	CHECK(symlink(fix_path(root, "esc"), fix_path(*box, "abs")) == 0);
	CHECK(symlink("/made", fix_path(*box, "dangling")) == 0);
	fd = openat(AT_FDCWD, *box, O_PATH | O_DIRECTORY | O_CLOEXEC);
	CHECK(fd >= 0);
	return fd;
}

/* The type and permission bits of sub in box, 0 if missing. */
static mode_t mode_of(const char *box, const char *sub)
{
	struct stat st;

	return lstat(fix_path(box, sub), &st) < 0 ? 0 : st.st_mode & (S_IFMT | 07777);
}

static void made(void)
{
	char *box;
	int boxfd = box_new(&box), fd;
	mode_t old = umask(022);
	struct stat st;

	fd = inroot_make(boxfd, "/m/d1/d2", true, 0750);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode));
	CHECK_EQ_INT(mode_of(box, "m"), S_IFDIR | 0750);
	CHECK_EQ_INT(mode_of(box, "m/d1/d2"), S_IFDIR | 0750);
	close(fd);
	fd = inroot_make(boxfd, "m/d1/f", false, 0755);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0);
	CHECK_EQ_INT(mode_of(box, "m/d1/f"), S_IFREG | 0644);
	close(fd);
	/* What is there is opened as it is, a file asked as a directory too. */
	fix_put(box, "m/full", "kept\n", 0600);
	fd = inroot_make(boxfd, "/m/full", true, 0755);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 5);
	close(fd);
	/* Symlinks up, absolute and dangling: made inside the box. */
	fd = inroot_make(boxfd, "/up/f", false, 0755);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode));
	close(fd);
	CHECK_EQ_INT(mode_of(box, "esc/f"), S_IFREG | 0644);
	fd = inroot_make(boxfd, "/abs/a/../d", true, 0755);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode));
	close(fd);
	CHECK_EQ_INT(mode_of(box, fix_path(root + 1, "esc/d")), S_IFDIR | 0755);
	fd = inroot_make(boxfd, "/dangling", true, 0755);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode));
	close(fd);
	CHECK_EQ_INT(mode_of(box, "made"), S_IFDIR | 0755);
	CHECK_EQ_INT(mode_of(root, "esc"), 0);
	/* Through a file: refused, nothing made. */
	CHECK_EQ_INT(inroot_make(boxfd, "/m/full/x/y", true, 0755), -ENOTDIR);
	CHECK(strstr(err_str(), "/m/full/x/y") != NULL);
	err_clear();
	umask(old);
	close(boxfd);
	free(box);
}

TEST(inroot_make_makes_what_is_missing_inside)
{
	both(made);
}

TEST(inroot_cleanup)
{
	setup();
	close(rootfd);
	fix_rmtree(root);
}
