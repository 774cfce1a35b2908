// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/rtnetlink.h>
#include <arpa/inet.h>

#include "core/kernel/nl.h"
#include "nsutil.h"
#include "tap.h"

static int lo_up(void)
{
	bool up = true;

	if (nl_link_is_up("lo", &up) < 0 || up)
		return 1;	/* a new namespace's lo starts down */
	if (nl_link_up("lo") < 0 || nl_link_is_up("lo", &up) < 0 || !up)
		return 2;
	if (nl_link_up("dory-nope0") != -ENODEV)
		return 3;
	return 0;
}

TEST(nl_link_up_in_a_new_netns)
{
	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	CHECK_EQ_INT(in_ns(CLONE_NEWNET, lo_up), 0);
}

TEST(nl_msg_builds_what_nl_parse_reads)
{
	struct nl_msg m = { 0 };
	const struct nlattr *tb[8], *in[8];
	char buf[16];
	size_t n;

	nl_msg_begin(&m, 16, NLM_F_ACK, 4);
	nl_put_str(&m, 1, "eth0");
	n = nl_nest(&m, 2, true);
	nl_put_be32(&m, 3, 0x0a000001);
	nl_put_u32(&m, 4, 7);
	nl_nest_end(&m, n);
	nl_put_u32(&m, 9, 1);	/* above max: skipped */
	CHECK_EQ_INT((int)((struct nlmsghdr *)m.buf)->nlmsg_len, (int)m.len);
	CHECK_EQ_INT(nl_parse_msg((struct nlmsghdr *)m.buf, 4, tb, 7), 0);
	CHECK_EQ_STR(nl_get_str(tb[1], buf, sizeof(buf)), "eth0");
	CHECK_EQ_STR(nl_get_str(tb[1], buf, 3), "et");
	CHECK(tb[2] && (tb[2]->nla_type & NLA_F_NESTED));
	CHECK_EQ_INT(nl_parse(nl_data(tb[2]), nl_len(tb[2]), in, 7), 0);
	CHECK_EQ_INT((int)nl_get_be32(in[3]), 0x0a000001);
	CHECK_EQ_INT((int)nl_get_u32(in[4]), 7);
	CHECK(!tb[5] && !in[1]);
	((struct nlattr *)(m.buf + n))->nla_len = 200;	/* past the end */
	CHECK_EQ_INT(nl_parse_msg((struct nlmsghdr *)m.buf, 4, tb, 7), -EINVAL);
	nl_msg_free(&m);
}

static int bad_request(void)
{
	struct nl_msg m = { 0 };
	int r;

	nl_msg_begin(&m, RTM_NEWLINK, NLM_F_ACK, 4);	/* too short for an ifinfomsg */
	r = nl_talk_once(NETLINK_ROUTE, &m, NULL, NULL);
	nl_msg_free(&m);
	return r == -EINVAL ? 0 : 1;
}

TEST(nl_talk_returns_the_kernels_error)
{
	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	CHECK_EQ_INT(in_ns(CLONE_NEWNET, bad_request), 0);
}

/* A batch for a subsystem that does not exist: the kernel refuses it by
 * answering its begin message, which asked for no answer; nl_talk must
 * return that error rather than wait for the acks of the messages inside. */
static int bad_batch(void)
{
	struct nl_msg m = { 0 };
	struct nfgenmsg *g;
	int r;

	alarm(10);
	g = nl_msg_begin(&m, NFNL_MSG_BATCH_BEGIN, 0, sizeof(*g));
	g->res_id = htons(200);
	g = nl_msg_begin(&m, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWTABLE,
			 NLM_F_CREATE | NLM_F_ACK, sizeof(*g));
	g->nfgen_family = AF_INET;
	nl_put_str(&m, NFTA_TABLE_NAME, "dory-nl-test");
	g = nl_msg_begin(&m, NFNL_MSG_BATCH_END, 0, sizeof(*g));
	g->res_id = htons(200);
	r = nl_talk_once(NETLINK_NETFILTER, &m, NULL, NULL);
	nl_msg_free(&m);
	return r == -EINVAL ? 0 : 1;
}

TEST(nl_talk_returns_the_error_of_a_batch)
{
	SKIP_IF(ns_unavailable(), "namespaces need root, not under qemu-user or valgrind");
	CHECK_EQ_INT(in_ns(CLONE_NEWNET, bad_batch), 0);
}
