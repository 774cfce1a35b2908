// SPDX-License-Identifier: Apache-2.0
/* conf.c - reads /etc/dory/config.json. Unknown keys are ignored so one
 * file can serve newer and older dory binaries on a device. */
#include <errno.h>
#include <string.h>

#include "core/util/conf.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/json.h"
#include "core/util/xalloc.h"

static int conf_strings(const struct json *doc, const char *key, struct strv *out,
			const char *path)
{
	const struct json *a = json_get(doc, key);

	if (!a)
		return 0;
	if (!json_is_arr(a))
		return err_setx(EINVAL, "%s: \"%s\" must be a list of strings", path, key);
	for (int i = 0; i < json_arr_len(a); i++) {
		const char *s = json_str(json_arr_at(a, i));

		if (!s)
			return err_setx(EINVAL, "%s: \"%s\" must be a list of strings", path, key);
		strv_push(out, s);
	}
	return 0;
}

static void conf_defaults(struct dory_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->keep_layer_blobs = true;
	c->default_pids = CONF_DEFAULT_PIDS;
}

/* "default-pids-limit": a whole number; 0 (or below, as Docker's flag) none. */
static int conf_pids(const struct json *doc, const char *path, struct dory_conf *c)
{
	if (!json_get(doc, "default-pids-limit"))
		return 0;
	if (!json_get_i64(doc, "default-pids-limit", &c->default_pids) ||
	    c->default_pids > (1LL << 31))
		return err_setx(EINVAL, "%s: \"default-pids-limit\" must be a whole number "
				"(0 for none)", path);
	if (c->default_pids < 0)
		c->default_pids = 0;
	return 0;
}

int conf_parse(const char *text, const char *path, struct dory_conf *c)
{
	struct json *doc;
	const struct json *kb;
	const char *s;
	int rc;

	conf_defaults(c);
	doc = json_parse(text, strlen(text));
	if (!doc)
		return err_ctx("config file %s", path);
	rc = conf_strings(doc, "insecure-registries", &c->insecure, path);
	if (!rc)
		rc = conf_strings(doc, "registry-mirrors", &c->mirrors, path);
	if ((s = json_get_str(doc, "storage-driver"))) {
		if (strcmp(s, "overlay") && strcmp(s, "bind-copy"))
			rc = err_setx(EINVAL, "%s: storage-driver \"%s\" is not overlay or bind-copy",
				      path, s);
		c->storage_driver = xstrdup(s);
	}
	if ((s = json_get_str(doc, "cgroup-parent")))
		c->cgroup_parent = xstrdup(s);
	if ((s = json_get_str(doc, "certs-dir")))
		c->certs_dir = xstrdup(s);
	/* Checked where it is used (userns_map_parse), which may read /etc/subuid. */
	if ((s = json_get_str(doc, "userns-remap")))
		c->userns_remap = xstrdup(s);
	else if (!rc && json_get(doc, "userns-remap"))
		rc = err_setx(EINVAL, "%s: \"userns-remap\" must be a string", path);
	if ((kb = json_get(doc, "userns-idmap")))
		c->userns_no_idmap = !json_is_true(kb);
	if ((s = json_get_str(doc, "default-network")))
		c->default_network = xstrdup(s);
	else if (!rc && json_get(doc, "default-network"))
		rc = err_setx(EINVAL, "%s: \"default-network\" must be a string", path);
	if ((kb = json_get(doc, "userland-proxy")))
		c->userland_proxy = json_is_true(kb);
	if (!rc)
		rc = conf_pids(doc, path, c);
	if ((kb = json_get(doc, "no-new-privileges")))
		c->no_new_privs = json_is_true(kb);
	if ((kb = json_get(doc, "init")))
		c->init = json_is_true(kb);
	if ((kb = json_get(doc, "keep-layer-blobs")))
		c->keep_layer_blobs = json_is_true(kb);
	json_free(doc);
	if (rc < 0)
		conf_clear(c);
	return rc;
}

int conf_load(struct dory_conf *c)
{
	const char *path = getenv("DORY_CONFIG");
	autofree char *text = NULL;
	int rc;

	conf_defaults(c);
	if (!path || !*path)
		path = "/etc/dory/config.json";
	rc = fsutil_read_file(path, &text);
	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return err_ctx("config file %s", path);
	return conf_parse(text, path, c);
}

void conf_clear(struct dory_conf *c)
{
	strv_free(&c->insecure);
	free(c->cgroup_parent);
	strv_free(&c->mirrors);
	free(c->storage_driver);
	free(c->certs_dir);
	free(c->userns_remap);
	free(c->default_network);
	memset(c, 0, sizeof(*c));
}

bool conf_is_insecure(const struct dory_conf *c, const char *hostport)
{
	for (size_t i = 0; i < c->insecure.n; i++)
		if (!strcmp(c->insecure.v[i], hostport))
			return true;
	return false;
}
