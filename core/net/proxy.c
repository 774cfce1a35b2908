// SPDX-License-Identifier: Apache-2.0
/* proxy.c - the userland proxy: one child process, one epoll loop, TCP
 * spliced through pipes, UDP as flows per client. The sockets it listens
 * on come from port_reserve; starting and stopping it is the supervisor's. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/net/proxy.h"
#include "core/util/err.h"
#include "core/util/xalloc.h"

enum {
	CHUNK = 1 << 16,	/* bytes moved per splice: a default pipe's capacity */
	POOL_MAX = 16,		/* empty pipes kept for the next busy moment */
	UDP_BUCKETS = 256,
	UDP_BURST = 64,		/* datagrams per wake-up and socket, so none starves */
	FD_SLACK = 16,
	CONN_FDS = 6,		/* two sockets and, at worst, a pipe each way */
	PUMP_TURN = 16,		/* chunks a direction moves per turn, so that one fast
				 * connection cannot keep the loop from the others */
	EVENTS = 64,
};

enum px_kind { K_TCP_LISTEN = 1, K_UDP_LISTEN, K_SIDE, K_FLOW };

/* A published port; epoll's data points at its kind. */
struct lsn {
	uint8_t kind;
	int fd;
	uint16_t ctr_port;
};

/* One socket of a TCP connection: i is 0 for the client, 1 for the container. */
struct side {
	uint8_t kind;
	uint8_t i;
	int fd;
};

/* Direction d moves bytes from s[d] to s[!d]. A pipe is held only while
 * pending[d] bytes wait for s[!d] to take them: an idle connection costs
 * two sockets and this struct. */
struct conn {
	struct side s[2];
	int pipe[2][2];
	size_t pending[2];
	bool eof[2];		/* s[d] said it sends no more */
	bool shut[2];		/* and that was passed on to s[!d] */
	bool connecting, dead, queued;
	struct conn *next_dead;
	struct conn *next_ready;	/* more to move once the others had a turn */
};

/* One UDP client of one port: a socket connected to the container. */
struct flow {
	uint8_t kind;
	int fd;
	struct lsn *l;
	struct sockaddr_in client;
	struct in_addr local;	/* where the client sent to: replies come from there */
	long long last_ms;
	struct flow *next;	/* in its bucket */
};

struct px {
	int ep;
	uint32_t ctr_ip;
	struct lsn *l;
	size_t nl;
	unsigned nconns, nflows, max_conns, max_flows, timeout_ms;
	bool paused;
	int pool[POOL_MAX][2];
	unsigned npool;
	struct conn *dead, *ready;
	struct flow *bucket[UDP_BUCKETS];
	char *buf;		/* one datagram */
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int ep_add(struct px *px, int fd, uint32_t events, void *ptr)
{
	struct epoll_event ev = { .events = events, .data.ptr = ptr };

	return epoll_ctl(px->ep, EPOLL_CTL_ADD, fd, &ev);
}

/* ---- TCP ---- */

static int pool_get(struct px *px, int p[2])
{
	if (px->npool) {
		px->npool--;
		p[0] = px->pool[px->npool][0];
		p[1] = px->pool[px->npool][1];
		return 0;
	}
	return pipe2(p, O_NONBLOCK | O_CLOEXEC);
}

/* An empty pipe back to the pool (or closed when the pool is full). */
static void pool_put(struct px *px, int p[2])
{
	if (px->npool < POOL_MAX) {
		px->pool[px->npool][0] = p[0];
		px->pool[px->npool][1] = p[1];
		px->npool++;
	} else {
		close(p[0]);
		close(p[1]);
	}
	p[0] = p[1] = -1;
}

/* The listeners stop (or start again) taking connections off the backlog. */
static void listeners_pause(struct px *px, bool pause)
{
	for (size_t i = 0; i < px->nl; i++) {
		struct epoll_event ev = { .events = pause ? 0 : EPOLLIN, .data.ptr = &px->l[i] };

		if (px->l[i].kind == K_TCP_LISTEN)
			epoll_ctl(px->ep, EPOLL_CTL_MOD, px->l[i].fd, &ev);
	}
	px->paused = pause;
}

/* A socket closed with a reset: the client learns at once that there is
 * nothing behind the port. */
static void close_reset(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

/* End c: with a reset both ways when it failed, so neither peer mistakes a
 * cut stream for a whole one. Freed after the current batch of events,
 * which may still name it. */
static void conn_end(struct px *px, struct conn *c, bool reset)
{
	for (int i = 0; i < 2; i++) {
		if (reset)
			close_reset(c->s[i].fd);
		else
			close(c->s[i].fd);
		if (c->pipe[i][0] < 0)
			continue;
		if (c->pending[i]) {
			close(c->pipe[i][0]);
			close(c->pipe[i][1]);
		} else {
			pool_put(px, c->pipe[i]);
		}
	}
	c->dead = true;
	c->next_dead = px->dead;
	px->dead = c;
	px->nconns--;
	if (px->paused && px->nconns < px->max_conns)
		listeners_pause(px, false);
}

/* Move what s[d] has to s[!d] until one of them would block (0), or for
 * PUMP_TURN chunks (1: there may be more, and no edge of epoll will say
 * so); -1 when the connection broke. */
static int pump(struct px *px, struct conn *c, int d)
{
	int src = c->s[d].fd, dst = c->s[!d].fd, turn = 0;
	ssize_t k;

	for (;;) {
		if (c->pending[d]) {
			k = splice(c->pipe[d][0], NULL, dst, NULL, c->pending[d],
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (k < 0)
				return errno == EAGAIN ? 0 : -1;
			c->pending[d] -= (size_t)k;
			if (!c->pending[d])
				pool_put(px, c->pipe[d]);
			continue;
		}
		if (c->eof[d]) {
			if (!c->shut[d] && shutdown(dst, SHUT_WR) < 0 && errno != ENOTCONN)
				return -1;
			c->shut[d] = true;
			return 0;
		}
		if (turn++ == PUMP_TURN)
			return 1;
		if (c->pipe[d][0] < 0 && pool_get(px, c->pipe[d]) < 0)
			return -1;
		k = splice(src, NULL, c->pipe[d][1], NULL, CHUNK, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (k <= 0) {
			int e = errno;

			pool_put(px, c->pipe[d]);
			if (k == 0) {
				c->eof[d] = true;
				continue;
			}
			return e == EAGAIN ? 0 : -1;
		}
		c->pending[d] = (size_t)k;
	}
}

static void conn_pump(struct px *px, struct conn *c)
{
	int a = pump(px, c, 0), b = a < 0 ? 0 : pump(px, c, 1);

	if (a < 0 || b < 0) {
		conn_end(px, c, true);
	} else if (c->shut[0] && c->shut[1]) {
		conn_end(px, c, false);
	} else if ((a || b) && !c->queued) {
		c->queued = true;
		c->next_ready = px->ready;
		px->ready = c;
	}
}

static struct conn *side_conn(struct side *s)
{
	return (struct conn *)((char *)(s - s->i) - offsetof(struct conn, s));
}

static void side_event(struct px *px, struct side *s, uint32_t events)
{
	struct conn *c = side_conn(s);
	int err = 0;
	socklen_t len = sizeof(err);

	if (c->dead)
		return;
	if (c->connecting) {
		/* What the client sent meanwhile is read once the container answers. */
		if (s->i == 0)
			return;
		if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
			conn_end(px, c, true);
			return;
		}
		if (!(events & EPOLLOUT))
			return;
		c->connecting = false;
	}
	conn_pump(px, c);
}

/* A client taken off l's backlog: connect to the container and watch both. */
static void conn_open(struct px *px, struct lsn *l, int cfd)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(l->ctr_port),
				  .sin_addr.s_addr = htonl(px->ctr_ip) };
	struct conn *c;
	int one = 1, up, r;

	up = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	r = up < 0 ? -1 : connect(up, (struct sockaddr *)&sa, sizeof(sa));
	if (up < 0 || (r < 0 && errno != EINPROGRESS)) {
		if (up >= 0)
			close(up);
		close_reset(cfd);
		return;
	}
	c = xzalloc(sizeof(*c));
	c->s[0] = (struct side){ K_SIDE, 0, cfd };
	c->s[1] = (struct side){ K_SIDE, 1, up };
	memset(c->pipe, -1, sizeof(c->pipe));
	c->connecting = r < 0;
	px->nconns++;
	setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(up, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (ep_add(px, cfd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, &c->s[0]) < 0 ||
	    ep_add(px, up, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, &c->s[1]) < 0) {
		conn_end(px, c, true);
		return;
	}
	if (!c->connecting)
		conn_pump(px, c);
}

static void tcp_accept(struct px *px, struct lsn *l)
{
	while (px->nconns < px->max_conns) {
		int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd >= 0) {
			conn_open(px, l, fd);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		/* Out of descriptors or memory: leave the rest in the backlog and
		 * try again on the next tick. */
		if (errno != EAGAIN)
			listeners_pause(px, true);
		return;
	}
	listeners_pause(px, true);
}

/* ---- UDP ---- */

static struct flow **flow_slot(struct px *px, const struct lsn *l, const struct sockaddr_in *from)
{
	uint32_t h = (from->sin_addr.s_addr ^ (uint32_t)from->sin_port * 2654435761u) +
		     (uint32_t)(l - px->l);
	struct flow **p = &px->bucket[h % UDP_BUCKETS];

	while (*p && ((*p)->l != l || (*p)->client.sin_addr.s_addr != from->sin_addr.s_addr ||
		      (*p)->client.sin_port != from->sin_port))
		p = &(*p)->next;
	return p;
}

/* A new flow for a client of l, or NULL (the datagram is dropped). */
static struct flow *flow_open(struct px *px, struct lsn *l, const struct sockaddr_in *from,
			      struct in_addr local)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(l->ctr_port),
				  .sin_addr.s_addr = htonl(px->ctr_ip) };
	struct flow *f;
	int fd;

	if (px->nflows >= px->max_flows)
		return NULL;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	f = xzalloc(sizeof(*f));
	*f = (struct flow){ .kind = K_FLOW, .fd = fd, .l = l, .client = *from, .local = local };
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    ep_add(px, fd, EPOLLIN, f) < 0) {
		close(fd);
		free(f);
		return NULL;
	}
	px->nflows++;
	return f;
}

/* Datagrams from clients of l, each to its flow's socket. */
static void udp_in(struct px *px, struct lsn *l)
{
	for (int n = 0; n < UDP_BURST; n++) {
		char cbuf[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct sockaddr_in from;
		struct iovec iov = { px->buf, 65535 };
		struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof(from),
				     .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
		struct in_addr local = { 0 };
		struct flow **slot, *f;
		struct cmsghdr *cm;
		ssize_t k = recvmsg(l->fd, &mh, 0);

		if (k < 0)
			return;
		for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
			if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO)
				local = ((struct in_pktinfo *)CMSG_DATA(cm))->ipi_addr;
		slot = flow_slot(px, l, &from);
		f = *slot ? *slot : (*slot = flow_open(px, l, &from, local));
		if (!f)
			continue;
		f->last_ms = now_ms();
		(void)!send(f->fd, px->buf, (size_t)k, 0);
	}
}

/* Replies from the container to f's client, from the address it sent to. */
static void flow_in(struct px *px, struct flow *f)
{
	for (int n = 0; n < UDP_BURST; n++) {
		char cbuf[CMSG_SPACE(sizeof(struct in_pktinfo))] = { 0 };
		ssize_t k = recv(f->fd, px->buf, 65535, 0);
		struct iovec iov = { px->buf, 0 };
		struct msghdr mh = { .msg_name = &f->client, .msg_namelen = sizeof(f->client),
				     .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

		if (k < 0 && errno == ECONNREFUSED)	/* an ICMP error from the container */
			continue;
		if (k < 0)
			return;
		iov.iov_len = (size_t)k;
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
		((struct in_pktinfo *)CMSG_DATA(cm))->ipi_spec_dst = f->local;
		if (!f->local.s_addr)
			mh.msg_control = NULL, mh.msg_controllen = 0;
		(void)!sendmsg(f->l->fd, &mh, 0);
		f->last_ms = now_ms();
	}
}

/* Flows idle for longer than the timeout end. */
static void flows_sweep(struct px *px, long long now)
{
	for (unsigned b = 0; b < UDP_BUCKETS; b++) {
		struct flow **p = &px->bucket[b];

		while (*p) {
			struct flow *f = *p;

			if (now - f->last_ms < px->timeout_ms) {
				p = &f->next;
				continue;
			}
			*p = f->next;
			close(f->fd);
			free(f);
			px->nflows--;
		}
	}
}

/* ---- the process ---- */

static void dispatch(struct px *px, void *ptr, uint32_t events)
{
	switch (*(uint8_t *)ptr) {
	case K_TCP_LISTEN:
		tcp_accept(px, ptr);
		break;
	case K_UDP_LISTEN:
		udp_in(px, ptr);
		break;
	case K_SIDE:
		side_event(px, ptr, events);
		break;
	case K_FLOW:
		flow_in(px, ptr);
		break;
	}
}

/* Another turn for the connections that used up theirs. A connection
 * that ended in this batch is skipped here and freed after. */
static void ready_turn(struct px *px)
{
	struct conn *c = px->ready;

	px->ready = NULL;
	while (c) {
		struct conn *next = c->next_ready;

		c->queued = false;
		if (!c->dead)
			conn_pump(px, c);
		c = next;
	}
}

static int px_run(struct px *px)
{
	struct epoll_event ev[EVENTS];
	unsigned tick = px->timeout_ms / 2 < 1000 ? px->timeout_ms / 2 + 1 : 1000;
	long long last = now_ms(), now;

	for (;;) {
		int k = epoll_wait(px->ep, ev, EVENTS,
				   px->ready ? 0 : px->nflows || px->paused ? (int)tick : -1);

		if (k < 0 && errno != EINTR)
			return 1;
		for (int i = 0; i < k; i++)
			dispatch(px, ev[i].data.ptr, ev[i].events);
		ready_turn(px);
		while (px->dead) {
			struct conn *c = px->dead;

			px->dead = c->next_dead;
			free(c);
		}
		now = now_ms();
		if (now - last >= tick) {
			flows_sweep(px, now);
			if (px->paused && px->nconns < px->max_conns)
				listeners_pause(px, false);
			last = now;
		}
	}
}

/* The limits, lowered to what RLIMIT_NOFILE (raised to its hard limit) allows. */
static void px_limits(struct px *px, const struct proxy_opts *o, bool tcp, bool udp)
{
	struct rlimit rl;
	unsigned long budget;

	px->max_conns = o && o->max_conns ? o->max_conns : PROXY_MAX_CONNS;
	px->max_flows = o && o->max_flows ? o->max_flows : PROXY_MAX_FLOWS;
	px->timeout_ms = o && o->udp_timeout_ms ? o->udp_timeout_ms : PROXY_UDP_TIMEOUT_MS;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	budget = rl.rlim_cur > px->nl + FD_SLACK + 2 * POOL_MAX + 8 ?
		rl.rlim_cur - px->nl - FD_SLACK - 2 * POOL_MAX : 8;
	/* Over budget: three quarters to TCP, a quarter to UDP when both are
	 * published, never more than was asked. */
	if ((tcp ? (unsigned long long)px->max_conns * CONN_FDS : 0) +
	    (udp ? px->max_flows : 0) > budget) {
		unsigned long t = udp ? budget * 3 / 4 : budget, u = tcp ? budget / 4 : budget;

		if (px->max_conns > t / CONN_FDS)
			px->max_conns = (unsigned)(t / CONN_FDS);
		if (px->max_flows > u)
			px->max_flows = (unsigned)u;
	}
	px->max_conns += !px->max_conns;
	px->max_flows += !px->max_flows;
}

static int by_value(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Close the descriptors lo..hi-1: close_range(2) (5.9), else one by one
 * up to the descriptor limit. */
static void close_from_to(unsigned lo, unsigned hi)
{
	struct rlimit rl = { .rlim_cur = 1024 };

#ifdef SYS_close_range
	if (syscall(SYS_close_range, lo, hi - 1, 0) == 0)
		return;
#endif
	getrlimit(RLIMIT_NOFILE, &rl);
	if (hi > rl.rlim_cur)
		hi = rl.rlim_cur > 1u << 20 ? 1u << 20 : (unsigned)rl.rlim_cur;
	for (unsigned fd = lo; fd < hi; fd++)
		close((int)fd);
}

/* Close every descriptor but keep[] (n of them) and stdio, which goes to
 * /dev/null: the supervisor's locks, logs and terminals are not ours. */
static void keep_only(int *keep, size_t n)
{
	int *s = xmalloc(n * sizeof(*s)), nul;
	unsigned lo = 3;

	for (size_t i = 0; i < n; i++)
		if (keep[i] < 3)
			keep[i] = fcntl(keep[i], F_DUPFD_CLOEXEC, 3);
	memcpy(s, keep, n * sizeof(*s));
	qsort(s, n, sizeof(*s), by_value);
	for (size_t i = 0; i <= n; i++) {
		unsigned hi = i < n ? (unsigned)s[i] : ~0U;

		if (hi > lo)
			close_from_to(lo, hi);
		if (i < n && (unsigned)s[i] + 1 > lo)
			lo = (unsigned)s[i] + 1;
	}
	free(s);
	nul = openat(AT_FDCWD, "/dev/null", O_RDWR | O_CLOEXEC);
	for (int fd = 0; fd < 3 && nul >= 0; fd++)
		if (fd != nul)
			dup2(nul, fd);
	if (nul > 2)
		close(nul);
}

/* The child: a clean slate of signals and descriptors, then the loop. */
static int proxy_child(const struct port_map *v, size_t n, const int *fds, uint32_t ctr_ip,
		       const struct proxy_opts *o, pid_t parent)
{
	struct px px = { .ctr_ip = ctr_ip, .nl = n };
	int one = 1, *keep = xmalloc(n * sizeof(*keep));
	bool tcp = false, udp = false;
	sigset_t all;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		return 0;
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	prctl(PR_SET_NAME, "dory-proxy");
	memcpy(keep, fds, n * sizeof(*keep));
	keep_only(keep, n);
	px.ep = epoll_create1(EPOLL_CLOEXEC);
	px.l = xzalloc(n * sizeof(*px.l));
	if (px.ep < 0)
		return 1;
	for (size_t i = 0; i < n; i++) {
		bool is_udp = v[i].proto == IPPROTO_UDP;

		px.l[i] = (struct lsn){ is_udp ? K_UDP_LISTEN : K_TCP_LISTEN, keep[i], v[i].ctr_port };
		fcntl(keep[i], F_SETFL, fcntl(keep[i], F_GETFL) | O_NONBLOCK);
		if (is_udp)
			setsockopt(keep[i], IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
		if (ep_add(&px, keep[i], EPOLLIN, &px.l[i]) < 0)
			return 1;
		tcp |= !is_udp;
		udp |= is_udp;
	}
	if (udp)
		px.buf = xmalloc(65536);
	px_limits(&px, o, tcp, udp);
	return px_run(&px);
}

int proxy_spawn(const struct port_map *v, size_t n, const int *fds, uint32_t ctr_ip,
		const struct proxy_opts *o, pid_t *pid)
{
	pid_t parent = getpid(), p;

	if (!n)
		return err_setx(EINVAL, "the port proxy needs a port to forward");
	p = fork();
	if (p < 0)
		return err_set(errno, "fork the port proxy");
	if (p == 0)
		_exit(proxy_child(v, n, fds, ctr_ip, o, parent));
	*pid = p;
	return 0;
}
