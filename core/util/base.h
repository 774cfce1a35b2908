// SPDX-License-Identifier: Apache-2.0
/* base.h - the few macros every file uses: cleanup attributes, TAKE, the
 * process context. Nothing here allocates; see xalloc.h for that. */
#ifndef DORY_BASE_H
#define DORY_BASE_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NORETURN __attribute__((noreturn))
#define PRINTF(f, a) __attribute__((format(printf, f, a)))
#define UNUSED __attribute__((unused))

static inline void base_freep(void *p) { free(*(void **)p); }
static inline void base_closep(int *fd) { if (*fd >= 0) close(*fd); }
static inline void base_fclosep(FILE **f) { if (*f) fclose(*f); }
static inline void base_closedirp(DIR **d) { if (*d) closedir(*d); }

#define autofree __attribute__((cleanup(base_freep)))
#define autoclose __attribute__((cleanup(base_closep)))
#define autofclose __attribute__((cleanup(base_fclosep)))
#define autoclosedir __attribute__((cleanup(base_closedirp)))

/* TAKE(v): hand ownership of v to the caller; v becomes NULL (or -1 for fds
 * declared with autoclose, via TAKE_FD). */
#define TAKE(v) ({ __typeof__(v) take_tmp_ = (v); (v) = NULL; take_tmp_; })
#define TAKE_FD(v) ({ int take_fd_ = (v); (v) = -1; take_fd_; })

/* The one mutable global: who we are and how we were called. */
struct dory_ctx {
	const char *applet;	/* "run", for messages */
	const char *root;	/* --root */
	const char *state;	/* --state */
	int verbose;		/* -v: info() */
	bool debug;		/* --debug or DORY_DEBUG=1: dbg() */
	int fail_code;		/* exit status of die(): 125 */
	const char *help;	/* the applet's --help text */
};
extern struct dory_ctx dory;

#endif
