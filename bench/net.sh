#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bench/net.sh - the cost of dory's networking, with ratios, in one run:
#  1. start-to-exit of `dory run --rm --rootfs R true` on the default bridge
#     against --network none (medians of RUNS interleaved runs), and where
#     the difference goes: phases and netlink time from traced runs;
#  2. TCP throughput (iperf3, SECS seconds, median of ROUNDS) container to
#     container on one network, and from a LAN client through a published
#     port (nf_tables DNAT), against a bare veth pair between two namespaces;
#  3. the userland proxy: its throughput through a published port and its
#     memory with 0, 100, 1000 idle connections open through it;
#  4. podman's start cost with its default network (netavark) as the peer.
#   bench/net.sh [RUNS]   (as root; DORY= picks the binary; RUNS=20 starts,
#        TRACES=5 traced ones, SECS=5 ROUNDS=3 of iperf3, CONNS="0 100 1000",
#        PRUNS=10 podman starts of each kind: half a second or more each)
# dory runs in a network namespace standing for the device (as
# tests/cases/net.sh does), a second one is a LAN client on a veth to it;
# two more hold the bare veth pair. Nothing is made in this machine's own
# namespace; everything is removed on exit.
set -eu
cd "$(dirname "$0")/.."
export DORY=${DORY:-$PWD/build/dory}
RUNS=${1:-20}
SECS=${SECS:-5}
ROUNDS=${ROUNDS:-3}
CONNS=${CONNS:-0 100 1000}
TRACES=${TRACES:-5}
PRUNS=${PRUNS:-10}
[ "$(id -u)" = 0 ] || { echo "bench/net.sh: run as root" >&2; exit 1; }
[ -x "$DORY" ] || { echo "bench/net.sh: no $DORY: run make first" >&2; exit 1; }
for t in busybox iperf3 strace nft ip ss nsenter unshare ldd /usr/bin/python3; do
	command -v $t >/dev/null ||
		{ echo "bench/net.sh: $t is missing (make host-packages installs it)" >&2; exit 1; }
done
PY=/usr/bin/python3

. tests/lib.sh
T_NET=bridge	# dory runs in the device's namespace below: bridge is its default
t_config
BIN=$DORY
DEV=$T-dev LAN=$T-lan VA=$T-va VB=$T-vb
PIDS=""
PODMAN_OK=""
bench_cleanup()
{
	local p
	for p in $PIDS; do kill -KILL "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	t_cleanup
	for p in "$DEV" "$LAN" "$VA" "$VB"; do ip netns del "$p" 2>/dev/null || true; done
}
trap bench_cleanup EXIT
for n in "$DEV" "$LAN" "$VA" "$VB"; do ip netns add "$n"; ip -n "$n" link set lo up; done
in_lan() { nsenter --net="/run/netns/$LAN" "$@"; }
# dory, and t_cleanup's `dory rm -f`, run in the device.
DORY=$TMP/dory-in-dev
printf '#!/bin/sh\nexec nsenter --net=/run/netns/%s %s "$@"\n' "$DEV" "$BIN" >"$DORY"
chmod 755 "$DORY"
d() { "$DORY" "$@"; }
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)

# The LAN (192.168.77.1 the device, .2 the client) and the bare pair.
ip -n "$DEV" link add lan0 type veth peer name eth0 netns "$LAN"
ip -n "$DEV" addr add 192.168.77.1/24 dev lan0
ip -n "$LAN" addr add 192.168.77.2/24 dev eth0
ip -n "$DEV" link set lan0 up
ip -n "$LAN" link set eth0 up
ip -n "$DEV" route add default via 192.168.77.2
ip -n "$VA" link add veth0 type veth peer name veth0 netns "$VB"
ip -n "$VA" addr add 192.168.79.1/24 dev veth0
ip -n "$VB" addr add 192.168.79.2/24 dev veth0
ip -n "$VA" link set veth0 up
ip -n "$VB" link set veth0 up

# A busybox rootfs with iperf3 and the libraries it links.
R=$TMP/rootfs
t_rootfs "$R"
mkdir -p "$R/proc" "$R/sys" "$R/dev"
cp "$(command -v iperf3)" "$R/bin/iperf3"
for l in $(ldd "$(command -v iperf3)" | sed -n 's/.*=> \(\/[^ ]*\).*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) .*/\1/p'); do
	mkdir -p "$R${l%/*}" && cp -L "$l" "$R$l"
done
chroot "$R" /bin/iperf3 --version >/dev/null

median() # FILE: the median of its numbers (microseconds) in milliseconds
{
	sort -n "$1" | awk '{ v[NR] = $1 } END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.2f\n", m / 1000 }'
}
median_plain() { sort -n | awk '{ v[NR] = $1 } END {
	printf "%.2f\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
wall_us() # CMD...: its wall time in microseconds; fails as it does
{
	local t0 t1
	t0=$(date +%s%N)
	"$@" >/dev/null 2>&1 </dev/null || { echo "failed: $*" >&2; return 1; }
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000))
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }'; }

# ---- 1. start cost, bridge against none ----
# Interleaved, so that what else the machine does falls on both alike.
# The first bridge run makes the bridge and the table: warm-up.
for i in 1 2 3; do
	wall_us d run --rm --network none --rootfs "$R" true >/dev/null
	wall_us d run --rm --rootfs "$R" true >/dev/null
done
: >"$TMP/s-none"; : >"$TMP/s-bridge"
for ((i = 0; i < RUNS; i++)); do
	wall_us d run --rm --network none --rootfs "$R" true >>"$TMP/s-none"
	wall_us d run --rm --rootfs "$R" true >>"$TMP/s-bridge"
done
none_ms=$(median "$TMP/s-none")
bridge_ms=$(median "$TMP/s-bridge")

# Where it goes: runs traced with strace --seccomp-bpf (only the process,
# socket and flock calls stop, so the rest runs at full speed), cut into
# phases at the container's clone, its execve and its exit, with the time
# spent in netlink calls of each protocol. One line per trace:
# pre setup run post total  rt_pre nf_pre  rt_setup nf_setup  rt_post nf_post
# slowest-netlink-call-ms its-message-type  RTM_DELLINK-ms
trace_phases()
{
	awk '
	function dur(s) { return match(s, /<[0-9.]+>$/) ? substr(s, RSTART + 1, RLENGTH - 2) * 1000 : 0 }
	function ph() { return !tclone ? 1 : !texec ? 2 : !texit ? 3 : 4 }
	BEGIN { split("NEWLINK DELLINK GETLINK SETLINK NEWADDR DELADDR GETADDR - NEWROUTE DELROUTE GETROUTE", n)
		split("0x10 0x11 0x12 0x13 0x14 0x15 0x16 0x17 0x18 0x19 0x1a", h)
		for (i in h) rtm[h[i]] = "RTM_" n[i] }
	{ pid = $1; t = $2 }
	NR == 1 { t0 = t; main = pid }
	/socket\(AF_NETLINK/ && match($0, /NETLINK:\[[0-9]+\]/) {
		ino = substr($0, RSTART + 9, RLENGTH - 10)
		proto[ino] = /NETLINK_NETFILTER/ ? "nf" : "rt"
	}
	/^[0-9]+ +[0-9.]+ (sendto|recvfrom|sendmsg|recvmsg)\(/ && match($0, /NETLINK:\[[0-9]+\]/) {
		ino = substr($0, RSTART + 9, RLENGTH - 10)
		if (/unfinished/) { pend[pid] = proto[ino]; next }
		ms = dur($0); nl[proto[ino], ph()] += ms
		if (proto[ino] == "rt" && /nlmsg_type=0x11 /) dellink += ms
		if (ms > slow) {
			slow = ms; what = "?"
			if (match($0, /nlmsg_type=0x[0-9a-f]+/)) what = substr($0, RSTART + 11, RLENGTH - 11)
			what = proto[ino] == "nf" ? "nf_tables message " what : (what in rtm) ? rtm[what] : what
		}
	}
	/resumed>/ && (pid in pend) {
		if ($0 ~ /(sendto|recvfrom|sendmsg|recvmsg) resumed/) nl[pend[pid], ph()] += dur($0)
		delete pend[pid]
	}
	!tclone && /clone3?\(.*CLONE_NEWPID/ && match($0, /= [0-9]+ </) {
		tclone = t; child = substr($0, RSTART + 2, RLENGTH - 4) + 0
	}
	tclone && !texec && pid == child && /execve\(/ { texec = t }
	tclone && !texit && pid == child && /\+\+\+ (exited|killed)/ { texit = t }
	pid == main && /\+\+\+ exited/ { tend = t }
	END {
		if (!tclone || !texec || !texit || !tend) { print "incomplete"; exit 1 }
		printf "%.3f %.3f %.3f %.3f %.3f", (tclone - t0) * 1000, (texec - tclone) * 1000,
			(texit - texec) * 1000, (tend - texit) * 1000, (tend - t0) * 1000
		for (p = 1; p <= 4; p += (p == 1 ? 1 : 2))
			printf " %.3f %.3f", nl["rt", p], nl["nf", p]
		printf " %.3f %s %.3f\n", slow, what, dellink
	}' "$1"
}
# Phase 2 (clone to execve) and 3 (execve to exit) are reported apart;
# netlink time is summed for 1, 2 and 4 (the container itself sends none
# after its execve).
trace_run() # NET OUT
{
	strace --seccomp-bpf -f -ttt -T -yy -s 64 -e trace=%network,%process,flock -o "$2.st" \
		"$DORY" run --rm --network "$1" --rootfs "$R" true >/dev/null 2>&1 </dev/null
	trace_phases "$2.st" >>"$2"
}
: >"$TMP/tr-none"; : >"$TMP/tr-bridge"
for ((i = 0; i < TRACES; i++)); do
	trace_run none "$TMP/tr-none"
	trace_run bridge "$TMP/tr-bridge"
done
# And what a bridge run does more, in system calls (strace -c, one run each).
calls() # NET: "COUNT NAME" per system call of one run
{
	strace -f -c -o "$TMP/c-$1" "$DORY" run --rm --network "$1" --rootfs "$R" true >/dev/null 2>&1 </dev/null
	awk '$1 ~ /^[0-9.]+$/ && $NF != "total" { print $4, $NF }' "$TMP/c-$1"
}
calls none >"$TMP/calls-none"
calls bridge >"$TMP/calls-bridge"
CALLS_MORE=$(awk 'NR == FNR { n[$2] = $1; next } { d = $1 - n[$2]; t += d; if (d > 0) print d, $2 }
	END { print t, "all" }' "$TMP/calls-none" "$TMP/calls-bridge" | sort -rn | head -n 9 |
	awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $1 }')
# The kernel's part, without dory: `ip link del` of a veth's end right
# after the namespace holding its peer lost its last process (as a
# container's does when it exits) waits for the kernel's teardown of that
# namespace, which holds the rtnl lock; the pair goes with it anyway.
SLEEP=$(readlink -f "$(command -v sleep)")
ran_sleep() { [ "$(readlink "/proc/$1/exe")" = "$SLEEP" ]; }
: >"$TMP/kdel"
for i in 1 2 3 4 5; do
	nsenter --net="/run/netns/$VA" unshare -n sleep 60 & s=$!
	PIDS="$PIDS $s"
	t_poll 5 ran_sleep "$s"
	ip -n "$VA" link add "kd$i" type veth peer name eth0 netns "$s"
	kill -KILL "$s"; wait "$s" 2>/dev/null || true
	t0=$(date +%s%N); ip -n "$VA" link del "kd$i" 2>/dev/null || true; t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000)) >>"$TMP/kdel"
done
col() { awk -v c="$2" '{ print $c }' "$1" | median_plain; }	# FILE N: median of field N

# ---- 2. and 3. throughput ----
bps() # iperf3 -J on stdin: received Gbit/s
{
	$PY -c 'import json, sys; print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))'
}
ctr_pid() { d inspect -f '{{.State.Pid}}' "$1"; }
listening() # NETNS-PATH PORT
{
	nsenter --net="$1" ss -Hltn "sport = :$2" | grep -q .
}
d network create "$T-net" >/dev/null
d run -d --name "$T-srv" --network "$T-net" -p 15201:5201 --rootfs "$R" iperf3 -s >/dev/null
SRV_PID=$(ctr_pid "$T-srv")
SRV_IP=$(d inspect -f '{{json .NetworkSettings.Networks}}' "$T-srv" |
	sed -n 's/.*"IPAddress":"\([0-9.]*\)".*/\1/p')
# The same server behind the userland proxy (chosen per container, at its
# start, from the config file); port 7000 for the idle connections below.
PROXY_CONF=$TMP/proxy.json
printf '{"cgroup-parent": "/%s", "userland-proxy": true}\n' "$T" >"$PROXY_CONF"
DORY_CONFIG=$PROXY_CONF d run -d --name "$T-psrv" --network "$T-net" -p 15202:5201 -p 15203:7000 \
	--rootfs "$R" iperf3 -s >/dev/null
PSRV_PID=$(ctr_pid "$T-psrv")
PSRV_IP=$(d inspect -f '{{json .NetworkSettings.Networks}}' "$T-psrv" |
	sed -n 's/.*"IPAddress":"\([0-9.]*\)".*/\1/p')
t_poll 5 listening "/proc/$SRV_PID/ns/net" 5201
t_poll 5 listening "/proc/$PSRV_PID/ns/net" 5201

veth_once() # the bare pair: a one-off server in VA, the client in VB
{
	local s
	nsenter --net="/run/netns/$VA" iperf3 -s -1 -B 192.168.79.1 >/dev/null 2>&1 & s=$!
	PIDS="$PIDS $s"
	t_poll 5 listening "/run/netns/$VA" 5201
	nsenter --net="/run/netns/$VB" iperf3 -c 192.168.79.1 -t "$SECS" -J | bps
	wait "$s" || true
}
: >"$TMP/tp-veth"; : >"$TMP/tp-c2c"; : >"$TMP/tp-dnat"; : >"$TMP/tp-proxy"
for ((i = 0; i < ROUNDS; i++)); do
	veth_once >>"$TMP/tp-veth"
	d run --rm --network "$T-net" --rootfs "$R" iperf3 -c "$SRV_IP" -t "$SECS" -J | bps >>"$TMP/tp-c2c"
	in_lan iperf3 -c 192.168.77.1 -p 15201 -t "$SECS" -J | bps >>"$TMP/tp-dnat"
	in_lan iperf3 -c 192.168.77.1 -p 15202 -t "$SECS" -J | bps >>"$TMP/tp-proxy"
done
tp_veth=$(median_plain <"$TMP/tp-veth")
tp_c2c=$(median_plain <"$TMP/tp-c2c")
tp_dnat=$(median_plain <"$TMP/tp-dnat")
tp_proxy=$(median_plain <"$TMP/tp-proxy")

# ---- 3. the proxy's memory per idle connection ----
# The proxy: the child named dory-proxy of the container's supervisor.
PSRV_ID=$(d inspect -f '{{.Id}}' "$T-psrv")
SUP=$(sed -n 's/.*"SupervisorPid":\([0-9]*\).*/\1/p' "$DORY_STATE/containers/$PSRV_ID/run.json")
PROXY=""
for p in $(ps -o pid= --ppid "$SUP"); do
	[ "$(cat "/proc/$p/comm" 2>/dev/null)" = dory-proxy ] && PROXY=$p
done
[ -n "$PROXY" ] || { echo "bench/net.sh: no dory-proxy child of supervisor $SUP" >&2; exit 1; }
# In the container's namespace, a listener on 7000 that accepts and keeps
# every connection; in the LAN, a client opening them and keeping them open.
# The client reads the counts to reach on stdin, and says each one reached.
mkfifo "$TMP/hold.in"
ACCEPT='import resource, socket, sys
resource.setrlimit(resource.RLIMIT_NOFILE, (19000, 19000))
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 7000)); s.listen(4096); keep = []
print("up", flush=True)
while True:
    keep.append(s.accept()[0])'
HOLD='import resource, socket, sys
resource.setrlimit(resource.RLIMIT_NOFILE, (19000, 19000))
keep = []
for line in sys.stdin:
    n = int(line)
    while len(keep) < n:
        c = socket.create_connection(("192.168.77.1", 15203)); keep.append(c)
    print(len(keep), flush=True)'
nsenter --net="/proc/$PSRV_PID/ns/net" $PY -c "$ACCEPT" >"$TMP/acc.out" 2>&1 & PIDS="$PIDS $!"
t_poll 5 listening "/proc/$PSRV_PID/ns/net" 7000
# (Their PIDs are nsenter's, which become python's.) Closing fd 7 ends the client.
nsenter --net="/run/netns/$LAN" $PY -c "$HOLD" <"$TMP/hold.in" >"$TMP/hold.out" 2>&1 &
PIDS="$PIDS $!"
exec 7>"$TMP/hold.in"
proxy_fds() { ls "/proc/$PROXY/fd" | wc -l; }
proxy_has() { [ "$(proxy_fds)" -ge "$1" ]; }
rss_kb() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$PROXY/status"; }
pipes() { ls -l "/proc/$PROXY/fd" | grep -c 'pipe:' || true; }
BASE_FDS=$(proxy_fds)
: >"$TMP/mem"
for n in $CONNS; do
	echo "$n" >&7
	t_poll 20 grep -qx "$n" "$TMP/hold.out"
	# Each connection: its client socket and the one to the container.
	t_poll 20 proxy_has $((BASE_FDS + 2 * n))
	sleep 0.5
	echo "$n $(rss_kb) $(proxy_fds) $(pipes)" >>"$TMP/mem"
done
exec 7>&-

# ---- 4. podman, the peer ----
PODMAN_NOTE=""
if ! command -v podman >/dev/null; then
	PODMAN_NOTE="podman is not installed (Debian: podman netavark; make host-packages)"
elif ! [ -x /usr/lib/podman/netavark ]; then
	PODMAN_NOTE="podman has no netavark here (Debian: netavark)"
else
	# Only files of ours: its store, run and network directories under $TMP.
	PB=$TMP/podman
	mkdir -p "$PB"
	printf '[storage]\ndriver = "vfs"\ngraphroot = "%s"\nrunroot = "%s"\n' "$PB/root" "$PB/run" \
		>"$PB/storage.conf"
	printf '[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "none"\ntmp_dir = "%s"\n[network]\nnetwork_backend = "netavark"\nnetwork_config_dir = "%s"\n' \
		"$PB/tmp" "$PB/net" >"$PB/containers.conf"
	: >"$PB/registries.conf"
	export CONTAINERS_STORAGE_CONF=$PB/storage.conf CONTAINERS_CONF=$PB/containers.conf
	export CONTAINERS_REGISTRIES_CONF=$PB/registries.conf
	# crun (podman's runtime) refuses hybrid cgroups: as bench/start.sh, in
	# a mount namespace where the v2 'unified' mount is hidden; there too a
	# tmpfs on /run takes what podman keeps there whatever its config says
	# (netavark's /run/containers/networks/ipam.db, the containers' netns
	# files), and it all goes with that namespace. Root here lacks
	# CAP_SYS_RESOURCE: podman's default rlimits (above the hard ones) are
	# refused by crun, hence --ulimit.
	PODMAN_RUN="podman run --rm --cgroup-parent /$T-podman --ulimit nofile=$(ulimit -Hn):$(ulimit -Hn)"
	PODMAN_RUN="$PODMAN_RUN --ulimit nproc=4096:4096"
	cat >"$PB/measure.sh" <<-EOF
	set -u
	if [ -d /sys/fs/cgroup/unified ] && mountpoint -q /sys/fs/cgroup/unified; then
		umount /sys/fs/cgroup/unified || exit 1
	fi
	mount -t tmpfs -o mode=0755 dory-bench /run || exit 1
	w() { local t0 t1; t0=\$(date +%s%N); "\$@" >/dev/null 2>"$PB/err" </dev/null || return 1
		t1=\$(date +%s%N); echo \$(((t1 - t0) / 1000)); }
	for i in 1 2; do
		w $PODMAN_RUN --network none --rootfs $R true >/dev/null || exit 1
		w $PODMAN_RUN --rootfs $R true >/dev/null || exit 1
	done
	for ((i = 0; i < $PRUNS; i++)); do
		w $PODMAN_RUN --network none --rootfs $R true >>"$PB/p-none" || exit 1
		w $PODMAN_RUN --rootfs $R true >>"$PB/p-bridge" || exit 1
	done
	EOF
	if nsenter --net="/run/netns/$DEV" unshare -m --propagation private bash "$PB/measure.sh"; then
		PODMAN_OK=1
		pn_ms=$(median "$PB/p-none")
		pb_ms=$(median "$PB/p-bridge")
	else
		PODMAN_NOTE="podman run failed here: $(tail -n 1 "$PB/err" 2>/dev/null)"
	fi
fi

# ---- the report ----
echo "dory networking, $(nproc) CPUs, load average before: $LOAD"
echo "1. start-to-exit of dory run --rm --rootfs R true, median of $RUNS interleaved runs"
printf '  %-40s %9s ms\n' "--network none" "$none_ms" "default bridge (veth, lease, nft)" "$bridge_ms"
echo "  ratio bridge/none  $(ratio "$bridge_ms" "$none_ms")   (aim <= 1.5)"
echo "  where it goes: median of $TRACES runs each under strace --seccomp-bpf (slower than untraced)"
printf '  %-34s %9s %9s %11s %10s\n' "phase, ms" none bridge "rtnetlink" "nf_tables"
printf '  %-34s %9s %9s %11s %10s\n' \
	"before the clone (lease, bridge)" "$(col "$TMP/tr-none" 1)" "$(col "$TMP/tr-bridge" 1)" \
	"$(col "$TMP/tr-bridge" 6)" "$(col "$TMP/tr-bridge" 7)" \
	"clone to execve (veth, ports)" "$(col "$TMP/tr-none" 2)" "$(col "$TMP/tr-bridge" 2)" \
	"$(col "$TMP/tr-bridge" 8)" "$(col "$TMP/tr-bridge" 9)" \
	"the container runs" "$(col "$TMP/tr-none" 3)" "$(col "$TMP/tr-bridge" 3)" "" "" \
	"after its exit (veth, lease gone)" "$(col "$TMP/tr-none" 4)" "$(col "$TMP/tr-bridge" 4)" \
	"$(col "$TMP/tr-bridge" 10)" "$(col "$TMP/tr-bridge" 11)" \
	"total" "$(col "$TMP/tr-none" 5)" "$(col "$TMP/tr-bridge" 5)" "" ""
echo "  slowest netlink call of a bridge run: $(col "$TMP/tr-bridge" 12) ms (median), a $(awk '{ print $13 }' "$TMP/tr-bridge" | sort | uniq -c | sort -rn | awk 'NR == 1 { print $2 }')"
awk '$14 > 0 { n++; v[n] = $14 } END { printf "  RTM_DELLINK of the host veth after the exit: in %d of %d traced runs", n, NR
	if (n) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { x = v[i]; v[i] = v[j]; v[j] = x }
		printf ", %.2f to %.2f ms", v[1], v[n] }
	print "" }' "$TMP/tr-bridge"
echo "  ip link del of a veth end right after its peer's namespace died (no dory): $(median "$TMP/kdel") ms, median of 5"
echo "  system calls a bridge run makes more than a none one: $CALLS_MORE"
echo "2. TCP throughput, iperf3 -t $SECS, median of $ROUNDS rounds, Gbit/s"
span() { sort -n "$1" | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "(%s to %s)", lo, hi }'; }
printf '  %-44s %7s %s\n' "bare veth pair, namespace to namespace" "$tp_veth" "$(span "$TMP/tp-veth")" \
	"container to container, one network" "$tp_c2c" "$(span "$TMP/tp-c2c")" \
	"LAN to a published port (nf_tables DNAT)" "$tp_dnat" "$(span "$TMP/tp-dnat")"
echo "  ratio c2c/veth   $(ratio "$tp_c2c" "$tp_veth")"
echo "  ratio DNAT/veth  $(ratio "$tp_dnat" "$tp_veth")   (aim >= 0.9)"
echo "3. userland proxy (\"userland-proxy\": true)"
printf '  %-44s %7s %s\n' "LAN to a published port through the proxy" "$tp_proxy" "$(span "$TMP/tp-proxy")"
echo "  ratio proxy/veth $(ratio "$tp_proxy" "$tp_veth")   proxy/DNAT $(ratio "$tp_proxy" "$tp_dnat")"
echo "  the proxy (PID $PROXY) with idle connections through it:"
printf '  %12s %10s %8s %9s %14s\n' connections "VmRSS kB" fds "pipe fds" "kB/connection"
awk 'NR == 1 { r0 = $2 } { printf "  %12d %10d %8d %9d %14s\n", $1, $2, $3, $4,
	$1 ? sprintf("%.2f", ($2 - r0) / $1) : "-" }' "$TMP/mem"
echo "  (each connection also holds two kernel sockets; idle ones hold no pipe)"
echo "4. podman $(podman --version 2>/dev/null | awk '{ print $3 }') run --rm --rootfs R true, the peer, median of $PRUNS interleaved runs"
if [ -n "$PODMAN_OK" ]; then
	printf '  %-40s %9s ms\n' "--network none" "$pn_ms" "default network (netavark bridge)" "$pb_ms"
	echo "  ratio podman bridge/none  $(ratio "$pb_ms" "$pn_ms")"
	echo "  ratio dory bridge / podman bridge  $(ratio "$bridge_ms" "$pb_ms")"
	echo "  (crun under podman, in a mount namespace hiding the v2 'unified' mount; vfs store)"
else
	echo "  not measured: $PODMAN_NOTE"
fi
