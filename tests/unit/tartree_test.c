// SPDX-License-Identifier: Apache-2.0
/* tartree_test.c - a tree into tar entries: types, modes, owners, times,
 * hard links as links to the first name, symlinks never followed, a top
 * name or the children only; read back with the one tar reader. */
#include "tap.h"
#include "fixture.h"

#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "core/image/tar.h"
#include "core/image/tartree.h"
#include "core/util/err.h"
#include "core/util/str.h"
#include "core/util/xalloc.h"

struct buf {
	char *p;
	size_t n;
};

static int sink(void *arg, const void *p, size_t n)
{
	struct buf *b = arg;

	b->p = xrealloc(b->p, b->n + n);
	memcpy(b->p + b->n, p, n);
	b->n += n;
	return 0;
}

/* Each entry as "NAME TYPE MODE UID:GID SIZE LINK", and the data. */
struct seen {
	struct strv lines;
	struct sbuf data;
	unsigned maj, min;	/* of the last entry */
	struct strv xattrs;	/* "ENTRY NAME=VALUE" */
};

static int on_entry(void *arg, const struct tar_entry *e)
{
	struct seen *s = arg;

	strv_push_take(&s->lines, xasprintf("%s %c %o %lld:%lld %lld %s", e->name, e->type,
					    e->mode, e->uid, e->gid, e->size, e->linkname));
	s->maj = e->devmajor;
	s->min = e->devminor;
	for (size_t i = 0; i < e->nxattrs; i++)
		strv_push_take(&s->xattrs, xasprintf("%s %s=%.*s", e->name, e->xattrs[i].name,
						     (int)e->xattrs[i].len, e->xattrs[i].value));
	return 0;
}

static int on_data(void *arg, const void *p, size_t n)
{
	sbuf_addf(&((struct seen *)arg)->data, "%.*s", (int)n, (const char *)p);
	return 0;
}

static int on_end(void *arg)
{
	(void)arg;
	return 0;
}

static bool has(const struct seen *s, const char *line)
{
	for (size_t i = 0; i < s->lines.n; i++)
		if (!strcmp(s->lines.v[i], line))
			return true;
	return false;
}

/* dir as the archive name as, owners shifted down from base (count ids;
 * 0: none), read back into s. */
static int walk_ids(const char *dir, const char *as, uint32_t base, uint32_t count,
		    struct seen *s)
{
	static const struct tar_reader_ops ops = { on_entry, on_data, on_end };
	struct buf b = { 0 };
	struct tar_writer *w = tar_writer_new(sink, &b);
	struct tartree *t = tartree_new(w);
	struct tar_reader *r = tar_reader_new(&ops, s);
	int fd = openat(AT_FDCWD, dir, O_PATH | O_CLOEXEC | O_NOFOLLOW);
	int rc;

	tartree_set_idshift(t, base, count);
	rc = tartree_add(t, fd, as);

	if (rc == 0)
		rc = tar_writer_finish(w);
	if (rc == 0)
		rc = tar_reader_feed(r, b.p, b.n);
	if (rc == 0)
		rc = tar_reader_finish(r);
	close(fd);
	tar_reader_free(r);
	tartree_free(t);
	tar_writer_free(w);
	free(b.p);
	return rc;
}

static int walk(const char *dir, const char *as, struct seen *s)
{
	return walk_ids(dir, as, 0, 0, s);
}

static void seen_clear(struct seen *s)
{
	strv_free(&s->lines);
	strv_free(&s->xattrs);
	free(s->data.s);
	memset(s, 0, sizeof(*s));
}

TEST(tartree_types_owners_and_links)
{
	char *d = fix_tmpdir("tartree");
	struct seen s = { 0 };

	CHECK(mkdir(fix_path(d, "sub"), 0750) == 0);
	fix_put(d, "sub/f", "hello", 0640);
	fix_put(d, "empty", "", 0600);
	CHECK(link(fix_path(d, "sub/f"), fix_path(d, "hl")) == 0);
	CHECK(symlink("/etc/passwd", fix_path(d, "sym")) == 0);
	CHECK(mkfifo(fix_path(d, "fifo"), 0644) == 0);
	CHECK(chown(fix_path(d, "sub/f"), 7, 8) == 0);
	CHECK(chmod(d, 0755) == 0);
	CHECK_EQ_INT(walk(d, "top", &s), 0);
	CHECK_EQ_STR(s.lines.v[0], "top/ 5 755 0:0 0 ");
	CHECK(has(&s, "top/sub/ 5 750 0:0 0 "));
	CHECK(has(&s, "top/empty 0 600 0:0 0 "));
	CHECK(has(&s, "top/sym 2 777 0:0 0 /etc/passwd"));
	CHECK(has(&s, "top/fifo 6 644 0:0 0 "));
	/* Whichever of the two links comes first holds the data. */
	CHECK((has(&s, "top/sub/f 0 640 7:8 5 ") && has(&s, "top/hl 1 640 7:8 0 top/sub/f")) ||
	      (has(&s, "top/hl 0 640 7:8 5 ") && has(&s, "top/sub/f 1 640 7:8 0 top/hl")));
	CHECK_EQ_STR(s.data.s, "hello");
	CHECK_EQ_INT(s.lines.n, 7);
	seen_clear(&s);
	fix_rmtree(d);
}

/* Out of a user namespace: the ids its processes see; the range's ends
 * shift, ids outside it (the image's own, already the container's) stay. */
TEST(tartree_idshift_gives_the_namespace_view)
{
	char *d = fix_tmpdir("tartree");
	struct seen s = { 0 };

	fix_put(d, "in", "", 0644);
	fix_put(d, "first", "", 0644);
	fix_put(d, "last", "", 0644);
	fix_put(d, "above", "", 0644);
	fix_put(d, "below", "", 0644);
	CHECK(symlink("in", fix_path(d, "l")) == 0);
	SKIP_IF(chown(fix_path(d, "in"), 100007, 100008) < 0, "chown needs root");
	CHECK(chown(fix_path(d, "first"), 100000, 100000) == 0);
	CHECK(chown(fix_path(d, "last"), 165535, 165535) == 0);
	CHECK(chown(fix_path(d, "above"), 165536, 165536) == 0);
	CHECK(chown(fix_path(d, "below"), 5, 99999) == 0);
	CHECK(lchown(fix_path(d, "l"), 100001, 100002) == 0);
	CHECK_EQ_INT(walk_ids(d, "", 100000, 65536, &s), 0);
	CHECK(has(&s, "in 0 644 7:8 0 "));
	CHECK(has(&s, "first 0 644 0:0 0 "));
	CHECK(has(&s, "last 0 644 65535:65535 0 "));
	CHECK(has(&s, "above 0 644 165536:165536 0 "));
	CHECK(has(&s, "below 0 644 5:99999 0 "));
	CHECK(has(&s, "l 2 777 1:2 0 in"));
	seen_clear(&s);
	CHECK_EQ_INT(walk(d, "", &s), 0);	/* no shift: the ids on disk */
	CHECK(has(&s, "in 0 644 100007:100008 0 "));
	seen_clear(&s);
	fix_rmtree(d);
}

TEST(tartree_children_only_and_a_symlink_top)
{
	char *d = fix_tmpdir("tartree");
	struct seen s = { 0 };

	fix_put(d, "a", "x", 0644);
	CHECK(symlink("a", fix_path(d, "l")) == 0);
	CHECK_EQ_INT(walk(d, "", &s), 0);
	CHECK_EQ_INT(s.lines.n, 2);
	CHECK(has(&s, "a 0 644 0:0 1 "));
	seen_clear(&s);
	CHECK_EQ_INT(walk(fix_path(d, "l"), "l", &s), 0);
	CHECK_EQ_INT(s.lines.n, 1);
	CHECK(has(&s, "l 2 777 0:0 0 a"));
	seen_clear(&s);
	fix_rmtree(d);
}

TEST(tartree_devices_keep_their_numbers)
{
	char *d = fix_tmpdir("tartree");
	struct seen s = { 0 };

	SKIP_IF(mknod(fix_path(d, "null"), S_IFCHR | 0666, makedev(1, 3)) < 0, "mknod needs root");
	CHECK(chmod(fix_path(d, "null"), 0666) == 0);
	CHECK_EQ_INT(walk(fix_path(d, "null"), "null", &s), 0);
	CHECK(has(&s, "null 3 666 0:0 0 "));
	CHECK_EQ_INT(s.maj, 1);
	CHECK_EQ_INT(s.min, 3);
	seen_clear(&s);
	fix_rmtree(d);
}

TEST(tartree_xattrs_user_and_capability)
{
	char *d = fix_tmpdir("tartree");
	struct seen s = { 0 };

	CHECK(mkdir(fix_path(d, "sub"), 0755) == 0);
	fix_put(d, "f", "x", 0644);
	SKIP_IF(setxattr(fix_path(d, "f"), "user.one", "v1", 2, 0) < 0, "no user xattrs here");
	CHECK(setxattr(fix_path(d, "sub"), "user.two", "v2", 2, 0) == 0);
	CHECK_EQ_INT(walk(d, "t", &s), 0);
	CHECK_EQ_INT(s.xattrs.n, 2);
	for (size_t i = 0; i < s.xattrs.n; i++)
		CHECK(!strcmp(s.xattrs.v[i], "t/f user.one=v1") ||
		      !strcmp(s.xattrs.v[i], "t/sub/ user.two=v2"));
	seen_clear(&s);
	fix_rmtree(d);
}
