// SPDX-License-Identifier: Apache-2.0
/* store_gc.c - garbage collection (mark from image records and holds, then
 * sweep blobs, layers, partials, tmp/) and the sizes behind `system df`. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "core/store/store_int.h"
#include "core/util/err.h"
#include "core/util/json.h"
#include "core/util/lock.h"
#include "core/util/xalloc.h"

struct gc {
	struct store *st;
	unsigned flags;
	struct store_gc_stats *stats;
	struct strv held;	/* digests named by holds/ */
	struct strv blobs;	/* blob digests to keep */
	struct strv layers;	/* chain IDs to keep */
	struct json *tags;
	bool tags_changed;
};

static int gc_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void gc_sort(struct strv *v)
{
	if (v->n)
		qsort(v->v, v->n, sizeof(char *), gc_cmp);
}

/* Membership in a sorted vector. */
static bool gc_has(const struct strv *v, const char *s)
{
	return v->n && bsearch(&s, v->v, v->n, sizeof(char *), gc_cmp);
}

/* Push s unless it is there (linear: only for the small keep lists
 * while they are built). */
static void gc_add(struct strv *v, const char *s)
{
	if (!sha256_is_digest(s))
		return;
	for (size_t i = 0; i < v->n; i++) {
		if (!strcmp(v->v[i], s))
			return;
	}
	strv_push(v, s);
}

static bool gc_is_tagged(const struct gc *g, const char *id)
{
	for (struct json *m = json_first(g->tags); m; m = json_next(m)) {
		const char *v = json_str(m);

		if (v && !strcmp(v, id))
			return true;
	}
	return false;
}

/* Keep everything image record rec references. */
static void gc_mark_image(struct gc *g, const char *id, const struct json *rec)
{
	const struct json *layers = json_get(rec, "layers");

	gc_add(&g->blobs, id);
	gc_add(&g->blobs, json_get_str(rec, "manifest"));
	gc_add(&g->blobs, json_get_str(rec, "index"));
	for (int i = 0; i < json_arr_len(layers); i++) {
		const struct json *l = json_arr_at(layers, i);
		const char *chain = json_get_str(l, "chain_id");

		gc_add(&g->layers, chain);
		/* Without keep_layer_blobs a blob whose layer is unpacked goes. */
		if (g->st->keep_layer_blobs || !store_layer_has(g->st, chain))
			gc_add(&g->blobs, json_get_str(l, "digest"));
	}
}

/* Drop the record of image id (and, under UNUSED, its tags). */
static int gc_drop_image(struct gc *g, const char *id)
{
	struct json *m, *next;
	char name[SHA256_HEX + 8];

	for (m = json_first(g->tags); m; m = next) {
		next = json_next(m);
		if (json_str(m) && !strcmp(json_str(m), id)) {
			json_del(g->tags, json_key(m));
			g->tags_changed = true;
		}
	}
	g->stats->images++;
	if (g->flags & STORE_GC_DRY_RUN)
		return 0;
	snprintf(name, sizeof(name), "%s.json", id + 7);
	if (unlinkat(g->st->imagefd, name, 0) < 0 && errno != ENOENT)
		return err_set(errno, "remove %s/images/%s", g->st->root, name);
	return 0;
}

/* Decide each image's fate and mark what the survivors use. Tags go
 * before their records (a tag never points at nothing). */
static int gc_images(struct gc *g)
{
	struct strv ids = { 0 }, drop = { 0 };
	int r = store_images_list(g->st, &ids);

	for (size_t i = 0; r == 0 && i < ids.n; i++) {
		const char *id = ids.v[i];
		bool held = gc_has(&g->held, id), tagged = gc_is_tagged(g, id);
		struct json *rec;

		if (!held && ((g->flags & STORE_GC_UNUSED) ||
			      ((g->flags & STORE_GC_DANGLING) && !tagged))) {
			strv_push(&drop, id);
			continue;
		}
		rec = store_image_get(g->st, id);
		if (!rec) {
			err_hint("remove it with 'dory rmi -f %s' first", id);
			r = -err_errno();
			break;
		}
		gc_mark_image(g, id, rec);
		json_free(rec);
	}
	for (size_t i = 0; r == 0 && i < drop.n; i++)
		r = gc_drop_image(g, drop.v[i]);
	if (r == 0 && g->tags_changed && !(g->flags & STORE_GC_DRY_RUN))
		r = store_tags_write(g->st, g->tags);
	if (r == 0 && drop.n && !(g->flags & STORE_GC_DRY_RUN))
		r = store_fsync_dir(g->st->imagefd, "images");
	strv_free(&ids);
	strv_free(&drop);
	return r;
}

/* Keep the parents of kept layers too (images list all their layers, but a
 * hold written by older code might not). */
static void gc_mark_parents(struct gc *g)
{
	for (size_t i = 0; i < g->layers.n; i++) {
		struct json *meta = store_layer_meta(g->st, g->layers.v[i]);

		gc_add(&g->layers, json_get_str(meta, "parent"));
		json_free(meta);
	}
	err_clear();	/* a missing layer has no parents to keep */
}

static int gc_sweep_blobs(struct gc *g)
{
	struct store *st = g->st;
	struct strv names = { 0 };
	int r = store_list_dir(st, st->blobfd, "blobs/sha256", &names);

	for (size_t i = 0; r == 0 && i < names.n; i++) {
		char d[DIGEST_STRLEN];
		struct stat sb;

		snprintf(d, sizeof(d), "sha256:%s", names.v[i]);
		if (!store_is_hex(names.v[i]) || gc_has(&g->blobs, d) ||
		    fstatat(st->blobfd, names.v[i], &sb, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (!(g->flags & STORE_GC_DRY_RUN) && unlinkat(st->blobfd, names.v[i], 0) < 0) {
			r = err_set(errno, "remove %s/blobs/sha256/%s", st->root, names.v[i]);
			break;
		}
		g->stats->blobs++;
		g->stats->bytes += (unsigned long long)sb.st_size;
	}
	strv_free(&names);
	if (r == 0 && g->stats->blobs && !(g->flags & STORE_GC_DRY_RUN))
		r = store_fsync_dir(st->blobfd, "blobs/sha256");
	return r;
}

/* Take layers/HEX out of the store in one rename, then remove it at leisure
 * from tmp/ (a crash in between leaves only a tmp/ leftover). */
static int gc_drop_layer(struct gc *g, const char *hex)
{
	struct store *st = g->st;
	char tname[STORE_TMPNAME];

	snprintf(tname, sizeof(tname), "gc-%s", hex);
	if (store_rmtree_at(st->tmpfd, tname, NULL) < 0)
		return -err_errno();
	if (renameat(st->layerfd, hex, st->tmpfd, tname) < 0)
		return err_set(errno, "move %s/layers/%s to tmp/", st->root, hex);
	if (store_fsync_dir(st->layerfd, "layers") < 0)
		return -err_errno();
	return store_rmtree_at(st->tmpfd, tname, &g->stats->bytes);
}

static int gc_sweep_layers(struct gc *g)
{
	struct store *st = g->st;
	struct strv names = { 0 };
	int r = store_list_dir(st, st->layerfd, "layers", &names);

	for (size_t i = 0; r == 0 && i < names.n; i++) {
		char chain[DIGEST_STRLEN];
		long long size = 0;

		snprintf(chain, sizeof(chain), "sha256:%s", names.v[i]);
		if (!store_is_hex(names.v[i]) || gc_has(&g->layers, chain))
			continue;
		if (g->flags & STORE_GC_DRY_RUN) {
			struct json *meta = store_layer_meta(st, chain);

			if (json_get_i64(meta, "size", &size) && size > 0)
				g->stats->bytes += (unsigned long long)size;
			json_free(meta);
			err_clear();
		} else if ((r = gc_drop_layer(g, names.v[i])) < 0) {
			err_ctx("remove layer %s", chain);
			break;
		}
		g->stats->layers++;
	}
	strv_free(&names);
	return r;
}

/* Every entry of dirfd goes (partials, tmp/): nobody else is in the store. */
static int gc_sweep_all(struct gc *g, int dirfd, const char *dname, unsigned *count)
{
	struct strv names = { 0 };
	int r = store_list_dir(g->st, dirfd, dname, &names);

	for (size_t i = 0; r == 0 && i < names.n; i++) {
		struct stat sb;

		if (g->flags & STORE_GC_DRY_RUN) {
			if (fstatat(dirfd, names.v[i], &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISREG(sb.st_mode))
				g->stats->bytes += (unsigned long long)sb.st_size;
		} else if ((r = store_rmtree_at(dirfd, names.v[i], &g->stats->bytes)) < 0) {
			err_ctx("%s/%s", g->st->root, dname);
			break;
		}
		(*count)++;
	}
	strv_free(&names);
	return r;
}

static int gc_run(struct gc *g)
{
	struct store *st = g->st;
	int r;

	if (store_holds_digests(st, &g->held) < 0)
		return -err_errno();
	gc_sort(&g->held);
	g->tags = store_tags_get(st);
	if (!g->tags)
		return -err_errno();
	r = gc_images(g);
	if (r < 0)
		return r;
	for (size_t i = 0; i < g->held.n; i++) {
		gc_add(&g->blobs, g->held.v[i]);	/* a held image's config */
		gc_add(&g->layers, g->held.v[i]);
	}
	gc_mark_parents(g);
	gc_sort(&g->blobs);
	gc_sort(&g->layers);
	if (gc_sweep_blobs(g) < 0 || gc_sweep_layers(g) < 0 ||
	    gc_sweep_all(g, st->partfd, "blobs/partial", &g->stats->partials) < 0 ||
	    gc_sweep_all(g, st->tmpfd, "tmp", &g->stats->tmp) < 0)
		return -err_errno();
	return 0;
}

int store_gc(struct store *st, unsigned flags, struct store_gc_stats *stats)
{
	struct store_gc_stats dummy;
	struct gc g = { .st = st, .flags = flags, .stats = stats ? stats : &dummy };
	bool excl = !(flags & STORE_GC_DRY_RUN);
	int r;

	memset(g.stats, 0, sizeof(*g.stats));
	if (excl && store_lock_excl(st, flags & STORE_GC_TRY ? LOCK_TRY : 0) < 0)
		return err_ctx("clean up the store");
	r = gc_run(&g);
	if (excl)
		store_lock_shared(st);
	strv_free(&g.held);
	strv_free(&g.blobs);
	strv_free(&g.layers);
	json_free(g.tags);
	return r < 0 ? err_ctx("clean up the store %s", st->root) : 0;
}

/* ---- df ---- */

/* Count the regular files (blobs, partials) in dirfd and their bytes. */
static int df_files(struct store *st, int dirfd, const char *dname, unsigned *n,
		    unsigned long long *bytes)
{
	struct strv names = { 0 };
	int r = store_list_dir(st, dirfd, dname, &names);

	for (size_t i = 0; r == 0 && i < names.n; i++) {
		struct stat sb;

		if (fstatat(dirfd, names.v[i], &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(sb.st_mode)) {
			(*n)++;
			*bytes += (unsigned long long)sb.st_size;
		}
	}
	strv_free(&names);
	return r;
}

static int df_layers(struct store *st, struct store_df *df)
{
	struct strv names = { 0 };
	int r = store_list_dir(st, st->layerfd, "layers", &names);

	for (size_t i = 0; r == 0 && i < names.n; i++) {
		char chain[DIGEST_STRLEN];
		struct json *meta;
		long long size;

		snprintf(chain, sizeof(chain), "sha256:%s", names.v[i]);
		if (!store_is_hex(names.v[i]) || !store_layer_has(st, chain))
			continue;
		df->layers++;
		meta = store_layer_meta(st, chain);
		if (json_get_i64(meta, "size", &size) && size > 0)
			df->layer_bytes += (unsigned long long)size;
		json_free(meta);
	}
	strv_free(&names);
	if (r == 0)
		err_clear();	/* a damaged meta.json only leaves its size out */
	return r;
}

int store_df(struct store *st, struct store_df *df)
{
	struct strv ids = { 0 }, held = { 0 };
	int r;

	memset(df, 0, sizeof(*df));
	r = store_images_list(st, &ids);
	if (r == 0)
		r = store_holds_digests(st, &held);
	gc_sort(&held);
	for (size_t i = 0; r == 0 && i < ids.n; i++)
		df->images_held += gc_has(&held, ids.v[i]);
	df->images = (unsigned)ids.n;
	strv_free(&ids);
	strv_free(&held);
	if (r == 0)
		r = df_files(st, st->blobfd, "blobs/sha256", &df->blobs, &df->blob_bytes);
	if (r == 0)
		r = df_files(st, st->partfd, "blobs/partial", &df->partials, &df->partial_bytes);
	if (r == 0)
		r = df_layers(st, df);
	return r < 0 ? err_ctx("measure the store %s", st->root) : 0;
}
