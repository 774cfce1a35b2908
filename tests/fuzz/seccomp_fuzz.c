// SPDX-License-Identifier: Apache-2.0
/* seccomp_fuzz.c - Docker-format seccomp profiles (--security-opt
 * seccomp=FILE, core/kernel/seccomp.c) compiled to a BPF program, for
 * Docker's default capability set or, when the input's length is odd,
 * every capability. Nothing is installed. */
#include <linux/filter.h>

#include "core/kernel/caps.h"
#include "core/kernel/seccomp.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t caps = size & 1 ? ~UINT64_C(0) : caps_docker_default();
	struct seccomp_policy *p = NULL;
	char *text = fuzz_text(data, size);

	if (seccomp_policy_parse("fuzz.json", text, caps, &p) == 0) {
		if (seccomp_policy_len(p) < 1 || seccomp_policy_len(p) > BPF_MAXINSNS ||
		    !seccomp_policy_prog(p))
			abort();
	} else if (p || !*err_str()) {
		abort();
	}
	seccomp_policy_free(p);
	err_clear();
	free(text);
	return 0;
}
