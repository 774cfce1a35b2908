// SPDX-License-Identifier: Apache-2.0
/* http.h - an HTTP/1.1 client for registries: TLS or plain TCP, keep-alive,
 * chunked bodies, redirects, HTTPS_PROXY, time-outs and retries. Knows
 * nothing of registries; auth headers are the caller's. */
#ifndef DORY_HTTP_H
#define DORY_HTTP_H

#include <stdbool.h>
#include <sys/types.h>

struct http_url {
	char *scheme;		/* "https" or "http" */
	char *host;		/* "registry.example", "127.0.0.1", "::1" (no brackets) */
	int port;		/* explicit or the scheme's default */
	char *path;		/* "/v2/..." with query, never empty */
};
/* Parse an absolute URL; 0 or -EINVAL with the URL in the message. */
int http_url_parse(const char *url, struct http_url *out);
void http_url_clear(struct http_url *u);

struct http_conf {
	const char *certs_dir;	/* per-host CAs: DIR/HOST[:PORT]/ca.crt; NULL: /etc/dory/certs.d */
	const char *ca_bundle;	/* NULL: the system bundle (first of the usual paths) */
	int timeout_ms;		/* connect and each read/write; 0: 30000 */
	int retries;		/* transient failures retried with back-off; 0: 3 */
};

struct http_client;
/* Allocated; the proxy comes from HTTPS_PROXY/https_proxy/NO_PROXY. */
struct http_client *http_client_new(const struct http_conf *conf);
void http_client_free(struct http_client *c);	/* closes idle connections */

struct http_req {
	const char *method;		/* "GET", "HEAD", "POST", ... */
	const char *url;		/* absolute */
	const char *const *headers;	/* "Name: value", NULL-terminated; may be NULL */
	const void *body;		/* may be NULL */
	size_t body_len;
	long long range_from;		/* > 0: "Range: bytes=N-"; else none */
	bool follow;			/* follow 301/302/303/307/308 */
};

struct http_resp;
/* Send a request and read the status line and headers. Redirects (when
 * follow) drop an Authorization header if the host changes. Connection
 * errors and 502/503/504 are retried (rq->retries) before any body byte is
 * returned. Allocated response in *out, or -errno with a recorded error. */
int http_do(struct http_client *c, const struct http_req *rq, struct http_resp **out);
int http_status(const struct http_resp *r);
/* Value of a header (case-insensitive name), or NULL. */
const char *http_header(const struct http_resp *r, const char *name);
/* All values of a header (WWW-Authenticate can repeat): i-th or NULL. */
const char *http_header_n(const struct http_resp *r, const char *name, int i);
long long http_length(const struct http_resp *r);	/* Content-Length or -1 */
const char *http_final_url(const struct http_resp *r);	/* after redirects */
/* Read body bytes (chunked or sized, up to n); 0 at the end, -errno on a
 * cut or a time-out. */
ssize_t http_read(struct http_resp *r, void *buf, size_t n);
/* The whole body (at most max bytes, else -EFBIG), NUL-terminated. */
int http_read_all(struct http_resp *r, size_t max, char **out, size_t *len);
/* For tests and fuzzing: a response read from the n bytes at buf as
 * http_do reads one off a connection (the answer to method), at most step
 * bytes a read (0: as many as fit) into a buffer of cap bytes to start with
 * (0: a connection's). buf is borrowed until http_resp_free. */
int http_resp_mem(const char *method, const void *buf, size_t n, size_t step, size_t cap,
		  struct http_resp **out);
/* Done with a response; the connection is kept for reuse when the body
 * was read to the end, closed otherwise. NULL is fine. */
void http_resp_free(struct http_resp *r);

#endif
