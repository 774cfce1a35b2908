// SPDX-License-Identifier: Apache-2.0
/* image_pull.c - pull: manifest (via an index when there is one), config,
 * then each missing layer in one pass network -> blob -> gunzip -> tar ->
 * layer dir, in parallel worker processes. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>

#include "core/image/image.h"
#include "core/image/layer.h"
#include "core/image/platform.h"
#include "core/registry/image_pull.h"
#include "core/registry/registry.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/gz.h"
#include "core/util/json.h"
#include "core/util/log.h"
#include "core/util/xalloc.h"

enum {
	IMG_MAX_CONFIG = 16 << 20, IMG_BUF = 64 << 10, IMG_RETRIES = 3, IMG_MAX_LAYERS = 1000,
	IMG_MAX_JOBS = 8,
};

struct pull {
	struct store *st;
	struct reg *reg;
	struct ref ref;
	const struct image_pull_opts *o;
	struct platform want;
	char top[DIGEST_STRLEN];	/* what the tag names: index or manifest */
	char index[DIGEST_STRLEN];	/* "" when there is none */
	char manifest[DIGEST_STRLEN];
	char config[DIGEST_STRLEN];
	struct json *man;
	struct json *cfg;
	int n;
	struct image_layer *layers;
	bool *deferred;			/* per layer: it links into a lower layer, so
					 * it is unpacked after them */
	/* Index, manifest and config: stored only once every layer is, so a
	 * failed pull leaves no new documents behind. */
	struct reg_doc docs[3];
	int ndocs;
	/* Progress from the layer workers: each writes pull_tick records to
	 * tick_wr, read here (tick_rd); -1 when nobody listens. */
	int tick_rd, tick_wr;
	bool worker;	/* this is a layer worker: tell through tick_wr */
};

/* A layer worker's word on its progress: under PIPE_BUF, so whole. */
struct pull_tick {
	int layer;
	long long done;
};

/* ---- telling the caller ---- */

static void pull_tell(const struct pull *p, enum image_pull_what what, int layer,
		      long long done)
{
	struct image_pull_event e = { .what = what, .ref = &p->ref, .layer = layer,
				      .digest = p->top, .done = done, .total = -1 };

	if (!p->o->progress)
		return;
	if (layer >= 0) {
		e.digest = p->layers[layer].digest;
		e.total = p->layers[layer].size;
	}
	p->o->progress(p->o->progress_ctx, &e);
}

/* Bytes of layer l fetched so far: told, or sent on by a worker. */
static void pull_bytes(const struct pull *p, const struct image_layer *l, long long done)
{
	struct pull_tick t = { .layer = (int)(l - p->layers), .done = done };

	if (!p->worker)
		pull_tell(p, IMAGE_PULL_BYTES, t.layer, done);
	else if (p->tick_wr >= 0)	/* a full pipe drops a tick, never stalls the download */
		(void)!write(p->tick_wr, &t, sizeof(t));
}

/* ---- one layer: the streaming pipeline ---- */

struct pipe_state {
	struct sha256 diff;
	struct layer_unpack *u;
	struct gz *z;
};

static int tar_sink(void *arg, const void *p, size_t n)
{
	struct pipe_state *s = arg;

	sha256_update(&s->diff, p, n);
	return layer_unpack_feed(s->u, p, n);
}

static int pipe_feed(struct pipe_state *s, const void *p, size_t n)
{
	return s->z ? gz_feed(s->z, p, n) : tar_sink(s, p, n);
}

/* Feed what an interrupted download left on disk (already hashed by the
 * writer) through gunzip and tar. */
static int feed_fd(struct pipe_state *s, int fd, long long len, char *buf)
{
	long long off = 0;

	while (len < 0 || off < len) {
		size_t want = len < 0 || len - off > IMG_BUF ? IMG_BUF : (size_t)(len - off);
		ssize_t r = pread(fd, buf, want, off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return err_set(errno, "read the stored part of the layer");
		if (r == 0)
			break;
		int rc = pipe_feed(s, buf, r);
		if (rc < 0)
			return rc;
		off += r;
	}
	return 0;
}

/* When gunzip or tar fail on network data, the blob's digest decides
 * whose fault it is: read the rest, and a digest mismatch is the error. */
static int blame_blob(struct pull *p, const struct image_layer *l, struct http_resp *rs,
		      struct store_blob_writer **wp, char *buf, int perr)
{
	char msg[256];
	ssize_t r;

	snprintf(msg, sizeof(msg), "%s", err_str());
	while ((r = http_read(rs, buf, IMG_BUF)) > 0)
		if (store_blob_writer_write(*wp, buf, r) < 0)
			return -err_errno();
	if (r == 0 && store_blob_writer_commit(TAKE(*wp), NULL) < 0)
		return -err_errno();
	/* A sound blob with bad content (an escaping entry): not kept. One
	 * that only needs its lower layers (EXDEV) is unpacked again later. */
	if (perr != -EXDEV)
		store_blob_remove(p->st, l->digest);
	return err_setx(-perr, "%s", msg);
}

/* Network bytes from offset on: into the blob writer and the pipeline.
 * *net says whether a failure was the network's (worth resuming). */
static int feed_net(struct pull *p, struct image_layer *l, struct store_blob_writer **wp,
		    struct pipe_state *s, char *buf, bool *net)
{
	long long off = store_blob_writer_offset(*wp), from = 0, skip;
	struct http_resp *rs = NULL;
	ssize_t r;
	int rc;

	*net = true;
	rc = reg_blob_open(p->reg, l->digest, off, &rs, &from);
	if (rc < 0)
		return rc;
	skip = off - from;	/* the server ignored Range: drop what we have */
	pull_bytes(p, l, off);
	while ((r = http_read(rs, buf, IMG_BUF)) > 0) {
		size_t o = 0;

		if (skip > 0) {
			o = skip < r ? (size_t)skip : (size_t)r;
			skip -= o;
		}
		*net = false;
		rc = store_blob_writer_write(*wp, buf + o, r - o);
		if (rc < 0)
			break;
		off += r - o;
		pull_bytes(p, l, off);
		rc = pipe_feed(s, buf + o, r - o);
		if (rc < 0) {
			rc = blame_blob(p, l, rs, wp, buf, rc);
			break;
		}
		*net = true;
	}
	if (r < 0)
		rc = (int)r;
	http_resp_free(rs);
	if (rc < 0)
		return err_ctx("layer %.19s", l->digest);
	*net = false;
	return 0;
}

/* A deferred layer gets its lower layers' directories, top first. */
static int layer_lowers(struct pull *p, struct image_layer *l, struct layer_unpack *u)
{
	int n = (int)(l - p->layers), rc = 0, k;
	autofree int *fds = xmalloc(sizeof(int) * (n + 1));

	for (k = 0; k < n && !rc; k++) {
		autofree char *dir = store_layer_path(p->st, p->layers[n - 1 - k].chain);

		fds[k] = openat(AT_FDCWD, dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fds[k] < 0)
			rc = err_set(errno, "open layer %s", dir);
	}
	if (!rc)
		rc = layer_unpack_set_lowers(u, fds, n);
	while (k--)
		if (fds[k] >= 0)
			close(fds[k]);
	return rc;
}

static int layer_fetch_once(struct pull *p, struct image_layer *l, bool *net)
{
	struct pipe_state s = { 0 };
	struct store_layer_tx *tx = NULL;
	struct store_blob_writer *w = NULL;
	autofree char *buf = xmalloc(IMG_BUF);
	char got[DIGEST_STRLEN];
	bool fetched;
	int rc, fd;

	*net = false;
	rc = store_layer_begin(p->st, l->chain, l->diff, *l->parent ? l->parent : NULL,
			       l->digest, &tx);
	if (rc != 0)
		return rc < 0 ? rc : 0;	/* 1: another pull made it meanwhile */
	sha256_init(&s.diff);
	s.u = layer_unpack_new(store_layer_tx_fd(tx), LAYER_WH_OVERLAY);
	if (!s.u) {
		rc = -err_errno();
		goto out;
	}
	if (l->gzip)
		s.z = gz_inflate_new(tar_sink, &s);
	if (p->deferred[l - p->layers] && (rc = layer_lowers(p, l, s.u)) < 0)
		goto out;
	rc = store_blob_writer_open(p->st, l->digest, l->size, &w);
	fetched = rc == 0;
	if (rc == 1) {
		/* The blob is stored (a layer of another image): unpack from it. */
		fd = store_blob_open(p->st, l->digest);
		rc = fd < 0 ? fd : feed_fd(&s, fd, -1, buf);
		if (fd >= 0)
			close(fd);
	} else if (rc == 0) {
		rc = feed_fd(&s, store_blob_writer_fd(w), store_blob_writer_offset(w), buf);
		if (!rc)
			rc = feed_net(p, l, &w, &s, buf, net);
		if (!rc) {
			rc = store_blob_writer_commit(TAKE(w), NULL);
			*net = false;
		}
	}
	if (!rc && s.z)
		rc = gz_finish(s.z);
	if (!rc)
		rc = layer_unpack_finish(s.u);
	if (rc < 0)
		goto out;
	sha256_final_digest(&s.diff, got);
	if (strcmp(got, l->diff)) {
		rc = err_setx(EBADMSG, "layer %.19s unpacks to %s, not %s as the image config says",
			      l->digest, got, l->diff);
		/* The config lies, not the blob: one another image has stays. */
		if (fetched)
			store_blob_remove(p->st, l->digest);
		goto out;
	}
	rc = store_layer_commit(TAKE(tx), layer_unpack_stats(s.u)->bytes);
out:
	store_blob_writer_abort(w, *net);
	store_layer_abort(tx);
	gz_free(s.z);
	layer_unpack_free(s.u);
	return rc;
}

/* A layer, with retries (from where the last try stopped) on network errors. */
static int layer_fetch(struct pull *p, struct image_layer *l)
{
	int rc;
	bool net;

	for (int i = 0;; i++) {
		rc = layer_fetch_once(p, l, &net);
		if (rc >= 0 || !net || i + 1 >= IMG_RETRIES)
			return rc;
		dbg("layer %s: %s: resuming", l->digest, err_str());
		sleep(1u << i);
	}
}

/* ---- layers in parallel: one worker process each ---- */

struct worker {
	pid_t pid;
	int fd;		/* read end: the worker's error line */
	int layer;
};

static int worker_start(struct pull *p, int i, struct worker *wk)
{
	int pfd[2];
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return err_set(errno, "pipe");
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return err_set(errno, "fork");
	}
	if (pid == 0) {
		/* The worker has its own connections; the store's fds are
		 * shared and must stay open for the parent. */
		struct reg *own = reg_clone(p->reg);
		int rc;

		close(pfd[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		p->reg = own;
		p->worker = true;
		rc = layer_fetch(p, &p->layers[i]);
		if (rc < 0 && rc != -EXDEV)
			(void)!write(pfd[1], err_str(), strlen(err_str()));
		_exit(rc == -EXDEV ? 3 : rc < 0 ? 1 : 0);
	}
	close(pfd[1]);
	*wk = (struct worker){ .pid = pid, .fd = pfd[0], .layer = i };
	return 0;
}

/* Pass on what the workers have told of their progress. */
static void pull_ticks(struct pull *p)
{
	struct pull_tick t;

	while (p->tick_rd >= 0 && read(p->tick_rd, &t, sizeof(t)) == sizeof(t))
		if (t.layer >= 0 && t.layer < p->n)
			pull_tell(p, IMAGE_PULL_BYTES, t.layer, t.done);
}

/* The index of a worker that has finished (its pipe at end of file),
 * telling the others' progress meanwhile. */
static int worker_next(struct pull *p, const struct worker *wk, int nw)
{
	for (;;) {
		struct pollfd f[IMG_MAX_JOBS + 1];

		f[0] = (struct pollfd){ .fd = p->tick_rd, .events = POLLIN };
		for (int k = 0; k < nw; k++)
			f[k + 1] = (struct pollfd){ .fd = wk[k].fd, .events = POLLIN };
		if (poll(f, nw + 1, -1) < 0 && errno != EINTR)
			return err_set(errno, "wait for a layer worker");
		if (f[0].revents)
			pull_ticks(p);
		for (int k = 0; k < nw; k++)
			if (f[k + 1].revents)
				return k;
	}
}

/* Wait for any worker; 0 when it succeeded, else -errno with its message. */
static int worker_reap(struct pull *p, struct worker *wk, int *nw)
{
	char msg[256];
	int status = 0, k = worker_next(p, wk, *nw);
	ssize_t m = 0, got;
	struct worker done;

	if (k < 0)
		return k;
	/* Its one line, then end of file once it has exited. */
	while ((got = read(wk[k].fd, msg + m, sizeof(msg) - 1 - m)) > 0 ||
	       (got < 0 && errno == EINTR))
		m += got > 0 ? got : 0;
	msg[m] = 0;
	while (waitpid(wk[k].pid, &status, 0) < 0 && errno == EINTR)
		;
	close(wk[k].fd);
	pull_ticks(p);
	done = wk[k];
	wk[k] = wk[--*nw];
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		pull_tell(p, IMAGE_PULL_DONE, done.layer, 0);
		return 0;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 3) {
		p->deferred[done.layer] = true;
		return 0;
	}
	return err_setx(EIO, "%s", *msg ? msg : "a layer worker died");
}

/* Wait for every worker; on failure (rc) stop them first. */
static int pull_reap_all(struct pull *p, struct worker *wk, int *nwp, int rc)
{
	int nw = *nwp;

	for (int k = 0; k < nw && rc; k++)
		kill(wk[k].pid, SIGTERM);
	while (nw) {
		char keep[256];
		int r;

		snprintf(keep, sizeof(keep), "%s", err_str());
		r = worker_reap(p, wk, &nw);
		if (rc)
			err_setx(-rc, "%s", keep);
		else
			rc = r;
	}
	*nwp = nw;
	return rc;
}

/* A pipe for the workers' progress, when someone listens. */
static int pull_tick_pipe(struct pull *p)
{
	int fds[2];

	if (!p->o->progress)
		return 0;
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0)
		return err_set(errno, "pipe");
	p->tick_rd = fds[0];
	p->tick_wr = fds[1];
	return 0;
}

static int pull_layers(struct pull *p)
{
	int jobs = p->o->jobs, missing = 0, nw = 0, rc = 0;
	struct worker wk[IMG_MAX_JOBS];

	if (jobs <= 0) {
		long c = sysconf(_SC_NPROCESSORS_ONLN);
		jobs = c < 1 ? 1 : c > 4 ? 4 : (int)c;
	}
	if (jobs > IMG_MAX_JOBS)
		jobs = IMG_MAX_JOBS;
	for (int i = 0; i < p->n; i++) {
		bool has = store_layer_has(p->st, p->layers[i].chain);

		missing += !has;
		pull_tell(p, has ? IMAGE_PULL_EXISTS : IMAGE_PULL_QUEUED, i, 0);
	}
	if (jobs > 1 && missing > 1)
		rc = pull_tick_pipe(p);
	for (int i = 0; i < p->n && !rc; i++) {
		struct image_layer *l = &p->layers[i];

		if (store_layer_has(p->st, l->chain))
			continue;
		if (jobs == 1 || missing == 1) {
			rc = layer_fetch(p, l);
			if (rc == -EXDEV)
				p->deferred[i] = true, rc = 0;
			else if (!rc)
				pull_tell(p, IMAGE_PULL_DONE, i, 0);
			continue;
		}
		if (nw == jobs)
			rc = worker_reap(p, wk, &nw);
		if (!rc)
			rc = worker_start(p, i, &wk[nw++]) < 0 ? (nw--, -err_errno()) : 0;
	}
	/* On failure the others are stopped; their partial blobs resume later. */
	rc = pull_reap_all(p, wk, &nw, rc);
	/* Layers with hardlinks into lower layers, now that those are in. */
	for (int i = 0; i < p->n && !rc; i++)
		if (p->deferred[i] && !(rc = layer_fetch(p, &p->layers[i])))
			pull_tell(p, IMAGE_PULL_DONE, i, 0);
	return rc;
}

/* ---- manifests and config ---- */

/* Keep a verified document (taking it over) until the image is complete. */
static int pull_keep_doc(struct pull *p, struct reg_doc *d)
{
	if (p->ndocs == (int)ARRAY_SIZE(p->docs))
		return err_setx(EPROTO, "%s: too many nested manifests", p->ref.repo);
	p->docs[p->ndocs++] = *d;
	memset(d, 0, sizeof(*d));
	return 0;
}

static int pull_store_docs(struct pull *p)
{
	for (int i = 0; i < p->ndocs; i++) {
		const struct reg_doc *d = &p->docs[i];
		int rc = store_blob_put(p->st, d->body, d->len, d->digest, NULL);

		if (rc < 0)
			return rc;
	}
	return 0;
}

static int pull_manifest(struct pull *p)
{
	struct reg_doc d = { 0 };
	const char *mt;
	int rc;

	rc = reg_get_manifest(p->reg, p->ref.digest ? p->ref.digest : p->ref.tag, &d);
	if (rc < 0)
		return rc;
	snprintf(p->top, sizeof(p->top), "%s", d.digest);
	for (int hop = 0;; hop++) {
		struct json *j = json_parse(d.body, d.len);
		const char *kind;

		if (!j) {
			rc = err_ctx("manifest %s", d.digest);
			break;
		}
		mt = json_get_str(j, "mediaType");
		kind = mt && *mt ? mt : d.media_type;
		if (!strcmp(kind, MT_OCI_INDEX) || !strcmp(kind, MT_DOCKER_LIST) ||
		    (!*kind && json_get(j, "manifests"))) {
			char pick[DIGEST_STRLEN];

			rc = hop ? err_setx(EPROTO, "index %s points at another index", d.digest)
				 : platform_pick(j, &p->want, p->ref.repo, pick);
			json_free(j);
			snprintf(p->index, sizeof(p->index), "%s", d.digest);
			if (!rc)
				rc = pull_keep_doc(p, &d);
			reg_doc_clear(&d);
			if (!rc)
				rc = reg_get_manifest(p->reg, pick, &d);
			if (rc < 0)
				break;
			continue;
		}
		if (strcmp(kind, MT_OCI_MANIFEST) && strcmp(kind, MT_DOCKER_MANIFEST) &&
		    (*kind || !json_get(j, "layers"))) {
			rc = err_setx(ENOTSUP, "%s: manifest type \"%s\" is not supported "
				      "(dory takes OCI and Docker schema 2 images)", p->ref.repo, kind);
			json_free(j);
			break;
		}
		snprintf(p->manifest, sizeof(p->manifest), "%s", d.digest);
		rc = pull_keep_doc(p, &d);
		p->man = j;
		break;
	}
	reg_doc_clear(&d);
	return rc;
}

static int pull_config(struct pull *p)
{
	const struct json *c = json_get(p->man, "config");
	const char *cd = json_get_str(c, "digest");
	autofree char *text = NULL;
	struct reg_doc d = { 0 };
	size_t len;
	int rc;

	if (!sha256_is_digest(cd))
		return err_setx(EPROTO, "manifest %s has no valid config digest", p->manifest);
	snprintf(p->config, sizeof(p->config), "%s", cd);
	if (store_has_blob(p->st, cd)) {
		rc = store_blob_read(p->st, cd, IMG_MAX_CONFIG, &text, &len);
	} else {
		rc = reg_get_blob(p->reg, cd, IMG_MAX_CONFIG, &d);
		if (!rc) {
			text = xstrndup(d.body, d.len);
			len = d.len;
			rc = pull_keep_doc(p, &d);
		}
		reg_doc_clear(&d);
	}
	if (rc < 0)
		return rc;
	p->cfg = json_parse(text, len);
	if (!p->cfg)
		return err_ctx("image config %s", cd);
	rc = image_layers(p->man, p->cfg, p->manifest, IMG_MAX_LAYERS, &p->layers, &p->n);
	if (rc == 0)
		p->deferred = xzalloc(sizeof(*p->deferred) * (p->n + 1));
	return rc;
}

/* Before downloading: is there room? Unpacked layers are counted at about
 * twice their compressed size, plus the blobs themselves when kept. */
static int pull_check_space(struct pull *p)
{
	unsigned long long need = 0, avail;
	struct statvfs sv;

	for (int i = 0; i < p->n; i++)
		if (!store_layer_has(p->st, p->layers[i].chain) && p->layers[i].size > 0)
			need += p->layers[i].size * (store_keep_layer_blobs(p->st) ? 3ULL : 2ULL);
	if (!need || statvfs(store_root(p->st), &sv) < 0)
		return 0;
	avail = (unsigned long long)sv.f_bavail * sv.f_frsize;
	if (avail < need)
		return err_setx(ENOSPC, "%s: about %llu MB needed, %llu MB free under %s "
				"(free space with 'dory image prune')", p->ref.repo,
				need >> 20, avail >> 20, store_root(p->st));
	return 0;
}

static struct json *pull_record(struct pull *p)
{
	struct json *r = image_record_new(p->config, p->manifest, p->index, p->cfg);
	autofree char *name = ref_name(&p->ref);
	autofree char *repo_digest = xasprintf("%s@%s", name, p->top);

	for (int i = 0; i < p->n; i++)
		image_record_layer(r, p->layers[i].digest, p->layers[i].diff, p->layers[i].chain,
				   p->layers[i].size, p->layers[i].media);
	json_add_str(json_get(r, "repo_digests"), NULL, repo_digest);
	return r;
}

/* An image already in the store under other tags keeps its repo digests. */
static void pull_merge_digests(struct pull *p, struct json *rec)
{
	struct json *old = store_image_get(p->st, p->config);
	const struct json *od = json_get(old, "repo_digests");
	struct json *rd = json_get(rec, "repo_digests");
	const char *mine = json_str(json_arr_at(rd, 0));

	for (int i = 0; i < json_arr_len(od); i++) {
		const char *s = json_str(json_arr_at(od, i));

		if (s && strcmp(s, mine))
			json_add_str(rd, NULL, s);
	}
	json_free(old);
	err_clear();
}

int image_pull(struct store *st, const struct dory_conf *conf, const char *refstr,
	       const struct image_pull_opts *o, char id_out[DIGEST_STRLEN])
{
	struct pull p = { .st = st, .o = o, .tick_rd = -1, .tick_wr = -1 };
	struct json *rec = NULL;
	int rc;

	rc = ref_parse(refstr, &p.ref);
	if (rc < 0)
		return rc;
	if (o->platform)
		rc = platform_parse(o->platform, &p.want);
	else
		platform_host(&p.want);
	if (!rc)
		rc = reg_open(&p.ref, conf, &p.reg);
	if (!rc)
		pull_tell(&p, IMAGE_PULL_FROM, -1, 0);
	if (!rc)
		rc = pull_manifest(&p);
	if (!rc)
		rc = pull_config(&p);
	if (!rc)
		rc = pull_check_space(&p);
	if (!rc)
		rc = pull_layers(&p);
	if (!rc)
		rc = pull_store_docs(&p);
	if (!rc) {
		rec = pull_record(&p);
		pull_merge_digests(&p, rec);
		rc = store_image_put(st, rec);
	}
	if (!rc && p.ref.tag && !p.ref.digest) {
		autofree char *tag = ref_str(&p.ref);

		rc = store_tag_set(st, tag, p.config);
	}
	if (!rc) {
		snprintf(id_out, DIGEST_STRLEN, "%s", p.config);
		pull_tell(&p, IMAGE_PULL_DIGEST, -1, 0);
	}
	if (p.tick_rd >= 0) {
		close(p.tick_rd);
		close(p.tick_wr);
	}
	for (int i = 0; i < p.ndocs; i++)
		reg_doc_clear(&p.docs[i]);
	json_free(rec);
	json_free(p.man);
	json_free(p.cfg);
	free(p.layers);
	free(p.deferred);
	reg_close(p.reg);
	ref_clear(&p.ref);
	return rc;
}

