// SPDX-License-Identifier: Apache-2.0
/* ctr_view.c - containers in Docker's words: ages, statuses, ps rows
 * and filters, top's table, inspect objects. Records are read and kept by ctr.c. */
#include <errno.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/ctr/ctr_net.h"
#include "core/ctr/ctr_view.h"
#include "core/ctr/ctrlog.h"
#include "core/kernel/proc.h"
#include "core/net/ipam.h"
#include "core/net/link.h"
#include "core/net/port.h"
#include "core/util/err.h"
#include "core/util/str.h"
#include "core/util/xalloc.h"

#define NS_PER_S 1000000000LL

const char ctr_ps_format[] = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t"
			     "{{.Status}}\t{{.Ports}}\t{{.Names}}";

/* ---- times ---- */

/* Docker's State.String() (container/state.go), "ago" included. */
void ctr_status_text(const struct ctr_state *s, long long now_ns, char *buf, size_t len)
{
	char d[CTR_TEXT_LEN];

	switch (s->status) {
	case CTR_RUNNING:
	case CTR_PAUSED:
		str_human_duration((now_ns - s->started_ns) / NS_PER_S, d, sizeof(d));
		snprintf(buf, len, "Up %s%s", d, s->status == CTR_PAUSED ? " (Paused)" : "");
		return;
	case CTR_RESTARTING:
		str_human_duration((now_ns - s->finished_ns) / NS_PER_S, d, sizeof(d));
		snprintf(buf, len, "Restarting (%d) %s ago", s->exit_code, d);
		return;
	case CTR_DEAD:
		snprintf(buf, len, "Dead");
		return;
	default:
		break;
	}
	if (!s->started_ns) {
		snprintf(buf, len, "Created");
	} else if (!s->finished_ns) {
		snprintf(buf, len, "%s", "");
	} else {
		str_human_duration((now_ns - s->finished_ns) / NS_PER_S, d, sizeof(d));
		snprintf(buf, len, "Exited (%d) %s ago", s->exit_code, d);
	}
}

void ctr_time_rfc3339(long long ns, char out[40])
{
	time_t t = (time_t)(ns / NS_PER_S);
	int frac = (int)(ns % NS_PER_S), digits = 9;
	struct tm tm;
	size_t n;

	if (ns <= 0 || !gmtime_r(&t, &tm)) {
		snprintf(out, 40, "0001-01-01T00:00:00Z");
		return;
	}
	n = strftime(out, 40, "%Y-%m-%dT%H:%M:%S", &tm);
	/* RFC3339Nano drops the fraction's trailing zeros, and a zero one */
	for (; frac && frac % 10 == 0; frac /= 10)
		digits--;
	if (frac)
		snprintf(out + n, 40 - n, ".%0*dZ", digits, frac);
	else
		snprintf(out + n, 40 - n, "Z");
}

void ctr_time_go(long long ns, char out[80])
{
	time_t t = (time_t)(ns / NS_PER_S);
	int frac = (int)(ns % NS_PER_S), digits = 9;
	char date[24], zone[24];
	struct tm tm;

	if (!localtime_r(&t, &tm) || !strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm) ||
	    !strftime(zone, sizeof(zone), "%z %Z", &tm)) {
		out[0] = '\0';
		return;
	}
	for (; frac && frac % 10 == 0; frac /= 10)
		digits--;
	if (frac)
		snprintf(out, 80, "%s.%0*d %s", date, digits, frac, zone);
	else
		snprintf(out, 80, "%s %s", date, zone);
}

/* ---- the command ---- */

/* s quoted as Go's strconv.Quote does it (ASCII escapes). Allocated. */
static char *go_quote(const char *s)
{
	size_t len = strlen(s);
	char *out = xmalloc(len * 4 + 3), *p = out;

	*p++ = '"';
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		const char *e = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\n' ? "\\n" :
				c == '\t' ? "\\t" : c == '\r' ? "\\r" : NULL;

		if (e) {
			memcpy(p, e, 2);
			p += 2;
		} else if (c < 0x20 || c == 0x7f) {
			p += sprintf(p, "\\x%02x", c);
		} else {
			*p++ = (char)c;
		}
	}
	*p++ = '"';
	*p = '\0';
	return out;
}

/* daemon/list.go: the path, then the arguments, quoted when spaced; with
 * trunc, formatter.Ellipsis(cmd, 20): 19 characters and an ellipsis. */
char *ctr_command_text(const struct strv *argv, bool trunc)
{
	size_t len = 1, n = 0, chars = 0;
	autofree char *cmd = NULL;
	char *p;

	for (size_t i = 0; i < argv->n; i++)
		len += strlen(argv->v[i]) + 3;
	p = cmd = xmalloc(len + 4);
	*p = '\0';
	for (size_t i = 0; i < argv->n; i++) {
		bool q = i && strchr(argv->v[i], ' ');

		p += sprintf(p, "%s%s%s%s", i ? " " : "", q ? "'" : "", argv->v[i], q ? "'" : "");
	}
	for (p = cmd; trunc && *p; p++) {
		if (((unsigned char)*p & 0xc0) == 0x80)
			continue;
		if (++chars == 20)
			n = (size_t)(p - cmd);
		if (chars == 21) {
			strcpy(cmd + n, "\u2026");
			break;
		}
	}
	return go_quote(cmd);
}

/* ---- filters ---- */

static const char *const docker_states[] = {
	"created", "restarting", "running", "removing", "paused", "exited", "dead",
};

static bool strv_has(const struct strv *v, const char *s)
{
	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->v[i], s))
			return true;
	return false;
}

static int filter_status(struct ctr_filter *f, const char *kv, const char *v)
{
	for (size_t i = 0; i < ARRAY_SIZE(docker_states); i++) {
		if (!strcmp(v, docker_states[i])) {
			strv_push(&f->status, v);
			return 0;
		}
	}
	err_setx(EINVAL, "invalid filter '%s'", kv);
	return err_hint("a status is created, restarting, running, removing, paused, exited "
			"or dead");
}

/* The health check's state: health.json's, "none" without a check. */
static enum health_status view_health(const struct ctr_config *c)
{
	autofree char *dir = NULL;
	struct health h;
	enum health_status st;

	if (!health_config_active(&c->health))
		return HEALTH_NONE;
	dir = ctr_dir(c->id);
	if (health_load(dir, &h) < 0)
		err_clear();
	st = h.status;
	health_clear(&h);
	return st;
}

static int filter_health(struct ctr_filter *f, const char *v)
{
	for (int i = HEALTH_NONE; i <= HEALTH_UNHEALTHY; i++)
		if (!strcmp(v, health_status_name((enum health_status)i))) {
			strv_push(&f->health, v);
			return 0;
		}
	err_setx(EINVAL, "Unrecognised filter value for health: %s", v);
	return err_hint("use starting, healthy, unhealthy or none");
}

int ctr_filter_add(struct ctr_filter *f, const char *kv)
{
	const char *eq = strchr(kv, '='), *v = eq ? eq + 1 : NULL;
	size_t klen = eq ? (size_t)(eq - kv) : 0;
	unsigned long long code;

	if (!eq || !klen) {
		err_setx(EINVAL, "bad format of filter '%s'", kv);
		return err_hint("expected KEY=VALUE");
	}
	if (klen == 4 && !strncmp(kv, "name", 4))
		strv_push(&f->name, v);
	else if (klen == 2 && !strncmp(kv, "id", 2))
		strv_push(&f->id, v);
	else if (klen == 5 && !strncmp(kv, "label", 5))
		strv_push(&f->label, v);
	else if (klen == 6 && !strncmp(kv, "status", 6))
		return filter_status(f, kv, v);
	else if (klen == 6 && !strncmp(kv, "health", 6))
		return filter_health(f, v);
	else if (klen == 6 && !strncmp(kv, "exited", 6) && str_to_u64(v, 255, &code) == 0)
		strv_push(&f->exited, v);
	else if (klen == 6 && !strncmp(kv, "exited", 6))
		return err_setx(EINVAL, "invalid filter '%s' (an exit code is 0 to 255)", kv);
	else
		return err_setx(EINVAL, "invalid filter '%.*s' (dory knows name, id, label, "
				"status, exited and health)", (int)klen, kv);
	return 0;
}

bool ctr_filter_wants_all(const struct ctr_filter *f)
{
	return f->status.n > 0;
}

void ctr_filter_clear(struct ctr_filter *f)
{
	strv_free(&f->name);
	strv_free(&f->id);
	strv_free(&f->status);
	strv_free(&f->label);
	strv_free(&f->exited);
	strv_free(&f->health);
}

/* The atom at re (".", "\c" or a character): its length; *ok when it
 * matches the character c (never the end of the text). */
static size_t re_atom(const char *re, char c, bool *ok)
{
	if (re[0] == '\\' && re[1]) {
		*ok = c && c == re[1];
		return 2;
	}
	*ok = c && (re[0] == '.' || re[0] == c);
	return 1;
}

/* Does re match at the start of s? Repeats (* + ?) are greedy, then
 * give back one character at a time. */
static bool re_here(const char *re, const char *s)
{
	size_t n, i = 0, min;
	bool ok;

	if (!*re)
		return true;
	if (re[0] == '$' && !re[1])
		return !*s;
	n = re_atom(re, *s, &ok);
	if (re[n] != '*' && re[n] != '+' && re[n] != '?')
		return ok && re_here(re + n, s + 1);
	min = re[n] == '+';
	while (ok && !(re[n] == '?' && i == 1))
		re_atom(re, s[++i], &ok);
	for (;; i--) {
		if (i >= min && re_here(re + n + 1, s + i))
			return true;
		if (!i)
			return false;
	}
}

bool ctr_name_match(const char *pattern, const char *name)
{
	if (pattern[0] == '^')
		return re_here(pattern + 1, name);
	do {
		if (re_here(pattern, name))
			return true;
	} while (*name++);
	return false;
}

/* filters.Match("name"): the pattern against "NAME" or "/NAME". */
static bool filter_name(const struct strv *pats, const char *name)
{
	autofree char *slashed = xasprintf("/%s", name);

	for (size_t i = 0; i < pats->n; i++)
		if (ctr_name_match(pats->v[i], name) || ctr_name_match(pats->v[i], slashed))
			return true;
	return !pats->n;
}

static bool filter_id(const struct strv *ids, const char *id)
{
	for (size_t i = 0; i < ids->n; i++)
		if (str_has_prefix(id, ids->v[i]))
			return true;
	return !ids->n;
}

/* filters.MatchKVList: every KEY or KEY=VALUE among the labels. */
static bool filter_labels(const struct strv *want, const struct strv *labels)
{
	for (size_t i = 0; i < want->n; i++) {
		const char *eq = strchr(want->v[i], '=');
		size_t klen = eq ? (size_t)(eq - want->v[i]) : strlen(want->v[i]);
		ssize_t k = strv_find_key(labels, want->v[i], klen);

		if (k < 0 || (eq && strcmp(labels->v[k] + klen + 1, eq + 1)))
			return false;
	}
	return true;
}

/* exited=N: a container that ran and stopped with N (daemon/list.go). */
static bool filter_exited(const struct strv *codes, const struct ctr_state *s)
{
	char code[16];

	if (!codes->n)
		return true;
	if (s->status != CTR_EXITED || !s->started_ns)
		return false;
	snprintf(code, sizeof(code), "%d", s->exit_code);
	return strv_has(codes, code);
}

bool ctr_filter_match(const struct ctr_filter *f, const struct ctr_config *c,
		      const struct ctr_state *s)
{
	if (f->status.n && !strv_has(&f->status, ctr_status_name(s->status)))
		return false;
	if (f->health.n && !strv_has(&f->health, health_status_name(view_health(c))))
		return false;
	return filter_name(&f->name, c->name ? c->name : "") && filter_id(&f->id, c->id) &&
	       filter_labels(&f->label, &c->labels) && filter_exited(&f->exited, s);
}

/* ---- ps rows ---- */

/* stringid.TruncateID: without an algorithm prefix, 12 characters. */
static void trunc_id(const char *id, char out[CTR_SHORT_ID + 1])
{
	const char *colon = strchr(id, ':');

	snprintf(out, CTR_SHORT_ID + 1, "%s", colon ? colon + 1 : id);
}

/* The IMAGE column: the image as given; truncated, an ID gets 12
 * characters and a NAME@DIGEST loses its digest (formatter/container.go).
 * A --rootfs container shows its directory. Allocated. */
static char *ps_image(const struct ctr_config *c, bool trunc)
{
	char a[CTR_SHORT_ID + 1], b[CTR_SHORT_ID + 1];
	const char *at;

	if (!c->image)
		return xstrdup(c->rootfs ? c->rootfs : "<no image>");
	if (!trunc)
		return xstrdup(c->image);
	trunc_id(c->image, a);
	trunc_id(c->image_id ? c->image_id : "", b);
	if (!strcmp(a, b))
		return xstrdup(a);
	at = strchr(c->image, '@');
	return at ? xstrndup(c->image, (size_t)(at - c->image)) : xstrdup(c->image);
}

/* Labels as ps prints them: "k=v,k2=v2". Allocated. */
/* The PORTS column of one that runs: its published ports, and the
 * image's other EXPOSE ports as "80/tcp". */
static char *ps_ports(const struct ctr_config *c, const struct ctr_state *s)
{
	struct ctr_net_info ni;
	char *text;

	if (!ctr_active(s) || ctr_net_info_load(c->id, &ni) < 0) {
		err_clear();
		return xstrdup("");
	}
	for (size_t i = 0; i < c->expose.n; i++) {
		struct port_map m = { 0 };
		bool published = false;

		if (port_parse_exposed(c->expose.v[i], &m.proto, &m.ctr_port) < 0) {
			err_clear();
			continue;
		}
		for (size_t j = 0; j < ni.nports; j++)
			published |= ni.ports[j].proto == m.proto && ni.ports[j].ctr_port == m.ctr_port;
		if (published)
			continue;
		ni.ports = xrealloc(ni.ports, (ni.nports + 1) * sizeof(*ni.ports));
		ni.ports[ni.nports++] = m;
	}
	text = port_format(ni.ports, ni.nports);
	ctr_net_info_clear(&ni);
	return text;
}

/* The NETWORKS column: the networks it joins, or its mode. */
static char *ps_networks(const struct ctr_config *c)
{
	struct sbuf b = { 0 };

	if (!ctr_net_joins(c))
		return xstrdup(c->network_mode ? c->network_mode : "none");
	for (size_t i = 0; i < c->neps; i++)
		sbuf_addf(&b, "%s%s", i ? "," : "", c->eps[i].network);
	return b.s ? b.s : xstrdup("");
}

char *ctr_labels_text(const struct strv *labels)
{
	size_t len = 1;
	char *out, *p;

	for (size_t i = 0; i < labels->n; i++)
		len += strlen(labels->v[i]) + 1;
	p = out = xmalloc(len);
	*p = '\0';
	for (size_t i = 0; i < labels->n; i++)
		p += sprintf(p, "%s%s", i ? "," : "", labels->v[i]);
	return out;
}

/* Docker's ps {{.Mounts}}: each mount's volume name, else its source,
 * cut to 15 columns with "…" when trunc; a --tmpfs is none. Allocated. */
static char *ps_mounts(const struct ctr_config *c, bool trunc)
{
	char *out = xzalloc(1);
	size_t shown = 0;

	for (size_t i = 0; i < c->nmounts; i++) {
		const struct vol_mount *m = &c->mounts[i];
		const char *n = m->name ? m->name : m->source ? m->source : "";
		char *next;

		if (m->from == VOL_FROM_TMPFS)
			continue;
		if (trunc && strlen(n) > 15)
			next = xasprintf("%s%s%.14s\u2026", out, shown++ ? "," : "", n);
		else
			next = xasprintf("%s%s%s", out, shown++ ? "," : "", n);
		free(out);
		out = next;
	}
	return out;
}

/* Docker's "Up 5 seconds (healthy)": running, not paused, with a check. */
static void ps_health(const struct ctr_config *c, const struct ctr_state *s, char *buf,
		      size_t len)
{
	enum health_status h = s->status == CTR_RUNNING ? view_health(c) : HEALTH_NONE;
	size_t n = strlen(buf);

	if (h != HEALTH_NONE)
		snprintf(buf + n, len - n, " (%s)", health_status_ps(h));
}

struct json *ctr_ps_row(const struct ctr_config *c, const struct ctr_state *s, long long now_ns,
			bool trunc)
{
	struct json *o = json_new_obj();
	char buf[CTR_TEXT_LEN + 8], when[80];
	autofree char *image = ps_image(c, trunc), *cmd = ctr_command_text(&c->argv, trunc);
	autofree char *labels = ctr_labels_text(&c->labels), *nets = ps_networks(c);
	autofree char *ports = ps_ports(c, s), *mounts = ps_mounts(c, trunc);

	snprintf(buf, trunc ? CTR_SHORT_ID + 1 : sizeof(buf), "%s", c->id);
	json_add_str(o, "ID", buf);
	json_add_str(o, "Image", image);
	json_add_str(o, "Command", cmd);
	/* ps shows whole seconds, as Docker's (its Created is in seconds) */
	ctr_time_go(c->created_ns - c->created_ns % NS_PER_S, when);
	json_add_str(o, "CreatedAt", when);
	str_human_duration((now_ns - c->created_ns) / NS_PER_S, buf, sizeof(buf) - 4);
	strcat(buf, " ago");
	json_add_str(o, "RunningFor", buf);
	json_add_str(o, "Ports", ports);
	ctr_status_text(s, now_ns, buf, sizeof(buf));
	ps_health(c, s, buf, sizeof(buf));
	json_add_str(o, "Status", buf);
	json_add_str(o, "State", ctr_status_name(s->status));
	json_add_str(o, "Names", c->name ? c->name : "");
	json_add_str(o, "Labels", labels);
	json_add_str(o, "Mounts", mounts);
	json_add_str(o, "Networks", nets);
	return o;
}

struct json *ctr_ps_header(void)
{
	static const char *const h[][2] = {
		{ "ID", "CONTAINER ID" }, { "Image", "IMAGE" }, { "Command", "COMMAND" },
		{ "CreatedAt", "CREATED AT" }, { "RunningFor", "CREATED" }, { "Ports", "PORTS" },
		{ "Status", "STATUS" }, { "State", "STATE" }, { "Names", "NAMES" },
		{ "Labels", "LABELS" }, { "Mounts", "MOUNTS" }, { "Networks", "NETWORKS" },
	};

	return json_new_pairs(h, ARRAY_SIZE(h));
}

/* ---- top ---- */

/* ps -ef's STIME: HH:MM today, else "Mon DD". */
static void top_stime(unsigned long long start, char out[16])
{
	long hz = sysconf(_SC_CLK_TCK);
	struct timespec up;
	time_t now = time(NULL), t;
	struct tm tm, today;

	clock_gettime(CLOCK_BOOTTIME, &up);
	t = now - up.tv_sec + (time_t)(start / (unsigned long long)(hz > 0 ? hz : 100));
	localtime_r(&t, &tm);
	localtime_r(&now, &today);
	strftime(out, 16, tm.tm_yday == today.tm_yday && tm.tm_year == today.tm_year ?
		 "%H:%M" : "%b%d", &tm);
}

static char *top_row(const struct proc_info *p)
{
	long hz = sysconf(_SC_CLK_TCK);
	unsigned long long secs = (p->utime + p->stime) / (unsigned long long)(hz > 0 ? hz : 100);
	struct passwd *pw = getpwuid(p->uid);
	char stime[16], tty[16] = "?";
	int pts = (p->tty_nr & 0xff) | ((p->tty_nr >> 12) & 0xfff00);

	top_stime(p->start, stime);
	if (p->tty_nr)
		snprintf(tty, sizeof(tty), "pts/%d", pts);
	return xasprintf("%-8s %-7d %-7d %-2d %-5s %-8s %02llu:%02llu:%02llu %s",
			 pw ? pw->pw_name : "?", (int)p->pid, (int)p->ppid, 0, stime, tty,
			 secs / 3600, secs / 60 % 60, secs % 60,
			 *p->cmdline ? p->cmdline : p->comm);
}

int ctr_top(const struct ctr_state *s, struct strv *lines)
{
	pid_t *pids = NULL;
	size_t n = 0;

	if (!s->cg.n)
		return err_setx(ESRCH, "no cgroup");
	if (proc_cgroup_pids(s->cg.h[0].dir, &pids, &n) < 0)
		return -err_errno();
	strv_push_take(lines, xasprintf("%-8s %-7s %-7s %-2s %-5s %-8s %-8s %s", "UID", "PID",
					"PPID", "C", "STIME", "TTY", "TIME", "CMD"));
	for (size_t i = 0; i < n; i++) {
		struct proc_info p;

		if (proc_read(pids[i], &p) < 0) {
			err_clear();	/* it exited meanwhile */
			continue;
		}
		strv_push_take(lines, top_row(&p));
		proc_info_clear(&p);
	}
	free(pids);
	return 0;
}

/* ---- inspect ---- */

/* v as a JSON array under key; Go's nil slice (null) when empty and
 * null_empty, as Docker prints unset lists. */
static void add_strv(struct json *o, const char *key, const struct strv *v, bool null_empty)
{
	struct json *a;

	if (!v->n && null_empty) {
		json_add_null(o, key);
		return;
	}
	a = json_add_arr(o, key);
	for (size_t i = 0; i < v->n; i++)
		json_add_str(a, NULL, v->v[i]);
}

static void inspect_state(const struct ctr_state *s, struct json *o)
{
	char t[40];

	json_add_str(o, "Status", ctr_status_name(s->status));
	json_add_bool(o, "Running", s->status == CTR_RUNNING || s->status == CTR_PAUSED ||
		      s->status == CTR_RESTARTING);
	json_add_bool(o, "Paused", s->status == CTR_PAUSED);
	json_add_bool(o, "Restarting", s->status == CTR_RESTARTING);
	json_add_bool(o, "OOMKilled", s->oom_killed);
	json_add_bool(o, "Dead", s->status == CTR_DEAD);
	json_add_i64(o, "Pid", s->pid);
	json_add_i64(o, "ExitCode", s->exit_code);
	json_add_str(o, "Error", s->error);
	ctr_time_rfc3339(s->started_ns, t);
	json_add_str(o, "StartedAt", t);
	ctr_time_rfc3339(s->finished_ns, t);
	json_add_str(o, "FinishedAt", t);
}

/* State.Health, with a check (Docker's times, in RFC 3339). */
static void inspect_health(const struct ctr_config *c, const char *dir, struct json *o)
{
	struct json *hj, *log;
	struct health h;
	char t[40];

	if (!health_config_active(&c->health))
		return;
	if (health_load(dir, &h) < 0)
		err_clear();
	if (h.status == HEALTH_NONE)
		return;	/* never started: Docker has no Health yet */
	hj = json_add_obj(o, "Health");
	json_add_str(hj, "Status", health_status_name(h.status));
	json_add_i64(hj, "FailingStreak", h.failing_streak);
	log = json_add_arr(hj, "Log");
	for (size_t i = 0; i < h.nlog; i++) {
		struct json *e = json_add_obj(log, NULL);

		ctr_time_rfc3339(h.log[i].start_ns, t);
		json_add_str(e, "Start", t);
		ctr_time_rfc3339(h.log[i].end_ns, t);
		json_add_str(e, "End", t);
		json_add_i64(e, "ExitCode", h.log[i].exit_code);
		json_add_str(e, "Output", h.log[i].output);
	}
	health_clear(&h);
}

/* A --device as Docker records it. */
static void inspect_device(const struct secpol_device *v, struct json *a)
{
	struct json *d = json_add_obj(a, NULL);

	json_add_str(d, "PathOnHost", v->host);
	json_add_str(d, "PathInContainer", v->path);
	json_add_str(d, "CgroupPermissions", v->access);
}

/* HostConfig.SecurityOpt: null when nothing was asked, as Docker. */
static void inspect_secopts(const struct ctr_config *c, const char *dir, struct json *o)
{
	struct json *a;

	if (c->seccomp == SECPOL_SECCOMP_DEFAULT && !c->no_new_privs) {
		json_add_null(o, "SecurityOpt");
		return;
	}
	a = json_add_arr(o, "SecurityOpt");
	if (c->seccomp == SECPOL_SECCOMP_UNCONFINED) {
		json_add_str(a, NULL, "seccomp=unconfined");
	} else if (c->seccomp == SECPOL_SECCOMP_FILE) {
		autofree char *s = xasprintf("seccomp=%s/seccomp.json", dir);

		json_add_str(a, NULL, s);
	}
	if (c->no_new_privs)
		json_add_str(a, NULL, "no-new-privileges");
}

static void inspect_log(const struct ctr_config *c, struct json *o)
{
	struct json *lc = json_add_obj(o, "LogConfig"), *cfg;
	char v[24];

	json_add_str(lc, "Type", "dory");
	cfg = json_add_obj(lc, "Config");
	/* in effect, defaults included; bytes, where Docker echoes "10m" */
	snprintf(v, sizeof(v), "%lld", c->log_max_size > 0 ? c->log_max_size : CTRLOG_DEFAULT_SIZE);
	json_add_str(cfg, "max-size", v);
	snprintf(v, sizeof(v), "%d", c->log_max_file > 0 ? c->log_max_file : CTRLOG_DEFAULT_FILES);
	json_add_str(cfg, "max-file", v);
}

/* HostConfig.Tmpfs: each --tmpfs path and its options, as given. */
static void inspect_tmpfs(const struct ctr_config *c, struct json *o)
{
	struct json *t = NULL;

	for (size_t i = 0; i < c->nmounts; i++)
		if (c->mounts[i].from == VOL_FROM_TMPFS) {
			if (!t)
				t = json_add_obj(o, "Tmpfs");
			json_add_str(t, c->mounts[i].target, c->mounts[i].data);
		}
}

/* --ulimit, --sysctl, --shm-size, --group-add, --oom-score-adj, --pid */
static void inspect_tune(const struct rt_tune *t, struct json *o)
{
	ctr_ulimits_json(t, o, "Ulimits");
	if (t->sysctls.n)
		json_add_kv(o, "Sysctls", &t->sysctls);
	json_add_i64(o, "ShmSize", t->shm_size ? t->shm_size : RT_SHM_DEFAULT);
	add_strv(o, "GroupAdd", &t->groups, true);
	json_add_i64(o, "OomScoreAdj", t->oom_score_adj);
}

/* Docker's HostConfig.PidMode: "", "host" or "container:ID". */
static void inspect_pidmode(const struct ctr_config *c, struct json *o)
{
	autofree char *m = c->pid_ctr ? xasprintf("container:%s", c->pid_ctr) : NULL;

	json_add_str(o, "PidMode", m ? m : c->tune.hostpid ? "host" : "");
}

static void inspect_host(const struct ctr_config *c, const char *dir, struct json *o)
{
	const struct cg_limits *l = &c->limits;
	long long mem = l->memory > 0 ? l->memory : 0, period = l->cpu_period_us ?: 100000;
	struct json *rp, *a;

	json_add_i64(o, "Memory", mem);
	/* the daemon records twice the memory when swap was not given */
	json_add_i64(o, "MemorySwap", l->memory_swap ? l->memory_swap : mem * 2);
	json_add_i64(o, "NanoCpus", l->cpu_quota_us > 0 ? l->cpu_quota_us * NS_PER_S / period : 0);
	json_add_i64(o, "CpuShares", l->cpu_shares);
	if (l->pids > 0)
		json_add_i64(o, "PidsLimit", l->pids);
	else
		json_add_null(o, "PidsLimit");
	json_add_str(o, "CpusetCpus", l->cpuset_cpus ? l->cpuset_cpus : "");
	json_add_str(o, "CpusetMems", l->cpuset_mems ? l->cpuset_mems : "");
	json_add_str(o, "CgroupParent", c->cgroup_parent ? c->cgroup_parent : "");
	json_add_str(o, "NetworkMode", c->network_mode ? c->network_mode : "none");
	json_add_bool(o, "PublishAllPorts", c->publish_all);
	add_strv(o, "Links", &c->links, true);
	json_add_bool(o, "Privileged", c->privileged);
	json_add_bool(o, "ReadonlyRootfs", c->readonly);
	add_strv(o, "CapAdd", &c->cap_add, true);
	add_strv(o, "CapDrop", &c->cap_drop, true);
	json_add_bool(o, "AutoRemove", c->autoremove);
	inspect_tmpfs(c, o);
	if (c->init)
		json_add_bool(o, "Init", true);
	rp = json_add_obj(o, "RestartPolicy");
	json_add_str(rp, "Name", ctr_restart_name(c->restart));
	json_add_i64(rp, "MaximumRetryCount", c->restart_max);
	inspect_log(c, o);
	inspect_secopts(c, dir, o);
	a = json_add_arr(o, "Devices");
	for (size_t i = 0; i < c->ndevices; i++)
		inspect_device(&c->devices[i], a);
	add_strv(o, "Dns", &c->dns, false);
	add_strv(o, "DnsOptions", &c->dns_opts, false);
	add_strv(o, "DnsSearch", &c->dns_search, false);
	add_strv(o, "ExtraHosts", &c->extra_hosts, true);
	inspect_tune(&c->tune, o);
	inspect_pidmode(c, o);
}

/* The container's /etc files on the host (ROOT/containers/ID); with
 * --network container:ID, that container's, which it shares. */
static void inspect_netfiles(const struct ctr_config *c, const char *dir, struct json *o)
{
	static const char *const keys[][2] = {
		{ "ResolvConfPath", "resolv.conf" }, { "HostnamePath", "hostname" },
		{ "HostsPath", "hosts" },
	};
	const char *m = c->network_mode;
	autofree char *other = m && str_has_prefix(m, "container:") ? ctr_dir(m + 10) : NULL;

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		autofree char *p = xasprintf("%s/%s", other ? other : dir, keys[i][1]);

		json_add_str(o, keys[i][0], p);
	}
}

static void inspect_config(const struct ctr_config *c, struct json *o)
{
	struct json *lab;

	json_add_str(o, "Hostname", c->hostname ? c->hostname : "");
	json_add_str(o, "Domainname", "");
	json_add_str(o, "User", c->user ? c->user : "");
	json_add_bool(o, "Tty", c->tty);
	json_add_bool(o, "OpenStdin", c->interactive);
	add_strv(o, "Env", &c->env, true);
	add_strv(o, "Cmd", &c->cmd, true);
	health_config_put(o, "Healthcheck", &c->health);
	json_add_str(o, "Image", c->image ? c->image : c->rootfs ? c->rootfs : "");
	json_add_str(o, "WorkingDir", c->workdir ? c->workdir : "");
	add_strv(o, "Entrypoint", &c->entrypoint, true);
	if (c->mac)
		json_add_str(o, "MacAddress", c->mac);
	if (c->expose.n) {
		struct json *ex = json_add_obj(o, "ExposedPorts");

		for (size_t i = 0; i < c->expose.n; i++)
			json_add_obj(ex, c->expose.v[i]);
	}
	lab = json_add_obj(o, "Labels");
	for (size_t i = 0; i < c->labels.n; i++) {
		const char *eq = strchr(c->labels.v[i], '=');
		autofree char *k = eq ? xstrndup(c->labels.v[i], (size_t)(eq - c->labels.v[i])) :
				   xstrdup(c->labels.v[i]);

		json_add_str(lab, k, eq ? eq + 1 : "");
	}
	json_add_str(o, "StopSignal", c->stop_signal ? c->stop_signal : "SIGTERM");
	json_add_i64(o, "StopTimeout", c->stop_timeout);
}

/* NetworkSettings.Ports: "80/tcp": [{HostIp, HostPort}], or null for an
 * exposed port not published. */
static void inspect_ports(const struct ctr_config *c, const struct ctr_net_info *ni,
			  struct json *o)
{
	for (size_t i = 0; i < ni->nports; i++) {
		char key[16], ip[16], port[8];
		struct json *a, *b;

		snprintf(key, sizeof(key), "%u/%s", ni->ports[i].ctr_port,
			 port_proto_name(ni->ports[i].proto));
		a = json_get(o, key);
		if (!a)
			a = json_add_arr(o, key);
		b = json_add_obj(a, NULL);
		ipam_ip_format(ni->ports[i].host_ip, ip);
		snprintf(port, sizeof(port), "%u", ni->ports[i].host_port);
		json_add_str(b, "HostIp", ni->ports[i].v6 ? "::" : ip);
		json_add_str(b, "HostPort", port);
	}
	for (size_t i = 0; i < c->expose.n; i++) {
		uint8_t proto;
		uint16_t port;
		char key[16];

		if (port_parse_exposed(c->expose.v[i], &proto, &port) < 0) {
			err_clear();
			continue;
		}
		snprintf(key, sizeof(key), "%u/%s", port, port_proto_name(proto));
		if (!json_get(o, key))
			json_add_null(o, key);
	}
}

/* IPv6Gateway, GlobalIPv6Address and its prefix: e's, or empty (NULL). */
static void inspect_ip6(const struct ctr_net_info_ep *e, struct json *n)
{
	char ip[IPAM_IP6_LEN] = "";

	if (e)
		ipam_ip6_format(e->gateway6, ip);
	json_add_str(n, "IPv6Gateway", ip);
	if (e)
		ipam_ip6_format(e->ip6, ip);
	json_add_str(n, "GlobalIPv6Address", ip);
	json_add_i64(n, "GlobalIPv6PrefixLen", e ? e->prefix6 : 0);
}

static void inspect_endpoint(const struct ctr_net_info_ep *e, struct json *n)
{
	char ip[16], mac[18];

	json_add_null(n, "IPAMConfig");
	json_add_null(n, "Links");
	if (e->aliases.n) {
		struct json *a = json_add_arr(n, "Aliases");

		for (size_t i = 0; i < e->aliases.n; i++)
			json_add_str(a, NULL, e->aliases.v[i]);
	} else {
		json_add_null(n, "Aliases");
	}
	link_mac_format(e->mac, mac);
	json_add_str(n, "MacAddress", mac);
	json_add_str(n, "NetworkID", e->net_id);
	ipam_ip_format(e->gateway, ip);
	json_add_str(n, "Gateway", e->gateway ? ip : "");
	ipam_ip_format(e->ip, ip);
	json_add_str(n, "IPAddress", ip);
	json_add_i64(n, "IPPrefixLen", e->prefix);
	inspect_ip6(e->has6 ? e : NULL, n);
}

/* Docker's MountPoint: a volume's Source is its Mountpoint, and its Mode
 * "z" when none was given (an anonymous one's ""); a bind's Propagation
 * rprivate unless given. A --tmpfs is HostConfig.Tmpfs's, not here. */
static void inspect_mounts(const struct ctr_config *c, struct json *a)
{
	static const char *const types[] = { "bind", "volume", "tmpfs" };

	for (size_t i = 0; i < c->nmounts; i++) {
		const struct vol_mount *m = &c->mounts[i];
		bool vol = m->type == VOL_MOUNT_VOLUME, bind = m->type == VOL_MOUNT_BIND;
		autofree char *src = vol ? vol_mountpoint(m->name) : xstrdup(bind ? m->source : "");
		struct json *e;

		if (m->from == VOL_FROM_TMPFS)
			continue;
		e = json_add_obj(a, NULL);
		json_add_str(e, "Type", types[m->type]);
		if (vol)
			json_add_str(e, "Name", m->name);
		json_add_str(e, "Source", src);
		json_add_str(e, "Destination", m->target);
		if (vol)
			json_add_str(e, "Driver", "local");
		json_add_str(e, "Mode", vol && !*m->mode && !(m->anon && m->from != VOL_FROM_MOUNT) ?
			     "z" : m->mode ? m->mode : "");
		json_add_bool(e, "RW", !m->ro);
		json_add_str(e, "Propagation", !bind ? "" : m->propagation ? m->propagation :
			     "rprivate");
	}
}

/* Docker's NetworkSettings: the top-level address fields are the default
 * bridge network's only, as Docker fills them. */
static void inspect_net(const struct ctr_config *c, const struct ctr_state *s, struct json *o)
{
	struct ctr_net_info ni = { 0 };
	const struct ctr_net_info_ep *br = NULL;
	struct json *nets;
	char ip[16];

	if (!ctr_active(s) || ctr_net_info_load(c->id, &ni) < 0)
		err_clear();
	json_add_str(o, "Bridge", "");
	inspect_ports(c, &ni, json_add_obj(o, "Ports"));
	for (size_t i = 0; i < ni.neps; i++)
		if (!strcmp(ni.eps[i].network, "bridge"))
			br = &ni.eps[i];
	ipam_ip_format(br ? br->gateway : 0, ip);
	json_add_str(o, "Gateway", br ? ip : "");
	ipam_ip_format(br ? br->ip : 0, ip);
	json_add_str(o, "IPAddress", br ? ip : "");
	json_add_i64(o, "IPPrefixLen", br ? br->prefix : 0);
	inspect_ip6(br && br->has6 ? br : NULL, o);
	if (br) {
		char mac[18];

		link_mac_format(br->mac, mac);
		json_add_str(o, "MacAddress", mac);
	} else {
		json_add_str(o, "MacAddress", "");
	}
	nets = json_add_obj(o, "Networks");
	for (size_t i = 0; i < ni.neps; i++)
		inspect_endpoint(&ni.eps[i], json_add_obj(nets, ni.eps[i].network));
	if (!ni.neps && !ctr_net_joins(c))
		json_add_obj(nets, c->network_mode && strncmp(c->network_mode, "container:", 10)
				   ? c->network_mode : "none");
	ctr_net_info_clear(&ni);
}

void ctr_inspect(const struct ctr_config *c, const struct ctr_state *s, const char *dir,
		 struct json *o)
{
	char t[40];
	struct json *args, *st;
	autofree char *name = xasprintf("/%s", c->name ? c->name : "");
	autofree char *log = xasprintf("%s/ctr.log", dir);

	json_add_str(o, "Id", c->id);
	ctr_time_rfc3339(c->created_ns, t);
	json_add_str(o, "Created", t);
	json_add_str(o, "Path", c->argv.n ? c->argv.v[0] : "");
	args = json_add_arr(o, "Args");
	for (size_t i = 1; i < c->argv.n; i++)
		json_add_str(args, NULL, c->argv.v[i]);
	st = json_add_obj(o, "State");
	inspect_state(s, st);
	inspect_health(c, dir, st);
	json_add_str(o, "Image", c->image_id ? c->image_id : "");
	inspect_netfiles(c, dir, o);
	json_add_str(o, "LogPath", log);
	json_add_str(o, "Name", name);
	json_add_i64(o, "RestartCount", s->restart_count);
	json_add_str(o, "Driver", c->rootfs ? "" : ctr_driver_name(c->driver));
	json_add_str(o, "Platform", "linux");
	inspect_host(c, dir, json_add_obj(o, "HostConfig"));
	inspect_mounts(c, json_add_arr(o, "Mounts"));
	inspect_config(c, json_add_obj(o, "Config"));
	inspect_net(c, s, json_add_obj(o, "NetworkSettings"));
}
