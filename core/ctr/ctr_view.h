// SPDX-License-Identifier: Apache-2.0
/* ctr_view.h - containers as Docker shows them: ps rows, statuses, ages,
 * ps filters, top's table and the inspect object. Reads records, stores none. */
#ifndef DORY_CTR_VIEW_H
#define DORY_CTR_VIEW_H

#include "core/ctr/ctr.h"
#include "core/util/json.h"

enum { CTR_SHORT_ID = 12, CTR_TEXT_LEN = 64 };

/* Docker's STATUS column at now: "Created", "Up 3 minutes (Paused)",
 * "Restarting (1) 2 seconds ago", "Exited (0) 2 seconds ago", "Dead". */
void ctr_status_text(const struct ctr_state *s, long long now_ns, char *buf, size_t len);
/* Go's RFC3339Nano in UTC ("2024-05-01T10:00:00.5Z"); 0 gives Go's zero
 * time, "0001-01-01T00:00:00Z", as Docker prints an unset time. */
void ctr_time_rfc3339(long long ns, char out[40]);
/* Go's Time.String() in local time, as Docker's {{.CreatedAt}} prints it:
 * "2024-05-01 10:00:00.5 +0000 UTC" (no fraction for a whole second). */
void ctr_time_go(long long ns, char out[80]);
/* Labels "K=V" joined by commas, as ps's and network ls's LABELS. Allocated. */
char *ctr_labels_text(const struct strv *labels);
/* The command as Docker's ps shows it: the arguments holding a space in
 * single quotes, then Go-quoted; trunc: 19 characters and "…". Allocated. */
char *ctr_command_text(const struct strv *argv, bool trunc);

/* ps --filter: name=, id=, status=, label=, exited=, health=. One key
 * given several times matches any of its values (label=: all of them, as
 * Docker). */
struct ctr_filter {
	struct strv name, id, status, label, exited;
	struct strv health;	/* starting, healthy, unhealthy, none */
};

/* Add "KEY=VALUE"; -EINVAL (recorded) for an unknown key or status. */
int ctr_filter_add(struct ctr_filter *f, const char *kv);
bool ctr_filter_match(const struct ctr_filter *f, const struct ctr_config *c,
		      const struct ctr_state *s);
/* Whether the filter names a status or an exit code: Docker then lists
 * stopped containers without -a. */
bool ctr_filter_wants_all(const struct ctr_filter *f);
void ctr_filter_clear(struct ctr_filter *f);
/* Docker's name filter, a regular expression with ^ $ . * and \: a
 * match anywhere in name. */
bool ctr_name_match(const char *pattern, const char *name);

/* The ps row object for --format ({{.ID}}, {{.Image}}, {{.Command}},
 * {{.CreatedAt}}, {{.RunningFor}}, {{.Ports}}, {{.Status}}, {{.State}},
 * {{.Names}}, {{.Labels}}, {{.Mounts}}, {{.Networks}}); trunc as
 * ps without --no-trunc. Allocated; json_free it. */
struct json *ctr_ps_row(const struct ctr_config *c, const struct ctr_state *s, long long now_ns,
			bool trunc);
/* The same keys with the column titles ("CONTAINER ID"...), for a table's
 * header line. Allocated. */
struct json *ctr_ps_header(void);
/* Docker's default ps --format (a table). */
extern const char ctr_ps_format[];

/* `top`: ps -ef's header and a line per process of the container's
 * cgroup (allocated, into lines), as Docker prints them. */
int ctr_top(const struct ctr_state *s, struct strv *lines);

/* Docker's container inspect object of c and s into the empty object o;
 * dir is the container's directory (ROOT/containers/ID) for LogPath. */
void ctr_inspect(const struct ctr_config *c, const struct ctr_state *s, const char *dir,
		 struct json *o);

#endif
