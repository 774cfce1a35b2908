// SPDX-License-Identifier: Apache-2.0
/* volume.c - named volumes under ROOT/volumes: Docker's name rule and
 * local driver options, crash-safe create (staged, renamed, fsynced),
 * look up, list, removal; and the -v spec. Who uses a volume is asked of
 * the caller (the ctr room), under the lock. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/fs/volume.h"
#include "core/kernel/cgroup.h"
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

bool vol_name_anonymous(const char *name)
{
	return strlen(name) == VOL_RANDOM_LEN && name[strspn(name, "0123456789abcdef")] == '\0';
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

bool vol_has_data(const struct vol_cfg *c)
{
	return !vol_kv(&c->options, "type");
}

long long vol_data_bytes(const struct vol_cfg *c)
{
	autofree char *data = NULL;

	if (!vol_has_data(c))
		return -1;
	data = vol_mountpoint(c->name);
	return (long long)fsutil_tree_bytes(AT_FDCWD, data);
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

char *vol_name_random(void)
{
	unsigned char raw[VOL_RANDOM_LEN / 2];
	char *s;

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		err_set(errno, "getrandom");
		return NULL;
	}
	s = xmalloc(VOL_RANDOM_LEN + 1);
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(s + 2 * i, 3, "%02x", raw[i]);
	return s;
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
	if (!c->name && !(c->name = vol_name_random()))
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

/* ---- -v, --mount and --tmpfs ---- */

void vol_mount_clear(struct vol_mount *m)
{
	free(m->name);
	free(m->source);
	free(m->target);
	free(m->mode);
	free(m->propagation);
	free(m->data);
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

/* Docker's propagation modes (moby volume/mounts/linux_parser.go). */
static const struct {
	const char *name;
	unsigned long flags;
} vol_props[] = {
	{ "rprivate", MS_PRIVATE | MS_REC }, { "private", MS_PRIVATE },
	{ "rshared", MS_SHARED | MS_REC }, { "shared", MS_SHARED },
	{ "rslave", MS_SLAVE | MS_REC }, { "slave", MS_SLAVE },
};

unsigned long vol_propagation(const char *p)
{
	if (!p || !*p)
		p = "rprivate";
	for (size_t i = 0; i < ARRAY_SIZE(vol_props); i++)
		if (!strcmp(p, vol_props[i].name))
			return vol_props[i].flags;
	return 0;
}

/* MODE: a comma list; ro/rw and a propagation at most once each. */
static int vol_mode_parse(const char *mode, struct vol_mount *m)
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
		} else if (!strcmp(w, "nocopy")) {
			m->nocopy = true;
		} else if (vol_propagation(w)) {
			if (m->propagation)
				return err_setx(EINVAL, "invalid mode: %s (give one propagation)",
						mode);
			if (m->type != VOL_MOUNT_BIND)
				return err_setx(EINVAL, "invalid mode: %s (propagation is for a host "
						"path, not a volume)", mode);
			m->propagation = xstrdup(w);
		} else if (strcmp(w, "z") && strcmp(w, "Z")) {
			return err_setx(EINVAL, "invalid mode: %s (use ro, rw, z, Z, nocopy, "
					"rprivate, private, rshared, shared, rslave or slave)", mode);
		}
	}
	return 0;
}

/* The container path dst: absolute, not "/"; cleaned into m->target. */
static int vol_target(const char *what, const char *dst, struct vol_mount *m)
{
	if (dst[0] != '/')
		return err_setx(EINVAL, "%s: invalid mount path: '%s' mount path must be "
				"absolute", what, dst);
	m->target = vol_clean(dst);
	if (!strcmp(m->target, "/"))
		return err_setx(EINVAL, "invalid specification: destination can't be '/'");
	return 0;
}

/* An anonymous volume for m: a random name, marked so. */
static int vol_anon(struct vol_mount *m)
{
	m->name = vol_name_random();
	m->anon = true;
	return m->name ? 0 : -err_errno();
}

static int vol_spec_split(const char *spec, struct vol_mount *m)
{
	autofree char *copy = xstrdup(spec), *what = xasprintf("invalid volume specification: "
							       "'%s'", spec);
	char *part[4] = { 0 }, *save = NULL;
	size_t n = 0;

	for (char *w = strtok_r(copy, ":", &save); w && n < 4; w = strtok_r(NULL, ":", &save))
		part[n++] = w;
	if (n == 1 && spec[0] == '/') {	/* -v /PATH: an anonymous volume */
		m->type = VOL_MOUNT_VOLUME;
		m->mode = xstrdup("");
		return vol_target(what, spec, m) < 0 ? -err_errno() : vol_anon(m);
	}
	if (n < 2 || n > 3 || strstr(spec, "::") || spec[0] == ':' ||
	    spec[strlen(spec) - 1] == ':')
		return err_setx(EINVAL, "%s (use NAME:/PATH or /HOST:/PATH, then :ro if wanted)",
				what);
	m->type = part[0][0] == '/' ? VOL_MOUNT_BIND : VOL_MOUNT_VOLUME;
	m->mode = xstrdup(n == 3 ? part[2] : "");
	if (vol_target(what, part[1], m) < 0)
		return -err_errno();
	if (m->type == VOL_MOUNT_BIND)
		m->source = vol_clean(part[0]);
	else if (vol_name_check(part[0]) < 0)
		return -err_errno();
	else
		m->name = xstrdup(part[0]);
	return vol_mode_parse(m->mode, m);
}

int vol_spec_parse(const char *spec, struct vol_mount *m)
{
	memset(m, 0, sizeof(*m));
	m->from = VOL_FROM_V;
	if (vol_spec_split(spec, m) < 0) {
		vol_mount_clear(m);
		return -err_errno();
	}
	return 0;
}

/* ---- tmpfs options ---- */

/* The flags mount(8) spells for tmpfs; clear: the option turns it off. */
static const struct {
	const char *name;
	unsigned long flag;
	bool clear;
} vol_tmpfs_flags[] = {
	{ "ro", MS_RDONLY, false }, { "rw", MS_RDONLY, true },
	{ "noexec", MS_NOEXEC, false }, { "exec", MS_NOEXEC, true },
	{ "nosuid", MS_NOSUID, false }, { "suid", MS_NOSUID, true },
	{ "nodev", MS_NODEV, false }, { "dev", MS_NODEV, true },
	{ "sync", MS_SYNCHRONOUS, false }, { "async", MS_SYNCHRONOUS, true },
	{ "dirsync", MS_DIRSYNC, false },
	{ "noatime", MS_NOATIME, false }, { "atime", MS_NOATIME, true },
	{ "nodiratime", MS_NODIRATIME, false }, { "diratime", MS_NODIRATIME, true },
	{ "relatime", MS_RELATIME, false }, { "norelatime", MS_RELATIME, true },
	{ "strictatime", MS_STRICTATIME, false }, { "nostrictatime", MS_STRICTATIME, true },
};

/* tmpfs's own K=V options (mm/shmem.c); the kernel checks their values. */
static bool vol_tmpfs_key(const char *o)
{
	static const char *const keys[] = { "size", "mode", "uid", "gid", "nr_inodes",
					    "nr_blocks", "mpol", "huge" };
	size_t n = strcspn(o, "=");

	for (size_t i = 0; o[n] == '=' && i < ARRAY_SIZE(keys); i++)
		if (strlen(keys[i]) == n && !strncmp(o, keys[i], n))
			return true;
	return false;
}

/* One option w into flags, or its K=V kept in data (a later one wins). */
static int vol_tmpfs_opt(const char *w, unsigned long *flags, struct strv *data)
{
	for (size_t i = 0; i < ARRAY_SIZE(vol_tmpfs_flags); i++)
		if (!strcmp(w, vol_tmpfs_flags[i].name)) {
			if (vol_tmpfs_flags[i].clear)
				*flags &= ~vol_tmpfs_flags[i].flag;
			else
				*flags |= vol_tmpfs_flags[i].flag;
			return 0;
		}
	if (!vol_tmpfs_key(w))
		return err_setx(EINVAL, "invalid tmpfs option \"%s\" (use size=, mode=, uid=, gid=, "
				"nr_inodes=, or ro, exec, suid, dev, noatime...)", w);
	strv_setenv(data, w);
	return 0;
}

int vol_tmpfs_opts(const char *opts, unsigned long *flags, char **data)
{
	autofree char *copy = xstrdup(opts ? opts : "");
	struct strv kv = { 0 };
	char *save = NULL;
	size_t len = 1;

	/* Docker's defaults (daemon/oci_linux.go), before what was given. */
	*flags = MS_NOEXEC | MS_NOSUID | MS_NODEV;
	*data = NULL;
	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save))
		if (vol_tmpfs_opt(w, flags, &kv) < 0) {
			strv_free(&kv);
			return -err_errno();
		}
	for (size_t i = 0; i < kv.n; i++)
		len += strlen(kv.v[i]) + 1;
	*data = xzalloc(len);
	for (size_t i = 0; i < kv.n; i++) {
		if (i)
			strcat(*data, ",");
		strcat(*data, kv.v[i]);
	}
	strv_free(&kv);
	return 0;
}

int vol_tmpfs_parse(const char *spec, struct vol_mount *m)
{
	const char *colon = strchr(spec, ':');
	autofree char *dst = colon ? xstrndup(spec, (size_t)(colon - spec)) : xstrdup(spec);
	unsigned long flags;
	char *data = NULL;

	memset(m, 0, sizeof(*m));
	m->type = VOL_MOUNT_TMPFS;
	m->from = VOL_FROM_TMPFS;
	m->data = xstrdup(colon ? colon + 1 : "");
	if (vol_target("--tmpfs", dst, m) < 0 || vol_tmpfs_opts(m->data, &flags, &data) < 0) {
		vol_mount_clear(m);
		return -err_errno();
	}
	free(data);
	m->ro = flags & MS_RDONLY;
	return 0;
}

/* ---- --mount: Docker's CSV (docker/cli opts/mount.go), then the
 * daemon's checks (moby volume/mounts/linux_parser.go) ---- */

/* Go's strconv.ParseBool. */
static int vol_bool(const char *v, bool *out)
{
	static const char *const t[] = { "1", "t", "T", "TRUE", "true", "True" };
	static const char *const f[] = { "0", "f", "F", "FALSE", "false", "False" };

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		if (!strcmp(v, t[i]))
			return *out = true, 0;
		if (!strcmp(v, f[i]))
			return *out = false, 0;
	}
	return -EINVAL;
}

struct vol_mount_kv {
	char *type, *src, *dst, *prop;
	const char *opt_kind;	/* the first volume-, bind- or tmpfs- option's */
	long long size;
	unsigned mode;
	bool ro, nocopy, has_size, has_mode;
};

/* The key=value field k, v (k lower-cased) into kv. */
static int vol_mount_field(const char *f, const char *k, const char *v, struct vol_mount_kv *kv)
{
	unsigned long long u;
	char *end;

	if (!kv->opt_kind)
		kv->opt_kind = !strncmp(k, "volume-", 7) ? "volume" : !strncmp(k, "bind-", 5) ?
			       "bind" : !strncmp(k, "tmpfs-", 6) ? "tmpfs" : NULL;
	if (!strcmp(k, "type"))
		free(kv->type), kv->type = xstrdup(v);
	else if (!strcmp(k, "source") || !strcmp(k, "src"))
		free(kv->src), kv->src = xstrdup(v);
	else if (!strcmp(k, "target") || !strcmp(k, "dst") || !strcmp(k, "destination"))
		free(kv->dst), kv->dst = xstrdup(v);
	else if (!strcmp(k, "readonly") || !strcmp(k, "ro") || !strcmp(k, "volume-nocopy")) {
		if (vol_bool(v, k[0] == 'v' ? &kv->nocopy : &kv->ro) < 0)
			return err_setx(EINVAL, "invalid value for %s: %s", k, v);
	} else if (!strcmp(k, "bind-propagation"))
		free(kv->prop), kv->prop = xstrdup(v);
	else if (!strcmp(k, "tmpfs-size")) {
		if (cg_parse_bytes(v, &kv->size) < 0)
			return err_setx(EINVAL, "invalid value for %s: %s", k, v);
		kv->has_size = true;
	} else if (!strcmp(k, "tmpfs-mode")) {
		errno = 0;
		u = strtoull(v, &end, 8);
		if (!*v || *end || errno || u > 0xffffffffULL)
			return err_setx(EINVAL, "invalid value for %s: %s", k, v);
		kv->mode = (unsigned)u;
		kv->has_mode = true;
	} else if (!strcmp(k, "volume-driver") && !strcmp(v, "local")) {
	} else if (!strcmp(k, "consistency")) {
	} else if (!strcmp(k, "volume-driver") || !strcmp(k, "volume-opt") ||
		   !strcmp(k, "volume-label") || !strcmp(k, "bind-nonrecursive")) {
		return err_setx(ENOTSUP, "%s is not supported (make the volume first with 'dory "
				"volume create')", f);
	} else {
		return err_setx(EINVAL, "unexpected key '%s' in '%s'", k, f);
	}
	return 0;
}

/* Split spec's comma fields into kv (no CSV quoting: no field needs a comma). */
static int vol_mount_fields(const char *spec, struct vol_mount_kv *kv)
{
	autofree char *copy = xstrdup(spec);
	char *save = NULL;

	for (char *f = strtok_r(copy, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(f, '=');
		autofree char *k = xstrndup(f, eq ? (size_t)(eq - f) : strlen(f));

		for (char *p = k; *p; p++)
			*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
		if (!eq && (!strcmp(k, "readonly") || !strcmp(k, "ro")))
			kv->ro = true;
		else if (!eq && !strcmp(k, "volume-nocopy"))
			kv->nocopy = true, kv->opt_kind = kv->opt_kind ? kv->opt_kind : "volume";
		else if (!eq)
			return err_setx(EINVAL, "invalid field '%s' must be a key=value pair", f);
		else if (vol_mount_field(f, k, eq + 1, kv) < 0)
			return -err_errno();
	}
	if (!kv->type)
		kv->type = xstrdup("volume");	/* Docker's default */
	for (char *p = kv->type; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	if (!kv->dst || !*kv->dst)
		return err_setx(EINVAL, "target is required");
	if (kv->opt_kind && strcmp(kv->opt_kind, kv->type))
		return err_setx(EINVAL, "cannot mix '%s-*' options with mount type '%s'",
				kv->opt_kind, kv->type);
	return 0;
}

/* tmpfs-size= and tmpfs-mode= as tmpfs options (allocated). */
static char *vol_mount_tmpfs_data(const struct vol_mount_kv *kv)
{
	char size[32] = "", mode[24] = "";
	char *d;

	if (kv->has_size)
		snprintf(size, sizeof(size), "size=%lld,", kv->size);
	if (kv->has_mode)
		snprintf(mode, sizeof(mode), "mode=%o,", kv->mode);
	d = xasprintf("%s%s%s", size, mode, kv->ro ? "ro" : "");
	if (*d && d[strlen(d) - 1] == ',')
		d[strlen(d) - 1] = '\0';
	return d;
}

/* The daemon's side: kv as mount m. */
static int vol_mount_make(const struct vol_mount_kv *kv, struct vol_mount *m)
{
	autofree char *what = xasprintf("invalid mount config for type \"%s\"", kv->type);
	struct stat st;

	m->ro = kv->ro;
	m->nocopy = kv->nocopy;
	m->mode = xstrdup("");
	if (!strcmp(kv->type, "bind")) {
		m->type = VOL_MOUNT_BIND;
		if (!kv->src || !*kv->src)
			return err_setx(EINVAL, "%s: field Source must not be empty", what);
		if (kv->src[0] != '/')
			return err_setx(EINVAL, "%s: invalid mount path: '%s' mount path must be "
					"absolute", what, kv->src);
		if (stat(kv->src, &st) < 0)
			return err_setx(ENOENT, "%s: bind source path does not exist: %s", what,
					kv->src);
		if (kv->prop && !vol_propagation(kv->prop))
			return err_setx(EINVAL, "%s: invalid propagation mode: %s", what, kv->prop);
		m->source = vol_clean(kv->src);
		m->propagation = kv->prop ? xstrdup(kv->prop) : NULL;
	} else if (!strcmp(kv->type, "volume")) {
		m->type = VOL_MOUNT_VOLUME;
		if (!kv->src || !*kv->src) {
			if (vol_anon(m) < 0)
				return -err_errno();
		} else if (vol_name_check(kv->src) < 0) {
			return -err_errno();
		} else {
			m->name = xstrdup(kv->src);
		}
	} else if (!strcmp(kv->type, "tmpfs")) {
		m->type = VOL_MOUNT_TMPFS;
		if (kv->src && *kv->src)
			return err_setx(EINVAL, "%s: field Source must not be specified", what);
		m->data = vol_mount_tmpfs_data(kv);
	} else {
		return err_setx(EINVAL, "%s: mount type unknown (use bind, volume or tmpfs)", what);
	}
	return vol_target(what, kv->dst, m);
}

int vol_mount_opt_parse(const char *spec, struct vol_mount *m)
{
	struct vol_mount_kv kv = { 0 };
	int r;

	memset(m, 0, sizeof(*m));
	m->from = VOL_FROM_MOUNT;
	r = vol_mount_fields(spec, &kv);
	if (r < 0)
		err_ctx("invalid argument \"%s\" for \"--mount\" flag", spec);
	else
		r = vol_mount_make(&kv, m);
	free(kv.type);
	free(kv.src);
	free(kv.dst);
	free(kv.prop);
	if (r < 0)
		vol_mount_clear(m);
	return r;
}

/* ---- --volumes-from and the image's VOLUME ---- */

int vol_from_parse(const char *spec, char **ref, int *ro)
{
	const char *colon = strchr(spec, ':');
	struct vol_mount m = { .type = VOL_MOUNT_VOLUME };

	*ref = NULL;
	*ro = -1;
	if (!*spec || spec[0] == ':')
		return err_setx(EINVAL, "volumes-from specification cannot be an empty string");
	if (colon) {
		if (vol_propagation(colon + 1) || strstr(colon + 1, "nocopy"))
			return err_setx(EINVAL, "invalid mode for volumes-from: %s", colon + 1);
		if (!colon[1] || vol_mode_parse(colon + 1, &m) < 0) {
			err_setx(EINVAL, "invalid mode: %s (use ro or rw)", colon + 1);
			vol_mount_clear(&m);
			return -EINVAL;
		}
		*ro = strstr(colon + 1, "ro") || strstr(colon + 1, "rw") ? m.ro : -1;
		vol_mount_clear(&m);
	}
	*ref = colon ? xstrndup(spec, (size_t)(colon - spec)) : xstrdup(spec);
	return 0;
}

void vol_mount_copy(const struct vol_mount *from, struct vol_mount *to)
{
	*to = *from;
	to->name = from->name ? xstrdup(from->name) : NULL;
	to->source = from->source ? xstrdup(from->source) : NULL;
	to->target = xstrdup(from->target);
	to->mode = from->mode ? xstrdup(from->mode) : NULL;
	to->propagation = from->propagation ? xstrdup(from->propagation) : NULL;
	to->data = from->data ? xstrdup(from->data) : NULL;
}

int vol_image_parse(const char *path, struct vol_mount *m)
{
	memset(m, 0, sizeof(*m));
	m->type = VOL_MOUNT_VOLUME;
	m->from = VOL_FROM_IMAGE;
	m->mode = xstrdup("");
	if (vol_target("invalid VOLUME", path, m) < 0 || vol_anon(m) < 0) {
		vol_mount_clear(m);
		return -err_errno();
	}
	return 0;
}
