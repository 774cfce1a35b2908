// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "core/kernel/cgroup.h"
#include "core/util/err.h"
#include "core/util/xalloc.h"
#include "nsutil.h"
#include "tap.h"
#include "fixture.h"

/* ---- rule strings ---- */

static int rule(const char *s, struct cg_dev_rule *r)
{
	return cg_dev_rule_parse(s, r);
}

TEST(cg_dev_rule_parse_good)
{
	struct cg_dev_rule r;

	CHECK_EQ_INT(rule("c 1:3 rwm", &r), 0);
	CHECK(r.type == 'c' && r.major == 1 && r.minor == 3 && r.access == 7);
	CHECK_EQ_INT(rule("b *:* m", &r), 0);
	CHECK(r.type == 'b' && r.major == -1 && r.minor == -1 && r.access == 1);
	CHECK_EQ_INT(rule("c 136:* rw", &r), 0);
	CHECK(r.major == 136 && r.minor == -1 && r.access == 6);
	CHECK_EQ_INT(rule("c 42:7 wr", &r), 0);
	CHECK_EQ_INT(r.access, 6);
	CHECK_EQ_INT(rule("c 10:200", &r), 0);	/* no access: rwm */
	CHECK(r.major == 10 && r.minor == 200 && r.access == 7);
	CHECK_EQ_INT(rule("a", &r), 0);
	CHECK(r.type == 'a' && r.major == -1 && r.minor == -1 && r.access == 7);
	CHECK_EQ_INT(rule("a *:* r", &r), 0);
	CHECK(r.type == 'a' && r.access == 2);
	CHECK_EQ_INT(rule("c 4095:1048575 m", &r), 0);
	CHECK(r.major == 4095 && r.minor == 1048575);
}

TEST(cg_dev_rule_parse_rejects)
{
	static const char *const bad[] = {
		"", "x 1:3 rwm", "c", "c ", "c 1:3 ", "c 1:3 rwx", "c 1:3 rr", "c 1 rwm",
		"c 1: rwm", "c :3 rwm", "c 1:3  rwm", "c  1:3 rwm", "c -1:3 r", "c 4096:0 r",
		"c 0:1048576 r", "c 1:3rwm", "c **:* r", "ab", "c 99999999999999999999:1 r",
	};
	struct cg_dev_rule r;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (rule(bad[i], &r) != -EINVAL)
			TAP_FAIL("\"%s\" accepted", bad[i]);
	CHECK(strstr(err_str(), "invalid device rule \"c 99999999999999999999:1 r\" (") != NULL);
}

/* ---- the program, run here by a tiny interpreter of the opcodes it uses ---- */

static int run(const struct bpf_insn *p, size_t n, uint32_t type, uint32_t acc, uint32_t maj,
	       uint32_t min)
{
	uint32_t ctx[3] = { type | acc << 16, maj, min };
	uint64_t r[11] = { 0 };

	for (size_t pc = 0; pc < n; pc++) {
		const struct bpf_insn *i = &p[pc];

		switch (i->code) {
		case BPF_LDX | BPF_MEM | BPF_W:
			if (i->src_reg != 1 || i->off % 4 || i->off < 0 || i->off > 8)
				return -2;
			r[i->dst_reg] = ctx[i->off / 4];
			break;
		case BPF_ALU | BPF_MOV | BPF_X:
			r[i->dst_reg] = (uint32_t)r[i->src_reg];
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			r[i->dst_reg] = (uint32_t)r[i->dst_reg] & (uint32_t)i->imm;
			break;
		case BPF_ALU | BPF_RSH | BPF_K:
			r[i->dst_reg] = (uint32_t)r[i->dst_reg] >> i->imm;
			break;
		case BPF_ALU64 | BPF_MOV | BPF_K:
			r[i->dst_reg] = (uint64_t)(int64_t)i->imm;
			break;
		case BPF_JMP | BPF_JNE | BPF_K:
			if (r[i->dst_reg] != (uint64_t)(int64_t)i->imm)
				pc += (size_t)i->off;
			break;
		case BPF_JMP | BPF_EXIT:
			return (int)r[0];
		default:
			return -3;
		}
	}
	return -4;	/* fell off the end */
}

enum { CHR = BPF_DEVCG_DEV_CHAR, BLK = BPF_DEVCG_DEV_BLOCK };
enum { M = BPF_DEVCG_ACC_MKNOD, R = BPF_DEVCG_ACC_READ, W = BPF_DEVCG_ACC_WRITE };

TEST(cg_dev_prog_default_rules)
{
	struct bpf_insn *p = NULL;
	size_t n = 0;

	CHECK_EQ_INT(cg_dev_prog(NULL, &p, &n), 0);
	/* head 6; "c *:* m" and "b *:* m" 6 each; 9 full rules 5 each;
	 * "c 136:*" 4; deny 2. */
	CHECK_EQ_INT(n, 69);
	CHECK_EQ_INT(run(p, n, CHR, R | W, 1, 3), 1);	/* /dev/null */
	CHECK_EQ_INT(run(p, n, CHR, R, 1, 9), 1);	/* /dev/urandom */
	CHECK_EQ_INT(run(p, n, CHR, R | W, 5, 2), 1);	/* /dev/ptmx */
	CHECK_EQ_INT(run(p, n, CHR, W, 136, 12345), 1);	/* a pty */
	CHECK_EQ_INT(run(p, n, CHR, R | W, 10, 200), 1);	/* /dev/net/tun */
	CHECK_EQ_INT(run(p, n, CHR, R, 1, 1), 0);	/* /dev/mem */
	CHECK_EQ_INT(run(p, n, CHR, M, 1, 1), 1);	/* mknod of anything */
	CHECK_EQ_INT(run(p, n, BLK, M, 8, 0), 1);
	CHECK_EQ_INT(run(p, n, BLK, R, 8, 0), 0);
	CHECK_EQ_INT(run(p, n, BLK, R, 1, 3), 0);	/* a block 1:3 is not null */
	CHECK_EQ_INT(run(p, n, CHR, R | M, 1, 1), 0);
	CHECK_EQ_INT(run(p, n, CHR, R, 137, 0), 0);
	free(p);
}

TEST(cg_dev_prog_extra_rules)
{
	static const char *const x1[] = { "c 42:* rm", "b 8:0 r", NULL };
	static const char *const all[] = { "a", "c 1:1 r", NULL };
	static const char *const bad[] = { "c 1:1 rwm", "c 1:2 q", NULL };
	struct bpf_insn *p = NULL;
	size_t n = 0;

	CHECK_EQ_INT(cg_dev_prog(x1, &p, &n), 0);
	CHECK_EQ_INT(n, 69 + 7 + 8);
	CHECK_EQ_INT(run(p, n, CHR, R, 42, 7), 1);
	CHECK_EQ_INT(run(p, n, CHR, W, 42, 7), 0);
	CHECK_EQ_INT(run(p, n, CHR, R, 43, 7), 0);
	CHECK_EQ_INT(run(p, n, BLK, R, 8, 0), 1);
	CHECK_EQ_INT(run(p, n, BLK, R | W, 8, 0), 0);
	CHECK_EQ_INT(run(p, n, BLK, R, 8, 1), 0);
	free(p);
	/* Allow-all ends the program: code after it would be unreachable. */
	CHECK_EQ_INT(cg_dev_prog(all, &p, &n), 0);
	CHECK_EQ_INT(n, 69);
	CHECK_EQ_INT(p[n - 2].imm, 1);
	CHECK_EQ_INT(run(p, n, BLK, R | W, 8, 0), 1);
	free(p);
	p = NULL;
	CHECK_EQ_INT(cg_dev_prog(bad, &p, &n), -EINVAL);
	CHECK(p == NULL);
	CHECK(strstr(err_str(), "invalid device rule \"c 1:2 q\"") != NULL);
}

TEST(cg_set_devices_v2_without_v2_is_a_no_op)
{
	struct cg cg = { 0 };

	CHECK_EQ_INT(cg_set_devices_v2(&cg, false, NULL), 0);
}

TEST(cg_set_devices_v2_names_the_group)
{
	char dir[] = "/nonexistent/dory-bpftest", ctrl[] = "";
	struct cg cg = { .n = 1, .h = { { .ver = CG_V2, .ctrl = ctrl, .dir = dir } } };

	CHECK_EQ_INT(cg_set_devices_v2(&cg, true, NULL), 0);	/* all: nothing to load */
	CHECK_EQ_INT(cg_set_devices_v2(&cg, false, NULL), -ENOENT);
	CHECK(strstr(err_str(), "device rules of /nonexistent/dory-bpftest: open ") != NULL);
}

/* ---- the kernel's verdicts, on a real v2 group ---- */

/* Open the node made in dir: 0 or errno. */
static int try_node(const char *dir, const char *name, unsigned min)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (mknod(path, S_IFCHR | 0600, makedev(1, min)) < 0)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/* In the group: the exit status names the first check that failed.
 * Kernels without CONFIG_DEVMEM have no driver for 1:1 (ENXIO, past the
 * device rules), so the open that must work uses 1:11, /dev/kmsg. */
static int child_checks(const struct cg *cg, const char *dir, bool all)
{
	int fd, mem, kmsg;

	alarm(10);
	if (cg_add_pid(cg, getpid()) < 0)
		return 10;
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 11;
	close(fd);
	mem = try_node(dir, "mem", 1);
	kmsg = try_node(dir, "kmsg", 11);
	if (mem < 0 || kmsg < 0)
		return 12;
	if (all)
		return mem != EPERM && kmsg == 0 ? 0 : 13;
	return mem == EPERM && kmsg == EPERM ? 0 : 14;
}

static void live_devices(bool all)
{
	char tmpl[] = "/tmp/dory-bpftest-XXXXXX", name[48], *mem, *kmsg;
	struct cg cg;
	pid_t pid;
	int st = -1;

	snprintf(name, sizeof(name), "dory-bpftest-%d-%d", (int)getpid(), all);
	if (cg_create(fix_cg_parent(), name, NULL, &cg) < 0) {
		TAP_FAIL("cg_create %s: %s", name, err_str());
		return;
	}
	if (!cg_has_v2(&cg)) {
		cg_destroy(&cg);
		cg_free(&cg);
		fix_cg_parent_rm();
		SKIP_IF(true, "no cgroup v2 hierarchy here");
	}
	if (!mkdtemp(tmpl)) {
		TAP_FAIL("mkdtemp: %s", strerror(errno));
		goto out;
	}
	mem = xasprintf("%s/mem", tmpl);
	kmsg = xasprintf("%s/kmsg", tmpl);
	if (cg_set_devices_v2(&cg, all, NULL) < 0) {
		TAP_FAIL("cg_set_devices_v2: %s", err_str());
		goto out_tmp;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(child_checks(&cg, tmpl, all));
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		TAP_FAIL("fork: %s", strerror(errno));
	else if (st)
		TAP_FAIL("child status 0x%x (exit 10 join, 11 /dev/null, 12 mknod, 13/14 open)", st);
out_tmp:
	unlink(mem);
	unlink(kmsg);
	free(mem);
	free(kmsg);
	rmdir(tmpl);
out:
	if (cg_destroy(&cg) < 0)
		TAP_FAIL("cg_destroy: %s", err_str());
	cg_free(&cg);
	fix_cg_parent_rm();
}

TEST(cg_set_devices_v2_for_real)
{
	SKIP_IF(ns_unavailable() || access("/sys/fs/cgroup", W_OK),
		"needs root and cgroups, not under qemu-user or valgrind");
	live_devices(false);
}

TEST(cg_set_devices_v2_all_for_real)
{
	SKIP_IF(ns_unavailable() || access("/sys/fs/cgroup", W_OK),
		"needs root and cgroups, not under qemu-user or valgrind");
	live_devices(true);
}

/* Without the privilege to load it, the message says what is at stake. */
static int child_unprivileged(void)
{
	char dir[] = "/tmp", ctrl[] = "";
	struct cg cg = { .n = 1, .h = { { .ver = CG_V2, .ctrl = ctrl, .dir = dir } } };

	if (setgid(65534) < 0 || setuid(65534) < 0)
		return 10;
	if (cg_set_devices_v2(&cg, false, NULL) != -EPERM)
		return 11;
	return strstr(err_str(), "device rules of /tmp: load the BPF program: ") &&
	       strstr(err_str(), "CONFIG_CGROUP_BPF") ? 0 : 12;
}

TEST(cg_set_devices_v2_unprivileged_says_why)
{
	SKIP_IF(ns_unavailable(), "needs root, not under qemu-user or valgrind");
	fflush(stdout);
	CHECK_EQ_INT(in_ns(0, child_unprivileged), 0);
}
