// SPDX-License-Identifier: Apache-2.0
/* change.c - the instruction line parser (Dockerfile syntax: keyword,
 * exec-form JSON or quoted words) and the config changes it describes.
 * Reading whole Dockerfiles (continuations, comments) is the builder's. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/image/change.h"
#include "core/util/err.h"
#include "core/util/json.h"
#include "core/util/xalloc.h"

void change_clear(struct change *c)
{
	free(c->cmd);
	free(c->rest);
	strv_free(&c->args);
	memset(c, 0, sizeof(*c));
}

/* The exec form: a JSON array of strings only; anything else is words. */
static bool change_json(const char *s, struct strv *out)
{
	struct json *j;
	int n;

	if (*s != '[' || !(j = json_parse(s, strlen(s))))
		return false;
	n = json_is_arr(j) ? json_arr_len(j) : -1;
	for (int i = 0; i < n; i++)
		if (!json_str(json_arr_at(j, i)))
			n = -1;
	for (int i = 0; i < n; i++)
		strv_push(out, json_str(json_arr_at(j, i)));
	json_free(j);
	return n >= 0;
}

/* Words as a Dockerfile splits ENV and LABEL: blanks between them, quotes
 * removed, a backslash keeps the next character (in "..." only before "
 * or \, as a shell does). */
static int change_words(const char *s, struct strv *out)
{
	struct sbuf w = { 0 };
	char q = 0;
	bool in = false;

	for (; *s; s++) {
		if (!q && isspace((unsigned char)*s)) {
			if (in)
				strv_push_take(out, w.s ? w.s : xstrdup(""));
			w = (struct sbuf){ 0 };
			in = false;
			continue;
		}
		in = true;
		if (*s == q)
			q = 0;
		else if (!q && (*s == '"' || *s == '\''))
			q = *s;
		else if (*s == '\\' && q != '\'' && s[1] && (!q || s[1] == '"' || s[1] == '\\'))
			sbuf_addf(&w, "%c", *++s);
		else
			sbuf_addf(&w, "%c", *s);
	}
	if (q) {
		free(w.s);
		return err_setx(EINVAL, "unterminated %c quote (close it)", q);
	}
	if (in)
		strv_push_take(out, w.s ? w.s : xstrdup(""));
	return 0;
}

int change_parse(const char *line, struct change *out)
{
	const char *p = line, *k;
	size_t n;

	memset(out, 0, sizeof(*out));
	while (isspace((unsigned char)*p))
		p++;
	for (k = p; isalpha((unsigned char)*p); p++)
		;
	if (p == k || (*p && !isspace((unsigned char)*p)))
		return err_setx(EINVAL, "\"%.40s\" is not an instruction (use e.g. CMD [\"sh\"])",
				line);
	out->cmd = xstrndup(k, (size_t)(p - k));
	for (char *c = out->cmd; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	while (isspace((unsigned char)*p))
		p++;
	n = strlen(p);
	while (n && isspace((unsigned char)p[n - 1]))
		n--;
	out->rest = xstrndup(p, n);
	if (!n)
		return err_setx(EINVAL, "%s needs an argument", out->cmd);
	out->json = change_json(out->rest, &out->args);
	return out->json ? 0 : change_words(out->rest, &out->args);
}

/* ---- applying ---- */

static void change_set_arr(struct json *cfg, const char *key, const struct strv *v)
{
	struct json *a;

	json_del(cfg, key);
	a = json_add_arr(cfg, key);
	for (size_t i = 0; i < v->n; i++)
		json_add_str(a, NULL, v->v[i]);
}

/* CMD and ENTRYPOINT: the exec form as is, the shell form through sh. */
static void change_argv(const struct change *c, struct json *cfg, const char *key)
{
	struct strv sh = { 0 };

	if (c->json) {
		change_set_arr(cfg, key, &c->args);
		return;
	}
	strv_push(&sh, "/bin/sh");
	strv_push(&sh, "-c");
	strv_push(&sh, c->rest);
	change_set_arr(cfg, key, &sh);
	strv_free(&sh);
}

/* K=V pairs (or, legacy, "K V..." for one) into the object key (LABEL)
 * or the K=V array Env. */
static int change_pairs(const struct change *c, struct json *cfg, const char *key, bool env)
{
	struct strv kv = { 0 }, pairs = { 0 };
	int rc = 0;

	if (env) {
		for (int i = 0; i < json_arr_len(json_get(cfg, key)); i++)
			if (json_str(json_arr_at(json_get(cfg, key), i)))
				strv_push(&kv, json_str(json_arr_at(json_get(cfg, key), i)));
	} else {
		json_get_kv(cfg, key, &kv);
	}
	if (c->args.n && !strchr(c->args.v[0], '=') && !c->json) {
		const char *v = c->rest + strcspn(c->rest, " \t");

		strv_push_take(&pairs, xasprintf("%s=%s", c->args.v[0], v + strspn(v, " \t")));
	}
	for (size_t i = 0; i < c->args.n && !pairs.n && !rc; i++) {
		char *eq = strchr(c->args.v[i], '=');

		if (!eq || eq == c->args.v[i])
			rc = err_setx(EINVAL, "%s %s: give KEY=VALUE", c->cmd, c->args.v[i]);
	}
	for (size_t i = 0; i < c->args.n && !pairs.n && !rc; i++)
		strv_setenv(&kv, c->args.v[i]);
	for (size_t i = 0; i < pairs.n; i++)
		strv_setenv(&kv, pairs.v[i]);
	if (!rc && env)
		change_set_arr(cfg, key, &kv);
	else if (!rc) {
		json_del(cfg, key);
		json_add_kv(cfg, key, &kv);
	}
	strv_free(&kv);
	strv_free(&pairs);
	return rc;
}

static int change_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* An object of empty objects (ExposedPorts, Volumes) with the keys add
 * too, sorted as Go prints a map. */
static void change_set_keys(struct json *cfg, const char *key, const struct strv *add)
{
	struct strv keys = { 0 };
	struct json *o;

	for (o = json_first(json_get(cfg, key)); o && json_is_obj(json_get(cfg, key));
	     o = json_next(o))
		strv_push(&keys, json_key(o));
	for (size_t i = 0; i < add->n; i++)
		strv_push(&keys, add->v[i]);
	if (keys.n)
		qsort(keys.v, keys.n, sizeof(*keys.v), change_cmp);
	json_del(cfg, key);
	o = json_add_obj(cfg, key);
	for (size_t i = 0; i < keys.n; i++)
		if (!i || strcmp(keys.v[i], keys.v[i - 1]))
			json_add_obj(o, keys.v[i]);
	strv_free(&keys);
}

/* EXPOSE 80 53/udp: "80/tcp" keys of ExposedPorts. */
static int change_expose(const struct change *c, struct json *cfg)
{
	struct strv ports = { 0 };

	for (size_t i = 0; i < c->args.n; i++) {
		const char *a = c->args.v[i], *slash = strchr(a, '/');
		autofree char *num = xstrndup(a, slash ? (size_t)(slash - a) : strlen(a));
		unsigned long long port;

		if (str_to_u64(num, 65535, &port) < 0 || !port ||
		    (slash && strcmp(slash, "/tcp") && strcmp(slash, "/udp") &&
		     strcmp(slash, "/sctp"))) {
			strv_free(&ports);
			return err_setx(EINVAL, "EXPOSE %s: give PORT or PORT/tcp|udp|sctp", a);
		}
		strv_push_take(&ports, slash ? xstrdup(a) : xasprintf("%s/tcp", a));
	}
	change_set_keys(cfg, "ExposedPorts", &ports);
	strv_free(&ports);
	return 0;
}

/* WORKDIR: a relative one goes on from the one before (Docker). */
static void change_workdir(const struct change *c, struct json *cfg)
{
	const char *old = json_get_str(cfg, "WorkingDir");
	autofree char *w = c->rest[0] == '/' ? xstrdup(c->rest)
					     : xasprintf("%s/%s", old && *old ? old : "", c->rest);

	json_del(cfg, "WorkingDir");
	json_add_str(cfg, "WorkingDir", w);
}

static int change_one_word(const struct change *c)
{
	if (c->json || c->args.n != 1)
		return err_setx(EINVAL, "%s takes one argument, not \"%s\"", c->cmd, c->rest);
	return 0;
}

int change_apply(const struct change *c, struct json *cfg)
{
	if (!strcmp(c->cmd, "CMD") || !strcmp(c->cmd, "ENTRYPOINT")) {
		change_argv(c, cfg, c->cmd[0] == 'C' ? "Cmd" : "Entrypoint");
		return 0;
	}
	if (!strcmp(c->cmd, "ENV") || !strcmp(c->cmd, "LABEL"))
		return change_pairs(c, cfg, c->cmd[0] == 'E' ? "Env" : "Labels", c->cmd[0] == 'E');
	if (!strcmp(c->cmd, "EXPOSE"))
		return change_expose(c, cfg);
	if (!strcmp(c->cmd, "VOLUME")) {
		change_set_keys(cfg, "Volumes", &c->args);
		return 0;
	}
	if (!strcmp(c->cmd, "USER") || !strcmp(c->cmd, "WORKDIR")) {
		if (change_one_word(c) < 0)
			return -err_errno();
		if (c->cmd[0] == 'W') {
			change_workdir(c, cfg);
		} else {
			json_del(cfg, "User");
			json_add_str(cfg, "User", c->args.v[0]);
		}
		return 0;
	}
	return err_setx(EINVAL, "%s is not supported by --change (use CMD, ENTRYPOINT, ENV, "
			"EXPOSE, LABEL, USER, VOLUME or WORKDIR)", c->cmd);
}
