// SPDX-License-Identifier: Apache-2.0
/* store_image.c - image records (images/ID.json), tags (repositories.json),
 * name resolution and holds. Parsing references is the registry code's job. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "core/store/store_int.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/json.h"
#include "core/util/xalloc.h"

enum {
	IMAGE_MAX = 1024 * 1024,	/* an image record; Docker configs are far smaller */
	TAGS_MAX = 4 * 1024 * 1024,
	HOLD_MAX = 64 * 1024,
	HOLD_NAME_MAX = 128,
	REF_MAX = 512,
};

/* images/HEX.json for a checked digest. */
static void image_file(char out[SHA256_HEX + 8], const char *id)
{
	snprintf(out, SHA256_HEX + 8, "%s.json", id + 7);
}

/* The config blob and every layer of record are in the store. */
static int image_check_content(struct store *st, const char *id, const struct json *record)
{
	const struct json *layers = json_get(record, "layers");

	if (!store_has_blob(st, id))
		return err_setx(ENOENT, "the config blob of image %s is not in the store", id);
	if (layers && !json_is_arr(layers))
		return err_setx(EINVAL, "image record %s: \"layers\" is not an array", id);
	for (int i = 0; i < json_arr_len(layers); i++) {
		const char *chain = json_get_str(json_arr_at(layers, i), "chain_id");

		if (!store_hex(chain, "layer chain ID"))
			return err_ctx("image record %s", id);
		if (!store_layer_has(st, chain))
			return err_setx(ENOENT, "layer %s of image %s is not in the store", chain,
					id);
	}
	return 0;
}

int store_image_put(struct store *st, const struct json *record)
{
	const char *id = json_get_str(record, "id"), *config = json_get_str(record, "config");
	char name[SHA256_HEX + 8];

	if (!store_hex(id, "image ID"))
		return err_ctx("image record");
	if (config && strcmp(config, id))
		return err_setx(EINVAL, "image record %s names config %s: the ID must be the "
				"config digest", id, config);
	if (image_check_content(st, id, record) < 0)
		return err_ctx("store image");
	image_file(name, id);
	if (store_write_json(st, st->imagefd, "images", name, record) < 0)
		return err_ctx("store image %s", id);
	return 0;
}

struct json *store_image_get(struct store *st, const char *id)
{
	char name[SHA256_HEX + 8];
	struct json *j;

	if (!store_hex(id, "image ID"))
		return NULL;
	image_file(name, id);
	j = store_read_json(st, st->imagefd, "images", name, IMAGE_MAX);
	if (!j && err_errno() == ENOENT)
		err_setx(ENOENT, "no such image: %s", id);
	return j;
}

static int image_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int store_images_list(struct store *st, struct strv *ids)
{
	struct strv names = { 0 };
	size_t first = ids->n;

	if (store_list_dir(st, st->imagefd, "images", &names) < 0)
		return -err_errno();
	for (size_t i = 0; i < names.n; i++) {
		const char *n = names.v[i];
		char hex[SHA256_HEX + 1];

		if (strlen(n) != SHA256_HEX + 5 || strcmp(n + SHA256_HEX, ".json"))
			continue;
		snprintf(hex, sizeof(hex), "%s", n);
		if (store_is_hex(hex))
			strv_push_take(ids, xasprintf("sha256:%s", hex));
	}
	strv_free(&names);
	if (ids->n > first)
		qsort(ids->v + first, ids->n - first, sizeof(char *), image_cmp);
	return 0;
}

/* ---- tags ---- */

struct json *store_tags_get(struct store *st)
{
	struct json *j = store_read_json(st, st->rootfd, "", "repositories.json", TAGS_MAX);

	if (!j && err_errno() == ENOENT) {
		err_clear();
		return json_new_obj();
	}
	if (j && !json_is_obj(j)) {
		json_free(j);
		err_setx(EBADMSG, "%s/repositories.json is not a JSON object", st->root);
		j = NULL;
	}
	if (!j)
		err_hint("restore it or remove it and tag the images again");
	return j;
}

static int tag_check_ref(const char *ref)
{
	size_t n = ref ? strlen(ref) : 0;

	if (n == 0 || n > REF_MAX)
		return err_setx(EINVAL, "invalid image reference \"%s\"", ref ? ref : "");
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)ref[i] <= ' ' || ref[i] == 0x7f)
			return err_setx(EINVAL, "invalid image reference \"%s\"", ref);
	}
	return 0;
}

/* Write the tags (repositories.json); caller holds records.lock. */
int store_tags_write(struct store *st, const struct json *tags)
{
	if (store_write_json(st, st->rootfd, "", "repositories.json", tags) < 0)
		return err_ctx("update the tags");
	return 0;
}

int store_tag_set(struct store *st, const char *ref, const char *id)
{
	autoclose int lk = -1;
	struct json *tags, *record;
	int r;

	if (tag_check_ref(ref) < 0 || !store_hex(id, "image ID"))
		return -err_errno();
	lk = store_records_lock(st);
	if (lk < 0)
		return lk;
	record = store_image_get(st, id);
	if (!record)
		return err_ctx("tag %s", ref);
	r = image_check_content(st, id, record);
	json_free(record);
	if (r < 0)
		return err_ctx("tag %s", ref);
	tags = store_tags_get(st);
	if (!tags)
		return -err_errno();
	json_del(tags, ref);
	json_add_str(tags, ref, id);
	r = store_tags_write(st, tags);
	json_free(tags);
	return r;
}

int store_tag_del(struct store *st, const char *ref)
{
	autoclose int lk = -1;
	struct json *tags;
	int r;

	if (tag_check_ref(ref) < 0)
		return -err_errno();
	lk = store_records_lock(st);
	if (lk < 0)
		return lk;
	tags = store_tags_get(st);
	if (!tags)
		return -err_errno();
	if (!json_get(tags, ref)) {
		json_free(tags);
		return err_setx(ENOENT, "no such tag: %s", ref);
	}
	json_del(tags, ref);
	r = store_tags_write(st, tags);
	json_free(tags);
	return r;
}

/* ---- resolution ---- */

/* ref as NAME@DIGEST among the records' repo_digests. */
static bool resolve_repo_digest(struct store *st, const char *ref, char id_out[DIGEST_STRLEN])
{
	struct strv ids = { 0 };
	bool found = false;

	if (store_images_list(st, &ids) < 0)
		return false;
	for (size_t i = 0; i < ids.n && !found; i++) {
		struct json *rec = store_image_get(st, ids.v[i]);
		const struct json *rd = json_get(rec, "repo_digests");

		for (int k = 0; k < json_arr_len(rd) && !found; k++) {
			const char *s = json_str(json_arr_at(rd, k));

			if (s && !strcmp(s, ref)) {
				snprintf(id_out, DIGEST_STRLEN, "%s", ids.v[i]);
				found = true;
			}
		}
		json_free(rec);
	}
	strv_free(&ids);
	return found;
}

/* name as "sha256:HEX", HEX, or a unique prefix of HEX. Returns 1 when
 * found, 0 when not, -errno. */
static int resolve_id(struct store *st, const char *name, char id_out[DIGEST_STRLEN])
{
	const char *p = str_has_prefix(name, "sha256:") ? name + 7 : name;
	size_t n = strlen(p), hits = 0;
	struct strv ids = { 0 };

	for (size_t i = 0; i < n; i++) {
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return 0;
	}
	if (n == 0 || n > SHA256_HEX || store_images_list(st, &ids) < 0)
		return n == 0 || n > SHA256_HEX ? 0 : -err_errno();
	for (size_t i = 0; i < ids.n; i++) {
		if (!strncmp(ids.v[i] + 7, p, n) && hits++ == 0)
			snprintf(id_out, DIGEST_STRLEN, "%s", ids.v[i]);
	}
	strv_free(&ids);
	if (hits > 1)
		return err_setx(ENOTUNIQ, "image ID prefix %s is ambiguous: %zu images match (give "
				"more digits)", name, hits);
	return hits == 1;
}

int store_image_resolve(struct store *st, const char *name, const char *ref,
			char id_out[DIGEST_STRLEN])
{
	int r;

	if (ref) {
		struct json *tags = store_tags_get(st);
		const char *id;
		bool hit;

		if (!tags)
			return -err_errno();
		id = json_get_str(tags, ref);
		hit = sha256_is_digest(id);
		if (hit)
			snprintf(id_out, DIGEST_STRLEN, "%s", id);
		json_free(tags);
		if (hit)
			return 0;
		if (strchr(ref, '@') && resolve_repo_digest(st, ref, id_out))
			return 0;
	}
	r = name ? resolve_id(st, name, id_out) : 0;
	if (r < 0)
		return r;
	if (r == 1)
		return 0;
	err_setx(ENOENT, "no such image: %s", name ? name : ref);
	return err_hint("pull or load it first");
}

/* ---- holds ---- */

static bool hold_name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > HOLD_NAME_MAX || name[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

static int hold_check_name(const char *name)
{
	if (hold_name_ok(name))
		return 0;
	return err_setx(EINVAL, "invalid hold name \"%s\"", name ? name : "");
}

/* The digests hold file name lists, one a line, pushed onto out. */
static int hold_read(struct store *st, const char *name, struct strv *out)
{
	autoclose int fd = openat(st->holdfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	autofree char *buf = NULL;
	ssize_t r;

	if (fd < 0)
		return err_set(errno, "open %s/holds/%s", st->root, name);
	buf = xmalloc(HOLD_MAX + 1);
	r = fsutil_read_full(fd, buf, HOLD_MAX);
	if (r < 0)
		return err_set((int)-r, "read %s/holds/%s", st->root, name);
	buf[r] = '\0';
	for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		if (sha256_is_digest(l))
			strv_push(out, l);
	}
	return 0;
}

/* Call fn for each hold file: stops at (and returns) a non-zero result. */
static int holds_each(struct store *st, int (*fn)(struct store *, const char *, void *),
		      void *arg)
{
	struct strv names = { 0 };
	int r = 0;

	if (store_list_dir(st, st->holdfd, "holds", &names) < 0)
		return -err_errno();
	for (size_t i = 0; i < names.n && !r; i++) {
		if (hold_name_ok(names.v[i]))
			r = fn(st, names.v[i], arg);
	}
	strv_free(&names);
	return r;
}

static int hold_collect(struct store *st, const char *name, void *arg)
{
	return hold_read(st, name, arg) < 0 && err_errno() != ENOENT ? -err_errno() : 0;
}

int store_holds_digests(struct store *st, struct strv *out)
{
	return holds_each(st, hold_collect, out);
}

struct hold_find {
	const char *id;
	char *holder;
};

static int hold_match(struct store *st, const char *name, void *arg)
{
	struct hold_find *f = arg;
	struct strv v = { 0 };
	bool hit;

	hold_read(st, name, &v);
	hit = v.n && !strcmp(v.v[0], f->id);
	strv_free(&v);
	if (hit)
		f->holder = xstrdup(name);
	return hit;
}

bool store_image_is_held(struct store *st, const char *id, char **holder)
{
	struct hold_find f = { id, NULL };
	bool held = holds_each(st, hold_match, &f) == 1;

	if (holder)
		*holder = TAKE(f.holder);
	free(f.holder);
	return held;
}

int store_hold_put(struct store *st, const char *name, const char *id)
{
	autoclose int lk = -1;
	autofree char *text = NULL;
	struct json *rec, *layers;
	int r;

	if (hold_check_name(name) < 0 || !store_hex(id, "image ID"))
		return -err_errno();
	lk = store_records_lock(st);
	if (lk < 0)
		return lk;
	rec = store_image_get(st, id);
	if (!rec)
		return err_ctx("hold for %s", name);
	text = xasprintf("%s\n", id);
	layers = json_get(rec, "layers");
	for (int i = 0; i < json_arr_len(layers); i++) {
		const char *chain = json_get_str(json_arr_at(layers, i), "chain_id");
		char *t;

		if (!sha256_is_digest(chain))
			continue;
		t = xasprintf("%s%s\n", text, chain);
		free(text);
		text = t;
	}
	json_free(rec);
	r = store_write_atomic(st, st->holdfd, "holds", name, text, strlen(text));
	return r < 0 ? err_ctx("hold for %s", name) : 0;
}

int store_hold_del(struct store *st, const char *name)
{
	autoclose int lk = -1;

	if (hold_check_name(name) < 0)
		return -err_errno();
	lk = store_records_lock(st);
	if (lk < 0)
		return lk;
	if (unlinkat(st->holdfd, name, 0) < 0 && errno != ENOENT)
		return err_set(errno, "remove %s/holds/%s", st->root, name);
	return store_fsync_dir(st->holdfd, "holds");
}

/* ---- deletion ---- */

/* Drop every tag on id; caller holds records.lock. */
static int image_untag(struct store *st, const char *id)
{
	struct json *tags = store_tags_get(st), *m, *next;
	bool changed = false;
	int r = 0;

	if (!tags)
		return -err_errno();
	for (m = json_first(tags); m; m = next) {
		const char *v = json_str(m);

		next = json_next(m);
		if (v && !strcmp(v, id)) {
			json_del(tags, json_key(m));
			changed = true;
		}
	}
	if (changed)
		r = store_tags_write(st, tags);
	json_free(tags);
	return r;
}

int store_image_del(struct store *st, const char *id, bool force)
{
	autofree char *holder = NULL;
	char name[SHA256_HEX + 8];
	autoclose int lk = -1;
	struct stat sb;

	if (!store_hex(id, "image ID"))
		return -EINVAL;
	lk = store_records_lock(st);
	if (lk < 0)
		return lk;
	image_file(name, id);
	if (fstatat(st->imagefd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return err_setx(ENOENT, "no such image: %s", id);
	if (!force && store_image_is_held(st, id, &holder)) {
		err_setx(EBUSY, "image %s is used by container %s", id, holder);
		return err_hint("remove the container first, or force the removal");
	}
	/* Tags first: a crash in between leaves an untagged image, never a
	 * tag to nowhere. */
	if (image_untag(st, id) < 0)
		return err_ctx("remove image %s", id);
	if (unlinkat(st->imagefd, name, 0) < 0 && errno != ENOENT)
		return err_set(errno, "remove %s/images/%s", st->root, name);
	return store_fsync_dir(st->imagefd, "images");
}
