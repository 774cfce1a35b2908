// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "core/ctr/ctrlog.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "tap.h"

/* A scratch directory with the log, and files catching stdout and stderr.
 * On the stack: the forked writer exits without freeing anything. */
struct scratch {
	char dir[64], log[96], out[96], err[96];
};

static void scratch_new(struct scratch *s)
{
	snprintf(s->dir, sizeof(s->dir), "/tmp/dory-ctrlog-XXXXXX");
	if (!mkdtemp(s->dir))
		abort();
	snprintf(s->log, sizeof(s->log), "%s/ctr.log", s->dir);
	snprintf(s->out, sizeof(s->out), "%s/out", s->dir);
	snprintf(s->err, sizeof(s->err), "%s/err", s->dir);
}

static void scratch_free(struct scratch *s)
{
	ctrlog_remove(s->log, 20);
	unlink(s->out);
	unlink(s->err);
	if (rmdir(s->dir) < 0)
		printf("# rmdir %s: %s\n", s->dir, strerror(errno));
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static bool exists_k(const struct scratch *s, int k)
{
	char p[112];

	snprintf(p, sizeof(p), "%s.%d", s->log, k);
	return exists(p);
}

static void put_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || fsutil_write_full(fd, text, strlen(text)) < 0)
		abort();
	close(fd);
}

/* Run ctrlog_print; *out and *err get what it printed (allocated). */
static int print_log(const struct scratch *s, int max_file, const struct ctrlog_read_opts *o,
		     char **out, char **err)
{
	int ofd = open(s->out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int efd = open(s->err, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int r;

	if (ofd < 0 || efd < 0)
		abort();
	r = ctrlog_print(s->log, max_file, o, ofd, efd);
	close(ofd);
	close(efd);
	if (fsutil_read_file(s->out, out) < 0 || fsutil_read_file(s->err, err) < 0)
		abort();
	return r;
}

static const struct ctrlog_read_opts all = { .tail = -1 };

static void write_str(struct ctrlog *l, int stream, const char *s)
{
	CHECK_EQ_INT(ctrlog_write(l, stream, s, strlen(s)), 0);
}

/* The shape of one CRI timestamp: 2026-11-25T14:38:00.123456789Z */
static bool is_ts(const char *p)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddddddddZ";

	for (size_t i = 0; i < sizeof(shape) - 1; i++)
		if (shape[i] == 'd' ? p[i] < '0' || p[i] > '9' : p[i] != shape[i])
			return false;
	return true;
}

/* Line i of the file at path, after its timestamp, which must be there. */
static void check_entry(const char *text, int i, const char *want)
{
	const char *p = text, *nl;

	while (i-- > 0 && p)
		p = (nl = strchr(p, '\n')) ? nl + 1 : NULL;
	if (!p || !is_ts(p) || !(nl = strchr(p, '\n')) || (size_t)(nl - p - 30) != strlen(want) ||
	    memcmp(p + 30, want, strlen(want)))
		TAP_FAIL("entry \"%s\" not in:\n%s", want, text);
}

TEST(ctrlog_writes_cri_entries)
{
	struct scratch s;
	struct ctrlog *l;
	char *text = NULL;

	scratch_new(&s);
	CHECK_EQ_INT(ctrlog_open(s.log, 0, 0, &l), 0);
	write_str(l, CTRLOG_STDOUT, "a\nb\npart");
	write_str(l, CTRLOG_STDERR, "oops\n");
	write_str(l, CTRLOG_STDOUT, "\n");
	CHECK_EQ_INT(ctrlog_write(l, CTRLOG_STDOUT, "", 0), 0);
	ctrlog_close(l);
	CHECK_EQ_INT(fsutil_read_file(s.log, &text), 0);
	/* No buffering: every piece is its own entry, in the order written. */
	check_entry(text, 0, " stdout F a");
	check_entry(text, 1, " stdout F b");
	check_entry(text, 2, " stdout P part");
	check_entry(text, 3, " stderr F oops");
	check_entry(text, 4, " stdout F ");
	CHECK_EQ_INT(strlen(text), 5 * 41 + 1 + 1 + 4 + 4);
	free(text);
	scratch_free(&s);
}

TEST(ctrlog_read_joins_partial_entries)
{
	struct scratch s;
	struct ctrlog *l;
	char *out, *err;

	scratch_new(&s);
	CHECK_EQ_INT(ctrlog_open(s.log, 0, 0, &l), 0);
	write_str(l, CTRLOG_STDOUT, "one\ntw");
	write_str(l, CTRLOG_STDERR, "e1\ne");
	write_str(l, CTRLOG_STDOUT, "o\nthr");
	write_str(l, CTRLOG_STDERR, "2\n");
	write_str(l, CTRLOG_STDOUT, "ee");
	ctrlog_close(l);
	CHECK_EQ_INT(print_log(&s, 0, &all, &out, &err), 0);
	CHECK_EQ_STR(out, "one\ntwo\nthree");
	CHECK_EQ_STR(err, "e1\ne2\n");
	free(out);
	free(err);
	scratch_free(&s);
}

TEST(ctrlog_read_timestamps)
{
	struct scratch s;
	struct ctrlog_read_opts o = { .tail = -1, .timestamps = true };
	char *out, *err;

	scratch_new(&s);
	put_file(s.log, "2024-01-02T03:04:05.000000001Z stdout F one\n"
		 "2000-02-29T23:59:59.999999999Z stdout P tw\n"
		 "2100-03-01T00:00:00.000000000Z stderr F e\n"
		 "2100-03-01T00:00:00.000000001Z stdout F o\n");
	CHECK_EQ_INT(print_log(&s, 0, &o, &out, &err), 0);
	/* One time a line: the first entry's, when partial ones are joined. */
	CHECK_EQ_STR(out, "2024-01-02T03:04:05.000000001Z one\n"
		     "2000-02-29T23:59:59.999999999Z two\n");
	CHECK_EQ_STR(err, "2100-03-01T00:00:00.000000000Z e\n");
	free(out);
	free(err);
	scratch_free(&s);
}

TEST(ctrlog_read_skips_torn_lines)
{
	struct scratch s;
	char *out, *err;

	scratch_new(&s);
	put_file(s.log, "2024-01-02T03:04:05.000000001Z stdout F one\n"
		 "2024-01-02T03:04:0\n"
		 "garbage\n"
		 "2024-01-02T03:04:05.000000001Z stdin F x\n"
		 "2024-01-02T03:04:05.000000001Z stdout X x\n"
		 "2024-01-02T03:04:05.000000001Z stdout F\n"
		 "2024-01-02T03:04:06Z stderr F two\n"
		 "2024-01-02T03:04:07.000000001Z stdout F unterminated");
	CHECK_EQ_INT(print_log(&s, 0, &all, &out, &err), 0);
	CHECK_EQ_STR(out, "one\n\n");
	CHECK_EQ_STR(err, "two\n");
	free(out);
	free(err);
	scratch_free(&s);
}

TEST(ctrlog_long_and_binary_lines)
{
	struct scratch s;
	struct ctrlog *l;
	size_t n = 100000;
	char *big = malloc(n), *out, *err;

	scratch_new(&s);
	for (size_t i = 0; i < n; i++)
		big[i] = (char)('a' + i % 26);
	big[n - 1] = '\n';
	CHECK_EQ_INT(ctrlog_open(s.log, 0, 0, &l), 0);
	CHECK_EQ_INT(ctrlog_write(l, CTRLOG_STDOUT, big, n), 0);
	CHECK_EQ_INT(ctrlog_write(l, CTRLOG_STDERR, "a\0b\n", 4), 0);
	ctrlog_close(l);
	CHECK_EQ_INT(print_log(&s, 0, &all, &out, &err), 0);
	CHECK(!memcmp(out, big, n) && out[n] == '\0');
	CHECK(!memcmp(err, "a\0b\n", 5));
	free(big);
	free(out);
	free(err);
	scratch_free(&s);
}

/* n lines "line I\n" with writes of one line each. */
static void write_lines(const char *path, long long max_size, int max_file, int from, int n)
{
	struct ctrlog *l;
	char buf[32];

	CHECK_EQ_INT(ctrlog_open(path, max_size, max_file, &l), 0);
	for (int i = from; i < from + n; i++) {
		snprintf(buf, sizeof(buf), "line %d\n", i);
		write_str(l, i % 7 == 3 ? CTRLOG_STDERR : CTRLOG_STDOUT, buf);
	}
	ctrlog_close(l);
}

static long long file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) < 0 ? -1 : st.st_size;
}

TEST(ctrlog_rotation_keeps_max_file)
{
	struct scratch s;
	char *out, *err, p[112];
	int k;

	scratch_new(&s);
	/* An entry is 30 + 10 + "line NN" + 1 = 48 bytes: 4 a file. */
	write_lines(s.log, 200, 3, 0, 10);
	write_lines(s.log, 200, 3, 10, 30);	/* reopening counts what is there */
	CHECK(exists(s.log) && exists_k(&s, 1) && exists_k(&s, 2) && !exists_k(&s, 3));
	CHECK(file_size(s.log) <= 200);
	for (k = 1; k <= 2; k++) {
		snprintf(p, sizeof(p), "%s.%d", s.log, k);
		CHECK_EQ_INT(file_size(p), 192);
	}
	/* The newest 8 full files' lines and the current one's; the rest gone. */
	CHECK_EQ_INT(print_log(&s, 3, &all, &out, &err), 0);
	CHECK_EQ_STR(out, "line 28\nline 29\nline 30\nline 32\nline 33\nline 34\n"
		     "line 35\nline 36\nline 37\nline 39\n");
	CHECK_EQ_STR(err, "line 31\nline 38\n");
	free(out);
	free(err);
	scratch_free(&s);
}

TEST(ctrlog_rotation_one_file)
{
	struct scratch s;
	char *out, *err;

	scratch_new(&s);
	write_lines(s.log, 100, 1, 0, 5);
	CHECK(exists(s.log) && !exists_k(&s, 1));
	CHECK_EQ_INT(print_log(&s, 1, &all, &out, &err), 0);
	CHECK_EQ_STR(out, "line 4\n");
	free(out);
	free(err);
	scratch_free(&s);
}

TEST(ctrlog_rotation_oversized_entry)
{
	struct scratch s;
	struct ctrlog *l;
	char big[300], *out, *err;

	scratch_new(&s);
	memset(big, 'x', sizeof(big));
	CHECK_EQ_INT(ctrlog_open(s.log, 100, 2, &l), 0);
	write_str(l, CTRLOG_STDOUT, "a\n");
	CHECK_EQ_INT(ctrlog_write(l, CTRLOG_STDOUT, big, sizeof(big)), 0);
	write_str(l, CTRLOG_STDOUT, "\n");
	ctrlog_close(l);
	/* An entry bigger than max_size gets a file of its own. */
	CHECK(exists_k(&s, 1));
	CHECK_EQ_INT(file_size(s.log), 41);
	CHECK_EQ_INT(print_log(&s, 2, &all, &out, &err), 0);
	CHECK(strlen(out) == 301 && out[0] == 'x' && out[300] == '\n');
	free(out);
	free(err);
	scratch_free(&s);
}

TEST(ctrlog_tail_across_files)
{
	struct scratch s;
	struct ctrlog_read_opts o = { .tail = 5 };
	char *out, *err;

	scratch_new(&s);
	write_lines(s.log, 200, 4, 0, 14);	/* 4 + 4 + 4 + 2 */
	CHECK_EQ_INT(print_log(&s, 4, &o, &out, &err), 0);
	CHECK_EQ_STR(out, "line 9\nline 11\nline 12\nline 13\n");
	CHECK_EQ_STR(err, "line 10\n");
	free(out);
	free(err);
	o.tail = 0;
	CHECK_EQ_INT(print_log(&s, 4, &o, &out, &err), 0);
	CHECK_EQ_STR(out, "");
	CHECK_EQ_STR(err, "");
	free(out);
	free(err);
	o.tail = 1000;
	CHECK_EQ_INT(print_log(&s, 4, &o, &out, &err), 0);
	CHECK(!strncmp(out, "line 0\nline 1\nline 2\nline 4\n", 28));
	CHECK_EQ_STR(err, "line 3\nline 10\n");
	free(out);
	free(err);
	scratch_free(&s);
}

TEST(ctrlog_tail_counts_joined_lines)
{
	struct scratch s;
	struct ctrlog_read_opts o = { .tail = 2 };
	char *out, *err;

	scratch_new(&s);
	put_file(s.log, "2024-01-02T03:04:05.000000001Z stdout F one\n"
		 "2024-01-02T03:04:05.000000002Z stdout P t\n"
		 "2024-01-02T03:04:05.000000003Z stderr F e\n"
		 "2024-01-02T03:04:05.000000004Z stdout P w\n"
		 "2024-01-02T03:04:05.000000005Z stdout F o\n");
	CHECK_EQ_INT(print_log(&s, 0, &o, &out, &err), 0);
	CHECK_EQ_STR(out, "two\n");
	CHECK_EQ_STR(err, "e\n");
	free(out);
	free(err);
	o.tail = 1;
	CHECK_EQ_INT(print_log(&s, 0, &o, &out, &err), 0);
	CHECK_EQ_STR(out, "");
	CHECK_EQ_STR(err, "e\n");
	free(out);
	free(err);
	scratch_free(&s);
}

TEST(ctrlog_since_filters)
{
	struct scratch s;
	struct ctrlog_read_opts o = { .tail = -1 };
	char *out, *err;

	scratch_new(&s);
	put_file(s.log, "2024-01-02T03:04:04.999999999Z stdout F old\n"
		 "2024-01-02T03:04:05.000000000Z stdout F at\n"
		 "2024-01-02T03:04:06.000000000Z stderr F new\n");
	CHECK_EQ_INT(ctrlog_parse_since("2024-01-02T03:04:05Z", 0, &o.since_ns), 0);
	CHECK_EQ_INT(print_log(&s, 0, &o, &out, &err), 0);
	CHECK_EQ_STR(out, "at\n");
	CHECK_EQ_STR(err, "new\n");
	free(out);
	free(err);
	o.tail = 1;
	CHECK_EQ_INT(print_log(&s, 0, &o, &out, &err), 0);
	CHECK_EQ_STR(out, "");
	CHECK_EQ_STR(err, "new\n");
	free(out);
	free(err);
	scratch_free(&s);
}

TEST(ctrlog_missing_log)
{
	struct scratch s;
	char *out, *err;

	scratch_new(&s);
	CHECK_EQ_INT(print_log(&s, 0, &all, &out, &err), -ENOENT);
	CHECK(strstr(err_str(), s.log) != NULL);
	CHECK_EQ_STR(out, "");
	free(out);
	free(err);
	scratch_free(&s);
}

static bool not_running(void *arg)
{
	(void)arg;
	return false;
}

TEST(ctrlog_follow_stopped_container)
{
	struct scratch s;
	struct ctrlog_read_opts o = { .tail = -1, .follow = true, .running = not_running };
	char *out, *err;

	scratch_new(&s);
	/* No log ever (a container run attached): nothing, once it stopped. */
	CHECK_EQ_INT(print_log(&s, 0, &o, &out, &err), -ENOENT);
	free(out);
	free(err);
	write_lines(s.log, 0, 0, 0, 2);
	CHECK_EQ_INT(print_log(&s, 0, &o, &out, &err), 0);
	CHECK_EQ_STR(out, "line 0\nline 1\n");
	free(out);
	free(err);
	scratch_free(&s);
}

struct child {
	pid_t pid;
	int status;	/* -1 while it runs */
	int go;		/* a byte each time the reader is idle: the writer's next batch */
	int go_r;	/* its read end: at most one byte waits there */
};

static bool child_running(void *arg)
{
	struct child *c = arg;
	int st, waiting = 0;

	if (c->status < 0 && waitpid(c->pid, &st, WNOHANG) == c->pid)
		c->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	/* Each idle look lets the writer go on by one batch, unless the last
	 * one is still unread (so batches cannot pile up behind a slow look). */
	if (c->go >= 0 && c->status < 0 && ioctl(c->go_r, FIONREAD, &waiting) == 0 &&
	    !waiting && write(c->go, "g", 1) != 1)
		c->go = -1;
	return c->status < 0;
}

enum { FOLLOW_LINES = 60 };

/* The forked writer: a batch of 6 lines (a rotation every 4, so one or
 * two) each time the reader looks while idle. Paced by the reader, not
 * by a clock, so no speed (valgrind, qemu) lets more rotations pass
 * between two looks than max_file keeps. */
enum { FOLLOW_BATCH = 6 };

static void follow_writer(const char *path, int go)
{
	struct ctrlog *l;
	char buf[32];
	int n;

	if (ctrlog_open(path, 200, 10, &l) < 0)
		_exit(1);
	for (int i = 0; i < FOLLOW_LINES; i++) {
		if (i % FOLLOW_BATCH == 0 && read(go, buf, 1) != 1)
			_exit(3);
		n = snprintf(buf, sizeof(buf), "line %d\n", i);
		/* Sometimes in two pieces, the first partial. */
		if (i % 5 == 1 && (ctrlog_write(l, CTRLOG_STDOUT, buf, 3) < 0 ||
				   ctrlog_write(l, CTRLOG_STDOUT, buf + 3, (size_t)n - 3) < 0))
			_exit(2);
		if (i % 5 != 1 && ctrlog_write(l, CTRLOG_STDOUT, buf, (size_t)n) < 0)
			_exit(2);
	}
	ctrlog_close(l);
	_exit(0);
}

TEST(ctrlog_follow_across_rotations)
{
	struct scratch s;
	struct child c = { .status = -1 };
	int go[2];
	struct ctrlog_read_opts o = { .tail = 1, .follow = true, .running = child_running,
				      .arg = &c };
	char *out, *err, want[FOLLOW_LINES * 12 + 16], *p = want;
	struct ctrlog *l;

	scratch_new(&s);
	CHECK_EQ_INT(ctrlog_open(s.log, 0, 0, &l), 0);
	write_str(l, CTRLOG_STDOUT, "before\nstart\n");
	ctrlog_close(l);
	if (pipe2(go, O_CLOEXEC) < 0)
		abort();
	fflush(stdout);
	c.pid = fork();
	if (c.pid < 0)
		abort();
	if (c.pid == 0) {
		close(go[1]);
		follow_writer(s.log, go[0]);
	}
	c.go = go[1];
	c.go_r = go[0];
	CHECK_EQ_INT(print_log(&s, 10, &o, &out, &err), 0);
	CHECK_EQ_INT(c.status, 0);
	p += sprintf(p, "start\n");
	for (int i = 0; i < FOLLOW_LINES; i++)
		p += sprintf(p, "line %d\n", i);
	CHECK_EQ_STR(out, want);
	CHECK_EQ_STR(err, "");
	CHECK(exists_k(&s, 9));
	close(go[0]);
	close(go[1]);
	free(out);
	free(err);
	scratch_free(&s);
}

TEST(ctrlog_remove_all)
{
	struct scratch s;

	scratch_new(&s);
	CHECK_EQ_INT(ctrlog_remove(s.log, 3), 0);	/* none: fine */
	write_lines(s.log, 100, 6, 0, 20);
	CHECK(exists_k(&s, 5));
	/* A smaller max_file now: the older files go too. */
	CHECK_EQ_INT(ctrlog_remove(s.log, 2), 0);
	CHECK(!exists(s.log) && !exists_k(&s, 1) && !exists_k(&s, 5));
	scratch_free(&s);
}

TEST(ctrlog_open_error)
{
	struct ctrlog *l = NULL;

	CHECK_EQ_INT(ctrlog_open("/nonexistent-dory/ctr.log", 0, 0, &l), -ENOENT);
	CHECK(l == NULL);
	CHECK(strstr(err_str(), "/nonexistent-dory/ctr.log") != NULL);
	ctrlog_close(NULL);
}

TEST(ctrlog_parse_opt_values)
{
	long long size = 0;
	int files = 0;

	CHECK_EQ_INT(ctrlog_parse_opt("max-size=10m", &size, &files), 0);
	CHECK_EQ_INT(size, 10 << 20);
	CHECK_EQ_INT(files, 0);
	CHECK_EQ_INT(ctrlog_parse_opt("max-file=3", &size, &files), 0);
	CHECK_EQ_INT(files, 3);
	CHECK_EQ_INT(ctrlog_parse_opt("max-size=5k,max-file=1", &size, &files), 0);
	CHECK_EQ_INT(size, 5120);
	CHECK_EQ_INT(files, 1);
	CHECK_EQ_INT(ctrlog_parse_opt("max-size=1g", &size, &files), 0);
	CHECK_EQ_INT(size, 1LL << 30);
	CHECK_EQ_INT(ctrlog_parse_opt("max-size=2MB", &size, &files), 0);
	CHECK_EQ_INT(size, 2 << 20);
	CHECK_EQ_INT(ctrlog_parse_opt("max-size=3KiB", &size, &files), 0);
	CHECK_EQ_INT(size, 3072);
	CHECK_EQ_INT(ctrlog_parse_opt("max-size=12345", &size, &files), 0);
	CHECK_EQ_INT(size, 12345);
	CHECK_EQ_INT(CTRLOG_DEFAULT_SIZE, 1 << 20);
	CHECK_EQ_INT(CTRLOG_DEFAULT_FILES, 2);
}

TEST(ctrlog_parse_opt_bad)
{
	static const char *const bad[] = {
		"", "max-size=", "max-size=0", "max-size=10x", "max-size=-1", "max-size=k",
		"max-file=0", "max-file=-1", "max-file=abc", "max-file=", "max-file=1001",
		"mode=non-blocking", "max-size=10m,", ",max-file=2", "max-size=10m,max-file=0",
		"max-size=99999999999999999999", "max-size=9999999999999999g",
	};
	long long size = 7;
	int files = 9;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err_clear();
		if (ctrlog_parse_opt(bad[i], &size, &files) != -EINVAL)
			TAP_FAIL("\"%s\" accepted", bad[i]);
		CHECK(strstr(err_str(), "max-size=N[k|m|g]") != NULL);
	}
	/* A bad option changes nothing, not even the good half. */
	CHECK_EQ_INT(size, 7);
	CHECK_EQ_INT(files, 9);
}

TEST(ctrlog_parse_since_times)
{
	long long ns = 0, base = 1704164645LL * 1000000000;

	CHECK_EQ_INT(ctrlog_parse_since("2024-01-02T03:04:05Z", 0, &ns), 0);
	CHECK_EQ_INT(ns, base);
	CHECK_EQ_INT(ctrlog_parse_since("2024-01-02T03:04:05.5Z", 0, &ns), 0);
	CHECK_EQ_INT(ns, base + 500000000);
	CHECK_EQ_INT(ctrlog_parse_since("2024-01-02T03:04:05.123456789Z", 0, &ns), 0);
	CHECK_EQ_INT(ns, base + 123456789);
	CHECK_EQ_INT(ctrlog_parse_since("2024-01-02T04:34:05+01:30", 0, &ns), 0);
	CHECK_EQ_INT(ns, base);
	CHECK_EQ_INT(ctrlog_parse_since("2024-01-01T23:04:05-04:00", 0, &ns), 0);
	CHECK_EQ_INT(ns, base);
	CHECK_EQ_INT(ctrlog_parse_since("2024-01-02t03:04Z", 0, &ns), 0);
	CHECK_EQ_INT(ns, base - 5LL * 1000000000);
	CHECK_EQ_INT(ctrlog_parse_since("1970-01-01T00:00:00Z", 0, &ns), 0);
	CHECK_EQ_INT(ns, 0);
	CHECK_EQ_INT(ctrlog_parse_since("2024-02-29T00:00:00Z", 0, &ns), 0);
	CHECK_EQ_INT(ns, 1709164800LL * 1000000000);
	/* Without a zone: local time, as Docker reads it. */
	setenv("TZ", "UTC0", 1);
	tzset();
	CHECK_EQ_INT(ctrlog_parse_since("2024-01-02", 0, &ns), 0);
	CHECK_EQ_INT(ns, 1704153600LL * 1000000000);
	CHECK_EQ_INT(ctrlog_parse_since("2024-01-02T03:04:05", 0, &ns), 0);
	CHECK_EQ_INT(ns, base);
}

TEST(ctrlog_parse_since_unix_and_durations)
{
	long long ns = 0, now = 1800000000LL * 1000000000;

	CHECK_EQ_INT(ctrlog_parse_since("1700000000", now, &ns), 0);
	CHECK_EQ_INT(ns, 1700000000LL * 1000000000);
	CHECK_EQ_INT(ctrlog_parse_since("1700000000.123", now, &ns), 0);
	CHECK_EQ_INT(ns, 1700000000LL * 1000000000 + 123000000);
	CHECK_EQ_INT(ctrlog_parse_since("0", now, &ns), 0);
	CHECK_EQ_INT(ns, 0);
	CHECK_EQ_INT(ctrlog_parse_since("10m", now, &ns), 0);
	CHECK_EQ_INT(ns, now - 600LL * 1000000000);
	CHECK_EQ_INT(ctrlog_parse_since("1h30m", now, &ns), 0);
	CHECK_EQ_INT(ns, now - 5400LL * 1000000000);
	CHECK_EQ_INT(ctrlog_parse_since("1.5h", now, &ns), 0);
	CHECK_EQ_INT(ns, now - 5400LL * 1000000000);
	CHECK_EQ_INT(ctrlog_parse_since("42s", now, &ns), 0);
	CHECK_EQ_INT(ns, now - 42LL * 1000000000);
	CHECK_EQ_INT(ctrlog_parse_since("1m300ms2us7ns", now, &ns), 0);
	CHECK_EQ_INT(ns, now - 60300002007LL);
}

TEST(ctrlog_parse_since_bad)
{
	static const char *const bad[] = {
		"", "abc", "10x", "h", "1h30", "-10m", "1..5h", ".h", "1700000000.",
		"1.2.3", "2024-13-01", "2023-02-29", "2024-01-32", "2024-01-02T24:00:00Z",
		"2024-01-02T03:60Z", "2024-01-02T03:04:05Zjunk", "2024-01-02T03:04:05+1",
		"2024-1-2", "99999999999999999999", "9999999999999999999h",
		"9999-12-31T23:59:59Z", "2024-01-02T03:04:05.Z",
	};
	long long ns = 5;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err_clear();
		if (ctrlog_parse_since(bad[i], 0, &ns) != -EINVAL)
			TAP_FAIL("\"%s\" accepted", bad[i]);
		CHECK(strstr(err_str(), "invalid time") != NULL);
	}
	CHECK_EQ_INT(ns, 5);
}
