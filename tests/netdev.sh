# SPDX-License-Identifier: Apache-2.0
# netdev.sh - sourced by the networking cases after lib.sh and t_config:
# the device, a network namespace the case made, in which dory runs (d,
# in_dev), with a table standing for OpenWrt's fw4 (fw4, FW4: as it was),
# and a LAN client in a second one (in_lan) on a veth to it: 192.168.77.1
# the device, .2 the client, which is also the device's default route;
# R a root filesystem for the containers with a web page.
# Nothing is made in this machine's own namespace; net_cleanup (the EXIT
# trap) removes both namespaces and a server the case started as $SRV.
DEV=$T-dev
LAN=$T-lan
BIN=$DORY
net_cleanup()
{
	t_cleanup
	[ -z "${SRV:-}" ] || { kill -KILL "$SRV"; wait "$SRV"; } 2>/dev/null
	ip netns del "$DEV" 2>/dev/null
	ip netns del "$LAN" 2>/dev/null
}
trap net_cleanup EXIT
ip netns add "$DEV" && ip netns add "$LAN" || { t_skip "all" "cannot make network namespaces"; exit 0; }
in_dev() { nsenter --net="/run/netns/$DEV" "$@"; }
in_lan() { nsenter --net="/run/netns/$LAN" "$@"; }
# dory, and what cleans up after it, runs in the device.
DORY=$TMP/dory-in-dev
printf '#!/bin/sh\nexec nsenter --net=/run/netns/%s %s "$@"\n' "$DEV" "$BIN" >"$DORY"
chmod 755 "$DORY"
d() { "$DORY" "$@"; }

# The LAN: 192.168.77.1 the device, .2 the client; the device's default
# route points at the client (its "uplink").
ip -n "$DEV" link add lan0 type veth peer name eth0 netns "$LAN"
ip -n "$DEV" addr add 192.168.77.1/24 dev lan0
ip -n "$LAN" addr add 192.168.77.2/24 dev eth0
for n in "$DEV" "$LAN"; do ip -n "$n" link set lo up; done
ip -n "$DEV" link set lan0 up
ip -n "$LAN" link set eth0 up
ip -n "$DEV" route add default via 192.168.77.2
in_dev nft -f - <<'NFT'
table inet fw4 {
	chain input { type filter hook input priority filter; policy accept; ct state established accept; }
	chain forward { type filter hook forward priority filter; policy accept; counter; }
	chain dstnat { type nat hook prerouting priority dstnat; policy accept; }
	chain srcnat { type nat hook postrouting priority srcnat; policy accept; }
}
NFT
fw4() { in_dev nft list table inet fw4 | grep -v -e counter; }
FW4=$(fw4)
# A server in the LAN, in the background: exec, so that $! is the server
# itself, and it holds none of the case's output.
exec_lan() { exec nsenter --net="/run/netns/$LAN" "$@" </dev/null >/dev/null 2>&1; }

# The containers' root: busybox, and a page that $HTTPD serves on port 80.
R=$TMP/rootfs
t_rootfs "$R"
mkdir -p "$R/www" "$R/proc" "$R/sys" "$R/dev"
echo hello-from-ctr >"$R/www/index.html"
HTTPD='httpd -f -p 80 -h /www'
# busybox wget (1.35's -T crashes): in the rootfs, and in the namespaces.
GET="timeout 5 wget -q -O -"
