# SPDX-License-Identifier: Apache-2.0
# net.sh - networking as a device has it. dory runs inside a network
# namespace the test made (standing for the device, with a table standing
# for OpenWrt's fw4), a second one is a LAN client on a veth to it with no
# route to the containers' subnets, so that what it reaches came through
# NAT. Nothing is made in this machine's own namespace.
. "$(dirname "$0")/../lib.sh"

command -v nft >/dev/null || { t_skip "all" "no nft (Debian's nftables) to read the rules"; exit 0; }
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

R=$TMP/rootfs
t_rootfs "$R"
mkdir -p "$R/www" "$R/proc" "$R/sys" "$R/dev"
echo hello-from-ctr >"$R/www/index.html"
HTTPD='httpd -f -p 80 -h /www'
# busybox wget (1.35's -T crashes): in the rootfs, and in the namespaces.
GET="timeout 5 wget -q -O -"
get() { timeout 5 busybox wget -q -O - "$@"; }

t_out "default bridge: an address of 172.17.0.0/16 on eth0, routed by .1" \
	"172.17.0.1" d run --rm --rootfs "$R" sh -c \
	'ip -o -4 addr show eth0 | grep -q "inet 172\.17\.0\.[0-9]*/16" && ip route | sed -n "s/^default via \([^ ]*\).*/\1/p"'
t_out "none: loopback only" "lo" d run --rm --network none --rootfs "$R" sh -c \
	"ip -o link | sed 's/^[0-9]*: \([^:@]*\).*/\1/'"
t_match "host: the device's links" "lan0" d run --rm --network host --rootfs "$R" ip -o link

# Ports
d run -d --name "$T-web" -p 8080:80 --rootfs "$R" $HTTPD >/dev/null
t_poll 5 in_dev busybox $GET http://127.0.0.1:8080/ >/dev/null
t_out "a published port answers the device on 127.0.0.1" hello-from-ctr in_dev busybox $GET http://127.0.0.1:8080/
t_out "... on its LAN address" hello-from-ctr in_dev busybox $GET http://192.168.77.1:8080/
t_out "... the LAN client" hello-from-ctr in_lan busybox $GET http://192.168.77.1:8080/
t_out "... another container, through the device's address" hello-from-ctr \
	d run --rm --rootfs "$R" $GET http://192.168.77.1:8080/
t_out "... another container, through the gateway" hello-from-ctr \
	d run --rm --rootfs "$R" $GET http://172.17.0.1:8080/
t_out "ps shows PORTS as Docker" "0.0.0.0:8080->80/tcp" d ps --format '{{.Ports}}' -f name="$T-web"
t_out "port lists it" "80/tcp -> 0.0.0.0:8080" d port "$T-web"
t_fail 125 "port is already allocated" "a port already published is refused" \
	d run --rm -p 8080:80 --rootfs "$R" true

# Outbound, through masquerade only: the LAN has no route back.
mkdir -p "$TMP/lanwww" && echo hello-from-lan >"$TMP/lanwww/index.html"
in_lan busybox httpd -f -p 80 -h "$TMP/lanwww" & SRV=$!
t_poll 5 in_lan busybox $GET http://192.168.77.2/ >/dev/null
t_out "outbound traffic reaches a server on the LAN" hello-from-lan \
	d run --rm --rootfs "$R" $GET http://192.168.77.2/

# User networks: names, aliases, isolation.
t_ok "network create" d network create "$T-n1"
t_ok "a second one" d network create --subnet 10.77.0.0/24 "$T-n2"
d run -d --name "$T-a" --network "$T-n1" --network-alias web --rootfs "$R" $HTTPD >/dev/null
t_out "containers reach each other by name" hello-from-ctr \
	d run --rm --network "$T-n1" --rootfs "$R" $GET "http://$T-a/"
t_out "... and by alias" hello-from-ctr \
	d run --rm --network "$T-n1" --rootfs "$R" $GET http://web/
A_IP=$(d inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$T-a")
t_match "inspect -f ranges over the networks, as Docker's scripts do" \
	'^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$' echo "$A_IP"
t_out "... and indexes one by name" "$A_IP" \
	d inspect -f "{{(index .NetworkSettings.Networks \"$T-n1\").IPAddress}}" "$T-a"
t_fail 1 "" "containers on different networks cannot reach each other" \
	d run --rm --network "$T-n2" --rootfs "$R" sh -c "$GET http://$A_IP/ >/dev/null 2>&1"
t_fail 125 "has active endpoints" "removing a network in use is refused" d network rm "$T-n1"
t_fail 125 "overlap" "an overlapping subnet is refused" \
	d network create --subnet 10.77.0.128/25 "$T-n3"

t_check "the fw4 table is byte-identical" test "$(fw4)" = "$FW4"
