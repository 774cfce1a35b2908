// SPDX-License-Identifier: Apache-2.0
/* attach_client.h - dory attach's relay: this terminal on a container's
 * supervisor socket until the container exits or the detach keys. */
#ifndef DORY_ATTACH_CLIENT_H
#define DORY_ATTACH_CLIENT_H

#include "core/ctr/attach.h"

struct attach_opts {
	bool in;	/* send stdin */
	bool tty;	/* the container has a pty: raw mode, window size */
	bool proxy;	/* --sig-proxy: signals to the container (no pty) */
	struct attach_esc esc;
};
/* Relay stdin and stdout/stderr to container id's supervisor until the
 * container exits (0, *status its exit status) or the detach keys are
 * typed (1). */
int attach_run(const char *id, const struct attach_opts *o, int *status);

#endif
