// SPDX-License-Identifier: Apache-2.0
/* ctr_net.c - a container's network for one run, from its config. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/ctr/ctr_net.h"
#include "core/util/err.h"

/* --network container:ID: that container's namespace, while it runs. */
static int ctr_net_join(const char *id, struct ctr_net_run *r, struct rt_spec *s)
{
	struct ctr_state st;
	int rc = ctr_state_load(id, false, &st);

	if (rc < 0)
		return rc == -ENOENT ? err_setx(ENOENT, "the container %.12s whose network this "
						"one joins is gone", id) : rc;
	if (st.status != CTR_RUNNING || st.pid <= 0)
		rc = err_setx(EINVAL, "cannot join network of a non running container: %.12s", id);
	else
		snprintf(r->netns, sizeof(r->netns), "/proc/%d/ns/net", (int)st.pid);
	ctr_state_clear(&st);
	if (rc == 0)
		s->netns = r->netns;
	return rc;
}

int ctr_net_start(const struct ctr_config *c, struct ctr_net_run *r, struct rt_spec *s)
{
	const char *m = c->network_mode ? c->network_mode : "none";

	memset(r, 0, sizeof(*r));
	r->c = c;
	s->hostnet = !strcmp(m, "host");
	s->netns = NULL;
	s->net_setup = NULL;
	if (!strncmp(m, "container:", 10))
		return ctr_net_join(m + 10, r, s);
	if (ctr_net_joins(c))
		return err_setx(ENOTSUP, "network %s: bridge networks are not built yet", m);
	return 0;
}

void ctr_net_stop(struct ctr_net_run *r)
{
	r->netns[0] = '\0';
}
