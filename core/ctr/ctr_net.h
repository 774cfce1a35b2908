// SPDX-License-Identifier: Apache-2.0
/* ctr_net.h - a container's network for one run: what its start needs
 * (the namespace to join, or addresses leased and links to make in a new
 * one, its published ports) and what its end undoes, so that nothing is
 * left behind: no veth, lease, rule or port. While it runs, what it got
 * is recorded in STATE/containers/ID/net.json for inspect, ps and port. */
#ifndef DORY_CTR_NET_H
#define DORY_CTR_NET_H

#include <net/if.h>

#include "core/ctr/ctr.h"
#include "core/net/network.h"
#include "core/net/port.h"
#include "core/runtime/runtime.h"

/* One network joined. */
struct ctr_net_ep {
	struct net_cfg net;
	uint32_t ip;
	bool has6;		/* on an IPv6 network: ip6 leased too */
	uint8_t ip6[16];
	uint8_t mac[6];
	char host[IF_NAMESIZE];	/* the veth's host end */
	char ifname[IF_NAMESIZE];	/* its name inside: eth0, eth1... */
};

struct ctr_net_run {
	struct ctr_config *c;
	char netns[40];		/* /proc/PID/ns/net of the container joined */
	struct ctr_net_ep *eps;
	size_t neps;
	struct port_map *ports;	/* published, host ports resolved */
	size_t nports;
	int *fds;		/* the sockets that hold them */
	bool nft;		/* the kernel has what dory's rules need (asked once a run) */
	bool nat;		/* forwarded by nf_tables rules, else by proxy */
	pid_t proxy;
};

/* Before a start: fill s's network fields for c's mode (the container it
 * joins must run), lease its addresses and hold its ports. The networks
 * are read again from its config (connect may have changed them since c
 * was loaded). r must live until ctr_net_stop, which undoes it also after
 * a failed start, with what connect and disconnect did meanwhile. */
int ctr_net_start(struct ctr_config *c, struct ctr_net_run *r, struct rt_spec *s);
void ctr_net_stop(struct ctr_net_run *r);

/* Its /etc/hosts, hostname and resolv.conf for this run (r: its
 * addresses, the names of the containers it reaches), and the hosts
 * files of those containers updated to name it. */
int ctr_net_files(const struct ctr_config *c, const struct ctr_net_run *r);

/* What a running container got, from net.json: its endpoints (the
 * network's name, address, gateway, prefix and MAC) and its ports.
 * -ENOENT when it has none recorded. */
struct ctr_net_info {
	struct ctr_net_info_ep {
		char *network, *net_id;
		uint32_t ip, gateway;
		unsigned prefix;
		bool has6;
		uint8_t ip6[16], gateway6[16];
		unsigned prefix6;
		uint8_t mac[6];
		struct strv aliases;
		char host[IF_NAMESIZE];	/* the veth's host end */
		char ifname[IF_NAMESIZE];	/* its name inside */
	} *eps;
	size_t neps;
	struct port_map *ports;
	size_t nports;
};
int ctr_net_info_load(const char *id, struct ctr_net_info *out);
int ctr_net_info_save(const char *id, const struct ctr_net_info *i);

/* docker network connect: join the network (with --ip and aliases), in
 * its config, and at once when it runs (a veth into its namespace, the
 * lease held by its supervisor). -EEXIST when it is on it already. */
int ctr_net_connect(const char *id, const char *network, const struct ctr_endpoint *want);
/* docker network disconnect: leave it, at once and in its config;
 * -ENOENT when it is not on it. */
int ctr_net_disconnect(const char *id, const char *network);
void ctr_net_info_clear(struct ctr_net_info *i);
/* rename: the networks' names of the container id follow (its leases,
 * its peers' /etc/hosts), as far as they can. */
void ctr_net_renamed(const char *id, const char *name);

#endif
