// SPDX-License-Identifier: Apache-2.0
/* netfiles.h - a container's /etc/hosts, /etc/hostname and /etc/resolv.conf:
 * their text, as Docker writes them, and the files under the container's
 * directory. Binding them into the container is the runtime's (rt_bind). */
#ifndef DORY_NETFILES_H
#define DORY_NETFILES_H

#include <sys/types.h>

#include "core/util/base.h"

/* none: loopback only; host: the host's network namespace; bridge: a veth
 * on a bridge, with addresses of its own. */
enum netfiles_mode { NETFILES_NONE, NETFILES_HOST, NETFILES_BRIDGE };

/* Lists are NULL-terminated and may be NULL (empty). */
struct netfiles {
	enum netfiles_mode mode;
	const char *hostname;
	const char *const *addrs;	/* its own addresses, IPv4 and IPv6, as text */
	const char *const *aliases;	/* more names of its own (network aliases) */
	const char *const *extra;	/* --add-host NAME:IP (or NAME=IP), as given */
	const char *const *peers;	/* "IP NAME [ALIAS...]": containers it reaches by name */
	const char *const *dns, *const *search, *const *opts;	/* --dns, --dns-search... */
	const char *gateway;		/* its network's gateway, dotted, or NULL */
	bool ipv6;			/* it has an IPv6 default route (--ipv6 network) */
	uid_t uid;			/* the files' owner: a user namespace's root */
	gid_t gid;
};

/* The host's files the container's are made from (texts; NULL: missing). */
struct netfiles_host {
	const char *hosts;	/* /etc/hosts */
	const char *resolv;	/* /etc/resolv.conf */
	const char *resolved;	/* /run/systemd/resolve/resolv.conf (systemd-resolved's upstream) */
};

/* Checks of the run flags, with Docker's messages (recorded, -EINVAL). */
int netfiles_check_dns(const char *addr);
int netfiles_check_search(const char *domain);
int netfiles_check_option(const char *opt);
int netfiles_check_host(const char *spec);
/* Split a checked --add-host spec into its name and address (allocated);
 * "host-gateway" stays as it is. */
int netfiles_host_split(const char *spec, char **name, char **addr);

/* The files' texts (allocated). hosts: Docker's defaults, the --add-host
 * lines, the peers and its own names; --network host: the host's file and
 * the --add-host lines. "host-gateway" is f->gateway (127.0.0.1 with
 * --network host and no gateway; the line is left out when there is none).
 * Without an address of its own (none), its names go on 127.0.0.1. */
char *netfiles_hosts(const struct netfiles *f, const struct netfiles_host *h);
/* resolv.conf: with none of --dns, --dns-search, --dns-option, the host's
 * file (or, when its one server is systemd-resolved's 127.0.0.53, the
 * upstream file) without its loopback servers, and its IPv6 ones unless
 * f->ipv6 (link-local ones always: not the container's link); when no server is
 * left, the gateway (when there is one). --network host keeps the host's
 * file as it is. Each flag given replaces that part (search, servers,
 * options) of what the host has. */
char *netfiles_resolv(const struct netfiles *f, const struct netfiles_host *h);
char *netfiles_hostname(const struct netfiles *f);

/* Write dir/hosts, dir/hostname and dir/resolv.conf from the host's
 * files, owned by f->uid:f->gid, mode 0644. Files that exist are rewritten
 * in place (a bind mount of each pins its inode). */
int netfiles_write(const char *dir, const struct netfiles *f);
/* Rewrite dir/hosts in place, under dir/hosts.lock: for a running
 * container whose peers or addresses changed. */
int netfiles_hosts_update(const char *dir, const struct netfiles *f);

#endif
