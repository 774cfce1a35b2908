// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "core/ctr/attach.h"
#include "core/util/err.h"
#include "tap.h"
#include "fixture.h"

TEST(attach_keys_parse_docker_grammar)
{
	unsigned char k[ATTACH_KEYS_MAX];
	size_t n;

	CHECK_EQ_INT(attach_keys_parse("ctrl-p,ctrl-q", k, &n), 0);
	CHECK_EQ_INT(n, 2);
	CHECK_EQ_INT(k[0], 16);
	CHECK_EQ_INT(k[1], 17);
	CHECK_EQ_INT(attach_keys_parse("ctrl-a,x", k, &n), 0);
	CHECK_EQ_INT(n, 2);
	CHECK_EQ_INT(k[0], 1);
	CHECK_EQ_INT(k[1], 'x');
	CHECK_EQ_INT(attach_keys_parse("ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_", k, &n), 0);
	CHECK_EQ_INT(n, 6);
	CHECK_EQ_INT(k[0], 0);
	CHECK_EQ_INT(k[1], 27);
	CHECK_EQ_INT(k[2], 28);
	CHECK_EQ_INT(k[5], 31);
	CHECK_EQ_INT(attach_keys_parse("ctrl-1", k, &n), -EINVAL);
	CHECK(strstr(err_str(), "invalid detach keys \"ctrl-1\"") != NULL);
	CHECK_EQ_INT(attach_keys_parse("ab", k, &n), -EINVAL);
	CHECK_EQ_INT(attach_keys_parse("", k, &n), -EINVAL);
	CHECK_EQ_INT(attach_keys_parse("ctrl-", k, &n), -EINVAL);
	err_clear();
}

static size_t feed(struct attach_esc *e, const char *in, char *out, bool *detach)
{
	size_t n = attach_esc_feed(e, in, strlen(in), out, detach);

	out[n] = '\0';
	return n;
}

TEST(attach_esc_feed_holds_a_partial_sequence)
{
	static const unsigned char keys[] = { 16, 17 };
	struct attach_esc e = { .keys = keys, .n = 2 };
	char out[64];
	bool det;

	feed(&e, "ls\n", out, &det);
	CHECK_EQ_STR(out, "ls\n");
	CHECK(!det);
	feed(&e, "a\020", out, &det);	/* ctrl-p held ... */
	CHECK_EQ_STR(out, "a");
	feed(&e, "b", out, &det);	/* ... and passed on when b follows */
	CHECK_EQ_STR(out, "\020b");
	CHECK(!det);
	feed(&e, "\020\020", out, &det);	/* the second may begin the keys */
	CHECK_EQ_STR(out, "\020");
	feed(&e, "\021after", out, &det);
	CHECK_EQ_STR(out, "");
	CHECK(det);
	feed(&e, "x\020\021", out, &det);	/* in one read */
	CHECK_EQ_STR(out, "x");
	CHECK(det);
}

TEST(attach_esc_feed_single_key)
{
	static const unsigned char keys[] = { 'q' };
	struct attach_esc e = { .keys = keys, .n = 1 };
	char out[64];
	bool det;

	feed(&e, "abq", out, &det);
	CHECK_EQ_STR(out, "ab");
	CHECK(det);
}

/* The hub in a state directory of its own: a client connects, its input
 * reaches the container's stdin, output and the exit status reach it. */
TEST(attach_hub_relays)
{
	struct attach_hub h = { 0 };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *dir = fix_tmpdir("attach"), buf[64];
	const char *old = dory.state;
	struct pollfd f[1 + ATTACH_CLIENTS];
	int in[2], c;
	size_t nf;
	struct stat sb;

	CHECK_EQ_INT(pipe(in), 0);
	dory.state = dir;
	CHECK_EQ_INT(mkdir(fix_path(dir, "containers"), 0700), 0);
	CHECK_EQ_INT(mkdir(fix_path(dir, "containers/abc"), 0700), 0);
	CHECK_EQ_INT(attach_hub_open(&h, "abc", in[1], -1), 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/containers/abc/attach.sock", dir);
	CHECK(stat(sa.sun_path, &sb) == 0 && (sb.st_mode & 077) == 0);
	c = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	CHECK_EQ_INT(connect(c, (struct sockaddr *)&sa, sizeof(sa)), 0);
	nf = attach_hub_fds(&h, f);
	CHECK_EQ_INT((int)nf, 1 + ATTACH_CLIENTS);
	CHECK_EQ_INT(poll(f, nf, 1000) > 0, 1);
	attach_hub_poll(&h, f, nf);	/* accepted */
	CHECK_EQ_INT(send(c, "ihello", 6, 0), 6);
	nf = attach_hub_fds(&h, f);
	CHECK_EQ_INT(poll(f, nf, 1000) > 0, 1);
	attach_hub_poll(&h, f, nf);
	CHECK_EQ_INT(read(in[0], buf, sizeof(buf)), 5);
	CHECK(!memcmp(buf, "hello", 5));
	attach_hub_out(&h, 2, "oops", 4);
	CHECK_EQ_INT(recv(c, buf, sizeof(buf), 0), 5);
	CHECK(!memcmp(buf, "eoops", 5));
	attach_hub_close(&h, 3);
	CHECK_EQ_INT(recv(c, buf, sizeof(buf), 0), 2);
	CHECK(!memcmp(buf, "x3", 2));
	CHECK_EQ_INT(recv(c, buf, sizeof(buf), 0), 0);
	CHECK(!fix_exists(dir, "containers/abc/attach.sock"));
	close(c);
	close(in[0]);
	close(in[1]);
	dory.state = old;
	fix_rmtree(dir);
}
