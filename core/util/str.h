// SPDX-License-Identifier: Apache-2.0
/* str.h - strings and NULL-terminated string vectors. Parsing of numbers
 * here is strict: the whole string or an error. */
#ifndef DORY_STR_H
#define DORY_STR_H

#include "core/util/base.h"

/* A growable NULL-terminated vector of owned strings; {0} is empty. */
struct strv {
	char **v;
	size_t n;
};

bool str_has_prefix(const char *s, const char *prefix);
/* Parse a whole decimal number in [0, max]; -EINVAL or -ERANGE otherwise. */
int str_to_u64(const char *s, unsigned long long max, unsigned long long *out);
/* s into buf (n bytes, cut to fit) with control characters as '?': a name
 * from an archive or a peer, fit for a one-line message. */
void str_printable(char *buf, size_t n, const char *s);

void strv_push(struct strv *sv, const char *s);	/* copies s */
void strv_push_take(struct strv *sv, char *s);		/* takes s */
void strv_free(struct strv *sv);
/* Index of the "KEY=..." entry for key (klen bytes), or -1. */
ssize_t strv_find_key(const struct strv *sv, const char *key, size_t klen);
/* Set "KEY=VALUE" from kv, replacing an entry with the same key. */
void strv_setenv(struct strv *sv, const char *kv);
/* One -e or --env-file entry (from: the file, NULL for -e), as Docker
 * takes it: "K=V" as is; "K" alone copies the caller's K if set. -EINVAL
 * (recorded) for an empty name or one with white space. */
int strv_docker_env(struct strv *env, const char *kv, const char *from);
/* Value of KEY in an environment vector, or NULL. */
const char *strv_getenv(const struct strv *sv, const char *key);

/* go-units' HumanDuration of s seconds, as Docker words ages: "Less than
 * a second", "1 second", "About a minute", "3 hours", "2 weeks"... */
void str_human_duration(long long s, char *buf, size_t len);

/* n bytes with prec (3 or 4) significant digits as go-units prints them:
 * decimal units (HumanSizeWithPrecision: "7.79MB", "999B", "1kB") or,
 * binary, 1024-based ones (BytesSize: "1.5MiB", "31.27GiB"). In integers;
 * where Go would print "1e+03kB" this gives "1MB". */
void str_size(char *buf, size_t len, unsigned long long n, int prec, bool binary);

/* A string that grows as text is added: { 0 } is empty; s is allocated
 * (NULL until something is added) and the caller frees it. */
struct sbuf {
	char *s;
	size_t n, cap;
};
void sbuf_addf(struct sbuf *b, const char *fmt, ...) PRINTF(2, 3);

#endif
