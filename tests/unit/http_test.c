// SPDX-License-Identifier: Apache-2.0
/* http_test.c - the HTTP client against a scripted server and a CONNECT
 * proxy, both forked from this process on 127.0.0.1 and killed after. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

#include "core/registry/http.h"
#include "core/util/err.h"
#include "tap.h"
#include "fixture.h"

/* ---- a scripted HTTP server (child process) ---- */

struct sconn {
	int fd;
	char *buf;
	size_t len;
	bool drop_next;		/* close without answering the next request */
};

enum { SRV_CONNS = 16, SRV_BUF = 256 * 1024 };

static int srv_self, srv_peer, srv_nconn, srv_flaky;

static void PRINTF(2, 3) replyf(int fd, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n > 0)
		fix_write_all(fd, s, (size_t)n);
	free(s);
}

static void reply_body(int fd, int status, const char *body, size_t n)
{
	replyf(fd, "HTTP/1.1 %d X\r\nContent-Length: %zu\r\n\r\n", status, n);
	fix_write_all(fd, body, n);
}

/* n bytes of headers "X-Big-i: aaaa..." */
static void reply_big_header(int fd, size_t n)
{
	char line[1001];

	replyf(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n");
	memset(line, 'a', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	for (size_t i = 0; i < n / 1024; i++)
		replyf(fd, "X-Big-%04zu: %.1008s\r\n", i, line);
	replyf(fd, "\r\nok");
}

/* Answer one request; true to close the connection. One flat table of
 * scripted answers, longer than a function should be, but read at a glance. */
static bool srv_route(struct sconn *sc, const char *req, size_t n)
{
	char method[16] = "", path[256] = "";
	int fd = sc->fd;

	sscanf(req, "%15s %255s", method, path);
	if (sc->drop_next)
		return true;
	if (!strcmp(path, "/sized")) {
		reply_body(fd, 200, "hello", 5);
	} else if (!strcmp(path, "/head")) {
		replyf(fd, "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n");
	} else if (!strcmp(path, "/chunked")) {
		replyf(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			   "3;ext=1\r\nhel\r\n6\r\nlo wor\r\n2\r\nld\r\n0\r\nX-Trailer: t\r\n\r\n");
	} else if (!strcmp(path, "/close")) {
		replyf(fd, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end");
		return true;
	} else if (!strcmp(path, "/te-close")) {
		replyf(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 3\r\n"
			   "\r\nabcdef");
		return true;
	} else if (!strncmp(path, "/echo", 5)) {
		reply_body(fd, 200, req, n);
	} else if (!strcmp(path, "/redir-rel")) {
		replyf(fd, "HTTP/1.1 302 Found\r\nLocation: echo?from=rel\r\nContent-Length: 3\r\n\r\nmov");
	} else if (!strcmp(path, "/redir-abs")) {
		replyf(fd, "HTTP/1.1 301 Moved\r\nLocation: /echo\r\nContent-Length: 0\r\n\r\n");
	} else if (!strcmp(path, "/redir-port")) {
		replyf(fd, "HTTP/1.1 307 X\r\nLocation: http://127.0.0.1:%d/echo\r\n"
			   "Content-Length: 0\r\n\r\n", srv_peer);
	} else if (!strcmp(path, "/redir-host")) {
		replyf(fd, "HTTP/1.1 302 X\r\nLocation: http://localhost:%d/echo\r\n"
			   "Content-Length: 0\r\n\r\n", srv_self);
	} else if (!strncmp(path, "/goto/", 6)) {	/* /goto/PORT/rest */
		replyf(fd, "HTTP/1.1 302 X\r\nLocation: http://127.0.0.1:%d%s\r\n"
			   "Content-Length: 0\r\n\r\n", atoi(path + 6), strchr(path + 6, '/'));
	} else if (!strcmp(path, "/loop")) {
		replyf(fd, "HTTP/1.1 302 X\r\nLocation: /loop\r\nContent-Length: 0\r\n\r\n");
	} else if (!strcmp(path, "/see-other")) {
		replyf(fd, "HTTP/1.1 303 X\r\nLocation: /echo\r\nContent-Length: 0\r\n\r\n");
	} else if (!strcmp(path, "/flaky")) {
		if (srv_flaky++ == 0)
			reply_body(fd, 503, "busy", 4);
		else
			reply_body(fd, 200, "ok", 2);
	} else if (!strcmp(path, "/always503")) {
		srv_flaky++;
		reply_body(fd, 503, "busy", 4);
	} else if (!strcmp(path, "/cut")) {
		replyf(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
		return true;
	} else if (!strcmp(path, "/cut-chunk")) {
		replyf(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel");
		return true;
	} else if (!strcmp(path, "/big-header")) {
		reply_big_header(fd, 70 * 1024);
	} else if (!strcmp(path, "/ok-header")) {
		reply_big_header(fd, 60 * 1024);
	} else if (!strcmp(path, "/stats")) {
		char st[32];

		snprintf(st, sizeof(st), "conns=%d try=%d", srv_nconn, srv_flaky);
		reply_body(fd, 200, st, strlen(st));
	} else if (!strcmp(path, "/drop-next")) {
		reply_body(fd, 200, "ok", 2);
		sc->drop_next = true;
	} else if (!strcmp(path, "/slow")) {
		/* no answer */
	} else if (!strcmp(path, "/interim")) {
		replyf(fd, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
	} else if (!strcmp(path, "/multi")) {
		replyf(fd, "HTTP/1.1 401 X\r\nWWW-Authenticate: Bearer realm=\"a\"\r\n"
			   "www-authenticate: Basic realm=\"b\"\r\nX-Fold: one\r\n  two\r\n"
			   "Content-Length: 0\r\n\r\n");
	} else if (!strcmp(path, "/junk")) {
		replyf(fd, "SSH-2.0-nope\r\n\r\n");
		return true;
	} else if (!strcmp(path, "/bad-length")) {
		replyf(fd, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd");
	} else {
		reply_body(fd, 404, "no", 2);
	}
	return false;
}

/* Length of a complete request at the start of buf, or 0. */
static size_t srv_request_len(const char *buf, size_t len)
{
	const char *end = memmem(buf, len, "\r\n\r\n", 4), *cl;
	size_t head, body = 0;

	if (!end)
		return 0;
	head = (size_t)(end - buf) + 4;
	for (cl = buf; (cl = memmem(cl, head - (size_t)(cl - buf), "\nContent-Length:", 16));
	     cl += 16)
		body = strtoul(cl + 16, NULL, 10);
	return len >= head + body ? head + body : 0;
}

/* Read what a connection sent and answer complete requests; false: closed. */
static bool srv_serve(struct sconn *sc)
{
	ssize_t r = read(sc->fd, sc->buf + sc->len, SRV_BUF - sc->len);
	size_t n;

	if (r <= 0)
		return false;
	sc->len += (size_t)r;
	while ((n = srv_request_len(sc->buf, sc->len))) {
		if (srv_route(sc, sc->buf, n))
			return false;
		memmove(sc->buf, sc->buf + n, sc->len - n);
		sc->len -= n;
	}
	return true;
}

static NORETURN void srv_loop(int lfd)
{
	struct sconn sc[SRV_CONNS] = { 0 };
	struct pollfd pf[SRV_CONNS + 1];

	for (int i = 0; i < SRV_CONNS; i++)
		sc[i].fd = -1;
	for (;;) {
		pf[0] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		for (int i = 0; i < SRV_CONNS; i++)
			pf[i + 1] = (struct pollfd){ .fd = sc[i].fd, .events = POLLIN };
		if (poll(pf, SRV_CONNS + 1, -1) < 0)
			continue;
		for (int i = 0; i < SRV_CONNS; i++) {
			if (sc[i].fd < 0 || !pf[i + 1].revents || srv_serve(&sc[i]))
				continue;
			close(sc[i].fd);
			free(sc[i].buf);
			sc[i] = (struct sconn){ .fd = -1 };
		}
		if (pf[0].revents & POLLIN) {
			int fd = accept(lfd, NULL, NULL);

			for (int i = 0; fd >= 0 && i < SRV_CONNS; i++) {
				if (sc[i].fd >= 0)
					continue;
				sc[i] = (struct sconn){ .fd = fd, .buf = malloc(SRV_BUF) };
				srv_nconn++;
				fd = -1;
			}
			if (fd >= 0)
				close(fd);
		}
	}
}

static pid_t srv_start(int *port, int peer)
{
	pid_t pid;

	srv_peer = peer;
	pid = fix_server(&srv_self, srv_loop, NULL);
	*port = srv_self;
	return pid;
}

/* ---- a CONNECT proxy (child; one grandchild per tunnel) ---- */

static NORETURN void proxy_tunnel(int fd, int count_fd)
{
	char buf[4096], host[64] = "";
	size_t len = 0;
	int port = 0, up;

	while (!memmem(buf, len, "\r\n\r\n", 4)) {
		ssize_t r = read(fd, buf + len, sizeof(buf) - 1 - len);

		if (r <= 0)
			_exit(1);
		len += (size_t)r;
	}
	buf[len] = '\0';
	/* "user:p@ss" */
	if (!strstr(buf, "\r\nProxy-Authorization: Basic dXNlcjpwQHNz\r\n")) {
		replyf(fd, "HTTP/1.1 407 Auth\r\nProxy-Authenticate: Basic\r\nContent-Length: 0\r\n\r\n");
		_exit(0);
	}
	if (sscanf(buf, "CONNECT %63[^:]:%d HTTP/1.1", host, &port) != 2 ||
	    strcmp(host, "127.0.0.1")) {
		replyf(fd, "HTTP/1.1 403 No\r\nContent-Length: 0\r\n\r\n");
		_exit(0);
	}
	up = fix_connect(port);
	if (up < 0) {
		replyf(fd, "HTTP/1.1 502 No\r\nContent-Length: 0\r\n\r\n");
		_exit(0);
	}
	fix_write_all(count_fd, "c", 1);
	replyf(fd, "HTTP/1.1 200 Connection established\r\n\r\n");
	fix_relay(fd, up);
	_exit(0);
}

/* Start the proxy; *count_fd reads one byte per tunnel opened. */
static pid_t proxy_start(int *port, int *count_fd)
{
	int lfd = fix_listen(port), p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		exit(2);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		signal(SIGCHLD, SIG_IGN);
		signal(SIGPIPE, SIG_IGN);
		close(p[0]);
		for (;;) {
			int fd = accept(lfd, NULL, NULL);

			if (fd >= 0 && fork() == 0)
				proxy_tunnel(fd, p[1]);
			if (fd >= 0)
				close(fd);
		}
	}
	setpgid(pid, pid);
	close(lfd);
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	*count_fd = p[0];
	return pid;
}

static int tunnels(int count_fd)
{
	char buf[64];
	ssize_t n = read(count_fd, buf, sizeof(buf));

	return n > 0 ? (int)n : 0;
}

/* ---- client helpers ---- */

static void proxy_env_clear(void)
{
	static const char *const v[] = { "https_proxy", "HTTPS_PROXY", "http_proxy",
					  "HTTP_PROXY", "no_proxy", "NO_PROXY" };

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		unsetenv(v[i]);
}

static struct http_client *client(int timeout_ms, int retries)
{
	struct http_conf cf = { .certs_dir = "/nonexistent", .timeout_ms = timeout_ms,
				.retries = retries };

	return http_client_new(&cf);
}

/* GET (or method) url; the body in *body (allocated); status or -errno. */
static int fetch(struct http_client *c, const char *method, const char *url,
		 const char *const *hdrs, char **body)
{
	struct http_req rq = { .method = method, .url = url, .headers = hdrs, .follow = true };
	struct http_resp *r = NULL;
	int st;

	*body = NULL;
	if (http_do(c, &rq, &r) < 0)
		return -err_errno();
	st = http_status(r);
	if (http_read_all(r, 1 << 20, body, NULL) < 0)
		st = -err_errno();
	http_resp_free(r);
	return st;
}

static char *url_of(int port, const char *path)
{
	char *s = NULL;

	if (asprintf(&s, "http://127.0.0.1:%d%s", port, path) < 0)
		exit(2);
	return s;
}

/* GET /stats: "conns=NNN try=NNN" */
static void stats(struct http_client *c, int port, int *conns, int *tries)
{
	char *u = url_of(port, "/stats"), *b = NULL;

	*conns = *tries = -1;
	if (fetch(c, "GET", u, NULL, &b) == 200)
		sscanf(b, "conns=%d try=%d", conns, tries);
	free(b);
	free(u);
}

static long long ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* ---- URLs ---- */

TEST(http_url_parse_forms)
{
	struct http_url u;

	CHECK_EQ_INT(http_url_parse("HTTPS://Registry.Example:5000/v2/x?n=1#frag", &u), 0);
	CHECK_EQ_STR(u.scheme, "https");
	CHECK_EQ_STR(u.host, "Registry.Example");
	CHECK_EQ_INT(u.port, 5000);
	CHECK_EQ_STR(u.path, "/v2/x?n=1");
	http_url_clear(&u);
	CHECK_EQ_INT(http_url_parse("http://h", &u), 0);
	CHECK_EQ_INT(u.port, 80);
	CHECK_EQ_STR(u.path, "/");
	http_url_clear(&u);
	CHECK_EQ_INT(http_url_parse("https://h?q=1", &u), 0);
	CHECK_EQ_INT(u.port, 443);
	CHECK_EQ_STR(u.path, "/?q=1");
	http_url_clear(&u);
	CHECK_EQ_INT(http_url_parse("https://[::1]:8443/p", &u), 0);
	CHECK_EQ_STR(u.host, "::1");
	CHECK_EQ_INT(u.port, 8443);
	http_url_clear(&u);
	CHECK_EQ_INT(http_url_parse("http://[fe80::1]/", &u), 0);
	CHECK_EQ_STR(u.host, "fe80::1");
	http_url_clear(&u);
	CHECK_EQ_INT(http_url_parse("http://h:/x", &u), 0);
	CHECK_EQ_INT(u.port, 80);
	http_url_clear(&u);
	http_url_clear(NULL);
}

TEST(http_url_parse_rejects)
{
	static const char *const bad[] = {
		"ftp://h/", "http://", "http://h:0/", "http://h:65536/", "http://u:p@h/",
		"http://h/a b", "registry.example/v2/", "http://[::1/", "http://[nope]/",
		"http://h:8x/", "http://::1/", "http://h/\r\nX: y",
	};
	struct http_url u;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = http_url_parse(bad[i], &u);

		if (r != -EINVAL)
			TAP_FAIL("%s parsed", bad[i]);
		http_url_clear(&u);
	}
	http_url_parse("ftp://h/", &u);
	CHECK(strstr(err_str(), "invalid URL 'ftp://h/'") != NULL);
}

/* ---- bodies and keep-alive ---- */

TEST(http_sized_body_and_keepalive_reuse)
{
	int port, conns, tries;
	pid_t pid = srv_start(&port, 0);
	struct http_client *c = client(2000, -1);
	char *u = url_of(port, "/sized"), *b = NULL;

	for (int i = 0; i < 3; i++) {
		CHECK_EQ_INT(fetch(c, "GET", u, NULL, &b), 200);
		CHECK_EQ_STR(b, "hello");
		free(b);
	}
	stats(c, port, &conns, &tries);
	CHECK_EQ_INT(conns, 1);
	free(u);
	http_client_free(c);
	fix_stop(pid);
}

TEST(http_read_in_small_pieces_and_length)
{
	int port;
	pid_t pid = srv_start(&port, 0);
	struct http_client *c = client(2000, -1);
	char *u = url_of(port, "/sized"), buf[2];
	struct http_req rq = { .method = "GET", .url = u };
	struct http_resp *r = NULL;
	ssize_t n;
	size_t got = 0;

	CHECK_EQ_INT(http_do(c, &rq, &r), 0);
	CHECK_EQ_INT(http_length(r), 5);
	CHECK_EQ_STR(http_final_url(r), u);
	while ((n = http_read(r, buf, sizeof(buf))) > 0)
		got += (size_t)n;
	CHECK_EQ_INT(n, 0);
	CHECK_EQ_INT(got, 5);
	CHECK_EQ_INT(http_read(r, buf, sizeof(buf)), 0);
	http_resp_free(r);
	http_resp_free(NULL);
	free(u);
	http_client_free(c);
	http_client_free(NULL);
	fix_stop(pid);
}

TEST(http_chunked_body_with_trailers)
{
	int port, conns, tries;
	pid_t pid = srv_start(&port, 0);
	struct http_client *c = client(2000, -1);
	char *u = url_of(port, "/chunked"), *b = NULL;
	struct http_req rq = { .method = "GET", .url = u };
	struct http_resp *r = NULL;
	size_t len = 0;

	CHECK_EQ_INT(http_do(c, &rq, &r), 0);
	CHECK_EQ_INT(http_length(r), -1);
	CHECK_EQ_INT(http_read_all(r, 100, &b, &len), 0);
	CHECK_EQ_STR(b, "hello world");
	CHECK_EQ_INT(len, 11);
	free(b);
	http_resp_free(r);
	stats(c, port, &conns, &tries);
	CHECK_EQ_INT(conns, 1);
	free(u);
	http_client_free(c);
	fix_stop(pid);
}

TEST(http_body_until_close)
{
	int port, conns, tries;
	pid_t pid = srv_start(&port, 0);
	struct http_client *c = client(2000, -1);
	char *u = url_of(port, "/close"), *b = NULL;

	CHECK_EQ_INT(fetch(c, "GET", u, NULL, &b), 200);
	CHECK_EQ_STR(b, "until the end");
	free(b);
	free(u);
	u = url_of(port, "/te-close");
	CHECK_EQ_INT(fetch(c, "GET", u, NULL, &b), 200);
	CHECK_EQ_STR(b, "abcdef");	/* Transfer-Encoding wins over Content-Length */
	free(b);
	stats(c, port, &conns, &tries);
	CHECK_EQ_INT(conns, 3);
	free(u);
	http_client_free(c);
	fix_stop(pid);
}

TEST(http_head_has_length_but_no_body)
{
	int port, conns, tries;
	pid_t pid = srv_start(&port, 0);
	struct http_client *c = client(2000, -1);
	char *u = url_of(port, "/head"), buf[8];
	struct http_req rq = { .method = "HEAD", .url = u };
	struct http_resp *r = NULL;

	CHECK_EQ_INT(http_do(c, &rq, &r), 0);
	CHECK_EQ_INT(http_status(r), 200);
	CHECK_EQ_INT(http_length(r), 1234);
	CHECK_EQ_INT(http_read(r, buf, sizeof(buf)), 0);
	http_resp_free(r);
	stats(c, port, &conns, &tries);
	CHECK_EQ_INT(conns, 1);
	free(u);
	http_client_free(c);
	fix_stop(pid);
}

TEST(http_request_headers_body_and_range)
{
	int port;
	pid_t pid = srv_start(&port, 0);
	struct http_client *c = client(2000, -1);
	char *u = url_of(port, "/echo"), *b = NULL;
	const char *const h[] = { "Accept: application/json", NULL };
	struct http_req rq = { .method = "PUT", .url = u, .headers = h, .body = "payload",
			       .body_len = 7, .range_from = 42 };
	struct http_resp *r = NULL;
	char host[64];

	CHECK_EQ_INT(http_do(c, &rq, &r), 0);
	CHECK_EQ_INT(http_read_all(r, 4096, &b, NULL), 0);
	snprintf(host, sizeof(host), "\r\nHost: 127.0.0.1:%d\r\n", port);
	CHECK(!strncmp(b, "PUT /echo HTTP/1.1\r\n", 20));
	CHECK(strstr(b, host) != NULL);
	CHECK(strstr(b, "\r\nUser-Agent: dory/") != NULL);
	CHECK(strstr(b, "\r\nConnection: keep-alive\r\n") != NULL);
	CHECK(strstr(b, "\r\nContent-Length: 7\r\n") != NULL);
	CHECK(strstr(b, "\r\nRange: bytes=42-\r\n") != NULL);
	CHECK(strstr(b, "\r\nAccept: application/json\r\n") != NULL);
	CHECK(strstr(b, "\r\n\r\npayload") != NULL);
	free(b);
	http_resp_free(r);
	free(u);
	http_client_free(c);
	fix_stop(pid);
}

TEST(http_repeated_and_folded_headers)
{
	int port;
	pid_t pid = srv_start(&port, 0);
	struct http_client *c = client(2000, -1);
	char *u = url_of(port, "/multi");
	struct http_req rq = { .method = "GET", .url = u };
	struct http_resp *r = NULL;

	CHECK_EQ_INT(http_do(c, &rq, &r), 0);
	CHECK_EQ_INT(http_status(r), 401);
	CHECK_EQ_STR(http_header(r, "www-authenticate"), "Bearer realm=\"a\"");
	CHECK_EQ_STR(http_header_n(r, "WWW-Authenticate", 1), "Basic realm=\"b\"");
	CHECK(http_header_n(r, "WWW-Authenticate", 2) == NULL);
	CHECK_EQ_STR(http_header(r, "X-Fold"), "one two");
	CHECK(http_header(r, "X-None") == NULL);
	http_resp_free(r);
	free(u);
	http_client_free(c);
	fix_stop(pid);
}

TEST(http_interim_1xx_is_skipped)
{
	int port;
	pid_t pid = srv_start(&port, 0);
	struct http_client *c = client(2000, -1);
	char *u = url_of(port, "/interim"), *b = NULL;

	CHECK_EQ_INT(fetch(c, "GET", u, NULL, &b), 200);
	CHECK_EQ_STR(b, "ok");
	free(b);
	free(u);
	http_client_free(c);
	fix_stop(pid);
}

/* ---- redirects ---- */

TEST(http_redirect_same_origin_keeps_authorization)
{
	int port;
	pid_t pid = srv_start(&port, 0);
	struct http_client *c = client(2000, -1);
	char *u = url_of(port, "/redir-rel"), *b = NULL;
	const char *const h[] = { "Authorization: Bearer s3cret", NULL };
	struct http_req rq = { .method = "GET", .url = u, .headers = h, .follow = true };
	struct http_resp *r = NULL;

	CHECK_EQ_INT(http_do(c, &rq, &r), 0);
	CHECK_EQ_INT(http_status(r), 200);
	CHECK(strstr(http_final_url(r), "/echo?from=rel") != NULL);
	CHECK_EQ_INT(http_read_all(r, 4096, &b, NULL), 0);
	CHECK(!strncmp(b, "GET /echo?from=rel HTTP/1.1", 27));
	CHECK(strstr(b, "\r\nAuthorization: Bearer s3cret\r\n") != NULL);
	free(b);
	http_resp_free(r);
	free(u);
	u = url_of(port, "/redir-abs");
	CHECK_EQ_INT(fetch(c, "GET", u, h, &b), 200);
	CHECK(strstr(b, "\r\nAuthorization: Bearer s3cret\r\n") != NULL);
	free(b);
	free(u);
	http_client_free(c);
	fix_stop(pid);
}

TEST(http_redirect_to_other_port_drops_authorization)
{
	int p1, p2;
	pid_t pid2 = srv_start(&p2, 0);
	pid_t pid1 = srv_start(&p1, p2);
	struct http_client *c = client(2000, -1);
	char *u = url_of(p1, "/redir-port"), *b = NULL, want[64];
	const char *const h[] = { "Authorization: Bearer s3cret", "X-Keep: yes", NULL };
	struct http_req rq = { .method = "GET", .url = u, .headers = h, .follow = true };
	struct http_resp *r = NULL;

	CHECK_EQ_INT(http_do(c, &rq, &r), 0);
	CHECK_EQ_INT(http_status(r), 200);
	snprintf(want, sizeof(want), "http://127.0.0.1:%d/echo", p2);
	CHECK_EQ_STR(http_final_url(r), want);
	CHECK_EQ_INT(http_read_all(r, 4096, &b, NULL), 0);
	CHECK(strstr(b, "Authorization") == NULL);
	CHECK(strstr(b, "\r\nX-Keep: yes\r\n") != NULL);
	free(b);
	http_resp_free(r);
	free(u);
	/* Back to the first origin: still dropped once it left. */
	snprintf(want, sizeof(want), "/goto/%d/goto/%d/echo", p2, p1);
	u = url_of(p1, want);
	CHECK_EQ_INT(fetch(c, "GET", u, h, &b), 200);
	CHECK(b && !strncmp(b, "GET /echo HTTP/1.1", 18));
	CHECK(b && strstr(b, "Authorization") == NULL);
	free(b);
	free(u);
	http_client_free(c);
	fix_stop(pid1);
	fix_stop(pid2);
}

TEST(http_redirect_to_other_host_drops_authorization)
{
	int port;
	pid_t pid = srv_start(&port, 0);
	struct http_client *c = client(2000, -1);
	char *u = url_of(port, "/redir-host"), *b = NULL;
	const char *const h[] = { "Authorization: Basic dTpw", NULL };
	int st = fetch(c, "GET", u, h, &b);

	SKIP_IF(st == -ENOENT || st == -ECONNREFUSED, "localhost does not reach 127.0.0.1");
	CHECK_EQ_INT(st, 200);
	CHECK(b && strstr(b, "\r\nHost: localhost:") != NULL);
	CHECK(b && strstr(b, "Authorization") == NULL);
	free(b);
	free(u);
	http_client_free(c);
	fix_stop(pid);
}

TEST(http_redirect_limits_and_follow_off)
{
	int port;
	pid_t pid = srv_start(&port, 0);
	struct http_client *c = client(2000, -1);
	char *u = url_of(port, "/loop"), *b = NULL;
	struct http_req rq = { .method = "GET", .url = u };
	struct http_resp *r = NULL;

	CHECK_EQ_INT(fetch(c, "GET", u, NULL, &b), -ELOOP);
	CHECK(strstr(err_str(), "more than 10 redirects") != NULL);
	CHECK_EQ_INT(http_do(c, &rq, &r), 0);
	CHECK_EQ_INT(http_status(r), 302);
	CHECK_EQ_STR(http_header(r, "Location"), "/loop");
	http_resp_free(r);
	free(u);
	http_client_free(c);
	fix_stop(pid);
}

TEST(http_303_after_post_becomes_get)
{
	int port;
	pid_t pid = srv_start(&port, 0);
	struct http_client *c = client(2000, -1);
	char *u = url_of(port, "/see-other"), *b = NULL;
	struct http_req rq = { .method = "POST", .url = u, .body = "x=1", .body_len = 3,
			       .follow = true };
	struct http_resp *r = NULL;

	CHECK_EQ_INT(http_do(c, &rq, &r), 0);
	CHECK_EQ_INT(http_read_all(r, 4096, &b, NULL), 0);
	CHECK(!strncmp(b, "GET /echo ", 10));
	CHECK(strstr(b, "Content-Length") == NULL);
	free(b);
	http_resp_free(r);
	free(u);
	http_client_free(c);
	fix_stop(pid);
}

/* ---- retries and failures ---- */

TEST(http_retries_503_then_succeeds)
{
	int port, conns, tries;
	pid_t pid = srv_start(&port, 0);
	struct http_client *c = client(2000, 1);
	char *u = url_of(port, "/flaky"), *b = NULL;
	long long t0 = ms_now();

	CHECK_EQ_INT(fetch(c, "GET", u, NULL, &b), 200);
	CHECK(ms_now() - t0 >= 190);	/* one back-off step */
	CHECK_EQ_STR(b, "ok");
	free(b);
	stats(c, port, &conns, &tries);
	CHECK_EQ_INT(tries, 2);
	CHECK_EQ_INT(conns, 1);	/* the 503's small body was skipped, connection kept */
	free(u);
	http_client_free(c);
	fix_stop(pid);
}

TEST(http_retries_give_up_with_the_last_answer)
{
	int port, conns, tries;
	pid_t pid = srv_start(&port, 0);
	struct http_client *c = client(2000, 1);
	char *u = url_of(port, "/always503"), *b = NULL;

	CHECK_EQ_INT(fetch(c, "GET", u, NULL, &b), 503);
	CHECK_EQ_STR(b, "busy");
	free(b);
	stats(c, port, &conns, &tries);
	CHECK_EQ_INT(tries, 2);
	free(u);
	http_client_free(c);
	fix_stop(pid);
}

TEST(http_connection_refused_is_retried_with_backoff)
{
	int port, lfd = fix_listen(&port);
	struct http_client *c;
	char *u = url_of(port, "/x"), *b = NULL, want[64];
	long long t0;

	close(lfd);	/* nothing listens there now */
	c = client(2000, 2);
	t0 = ms_now();
	CHECK_EQ_INT(fetch(c, "GET", u, NULL, &b), -ECONNREFUSED);
	CHECK(ms_now() - t0 >= 590);	/* 200 + 400 ms */
	snprintf(want, sizeof(want), "connect to 127.0.0.1:%d: Connection refused", port);
	CHECK_EQ_STR(err_str(), want);
	free(u);
	http_client_free(c);
}

TEST(http_cut_bodies_are_errors)
{
	int port;
	pid_t pid = srv_start(&port, 0);
	struct http_client *c = client(2000, -1);
	char *u = url_of(port, "/cut"), *b = NULL;

	CHECK_EQ_INT(fetch(c, "GET", u, NULL, &b), -ECONNRESET);
	CHECK(strstr(err_str(), "cut after 10 of 100 bytes") != NULL);
	free(u);
	u = url_of(port, "/cut-chunk");
	CHECK_EQ_INT(fetch(c, "GET", u, NULL, &b), -ECONNRESET);
	CHECK(strstr(err_str(), "chunked body from 127.0.0.1:") != NULL);
	free(u);
	http_client_free(c);
	fix_stop(pid);
}

TEST(http_header_block_is_bounded)
{
	int port;
	pid_t pid = srv_start(&port, 0);
	struct http_client *c = client(2000, -1);
	char *u = url_of(port, "/big-header"), *b = NULL;

	CHECK_EQ_INT(fetch(c, "GET", u, NULL, &b), -EMSGSIZE);
	CHECK(strstr(err_str(), "is larger than 64 KB") != NULL);
	free(u);
	u = url_of(port, "/ok-header");
	CHECK_EQ_INT(fetch(c, "GET", u, NULL, &b), 200);
	CHECK_EQ_STR(b, "ok");
	free(b);
	free(u);
	http_client_free(c);
	fix_stop(pid);
}

TEST(http_stale_pooled_connection_is_replaced)
{
	int port, conns, tries;
	pid_t pid = srv_start(&port, 0);
	struct http_client *c = client(2000, -1);
	char *u = url_of(port, "/drop-next"), *b = NULL;

	CHECK_EQ_INT(fetch(c, "GET", u, NULL, &b), 200);
	free(b);
	free(u);
	u = url_of(port, "/sized");
	CHECK_EQ_INT(fetch(c, "GET", u, NULL, &b), 200);	/* no retries allowed */
	CHECK_EQ_STR(b, "hello");
	free(b);
	stats(c, port, &conns, &tries);
	CHECK_EQ_INT(conns, 2);
	free(u);
	http_client_free(c);
	fix_stop(pid);
}

TEST(http_timeout_is_an_error)
{
	int port;
	pid_t pid = srv_start(&port, 0);
	struct http_client *c = client(300, -1);
	char *u = url_of(port, "/slow"), *b = NULL, want[64];

	CHECK_EQ_INT(fetch(c, "GET", u, NULL, &b), -ETIMEDOUT);
	snprintf(want, sizeof(want), "read from 127.0.0.1:%d: no data in 300 ms", port);
	CHECK_EQ_STR(err_str(), want);
	free(u);
	http_client_free(c);
	fix_stop(pid);
}

TEST(http_malformed_answers)
{
	int port;
	pid_t pid = srv_start(&port, 0);
	struct http_client *c = client(2000, -1);
	char *u = url_of(port, "/junk"), *b = NULL;

	CHECK_EQ_INT(fetch(c, "GET", u, NULL, &b), -EPROTO);
	CHECK(strstr(err_str(), "does not answer in HTTP/1.x") != NULL);
	free(u);
	u = url_of(port, "/bad-length");
	CHECK_EQ_INT(fetch(c, "GET", u, NULL, &b), -EPROTO);
	CHECK(strstr(err_str(), "bad Content-Length") != NULL);
	free(u);
	http_client_free(c);
	fix_stop(pid);
}

TEST(http_read_all_is_bounded)
{
	int port;
	pid_t pid = srv_start(&port, 0);
	struct http_client *c = client(2000, -1);
	char *u = url_of(port, "/chunked"), *b = NULL;
	struct http_req rq = { .method = "GET", .url = u };
	struct http_resp *r = NULL;

	CHECK_EQ_INT(http_do(c, &rq, &r), 0);
	CHECK_EQ_INT(http_read_all(r, 5, &b, NULL), -EFBIG);
	CHECK(b == NULL);
	http_resp_free(r);
	free(u);
	http_client_free(c);
	fix_stop(pid);
}

TEST(http_rejects_bad_requests)
{
	struct http_client *c = client(2000, -1);
	const char *const h[] = { "X-Evil: a\r\nInjected: b", NULL };
	struct http_req rq = { .method = "GET", .url = "http://127.0.0.1:1/", .headers = h };
	struct http_resp *r = NULL;

	CHECK_EQ_INT(http_do(c, &rq, &r), -EINVAL);
	rq.headers = NULL;
	rq.method = "GET /x";
	CHECK_EQ_INT(http_do(c, &rq, &r), -EINVAL);
	rq.method = "GET";
	rq.url = "http://127.0.0.1:1/a b";
	CHECK_EQ_INT(http_do(c, &rq, &r), -EINVAL);
	CHECK(r == NULL);
	http_client_free(c);
}

/* ---- proxies ---- */

TEST(http_proxy_connect_with_basic_auth)
{
	int port, pport, cfd;
	pid_t pid = srv_start(&port, 0), ppid = proxy_start(&pport, &cfd);
	struct http_client *c;
	char *u = url_of(port, "/echo"), *b = NULL, env[96];

	proxy_env_clear();
	snprintf(env, sizeof(env), "http://user:p%%40ss@127.0.0.1:%d/", pport);
	setenv("HTTP_PROXY", env, 1);
	c = http_client_new(&(struct http_conf){ .timeout_ms = 2000, .retries = -1 });
	proxy_env_clear();
	CHECK_EQ_INT(fetch(c, "GET", u, NULL, &b), 200);
	CHECK(b && !strncmp(b, "GET /echo HTTP/1.1", 18));
	CHECK(b && strstr(b, "Proxy-Authorization") == NULL);	/* only the proxy sees it */
	free(b);
	CHECK_EQ_INT(fetch(c, "GET", u, NULL, &b), 200);	/* same tunnel */
	free(b);
	CHECK_EQ_INT(tunnels(cfd), 1);
	http_client_free(c);

	snprintf(env, sizeof(env), "http://user:wrong@127.0.0.1:%d", pport);
	setenv("http_proxy", env, 1);
	c = http_client_new(&(struct http_conf){ .timeout_ms = 2000, .retries = -1 });
	proxy_env_clear();
	CHECK_EQ_INT(fetch(c, "GET", u, NULL, &b), -EACCES);
	CHECK(strstr(err_str(), "refused CONNECT 127.0.0.1:") != NULL);
	CHECK(strstr(err_str(), "status 407 (wrong proxy user or password)") != NULL);
	CHECK(strstr(err_str(), "wrong@") == NULL);
	http_client_free(c);
	free(u);
	close(cfd);
	fix_stop(ppid);
	fix_stop(pid);
}

/* With the proxy pointing nowhere, a direct request proves NO_PROXY matched. */
static int via_dead_proxy(const char *no_proxy, const char *url)
{
	int dead, lfd = fix_listen(&dead), st;
	struct http_client *c;
	char env[64], *b = NULL;

	close(lfd);
	proxy_env_clear();
	snprintf(env, sizeof(env), "127.0.0.1:%d", dead);
	setenv("HTTP_PROXY", env, 1);
	if (no_proxy)
		setenv("no_proxy", no_proxy, 1);
	c = http_client_new(&(struct http_conf){ .timeout_ms = 2000, .retries = -1 });
	proxy_env_clear();
	st = fetch(c, "GET", url, NULL, &b);
	free(b);
	http_client_free(c);
	return st;
}

TEST(http_no_proxy_hosts_suffixes_and_star)
{
	int port;
	pid_t pid = srv_start(&port, 0);
	char *u = url_of(port, "/sized"), np[64];

	CHECK_EQ_INT(via_dead_proxy(NULL, u), -ECONNREFUSED);
	CHECK(strstr(err_str(), "connect to proxy 127.0.0.1:") != NULL);
	CHECK_EQ_INT(via_dead_proxy("*", u), 200);
	CHECK_EQ_INT(via_dead_proxy("example.com, 127.0.0.1", u), 200);
	snprintf(np, sizeof(np), "127.0.0.1:%d", port);
	CHECK_EQ_INT(via_dead_proxy(np, u), 200);
	CHECK_EQ_INT(via_dead_proxy("127.0.0.1:1", u), -ECONNREFUSED);
	CHECK_EQ_INT(via_dead_proxy("27.0.0.1,.example.com", u), -ECONNREFUSED);
	free(u);
	u = NULL;
	if (asprintf(&u, "http://localhost:%d/sized", port) < 0)
		exit(2);
	CHECK_EQ_INT(via_dead_proxy(".localhost", u), 200);
	CHECK_EQ_INT(via_dead_proxy("host", u), -ECONNREFUSED);
	free(u);
	fix_stop(pid);
}

TEST(http_bad_proxy_variable)
{
	struct http_client *c;
	char *b = NULL;

	proxy_env_clear();
	setenv("HTTPS_PROXY", "socks5://user:secret@10.0.0.1:1080", 1);
	c = http_client_new(NULL);
	proxy_env_clear();
	CHECK_EQ_INT(fetch(c, "GET", "https://127.0.0.1:1/", NULL, &b), -EINVAL);
	CHECK_EQ_STR(err_str(), "HTTPS_PROXY: only http:// proxies are supported");
	http_client_free(c);
}

/* The same parser on bytes in memory, a byte per read into a buffer of 4
 * that must grow: the line and chunk boundaries fall anywhere. */
TEST(http_resp_mem_byte_by_byte)
{
	static const char resp[] = "HTTP/1.1 100 Continue\r\n\r\n"
		"HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\nTransfer-Encoding: chunked\r\n\r\n"
		"3;ext=1\r\nhel\r\n6\r\nlo wor\r\n2\r\nld\r\n0\r\nX-Trailer: t\r\n\r\n";
	struct http_resp *r = NULL;
	char *body = NULL;
	size_t len = 0;

	CHECK_EQ_INT(http_resp_mem("GET", resp, sizeof(resp) - 1, 1, 4, &r), 0);
	CHECK_EQ_INT(http_status(r), 200);
	CHECK_EQ_STR(http_header(r, "x-a"), "1 folded");
	CHECK_EQ_INT(http_read_all(r, 100, &body, &len), 0);
	CHECK_EQ_STR(body, "hello world");
	free(body);
	http_resp_free(r);
	CHECK_EQ_INT(http_resp_mem("GET", "HTTP/1.1 200 OK\r\nContent-Le", 27, 0, 0, &r),
		     -ECONNRESET);
	CHECK_EQ_STR(err_str(), "memory closed the connection in the middle of the header");
}
