// SPDX-License-Identifier: Apache-2.0
/* userns.c - the id range, the maps, idmapped mounts and the overlay
 * made of them, and the chowned-tree fallback. Which of them a container
 * uses, and where, is the runtime's and ctrfs's business. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#include "core/fs/overlay.h"
#include "core/fs/userns.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/str.h"
#include "core/util/xalloc.h"
#include "libc-compat/compat.h"

/* open_tree(2) and mount_setattr(2) (5.2, 5.12) by number: the numbers
 * of the common table, which MIPS o32 offsets by 4000. */
#ifdef SYS_open_tree
#define USERNS_NR_OPEN_TREE SYS_open_tree
#elif defined(__mips__)
#define USERNS_NR_OPEN_TREE 4428
#else
#define USERNS_NR_OPEN_TREE 428
#endif
#ifdef SYS_mount_setattr
#define USERNS_NR_MOUNT_SETATTR SYS_mount_setattr
#elif defined(__mips__)
#define USERNS_NR_MOUNT_SETATTR 4442
#else
#define USERNS_NR_MOUNT_SETATTR 442
#endif

enum {
	USERNS_OPEN_TREE_CLONE = 1,
	USERNS_AT_RECURSIVE = 0x8000,
	USERNS_MOUNT_ATTR_RDONLY = 0x1,
	USERNS_MOUNT_ATTR_IDMAP = 0x00100000,
	USERNS_FSCONFIG_SET_FD = 5,
	USERNS_CAP_V3 = 0x03000000,	/* VFS_CAP_REVISION_3: a rootid follows */
	USERNS_CAP_V3_SIZE = 24,
};

/* linux/mount.h's struct mount_attr (MOUNT_ATTR_SIZE_VER0). */
struct userns_mount_attr {
	uint64_t attr_set, attr_clr, propagation, userns_fd;
};

/* ---- the range ---- */

uint32_t userns_host_id(const struct userns_map *m, uint32_t id)
{
	return id < m->count ? m->base + id : (uint32_t)-1;
}

static int userns_check(const char *spec, unsigned long long base, unsigned long long count,
			struct userns_map *out)
{
	if (count < 1)
		return err_setx(EINVAL, "userns-remap \"%s\": the count must be at least 1", spec);
	if (base < 1)
		return err_setx(EINVAL, "userns-remap \"%s\": the range must not hold host id 0 "
				"(root)", spec);
	/* The last id must stay below 4294967295, which means "no id". */
	if (base + count > UINT32_MAX)
		return err_setx(EINVAL, "userns-remap \"%s\": the range ends past host id "
				"4294967294", spec);
	out->base = (uint32_t)base;
	out->count = (uint32_t)count;
	return 0;
}

static int userns_parse_range(const char *spec, const char *text, struct userns_map *out)
{
	autofree char *s = xstrdup(text);
	char *colon = strchr(s, ':');
	unsigned long long base, count;

	if (!colon)
		return err_setx(EINVAL, "userns-remap \"%s\": not BASE:COUNT", spec);
	*colon = '\0';
	if (str_to_u64(s, UINT32_MAX, &base) < 0 || str_to_u64(colon + 1, UINT32_MAX, &count) < 0)
		return err_setx(EINVAL, "userns-remap \"%s\": BASE and COUNT must be numbers "
				"below 4294967296", spec);
	return userns_check(spec, base, count, out);
}

/* The first "user:START:COUNT" line of a subordinate id file. */
static int userns_subid_find(const char *user, const char *text, const char *file,
			     struct userns_map *out)
{
	size_t ulen = strlen(user);

	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		size_t len = strcspn(l, "\n");
		autofree char *range = NULL;

		if (len <= ulen || strncmp(l, user, ulen) || l[ulen] != ':')
			continue;
		range = xasprintf("%.*s", (int)(len - ulen - 1), l + ulen + 1);
		return userns_parse_range(user, range, out);
	}
	err_setx(ENOENT, "userns-remap \"%s\": no range for %s in %s", user, user, file);
	return err_hint("add a line \"%s:100000:65536\" to /etc/subuid and /etc/subgid", user);
}

int userns_subid_lookup(const char *user, const char *group, const char *subuid,
			const char *subgid, struct userns_map *out)
{
	struct userns_map u, g;

	if (!strcmp(user, "default"))
		user = "dory";
	if (!group || !*group)
		group = user;
	if (userns_subid_find(user, subuid, "/etc/subuid", &u) < 0 ||
	    userns_subid_find(group, subgid, "/etc/subgid", &g) < 0)
		return -err_errno();
	if (u.base != g.base || u.count != g.count) {
		err_setx(EINVAL, "userns-remap \"%s\": /etc/subuid and /etc/subgid give different "
			 "ranges", user);
		return err_hint("dory maps users and groups alike: make both lines the same");
	}
	*out = u;
	return 0;
}

static int userns_subid_read(const char *path, char **text)
{
	int r = fsutil_read_file(path, text);

	if (r == -ENOENT) {
		err_clear();
		*text = xstrdup("");
		return 0;
	}
	return r;
}

int userns_map_parse(const char *spec, struct userns_map *out)
{
	autofree char *subuid = NULL, *subgid = NULL, *user = NULL;
	char *group;

	if (!spec || !*spec)
		return err_setx(EINVAL, "userns-remap: empty (give BASE:COUNT or a user name)");
	if (spec[0] >= '0' && spec[0] <= '9')
		return userns_parse_range(spec, spec, out);
	/* Docker's "USER[:GROUP]", looked up in the subordinate id files. */
	user = xstrdup(spec);
	group = strchr(user, ':');
	if (group)
		*group++ = '\0';
	if (!*user)
		return err_setx(EINVAL, "userns-remap \"%s\": no user name", spec);
	if (userns_subid_read("/etc/subuid", &subuid) < 0 ||
	    userns_subid_read("/etc/subgid", &subgid) < 0)
		return err_ctx("userns-remap \"%s\"", spec);
	return userns_subid_lookup(user, group, subuid, subgid, out);
}

void userns_map_text(const struct userns_map *m, char buf[USERNS_MAP_TEXT])
{
	snprintf(buf, USERNS_MAP_TEXT, "0 %u %u\n", m->base, m->count);
}

/* ---- the maps ---- */

static int userns_write_one(pid_t pid, const char *file, const char *text)
{
	autofree char *path = xasprintf("/proc/%d/%s", (int)pid, file);
	autoclose int fd = openat(AT_FDCWD, path, O_WRONLY | O_CLOEXEC);

	/* The kernel takes the whole map in one write(2), or nothing. */
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		err_set(errno, "write %s", path);
		return err_hint("dory must run as root in the initial user namespace");
	}
	return 0;
}

int userns_write_maps(pid_t pid, const struct userns_map *m)
{
	char text[USERNS_MAP_TEXT];

	userns_map_text(m, text);
	if (userns_write_one(pid, "uid_map", text) < 0 ||
	    userns_write_one(pid, "gid_map", text) < 0)
		return -err_errno();
	return 0;
}

int userns_become_root(void)
{
	/* Until now the process had host root's ids, which the namespace
	 * cannot name: files it made would fail (EOVERFLOW) or be host root's. */
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return err_set(errno, "become root of the user namespace");
	if (setgroups(0, NULL) < 0)
		return err_set(errno, "drop the host's supplementary groups");
	return 0;
}

/* The short-lived child: a new user namespace, then wait to be let go. */
static NORETURN void userns_holder(int up, int down)
{
	int e = unshare(CLONE_NEWUSER) < 0 ? errno : 0;
	char c;

	if (fsutil_write_full(up, &e, sizeof(e)) == 0 && !e)
		fsutil_read_full(down, &c, 1);
	_exit(0);
}

static int userns_open_pid(pid_t pid, const struct userns_map *m)
{
	autofree char *path = xasprintf("/proc/%d/ns/user", (int)pid);
	int fd;

	if (userns_write_maps(pid, m) < 0)
		return -err_errno();
	fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(errno, "open %s", path);
	return fd;
}

int userns_open(const struct userns_map *m)
{
	int up[2], down[2], e = 0, fd;
	pid_t pid;

	if (pipe2(up, O_CLOEXEC) < 0)
		return err_set(errno, "pipe");
	if (pipe2(down, O_CLOEXEC) < 0) {
		close(up[0]);
		close(up[1]);
		return err_set(errno, "pipe");
	}
	pid = fork();
	if (pid == 0) {
		close(up[0]);
		close(down[1]);	/* the parent's close is the signal to go */
		userns_holder(up[1], down[0]);
	}
	close(up[1]);
	close(down[0]);
	if (pid < 0)
		fd = err_set(errno, "fork");
	else if (fsutil_read_full(up[0], &e, sizeof(e)) != sizeof(e))
		fd = err_setx(EIO, "create a user namespace: the helper died");
	else if (e)
		fd = err_set(e, "create a user namespace");
	else
		fd = userns_open_pid(pid, m);
	close(down[1]);
	close(up[0]);
	while (pid > 0 && waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return fd;
}

/* ---- idmapped mounts ---- */

int userns_idmap_open(const char *dir, int userns_fd, bool readonly)
{
	struct userns_mount_attr a = {
		.attr_set = USERNS_MOUNT_ATTR_IDMAP | (readonly ? USERNS_MOUNT_ATTR_RDONLY : 0),
		.userns_fd = (uint64_t)userns_fd,
	};
	/* A kernel without it stays without: a supervisor asks once. */
	static bool no_open_tree;
	int fd = no_open_tree ? (errno = ENOSYS, -1) :
		 (int)syscall(USERNS_NR_OPEN_TREE, AT_FDCWD, dir,
			      USERNS_OPEN_TREE_CLONE | O_CLOEXEC | USERNS_AT_RECURSIVE);

	if (fd < 0) {
		if (errno == ENOSYS) {
			no_open_tree = true;
			return err_setx(ENOSYS, "idmap %s: the kernel has no open_tree(2) (5.2)",
					dir);
		}
		return err_set(errno, "clone the mount of %s", dir);
	}
	if (userns_fd < 0)	/* a plain detached bind (a shifted copy's) */
		a.attr_set &= ~(uint64_t)USERNS_MOUNT_ATTR_IDMAP;
	if (!a.attr_set || syscall(USERNS_NR_MOUNT_SETATTR, fd, "", AT_EMPTY_PATH |
				   USERNS_AT_RECURSIVE, &a, sizeof(a)) == 0)
		return fd;
	close(fd);
	if (errno == ENOSYS)
		return err_setx(ENOSYS, "idmap %s: the kernel has no idmapped mounts (5.12)", dir);
	if (errno == EINVAL)
		return err_setx(EINVAL, "idmap %s: its filesystem cannot be idmapped", dir);
	return err_set(errno, "idmap %s", dir);
}

static int userns_fsfail(int fs, int errnum, const char *what)
{
	overlay_fsfail(fs, errnum, what);
	return err_ctx("overlay of idmapped layers");
}

static int userns_set(int fs, const char *key, const char *val)
{
	return compat_fsconfig(fs, COMPAT_FSCONFIG_SET_STRING, key, val, 0) < 0 ? -errno : 0;
}

/* One lower layer: the fd itself (6.13), else its /proc/self/fd path
 * (6.8, lowerdir+); *byfd says which this kernel took for the first. */
static int userns_lower(int fs, int i, int lfd, bool *byfd)
{
	char path[32];
	int r;

	if (i == 0 || *byfd) {
		r = compat_fsconfig(fs, USERNS_FSCONFIG_SET_FD, "lowerdir+", NULL, lfd) < 0 ? -errno
											 : 0;
		if (r == 0 || i > 0) {
			*byfd = r == 0;
			return r < 0 ? userns_fsfail(fs, -r, "lower layer") : 0;
		}
		overlay_fslog(fs, NULL, 0);	/* drop the message */
	}
	*byfd = false;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", lfd);
	r = userns_set(fs, "lowerdir+", path);
	if (r == -EINVAL && i == 0)
		return err_setx(ENOTSUP, "overlay of idmapped layers: the kernel has no "
				"\"lowerdir+\" (Linux 6.8)");
	return r < 0 ? userns_fsfail(fs, -r, "lower layer") : 0;
}

/* The lowers by fd, then what overlay.c sets: the same safety options. */
static int userns_ovl_config(int fs, const int *lowerfds, int n, const char *upper,
			     const char *work)
{
	bool byfd = true;

	for (int i = 0; i < n; i++)
		if (userns_lower(fs, i, lowerfds[i], &byfd) < 0)
			return -err_errno();
	if (overlay_fsconfig_common(fs, upper, work, upper) < 0)
		return err_ctx("overlay of idmapped layers");
	return 0;
}

int userns_overlay_open(const int *lowerfds, int n, const char *upper, const char *work)
{
	autoclose int fs = -1;
	int mfd;

	if (n < 1 || (!upper) != (!work))
		return err_setx(EINVAL, "overlay of idmapped layers: no layers, or upper "
				"without work dir");
	/* The kernel wants two lowers without an upper: one is itself. */
	if (!upper && n == 1) {
		mfd = fcntl(lowerfds[0], F_DUPFD_CLOEXEC, 3);
		return mfd < 0 ? err_set(errno, "dup") : mfd;
	}
	fs = compat_fsopen("overlay", COMPAT_FSOPEN_CLOEXEC);
	if (fs < 0)
		return err_set(errno, "overlay of idmapped layers: fsopen");
	if (userns_ovl_config(fs, lowerfds, n, upper, work) < 0)
		return -err_errno();
	if (compat_fsconfig(fs, COMPAT_FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return userns_fsfail(fs, errno, "create");
	mfd = compat_fsmount(fs, COMPAT_FSMOUNT_CLOEXEC, upper ? 0 : COMPAT_MOUNT_ATTR_RDONLY);
	if (mfd < 0)
		return userns_fsfail(fs, errno, "fsmount");
	return mfd;
}

/* ---- the probe ---- */

/* l1 over l2 (holding f), upper u owned by the mapped root: f must show
 * as host base through the overlay, and a new file must be made. */
static int userns_probe(int dfd, const struct userns_map *m, int usfd, const char *dir)
{
	autofree char *l1 = xasprintf("%s/l1", dir), *l2 = xasprintf("%s/l2", dir);
	autofree char *u = xasprintf("%s/u", dir), *w = xasprintf("%s/w", dir);
	int fds[2] = { -1, -1 }, ofd = -1, nfd, r = -1;
	struct stat st;

	if (mkdirat(dfd, "l1", 0755) < 0 || mkdirat(dfd, "l2", 0755) < 0 ||
	    mkdirat(dfd, "u", 0755) < 0 || mkdirat(dfd, "w", 0700) < 0 ||
	    fchownat(dfd, "u", m->base, m->base, 0) < 0 ||
	    (nfd = openat(dfd, "l2/f", O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) < 0)
		return err_set(errno, "make the test layers in %s", dir);
	close(nfd);
	if ((fds[0] = userns_idmap_open(l1, usfd, true)) < 0 ||
	    (fds[1] = userns_idmap_open(l2, usfd, true)) < 0 ||
	    (ofd = userns_overlay_open(fds, 2, u, w)) < 0)
		goto out;
	if (fstatat(ofd, "f", &st, AT_SYMLINK_NOFOLLOW) < 0)
		err_set(errno, "stat a file through the test overlay");
	else if (st.st_uid != m->base || st.st_gid != m->base)
		err_setx(ENOTSUP, "the test overlay shows owner %u, not %u", (unsigned)st.st_uid,
			 m->base);
	else if ((nfd = openat(ofd, "new", O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) < 0)
		err_set(errno, "create a file through the test overlay");
	else
		r = (close(nfd), 0);
out:
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (ofd >= 0)
		close(ofd);
	return r < 0 ? -err_errno() : 0;
}

bool userns_idmap_usable(const char *dir, const struct userns_map *m, char *why, size_t whylen)
{
	autofree char *tmp = xasprintf("%s/.dory-idmap-probe-XXXXXX", dir);
	autoclose int dfd = -1, usfd = -1;
	int r;

	if (!mkdtemp(tmp)) {
		snprintf(why, whylen, "create a scratch dir in %s: %s", dir, strerror(errno));
		return false;
	}
	dfd = openat(AT_FDCWD, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	usfd = dfd < 0 ? -1 : userns_open(m);
	if (dfd < 0)
		r = err_set(errno, "open %s", tmp);
	else
		r = usfd < 0 ? usfd : userns_probe(dfd, m, usfd, tmp);
	if (r < 0)
		snprintf(why, whylen, "%s", err_str());
	fsutil_rmtree_scratch(AT_FDCWD, tmp);
	return r == 0;
}

/* ---- the fallback: a shifted tree ---- */

struct userns_shift {
	const struct userns_map *m;
	struct { dev_t dev; ino_t ino; } *seen;	/* hard-linked inodes done */
	size_t n, cap;
};

/* Has this hard-linked inode been shifted already? Records it if not. */
static bool userns_seen(struct userns_shift *s, const struct stat *st)
{
	if (S_ISDIR(st->st_mode) || st->st_nlink < 2)
		return false;
	for (size_t i = 0; i < s->n; i++)
		if (s->seen[i].dev == st->st_dev && s->seen[i].ino == st->st_ino)
			return true;
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->seen = xrealloc(s->seen, s->cap * sizeof(*s->seen));
	}
	s->seen[s->n].dev = st->st_dev;
	s->seen[s->n++].ino = st->st_ino;
	return false;
}

static int userns_ids(const struct userns_shift *s, const struct stat *st, const char *dir,
		      const char *name, uid_t *uid, gid_t *gid)
{
	*uid = userns_host_id(s->m, st->st_uid);
	*gid = userns_host_id(s->m, st->st_gid);
	if (*uid == (uid_t)-1 || *gid == (gid_t)-1)
		return err_setx(EOVERFLOW, "%s/%s: owner %u:%u lies outside the userns-remap "
				"range (0 to %u)", dir, name, (unsigned)st->st_uid,
				(unsigned)st->st_gid, s->m->count - 1);
	return 0;
}

/* A v3 capability names the root it is for: shift that id too. */
static void userns_shift_cap(const struct userns_shift *s, unsigned char *cap, ssize_t n)
{
	uint32_t magic, root;

	if (n != USERNS_CAP_V3_SIZE)
		return;
	magic = (uint32_t)cap[0] | (uint32_t)cap[1] << 8 | (uint32_t)cap[2] << 16 |
		(uint32_t)cap[3] << 24;
	root = (uint32_t)cap[20] | (uint32_t)cap[21] << 8 | (uint32_t)cap[22] << 16 |
	       (uint32_t)cap[23] << 24;
	if ((magic & 0xff000000) != USERNS_CAP_V3 || userns_host_id(s->m, root) == (uint32_t)-1)
		return;
	root = userns_host_id(s->m, root);
	for (int i = 0; i < 4; i++)
		cap[20 + i] = (unsigned char)(root >> (8 * i));
}

/* chown(2) clears setuid/setgid bits and security.capability (even for
 * root): read them first, put them back after. */
static int userns_shift_file(const struct userns_shift *s, int fd, const struct stat *st,
			     const char *dir, const char *name)
{
	unsigned char cap[USERNS_CAP_V3_SIZE];
	ssize_t n = fgetxattr(fd, "security.capability", cap, sizeof(cap));
	uid_t uid;
	gid_t gid;

	if (userns_ids(s, st, dir, name, &uid, &gid) < 0)
		return -err_errno();
	if (fchown(fd, uid, gid) < 0)
		return err_set(errno, "chown %s/%s", dir, name);
	if (S_ISREG(st->st_mode) && (st->st_mode & (S_ISUID | S_ISGID)) &&
	    fchmod(fd, st->st_mode & 07777) < 0)
		return err_set(errno, "chmod %s/%s", dir, name);
	if (n > 0) {
		userns_shift_cap(s, cap, n);
		if (fsetxattr(fd, "security.capability", cap, (size_t)n, 0) < 0)
			return err_set(errno, "restore the file capabilities of %s/%s", dir, name);
	}
	return 0;
}

static int userns_shift_dir(struct userns_shift *s, int fd, const struct stat *st,
			    const char *path);

static int userns_shift_entry(struct userns_shift *s, int dfd, const char *dir, const char *name)
{
	const int oflags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	struct stat st;
	uid_t uid;
	gid_t gid;
	int fd, r;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return err_set(errno, "stat %s/%s", dir, name);
	if (userns_seen(s, &st))
		return 0;
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		/* Symlinks, devices, fifos, sockets: no open, no capabilities. */
		if (userns_ids(s, &st, dir, name, &uid, &gid) < 0)
			return -err_errno();
		if (fchownat(dfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
			return err_set(errno, "chown %s/%s", dir, name);
		return 0;
	}
	fd = openat(dfd, name, oflags | (S_ISDIR(st.st_mode) ? O_DIRECTORY : 0));
	if (fd < 0)
		return err_set(errno, "open %s/%s", dir, name);
	if (S_ISDIR(st.st_mode)) {
		autofree char *path = xasprintf("%s/%s", dir, name);

		return userns_shift_dir(s, fd, &st, path);	/* takes fd */
	}
	r = userns_shift_file(s, fd, &st, dir, name);
	close(fd);
	return r;
}

/* Shift the directory open as fd (taken), then what it holds. */
static int userns_shift_dir(struct userns_shift *s, int fd, const struct stat *st,
			    const char *path)
{
	autoclosedir DIR *d = NULL;
	struct dirent *e;
	int r;

	r = userns_shift_file(s, fd, st, path, ".");
	if (r < 0) {
		close(fd);
		return r;
	}
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return err_set(errno, "read %s", path);
	}
	while ((errno = 0, e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    (r = userns_shift_entry(s, dirfd(d), path, e->d_name)) < 0)
			return r;
	return errno ? err_set(errno, "read %s", path) : 0;
}

int userns_shift_tree(const char *dir, const struct userns_map *m)
{
	struct userns_shift s = { .m = m };
	struct stat st;
	int fd = openat(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return err_set(errno, "open %s", dir);
	if (fstat(fd, &st) < 0) {
		r = err_set(errno, "stat %s", dir);
		close(fd);
		return r;
	}
	r = userns_shift_dir(&s, fd, &st, dir);
	free(s.seen);
	return r;
}

/* ---- cgroups ---- */

int userns_cg_delegate(const char *cgdir, const struct userns_map *m)
{
	static const char fallback[] = "cgroup.procs\ncgroup.threads\ncgroup.subtree_control\n";
	autoclose int dfd = openat(AT_FDCWD, cgdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	autofree char *list = NULL;
	char *save = NULL;

	if (dfd < 0)
		return err_set(errno, "open %s", cgdir);
	if (fchown(dfd, m->base, m->base) < 0)
		return err_set(errno, "chown %s", cgdir);
	/* The kernel's own list of what a delegated subtree's owner needs. */
	if (fsutil_read_file("/sys/kernel/cgroup/delegate", &list) < 0) {
		err_clear();
		list = xstrdup(fallback);
	}
	for (char *f = strtok_r(list, "\n", &save); f; f = strtok_r(NULL, "\n", &save))
		if (fchownat(dfd, f, m->base, m->base, 0) < 0 && errno != ENOENT)
			return err_set(errno, "chown %s/%s", cgdir, f);
	return 0;
}
