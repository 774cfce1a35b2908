// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/xattr.h>

#include "core/fs/userns.h"
#include "core/util/conf.h"
#include "core/util/err.h"
#include "libc-compat/compat.h"
#include "nsutil.h"
#include "tap.h"

static const struct userns_map m100k = { 100000, 65536 };
/* nsutil.h's in_ns unshares in the child, which cannot then be mapped. */
static int (*const unused_in_ns)(int, int (*)(void)) UNUSED = in_ns;

/* In a child: report the failed check and its line as the exit status. */
#define C_CHECK(c)                                                                   \
	do {                                                                         \
		if (!(c)) {                                                          \
			fprintf(stderr, "#   %s:%d: %s [%s] (%s)\n", __FILE__, __LINE__, \
				#c, err_str(), strerror(errno));                     \
			return __LINE__ % 250 + 1;                                   \
		}                                                                    \
	} while (0)

static char dir[64];

static const char *P(const char *fmt, ...) PRINTF(1, 2);
static const char *P(const char *fmt, ...)
{
	static char ring[8][512];
	static int next;
	char *b = ring[next++ % 8];
	int n = snprintf(b, 512, "%s/", dir);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b + n, 512 - (size_t)n, fmt, ap);
	va_end(ap);
	return b;
}

static int put(const char *path, mode_t mode, uid_t uid, gid_t gid)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		return -1;
	close(fd);
	return chown(path, uid, gid) < 0 || chmod(path, mode) < 0 ? -1 : 0;
}

static void rmtree(const char *path)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", path);
}

static bool fresh_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/dory-userns-XXXXXX");
	return mkdtemp(dir) != NULL;
}

static uid_t owner(const char *path)
{
	struct stat st;

	return lstat(path, &st) < 0 ? (uid_t)-2 : st.st_uid;
}

/* ---- the range ---- */

TEST(parse_range)
{
	struct userns_map m;

	CHECK_EQ_INT(userns_map_parse("100000:65536", &m), 0);
	CHECK_EQ_INT(m.base, 100000);
	CHECK_EQ_INT(m.count, 65536);
	CHECK_EQ_INT(userns_map_parse("1:1", &m), 0);
	/* the last id may be 4294967294, never 4294967295 */
	CHECK_EQ_INT(userns_map_parse("4294901759:65536", &m), 0);
	CHECK_EQ_INT(m.base, 4294901759u);
}

TEST(parse_range_rejects)
{
	static const char *const bad[] = {
		"0:65536", "100000:0", "4294901760:65536", "4294967295:1", "4294967296:1",
		"1:4294967296", "100000", "100000:", ":65536", "100000:-1", "100000:65536:1",
		"1e5:10", "100000:65536 ", "",
	};
	struct userns_map m;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		int r = userns_map_parse(bad[i], &m);

		if (r != -EINVAL)
			TAP_FAIL("\"%s\" gave %d", bad[i], r);
	}
	userns_map_parse("0:65536", &m);
	CHECK(strstr(err_str(), "host id 0") != NULL);
	CHECK_EQ_INT(userns_map_parse(NULL, &m), -EINVAL);
}

TEST(subid_lookup)
{
	const char *uids = "alice:200000:65536\ndory:300000:131072\ndory:1:2\n";
	const char *gids = "dory:300000:131072\nstaff:300000:131072\n";
	struct userns_map m;

	CHECK_EQ_INT(userns_subid_lookup("dory", NULL, uids, gids, &m), 0);
	CHECK_EQ_INT(m.base, 300000);
	CHECK_EQ_INT(m.count, 131072);
	CHECK_EQ_INT(userns_subid_lookup("default", NULL, uids, gids, &m), 0);
	CHECK_EQ_INT(m.base, 300000);
	CHECK_EQ_INT(userns_subid_lookup("dory", "staff", uids, gids, &m), 0);
	CHECK_EQ_INT(userns_subid_lookup("alice", NULL, uids, gids, &m), -ENOENT);
	CHECK(strstr(err_str(), "/etc/subgid") != NULL);
	CHECK_EQ_INT(userns_subid_lookup("alice", "staff", uids, gids, &m), -EINVAL);
	CHECK_EQ_INT(userns_subid_lookup("dor", NULL, uids, gids, &m), -ENOENT);
	CHECK_EQ_INT(userns_subid_lookup("dory", NULL, "dory:0:65536\n", gids, &m), -EINVAL);
	CHECK_EQ_INT(userns_subid_lookup("dory", NULL, "", "", &m), -ENOENT);
}

TEST(map_text_and_host_id)
{
	const struct userns_map big = { 4294901759u, 65536 };
	char t[USERNS_MAP_TEXT];

	userns_map_text(&m100k, t);
	CHECK_EQ_STR(t, "0 100000 65536\n");
	userns_map_text(&big, t);
	CHECK_EQ_STR(t, "0 4294901759 65536\n");
	CHECK_EQ_INT(userns_host_id(&m100k, 0), 100000);
	CHECK_EQ_INT(userns_host_id(&m100k, 65535), 165535);
	CHECK_EQ_INT(userns_host_id(&m100k, 65536), (uint32_t)-1);
}

TEST(conf_key)
{
	char path[] = "/tmp/dory-userns-conf-XXXXXX";
	int fd = mkstemp(path);
	struct dory_conf c;
	const char *text = "{\"userns-remap\": \"100000:65536\"}";

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK_EQ_INT(write(fd, text, strlen(text)), (long long)strlen(text));
	close(fd);
	setenv("DORY_CONFIG", path, 1);
	CHECK_EQ_INT(conf_load(&c), 0);
	CHECK_EQ_STR(c.userns_remap, "100000:65536");
	conf_clear(&c);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	text = "{\"userns-remap\": 100000}";
	CHECK_EQ_INT(write(fd, text, strlen(text)), (long long)strlen(text));
	close(fd);
	CHECK_EQ_INT(conf_load(&c), -EINVAL);
	CHECK(strstr(err_str(), "userns-remap") != NULL);
	unlink(path);
	unsetenv("DORY_CONFIG");
}

/* ---- a real user namespace ---- */

/* fork a child into a new user namespace (and mount namespace with
 * newns), let fn run there once its maps are written; its exit status. */
static int in_userns(bool newns, int (*fn)(void *), void *arg)
{
	int up[2], down[2], st, e = 0;
	pid_t pid;
	char c = 'g';

	if (pipe2(up, O_CLOEXEC) < 0 || pipe2(down, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		e = unshare(CLONE_NEWUSER | (newns ? CLONE_NEWNS : 0)) < 0 ? errno : 0;
		if (write(up[1], &e, sizeof(e)) != sizeof(e) || e || read(down[0], &c, 1) != 1)
			_exit(99);
		_exit(userns_become_root() < 0 ? 98 : fn(arg));
	}
	close(up[1]);
	close(down[0]);
	if (pid < 0 || read(up[0], &e, sizeof(e)) != sizeof(e) || e ||
	    userns_write_maps(pid, &m100k) < 0 || write(down[1], &c, 1) != 1)
		e = -1;
	close(up[0]);
	close(down[1]);
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return -1;
	if (e)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int inside_idmap(void *arg)
{
	int fd = *(int *)arg, nfd;
	struct stat st;
	char map[64] = "";

	C_CHECK(getuid() == 0 && getgid() == 0 && geteuid() == 0);
	nfd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
	C_CHECK(nfd >= 0 && read(nfd, map, sizeof(map) - 1) > 0);
	close(nfd);
	C_CHECK(strstr(map, "100000") != NULL);
	/* on-disk 0 is the container's root, 1000 its user 1000 */
	C_CHECK(fstatat(fd, "", &st, AT_EMPTY_PATH) == 0 && st.st_uid == 0 && st.st_gid == 0);
	C_CHECK(fstatat(fd, "user", &st, 0) == 0 && st.st_uid == 1000);
	nfd = openat(fd, "made", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	C_CHECK(nfd >= 0);
	close(nfd);
	C_CHECK(fchownat(fd, "made", 1000, 1000, 0) == 0);
	return 0;
}

TEST(idmapped_mount_in_userns)
{
	int us = -1, fd = -1;
	struct stat st;

	SKIP_IF(ns_unavailable(), "needs root and a real kernel");
	CHECK(fresh_dir());
	CHECK(mkdir(P("d"), 0755) == 0 && put(P("d/user"), 0644, 1000, 1000) == 0);
	us = userns_open(&m100k);
	CHECK(us >= 0);
	fd = us < 0 ? -1 : userns_idmap_open(P("d"), us, false);
	if (fd < 0) {
		printf("# %s\n", err_str());
		CHECK(err_errno() == EINVAL || err_errno() == ENOSYS);
		tap_skip = "no idmapped mounts on /tmp";
		goto out;
	}
	/* from the host, through the idmapped mount: shifted by the base */
	CHECK(fstatat(fd, "", &st, AT_EMPTY_PATH) == 0 && st.st_uid == 100000);
	CHECK(fstatat(fd, "user", &st, 0) == 0 && st.st_uid == 101000);
	CHECK_EQ_INT(in_userns(false, inside_idmap, &fd), 0);
	/* on disk: what the container's 1000 made is 1000, not 101000 */
	CHECK(lstat(P("d/made"), &st) == 0 && st.st_uid == 1000 && st.st_gid == 1000);
out:
	if (fd >= 0)
		close(fd);
	if (us >= 0)
		close(us);
	rmtree(dir);
}

TEST(idmap_refuses_a_missing_dir)
{
	int us;

	SKIP_IF(ns_unavailable(), "needs root and a real kernel");
	us = userns_open(&m100k);
	CHECK(us >= 0);
	CHECK_EQ_INT(userns_idmap_open("/nonexistent-dory", us, true), -ENOENT);
	CHECK(strstr(err_str(), "/nonexistent-dory") != NULL);
	close(us);
}

static bool kernel_at_least(int maj, int min)
{
	struct utsname u;
	int a = 0, b = 0;

	return uname(&u) == 0 && sscanf(u.release, "%d.%d", &a, &b) == 2 &&
	       (a > maj || (a == maj && b >= min));
}

TEST(idmap_probe)
{
	char why[256] = "";
	bool ok;

	SKIP_IF(ns_unavailable(), "needs root and a real kernel");
	CHECK(fresh_dir());
	ok = userns_idmap_usable(dir, &m100k, why, sizeof(why));
	if (!ok)
		printf("# %s\n", why);
	if (kernel_at_least(6, 8))
		CHECK(ok);
	/* the probe leaves nothing */
	CHECK(rmdir(dir) == 0);
}

struct ovl_case {
	int ofd;
	const char *target;
};

/* As the container does: attach the overlay made outside, in its own
 * mount namespace (it goes away with it), and look. */
static int inside_overlay(void *arg)
{
	const struct ovl_case *o = arg;
	char p[600];
	struct stat st;
	int fd;

	C_CHECK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0);
	C_CHECK(compat_move_mount(o->ofd, "", AT_FDCWD, o->target,
				  COMPAT_MOVE_MOUNT_F_EMPTY_PATH) == 0);
	C_CHECK(stat(o->target, &st) == 0 && st.st_uid == 0);
	snprintf(p, sizeof(p), "%s/etc/passwd", o->target);
	C_CHECK(stat(p, &st) == 0 && st.st_uid == 0 && st.st_gid == 0);
	snprintf(p, sizeof(p), "%s/home/app", o->target);
	C_CHECK(stat(p, &st) == 0 && st.st_uid == 1000);
	snprintf(p, sizeof(p), "%s/etc/gone", o->target);	/* a whiteout */
	C_CHECK(access(p, F_OK) < 0 && errno == ENOENT);
	snprintf(p, sizeof(p), "%s/opq/old", o->target);	/* under an opaque dir */
	C_CHECK(access(p, F_OK) < 0 && errno == ENOENT);
	snprintf(p, sizeof(p), "%s/etc/passwd", o->target);	/* copy-up */
	fd = open(p, O_WRONLY | O_APPEND | O_CLOEXEC);
	C_CHECK(fd >= 0 && write(fd, "x\n", 2) == 2);
	close(fd);
	snprintf(p, sizeof(p), "%s/home/app/new", o->target);
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	C_CHECK(fd >= 0 && fchown(fd, 1000, 1000) == 0);
	close(fd);
	return 0;
}

static int make_layers(void)
{
	static const char *const dirs[] = {
		"l1", "l1/etc", "l1/opq", "l2", "l2/etc", "l2/opq", "l2/home", "l2/home/app",
		"u", "w", "m", NULL,
	};

	for (const char *const *d = dirs; *d; d++)
		C_CHECK(mkdir(P("%s", *d), 0755) == 0);
	C_CHECK(chmod(P("l1"), 0700) == 0 && chmod(P("l2"), 0700) == 0);
	C_CHECK(put(P("l2/etc/passwd"), 0644, 0, 0) == 0 && put(P("l2/etc/gone"), 0644, 0, 0) == 0);
	C_CHECK(put(P("l2/opq/old"), 0644, 0, 0) == 0);
	C_CHECK(chown(P("l2/home/app"), 1000, 1000) == 0);
	C_CHECK(mknod(P("l1/etc/gone"), S_IFCHR, makedev(0, 0)) == 0);
	C_CHECK(setxattr(P("l1/opq"), "trusted.overlay.opaque", "y", 1, 0) == 0);
	/* the upper dir's root is the container's /; the container's root
	 * must be able to walk to the mount point */
	C_CHECK(chown(P("u"), 100000, 100000) == 0 && chmod(dir, 0711) == 0);
	return 0;
}

TEST(overlay_of_idmapped_layers)
{
	int us = -1, fds[2] = { -1, -1 }, ofd = -1;
	struct ovl_case o;

	SKIP_IF(ns_unavailable(), "needs root and a real kernel");
	SKIP_IF(!kernel_at_least(6, 8), "overlay of idmapped layers needs Linux 6.8");
	CHECK(fresh_dir());
	CHECK_EQ_INT(make_layers(), 0);
	us = userns_open(&m100k);
	CHECK(us >= 0);
	fds[0] = userns_idmap_open(P("l1"), us, true);
	fds[1] = userns_idmap_open(P("l2"), us, true);
	CHECK(fds[0] >= 0 && fds[1] >= 0);
	ofd = userns_overlay_open(fds, 2, P("u"), P("w"));
	if (ofd < 0)
		printf("# %s\n", err_str());
	CHECK(ofd >= 0);
	if (ofd >= 0) {
		o = (struct ovl_case){ ofd, P("m") };
		CHECK_EQ_INT(in_userns(true, inside_overlay, &o), 0);
		/* upper, from outside: host ids of the container's */
		CHECK_EQ_INT(owner(P("u/etc/passwd")), 100000);
		CHECK_EQ_INT(owner(P("u/home/app/new")), 101000);
		/* nothing stayed mounted in our namespace */
		CHECK(access(P("m/etc"), F_OK) < 0);
	}
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (ofd >= 0)
		close(ofd);
	if (us >= 0)
		close(us);
	rmtree(dir);
}

TEST(overlay_open_checks_its_arguments)
{
	int fds[1] = { 0 };

	CHECK_EQ_INT(userns_overlay_open(fds, 0, NULL, NULL), -EINVAL);
	CHECK_EQ_INT(userns_overlay_open(fds, 1, "/tmp", NULL), -EINVAL);
}

/* ---- the fallback ---- */

static const unsigned char cap_v2[20] = { 0x01, 0, 0, 0x02, 0x00, 0x04 };	/* bind */
static const unsigned char cap_v3[24] = { 0x01, 0, 0, 0x03, 0x00, 0x04, [20] = 0xe8, 0x03 };

static int make_tree(void)
{
	C_CHECK(mkdir(P("t"), 0755) == 0 && mkdir(P("t/home"), 0755) == 0);
	C_CHECK(chmod(P("t/home"), 02775) == 0);
	C_CHECK(chown(P("t/home"), 1000, 50) == 0);
	C_CHECK(put(P("t/su"), 04755, 0, 0) == 0 && put(P("t/sg"), 02755, 0, 42) == 0);
	C_CHECK(put(P("t/h1"), 0644, 1000, 1000) == 0 && link(P("t/h1"), P("t/home/h2")) == 0);
	C_CHECK(symlink("su", P("t/lnk")) == 0 && lchown(P("t/lnk"), 7, 7) == 0);
	C_CHECK(mkfifo(P("t/fifo"), 0600) == 0 && chown(P("t/fifo"), 5, 5) == 0);
	C_CHECK(mknod(P("t/null"), S_IFCHR | 0666, makedev(1, 3)) == 0);
	C_CHECK(put(P("t/c2"), 0755, 0, 0) == 0 && put(P("t/c3"), 0755, 0, 0) == 0);
	C_CHECK(setxattr(P("t/c2"), "security.capability", cap_v2, sizeof(cap_v2), 0) == 0);
	C_CHECK(setxattr(P("t/c3"), "security.capability", cap_v3, sizeof(cap_v3), 0) == 0);
	return 0;
}

static void check_caps(void)
{
	unsigned char b[24];
	ssize_t n = getxattr(P("t/c2"), "security.capability", b, sizeof(b));

	CHECK(n == 20 && b[3] == 0x02 && b[5] == 0x04);
	n = getxattr(P("t/c3"), "security.capability", b, sizeof(b));
	/* rootid 1000 became 101000 (0x18a88) */
	CHECK(n == 24 && b[3] == 0x03 && b[20] == 0x88 && b[21] == 0x8a && b[22] == 0x01);
}

TEST(shift_tree)
{
	struct stat st;

	SKIP_IF(geteuid() != 0, "needs root");
	CHECK(fresh_dir());
	CHECK_EQ_INT(make_tree(), 0);
	CHECK_EQ_INT(userns_shift_tree(P("t"), &m100k), 0);
	CHECK_EQ_INT(owner(P("t")), 100000);
	CHECK(lstat(P("t/home"), &st) == 0 && st.st_uid == 101000 && st.st_gid == 100050 &&
	      (st.st_mode & 07777) == 02775);
	CHECK(lstat(P("t/su"), &st) == 0 && st.st_uid == 100000 && (st.st_mode & 07777) == 04755);
	CHECK(lstat(P("t/sg"), &st) == 0 && st.st_gid == 100042 && (st.st_mode & 07777) == 02755);
	/* hard links: one inode, shifted once */
	CHECK(lstat(P("t/home/h2"), &st) == 0 && st.st_uid == 101000 && st.st_gid == 101000);
	CHECK_EQ_INT(owner(P("t/lnk")), 100007);
	CHECK_EQ_INT(owner(P("su")), (uid_t)-2);	/* the link was not followed */
	CHECK_EQ_INT(owner(P("t/fifo")), 100005);
	CHECK_EQ_INT(owner(P("t/null")), 100000);
	check_caps();
	rmtree(dir);
}

TEST(shift_tree_refuses_ids_outside)
{
	const struct userns_map small = { 100000, 1000 };

	SKIP_IF(geteuid() != 0, "needs root");
	CHECK(fresh_dir());
	CHECK(mkdir(P("t"), 0755) == 0 && put(P("t/far"), 0644, 1000, 0) == 0);
	CHECK_EQ_INT(userns_shift_tree(P("t"), &small), -EOVERFLOW);
	CHECK(strstr(err_str(), "t/far: owner 1000:0") != NULL);
	CHECK_EQ_INT(userns_shift_tree(P("nope"), &small), -ENOENT);
	rmtree(dir);
}

TEST(cg_delegate)
{
	SKIP_IF(geteuid() != 0, "needs root");
	CHECK(fresh_dir());
	CHECK(put(P("cgroup.procs"), 0644, 0, 0) == 0 && put(P("memory.max"), 0644, 0, 0) == 0);
	CHECK_EQ_INT(userns_cg_delegate(dir, &m100k), 0);
	CHECK_EQ_INT(owner(dir), 100000);
	CHECK_EQ_INT(owner(P("cgroup.procs")), 100000);
	CHECK_EQ_INT(owner(P("memory.max")), 0);	/* limits stay the host's */
	rmtree(dir);
}
