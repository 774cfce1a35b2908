# SPDX-License-Identifier: Apache-2.0
# network.sh - dory network (net): create, ls, inspect, rm, prune, run in a
# network namespace this case makes (nsenter --net, not `ip netns exec`,
# which hides /sys/fs/cgroup), so that its route checks and the links it
# deletes are never the host's. Each bad input: one line, exit 125, and
# neither a record nor a link left.
. "$(dirname "$0")/../lib.sh"
for c in ip nsenter; do
	command -v "$c" >/dev/null || { t_skip "network" "no $c"; exit 0; }
done
[ "$(id -u)" = 0 ] || { t_skip "network" "needs root"; exit 0; }

NS=$T-dev
net_cleanup()
{
	ip netns del "$NS" 2>/dev/null
	t_cleanup
}
trap net_cleanup EXIT
ip netns add "$NS" || { t_skip "network" "cannot make a network namespace"; exit 0; }
ip -n "$NS" link set lo up
d() { nsenter --net=/run/netns/"$NS" "$DORY" "$@"; }
links() { ip -n "$NS" -o link show | awk -F': ' '{ print $2 }' | sed 's/@.*//' | sort; }
# What a refused command must leave as it was: the records and the links.
state() { (cd "$DORY_ROOT/networks" 2>/dev/null && find . ! -name lock | sort); links; }
refused() # NAME MSG CMD...: exit 125, one line with MSG, records and links unchanged
{
	local name=$1 msg=$2 before; shift 2
	before=$(state)
	t_run "$@"
	[ "$RC" = 125 ] && [ "$(wc -l <"$ERR")" = 1 ] && grep -Fq -- "$msg" "$ERR" &&
		[ "$(state)" = "$before" ]
	t_report $? "$name" "exit $RC; stderr: $(cat "$ERR")"
}
insp() { d network inspect -f "$2" "$1"; }

# ---- the predefined networks ----
t_out "ls: bridge, host and none, as Docker names their drivers" \
	"bridge bridge local
host host local
none null local" d network ls --format '{{.Name}} {{.Driver}} {{.Scope}}'
t_fail 125 "can't evaluate field Nope at offset 2" "ls --format: a field that is not there" \
	d network ls --format '{{.Nope}}'
t_out "net is the same applet" "$(d network ls)" d net ls
t_match "ls: Docker's columns" '^NETWORK ID +NAME +DRIVER +SCOPE$' d network ls
t_match "bridge: the first pool block, on dory0" \
	'^\[\{"Subnet":"172.17.0.0/16","Gateway":"172.17.0.1"\}\] .*"com.docker.network.bridge.name":"dory0"' \
	insp bridge '{{json .IPAM.Config}} {{json .Options}}'

# ---- create ----
t_match "create prints the full ID" '^[0-9a-f]{64}$' d network create "$T-a"
ID_A=$(cat "$OUT")
t_out "no --subnet: the next free block of the pools" \
	'[{"Subnet":"172.18.0.0/16","Gateway":"172.18.0.1"}]' insp "$T-a" '{{json .IPAM.Config}}'
t_out "ls -q: short IDs" "${ID_A:0:12}" d network ls -q --filter name="^$T-a\$"
t_out "inspect by an ID prefix" "$T-a" insp "${ID_A:0:7}" '{{.Name}}'
t_ok "create with every flag" d network create --subnet 10.9.0.0/24 --gateway 10.9.0.254 \
	--ip-range 10.9.0.128/25 --internal --label tier=db --label solo \
	-o com.docker.network.bridge.name="$T-br" -d bridge "$T-b"
t_out "inspect: IPAM, Internal, Options, Labels" \
	'[{"Subnet":"10.9.0.0/24","IPRange":"10.9.0.128/25","Gateway":"10.9.0.254"}] true {"com.docker.network.bridge.name":"'"$T-br"'"} {"solo":"","tier":"db"} false' \
	insp "$T-b" '{{json .IPAM.Config}} {{.Internal}} {{json .Options}} {{json .Labels}} {{.EnableIPv6}}'
t_out "inspect -f: range, index, if, and \$k, \$v over an object" \
	"10.9.0.0/24 via 10.9.0.254 db internal solo=,tier=db," \
	insp "$T-b" '{{range .IPAM.Config}}{{.Subnet}} via {{.Gateway}}{{end}} {{index .Labels "tier"}} {{if .Internal}}internal{{else}}routed{{end}} {{range $k, $v := .Labels}}{{$k}}={{$v}},{{end}}'
refused "inspect -f: a template that cannot parse" "template parsing error: function \"nope\" not defined" \
	d network inspect -f '{{nope .Name}}' "$T-b"
t_out "ls --filter label=K=V" "$T-b" d network ls --filter label=tier=db --format '{{.Name}}'
t_out "ls --filter type=custom, by name" "$T-a
$T-b" d network ls --filter type=custom --format '{{.Name}}'
t_out "ls --filter driver=null" "none" d network ls --filter driver=null --format '{{.Name}}'
t_match "ls --format table" "^NAME +INTERNAL$" d network ls --format 'table {{.Name}}\t{{.Internal}}'
t_out "inspect -f, several networks" "$T-a false
$T-b true" d network inspect -f '{{.Name}} {{.Internal}}' "$T-a" "$T-b"

# Five creates at once: the lock gives each its own block of the pools.
for i in 8 9 10 11 12; do d network create "$T-p$i" >/dev/null 2>&1 & done
wait
t_out "ls: names in Docker's natural order" "$T-p8 $T-p9 $T-p10 $T-p11 $T-p12" \
	sh -c "nsenter --net=/run/netns/$NS $DORY network ls --filter name=$T-p --format '{{.Name}}' | xargs"
subnets() { for i in 8 9 10 11 12; do insp "$T-p$i" '{{json .IPAM.Config}}'; done | sort -u | wc -l; }
t_out "five creates at once get five distinct subnets" 5 subnets
t_out "rm of several prints each" "$T-p8
$T-p12" d network rm "$T-p8" "$T-p12"
t_ok "rm of the rest" d network rm "$T-p9" "$T-p10" "$T-p11"

# ---- bad input: one line, 125, nothing left ----
refused "a bad CIDR" "invalid CIDR address: 10.1.0.0/33" d network create --subnet 10.1.0.0/33 "$T-x"
refused "host bits set" "use 10.1.2.0/24" d network create --subnet 10.1.2.3/24 "$T-x"
refused "gateway outside the subnet" "no matching subnet for gateway 10.2.0.1" \
	d network create --subnet 10.1.0.0/24 --gateway 10.2.0.1 "$T-x"
refused "ip-range outside the subnet" "no matching subnet for range 10.1.1.0/24" \
	d network create --subnet 10.1.0.0/24 --ip-range 10.1.1.0/24 "$T-x"
refused "a gateway without a subnet" "must have a corresponding subnet" \
	d network create --gateway 10.1.0.1 "$T-x"
refused "the name taken" "network with name $T-a already exists" d network create "$T-a"
refused "a predefined name" "network with name host already exists" d network create host
refused "a subnet overlapping another network" "Pool overlaps with other one" \
	d network create --subnet 172.18.3.0/24 "$T-x"
ip -n "$NS" link add rt0 type bridge && ip -n "$NS" link set rt0 up &&
	ip -n "$NS" addr add 10.99.0.1/24 dev rt0
refused "a subnet overlapping a route of the device" "overlaps the host's route to 10.99.0.0/24" \
	d network create --subnet 10.99.0.0/16 "$T-x"
refused "an IPv6 subnet without --ipv6" "an IPv6 subnet or gateway needs --ipv6" \
	d network create --subnet fd00::/64 "$T-x"
refused "two IPv4 subnets" "at most one IPv4 and one IPv6 --subnet" \
	d network create --subnet 10.1.0.0/24 --subnet 10.2.0.0/24 "$T-x"
refused "a gateway without its subnet" "every ip-range or gateway must have a corresponding subnet" \
	d network create --ipv6 --subnet 10.1.0.0/24 --gateway fd00::1 "$T-x"
refused "another driver" 'network driver "overlay" is not supported' \
	d network create -d overlay "$T-x"
refused "a bad name" 'invalid network name "a/b"' d network create a/b
refused "a bridge name of another network" "bridge $T-br is already used by network $T-b" \
	d network create -o com.docker.network.bridge.name="$T-br" "$T-x"
refused "a bridge name too long" "invalid bridge name" \
	d network create -o com.docker.network.bridge.name=abcdefghijklmnop "$T-x"
refused "a subnet too small" "too small" d network create --subnet 10.1.0.0/31 "$T-x"
refused "an option without a value" "use -o KEY=VALUE" d network create -o foo "$T-x"
refused "an unknown filter" "invalid filter 'foo=1'" d network ls --filter foo=1
refused "rm of a predefined network" "bridge is a pre-defined network and cannot be removed" \
	d network rm bridge
refused "rm of a missing network" "No such network: $T-nope" d network rm "$T-nope"
refused "inspect of a missing network" "No such network: $T-nope" d network inspect "$T-nope"
refused "no command" "give a command" d network
refused "an unknown command" "is not a dory network command" d network frob
t_out "rm -f of a missing network is quiet" "" d network rm -f "$T-nope"

# ---- leases: a live holder keeps a network, a dead one does not ----
# A lease as a container's supervisor holds it (ipam.h): here a sleep.
sleep 300 &
HOLDER=$!
T_PIDS="$T_PIDS $HOLDER"
lease() # NETWORK-ID ADDRESS PID
{
	local start boot
	start=$(awk '{ sub(/^.*\) /, ""); print $20 }' "/proc/$3/stat")
	boot=$(cat /proc/sys/kernel/random/boot_id)
	mkdir -p "$DORY_ROOT/networks/$1/leases"
	printf '{"Container":"%064d","Name":"%s-web","Aliases":[],"Pid":%d,"Start":%s,"Boot":"%s"}' \
		7 "$T" "$3" "$start" "$boot" >"$DORY_ROOT/networks/$1/leases/$2"
}
lease "$ID_A" 172.18.0.2 "$HOLDER"
t_out "inspect: Containers from the live leases" \
	"{\"$(printf %064d 7)\":{\"Name\":\"$T-web\",\"EndpointID\":\"\",\"MacAddress\":\"\",\"IPv4Address\":\"172.18.0.2/16\",\"IPv6Address\":\"\"}}" \
	insp "$T-a" '{{json .Containers}}'
t_out "ls --filter dangling=true leaves out a network in use" "$T-b" \
	d network ls --filter dangling=true --format '{{.Name}}'
refused "rm of a network in use" "network $T-a has active endpoints" d network rm "$T-a"
t_out "prune leaves a network in use" "Deleted Networks:
$T-b" d network prune -f
{ kill -KILL "$HOLDER"; wait "$HOLDER"; } 2>/dev/null
t_out "a dead holder's lease is reclaimed: rm works" "$T-a" d network rm "$T-a"

# ---- rm deletes the bridge dory made, not one that was there before ----
t_ok "create c" d network create "$T-c"
ID_C=$(d network ls -q --no-trunc --filter name="^$T-c\$")
ip -n "$NS" link add "br-${ID_C:0:12}" type bridge	# as link.c makes it
t_out "rm prints the name given" "$T-c" d network rm "$T-c"
t_check "rm deleted its bridge br-${ID_C:0:12}" sh -c "! ip -n $NS link show br-${ID_C:0:12} 2>/dev/null"
ip -n "$NS" link add own0 type bridge
t_ok "create on a bridge that is there already" \
	d network create -o com.docker.network.bridge.name=own0 "$T-own"
t_ok "rm of it" d network rm "$T-own"
t_check "the bridge that was there stays" sh -c "ip -n $NS link show own0 >/dev/null"
t_out "prune with nothing to remove prints nothing" "" d network prune -f
t_out "only the predefined networks are left" "bridge
host
none" d network ls --format '{{.Name}}'
