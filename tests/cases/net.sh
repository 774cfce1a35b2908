# SPDX-License-Identifier: Apache-2.0
# net.sh - networking as a device has it. dory runs inside a network
# namespace the test made (standing for the device, with a table standing
# for OpenWrt's fw4), a second one is a LAN client on a veth to it with no
# route to the containers' subnets, so that what it reaches came through
# NAT. Nothing is made in this machine's own namespace.
. "$(dirname "$0")/../lib.sh"

command -v nft >/dev/null || { t_skip "all" "no nft (Debian's nftables) to read the rules"; exit 0; }
T_NET=bridge	# containers get bridge by default here: in the device's namespace
t_config
. "$(dirname "$0")/../netdev.sh"

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
t_out "--link NAME:ALIAS: the default bridge's container by its alias" hello-from-ctr \
	d run --rm --link "$T-web:db" --rootfs "$R" $GET http://db/
t_fail 125 "could not get container for $T-nope" "--link to no container is refused" \
	d run --rm --link "$T-nope" --rootfs "$R" true
t_out "ps shows PORTS as Docker" "0.0.0.0:8080->80/tcp" d ps --format '{{.Ports}}' -f name="$T-web"
t_out "port lists it" "80/tcp -> 0.0.0.0:8080" d port "$T-web"
t_fail 125 "port is already allocated" "a port already published is refused" \
	d run --rm -p 8080:80 --rootfs "$R" true

# Outbound, through masquerade only: the LAN has no route back.
mkdir -p "$TMP/lanwww" && echo hello-from-lan >"$TMP/lanwww/index.html"
(exec_lan busybox httpd -f -p 80 -h "$TMP/lanwww") & SRV=$!
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
t_out "--ip: the address asked for, on a network of one's own" "10.77.0.99" \
	d run --rm --network "$T-n2" --ip 10.77.0.99 --rootfs "$R" sh -c \
	"ip -o -4 addr show eth0 | sed 's|.*inet \\([0-9.]*\\)/.*|\\1|'"
t_fail 125 "has active endpoints" "removing a network in use is refused" d network rm "$T-n1"
t_fail 125 "overlap" "an overlapping subnet is refused" \
	d network create --subnet 10.77.0.128/25 "$T-n3"


# -P: every EXPOSE of an image, on a port of the ephemeral range.
. "$(dirname "$0")/../bbimage.sh"
mkdir -p "$TMP/img/rootfs/www" && echo hello-from-image >"$TMP/img/rootfs/www/index.html"
BB_CONFIG='"ExposedPorts":{"80/tcp":{}}' bb_image "$TMP/img" "$T-web:1" \
	'["httpd","-f","-p","80","-h","/www"]' >/dev/null 2>&1
d load -i "$TMP/img/image.tar" >/dev/null
d run -d --name "$T-pub" -P "$T-web:1" >/dev/null
P=$(d port "$T-pub" 80/tcp | sed -n 's/^0\.0\.0\.0:\([0-9]*\)$/\1/p')
read -r LO HI <"/proc/sys/net/ipv4/ip_local_port_range"
t_check "-P publishes EXPOSE 80 on an ephemeral port" test "${P:-0}" -ge "$LO" -a "${P:-0}" -le "$HI"
t_poll 5 in_lan busybox $GET "http://192.168.77.1:$P/" >/dev/null
t_out "... which the LAN client reaches" hello-from-image in_lan busybox $GET "http://192.168.77.1:$P/"
t_out "... and ps shows" "0.0.0.0:$P->80/tcp" d ps --format '{{.Ports}}' -f name="$T-pub"

# connect and disconnect, while it runs.
d run -d --name "$T-b" --network "$T-n2" --rootfs "$R" sleep 60 >/dev/null
t_fail 1 "" "on another network, it does not reach a" \
	d exec "$T-b" sh -c "$GET http://$A_IP/ >/dev/null 2>&1 || exit 1"
t_ok "network connect" d network connect --alias bee "$T-n1" "$T-b"
t_out "once connected, it reaches a by name" hello-from-ctr d exec "$T-b" $GET "http://$T-a/"
t_match "... and a has its name" "bee" d exec "$T-a" cat /etc/hosts
t_fail 125 "already exists in network" "connecting twice is refused" \
	d network connect "$T-n1" "$T-b"
t_ok "network disconnect" d network disconnect "$T-n1" "$T-b"
t_fail 1 "" "once disconnected, it does not" \
	d exec "$T-b" sh -c "$GET http://$A_IP/ >/dev/null 2>&1 || exit 1"
t_out "... nor has the link any more" "lo eth0" d exec "$T-b" sh -c \
	"ip -o link | sed 's/^[0-9]*: \([^:@]*\).*/\1/' | tr '\n' ' ' | sed 's/ \$//'"
t_fail 125 "is not connected to network" "disconnecting twice is refused" \
	d network disconnect "$T-n1" "$T-b"

# The userland proxy (the config asks for it): no rule, a process.
t_config '"userland-proxy": true'
d run -d --name "$T-px" -p 8090:80 --rootfs "$R" $HTTPD >/dev/null
PX=$(d inspect -f '{{.Id}}' "$T-px")
t_poll 5 in_lan busybox $GET http://192.168.77.1:8090/ >/dev/null
t_out "the userland proxy answers the LAN client" hello-from-ctr in_lan busybox $GET http://192.168.77.1:8090/
t_out "... and the device" hello-from-ctr in_dev busybox $GET http://127.0.0.1:8090/
t_check "... with no rule of nf_tables" sh -c "! nsenter --net=/run/netns/$DEV nft list table ip dory | grep -q $PX"
t_config

# Nothing is left: its links, rules and leases.
id_of() { d inspect -f '{{.Id}}' "$1"; }
traces() # ID: its host links, rules and leases in the device, one per line
{
	in_dev ip -o link | grep -o "dv${1:0:11}[0-9a-f]*"
	in_dev nft list table ip dory 2>/dev/null | grep -o "\"$1\""
	grep -ls "$1" "$DORY_ROOT"/networks/*/leases/* 2>/dev/null
}
none_left() { [ -z "$(traces "$1")" ]; }
X=$(id_of "$T-web")
d rm -f "$T-web" >/dev/null
t_poll 2 none_left "$X"	# the link goes with its namespace, a moment later
t_check "after rm: no link, rule or lease" none_left "$X"
X=$(id_of "$T-px")
d stop -t 1 "$T-px" >/dev/null
t_poll 2 none_left "$X"
t_check "after stop: none, and the proxy is gone" none_left "$X"
t_fail 1 "" "... nor does its port answer" \
	sh -c "nsenter --net=/run/netns/$LAN busybox $GET http://192.168.77.1:8090/ 2>/dev/null"
d run -d --name "$T-k" -p 8091:80 --network "$T-n1" --rootfs "$R" $HTTPD >/dev/null
X=$(id_of "$T-k")
SUP=$(d inspect -f '{{.State.Pid}}' "$T-k" | xargs -I{} awk '/^PPid:/ { print $2 }' /proc/{}/status)
kill -KILL "$SUP"
t_poll 5 t_gone "$SUP"
d ps -a >/dev/null	# a command that looks
t_poll 5 none_left "$X"
t_check "after the supervisor's SIGKILL: none, once a command looked" none_left "$X"

# A reboot: the supervisors die, STATE is wiped, start --all brings back
# what should run, and the rules are those of what runs.
d run -d --name "$T-boot" --restart always -p 8092:80 --rootfs "$R" $HTTPD >/dev/null
X=$(id_of "$T-boot")
SUP=$(d inspect -f '{{.State.Pid}}' "$T-boot" | xargs -I{} awk '/^PPid:/ { print $2 }' /proc/{}/status)
for c in "$T-a" "$T-b" "$T-pub" "$T-boot"; do
	p=$(d inspect -f '{{.State.Pid}}' "$c"); s=$(awk '/^PPid:/ { print $2 }' "/proc/$p/status")
	kill -KILL "$s"; t_poll 5 t_gone "$s"; t_poll 5 t_gone "$p"
done
rm -rf "$DORY_STATE"
d start --all >/dev/null 2>&1
t_poll 5 in_lan busybox $GET http://192.168.77.1:8092/ >/dev/null
t_out "after a wiped STATE and start --all, its port answers" hello-from-ctr \
	in_lan busybox $GET http://192.168.77.1:8092/
t_out "... with its rules once, not twice" 2 sh -c \
	"nsenter --net=/run/netns/$DEV nft list table ip dory | grep -c '\"$X\"'"
t_out "... and the dead ones' rules gone" "" sh -c \
	"nsenter --net=/run/netns/$DEV nft list table ip dory | grep -o 'comment \"[0-9a-f]\{64\}\"' | grep -v $X; true"
d rm -f "$T-boot" "$T-a" "$T-b" "$T-pub" >/dev/null 2>&1

# 50 containers made at once on one network: 50 addresses.
M=""
for i in $(seq 50); do d run -d --name "$T-m$i" --network "$T-n2" --rootfs "$R" sleep 60 >/dev/null & M="$M $!"; done
wait $M
t_out "50 containers started at once get 50 distinct addresses" 50 sh -c \
	"for i in \$(seq 50); do $DORY inspect -f '{{json .NetworkSettings.Networks}}' $T-m\$i; done |
	 sed -n 's/.*\"IPAddress\":\"\\([0-9.]*\\)\".*/\\1/p' | sort -u | wc -l"
M=""
for i in $(seq 50); do d rm -f "$T-m$i" >/dev/null & M="$M $!"; done
wait $M

# Bad input: one line, exit 125, nothing made.
t_fail 125 "invalid" "a bad CIDR is refused" d network create --subnet 10.1.0.0/33 "$T-bad"
t_fail 125 "already exists" "a name that is taken is refused" d network create "$T-n1"
t_fail 125 "not found" "an unknown network is refused" d run --rm --network "$T-nope" --rootfs "$R" true
t_fail 125 "invalid containerPort: 99999" "a bad port is refused" \
	d run --rm -p 80:99999 --rootfs "$R" true
t_fail 125 "10.99.0.5" "an address outside the subnet is refused" \
	d run --rm --network "$T-n2" --ip 10.99.0.5 --rootfs "$R" true
t_out "... and nothing is left of them: no container, link or lease" "" sh -c \
	"nsenter --net=/run/netns/$DEV ip -o link | grep -o ' dv[0-9a-f]*'; ls $DORY_ROOT/networks/*/leases/ 2>/dev/null | grep '^[0-9]'; true"
t_ok "network rm" d network rm "$T-n1" "$T-n2"
t_out "... and the bridges are gone" "" sh -c \
	"nsenter --net=/run/netns/$DEV ip -o link | grep -o ' br-[0-9a-f]*'; true"

# A second store on the device takes the dory0 that is there, as Docker
# takes docker0, rather than giving it an address more.
t_out "another --root's default network is dory0's subnet" "172.17.0.0/16" \
	d --root "$TMP/root2" --state "$TMP/state2" network inspect -f '{{range .IPAM.Config}}{{.Subnet}}{{end}}' bridge
t_out "... and dory0 keeps its one address" 1 sh -c \
	"ip -n $DEV -4 -o addr show dory0 | wc -l"

t_check "the fw4 table is byte-identical" test "$(fw4)" = "$FW4"
