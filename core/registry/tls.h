// SPDX-License-Identifier: Apache-2.0
/* tls.h - a TLS client over a connected socket: trust anchors, handshake,
 * certificate checks with clear messages, reads and writes with time-outs.
 * Sockets and HTTP belong to http.c. The only user of BearSSL. */
#ifndef DORY_TLS_H
#define DORY_TLS_H

#include <errno.h>
#include <stdbool.h>
#include <sys/types.h>

#include "config.h"
#include "core/util/chk.h"
#include "core/util/err.h"
/* DORY_BUILD_EPOCH: when this dory was built (its last commit's time, in
 * seconds since 1970): a clock before it is wrong, and certificates cannot
 * be checked. */
#include "version.h"

struct tls_conf {
	const char *ca_bundle;	/* NULL: the first system bundle that exists */
	const char *certs_dir;	/* per-host CAs DIR/HOST[:PORT]/ca.crt; NULL: /etc/dory/certs.d */
	int timeout_ms;		/* each network wait; <= 0: 30000 */
};

struct tls;

#if defined(CFG_CORE_TLS) && !CFG_CORE_TLS
static inline struct tls *tls_open(int fd, const char *host, int port,
				   const struct tls_conf *conf)
{
	(void)fd, (void)port, (void)conf;
	err_setx(ENOTSUP, "https to %s: TLS support is not built in (CONFIG_CORE_TLS)", host);
	return NULL;
}
static inline ssize_t tls_read(struct tls *t, void *buf, size_t n)
{
	(void)t, (void)buf, (void)n;
	return -ENOTSUP;
}
static inline int tls_write(struct tls *t, const void *buf, size_t n)
{
	(void)t, (void)buf, (void)n;
	return -ENOTSUP;
}
static inline void tls_close(struct tls *t) { (void)t; }
static inline void tls_set_now_for_test(long long now) { (void)now; }
static inline void tls_set_build_for_test(long long when) { (void)when; }
static inline void tls_check_clock(struct chk_list *l)
{
	chk_add(l, "clock", CHK_OK, "not checked: no TLS in this build");
}
#else
/* Handshake over fd (connected, borrowed: the caller closes it) with host
 * (a name, or an IPv4/IPv6 literal checked against iPAddress names) and
 * port (for certs.d and messages). Allocated, or NULL with the reason. */
struct tls *tls_open(int fd, const char *host, int port, const struct tls_conf *conf);
/* Up to n bytes of plaintext; 0 after the peer's close_notify; -errno on
 * a time-out, a cut (TCP end without close_notify) or a TLS error. */
ssize_t tls_read(struct tls *t, void *buf, size_t n);
/* All n bytes, flushed; 0 or -errno. */
int tls_write(struct tls *t, const void *buf, size_t n);
/* Send close_notify (without waiting for the answer) and free; NULL is fine. */
void tls_close(struct tls *t);
/* `dory check`'s line for the clock: certificates can be checked (it is
 * after this dory's build), only against the build date, or not at all. */
void tls_check_clock(struct chk_list *l);
/* Tests: pretend the clock says now (seconds since 1970); 0: the real one. */
void tls_set_now_for_test(long long now);
/* Tests: pretend this dory was built at when; 0: DORY_BUILD_EPOCH. */
void tls_set_build_for_test(long long when);
#endif

#endif
