// SPDX-License-Identifier: Apache-2.0
/* attach.h - attach to a detached container through its supervisor: the
 * supervisor's side (a unix socket in the container's state directory
 * that carries its output out and input in) and the client's (relay,
 * detach keys, window size, signals). Printing is the applet's. */
#ifndef DORY_ATTACH_H
#define DORY_ATTACH_H

#include <poll.h>
#include <stddef.h>
#include <sys/socket.h>

#include "core/util/base.h"

/* ATTACH_REC: the most bytes of data one record carries (its buffers
 * stay well within the 4 KB of stack scratch a function may use). */
enum { ATTACH_CLIENTS = 4, ATTACH_KEYS_MAX = 16, ATTACH_REC = 2048 };

/* ---- the supervisor's side ---- */

struct attach_hub {
	int lfd;			/* listening; -1: not serving */
	int cfd[ATTACH_CLIENTS];	/* attached clients; -1: free */
	int in;		/* the container's stdin (pty master or pipe), borrowed; -1 */
	int master;	/* its pty master, for window sizes, borrowed; -1 */
	char *dir;	/* STATE/containers/ID; NULL: not open ({ 0 } is closed) */
};

/* Serve STATE/containers/ID/attach.sock while the container runs: in is
 * where input goes (-1: none), master its pty (-1: pipes). */
int attach_hub_open(struct attach_hub *h, const char *id, int in, int master);
/* The descriptors to poll for POLLIN (1 + ATTACH_CLIENTS at most). */
size_t attach_hub_fds(const struct attach_hub *h, struct pollfd *f);
/* Act on what those polled fds have: a new client, input, a window size. */
void attach_hub_poll(struct attach_hub *h, const struct pollfd *f, size_t n);
/* The container's output to every client (stream 1 or 2); a client that
 * cannot take it at once is dropped, never waited for. */
void attach_hub_out(struct attach_hub *h, int stream, const void *buf, size_t n);
/* The container exited with status: tell the clients, stop serving. */
void attach_hub_close(struct attach_hub *h, int status);

/* ---- for the client (attach_client.c) ---- */

struct sockaddr_un;
/* The socket's address, through dfd, a descriptor of its directory: the
 * state directory's path may be longer than sun_path takes. */
socklen_t attach_addr(int dfd, struct sockaddr_un *sa);
/* An O_PATH descriptor of dir; -errno recorded. */
int attach_dir_open(const char *dir);

/* Docker's --detach-keys: "ctrl-p,ctrl-q", "a", "ctrl-\\" ... into keys. */
int attach_keys_parse(const char *s, unsigned char keys[ATTACH_KEYS_MAX], size_t *n);

/* Watch input for the detach keys: bytes that may begin them are held
 * until they do not (then passed on) or they are complete. */
struct attach_esc {
	const unsigned char *keys;
	size_t n, matched;
};
/* Copy in (n bytes) to out (room for n + esc->n), holding a partial match;
 * the count copied. *detach once the keys are complete (what follows them
 * is dropped). */
size_t attach_esc_feed(struct attach_esc *e, const char *in, size_t n, char *out, bool *detach);

#endif
