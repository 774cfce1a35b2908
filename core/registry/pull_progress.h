// SPDX-License-Identifier: Apache-2.0
/* pull_progress.h - a pull's events (image_pull.h) as the text a command
 * shows on stderr: Docker's lines always (pulling from, already exists,
 * pull complete, Digest), and on a terminal one line per layer with its
 * bytes, size and rate, redrawn in place. Writing the text is the
 * applet's; this only words it. */
#ifndef DORY_PULL_PROGRESS_H
#define DORY_PULL_PROGRESS_H

#include "core/registry/image_pull.h"

struct pull_progress_layer;

struct pull_progress {
	bool tty;		/* set by the caller: stderr is a terminal */
	int rows;		/* layer lines drawn so far (tty) */
	int n;
	struct pull_progress_layer *layers;
};

/* The text for e at now_ms (CLOCK_MONOTONIC; -1: now): allocated, "" for
 * none. On a terminal a layer's bytes are redrawn at most every 100 ms. */
char *pull_progress_text(struct pull_progress *v, const struct image_pull_event *e,
			 long long now_ms);
void pull_progress_clear(struct pull_progress *v);

#endif
