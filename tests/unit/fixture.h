// SPDX-License-Identifier: Apache-2.0
/* fixture.h - what unit tests set up, once for all of them: a temporary
 * directory and files in it (paths as DIR and SUB, SUB NULL for DIR
 * itself), a store there when core/store/store.h is included first, and
 * loopback servers (a listening socket, a connection, a relay, a child
 * stopped). Include after tap.h. */
#ifndef DORY_FIXTURE_H
#define DORY_FIXTURE_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- files ---- */

/* DIR/SUB (or DIR) in one of a ring of buffers, so several can be alive. */
static const char *fix_path(const char *dir, const char *sub)
{
	static char ring[8][1024];
	static int next;
	char *b = ring[next++ % 8];

	snprintf(b, sizeof(ring[0]), "%s%s%s", dir, sub ? "/" : "", sub ? sub : "");
	return b;
}

/* A new directory /tmp/dory-TAG-XXXXXX, allocated; NULL if it cannot be. */
static char *fix_tmpdir(const char *tag)
{
	char *d = NULL;

	if (asprintf(&d, "/tmp/dory-%s-XXXXXX", tag) < 0)
		return NULL;
	if (mkdtemp(d))
		return d;
	free(d);
	return NULL;
}

static int fix_rm_one(const char *p, const struct stat *sb, int type, struct FTW *f)
{
	(void)sb, (void)type, (void)f;
	return remove(p);
}

/* rm -rf dir (never following a symlink), then free it. */
static void fix_rmtree(char *dir)
{
	if (dir && nftw(dir, fix_rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0)
		TAP_FAIL("remove %s: %s", dir, strerror(errno));
	free(dir);
}

/* Write text into a new or emptied file of that mode: 0, or -1. */
static int fix_put(const char *dir, const char *sub, const char *text, mode_t mode)
{
	const char *p = fix_path(dir, sub);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	bool ok = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text);

	if (fd >= 0)
		close(fd);
	return ok && chmod(p, mode) == 0 ? 0 : -1;
}

/* The whole file, allocated; NULL if it cannot be read. */
static char *fix_read(const char *dir, const char *sub)
{
	const char *p = fix_path(dir, sub);
	struct stat sb;
	char *s = NULL;
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	ssize_t n = -1;

	if (fd >= 0 && fstat(fd, &sb) == 0 && (s = malloc((size_t)sb.st_size + 1)))
		n = read(fd, s, (size_t)sb.st_size);
	if (fd >= 0)
		close(fd);
	if (n < 0 || n != sb.st_size) {
		free(s);
		return NULL;
	}
	s[n] = '\0';
	return s;
}

/* The file holds exactly text. */
static bool fix_has(const char *dir, const char *sub, const char *text)
{
	char *s = fix_read(dir, sub);
	bool r = s && !strcmp(s, text);

	free(s);
	return r;
}

static bool fix_exists(const char *dir, const char *sub)
{
	struct stat sb;

	return lstat(fix_path(dir, sub), &sb) == 0;
}

/* Entries of a directory ("." and ".." aside); -1 if it cannot be read. */
static int fix_count(const char *dir, const char *sub)
{
	DIR *d = opendir(fix_path(dir, sub));
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	if (d)
		closedir(d);
	return d ? n : -1;
}

#ifdef DORY_STORE_H
/* The store at root (made if new). */
static struct store *fix_store(const char *root)
{
	struct store *st = NULL;

	CHECK_EQ_INT(store_open(root, &st), 0);
	return st;
}
#endif

/* ---- loopback servers ---- */

static void fix_write_all(int fd, const void *p, size_t n)
{
	const char *s = p;

	while (n > 0) {
		ssize_t r = write(fd, s, n);	/* servers ignore SIGPIPE */

		if (r <= 0)
			return;
		s += r;
		n -= (size_t)r;
	}
}

/* A socket listening on 127.0.0.1 at a free port (*port). A test cannot go
 * on without it: exits 2. */
static int fix_listen(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 16) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
		perror("test server");
		exit(2);
	}
	*port = ntohs(a.sin_port);
	return fd;
}

/* A port nothing listens on now (for a server started by another program). */
static int fix_free_port(void)
{
	int port;

	close(fix_listen(&port));
	return port;
}

/* A connection to 127.0.0.1:port, or -1. */
static int fix_connect(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Up to 5 s until something accepts on port. */
static bool fix_wait_port(int port)
{
	for (int i = 0; i < 500; i++) {
		int fd = fix_connect(port);

		if (fd >= 0) {
			close(fd);
			return true;
		}
		usleep(10000);
	}
	return false;
}

/* A child serving a socket that listens on 127.0.0.1:*port (set before
 * the fork, so a global port is the child's too): serve(lfd), which does
 * not return; or, with serve NULL, on_conn(fd) for each connection, which
 * owns fd. Stop it with fix_stop. */
static pid_t fix_server(int *port, void (*serve)(int lfd), void (*on_conn)(int fd))
{
	int lfd = fix_listen(port);
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		signal(SIGPIPE, SIG_IGN);
		if (serve)
			serve(lfd);
		for (;;) {
			int fd = accept(lfd, NULL, NULL);

			if (fd >= 0)
				on_conn(fd);
		}
	}
	close(lfd);
	return pid;
}

/* Copy both ways between a and b until one side closes. */
static void fix_relay(int a, int b)
{
	struct pollfd p[2] = { { .fd = a, .events = POLLIN }, { .fd = b, .events = POLLIN } };
	char buf[16384];

	while (poll(p, 2, -1) > 0) {
		for (int i = 0; i < 2; i++) {
			ssize_t n;

			if (!p[i].revents)
				continue;
			n = read(p[i].fd, buf, sizeof(buf));
			if (n <= 0)
				return;
			fix_write_all(p[1 - i].fd, buf, (size_t)n);
		}
	}
}

/* Kill a server child (and its process group, if it made one), reap it. */
static void fix_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* ---- cgroups ---- */

/* The cgroup parent a test's containers and groups go under, unique to
 * this test process (its children see the same): "dory-unit-PID". */
static const char *fix_cg_parent(void)
{
	static char name[32];

	if (!name[0])
		snprintf(name, sizeof(name), "dory-unit-%d", (int)getpid());
	return name;
}

/* Remove it (and the supervisors' leaf) from every hierarchy under
 * /sys/fs/cgroup, once the groups below are gone. */
static void fix_cg_parent_rm(void)
{
	DIR *d = opendir("/sys/fs/cgroup");
	struct dirent *e;
	char p[512];

	snprintf(p, sizeof(p), "/sys/fs/cgroup/%s", fix_cg_parent());
	rmdir(p);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/sys/fs/cgroup/%s/%s/supervisor", e->d_name,
			 fix_cg_parent());
		rmdir(p);
		*strrchr(p, '/') = '\0';
		rmdir(p);
	}
	if (d)
		closedir(d);
}

#endif
