// SPDX-License-Identifier: Apache-2.0
/* layer_fuzz.c - libFuzzer target: any bytes through the tar reader and
 * the layer unpacker, into a scratch dir of its own that it empties again.
 *
 * Each input is unpacked into /tmp/layer_fuzz.XXXXXX/root, a tmpfs
 * (overlay whiteouts with a lower layer to copy hardlink targets up
 * from, applied whiteouts over a small tree, or plain, chosen by the
 * input's length), fed in two pieces cut where its bytes say; then the
 * root is emptied and reset (unmounting instead would cost every CPU of
 * the machine an RCU grace period per input). The mounts live in a mount
 * namespace of the process's own (a user namespace too when not root) in
 * which everything else is read-only, but for the directories libFuzzer
 * writes to (the working directory, the corpus and artifact paths on its
 * command line): an entry that escaped the layer would fail with EROFS,
 * and that, or anything new beside the layer, is reported as a crash.
 * The host keeps only an empty /tmp/layer_fuzz.* directory, and only if
 * the run crashes.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "core/image/layer.h"
#include "core/util/err.h"

static char scratch[] = "/tmp/layer_fuzz.XXXXXX";
static char root[sizeof(scratch) + 8];
static int host_tmp = -1, scratch_fd = -1, lower_fd = -1, root_fd = -1;
static int saved_argc;
static char **saved_argv;

static void fatal(const char *what)
{
	fprintf(stderr, "layer_fuzz: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		fatal(path);
	close(fd);
}

/* A mount namespace of our own; without root, inside a user namespace
 * where we are root (mknod and chown to others then fail, which is fine). */
static void enter_ns(void)
{
	unsigned uid = (unsigned)getuid(), gid = (unsigned)getgid();
	char map[64];

	if (!unshare(CLONE_NEWNS))
		return;
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		fatal("unshare (needs root or user namespaces)");
	write_file("/proc/self/setgroups", "deny");
	snprintf(map, sizeof(map), "0 %u 1", uid);
	write_file("/proc/self/uid_map", map);
	snprintf(map, sizeof(map), "0 %u 1", gid);
	write_file("/proc/self/gid_map", map);
}

/* Bind path (or the directory it names a file in) writable over the
 * read-only view. */
static void keep_writable(const char *path)
{
	struct mount_attr rw = { .attr_clr = MOUNT_ATTR_RDONLY };
	char real[PATH_MAX], *slash;
	struct stat st;

	if (!realpath(path, real))
		return;
	if (stat(real, &st) == 0 && !S_ISDIR(st.st_mode)) {
		slash = strrchr(real, '/');
		slash[slash == real] = '\0';	/* "/f" is in "/" */
	}
	if (mount(real, real, NULL, MS_BIND | MS_REC, NULL) < 0 ||
	    mount_setattr(AT_FDCWD, real, 0, &rw, sizeof(rw)) < 0)
		fatal(real);
}

/* The paths of libFuzzer's command line it may write to. */
static void keep_fuzzer_paths(void)
{
	static const char *const opts[] = { "-artifact_prefix=", "-exact_artifact_path=" };
	char cwd[PATH_MAX];

	if (!getcwd(cwd, sizeof(cwd)))
		fatal("getcwd");
	keep_writable(cwd);
	if (chdir(cwd) < 0)	/* into the writable mount */
		fatal(cwd);
	for (int i = 1; i < saved_argc; i++) {
		const char *a = saved_argv[i];

		for (size_t k = 0; k < sizeof(opts) / sizeof(*opts); k++) {
			if (!strncmp(a, opts[k], strlen(opts[k]))) {
				char *p = strdup(a + strlen(opts[k])), *s = strrchr(p, '/');

				if (s)
					*s = 0;
				keep_writable(s ? (*p ? p : "/") : ".");
				free(p);
			}
		}
		if (a[0] != '-')
			keep_writable(a);
	}
}

static void put(int dfd, const char *name, const char *s)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd < 0 || write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		fatal(name);
	close(fd);
}

/* A small tree: the lower layer (read-only), or below an APPLY layer. */
static void small_tree(int dfd)
{
	if (mkdirat(dfd, "bin", 0755) < 0 || mkdirat(dfd, "etc", 0755) < 0 ||
	    mkdirat(dfd, "d", 0700) < 0 || mkdirat(dfd, "d/e", 0755) < 0)
		fatal("mkdir");
	put(dfd, "bin/sh", "#!\n");
	put(dfd, "etc/passwd", "root:x:0:0::/:/bin/sh\n");
	put(dfd, "d/e/f", "f");
	put(dfd, "file", "file");
	if (symlinkat("/etc", dfd, "s") < 0 || symlinkat("bin/sh", dfd, "sh") < 0)
		fatal("symlink");
	mknodat(dfd, "gone", S_IFCHR, makedev(0, 0));	/* a whiteout, when root */
}

static void cleanup(void)
{
	umount2(scratch, MNT_DETACH);
	unlinkat(host_tmp, scratch + 5, AT_REMOVEDIR);
}

static void setup(void)
{
	struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY };
	char lower[sizeof(scratch) + 8];

	host_tmp = open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (host_tmp < 0 || !mkdtemp(scratch))
		fatal("/tmp");
	atexit(cleanup);
	enter_ns();
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount_setattr(AT_FDCWD, "/", AT_RECURSIVE, &ro, sizeof(ro)) < 0)
		fatal("make / read-only");
	keep_fuzzer_paths();
	if (mount("tmpfs", scratch, "tmpfs", MS_NOSUID | MS_NODEV, "size=16m,mode=0700") < 0)
		fatal(scratch);
	scratch_fd = open(scratch, O_PATH | O_DIRECTORY | O_CLOEXEC);
	snprintf(root, sizeof(root), "%s/root", scratch);
	snprintf(lower, sizeof(lower), "%s/lower", scratch);
	if (scratch_fd < 0 || mkdirat(scratch_fd, "root", 0755) < 0 || mkdir(lower, 0755) < 0 ||
	    mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=16m,mode=0755") < 0)
		fatal("mkdir");
	root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		fatal(root);
	lower_fd = open(lower, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lower_fd < 0)
		fatal(lower);
	small_tree(lower_fd);
	if (mount(lower, lower, NULL, MS_BIND, NULL) < 0 ||
	    mount_setattr(AT_FDCWD, lower, 0, &ro, sizeof(ro)) < 0)
		fatal(lower);
	close(lower_fd);
	lower_fd = open(lower, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/* Remove all below path (n bytes, relative to the root; "" for the root).
 * Only one directory is open at a time, whatever the depth: after each
 * subdirectory the listing starts again. */
static void empty_dir(char *path, size_t n)
{
	for (;;) {
		int fd = openat(root_fd, n ? path : ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
				O_CLOEXEC);
		DIR *d = fd < 0 ? NULL : fdopendir(fd);
		struct dirent *e;
		size_t k = 0;

		if (!d)
			fatal("open to empty");
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			if (!unlinkat(dirfd(d), e->d_name, 0) || errno != EISDIR)
				continue;
			k = strlen(e->d_name);
			if (n + k + 2 > PATH_MAX)
				fatal("too deep to empty");
			path[n] = '/';
			memcpy(path + n + !!n, e->d_name, k + 1);
			k += !!n;
			break;
		}
		closedir(d);
		if (!k)
			return;
		empty_dir(path, n + k);
		if (unlinkat(root_fd, path, AT_REMOVEDIR) < 0)
			fatal("rmdir to empty");
		path[n] = 0;
	}
}

/* The root as it was: empty, 0755, root's, no xattrs. */
static void reset_root(void)
{
	char path[PATH_MAX] = "", names[4096];
	ssize_t len;

	empty_dir(path, 0);
	if (fchmod(root_fd, 0755) < 0 || fchown(root_fd, 0, 0) < 0)
		fatal("reset the root");
	len = flistxattr(root_fd, names, sizeof(names));
	for (char *x = names; len > 0 && x < names + len; x += strlen(x) + 1)
		if (fremovexattr(root_fd, x) < 0)
			fatal("reset the root's xattrs");
}

/* Nothing but "root" and "lower" may be beside the layer. */
static void check_beside(void)
{
	int fd = openat(scratch_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *e;

	if (!d)
		fatal(scratch);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    strcmp(e->d_name, "root") && strcmp(e->d_name, "lower")) {
			fprintf(stderr, "layer_fuzz: \"%s\" appeared beside the layer\n", e->d_name);
			abort();
		}
	closedir(d);
}

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max);

/* A header's size field, read leniently (the reader is the strict one). */
static unsigned long long loose_size(const uint8_t *h)
{
	unsigned long long v = 0;

	if (h[124] & 0x80) {
		for (int i = 128; i < 136; i++)
			v = v << 8 | h[i];
		return v;
	}
	for (int i = 124; i < 136; i++)
		if (h[i] >= '0' && h[i] <= '7')
			v = v * 8 + (unsigned)(h[i] - '0');
	return v;
}

/*
 * libFuzzer's mutations, then (seven times in eight) every header's
 * checksum made right again, walking the archive as a reader would:
 * mutated archives then get past the checksum to the pax records, the
 * names and the unpacking, where a random change almost never would.
 */
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max, unsigned seed)
{
	static const uint8_t zeros[512];

	size = LLVMFuzzerMutate(data, size, max);
	if (!(seed & 7))
		return size;
	for (size_t pos = 0; pos + 512 <= size;) {
		uint8_t *h = data + pos;
		unsigned long long n = loose_size(h);
		unsigned sum = 0;

		pos += 512;
		if (!memcmp(h, zeros, 512))
			continue;	/* an end block stays one */
		memset(h + 148, ' ', 8);
		for (int i = 0; i < 512; i++)
			sum += h[i];
		snprintf((char *)h + 148, 8, "%06o", sum);
		if (h[156] >= '1' && h[156] <= '6')
			n = 0;
		if (n > size - pos)
			break;
		pos += (size_t)(n + 511) / 512 * 512;
	}
	return size;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	saved_argc = *argc;
	saved_argv = *argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned modes[] = { LAYER_WH_OVERLAY, LAYER_WH_APPLY, LAYER_NO_CHOWN };
	unsigned flags = modes[size % 3];
	size_t cut = size ? ((size_t)data[0] * 131 + data[size - 1]) % (size + 1) : 0;
	struct layer_unpack *u;
	int r;

	if (scratch_fd < 0)
		setup();
	if (flags & LAYER_WH_APPLY)
		small_tree(root_fd);
	u = layer_unpack_new(root_fd, flags);
	r = u ? 0 : -err_errno();
	if (!r && (flags & LAYER_WH_OVERLAY))
		r = layer_unpack_set_lowers(u, &lower_fd, 1);
	if (!r)
		r = layer_unpack_feed(u, data, cut);
	if (!r)
		r = layer_unpack_feed(u, data + cut, size - cut);
	if (!r)
		r = layer_unpack_finish(u);
	if (r == -EROFS) {
		fprintf(stderr, "layer_fuzz: a write outside the layer: %s\n", err_str());
		abort();
	}
	layer_unpack_free(u);
	reset_root();
	check_beside();
	err_clear();
	return 0;
}
