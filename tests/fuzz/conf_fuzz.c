// SPDX-License-Identifier: Apache-2.0
/* conf_fuzz.c - the configuration files dory reads: its own
 * /etc/dory/config.json (core/util/conf.c) and, after a NUL, Docker's
 * config.json with `dory login`'s credentials (core/registry/registry.c),
 * looked up for Docker Hub and for a registry of our own. */
#include "core/registry/registry.h"
#include "core/util/conf.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const domains[] = { "docker.io", "127.0.0.1:5000" };
	const uint8_t *rest;
	size_t rest_n, n = fuzz_split(data, size, &rest, &rest_n);
	char *text = fuzz_text(data, n), *docker = fuzz_text(rest, rest_n);
	struct dory_conf c;

	if (conf_parse(text, "config.json", &c) == 0) {
		for (size_t i = 0; i < c.insecure.n; i++)
			if (!conf_is_insecure(&c, c.insecure.v[i]))
				abort();
		conf_clear(&c);
	} else if (c.insecure.n || c.storage_driver || !*err_str()) {
		abort();	/* a refused file leaves nothing behind, and says why */
	}
	for (size_t i = 0; rest_n && i < sizeof(domains) / sizeof(domains[0]); i++) {
		char *creds = reg_creds_find(docker, domains[i]);

		if (creds && !strchr(creds, ':'))
			abort();
		free(creds);
	}
	err_clear();
	free(docker);
	free(text);
	return 0;
}
