// SPDX-License-Identifier: Apache-2.0
/* change.h - one Dockerfile instruction line ("CMD ["sh"]", "ENV A=1"):
 * parsed once here for `import --change` and, later, the Dockerfile
 * builder; applied to an image config's "config" object. */
#ifndef DORY_CHANGE_H
#define DORY_CHANGE_H

#include "core/util/base.h"
#include "core/util/str.h"

struct json;

struct change {
	char *cmd;		/* the keyword, upper case: "CMD" */
	char *rest;		/* what follows it, blanks trimmed */
	bool json;		/* rest is a JSON array of strings (exec form) */
	struct strv args;	/* json: its items; else rest split into words
				 * with Dockerfile quoting ("a b", 'a b', \ ) */
};

/*
 * Parse one instruction. The keyword is any word of letters (not checked
 * here: that is for the caller that knows what it takes). -EINVAL with a
 * one-line message for an empty line, a keyword without arguments, or an
 * unterminated quote. Free with change_clear (also after an error).
 */
int change_parse(const char *line, struct change *out);
void change_clear(struct change *c);

/*
 * Apply c to cfg, an image config's "config" object, as Docker's
 * `import --change` does: CMD, ENTRYPOINT (shell form: ["/bin/sh", "-c",
 * REST]), ENV (K=V..., or "K V" for one), EXPOSE (PORT[/tcp|udp|sctp]),
 * LABEL (K=V...), USER, VOLUME (JSON or words), WORKDIR (relative to the
 * one before). Others: -EINVAL "X is not supported by --change".
 */
int change_apply(const struct change *c, struct json *cfg);

#endif
