// SPDX-License-Identifier: Apache-2.0
/* cgroup_bpf.c - Docker's device rules on cgroup v2: a CGROUP_DEVICE BPF
 * program, built by hand, loaded, attached. v1's devices files: cgroup.c. */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>

#include "core/kernel/cgroup.h"
#include "core/util/err.h"
#include "core/util/xalloc.h"

/* Registers: the context arrives in r1; the verdict leaves in r0. */
enum { R0, R1, R2, R3, R4, R5 };
enum { CG_DEV_MAJOR_MAX = 4095, CG_DEV_MINOR_MAX = (1 << 20) - 1 };
/* Per rule: type, 3 for access, major, minor, verdict (2). */
enum { CG_DEV_HEAD = 6, CG_DEV_RULE_MAX = 8, CG_DEV_TAIL = 2 };

/* The same list cg_set_devices writes to v1's devices.allow. */

/* A major or minor: "*" (-1) or a decimal number up to max. */
static const char *cg_dev_num(const char *p, long max, long *out)
{
	long v = 0;

	if (*p == '*') {
		*out = -1;
		return p + 1;
	}
	if (*p < '0' || *p > '9')
		return NULL;
	for (; *p >= '0' && *p <= '9'; p++)
		if ((v = v * 10 + (*p - '0')) > max)
			return NULL;
	*out = v;
	return p;
}

/* The kernel's v1 grammar (devices.allow): "a", or "TYPE MAJ:MIN ACCESS"
 * with ACCESS a set of r, w, m; here a missing ACCESS means rwm. */
int cg_dev_rule_parse(const char *s, struct cg_dev_rule *out)
{
	const char *p = s;

	*out = (struct cg_dev_rule){ .type = 'a', .major = -1, .minor = -1, .access = 7 };
	if (!strcmp(s, "a"))
		return 0;
	if ((*p != 'a' && *p != 'b' && *p != 'c') || p[1] != ' ')
		goto bad;
	out->type = *p;
	if (!(p = cg_dev_num(p + 2, CG_DEV_MAJOR_MAX, &out->major)) || *p != ':' ||
	    !(p = cg_dev_num(p + 1, CG_DEV_MINOR_MAX, &out->minor)))
		goto bad;
	if (!*p)
		return 0;
	if (*p++ != ' ' || !*p)
		goto bad;
	for (out->access = 0; *p; p++) {
		const char *acc = "mrw", *c = strchr(acc, *p);
		unsigned bit = c ? 1u << (c - acc) : 0;

		if (!bit || (out->access & bit))
			goto bad;
		out->access |= bit;
	}
	return 0;
bad:
	err_setx(EINVAL, "invalid device rule \"%s\"", s);
	return err_hint("\"TYPE MAJOR:MINOR ACCESS\": type a, b or c, numbers or *, access of rwm,"
			" e.g. \"c 42:* rmw\"");
}

static struct bpf_insn cg_insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	return (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src, .off = off,
				  .imm = imm };
}

/* if (reg != imm) skip to the next rule; the offset is patched later. */
static void cg_jne(struct bpf_insn *p, size_t *n, size_t *jmp, size_t *nj, uint8_t reg, int32_t imm)
{
	jmp[(*nj)++] = *n;
	p[(*n)++] = cg_insn(BPF_JMP | BPF_JNE | BPF_K, reg, 0, 0, imm);
}

/* One rule as a block that returns 1 on a match and else falls through
 * to the next. True if the rule matches every access (nothing follows). */
static bool cg_dev_emit(struct bpf_insn *p, size_t *n, const struct cg_dev_rule *r)
{
	size_t jmp[4], nj = 0;
	unsigned deny = ~r->access & 7;

	if (r->type != 'a')
		cg_jne(p, n, jmp, &nj, R3, r->type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK);
	if (deny) {
		/* Asked for an access the rule does not give: no match. */
		p[(*n)++] = cg_insn(BPF_ALU | BPF_MOV | BPF_X, R1, R2, 0, 0);
		p[(*n)++] = cg_insn(BPF_ALU | BPF_AND | BPF_K, R1, 0, 0, (int32_t)deny);
		cg_jne(p, n, jmp, &nj, R1, 0);
	}
	if (r->major >= 0)
		cg_jne(p, n, jmp, &nj, R4, (int32_t)r->major);
	if (r->minor >= 0)
		cg_jne(p, n, jmp, &nj, R5, (int32_t)r->minor);
	p[(*n)++] = cg_insn(BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, 1);
	p[(*n)++] = cg_insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	for (size_t i = 0; i < nj; i++)
		p[jmp[i]].off = (int16_t)(*n - jmp[i] - 1);
	return !nj;
}

/* Split struct bpf_cgroup_dev_ctx into r3 type, r2 access, r4 major, r5
 * minor (linux/bpf.h: access_type is type | access << 16). */
static size_t cg_dev_head(struct bpf_insn *p)
{
	p[0] = cg_insn(BPF_LDX | BPF_MEM | BPF_W, R2, R1, 0, 0);
	p[1] = cg_insn(BPF_ALU | BPF_MOV | BPF_X, R3, R2, 0, 0);
	p[2] = cg_insn(BPF_ALU | BPF_AND | BPF_K, R3, 0, 0, 0xffff);
	p[3] = cg_insn(BPF_ALU | BPF_RSH | BPF_K, R2, 0, 0, 16);
	p[4] = cg_insn(BPF_LDX | BPF_MEM | BPF_W, R4, R1, 4, 0);
	p[5] = cg_insn(BPF_LDX | BPF_MEM | BPF_W, R5, R1, 8, 0);
	return CG_DEV_HEAD;
}

int cg_dev_prog(const char *const *extra, struct bpf_insn **out, size_t *n)
{
	size_t nd = 0, nr, cnt;
	struct bpf_insn *p;

	while (cg_dev_default[nd])
		nd++;
	nr = nd;
	for (const char *const *a = extra; a && *a; a++)
		nr++;
	p = xmalloc((CG_DEV_HEAD + nr * CG_DEV_RULE_MAX + CG_DEV_TAIL) * sizeof(*p));
	cnt = cg_dev_head(p);
	for (size_t i = 0; i < nr; i++) {
		const char *s = i < nd ? cg_dev_default[i] : extra[i - nd];
		struct cg_dev_rule r;

		if (cg_dev_rule_parse(s, &r) < 0) {
			free(p);
			return -err_errno();
		}
		/* The verifier refuses code that cannot run. */
		if (cg_dev_emit(p, &cnt, &r))
			goto done;
	}
	p[cnt++] = cg_insn(BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, 0);
	p[cnt++] = cg_insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
done:
	*out = p;
	*n = cnt;
	return 0;
}

static int cg_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

/* What bpf(2) says when the kernel lacks cgroup BPF (ENOSYS: no bpf at
 * all; EINVAL: no CGROUP_DEVICE type; EPERM: not allowed, or no memlock
 * left on kernels before 5.11). */
static int cg_dev_err(int e, const char *what)
{
	err_set(e, "%s the BPF program", what);
	if (e == ENOSYS || e == EPERM || e == EINVAL)
		err_hint("the kernel needs CONFIG_CGROUP_BPF and dory needs CAP_SYS_ADMIN;"
			 " without them device rules are not enforced on cgroup v2");
	return -e;
}

/* The program's fd (O_CLOEXEC, as every bpf fd), or -errno. */
static int cg_dev_load(const struct bpf_insn *p, size_t n)
{
	/* No GPL-only helper is called, so the kernel accepts any license. */
	static const char license[] = "Apache-2.0";
	union bpf_attr a;
	int pfd;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (uint64_t)(uintptr_t)p;
	a.insn_cnt = (uint32_t)n;
	a.license = (uint64_t)(uintptr_t)license;
	pfd = cg_bpf(BPF_PROG_LOAD, &a);
	return pfd < 0 ? cg_dev_err(errno, "load") : pfd;
}

/* Load the program and attach it to dir; the attachment holds it, so the
 * program's fd is closed either way. */
static int cg_dev_attach(const char *dir, const struct bpf_insn *p, size_t n)
{
	autoclose int dfd = -1, pfd = -1;
	union bpf_attr a;

	dfd = openat(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_set(errno, "open %s", dir);
	pfd = cg_dev_load(p, n);
	if (pfd < 0)
		return pfd;
	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)dfd;
	a.attach_bpf_fd = (uint32_t)pfd;
	a.attach_type = BPF_CGROUP_DEVICE;
	a.attach_flags = BPF_F_ALLOW_MULTI;
	if (cg_bpf(BPF_PROG_ATTACH, &a) < 0)
		return cg_dev_err(errno, "attach");
	return 0;
}

int cg_set_devices_v2(const struct cg *cg, bool all, const char *const *extra)
{
	for (size_t i = 0; i < cg->n; i++) {
		struct bpf_insn *p;
		size_t n;
		int r;

		if (cg->h[i].ver != CG_V2)
			continue;
		/* No program allows every device: --privileged needs none. */
		if (all)
			return 0;
		if (cg_dev_prog(extra, &p, &n) < 0)
			return err_ctx("device rules of %s", cg->h[i].dir);
		r = cg_dev_attach(cg->h[i].dir, p, n);
		free(p);
		return r < 0 ? err_ctx("device rules of %s", cg->h[i].dir) : 0;
	}
	return 0;
}

int cg_dev_bpf_probe(void)
{
	struct bpf_insn *p;
	size_t n;
	int fd;

	if (cg_dev_prog(NULL, &p, &n) < 0)
		return -err_errno();
	fd = cg_dev_load(p, n);
	free(p);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}
