// SPDX-License-Identifier: Apache-2.0
/* volume.c - named volumes under ROOT/volumes: Docker's name rule and
 * local driver options, crash-safe create (staged, renamed, fsynced),
 * look up, list, removal; and the -v spec. Who uses a volume is asked of
 * the caller (the ctr room), under the lock. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/fs/volume.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/json.h"
#include "core/util/lock.h"
#include "core/util/xalloc.h"

/* ---- names and options ---- */

bool vol_name_ok(const char *s)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-";
	size_t n = strlen(s);

	return n >= 2 && n <= VOL_NAME_MAX && !strchr("_.-", s[0]) && s[strspn(s, ok)] == '\0';
}

static int vol_name_check(const char *s)
{
	if (strlen(s) < 2 && s[strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				     "0123456789")] == '\0')
		return err_setx(EINVAL, "create %s: volume name is too short, names should be at "
				"least two alphanumeric characters", s);
	if (!vol_name_ok(s))
		return err_setx(EINVAL, "create %s: \"%s\" includes invalid characters for a local "
				"volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you "
				"intended to pass a host directory, use absolute path", s, s);
	return 0;
}

/* The value of key in the K=V list kv, or NULL. */
static const char *vol_kv(const struct strv *kv, const char *key)
{
	ssize_t i = strv_find_key(kv, key, strlen(key));

	return i < 0 ? NULL : strchr(kv->v[i], '=') + 1;
}

/* o= of type=none: bind (or rbind), with ro/rw beside it. */
static int vol_bind_opts_check(const char *o, const char *dev)
{
	autofree char *copy = xstrdup(o ? o : "");
	char *save = NULL;
	bool bind = false;
	struct stat st;

	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		if (!strcmp(w, "bind") || !strcmp(w, "rbind"))
			bind = true;
		else if (strcmp(w, "ro") && strcmp(w, "rw"))
			return err_setx(ENOTSUP, "volume option o=%s is not supported with type=none "
					"(use o=bind, with ro or rw)", o);
	}
	if (!bind)
		return err_setx(ENOTSUP, "type=none needs o=bind (add -o o=bind)");
	if (dev[0] != '/')
		return err_setx(EINVAL, "invalid device \"%s\": give an absolute path of the "
				"host's", dev);
	if (stat(dev, &st) < 0)
		return err_set(errno, "device %s", dev);
	if (!S_ISDIR(st.st_mode))
		return err_setx(ENOTDIR, "device %s is not a directory", dev);
	return 0;
}

int vol_opts_check(const struct strv *opts)
{
	static const char *const keys[] = { "type", "device", "o" };
	const char *type = vol_kv(opts, "type"), *dev = vol_kv(opts, "device");

	for (size_t i = 0; i < opts->n; i++) {
		const char *eq = strchr(opts->v[i], '=');
		size_t k = 0;

		if (!eq)
			return err_setx(EINVAL, "invalid option \"%s\" (use -o KEY=VALUE)", opts->v[i]);
		while (k < ARRAY_SIZE(keys) && (strlen(keys[k]) != (size_t)(eq - opts->v[i]) ||
						strncmp(keys[k], opts->v[i], strlen(keys[k]))))
			k++;
		if (k == ARRAY_SIZE(keys))
			return err_setx(EINVAL, "invalid option key: \"%.*s\" (use type=, device= "
					"or o=)", (int)(eq - opts->v[i]), opts->v[i]);
	}
	if (!type && !dev)
		return vol_kv(opts, "o") ? err_setx(EINVAL, "missing required option: \"type\"") : 0;
	if (!type || !*type)
		return err_setx(EINVAL, "missing required option: \"type\"");
	if (!dev || !*dev)
		return err_setx(EINVAL, "missing required option: \"device\"");
	if (!strcmp(type, "none"))
		return vol_bind_opts_check(vol_kv(opts, "o"), dev);
	if (strcmp(type, "tmpfs"))
		return err_setx(ENOTSUP, "volume type \"%s\" is not supported (use type=tmpfs, or "
				"type=none with o=bind)", type);
	return 0;
}

void vol_cfg_clear(struct vol_cfg *c)
{
	free(c->name);
	free(c->driver);
	strv_free(&c->labels);
	strv_free(&c->options);
	memset(c, 0, sizeof(*c));
}

void vol_list_free(struct vol_cfg *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		vol_cfg_clear(&v[i]);
	free(v);
}

/* ---- the record ---- */

char *vol_cfg_json(const struct vol_cfg *c)
{
	struct json *o = json_new_obj();
	char buf[24], *t;

	json_add_str(o, "Name", c->name);
	json_add_str(o, "Driver", c->driver);
	snprintf(buf, sizeof(buf), "%lld", c->created_ns);
	json_add_str(o, "CreatedNs", buf);	/* beyond a double's exact integers */
	json_add_kv(o, "Labels", &c->labels);
	json_add_kv(o, "Options", &c->options);
	t = json_print(o, false);
	json_free(o);
	return t;
}

int vol_cfg_parse(const char *text, struct vol_cfg *c)
{
	struct json *o = json_parse(text, strlen(text));
	const char *name = json_get_str(o, "Name"), *s;

	memset(c, 0, sizeof(*c));
	if (!name || !vol_name_ok(name)) {
		json_free(o);
		return err_setx(EINVAL, "not a volume record");
	}
	c->name = xstrdup(name);
	c->driver = xstrdup((s = json_get_str(o, "Driver")) ? s : "local");
	c->created_ns = (s = json_get_str(o, "CreatedNs")) ? strtoll(s, NULL, 10) : 0;
	json_get_kv(o, "Labels", &c->labels);
	json_get_kv(o, "Options", &c->options);
	json_free(o);
	return 0;
}

/* ---- on disk ---- */

static char *vol_path(const char *sub)
{
	return xasprintf("%s/" VOL_DIR "%s%s", dory.root, sub ? "/" : "", sub ? sub : "");
}

char *vol_mountpoint(const char *name)
{
	return xasprintf("%s/" VOL_DIR "/%s/_data", dory.root, name);
}

void vol_source(const struct vol_cfg *c, char **src, char **fstype, char **data)
{
	const char *type = vol_kv(&c->options, "type"), *o = vol_kv(&c->options, "o");

	*src = *fstype = *data = NULL;
	if (type && !strcmp(type, "tmpfs")) {
		*fstype = xstrdup("tmpfs");
		*data = xstrdup(o ? o : "");
	} else if (type && !strcmp(type, "none")) {
		*src = xstrdup(vol_kv(&c->options, "device"));
	} else {
		*src = vol_mountpoint(c->name);
	}
}

static int vol_load(const char *name, struct vol_cfg *c)
{
	autofree char *p = xasprintf("%s/" VOL_DIR "/%s/config.json", dory.root, name);
	autofree char *text = NULL;

	if (fsutil_read_file(p, &text) < 0)
		return -err_errno();
	if (vol_cfg_parse(text, c) < 0)
		return err_ctx("%s", p);
	return 0;
}

static int vol_cmp(const void *a, const void *b)
{
	return strcmp(((const struct vol_cfg *)a)->name, ((const struct vol_cfg *)b)->name);
}

int vol_list(struct vol_cfg **v, size_t *n)
{
	autofree char *dir = vol_path(NULL);
	autoclosedir DIR *d = opendir(dir);
	struct dirent *e;
	size_t cap = 0;

	*v = NULL;
	*n = 0;
	if (!d)
		return errno == ENOENT ? 0 : err_set(errno, "open %s", dir);
	while ((e = readdir(d))) {
		struct vol_cfg c;

		if (!vol_name_ok(e->d_name))
			continue;
		if (vol_load(e->d_name, &c) < 0) {
			if (err_errno() == ENOENT) {	/* removed meanwhile */
				err_clear();
				continue;
			}
			vol_list_free(*v, *n);
			return -err_errno();
		}
		if (*n == cap) {
			cap = cap ? 2 * cap : 8;
			*v = xrealloc(*v, cap * sizeof(**v));
		}
		(*v)[(*n)++] = c;
	}
	if (*n)
		qsort(*v, *n, sizeof(**v), vol_cmp);
	return 0;
}

int vol_lookup(const char *name, struct vol_cfg *out)
{
	memset(out, 0, sizeof(*out));
	if (!vol_name_ok(name) || vol_load(name, out) < 0) {
		if (vol_name_ok(name) && err_errno() != ENOENT)
			return -err_errno();
		return err_setx(ENOENT, "no such volume: %s (see 'dory volume ls')", name);
	}
	return 0;
}

static int vol_lock(void)
{
	autofree char *dir = vol_path(NULL), *p = vol_path(".lock");
	int lk;

	if (fsutil_mkdir_p(dir, 0700) < 0)
		return -err_errno();
	lk = lock_open(p, LOCK_EXCL);
	return lk < 0 ? err_ctx("lock %s", p) : lk;
}

/* Leftovers of a create or remove killed half-way; under the lock. */
static void vol_sweep(void)
{
	autofree char *tmp = vol_path(".tmp");
	autoclosedir DIR *d = opendir(tmp);
	struct dirent *e;

	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			fsutil_rmtree_scratch(dirfd(d), e->d_name);
}

static void vol_fsync_dir(const char *path)
{
	autoclose int fd = openat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0)
		fsync(fd);
}

/* Write c's record and an empty _data: staged under .tmp/, renamed into
 * place, durable. */
static int vol_commit(const struct vol_cfg *c)
{
	autofree char *tmp = vol_path(".tmp"), *stage = xasprintf("%s/%s", tmp, c->name);
	autofree char *file = xasprintf("%s/config.json", stage);
	autofree char *data = xasprintf("%s/_data", stage), *dst = vol_path(c->name);
	autofree char *text = vol_cfg_json(c), *top = vol_path(NULL);

	if (fsutil_mkdir_p(tmp, 0700) < 0)
		return -err_errno();
	if (mkdir(stage, 0701) < 0)
		return err_set(errno, "mkdir %s", stage);
	/* Docker's _data is 0755 root: the container's users reach it. */
	if (mkdir(data, 0755) < 0 || chmod(data, 0755) < 0) {
		err_set(errno, "mkdir %s", data);
		goto undo;
	}
	if (fsutil_write_atomic(file, text, true) < 0)
		goto undo;
	if (rename(stage, dst) < 0) {
		err_set(errno, "rename %s", stage);
		goto undo;
	}
	vol_fsync_dir(top);
	return 0;
undo:
	fsutil_rmtree_scratch(AT_FDCWD, stage);
	return -err_errno();
}

static int vol_new_name(struct vol_cfg *c)
{
	unsigned char raw[VOL_RANDOM_LEN / 2];
	char *s = xmalloc(VOL_RANDOM_LEN + 1);

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		free(s);
		return err_set(errno, "getrandom");
	}
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(s + 2 * i, 3, "%02x", raw[i]);
	c->name = s;
	return 0;
}

static long long vol_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int vol_create(struct vol_cfg *c, bool *made)
{
	struct vol_cfg old;
	int lk, r;

	if (made)
		*made = false;
	if (!c->driver)
		c->driver = xstrdup("local");
	if (strcmp(c->driver, "local"))
		return err_setx(ENOTSUP, "volume driver \"%s\" is not supported (use -d local)",
				c->driver);
	if (!c->name && vol_new_name(c) < 0)
		return -err_errno();
	if (vol_name_check(c->name) < 0 || vol_opts_check(&c->options) < 0)
		return -err_errno();
	lk = vol_lock();
	if (lk < 0)
		return lk;
	vol_sweep();
	r = vol_load(c->name, &old);
	if (r == 0) {
		vol_cfg_clear(&old);
	} else if (err_errno() == ENOENT) {
		err_clear();
		c->created_ns = vol_now();
		r = vol_commit(c);
		if (r == 0 && made)
			*made = true;
	}
	lock_close(lk);
	return r;
}

int vol_remove(const char *name, vol_busy_fn busy, void *arg)
{
	autofree char *dir = NULL, *tmp = vol_path(".tmp"), *gone = NULL;
	struct vol_cfg c;
	char who[200] = "";
	int lk, r;

	if (vol_lookup(name, &c) < 0)
		return -err_errno();
	vol_cfg_clear(&c);
	lk = vol_lock();
	if (lk < 0)
		return lk;
	r = busy ? busy(name, who, sizeof(who), arg) : 0;
	if (r > 0)
		r = err_setx(EBUSY, "remove %s: volume is in use - [%s] (remove the container "
			     "first)", name, who);
	dir = vol_path(name);
	gone = xasprintf("%s/%s", tmp, name);
	if (r == 0 && fsutil_mkdir_p(tmp, 0700) < 0)
		r = -err_errno();
	/* Out of sight first, so a crash leaves no half-removed volume. */
	if (r == 0 && rename(dir, gone) < 0)
		r = err_set(errno, "remove %s", dir);
	if (r == 0) {
		vol_fsync_dir(tmp);
		fsutil_rmtree_scratch(AT_FDCWD, gone);
	}
	lock_close(lk);
	return r;
}

/* ---- -v SRC:DST[:MODE] ---- */

void vol_mount_clear(struct vol_mount *m)
{
	free(m->name);
	free(m->source);
	free(m->target);
	free(m->mode);
	memset(m, 0, sizeof(*m));
}

/* path without "//", "/./", "x/.." or a trailing "/" (Go's path.Clean);
 * absolute in, absolute out. Allocated. */
static char *vol_clean(const char *path)
{
	char *out = xmalloc(strlen(path) + 2), *o = out;
	const char *p = path;

	while (*p) {
		size_t n;

		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (!n)
			break;
		if (n == 1 && p[0] == '.') {
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			while (o > out && *--o != '/')
				;
		} else {
			*o++ = '/';
			memcpy(o, p, n);
			o += n;
		}
		p += n;
	}
	if (o == out)
		*o++ = '/';
	*o = '\0';
	return out;
}

/* MODE: a comma list; ro/rw at most once. */
static int vol_mode_parse(const char *spec, const char *mode, struct vol_mount *m)
{
	autofree char *copy = xstrdup(mode);
	char *save = NULL;
	int rw = 0;

	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		if (!strcmp(w, "ro") || !strcmp(w, "rw")) {
			if (rw++)
				return err_setx(EINVAL, "invalid mode: %s (give ro or rw once)", mode);
			m->ro = w[1] == 'o';
		} else if (!strcmp(w, "nocopy") && m->type == VOL_MOUNT_BIND) {
			return err_setx(EINVAL, "invalid mode: %s (nocopy is for a named volume, "
					"not a host path)", mode);
		} else if (strcmp(w, "z") && strcmp(w, "Z") && strcmp(w, "nocopy") &&
			   strcmp(w, "private") && strcmp(w, "rprivate")) {
			if (strstr("shared rshared slave rslave", w))
				return err_setx(ENOTSUP, "invalid volume specification: '%s': mount "
						"propagation %s is not supported yet (leave it out: "
						"rprivate)", spec, w);
			return err_setx(EINVAL, "invalid mode: %s (use ro, rw, z, Z, nocopy, "
					"rprivate)", mode);
		}
	}
	return 0;
}

int vol_spec_parse(const char *spec, struct vol_mount *m)
{
	autofree char *copy = xstrdup(spec);
	char *part[4] = { 0 }, *save = NULL;
	size_t n = 0;

	memset(m, 0, sizeof(*m));
	for (char *w = strtok_r(copy, ":", &save); w && n < 4; w = strtok_r(NULL, ":", &save))
		part[n++] = w;
	if (n == 1 && spec[0] == '/' && !strchr(spec, ':'))
		return err_setx(ENOTSUP, "anonymous volume -v %s is not supported yet (name it: "
				"-v NAME:%s)", spec, spec);
	if (n < 2 || n > 3 || strstr(spec, "::") || spec[0] == ':' ||
	    spec[strlen(spec) - 1] == ':')
		return err_setx(EINVAL, "invalid volume specification: '%s' (use NAME:/PATH or "
				"/HOST:/PATH, then :ro if wanted)", spec);
	if (part[1][0] != '/')
		return err_setx(EINVAL, "invalid volume specification: '%s': invalid mount path: "
				"'%s' mount path must be absolute", spec, part[1]);
	m->type = part[0][0] == '/' ? VOL_MOUNT_BIND : VOL_MOUNT_VOLUME;
	m->target = vol_clean(part[1]);
	m->mode = xstrdup(n == 3 ? part[2] : "");
	if (!strcmp(m->target, "/")) {
		vol_mount_clear(m);
		return err_setx(EINVAL, "invalid specification: destination can't be '/'");
	}
	if (m->type == VOL_MOUNT_BIND)
		m->source = vol_clean(part[0]);
	else if (vol_name_check(part[0]) < 0) {
		vol_mount_clear(m);
		return -err_errno();
	} else
		m->name = xstrdup(part[0]);
	if (vol_mode_parse(spec, m->mode, m) < 0) {
		vol_mount_clear(m);
		return -err_errno();
	}
	return 0;
}
