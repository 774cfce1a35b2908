// SPDX-License-Identifier: Apache-2.0
/* images.c - the image commands: images, rmi, tag, inspect, image (ls, rm,
 * tag, inspect, prune, pull) and system df. The store's rules are core's. */
//@applet images   APPLET_IMAGES  images_main   NEEDROOT
//@applet rmi      APPLET_IMAGES  rmi_main      NEEDROOT
//@applet tag      APPLET_IMAGES  tag_main      NEEDROOT
//@applet inspect  APPLET_IMAGES  inspect_main  NEEDROOT
//@applet image    APPLET_IMAGES  image_main    NEEDROOT
//@applet system   APPLET_IMAGES  system_main   NEEDROOT
//@config APPLET_IMAGES
//@	bool "images, rmi, tag, inspect, image, system df (~14 KB)"
//@	default y
//@	select CORE_IMAGE
//@	help
//@	  Usage: dory images [OPTIONS] [REPOSITORY[:TAG]]
//@	     or: dory rmi [-f] IMAGE...
//@	     or: dory tag SOURCE TARGET
//@	     or: dory inspect [-f FORMAT] [--type container|image] NAME...
//@	     or: dory image ls|rm|tag|inspect|pull [ARG...]
//@	     or: dory image prune [-a] [-f]
//@	     or: dory system df [-v] [--format FORMAT] | info
//@	     or: dory system prune [-a] [-f] [--volumes]
//@
//@	  images       list images (REPOSITORY may hold * and ?)
//@	    -q, --quiet          only the image IDs, each once
//@	        --digests        add the registry digest of each name
//@	        --no-trunc       full image IDs
//@	        --format T       {{.Repository}} {{.Tag}} {{.ID}} {{.Digest}}
//@	                         {{.CreatedSince}} {{.CreatedAt}} {{.Size}};
//@	                         'table T' aligns columns under a header
//@	    -a, --all            accepted (every image is listed anyway)
//@	  rmi          remove a name; an image goes with its last name, and
//@	               its space is freed at once. By ID: all its names go.
//@	    -f, --force          also an image with several names, or one a
//@	                         container uses (which keeps running)
//@	  tag          give the image SOURCE (a name or an ID) the name TARGET
//@	  inspect      a container's or an image's details as JSON, as Docker
//@	               prints them (a container of that name comes first)
//@	    -f, --format T       a template: {{.Id}}, {{.State.ExitCode}},
//@	                         {{json .Config}}
//@	        --type T         only look for a container, or an image
//@	  image prune  remove the untagged images no container uses
//@	    -a, --all            every image no container uses, names too
//@	    -f, --force          do not ask (needed without a terminal)
//@	  system df    space used by images, containers and local volumes, and
//@	               what prune frees; -v: a row per container and volume
//@	  system info  the same as 'dory info'
//@	  system prune stopped containers, unused networks, dangling images
//@	    -a, --all          every image no container uses
//@	    -f, --force        do not ask (needed without a terminal)
//@	        --volumes      also the anonymous volumes no container names
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <string.h>
#include <time.h>

#include "applets.h"
#include "core/ctr/ctr.h"
#include "core/ctr/ctr_make.h"
#include "core/ctr/ctr_ops.h"
#include "core/ctr/ctr_view.h"
#include "core/ctr/ctr_vol.h"
#include "core/image/image.h"
#include "core/image/ref.h"
#include "core/net/network.h"
#include "core/store/store.h"
#include "core/util/err.h"
#include "core/util/json.h"
#include "core/util/log.h"
#include "core/util/opt.h"
#include "core/util/str.h"
#include "core/util/tpl.h"
#include "core/util/xalloc.h"

enum { SHORT_ID = 12, SIZE_LEN = 24 };

/* An RFC 3339 time ("2024-05-01T10:00:00.5+02:00") in seconds since the
 * epoch; -1 when s is missing or not such a time. */
static long long parse_time(const char *s)
{
	struct tm tm = { 0 };
	int oh = 0, om = 0, n = 0;
	long long t;

	if (!s || sscanf(s, "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
			 &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 || !n)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon--;
	t = (long long)timegm(&tm);
	s += n;
	if (*s == '.')
		while (isdigit((unsigned char)*++s))
			;
	if ((*s == 'Z' || *s == 'z') && !s[1])
		return t;
	if ((*s != '+' && *s != '-') || sscanf(s + 1, "%2d:%2d", &oh, &om) != 2)
		return -1;
	return t - (*s == '+' ? 1 : -1) * (oh * 3600LL + om * 60LL);
}

/* ---- tables, laid out as Docker's tabwriter ---- */

struct table {
	size_t ncol;
	struct strv cells;	/* row after row */
};

static void table_row(struct table *t, const char *const *cols)
{
	for (size_t i = 0; i < t->ncol; i++)
		strv_push(&t->cells, cols[i]);
}

/* The cells, tab-separated and a line a row, through tpl's tabwriter. */
static void table_print(struct table *t)
{
	autofree char *text = NULL;
	size_t n = 0;
	char *p;

	for (size_t i = 0; i < t->cells.n; i++)
		n += strlen(t->cells.v[i]) + 1;
	p = text = xmalloc(n + 1);
	for (size_t i = 0; i < t->cells.n; i++) {
		p = stpcpy(p, t->cells.v[i]);
		*p++ = (i + 1) % t->ncol ? '\t' : '\n';
	}
	tpl_table_print(text, n, stdout);
	strv_free(&t->cells);
}

static int out_flush(void)
{
	if (fflush(stdout) != 0 || ferror(stdout))
		die_errno("write the output");
	return 0;
}

/* ---- references as Docker shows them ---- */

/* Split a normalized "domain/repo:tag" or "domain/repo@digest" into its
 * familiar name ("alpine", allocated) and what follows the separator. */
static char *ref_split(const char *ref, const char **rest)
{
	const char *at = strchr(ref, '@'), *slash = strrchr(ref, '/');
	const char *sep = at ? at : strrchr(slash ? slash : ref, ':');
	autofree char *name = sep ? xstrndup(ref, (size_t)(sep - ref)) : xstrdup(ref);

	*rest = sep ? sep + 1 : "";
	return ref_familiar(name);
}

/* "alpine:latest" for "docker.io/library/alpine:latest"; allocated. */
static char *ref_short(const char *ref)
{
	const char *rest;
	autofree char *name = ref_split(ref, &rest);

	if (!*rest)
		return TAKE(name);
	return xasprintf("%s%c%s", name, strchr(ref, '@') ? '@' : ':', rest);
}

/* Docker's reference filter (FamiliarMatch): the pattern against the
 * familiar reference or its name; the full forms match too. */
static bool ref_match(const char *pattern, const char *ref)
{
	const char *rest;
	autofree char *name = ref_split(ref, &rest), *fam = ref_short(ref);
	autofree char *full = *rest ? xstrndup(ref, (size_t)(rest - 1 - ref)) : xstrdup(ref);

	return !fnmatch(pattern, fam, FNM_PATHNAME) || !fnmatch(pattern, name, FNM_PATHNAME) ||
	       !fnmatch(pattern, ref, FNM_PATHNAME) || !fnmatch(pattern, full, FNM_PATHNAME);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool strv_has(const struct strv *v, const char *s)
{
	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->v[i], s))
			return true;
	return false;
}

/* ---- the images in the store ---- */

struct img {
	char id[DIGEST_STRLEN];
	struct json *rec;
	struct strv tags;	/* normalized, sorted */
	long long created;	/* -1: unknown */
};

struct imgs {
	struct img *v;
	size_t n;
};

/* The tags (normalized) that point at id, sorted. */
static void tags_of(const struct json *tags, const char *id, struct strv *out)
{
	for (struct json *m = json_first(tags); m; m = json_next(m))
		if (json_str(m) && !strcmp(json_str(m), id))
			strv_push(out, json_key(m));
	if (out->n)
		qsort(out->v, out->n, sizeof(char *), cmp_str);
}

static int img_cmp(const void *a, const void *b)
{
	const struct img *x = a, *y = b;

	if (x->created != y->created)
		return x->created > y->created ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* Every image with its record and tags, newest first (as Docker lists
 * them). A damaged record is reported and left out. */
static int imgs_load(struct store *st, struct imgs *l)
{
	struct strv ids = { 0 };
	struct json *tags = store_tags_get(st);

	memset(l, 0, sizeof(*l));
	if (!tags || store_images_list(st, &ids) < 0) {
		json_free(tags);
		return -err_errno();
	}
	l->v = xzalloc((ids.n + 1) * sizeof(*l->v));
	for (size_t i = 0; i < ids.n; i++) {
		struct img *im = &l->v[l->n];

		im->rec = store_image_get(st, ids.v[i]);
		if (!im->rec) {
			warn("%s (remove it with 'dory rmi -f %s')", err_str(), ids.v[i]);
			continue;
		}
		snprintf(im->id, sizeof(im->id), "%s", ids.v[i]);
		tags_of(tags, im->id, &im->tags);
		im->created = parse_time(json_get_str(im->rec, "created"));
		l->n++;
	}
	err_clear();
	qsort(l->v, l->n, sizeof(*l->v), img_cmp);
	strv_free(&ids);
	json_free(tags);
	return 0;
}

static void imgs_free(struct imgs *l)
{
	for (size_t i = 0; i < l->n; i++) {
		json_free(l->v[i].rec);
		strv_free(&l->v[i].tags);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* The unpacked size of an image: its layers' sizes, as Docker's SIZE. */
static unsigned long long img_size(struct store *st, const struct json *rec)
{
	const struct json *ls = json_get(rec, "layers");
	unsigned long long sum = 0;

	for (int i = 0; i < json_arr_len(ls); i++) {
		const char *chain = json_get_str(json_arr_at(ls, i), "chain_id");
		struct json *meta = chain ? store_layer_meta(st, chain) : NULL;
		long long n;

		if (json_get_i64(meta, "size", &n) && n > 0)
			sum += (unsigned long long)n;
		json_free(meta);
	}
	err_clear();		/* a missing layer counts nothing */
	return sum;
}

static struct store *open_store(void)
{
	struct store *st;

	if (store_open(dory.root, &st) < 0)
		die_err();
	return st;
}

/*
 * Find the image name names: a tag, NAME@DIGEST or an ID (prefix). ref
 * gets name as a normalized reference (allocated) when it is one; a name
 * that is neither a reference nor an ID is an error of its own.
 */
static int img_find(struct store *st, const char *name, char id[DIGEST_STRLEN], char **ref)
{
	struct ref r;
	int rc;

	*ref = NULL;
	if (!ref_is_id(name)) {
		if (ref_parse(name, &r) < 0)
			return -err_errno();
		*ref = ref_str(&r);
		ref_clear(&r);
	}
	rc = store_image_resolve(st, name, *ref, id);
	if (rc == -ENOENT) {
		err_setx(ENOENT, "no such image: %s", name);
		rc = err_hint("see 'dory images'");
	}
	if (rc < 0) {
		free(*ref);
		*ref = NULL;
	}
	return rc;
}

/* ---- images ---- */

struct ls_opts {
	bool quiet, digests, notrunc, all;
	const char *format;
};

static const struct opt ls_optv[] = {
	OPT_BOOL('q', "quiet", offsetof(struct ls_opts, quiet)),
	OPT_BOOL(0, "digests", offsetof(struct ls_opts, digests)),
	OPT_BOOL(0, "no-trunc", offsetof(struct ls_opts, notrunc)),
	OPT_BOOL('a', "all", offsetof(struct ls_opts, all)),
	OPT_STR(0, "format", offsetof(struct ls_opts, format)),
	OPT_END
};

/* Docker's default listings, and the header of its fields. */
static const char ls_format[] = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t"
				"{{.Size}}";
static const char ls_format_digests[] = "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}"
					"\t{{.CreatedSince}}\t{{.Size}}";
static const char *const ls_fields[][2] = {
	{ "Repository", "REPOSITORY" }, { "Tag", "TAG" }, { "Digest", "DIGEST" },
	{ "ID", "IMAGE ID" }, { "CreatedSince", "CREATED" }, { "CreatedAt", "CREATED AT" },
	{ "Size", "SIZE" },
};

/* An image's part of its rows: ID, CreatedSince, CreatedAt, Size. */
struct ls_img {
	const char *v[4];
};

/* One row: Docker's fields (Repository, Tag, Digest, then the image's). */
static void ls_row(struct tpl_list *l, const char *repo, const char *tag, const char *digest,
		   const struct ls_img *im)
{
	const char *v[ARRAY_SIZE(ls_fields)] = { repo, tag, digest, im->v[0], im->v[1], im->v[2],
						 im->v[3] };
	struct json *row = json_new_obj();

	for (size_t i = 0; i < ARRAY_SIZE(ls_fields); i++)
		json_add_str(row, ls_fields[i][0], v[i]);
	if (tpl_list_row(l, row) < 0)
		die_err();
	json_free(row);
}

/* The rows of one image, as Docker makes them: a row per tag (and per
 * digest of its repository with --digests), then the repositories known
 * only by digest with tag <none>. Returns the number of rows. */
static size_t ls_image(struct tpl_list *l, const struct ls_opts *o, const struct strv *tags,
		       const struct strv *digs, const struct ls_img *im)
{
	size_t rows = 0;

	for (size_t i = 0; i < tags->n; i++) {
		const char *tag, *d;
		autofree char *repo = ref_split(tags->v[i], &tag);
		size_t shown = 0;

		for (size_t k = 0; o->digests && k < digs->n; k++) {
			autofree char *drepo = ref_split(digs->v[k], &d);

			if (strcmp(drepo, repo))
				continue;
			ls_row(l, repo, tag, d, im);
			shown++;
		}
		if (!shown)
			ls_row(l, repo, tag, "<none>", im);
		rows += shown ? shown : 1;
	}
	for (size_t k = 0; k < digs->n; k++) {
		const char *d, *x;
		autofree char *repo = ref_split(digs->v[k], &d);
		bool tagged = false, seen = false;

		for (size_t i = 0; i < tags->n && !tagged; i++) {
			autofree char *r = ref_split(tags->v[i], &x);

			tagged = !strcmp(r, repo);
		}
		for (size_t j = 0; j < k && !seen && !o->digests; j++) {
			autofree char *r = ref_split(digs->v[j], &x);

			seen = !strcmp(r, repo);
		}
		if (tagged || seen)
			continue;
		ls_row(l, repo, "<none>", d, im);
		rows++;
	}
	return rows;
}

/* The image's references that match pattern (all without one). */
static void ls_refs(const struct img *im, const char *pattern, struct strv *tags,
		    struct strv *digs)
{
	const struct json *rd = json_get(im->rec, "repo_digests");

	for (size_t i = 0; i < im->tags.n; i++)
		if (!pattern || ref_match(pattern, im->tags.v[i]))
			strv_push(tags, im->tags.v[i]);
	for (int i = 0; i < json_arr_len(rd); i++) {
		const char *s = json_str(json_arr_at(rd, i));

		if (s && strchr(s, '@') && (!pattern || ref_match(pattern, s)))
			strv_push(digs, s);
	}
	if (digs->n)
		qsort(digs->v, digs->n, sizeof(char *), cmp_str);
}

static void ls_one(struct store *st, const struct img *im, const struct ls_opts *o,
		   const char *pattern, struct tpl_list *l)
{
	struct strv tags = { 0 }, digs = { 0 };
	char since[32] = "N/A", at[80] = "N/A", size[SIZE_LEN], id[DIGEST_STRLEN];
	const struct ls_img row = { { id, since, at, size } };

	ls_refs(im, pattern, &tags, &digs);
	if (pattern && !tags.n && !digs.n)
		goto out;
	snprintf(id, o->notrunc ? sizeof(id) : SHORT_ID + 1, "%s", o->notrunc ? im->id : im->id + 7);
	if (o->quiet) {
		puts(id);
		goto out;
	}
	if (im->created >= 0) {
		str_human_duration((long long)time(NULL) - im->created, since, sizeof(since) - 4);
		strcat(since, " ago");
		ctr_time_go(im->created * 1000000000LL, at);
	}
	str_size(size, sizeof(size), img_size(st, im->rec), 3, false);
	if (!ls_image(l, o, &tags, &digs, &row))
		ls_row(l, "<none>", "<none>", "<none>", &row);
out:
	strv_free(&tags);
	strv_free(&digs);
}

int images_main(int argc, char **argv)
{
	struct ls_opts o = { 0 };
	struct tpl_list l;
	struct json *h = json_new_pairs(ls_fields, ARRAY_SIZE(ls_fields));
	const char *deflt;
	struct store *st;
	struct imgs imgs;
	char **args;

	(void)argc;
	args = opt_parse(ls_optv, &o, argv);
	if (args[0] && args[1])
		die("give at most one REPOSITORY[:TAG] (usage: dory images [OPTIONS] [REPO[:TAG]])");
	deflt = o.digests ? ls_format_digests : ls_format;
	/* -q prints the IDs itself (each image once), whatever the format */
	if (tpl_list_begin(&l, o.quiet ? "{{.ID}}" : o.format ? o.format : deflt,
			   deflt + strlen("table "), h, stdout) < 0)
		die_err();
	json_free(h);
	st = open_store();
	if (imgs_load(st, &imgs) < 0)
		die_err();
	for (size_t i = 0; i < imgs.n; i++)
		ls_one(st, &imgs.v[i], &o, args[0], &l);
	if (tpl_list_end(&l) < 0)
		die_err();
	imgs_free(&imgs);
	store_close(st);
	return out_flush();
}

/* ---- rmi ---- */

struct rmi {
	struct store *st;
	bool force, deleted;
};

static const struct opt rmi_optv[] = {
	OPT_BOOL('f', "force", offsetof(struct rmi, force)),
	OPT_END
};

/* Delete image id; print the names it had and its ID, as Docker does. */
static int rmi_delete(struct rmi *c, const char *id, const struct json *rec,
		      const struct strv *tags)
{
	const struct json *rd = json_get(rec, "repo_digests");

	if (store_image_del(c->st, id, c->force) < 0)
		return -err_errno();
	for (size_t i = 0; tags && i < tags->n; i++) {
		autofree char *s = ref_short(tags->v[i]);

		printf("Untagged: %s\n", s);
	}
	for (int i = 0; i < json_arr_len(rd); i++) {
		autofree char *s = json_str(json_arr_at(rd, i)) ?
				   ref_short(json_str(json_arr_at(rd, i))) : NULL;

		if (s)
			printf("Untagged: %s\n", s);
	}
	printf("Deleted: %s\n", id);
	c->deleted = true;
	return 0;
}

/* Docker's message when removing name would leave a used image nameless. */
static int rmi_conflict_ref(const char *name, const char *holder, const char *id)
{
	return err_setx(EBUSY, "conflict: unable to remove repository reference \"%s\" (must "
			"force) - container %.12s is using its referenced image %.12s", name,
			holder, id + 7);
}

/* rmi NAME:TAG: untag; the image goes with its last tag unless a
 * container uses it (with -f it stays, untagged, as in Docker). */
static int rmi_tag(struct rmi *c, const char *name, const char *ref, const char *id,
		   const struct json *rec, size_t ntags, const char *holder)
{
	autofree char *s = ref_short(ref);

	if (ntags == 1 && holder && !c->force)
		return rmi_conflict_ref(name, holder, id);
	if (store_tag_del(c->st, ref) < 0)
		return -err_errno();
	printf("Untagged: %s\n", s);
	if (ntags > 1 || holder)
		return 0;
	return rmi_delete(c, id, rec, NULL);
}

/* The record without the repo digest ref. */
static int rmi_drop_digest(struct rmi *c, struct json *rec, const char *ref)
{
	const struct json *rd = json_get(rec, "repo_digests");
	struct json *keep = json_new_arr();
	autofree char *s = ref_short(ref);
	int rc;

	for (int i = 0; i < json_arr_len(rd); i++) {
		const char *d = json_str(json_arr_at(rd, i));

		if (d && strcmp(d, ref))
			json_add_str(keep, NULL, d);
	}
	json_del(rec, "repo_digests");
	json_add_copy(rec, "repo_digests", keep);
	json_free(keep);
	rc = store_image_put(c->st, rec);
	if (rc == 0)
		printf("Untagged: %s\n", s);
	return rc;
}

/* rmi NAME@DIGEST: that name goes; the image too if it was the last one. */
static int rmi_digest(struct rmi *c, const char *name, const char *ref, const char *id,
		      struct json *rec, size_t ntags, const char *holder)
{
	bool last = !ntags && json_arr_len(json_get(rec, "repo_digests")) == 1;

	if (last && holder && !c->force)
		return rmi_conflict_ref(name, holder, id);
	if (last && !holder)
		return rmi_delete(c, id, rec, NULL);
	return rmi_drop_digest(c, rec, ref);
}

/* rmi ID: every name goes with the image; several names or a container
 * using it need -f (Docker's conflicts, on one line). */
static int rmi_id(struct rmi *c, const char *id, const struct json *rec,
		  const struct strv *tags, const char *holder)
{
	if (tags->n > 1 && !c->force)
		return err_setx(EBUSY, "conflict: unable to delete %.12s (must be forced) - image "
				"is referenced in multiple repositories", id + 7);
	if (holder && !c->force)
		return err_setx(EBUSY, "conflict: unable to delete %.12s (must be forced) - image "
				"is being used by running container %.12s", id + 7, holder);
	return rmi_delete(c, id, rec, tags);
}

static bool rec_has_digest(const struct json *rec, const char *ref)
{
	const struct json *rd = json_get(rec, "repo_digests");

	for (int i = 0; i < json_arr_len(rd); i++)
		if (json_str(json_arr_at(rd, i)) && !strcmp(json_str(json_arr_at(rd, i)), ref))
			return true;
	return false;
}

static int rmi_one(struct rmi *c, const char *name)
{
	char id[DIGEST_STRLEN];
	autofree char *ref = NULL, *holder = NULL;
	struct strv tags = { 0 };
	struct json *all, *rec;
	int rc;

	if (img_find(c->st, name, id, &ref) < 0)
		return -err_errno();
	all = store_tags_get(c->st);
	rec = all ? store_image_get(c->st, id) : NULL;
	if (!rec) {
		json_free(all);
		/* a damaged record goes with -f, as gc's message advises */
		return all && c->force ? rmi_delete(c, id, NULL, NULL) : -err_errno();
	}
	tags_of(all, id, &tags);
	json_free(all);
	store_image_is_held(c->st, id, &holder);
	if (ref && strv_has(&tags, ref))
		rc = rmi_tag(c, name, ref, id, rec, tags.n, holder);
	else if (ref && strchr(ref, '@') && rec_has_digest(rec, ref))
		rc = rmi_digest(c, name, ref, id, rec, tags.n, holder);
	else
		rc = rmi_id(c, id, rec, &tags, holder);
	strv_free(&tags);
	json_free(rec);
	return rc;
}

/* Free what the removed images used now; if another dory command has the
 * store open, the next gc (rmi, image prune) does it. */
static void rmi_gc(struct store *st)
{
	struct store_gc_stats gs;

	if (store_gc(st, STORE_GC_TRY, &gs) == 0)
		return;
	if (err_errno() == EWOULDBLOCK)
		info("the store is busy: space is freed by the next rmi or image prune");
	else
		warn("%s", err_str());
}

int rmi_main(int argc, char **argv)
{
	struct rmi c = { 0 };
	bool failed = false;
	char **args;

	(void)argc;
	args = opt_parse(rmi_optv, &c, argv);
	if (!args[0])
		die("give at least one image (usage: dory rmi [-f] IMAGE...)");
	c.st = open_store();
	for (; *args; args++) {
		if (rmi_one(&c, *args) < 0) {
			warn("%s", err_str());
			failed = true;
		}
	}
	if (c.deleted)
		rmi_gc(c.st);
	store_close(c.st);
	out_flush();
	return failed ? dory.fail_code : 0;
}

/* ---- tag ---- */

static const struct opt none_optv[] = { OPT_END };

int tag_main(int argc, char **argv)
{
	char id[DIGEST_STRLEN];
	autofree char *src = NULL, *dst = NULL;
	struct store *st;
	struct ref r;
	char **args;

	(void)argc;
	args = opt_parse(none_optv, NULL, argv);
	if (!args[0] || !args[1] || args[2])
		die("give SOURCE and TARGET (usage: dory tag SOURCE TARGET)");
	if (ref_is_id(args[1]))
		die("refusing to create an ambiguous tag: %s is an image ID (give NAME[:TAG])",
		    args[1]);
	if (ref_parse(args[1], &r) < 0)
		die_err();
	if (r.digest)
		die("refusing to create a tag with a digest reference: %s (give NAME[:TAG])",
		    args[1]);
	dst = ref_str(&r);
	ref_clear(&r);
	st = open_store();
	if (img_find(st, args[0], id, &src) < 0 || store_tag_set(st, dst, id) < 0)
		die_err();
	store_close(st);
	return 0;
}

/* ---- inspect ---- */

/* Docker's image inspect object for im: the fields scripts read. */
static void inspect_obj(struct store *st, const struct image *im, const struct strv *tags,
			struct json *o)
{
	const struct json *cfg = im->config, *pl = json_get(im->record, "platform");
	const struct json *c = json_get(cfg, "config"), *rd = json_get(im->record, "repo_digests");
	const struct json *diffs = json_get(json_get(cfg, "rootfs"), "diff_ids");
	const char *v = json_get_str(cfg, "variant") ?: json_get_str(pl, "variant");
	struct json *a, *rootfs;

	json_add_str(o, "Id", im->id);
	a = json_add_arr(o, "RepoTags");
	for (size_t i = 0; i < tags->n; i++) {
		autofree char *s = ref_short(tags->v[i]);

		json_add_str(a, NULL, s);
	}
	a = json_add_arr(o, "RepoDigests");
	for (int i = 0; i < json_arr_len(rd); i++) {
		autofree char *s = json_str(json_arr_at(rd, i)) ?
				   ref_short(json_str(json_arr_at(rd, i))) : NULL;

		if (s)
			json_add_str(a, NULL, s);
	}
	json_add_str(o, "Parent", "");
	json_add_str(o, "Comment", json_get_str(cfg, "comment") ?: "");
	json_add_str(o, "Created", json_get_str(cfg, "created") ?: "");
	json_add_str(o, "Author", json_get_str(cfg, "author") ?: "");
	if (json_is_obj(c))
		json_add_copy(o, "Config", c);
	else
		json_add_obj(o, "Config");
	json_add_str(o, "Architecture", json_get_str(cfg, "architecture") ?:
		     json_get_str(pl, "architecture") ?: "");
	if (v && *v)
		json_add_str(o, "Variant", v);
	json_add_str(o, "Os", json_get_str(cfg, "os") ?: json_get_str(pl, "os") ?: "linux");
	json_add_i64(o, "Size", (long long)img_size(st, im->record));
	rootfs = json_add_obj(o, "RootFS");
	json_add_str(rootfs, "Type", "layers");
	a = json_add_arr(rootfs, "Layers");
	for (int i = 0; i < json_arr_len(diffs); i++)
		if (json_str(json_arr_at(diffs, i)))
			json_add_str(a, NULL, json_str(json_arr_at(diffs, i)));
}

static int inspect_img(struct store *st, const char *name, const char *kind, struct json *arr)
{
	char id[DIGEST_STRLEN];
	autofree char *ref = NULL;
	struct strv tags = { 0 };
	struct json *all;
	struct image im;

	if (img_find(st, name, id, &ref) < 0) {
		if (err_errno() == ENOENT || err_errno() == EINVAL)
			return err_setx(ENOENT, "no such %s: %s", kind, name);
		return -err_errno();
	}
	if (image_open(st, id, &im) < 0)
		return -err_errno();
	all = store_tags_get(st);
	if (!all) {
		image_close(&im);
		return -err_errno();
	}
	tags_of(all, id, &tags);
	json_free(all);
	inspect_obj(st, &im, &tags, json_add_obj(arr, NULL));
	strv_free(&tags);
	image_close(&im);
	return 0;
}

/* Docker's container inspect object of the container name names; -ENOENT
 * when there is none. */
static int inspect_ctr(const char *name, struct json *arr)
{
	char id[CTR_ID_LEN + 1];
	struct ctr_config c = { 0 };
	struct ctr_state s = { 0 };
	autofree char *dir = NULL;
	int rc;

	rc = ctr_find(name, id);
	if (rc < 0)
		return rc;
	rc = ctr_config_load(id, &c);
	if (rc == 0)
		rc = ctr_state_load(id, false, &s);
	if (rc == 0) {
		dir = ctr_dir(id);
		ctr_inspect(&c, &s, dir, json_add_obj(arr, NULL));
		ctr_state_clear(&s);
	}
	ctr_config_clear(&c);
	return rc;
}

struct inspect_opts {
	const char *format, *type;
};

static const struct opt inspect_optv[] = {
	OPT_STR('f', "format", offsetof(struct inspect_opts, format)),
	OPT_STR(0, "type", offsetof(struct inspect_opts, type)),
	OPT_END
};

/* One NAME: a container first, then an image, as Docker looks them up
 * (type: "container", "image" or NULL for either). */
static int inspect_one(struct store **st, const char *name, const char *type, struct json *arr)
{
	int rc = -ENOENT;

	if (CFG_CORE_RUNTIME && (!type || !strcmp(type, "container"))) {
		rc = inspect_ctr(name, arr);
		if (rc != -ENOENT)
			return rc;
		if (type)
			return err_setx(ENOENT, "no such container: %s", name);
	}
	if (!*st)
		*st = open_store();
	return inspect_img(*st, name, type ? type : "object", arr);
}

static void inspect_print(const char *format, const struct json *arr)
{
	autofree char *s = NULL;

	for (struct json *m = json_first(arr); format && m; m = json_next(m)) {
		if (tpl_run(format, m, stdout) < 0)
			die_err();
		putchar('\n');
	}
	if (format)
		return;
	s = json_print(arr, true);
	puts(s);
}

/* inspect [--type T] NAME...: type is what a bare NAME may be. */
static int inspect_run(char **argv, const char *type)
{
	struct inspect_opts o = { .type = type };
	struct store *st = NULL;
	struct strv missing = { 0 };
	bool failed = false;
	struct json *arr;
	char **args;

	args = opt_parse(inspect_optv, &o, argv);
	if (!args[0])
		die("give at least one name (usage: dory inspect [-f FORMAT] NAME...)");
	if (o.type && strcmp(o.type, "image") && strcmp(o.type, "container"))
		die("\"%s\" is not a valid value for --type (use container or image)", o.type);
	if (o.format && tpl_run(o.format, NULL, NULL) < 0)
		die_err();
	arr = json_new_arr();
	for (; *args; args++) {
		int rc = inspect_one(&st, *args, o.type, arr);

		if (rc == -ENOENT)
			strv_push(&missing, *args);
		else if (rc < 0)
			warn("%s", err_str());
		failed |= rc < 0 && rc != -ENOENT;
	}
	store_close(st);
	inspect_print(o.format, arr);
	json_free(arr);
	out_flush();
	/* Docker's words and status for the names it does not know, after
	 * the objects found ("[]" when none is). */
	for (size_t i = 0; i < missing.n; i++)
		fprintf(stderr, "Error: No such %s: %s\n", o.type ? o.type : "object", missing.v[i]);
	return failed ? dory.fail_code : missing.n ? 1 : 0;
}

int inspect_main(int argc, char **argv)
{
	(void)argc;
	return inspect_run(argv, NULL);
}

static int image_inspect_main(int argc, char **argv)
{
	(void)argc;
	return inspect_run(argv, "image");
}

/* ---- image prune ---- */

struct prune_opts {
	bool all, force;
};

static const struct opt prune_optv[] = {
	OPT_BOOL('a', "all", offsetof(struct prune_opts, all)),
	OPT_BOOL('f', "force", offsetof(struct prune_opts, force)),
	OPT_END
};

/* What went, in Docker's words: the names, then the ID of each image. */
static void prune_report(const struct imgs *before, const struct strv *after)
{
	size_t n = 0;

	for (size_t i = 0; i < before->n; i++) {
		const struct img *im = &before->v[i];
		const struct json *rd = json_get(im->rec, "repo_digests");

		if (strv_has(after, im->id))
			continue;
		if (!n++)
			puts("Deleted Images:");
		for (size_t k = 0; k < im->tags.n; k++) {
			autofree char *s = ref_short(im->tags.v[k]);

			printf("untagged: %s\n", s);
		}
		for (int k = 0; k < json_arr_len(rd); k++) {
			autofree char *s = json_str(json_arr_at(rd, k)) ?
					   ref_short(json_str(json_arr_at(rd, k))) : NULL;

			if (s)
				printf("untagged: %s\n", s);
		}
		printf("deleted: %s\n", im->id);
	}
	if (n)
		putchar('\n');
}

/* Remove the dangling images (all unused ones with all), say which:
 * the bytes freed. */
static unsigned long long prune_images(bool all)
{
	struct store_gc_stats gs;
	struct strv after = { 0 };
	struct store *st = open_store();
	struct imgs before;

	if (imgs_load(st, &before) < 0 ||
	    store_gc(st, all ? STORE_GC_UNUSED : STORE_GC_DANGLING, &gs) < 0 ||
	    store_images_list(st, &after) < 0)
		die_err();
	store_close(st);
	prune_report(&before, &after);
	imgs_free(&before);
	strv_free(&after);
	return gs.bytes;
}

static int prune_main(int argc, char **argv)
{
	struct prune_opts o = { 0 };
	char size[SIZE_LEN], **args;

	(void)argc;
	args = opt_parse(prune_optv, &o, argv);
	if (args[0])
		die("unexpected argument \"%s\" (usage: dory image prune [-a] [-f])", args[0]);
	if (!o.force && !confirm_prune(o.all ? "all images without at least one container "
					      "associated to them" : "all dangling images"))
		return 0;
	str_size(size, sizeof(size), prune_images(o.all), 4, false);
	printf("Total reclaimed space: %s\n", size);
	return out_flush();
}

/* ---- system prune ---- */

struct sysprune_opts {
	bool all, force, volumes;
};

static const struct opt sysprune_optv[] = {
	OPT_BOOL('a', "all", offsetof(struct sysprune_opts, all)),
	OPT_BOOL('f', "force", offsetof(struct sysprune_opts, force)),
	OPT_BOOL(0, "volumes", offsetof(struct sysprune_opts, volumes)),
	OPT_END
};

/* One name under a "Deleted THINGS:" header printed before the first. */
static void sysprune_said(size_t *n, const char *what, const char *name)
{
	if (!(*n)++)
		printf("Deleted %s:\n", what);
	puts(name);
}

/* The containers that do not run: the bytes they wrote. */
static unsigned long long sysprune_containers(void)
{
	struct strv ids = { 0 };
	unsigned long long bytes = 0;
	size_t n = 0;

	if (ctr_list(&ids) < 0)
		die_err();
	for (size_t i = 0; i < ids.n; i++) {
		struct ctr_state s;
		long long rw = ctr_size_rw(ids.v[i]);
		bool active;

		if (ctr_state_load(ids.v[i], false, &s) < 0) {
			err_clear();	/* removed meanwhile */
			continue;
		}
		active = ctr_active(&s);
		ctr_state_clear(&s);
		if (active || ctr_delete(ids.v[i], false) < 0) {
			err_clear();	/* started meanwhile: kept, as Docker's */
			continue;
		}
		bytes += (unsigned long long)rw;
		sysprune_said(&n, "Containers", ids.v[i]);
	}
	if (n)
		putchar('\n');
	strv_free(&ids);
	return bytes;
}

/* The networks of the user's that no container is on. */
static void sysprune_networks(void)
{
	struct net_cfg *v;
	size_t nv, n = 0;

	if (net_list(&v, &nv) < 0)
		die_err();
	for (size_t i = 0; i < nv; i++) {
		if (net_is_builtin(&v[i]) || net_remove(v[i].id) < 0) {
			err_clear();	/* in use: kept */
			continue;
		}
		sysprune_said(&n, "Networks", v[i].name);
	}
	if (n)
		putchar('\n');
	net_list_free(v, nv);
}

/* The anonymous volumes no container names: the bytes of their data. */
static unsigned long long sysprune_volumes(void)
{
	struct ctr_vol_usage *v;
	unsigned long long bytes = 0;
	size_t nv, n = 0;

	if (ctr_vol_usage(&v, &nv) < 0)
		die_err();
	for (size_t i = 0; i < nv; i++) {
		if (v[i].links || !vol_name_anonymous(v[i].name) ||
		    vol_remove(v[i].name, ctr_vol_busy, NULL) < 0) {
			err_clear();
			continue;
		}
		bytes += v[i].bytes > 0 ? (unsigned long long)v[i].bytes : 0;
		sysprune_said(&n, "Volumes", v[i].name);
	}
	if (n)
		putchar('\n');
	ctr_vol_usage_free(v, nv);
	return bytes;
}

/* Docker's system prune: stopped containers, unused networks, dangling
 * images (-a: unused ones), with --volumes unused anonymous volumes. */
static int sysprune_main(int argc, char **argv)
{
	struct sysprune_opts o = { 0 };
	unsigned long long bytes = 0;
	char what[320], size[SIZE_LEN];

	(void)argc;
	if (opt_parse(sysprune_optv, &o, argv)[0])
		die("unexpected argument (usage: dory system prune [-a] [-f] [--volumes])");
	snprintf(what, sizeof(what), ":\n  - all stopped containers\n  - all networks not used by "
		 "at least one container\n%s  - %s\n  - unused build cache\n",
		 o.volumes ? "  - all anonymous volumes not used by at least one container\n" : "",
		 o.all ? "all images without at least one container associated to them" :
		 "all dangling images");
	if (!o.force && !confirm_prune(what))
		return 0;
	if (CFG_CORE_RUNTIME) {
		bytes += sysprune_containers();
		sysprune_networks();
		if (o.volumes)
			bytes += sysprune_volumes();
	}
	bytes += prune_images(o.all);
	str_size(size, sizeof(size), bytes, 4, false);
	printf("Total reclaimed space: %s\n", size);
	return out_flush();
}

/* ---- system df ---- */

struct df_opts {
	bool verbose;
	const char *format;
};

static const struct opt df_optv[] = {
	OPT_BOOL('v', "verbose", offsetof(struct df_opts, verbose)),
	OPT_STR(0, "format", offsetof(struct df_opts, format)),
	OPT_END
};

/* One type's usage: Docker's DiskUsage row. */
struct df_row {
	unsigned total, active;
	unsigned long long size, reclaimable;
};

/* Docker's RECLAIMABLE: "SIZE (PCT%)" once there is anything. */
static void df_reclaim(const struct df_row *r, char *buf, size_t len)
{
	char s[SIZE_LEN];

	str_size(s, sizeof(s), r->reclaimable, 4, false);
	if (r->size)
		snprintf(buf, len, "%s (%llu%%)", s, r->reclaimable * 100 / r->size);
	else
		snprintf(buf, len, "%s", s);
}

static struct json *df_json(const char *type, const struct df_row *r)
{
	struct json *o = json_new_obj();
	char n[24], size[SIZE_LEN], recl[48];

	json_add_str(o, "Type", type);
	snprintf(n, sizeof(n), "%u", r->total);
	json_add_str(o, "TotalCount", n);
	snprintf(n, sizeof(n), "%u", r->active);
	json_add_str(o, "Active", n);
	str_size(size, sizeof(size), r->size, 4, false);
	json_add_str(o, "Size", size);
	df_reclaim(r, recl, sizeof(recl));
	json_add_str(o, "Reclaimable", recl);
	return o;
}

/* Print rows through a --format template, or format's default table. */
static void df_print(const char *format, const char *deflt, const char *const (*head)[2],
		     size_t nhead, struct json **rows, size_t n)
{
	struct json *h = json_new_pairs(head, nhead);
	struct tpl_list l;

	if (tpl_list_begin(&l, format ? format : deflt, deflt + strlen("table "), h, stdout) < 0)
		die_err();
	json_free(h);
	for (size_t i = 0; i < n; i++) {
		if (tpl_list_row(&l, rows[i]) < 0)
			die_err();
		json_free(rows[i]);
	}
	if (tpl_list_end(&l) < 0)
		die_err();
}

/* The images: total, those a container holds, their size and what
 * 'image prune -a' frees. */
static void df_images(struct df_row *r)
{
	struct store_gc_stats gs;
	struct store_df df;
	struct store *st = open_store();

	if (store_df(st, &df) < 0 || store_gc(st, STORE_GC_UNUSED | STORE_GC_DRY_RUN, &gs) < 0)
		die_err();
	store_close(st);
	r->total = df.images;
	r->active = df.images_held;
	r->size = df.blob_bytes + df.layer_bytes + df.partial_bytes;
	/* tmp/ leftovers are not in the total */
	r->reclaimable = gs.bytes > r->size ? r->size : gs.bytes;
}

/* The containers: running ones are active; what the others wrote is
 * reclaimable (rm). With rows, one per container for -v. */
static void df_containers(struct df_row *r, struct json ***rows, size_t *n, struct strv *images)
{
	struct strv ids = { 0 };
	long long now = (long long)time(NULL) * 1000000000LL;

	if (CFG_CORE_RUNTIME && ctr_list(&ids) < 0)
		die_err();
	*rows = xzalloc((ids.n + 1) * sizeof(**rows));
	for (size_t i = 0; CFG_CORE_RUNTIME && i < ids.n; i++) {
		struct ctr_config c;
		struct ctr_state s;
		long long rw = ctr_size_rw(ids.v[i]);
		char buf[SIZE_LEN];
		size_t vols = 0;

		if (ctr_config_load(ids.v[i], &c) < 0 || ctr_state_load(ids.v[i], false, &s) < 0) {
			err_clear();	/* removed meanwhile */
			continue;
		}
		r->total++;
		r->size += (unsigned long long)rw;
		if (s.status == CTR_RUNNING || s.status == CTR_PAUSED)
			r->active++;
		else
			r->reclaimable += (unsigned long long)rw;
		for (size_t k = 0; k < c.nmounts; k++)
			vols += c.mounts[k].type == VOL_MOUNT_VOLUME;
		if (c.image_id)
			strv_push(images, c.image_id);
		(*rows)[*n] = ctr_ps_row(&c, &s, now, true);
		snprintf(buf, sizeof(buf), "%zu", vols);
		json_add_str((*rows)[*n], "LocalVolumes", buf);
		str_size(buf, sizeof(buf), (unsigned long long)rw, 3, false);
		json_add_str((*rows)[(*n)++], "Size", buf);
		ctr_state_clear(&s);
		ctr_config_clear(&c);
	}
	strv_free(&ids);
}

/* The local volumes: named by a container, active; the data of the
 * others is reclaimable (volume prune -a). */
static void df_volumes(struct df_row *r, struct json ***rows, size_t *n)
{
	struct ctr_vol_usage *v = NULL;
	size_t nv = 0;

	if (CFG_CORE_RUNTIME && ctr_vol_usage(&v, &nv) < 0)
		die_err();
	*rows = xzalloc((nv + 1) * sizeof(**rows));
	for (size_t i = 0; i < nv; i++) {
		unsigned long long b = v[i].bytes > 0 ? (unsigned long long)v[i].bytes : 0;
		char buf[SIZE_LEN];

		r->total++;
		r->size += b;
		r->active += v[i].links > 0;
		r->reclaimable += v[i].links ? 0 : b;
		(*rows)[*n] = json_new_obj();
		json_add_str((*rows)[*n], "Name", v[i].name);
		snprintf(buf, sizeof(buf), "%u", v[i].links);
		json_add_str((*rows)[*n], "Links", buf);
		if (v[i].bytes < 0)
			snprintf(buf, sizeof(buf), "N/A");
		else
			str_size(buf, sizeof(buf), b, 3, false);
		json_add_str((*rows)[(*n)++], "Size", buf);
	}
	ctr_vol_usage_free(v, nv);
}

/* How many of the images in l have layer chain. */
static unsigned df_layer_users(const struct imgs *l, const char *chain)
{
	unsigned n = 0;

	for (size_t i = 0; i < l->n; i++) {
		const struct json *ls = json_get(l->v[i].rec, "layers");

		for (int k = 0; k < json_arr_len(ls); k++) {
			const char *c = json_get_str(json_arr_at(ls, k), "chain_id");

			if (c && !strcmp(c, chain)) {
				n++;
				break;
			}
		}
	}
	return n;
}

/* Bytes of im's layers that another image has too (Docker's SHARED SIZE). */
static unsigned long long df_shared(struct store *st, const struct imgs *l, const struct img *im)
{
	const struct json *ls = json_get(im->rec, "layers");
	unsigned long long sum = 0;

	for (int i = 0; i < json_arr_len(ls); i++) {
		const char *chain = json_get_str(json_arr_at(ls, i), "chain_id");
		struct json *meta = chain && df_layer_users(l, chain) > 1 ?
				    store_layer_meta(st, chain) : NULL;
		long long n;

		if (json_get_i64(meta, "size", &n) && n > 0)
			sum += (unsigned long long)n;
		json_free(meta);
	}
	err_clear();
	return sum;
}

/* One -v row per tag of im (or <none>), with users the containers of it. */
static void df_image_rows(struct store *st, const struct imgs *l, const struct img *im,
			  unsigned users, struct table *t)
{
	unsigned long long size = img_size(st, im->rec), shared = df_shared(st, l, im);
	char created[32] = "N/A", sz[SIZE_LEN], sh[SIZE_LEN], un[SIZE_LEN], id[SHORT_ID + 1];
	char n[16];
	const char *row[8] = { "<none>", "<none>", id, created, sz, sh, un, n };

	snprintf(id, sizeof(id), "%s", im->id + 7);
	if (im->created >= 0) {
		str_human_duration((long long)time(NULL) - im->created, created,
				   sizeof(created) - 4);
		strcat(created, " ago");
	}
	str_size(sz, sizeof(sz), size, 3, false);
	str_size(sh, sizeof(sh), shared, 3, false);
	str_size(un, sizeof(un), size - shared, 3, false);
	snprintf(n, sizeof(n), "%u", users);
	for (size_t i = 0; i < im->tags.n; i++) {
		const char *tag;
		autofree char *repo = ref_split(im->tags.v[i], &tag);

		row[0] = repo;
		row[1] = tag;
		table_row(t, row);
	}
	if (!im->tags.n)
		table_row(t, row);
}

/* -v: Docker's images section; users: the image ids containers have. */
static void df_images_verbose(const struct strv *users)
{
	static const char *const head[] = { "REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE",
					    "SHARED SIZE", "UNIQUE SIZE", "CONTAINERS" };
	struct table t = { .ncol = 8 };
	struct store *st = open_store();
	struct imgs l;

	if (imgs_load(st, &l) < 0)
		die_err();
	table_row(&t, head);
	for (size_t i = 0; i < l.n; i++) {
		unsigned n = 0;

		for (size_t k = 0; k < users->n; k++)
			n += !strcmp(users->v[k], l.v[i].id);
		df_image_rows(st, &l, &l.v[i], n, &t);
	}
	fputs("Images space usage:\n\n", stdout);
	table_print(&t);
	imgs_free(&l);
	store_close(st);
}

/* -v: Docker's sections, containers and volumes a row each. */
static void df_verbose(struct json **crows, size_t nc, struct json **vrows, size_t nv)
{
	static const char *const ch[][2] = {
		{ "ID", "CONTAINER ID" }, { "Image", "IMAGE" }, { "Command", "COMMAND" },
		{ "LocalVolumes", "LOCAL VOLUMES" }, { "Size", "SIZE" }, { "RunningFor", "CREATED" },
		{ "Status", "STATUS" }, { "Names", "NAMES" },
	};
	static const char *const vh[][2] = {
		{ "Name", "VOLUME NAME" }, { "Links", "LINKS" }, { "Size", "SIZE" },
	};

	fputs("\nContainers space usage:\n\n", stdout);
	df_print(NULL, "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t"
		 "{{.RunningFor}}\t{{.Status}}\t{{.Names}}", ch, ARRAY_SIZE(ch), crows, nc);
	fputs("\nLocal Volumes space usage:\n\n", stdout);
	df_print(NULL, "table {{.Name}}\t{{.Links}}\t{{.Size}}", vh, ARRAY_SIZE(vh), vrows, nv);
	fputs("\nBuild cache usage: 0B\n", stdout);
}

static int df_main(int argc, char **argv)
{
	static const char *const head[][2] = {
		{ "Type", "TYPE" }, { "TotalCount", "TOTAL" }, { "Active", "ACTIVE" },
		{ "Size", "SIZE" }, { "Reclaimable", "RECLAIMABLE" },
	};
	struct df_row img = { 0 }, ctr = { 0 }, vol = { 0 }, cache = { 0 };
	struct json **crows, **vrows, *rows[4];
	struct df_opts o = { 0 };
	struct strv images = { 0 };
	size_t nc = 0, nv = 0;

	(void)argc;
	if (opt_parse(df_optv, &o, argv)[0])
		die("unexpected argument (usage: dory system df [-v] [--format FORMAT])");
	df_images(&img);
	df_containers(&ctr, &crows, &nc, &images);
	df_volumes(&vol, &vrows, &nv);
	if (o.verbose && !o.format) {
		df_images_verbose(&images);
		df_verbose(crows, nc, vrows, nv);
	} else {
		for (size_t i = 0; i < nc; i++)
			json_free(crows[i]);
		for (size_t i = 0; i < nv; i++)
			json_free(vrows[i]);
		rows[0] = df_json("Images", &img);
		rows[1] = df_json("Containers", &ctr);
		rows[2] = df_json("Local Volumes", &vol);
		rows[3] = df_json("Build Cache", &cache);
		df_print(o.format, "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t"
			 "{{.Reclaimable}}", head, ARRAY_SIZE(head), rows, 4);
	}
	free(crows);
	free(vrows);
	strv_free(&images);
	return out_flush();
}

/* ---- image and system: Docker's management commands ---- */

struct subcmd {
	const char *name, *label;	/* label: the applet name in messages */
	int (*main)(int argc, char **argv);
};

static const struct subcmd image_cmds[] = {
	{ "inspect", "image inspect", image_inspect_main },
	{ "list", "image ls", images_main },
	{ "ls", "image ls", images_main },
	{ "prune", "image prune", prune_main },
	{ "remove", "image rm", rmi_main },
	{ "rm", "image rm", rmi_main },
	{ "tag", "image tag", tag_main },
};

static const struct subcmd system_cmds[] = {
	{ "df", "system df", df_main },
	{ "prune", "system prune", sysprune_main },
};

static int subcmd_run(const struct subcmd *v, size_t n, int argc, char **argv)
{
	const char *family = dory.applet;

	if (argc < 2 || argv[1][0] == '-')
		die("give a command (see 'dory %s --help')", family);
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(argv[1], v[i].name)) {
			dory.applet = v[i].label;
			return v[i].main(argc - 1, argv + 1);
		}
	}
	die("'%s' is not a dory %s command (see 'dory %s --help')", argv[1], family, family);
}

int image_main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "pull")) {
		IF_APPLET_PULL(dory.applet = "image pull"; dory.help = HELP_APPLET_PULL;
			       return pull_main(argc - 1, argv + 1);)
	}
	return subcmd_run(image_cmds, ARRAY_SIZE(image_cmds), argc, argv);
}

int system_main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "info")) {
		IF_APPLET_INFO(dory.applet = "system info"; dory.help = HELP_APPLET_INFO;
			       return info_main(argc - 1, argv + 1);)
	}
	return subcmd_run(system_cmds, ARRAY_SIZE(system_cmds), argc, argv);
}
