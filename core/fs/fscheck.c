// SPDX-License-Identifier: Apache-2.0
/* fscheck.c - which storage a container would get on this board, tried
 * the way ctrfs_pick and ctr_build's userns mode decide it (overlay.c's
 * and userns.c's probes: a real mount in a scratch dir, removed again). */
#include <string.h>

#include "core/fs/fscheck.h"
#include "core/fs/overlay.h"
#include "core/fs/userns.h"
#include "core/util/err.h"

/* The range a probe maps when the config names none (any will do: only
 * the kernel's and the filesystem's support are asked). */
static const struct userns_map fscheck_map = { .base = 100000, .count = USERNS_RECOMMENDED };

static void fscheck_overlay(const char *dir, const struct dory_conf *conf, struct chk_list *l)
{
	struct chk_item *it;
	char why[160];

	if (conf->storage_driver && !strcmp(conf->storage_driver, "bind-copy")) {
		chk_note(chk_add(l, "overlay", CHK_LIMITED, "not used (storage-driver: bind-copy)"),
			 "each writable container gets a copy of its image");
		return;
	}
	if (overlay_usable(dir, why, sizeof(why))) {
		chk_add(l, "overlay", CHK_OK, "usable on the store's filesystem");
		return;
	}
	it = chk_add(l, "overlay", CHK_LIMITED, "no");
	chk_note(it, "bind-copy instead of overlay (a copy per writable container): %s", why);
}

static void fscheck_idmap(const char *dir, const struct dory_conf *conf, struct chk_list *l)
{
	static const char fallback[] = "userns-remap gives each container a shifted copy of "
				       "its image";
	struct userns_map m = fscheck_map;
	struct chk_item *it;
	char why[160];

	if (conf->userns_remap && userns_map_parse(conf->userns_remap, &m) < 0) {
		it = chk_add(l, "idmap", CHK_MISSING, "userns-remap unusable");
		chk_note(it, "%s", err_str());
		it->required = true;	/* every container from an image would fail */
		err_clear();
		return;
	}
	if (conf->userns_no_idmap) {
		chk_note(chk_add(l, "idmap", CHK_LIMITED, "off (userns-idmap: false)"), "%s", fallback);
		return;
	}
	if (userns_idmap_usable(dir, &m, why, sizeof(why))) {
		chk_add(l, "idmap", CHK_OK, "idmapped layers%s",
			conf->userns_remap ? " (userns-remap)" : "");
		return;
	}
	err_clear();
	it = chk_add(l, "idmap", CHK_LIMITED, "no idmapped layers");
	chk_note(it, "%s: %s", fallback, why);
}

void fscheck(const char *dir, const struct dory_conf *conf, struct chk_list *l)
{
	fscheck_overlay(dir, conf, l);
	fscheck_idmap(dir, conf, l);
}
