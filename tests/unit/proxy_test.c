// SPDX-License-Identifier: Apache-2.0
/* proxy_test.c - the userland proxy in a throw-away network namespace:
 * real TCP and UDP echo servers on 127.0.0.2 stand for the container, the
 * proxy listens on 127.0.0.1 (or every address). Many connections at once,
 * half-closes both ways, resets, the connection cap, UDP flows and their
 * timeout, a large transfer checked byte for byte, dying with its parent.
 * DORY_PROXY_MEASURE=1 adds the memory and throughput figures. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include "core/kernel/nl.h"
#include "core/net/proxy.h"
#include "core/util/err.h"
#include "tests/unit/nsutil.h"
#include "tests/unit/tap.h"

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define CTR IP4(127, 0, 0, 2)

enum {
	ECHO = 7000,		/* the container's TCP echo */
	UECHO = 7001,		/* its UDP echo: "DATA@SRCPORT" */
	NOBODY = 7002,		/* nothing listens */
	SINK = 7003,		/* speaks first, half-closes, counts what it gets */
	STALL = 7004,		/* a backlog never accepted: nothing is read */
	P_ECHO = 18000, P_UDP = 18001, P_NOBODY = 18002, P_SINK = 18003, P_STALL = 18004,
};

static long long ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int listen_on(int type, uint32_t ip, uint16_t port, int backlog)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(ip) };
	int one = 1, fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    (type == SOCK_STREAM && listen(fd, backlog) < 0))
		_exit(90);
	return fd;
}

static int dial(uint32_t ip, uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(ip) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* ---- the servers standing for the container ---- */

struct econn {
	int fd;
	size_t len, off;
	bool eof;
	char buf[65536];
};

/* Echo everything back; at EOF, flush and half-close, as a well-behaved
 * server does. Edge-triggered, so each event drains what it can. */
static void echo_step(int ep, struct econn *e)
{
	ssize_t k;

	for (;;) {
		if (e->off < e->len) {
			k = write(e->fd, e->buf + e->off, e->len - e->off);
			if (k < 0 && errno == EAGAIN)
				return;
			if (k < 0)
				break;
			e->off += (size_t)k;
			continue;
		}
		if (e->eof)
			break;
		k = read(e->fd, e->buf, sizeof(e->buf));
		if (k < 0 && errno == EAGAIN)
			return;
		if (k <= 0) {
			e->eof = true;
			if (k < 0)
				break;
			shutdown(e->fd, SHUT_WR);
			break;
		}
		e->len = (size_t)k;
		e->off = 0;
	}
	epoll_ctl(ep, EPOLL_CTL_DEL, e->fd, NULL);
	close(e->fd);
	free(e);
}

static void echo_server(int lfd)
{
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL }, evs[64];

	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	for (;;) {
		int n = epoll_wait(ep, evs, 64, -1);

		for (int i = 0; i < n; i++) {
			struct econn *e = evs[i].data.ptr;
			int fd;

			if (e) {
				echo_step(ep, e);
				continue;
			}
			fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
			if (fd < 0)
				continue;
			e = calloc(1, sizeof(*e));
			e->fd = fd;
			ev = (struct epoll_event){ .events = EPOLLIN | EPOLLOUT | EPOLLET, .data.ptr = e };
			epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
		}
	}
}

/* Reply "DATA@PORT", PORT being the sender's: the proxy's flow socket. */
static void udp_echo_server(int fd)
{
	char buf[2048], out[2100];
	struct sockaddr_in from;
	socklen_t len;

	for (;;) {
		ssize_t k;
		int m;

		len = sizeof(from);
		k = recvfrom(fd, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&from, &len);
		if (k < 0)
			continue;
		buf[k] = '\0';
		m = snprintf(out, sizeof(out), "%s@%u", buf, ntohs(from.sin_port));
		sendto(fd, out, (size_t)m, 0, (struct sockaddr *)&from, len);
	}
}

/* One connection at a time: say "hello\n", half-close, read to EOF, and
 * report "COUNT SUM" on the report pipe. */
static void sink_server(int lfd, int report)
{
	char buf[65536], line[64];

	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		unsigned long long count = 0, sum = 0;
		ssize_t k;

		if (fd < 0)
			continue;
		(void)!write(fd, "hello\n", 6);
		shutdown(fd, SHUT_WR);
		while ((k = read(fd, buf, sizeof(buf))) > 0) {
			for (ssize_t i = 0; i < k; i++)
				sum = sum * 31 + (unsigned char)buf[i];
			count += (unsigned long long)k;
		}
		snprintf(line, sizeof(line), "%llu %llu\n", count, sum);
		(void)!write(report, line, strlen(line));
		close(fd);
	}
}

static pid_t serve(void (*fn)(int), int fd)
{
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fn(fd);
		_exit(0);
	}
	close(fd);
	return pid;
}

/* ---- the rig: servers, held ports, the proxy ---- */

/* Published on 127.0.0.1:host, forwarded to the container's port ctr. */
static struct port_map lo_port(uint8_t proto, uint16_t host, uint16_t ctr)
{
	return (struct port_map){ .proto = proto, .host_ip = IP4(127, 0, 0, 1), .host_port = host,
				  .ctr_port = ctr };
}

struct rig {
	pid_t echo, uecho, sink, proxy;
	int stall, report, fds[5];
	struct port_map v[5];
};

static void rig_start(struct rig *r, const struct proxy_opts *o)
{
	int rp[2], sfd;
	struct rlimit rl;
	pid_t sink;

	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	if (nl_link_up("lo") < 0 || pipe2(rp, O_CLOEXEC) < 0)
		_exit(91);
	r->echo = serve(echo_server, listen_on(SOCK_STREAM, CTR, ECHO, 4096));
	r->uecho = serve(udp_echo_server, listen_on(SOCK_DGRAM, CTR, UECHO, 0));
	sfd = listen_on(SOCK_STREAM, CTR, SINK, 16);	/* listening before any client dials */
	sink = fork();
	if (sink == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(rp[0]);
		sink_server(sfd, rp[1]);
	}
	r->sink = sink;
	close(sfd);
	close(rp[1]);
	r->report = rp[0];
	r->stall = listen_on(SOCK_STREAM, CTR, STALL, 4096);
	r->v[0] = lo_port(IPPROTO_TCP, P_ECHO, ECHO);
	r->v[1] = lo_port(IPPROTO_UDP, P_UDP, UECHO);
	r->v[1].host_ip = 0;	/* every address */
	r->v[2] = lo_port(IPPROTO_TCP, P_NOBODY, NOBODY);
	r->v[3] = lo_port(IPPROTO_TCP, P_SINK, SINK);
	r->v[4] = lo_port(IPPROTO_TCP, P_STALL, STALL);
	if (port_reserve(r->v, 5, r->fds) < 0 || proxy_spawn(r->v, 5, r->fds, CTR, o, &r->proxy) < 0)
		_exit(92);
}

static void rig_stop(struct rig *r)
{
	pid_t pids[] = { r->proxy, r->echo, r->uecho, r->sink };

	for (size_t i = 0; i < ARRAY_SIZE(pids); i++) {
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}
	port_release(r->fds, 5);
	close(r->stall);
	close(r->report);
}

/* Read exactly n bytes within ms milliseconds: n, or what came. */
static size_t read_full(int fd, char *buf, size_t n, int ms)
{
	size_t got = 0;
	long long end = ms_now() + ms;
	struct pollfd p = { .fd = fd, .events = POLLIN };

	while (got < n && ms_now() < end) {
		ssize_t k;

		if (poll(&p, 1, (int)(end - ms_now())) <= 0)
			break;
		k = read(fd, buf + got, n - got);
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	return got;
}

/* One line (the sink's report) within ms milliseconds; -1 if none came. */
static int read_line(int fd, char *buf, size_t n, int ms)
{
	size_t got = 0;

	while (got + 1 < n && read_full(fd, buf + got, 1, ms) == 1)
		if (buf[got++] == '\n')
			break;
	buf[got] = '\0';
	return got && buf[got - 1] == '\n' ? 0 : -1;
}

/* What a read says after the data: 0 (EOF), -errno, or 1 (more data). */
static int read_end(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;
	ssize_t k;

	if (poll(&p, 1, ms) <= 0)
		return -ETIMEDOUT;
	k = read(fd, &c, 1);
	return k < 0 ? -errno : (int)k;
}

/* ---- TCP ---- */

static int tcp_echo_and_half_close(void)
{
	struct rig r;
	char msg[] = "ping through the proxy", buf[64];
	int fd, rc = 0;

	rig_start(&r, NULL);
	fd = dial(IP4(127, 0, 0, 1), P_ECHO);
	if (fd < 0 || write(fd, msg, sizeof(msg)) != sizeof(msg))
		rc = 1;
	else if (read_full(fd, buf, sizeof(msg), 3000) != sizeof(msg) || memcmp(buf, msg, sizeof(msg)))
		rc = 2;
	/* the client half-closes: the echo's half-close comes back as EOF */
	else if (shutdown(fd, SHUT_WR) < 0 || read_end(fd, 3000) != 0)
		rc = 3;
	close(fd);
	rig_stop(&r);
	return rc;
}

TEST(proxy_tcp_echo_and_client_half_close)
{
	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	CHECK_EQ_INT(in_ns(CLONE_NEWNET, tcp_echo_and_half_close), 0);
}

/* The container half-closes first: its EOF reaches the client, which then
 * still sends 300000 bytes; the server counts them all. */
static int server_half_closes_first(void)
{
	struct rig r;
	char buf[16], line[64] = "", *data = malloc(300000);
	unsigned long long sum = 0, want;
	int fd, rc = 0;

	for (int i = 0; i < 300000; i++) {
		data[i] = (char)(i * 7 + i / 251);
		sum = sum * 31 + (unsigned char)data[i];
	}
	rig_start(&r, NULL);
	fd = dial(IP4(127, 0, 0, 1), P_SINK);
	if (fd < 0 || read_full(fd, buf, 6, 3000) != 6 || memcmp(buf, "hello\n", 6))
		rc = 1;
	else if (read_end(fd, 3000) != 0)
		rc = 2;
	else if (write(fd, data, 300000) != 300000 || shutdown(fd, SHUT_WR) < 0)
		rc = 3;
	else if (read_line(r.report, line, sizeof(line), 5000) < 0)
		rc = 4;
	else if (sscanf(line, "300000 %llu", &want) != 1 || want != sum)
		rc = 5;
	close(fd);
	free(data);
	rig_stop(&r);
	return rc;
}

TEST(proxy_tcp_server_half_closes_first)
{
	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	CHECK_EQ_INT(in_ns(CLONE_NEWNET, server_half_closes_first), 0);
}

/* Nothing listens behind the port: the client gets a reset, not a hang. */
static int refused_is_reset(void)
{
	struct rig r;
	int fd, rc = 0;

	rig_start(&r, NULL);
	fd = dial(IP4(127, 0, 0, 1), P_NOBODY);
	if (fd < 0)
		rc = 1;
	else if (read_end(fd, 3000) != -ECONNRESET)
		rc = 2;
	close(fd);
	rig_stop(&r);
	return rc;
}

TEST(proxy_tcp_refused_is_reset)
{
	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	CHECK_EQ_INT(in_ns(CLONE_NEWNET, refused_is_reset), 0);
}

/* Connection i's message: its number, then a letter of its own. */
static void conn_msg(char *msg, size_t n, int i)
{
	char head[24];
	int k = snprintf(head, sizeof(head), "conn %d ", i);

	memset(msg, 'a' + i % 26, n);
	memcpy(msg, head, (size_t)k);
}

/* n connections open at once, each with a message of its own. */
static int many_at_once(int n, uint16_t port)
{
	int *fd = malloc((size_t)n * sizeof(*fd)), rc = 0;
	char msg[1100], buf[1100];

	for (int i = 0; i < n; i++)
		if ((fd[i] = dial(IP4(127, 0, 0, 1), port)) < 0)
			return 10;
	for (int i = 0; i < n; i++) {
		conn_msg(msg, sizeof(msg), i);
		if (write(fd[i], msg, sizeof(msg)) != sizeof(msg))
			rc = 11;
	}
	for (int i = 0; i < n && !rc; i++) {
		conn_msg(msg, sizeof(msg), i);
		if (read_full(fd[i], buf, sizeof(buf), 5000) != sizeof(buf) ||
		    memcmp(buf, msg, sizeof(msg)))
			rc = 12;
	}
	for (int i = 0; i < n; i++)
		close(fd[i]);
	free(fd);
	return rc;
}

static int many_connections(void)
{
	struct rig r;
	int rc;

	rig_start(&r, NULL);
	rc = many_at_once(600, P_ECHO);
	if (!rc)
		rc = many_at_once(600, P_ECHO);	/* the first 600 were all let go */
	rig_stop(&r);
	return rc;
}

TEST(proxy_tcp_600_connections_at_once)
{
	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	CHECK_EQ_INT(in_ns(CLONE_NEWNET, many_connections), 0);
}

/* Over the cap, a connection waits in the backlog until one ends. */
static int cap_holds_back(void)
{
	struct proxy_opts o = { .max_conns = 3 };
	struct rig r;
	int fd[4], rc = 0;
	char buf[4];

	rig_start(&r, &o);
	for (int i = 0; i < 4; i++) {
		fd[i] = dial(IP4(127, 0, 0, 1), P_ECHO);
		if (fd[i] < 0 || write(fd[i], "abc", 3) != 3)
			rc = 1;
	}
	for (int i = 0; i < 3 && !rc; i++)
		if (read_full(fd[i], buf, 3, 3000) != 3)
			rc = 2;
	if (!rc && read_full(fd[3], buf, 3, 300) != 0)
		rc = 3;
	close(fd[0]);
	if (!rc && read_full(fd[3], buf, 3, 3000) != 3)
		rc = 4;
	for (int i = 1; i < 4; i++)
		close(fd[i]);
	rig_stop(&r);
	return rc;
}

TEST(proxy_tcp_connection_cap)
{
	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	CHECK_EQ_INT(in_ns(CLONE_NEWNET, cap_holds_back), 0);
}

/* With 80 descriptors the proxy may take 3 connections (80 less 5
 * listeners, 16 spare and 32 for the pipe pool; three quarters of that for
 * TCP at 6 each) whatever it is asked: the fourth waits. */
static int cap_follows_fd_limit(void)
{
	struct rlimit rl = { 80, 80 };
	struct rig r;
	int fd[4], rc = 0;
	char buf[4];

	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 9;
	rig_start(&r, NULL);
	for (int i = 0; i < 4; i++) {
		fd[i] = dial(IP4(127, 0, 0, 1), P_ECHO);
		if (fd[i] < 0 || write(fd[i], "abc", 3) != 3)
			rc = 1;
	}
	for (int i = 0; i < 3 && !rc; i++)
		if (read_full(fd[i], buf, 3, 3000) != 3)
			rc = 2;
	if (!rc && read_full(fd[3], buf, 3, 300) != 0)
		rc = 3;
	close(fd[1]);
	if (!rc && read_full(fd[3], buf, 3, 3000) != 3)
		rc = 4;
	for (int i = 0; i < 4; i++)
		if (i != 1)
			close(fd[i]);
	rig_stop(&r);
	return rc;
}

TEST(proxy_tcp_cap_follows_the_fd_limit)
{
	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	CHECK_EQ_INT(in_ns(CLONE_NEWNET, cap_follows_fd_limit), 0);
}

/* A deterministic byte stream, for checking a transfer byte for byte. */
static uint64_t xs_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void xs_fill(uint64_t *s, char *buf, size_t n)
{
	for (size_t i = 0; i < n; i += 8) {
		uint64_t v = xs_next(s);

		memcpy(buf + i, &v, n - i < 8 ? n - i : 8);
	}
}

/* Send total bytes to ip:port's echo and check every byte that comes
 * back; the time it took in *ms. 0 or a failure code. */
static int transfer(uint32_t ip, uint16_t port, size_t total, long long *ms)
{
	enum { BUF = 1 << 16 };
	char *out = malloc(BUF), *in = malloc(BUF), *want = malloc(BUF);
	uint64_t ws = 88172645463325252ull, rs = ws;
	size_t sent = 0, got = 0, outlen = 0, outoff = 0, wantlen = 0, wantoff = 0;
	long long t0 = ms_now();
	int fd = dial(ip, port), rc = 0;

	if (fd < 0)
		return 20;
	fcntl(fd, F_SETFL, O_NONBLOCK);
	while (got < total && !rc) {
		struct pollfd p = { .fd = fd, .events = POLLIN | (sent < total ? POLLOUT : 0) };
		ssize_t k;

		if (poll(&p, 1, 5000) <= 0) {
			rc = 21;
			break;
		}
		if (p.revents & POLLOUT) {
			if (outoff == outlen) {
				outlen = total - sent < BUF ? total - sent : BUF;
				xs_fill(&ws, out, outlen);
				outoff = 0;
			}
			k = write(fd, out + outoff, outlen - outoff);
			if (k > 0) {
				outoff += (size_t)k;
				sent += (size_t)k;
				if (sent == total)
					shutdown(fd, SHUT_WR);
			}
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			k = read(fd, in, BUF);
			if (k <= 0 && !(k < 0 && errno == EAGAIN)) {
				rc = 22;
				break;
			}
			for (ssize_t i = 0; i < k && !rc; i++) {
				if (wantoff == wantlen) {
					wantlen = BUF;
					xs_fill(&rs, want, wantlen);
					wantoff = 0;
				}
				if (in[i] != want[wantoff++])
					rc = 23;
			}
			got += k > 0 ? (size_t)k : 0;
		}
	}
	*ms = ms_now() - t0;
	close(fd);
	free(out);
	free(in);
	free(want);
	return rc;
}

static int large_transfer(void)
{
	struct rig r;
	long long ms;
	int rc;

	rig_start(&r, NULL);
	rc = transfer(IP4(127, 0, 0, 1), P_ECHO, 64u << 20, &ms);
	if (!rc)
		rc = transfer(IP4(127, 0, 0, 1), P_ECHO, 1234567, &ms);	/* not a multiple of a page */
	rig_stop(&r);
	return rc;
}

TEST(proxy_tcp_64mb_byte_for_byte)
{
	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	CHECK_EQ_INT(in_ns(CLONE_NEWNET, large_transfer), 0);
}

/* ---- UDP ---- */

/* Send msg from fd to ip:P_UDP; the reply's port suffix, or -1. The reply
 * must come from the address the datagram went to. */
static int udp_ask(int fd, uint32_t ip, const char *msg)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(P_UDP),
				  .sin_addr.s_addr = htonl(ip) }, from;
	socklen_t len = sizeof(from);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[256];
	unsigned port;
	ssize_t k;

	sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&to, sizeof(to));
	if (poll(&p, 1, 3000) <= 0)
		return -1;
	k = recvfrom(fd, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&from, &len);
	if (k < 0 || from.sin_addr.s_addr != to.sin_addr.s_addr || from.sin_port != to.sin_port)
		return -2;
	buf[k] = '\0';
	if (strncmp(buf, msg, strlen(msg)) || buf[strlen(msg)] != '@' ||
	    sscanf(buf + strlen(msg) + 1, "%u", &port) != 1)
		return -3;
	return (int)port;
}

static int udp_flows(void)
{
	struct proxy_opts o = { .udp_timeout_ms = 300 };
	struct rig r;
	int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM, 0);
	int pa, pb, pa2, pa3, rc = 0;

	rig_start(&r, &o);
	/* the listener takes every address; replies come from the one asked */
	pa = udp_ask(a, IP4(127, 0, 0, 3), "a1");
	pb = udp_ask(b, IP4(127, 0, 0, 1), "b1");
	pa2 = udp_ask(a, IP4(127, 0, 0, 3), "a2");
	usleep(900 * 1000);
	pa3 = udp_ask(a, IP4(127, 0, 0, 3), "a3");
	if (pa <= 0 || pb <= 0 || pa2 <= 0 || pa3 <= 0)
		rc = 1;
	else if (pa == pb)	/* one flow per client */
		rc = 2;
	else if (pa2 != pa)	/* the same client, within the timeout: the same flow */
		rc = 3;
	else if (pa3 == pa)	/* after it: a new one */
		rc = 4;
	close(a);
	close(b);
	rig_stop(&r);
	return rc;
}

TEST(proxy_udp_flows_and_timeout)
{
	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	CHECK_EQ_INT(in_ns(CLONE_NEWNET, udp_flows), 0);
}

/* ---- the process ---- */

static int count_fds(pid_t pid)
{
	char path[64];
	DIR *d;
	struct dirent *e;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* The proxy keeps only its listeners, an epoll and stdio; it dies with
 * its parent. */
static int dies_with_parent(void)
{
	struct port_map v = lo_port(IPPROTO_TCP, P_ECHO, ECHO);
	int p[2], fd, rc, stray = open("/dev/null", O_RDONLY);
	pid_t mid, proxy = 0;
	char st[256], path[64];

	if (nl_link_up("lo") < 0 || pipe(p) < 0 || stray < 0)
		return 1;
	mid = fork();
	if (mid == 0) {
		if (port_reserve(&v, 1, &fd) < 0 || proxy_spawn(&v, 1, &fd, CTR, NULL, &proxy) < 0)
			_exit(1);
		(void)!write(p[1], &proxy, sizeof(proxy));
		pause();	/* killed below */
		_exit(0);
	}
	if (read(p[0], &proxy, sizeof(proxy)) != sizeof(proxy)) {
		kill(mid, SIGKILL);
		waitpid(mid, NULL, 0);
		return 2;
	}
	for (int i = 0; i < 100 && count_fds(proxy) != 5; i++)
		usleep(10000);
	rc = count_fds(proxy) != 5 ? 3 : 4;	/* 0-2, the listener, the epoll */
	kill(mid, SIGKILL);
	waitpid(mid, NULL, 0);
	snprintf(path, sizeof(path), "/proc/%d/stat", proxy);
	for (int i = 0; i < 200 && rc == 4; i++) {
		FILE *f = fopen(path, "r");
		char *s = f ? fgets(st, sizeof(st), f) : NULL;

		if (f)
			fclose(f);
		if (!s || strstr(st, ") Z "))	/* gone, or a zombie for init to reap */
			rc = 0;
		else
			usleep(10000);
	}
	if (rc)
		kill(proxy, SIGKILL);	/* it should have died: do not leave it behind */
	return rc;
}

TEST(proxy_keeps_only_its_fds_and_dies_with_its_parent)
{
	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	CHECK_EQ_INT(in_ns(CLONE_NEWNET, dies_with_parent), 0);
}

TEST(proxy_spawn_needs_a_port)
{
	pid_t pid;

	CHECK_EQ_INT(proxy_spawn(NULL, 0, NULL, CTR, NULL, &pid), -EINVAL);
}

/* ---- figures (DORY_PROXY_MEASURE=1) ---- */

static long rss_kb(pid_t pid)
{
	char path[64], line[128];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

static long long cg_read(const char *cg, const char *file)
{
	char path[256];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	f = fopen(path, "r");
	if (f && fscanf(f, "%lld", &v) != 1)
		v = -1;
	if (f)
		fclose(f);
	return v;
}

static void cg_write(const char *cg, const char *file, const char *s)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	f = fopen(path, "w");
	if (f) {
		fputs(s, f);
		fclose(f);
	}
}

static void figures(const char *what, const struct rig *r, const char *cg, long rss0,
		    long long km0, long long tcp0, int n)
{
	usleep(300 * 1000);
	printf("# %d %s connections: proxy RSS +%ld KB (%ld B each); kernel memory of its "
	       "cgroup +%lld KB (%lld B each), TCP buffers +%lld KB\n", n, what,
	       rss_kb(r->proxy) - rss0, (rss_kb(r->proxy) - rss0) * 1024 / n,
	       (cg_read(cg, "memory.kmem.usage_in_bytes") - km0) / 1024,
	       (cg_read(cg, "memory.kmem.usage_in_bytes") - km0) / n,
	       (cg_read(cg, "memory.kmem.tcp.usage_in_bytes") - tcp0) / 1024);
	fflush(stdout);
}

static int measure(void)
{
	enum { N = 1000, NBUSY = 100 };
	struct rig r;
	char cg[128], pid[16], *junk = calloc(1, 1 << 20);
	int *fd = malloc(N * sizeof(*fd));
	long rss0;
	long long km0, tcp0, ms, pms, dms;

	snprintf(cg, sizeof(cg), "/sys/fs/cgroup/memory/dory-proxy-measure-%d", getpid());
	rig_start(&r, NULL);
	if (mkdir(cg, 0755) < 0)
		return 1;
	cg_write(cg, "memory.kmem.tcp.limit_in_bytes", "1073741824");	/* turns the count on */
	snprintf(pid, sizeof(pid), "%d", r.proxy);
	cg_write(cg, "cgroup.procs", pid);
	usleep(200 * 1000);
	rss0 = rss_kb(r.proxy);
	km0 = cg_read(cg, "memory.kmem.usage_in_bytes");
	tcp0 = cg_read(cg, "memory.kmem.tcp.usage_in_bytes");
	printf("# the proxy at rest (forked from this test): RSS %ld KB\n", rss0);
	for (int i = 0; i < N; i++)
		fd[i] = dial(IP4(127, 0, 0, 1), P_ECHO);
	figures("idle", &r, cg, rss0, km0, tcp0, N);
	for (int i = 0; i < N; i++)
		close(fd[i]);
	usleep(500 * 1000);
	rss0 = rss_kb(r.proxy);
	km0 = cg_read(cg, "memory.kmem.usage_in_bytes");
	tcp0 = cg_read(cg, "memory.kmem.tcp.usage_in_bytes");
	/* busy: each client pushes 1 MB (bounded: TCP memory is the whole
	 * machine's) toward a container that reads nothing, so the proxy's
	 * pipes and buffers fill */
	for (int i = 0; i < NBUSY; i++) {
		size_t left = 1 << 20;
		ssize_t k = 1;

		fd[i] = dial(IP4(127, 0, 0, 1), P_STALL);
		fcntl(fd[i], F_SETFL, O_NONBLOCK);
		while (left && k > 0)
			if ((k = write(fd[i], junk, left)) > 0)
				left -= (size_t)k;
	}
	figures("busy (stalled)", &r, cg, rss0, km0, tcp0, NBUSY);
	for (int i = 0; i < NBUSY; i++)
		close(fd[i]);
	if (transfer(IP4(127, 0, 0, 1), P_ECHO, 256u << 20, &pms) ||
	    transfer(CTR, ECHO, 256u << 20, &dms))
		return 2;
	ms = pms > 0 ? pms : 1;
	printf("# 256 MB echoed: through the proxy %lld ms (%lld MB/s), direct %lld ms "
	       "(%lld MB/s)\n", pms, 256000 / ms, dms, 256000 / (dms > 0 ? dms : 1));
	fflush(stdout);
	rig_stop(&r);
	waitpid(r.proxy, NULL, 0);
	rmdir(cg);
	free(fd);
	free(junk);
	return 0;
}

TEST(proxy_measure)
{
	SKIP_IF(ns_unavailable() || !getenv("DORY_PROXY_MEASURE"), "set DORY_PROXY_MEASURE=1");
	CHECK_EQ_INT(in_ns(CLONE_NEWNET, measure), 0);
}
