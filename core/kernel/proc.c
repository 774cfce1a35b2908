// SPDX-License-Identifier: Apache-2.0
/* proc.c - parse /proc/PID/stat (whose command name may hold spaces and
 * parentheses), the Uid line of status, cmdline, and cgroup.procs. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/kernel/proc.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/xalloc.h"

/* /proc/PID/name (its first 8 KB, enough for stat and status), opened
 * relative to /proc: qemu-user fakes the paths "/proc/PID/..." of its own
 * process (stat with another start time), not these. */
static int proc_file(pid_t pid, const char *name, char **out)
{
	char path[64];
	ssize_t n = -1;
	int dir = openat(AT_FDCWD, "/proc", O_PATH | O_DIRECTORY | O_CLOEXEC), fd = -1;

	snprintf(path, sizeof(path), "%d/%s", (int)pid, name);
	if (dir >= 0)
		fd = openat(dir, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		n = -errno;
		if (dir >= 0)
			close(dir);
		return err_set((int)-n, "open /proc/%s", path);
	}
	*out = xmalloc(8192);
	n = fsutil_read_full(fd, *out, 8191);
	close(fd);
	close(dir);
	if (n < 0) {
		free(TAKE(*out));
		return err_set((int)-n, "read /proc/%s", path);
	}
	(*out)[n] = '\0';
	return 0;
}

/* Fields 3.. of stat, after the command name's closing parenthesis. */
static int proc_parse_stat(const char *text, struct proc_info *p)
{
	const char *open = strchr(text, '('), *close = strrchr(text, ')');
	unsigned long long f[20] = { 0 };
	char state;
	int ppid, tty;

	if (!open || !close || close < open)
		return -EINVAL;
	snprintf(p->comm, sizeof(p->comm), "%.*s", (int)(close - open - 1), open + 1);
	/* state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt
	 * cmajflt utime stime cutime cstime priority nice threads itreal start */
	if (sscanf(close + 2, "%c %d %*d %*d %d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d "
		   "%*d %*d %*d %*d %llu", &state, &ppid, &tty, &f[0], &f[1], &f[2]) != 6)
		return -EINVAL;
	p->state = state;
	p->ppid = ppid;
	p->tty_nr = tty;
	p->utime = f[0];
	p->stime = f[1];
	p->start = f[2];
	return 0;
}

/* argv joined by spaces (at most 4 KB of it). */
static char *proc_cmdline(pid_t pid)
{
	char path[64], buf[4096];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? 0 : fsutil_read_full(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (n < 0)
		n = 0;
	while (n && buf[n - 1] == '\0')
		n--;
	for (ssize_t i = 0; i < n; i++)
		if (!buf[i])
			buf[i] = ' ';
	buf[n] = '\0';
	return xstrdup(buf);
}

int proc_stat(pid_t pid, struct proc_info *p)
{
	autofree char *stat = NULL;

	memset(p, 0, sizeof(*p));
	p->pid = pid;
	if (proc_file(pid, "stat", &stat) < 0)
		return -err_errno();
	if (proc_parse_stat(stat, p) < 0)
		return err_setx(EINVAL, "unreadable /proc/%d/stat", (int)pid);
	return 0;
}

int proc_read(pid_t pid, struct proc_info *p)
{
	autofree char *status = NULL;
	const char *uid;

	if (proc_stat(pid, p) < 0 || proc_file(pid, "status", &status) < 0)
		return -err_errno();
	uid = strstr(status, "\nUid:");
	p->uid = uid ? (uid_t)strtoul(uid + 5, NULL, 10) : 0;
	p->cmdline = proc_cmdline(pid);
	return 0;
}

void proc_info_clear(struct proc_info *p)
{
	free(p->cmdline);
	p->cmdline = NULL;
}

static int proc_cmp(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

int proc_cgroup_pids(const char *dir, pid_t **pids, size_t *n)
{
	autofree char *path = xasprintf("%s/cgroup.procs", dir), *text = NULL;
	char *save = NULL;
	size_t cap = 16;

	*n = 0;
	if (fsutil_read_file(path, &text) < 0)
		return -err_errno();
	*pids = xmalloc(cap * sizeof(**pids));
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (*n == cap)
			*pids = xrealloc(*pids, (cap *= 2) * sizeof(**pids));
		(*pids)[(*n)++] = (pid_t)atoi(l);
	}
	qsort(*pids, *n, sizeof(**pids), proc_cmp);
	return 0;
}

bool proc_alive(pid_t pid, unsigned long long start)
{
	struct proc_info p;

	if (pid <= 0 || proc_stat(pid, &p) < 0) {
		err_clear();
		return false;
	}
	return p.start == start && p.state != 'Z' && p.state != 'X';
}

unsigned long long proc_self_start(void)
{
	/* A supervisor checks itself at every record: once per process. */
	static unsigned long long start;
	static pid_t of;
	pid_t self = getpid();
	struct proc_info p;

	if (of != self) {
		start = proc_stat(self, &p) == 0 ? p.start : 0;
		err_clear();
		of = self;
	}
	return start;
}
