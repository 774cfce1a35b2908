// SPDX-License-Identifier: Apache-2.0
/* chk.h - the lines of `dory check`: what each room found this board gives
 * and what dory does without it. Rooms fill them; only the applet prints. */
#ifndef DORY_CHK_H
#define DORY_CHK_H

#include "core/util/base.h"

enum chk_state { CHK_OK, CHK_LIMITED, CHK_MISSING };
enum { CHK_MAX = 32, CHK_FOUND = 72, CHK_NOTE = 224 };

struct chk_item {
	const char *name;	/* static: "namespaces", "memory" */
	enum chk_state state;
	/* Missing, a container cannot run as `dory run IMAGE` runs it. */
	bool required;
	char found[CHK_FOUND];	/* what is there: "v1", "ext4, 3.1 GiB free" */
	char note[CHK_NOTE];	/* the fallback or the consequence; "" if none */
};

struct chk_list {
	size_t n;
	struct chk_item v[CHK_MAX];
};

/* A new line (the last one is reused once the list is full); found is a
 * format. Returns it for chk_note. */
struct chk_item *chk_add(struct chk_list *l, const char *name, enum chk_state st,
			 const char *fmt, ...) PRINTF(4, 5);
void chk_note(struct chk_item *it, const char *fmt, ...) PRINTF(2, 3);
/* Is some required item missing? */
bool chk_failed(const struct chk_list *l);
/* "3.1 GiB", "512 MiB", "12 KiB": n bytes, one decimal under 10. */
void chk_size(unsigned long long n, char *buf, size_t len);

#endif
