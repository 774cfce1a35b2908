// SPDX-License-Identifier: Apache-2.0
/* opt.h - Docker's option grammar from a table: stops at the first operand,
 * "--x=v" and "--x v", clustered short flags, repeatable lists, "--". */
#ifndef DORY_OPT_H
#define DORY_OPT_H

#include "core/util/base.h"

enum opt_kind { OPT_KIND_END, OPT_KIND_BOOL, OPT_KIND_STR, OPT_KIND_LIST, OPT_KIND_TRI };

struct opt {
	char shrt;		/* 0: long form only */
	unsigned char kind;	/* enum opt_kind */
	const char *lng;	/* NULL: short form only */
	size_t off;		/* bool, const char *, struct strv or int (TRI) in the opts struct */
};

#define OPT_BOOL(s, l, o) { (s), OPT_KIND_BOOL, (l), (o) }
#define OPT_STR(s, l, o)  { (s), OPT_KIND_STR, (l), (o) }
#define OPT_LIST(s, l, o) { (s), OPT_KIND_LIST, (l), (o) }
/* A boolean whose absence is told apart (a default from elsewhere): the
 * int is 1 for --x or --x=true, -1 for --x=false, and stays 0 if not given. */
#define OPT_TRI(s, l, o)  { (s), OPT_KIND_TRI, (l), (o) }
#define OPT_END           { 0, OPT_KIND_END, NULL, 0 }

/* Fill opts from argv (argv[0] is the command name) and return the first
 * operand. A usage error prints one line and exits 125; "--help" prints
 * dory.help and exits 0. String values point into argv. */
char **opt_parse(const struct opt *optv, void *opts, char **argv);

#endif
