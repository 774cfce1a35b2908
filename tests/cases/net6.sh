# SPDX-License-Identifier: Apache-2.0
# net6.sh - dual-stack networks (network create --ipv6) as a device has
# them: dory runs inside a network namespace the test made (the device,
# with a table standing for fw4), a second one is a LAN client with IPv6
# on a veth to it and no route to the containers' blocks, so that what it
# reaches came through NAT. Nothing is made in this machine's namespace.
. "$(dirname "$0")/../lib.sh"

command -v nft >/dev/null || { t_skip "all" "no nft (Debian's nftables) to read the rules"; exit 0; }
[ -e /proc/sys/net/ipv6 ] || { t_skip "all" "this kernel has no IPv6"; exit 0; }
T_NET=bridge
t_config
. "$(dirname "$0")/../netdev.sh"
# IPv6 on the LAN: fd77::1 the device, fd77::2 the client and its default
# route; no route back to the containers' blocks.
ip -n "$DEV" -6 addr add fd77::1/64 dev lan0 nodad
ip -n "$LAN" -6 addr add fd77::2/64 dev eth0 nodad
ip -n "$DEV" -6 route add default via fd77::2

# Create: the block given, or a unique local /64.
t_ok "network create --ipv6 with an IPv6 --subnet" \
	d network create --ipv6 --subnet 10.78.0.0/24 --subnet fd78:1::/64 "$T-n6"
t_out "inspect: EnableIPv6 and both blocks, the gateway ::1" \
	"true 10.78.0.0/24 10.78.0.1 fd78:1::/64 fd78:1::1" d network inspect -f \
	'{{.EnableIPv6}}{{range .IPAM.Config}} {{.Subnet}} {{.Gateway}}{{end}}' "$T-n6"
t_match "--ipv6 alone: a unique local /64 at random" '^fd[0-9a-f]{2}:[0-9a-f]{1,4}:[0-9a-f]{1,4}::/64$' \
	sh -c "d() { \"$DORY\" \"\$@\"; }; d network create --ipv6 '$T-auto' >/dev/null &&
	d network inspect -f '{{(index .IPAM.Config 1).Subnet}}' '$T-auto'"
t_out "an IPv4 network says EnableIPv6 false" "false 1" \
	sh -c "\"$DORY\" network create '$T-v4' >/dev/null && \"$DORY\" network inspect -f \
	'{{.EnableIPv6}} {{len .IPAM.Config}}' '$T-v4'"

# A container's addresses and routes.
t_out "eth0 has the first free address, the default route goes by the gateway" \
	"fd78:1::2/64 fd78:1::1" d run --rm --network "$T-n6" --rootfs "$R" sh -c \
	'a=$(ip -o -6 addr show eth0 scope global | sed "s|.*inet6 \([^ ]*\) .*|\1|");
	 g=$(ip -6 route | sed -n "s/^default via \([^ ]*\).*/\1/p"); echo "$a $g"'
t_out "--ip6: the address asked for" "fd78:1::99/64" d run --rm --network "$T-n6" \
	--ip6 fd78:1::99 --rootfs "$R" sh -c 'ip -o -6 addr show eth0 scope global |
	sed "s|.*inet6 \([^ ]*\) .*|\1|"'

d run -d --name "$T-a" --network "$T-n6" --network-alias web --rootfs "$R" $HTTPD >/dev/null
# The device forwards nothing into a bridge before its link-local address
# is usable: that waits for the link's carrier (linkwatch, up to 1 s) but
# not for duplicate address detection (1 s more, and on every new bridge).
BR6=br-$(d network inspect -f '{{.Id}}' "$T-n6" | cut -c1-12)
bridge_ll() { nsenter --net="/run/netns/$DEV" ip -6 addr show dev "$BR6" scope link | grep -v tentative | grep -q fe80::; }
t_poll 1 bridge_ll
t_check "the bridge's link-local address is usable within a second, without DAD" bridge_ll
A6=$(d inspect -f '{{range .NetworkSettings.Networks}}{{.GlobalIPv6Address}}{{end}}' "$T-a")
t_out "inspect: GlobalIPv6Address, its prefix and IPv6Gateway" "$A6 64 fd78:1::1" \
	d inspect -f '{{range .NetworkSettings.Networks}}{{.GlobalIPv6Address}} {{.GlobalIPv6PrefixLen}} {{.IPv6Gateway}}{{end}}' "$T-a"
t_match "network inspect: the container's IPv6Address" "^$A6/64\$" \
	d network inspect -f '{{range .Containers}}{{.IPv6Address}}{{end}}' "$T-n6"
t_poll 5 d exec "$T-a" $GET "http://[$A6]/" >/dev/null 2>&1
t_out "a container reaches another over IPv6" hello-from-ctr \
	d run --rm --network "$T-n6" --rootfs "$R" $GET "http://[$A6]/"
t_match "... whose hosts file names it by both addresses" "^$A6	$T-a web\$" \
	d run --rm --network "$T-n6" --rootfs "$R" cat /etc/hosts
t_match "its own hosts file has its IPv6 address" "^$A6	" d exec "$T-a" cat /etc/hosts

# Isolation: another IPv6 network does not reach it.
t_ok "a second IPv6 network" d network create --ipv6 --subnet fd79:2::/64 "$T-m6"
t_fail 1 "" "containers on different IPv6 networks cannot reach each other" \
	d run --rm --network "$T-m6" --rootfs "$R" sh -c "$GET http://[$A6]/ >/dev/null 2>&1"

# Outbound through masquerade only: the LAN has no route back.
mkdir -p "$TMP/lanwww" && echo hello-from-lan >"$TMP/lanwww/index.html"
(exec_lan busybox httpd -f -p 80 -h "$TMP/lanwww") & SRV=$!
t_poll 5 in_lan busybox $GET "http://[fd77::2]/" >/dev/null 2>&1
t_out "outbound IPv6 reaches a server on the LAN (masquerade)" hello-from-lan \
	d run --rm --network "$T-n6" --rootfs "$R" $GET "http://[fd77::2]/"

# A published port, over IPv6 too.
d run -d --name "$T-web" --network "$T-n6" -p 8086:80 --rootfs "$R" $HTTPD >/dev/null
t_poll 5 in_lan busybox $GET "http://[fd77::1]:8086/" >/dev/null 2>&1
t_out "the LAN client reaches a published port on the device's IPv6 address" hello-from-ctr \
	in_lan busybox $GET "http://[fd77::1]:8086/"
t_out "... and on its IPv4 one" hello-from-ctr in_lan busybox $GET http://192.168.77.1:8086/
t_out "ps shows it on both families, as Docker" "0.0.0.0:8086->80/tcp, [::]:8086->80/tcp" \
	d ps --format '{{.Ports}}' -f name="$T-web"
t_out "port lists both" "80/tcp -> 0.0.0.0:8086
80/tcp -> [::]:8086" d port "$T-web"
t_out "inspect: HostIp :: for the IPv6 one" " 0.0.0.0:8086 :::8086" d inspect -f \
	'{{range (index .NetworkSettings.Ports "80/tcp")}} {{.HostIp}}:{{.HostPort}}{{end}}' "$T-web"
t_match "the rules live in table ip6 dory" "dnat to \[fd78:1::[0-9a-f]*\]:80" \
	in_dev nft list table ip6 dory

# connect: a running container of an IPv4 network joins an IPv6 one.
d run -d --name "$T-b" --network "$T-v4" --rootfs "$R" sleep 60 >/dev/null
t_ok "network connect --ip6" d network connect --ip6 fd78:1::77 "$T-n6" "$T-b"
t_out "... gives it that address on eth1" "fd78:1::77/64" d exec "$T-b" sh -c \
	'ip -o -6 addr show eth1 scope global | sed "s|.*inet6 \([^ ]*\) .*|\1|"'
t_out "... from which it reaches a" hello-from-ctr d exec "$T-b" $GET "http://[$A6]/"

# Bad input: one line, exit 125, nothing made.
t_fail 125 "needs --ipv6" "an IPv6 subnet without --ipv6 is refused" \
	d network create --subnet fd80::/64 "$T-bad"
t_fail 125 "at most one IPv4 and one IPv6" "two IPv6 subnets are refused" \
	d network create --ipv6 --subnet fd80::/64 --subnet fd81::/64 "$T-bad"
t_fail 125 "Pool overlaps" "an overlapping IPv6 subnet is refused" \
	d network create --ipv6 --subnet fd78:1:0:0:8000::/80 "$T-bad"
t_fail 125 "no matching subnet for gateway fd82::1" "an IPv6 gateway outside its subnet is refused" \
	d network create --ipv6 --subnet fd80::/64 --gateway fd82::1 "$T-bad"
t_fail 125 "host bits set" "an IPv6 subnet with host bits is refused" \
	d network create --ipv6 --subnet fd80::1/64 "$T-bad"
t_fail 125 "invalid IPv6 address: fd78:1::zz" "a bad --ip6 is refused" \
	d run --rm --network "$T-n6" --ip6 fd78:1::zz --rootfs "$R" true
t_fail 125 "has no IPv6" "--ip6 on an IPv4 network is refused" \
	d run --rm --network "$T-v4" --ip6 fd78:1::5 --rootfs "$R" true
t_fail 125 "already in use" "an IPv6 address in use is refused" \
	d run --rm --network "$T-n6" --ip6 "$A6" --rootfs "$R" true
t_fail 125 "not a container address" "an --ip6 outside the subnet is refused" \
	d run --rm --network "$T-n6" --ip6 fd99::5 --rootfs "$R" true
t_fail 1 "" "... none of which made a network" sh -c "\"$DORY\" network ls | grep -q '$T-bad'"

# Nothing left: leases, rules, the ip6 table.
d rm -f "$T-a" "$T-web" "$T-b" >/dev/null
t_out "after rm, no IPv6 lease is left" "" d network inspect -f '{{range .Containers}}{{.IPv6Address}}{{end}}' "$T-n6"
t_ok "the networks go" d network rm "$T-n6" "$T-m6" "$T-auto" "$T-v4"
t_check "... and with them table ip6 dory" sh -c \
	"! nsenter --net=/run/netns/$DEV nft list table ip6 dory >/dev/null 2>&1"
t_out "the firewall's own table is as it was" "$FW4" fw4
