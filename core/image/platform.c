// SPDX-License-Identifier: Apache-2.0
/* platform.c - which image of a multi-platform index fits: the OCI image
 * index's platform fields with Docker's arm variant rules. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/image/platform.h"
#include "core/util/err.h"
#include "core/util/json.h"

static void platform_set(char *dst, size_t n, const char *s, size_t len)
{
	if (len >= n)
		len = n - 1;
	memcpy(dst, s, len);
	dst[len] = 0;
}

void platform_host(struct platform *p)
{
	memset(p, 0, sizeof(*p));
	strcpy(p->os, "linux");
#if defined(__x86_64__)
	strcpy(p->arch, "amd64");
#elif defined(__aarch64__)
	strcpy(p->arch, "arm64");
	strcpy(p->variant, "v8");
#elif defined(__arm__)
	strcpy(p->arch, "arm");
	strcpy(p->variant, "v7");
#elif defined(__mips__) && defined(__MIPSEL__)
	strcpy(p->arch, "mipsle");
#elif defined(__riscv) && __riscv_xlen == 64
	strcpy(p->arch, "riscv64");
#elif defined(__i386__)
	strcpy(p->arch, "386");
#else
#error "unknown architecture: add its OCI name to platform_host()"
#endif
}

/* Docker's aliases: aarch64 is arm64, x86_64 is amd64, armhf is arm/v7. */
static void platform_normalize(struct platform *p)
{
	if (!strcmp(p->arch, "aarch64"))
		strcpy(p->arch, "arm64");
	else if (!strcmp(p->arch, "x86_64") || !strcmp(p->arch, "x86-64"))
		strcpy(p->arch, "amd64");
	else if (!strcmp(p->arch, "armhf") && !*p->variant)
		strcpy(p->arch, "arm"), strcpy(p->variant, "v7");
	else if (!strcmp(p->arch, "armel") && !*p->variant)
		strcpy(p->arch, "arm"), strcpy(p->variant, "v6");
	if (!strcmp(p->arch, "arm64") && !*p->variant)
		strcpy(p->variant, "v8");
	if (!strcmp(p->arch, "arm") && !*p->variant)
		strcpy(p->variant, "v7");
}

int platform_parse(const char *s, struct platform *p)
{
	const char *part[3];
	size_t len[3];
	int n = 0;

	memset(p, 0, sizeof(*p));
	for (const char *c = s; n < 3;) {
		const char *e = strchrnul(c, '/');

		part[n] = c;
		len[n++] = e - c;
		if (!*e)
			break;
		c = e + 1;
	}
	for (int i = 0; i < n; i++)
		if (!len[i] || len[i] >= sizeof(p->os) || strchr(s, ' '))
			goto bad;
	if (strchr(part[n - 1], '/'))
		goto bad;
	if (n == 1 || (n == 2 && !strncmp(part[1], "v", 1) && strncmp(part[0], "linux", 5))) {
		strcpy(p->os, "linux");
		platform_set(p->arch, sizeof(p->arch), part[0], len[0]);
		if (n == 2)
			platform_set(p->variant, sizeof(p->variant), part[1], len[1]);
	} else {
		platform_set(p->os, sizeof(p->os), part[0], len[0]);
		platform_set(p->arch, sizeof(p->arch), part[1], len[1]);
		if (n == 3)
			platform_set(p->variant, sizeof(p->variant), part[2], len[2]);
	}
	platform_normalize(p);
	return 0;
bad:
	return err_setx(EINVAL, "invalid platform \"%s\" (use OS/ARCH[/VARIANT], e.g. linux/arm/v7)",
			s);
}

const char *platform_str(const struct platform *p, char *buf, size_t n)
{
	snprintf(buf, n, "%s/%s%s%s", p->os, p->arch, *p->variant ? "/" : "", p->variant);
	return buf;
}

int platform_score(const struct platform *want, const char *os, const char *arch,
		   const char *variant)
{
	struct platform c = { 0 };
	int wv, cv;

	platform_set(c.os, sizeof(c.os), os ? os : "", os ? strlen(os) : 0);
	platform_set(c.arch, sizeof(c.arch), arch ? arch : "", arch ? strlen(arch) : 0);
	platform_set(c.variant, sizeof(c.variant), variant ? variant : "",
		     variant ? strlen(variant) : 0);
	platform_normalize(&c);
	if (strcmp(c.os, want->os) || strcmp(c.arch, want->arch))
		return 0;
	if (!strcmp(c.variant, want->variant))
		return 100;
	/* arm/vN runs code for older arm variants; newer ones never. */
	if (!strcmp(c.arch, "arm") && sscanf(want->variant, "v%d", &wv) == 1 &&
	    sscanf(c.variant, "v%d", &cv) == 1 && cv < wv)
		return 50 + cv;
	if (!*c.variant || !*want->variant)
		return 10;
	return 0;
}

int platform_pick(const struct json *idx, const struct platform *want, const char *what,
		  char out[DIGEST_STRLEN])
{
	const struct json *ms = json_get(idx, "manifests"), *best = NULL;
	char have[256] = "", pb[48];
	int score = 0;

	for (int i = 0; i < json_arr_len(ms); i++) {
		const struct json *m = json_arr_at(ms, i), *pl = json_get(m, "platform");
		const char *os = json_get_str(pl, "os"), *arch = json_get_str(pl, "architecture");
		const char *var = json_get_str(pl, "variant");
		int s = platform_score(want, os, arch, var);

		if (os && arch && strcmp(arch, "unknown") && strlen(have) < sizeof(have) - 40)
			snprintf(have + strlen(have), sizeof(have) - strlen(have), "%s%s/%s%s%s",
				 *have ? ", " : "", os, arch, var ? "/" : "", var ? var : "");
		if (s > score && sha256_is_digest(json_get_str(m, "digest"))) {
			score = s;
			best = m;
		}
	}
	if (!best)
		return err_setx(ENOENT, "%s has no image for %s (it has: %s; choose with --platform)",
				what, platform_str(want, pb, sizeof(pb)), *have ? have : "none");
	snprintf(out, DIGEST_STRLEN, "%s", json_get_str(best, "digest"));
	return 0;
}
