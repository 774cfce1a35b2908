#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bench/footprint.sh - what a detached container costs: memory of N sleeping
# busybox containers and `run -d` latency, for dory (one supervisor per
# container: dory itself re-executed), crun alone (no supervisor at all) and
# conmon + crun (podman's per-container supervisor). Prints medians and ratios.
# Also `dory cp` of a tree out of a running container against tar piped to tar.
#   bench/footprint.sh [N] [RUNS]   (as root; DORY= picks the binary,
#   ENGINES="dory crun conmon" a subset; N=50 containers, RUNS=20 runs;
#   HN=5 containers with a health check every second, and 5 without, each
#   detached and attached;
#   PARTS="lat mem health cp" a subset; CP_MB=100 the tree's size, CP_RUNS=5)
# Memory is Pss from /proc/PID/smaps_rollup (shared pages split among their
# users) summed over supervisors and container processes, plus the memory
# charged to each container's own memory cgroup (v1 usage_in_bytes, or v2
# memory.current). Each engine's containers run alone, one engine at a time.
set -eu -o pipefail
cd "$(dirname "$0")/.."
DORY=${DORY:-$PWD/build/dory}
N=${1:-50}
RUNS=${2:-20}
[ "$(id -u)" = 0 ] || { echo "bench/footprint.sh: run as root" >&2; exit 1; }
[ -x "$DORY" ] || { echo "bench/footprint.sh: no $DORY: run make first" >&2; exit 1; }
for t in busybox crun unshare nsenter python3 sha256sum tar; do
	command -v $t >/dev/null ||
		{ echo "bench/footprint.sh: $t is missing (make check installs it)" >&2; exit 1; }
done
# conmon is the optional peer: installed here if apt-get can, else skipped.
CONMON=$(command -v conmon || true)
if [ -z "$CONMON" ] && command -v apt-get >/dev/null; then
	echo "bench/footprint.sh: installing conmon (Debian package) for the peer rows" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq conmon >/dev/null 2>&1 || true
	CONMON=$(command -v conmon || true)
fi

B=$(mktemp -d "/tmp/${USER:-$(id -un)}-fp$$.XXXXXX")
P=fp$$-			# every container name starts with this
NS=""			# pid of the mount namespace crun and conmon run in
export DORY_ROOT=$B/root DORY_STATE=$B/state DORY_CONFIG=$B/dory.json
# dory's containers go below a cgroup parent of the bench's own, never the
# host's shared /dory, and cleanup removes it with its supervisor leaf.
printf '{"cgroup-parent": "/%sdory", "default-network": "none"}\n' "$P" >"$B/dory.json"

# ---- cleanup: by name for dory and crun, by PID for conmon ----
cleanup()
{
	local id p m
	trap - EXIT INT TERM
	for id in $("$B/dory" ps -aq -f "name=^$P" 2>/dev/null); do "$B/dory" rm -f "$id" >/dev/null 2>&1 || true; done
	for id in $(incrun crun --root "$B/crun" list -q 2>/dev/null); do
		incrun crun --root "$B/crun" delete -f "$id" >/dev/null 2>&1 || true
	done
	for p in "$B"/mb/*/conmon.pid "$B"/sup.pids; do
		[ -f "$p" ] && for id in $(cat "$p"); do	# only if it is still ours
			tr '\0' ' ' 2>/dev/null <"/proc/$id/cmdline" | grep -qF "$B/" && kill "$id"
		done
	done
	[ -n "$NS" ] && kill "$NS" 2>/dev/null
	for m in /sys/fs/cgroup/*/"$P"* /sys/fs/cgroup/"$P"*; do
		[ -d "$m" ] && rmdir "$m/supervisor" "$m" 2>/dev/null
	done
	awk -v d="$B/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null || true; done
	rm -rf "$B"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# crun 1.8.1 refuses hybrid cgroups (v1 controllers plus a v2 hierarchy at
# /sys/fs/cgroup/unified): crun and conmon run in a mount namespace, held
# by a sleeping process, where that v2 mount is hidden (as in start.sh).
incrun() { if [ -n "$NS" ]; then nsenter -t "$NS" -m -- "$@"; else "$@"; fi; }
CRUN_NOTE=""
if [ -d /sys/fs/cgroup/unified ] && mountpoint -q /sys/fs/cgroup/unified; then
	unshare -m --propagation private sh -c \
		'umount /sys/fs/cgroup/unified && exec sleep 100000' </dev/null >/dev/null 2>&1 &
	NS=$!
	for _ in $(seq 100); do
		[ "$(readlink /proc/$NS/ns/mnt)" != "$(readlink /proc/self/ns/mnt)" ] &&
			! incrun mountpoint -q /sys/fs/cgroup/unified && break
		sleep 0.01
	done
	CRUN_NOTE=" crun and conmon ran in a mount ns hiding cgroup2 'unified' (crun 1.8.1 refuses hybrid cgroups)."
fi

# ---- the image, the bundles ----
# A busybox root filesystem and image (tests/bbimage.sh, as make demo's),
# loaded into dory as a Docker archive; every crun bundle shares the
# root filesystem read-only.
. tests/bbimage.sh
bb_image "$B" "${P}busybox:latest" '["sh"]'
R=$B/rootfs
mkdir -p "$B/crun"
mv "$B/image.tar" "$B/busybox.tar"
# A copy of the binary: a rebuild of $DORY during the run does not touch
# it, and other dory processes on the host do not share (and so dilute)
# its pages.
cp "$DORY" "$B/dory"
"$B/dory" load -i "$B/busybox.tar" >/dev/null
IMG=${P}busybox

# bundle DIR NAME: an OCI bundle from `crun spec`, not a terminal, running
# `sleep 100000` on the shared read-only rootfs, in a cgroup of its own and
# in the namespaces dory uses (pid, mount, uts, ipc, net, cgroup).
(cd "$B" && crun spec) && mv "$B/config.json" "$B/spec.json"
bundle()
{
	mkdir -p "$1"
	python3 - "$B/spec.json" "$1/config.json" "$R" "$2" <<-'PY'
	import json, sys
	src, dst, root, name = sys.argv[1:]
	c = json.load(open(src))
	c["process"]["terminal"] = False
	c["process"]["args"] = ["sleep", "100000"]
	c["root"] = {"path": root, "readonly": True}
	c["hostname"] = name
	c["linux"]["cgroupsPath"] = "/" + name
	if not any(n["type"] == "cgroup" for n in c["linux"]["namespaces"]):
	    c["linux"]["namespaces"].append({"type": "cgroup"})
	json.dump(c, open(dst, "w"), indent=1)
	PY
}

# ---- starting and stopping one container, for each engine ----
# start_ENGINE NAME: starts it detached and returns once the engine says it
# runs (the CLI returned; for conmon, its sync pipe gave the pid and
# `crun start` returned). stop_ENGINE NAME removes it. pid_ENGINE NAME
# prints the container's init pid.
start_dory() { "$B/dory" run -d --network none --name "$1" "$IMG" sleep 100000 >/dev/null; }
stop_dory() { "$B/dory" rm -f "$1" >/dev/null; }
pid_dory() { "$B/dory" inspect -f '{{.State.Pid}}' "$1"; }

start_crun() { crun --root "$B/crun" run -d -b "$B/cb/$1" "$1" </dev/null >/dev/null 2>&1; }
stop_crun() { incrun crun --root "$B/crun" delete -f "$1" >/dev/null; }
pid_crun() { incrun crun --root "$B/crun" state "$1" | awk -F'[:,]' '/"pid"/ { print $2 + 0 }'; }

# As podman runs it (libpod/oci_conmon_linux.go): conmon double-forks, runs
# `crun create`, reports the container pid on the sync pipe, and waits for
# the container; the caller then runs `crun start`. Logs go to a k8s-file.
start_conmon()
{
	local d=$B/mb/$1 line
	mkfifo "$d/sync"
	exec 9<>"$d/sync"
	_OCI_SYNCPIPE=9 conmon --api-version 1 -c "$1" -u "$1" -n "$1" -r "$(command -v crun)" \
		--runtime-arg --root --runtime-arg "$B/crun" -b "$d" -p "$d/pidfile" \
		-P "$d/conmon.pid" --exit-dir "$B/exits" -l "k8s-file:$d/ctr.log" \
		--socket-dir-path "$B/sock" --log-level error </dev/null >/dev/null 2>&1 || return 1
	read -r -t 10 -u 9 line || { exec 9>&-; return 1; }
	exec 9>&-
	case $line in *'"data": -'* | *'"data":-'*) return 1 ;; esac
	crun --root "$B/crun" start "$1"
}
stop_conmon()
{
	incrun crun --root "$B/crun" delete -f "$1" >/dev/null
	kill "$(cat "$B/mb/$1/conmon.pid")" 2>/dev/null || true
}
pid_conmon() { cat "$B/mb/$1/pidfile"; }

# up PID: a process of PID's tree runs busybox and sleeps (is not a zombie).
up()
{
	local p
	[ -n "$1" ] || return 1
	for p in $(tree "$1"); do
		[ "$(awk '{ print $3 }' "/proc/$p/stat" 2>/dev/null)" = S ] &&
			case $(readlink "/proc/$p/exe") in */busybox) return 0 ;; esac
	done
	return 1
}

# timed ENGINE NAME: start_ENGINE NAME; prints how long it took in us.
# in_ns ENGINE CMD...: CMD, in crun's mount namespace unless ENGINE is dory.
timed()
{
	local t0 t1
	t0=${EPOCHREALTIME//[.,]/}
	"start_$1" "$2" || return 1
	t1=${EPOCHREALTIME//[.,]/}
	echo $((t1 - t0))
}
in_ns()
{
	local e=$1; shift
	if [ "$e" = dory ]; then "$@"; else incrun bash -c '"$@"' _ "$@"; fi
}
# prep ENGINE NAME: what a container NAME needs before its start (a bundle).
prep()
{
	case $1 in
	crun) bundle "$B/cb/$2" "$2" ;;
	conmon) bundle "$B/mb/$2" "$2" ;;
	esac
}

# ---- run -d latency ----
# lat ENGINE...: RUNS rounds (after 2 warm-up rounds), each starting one
# container per ENGINE in turn (so that drifting load on the host hits all
# alike), timing it, checking it is up and removing it (not timed). Prints
# "ENGINE median min max" in ms per ENGINE.
lat()
{
	local e i n t
	for ((i = 0; i < RUNS + 2; i++)); do
		for e; do
			n=${P}l$e$i
			prep "$e" "$n"
			t=$(in_ns "$e" timed "$e" "$n") ||
				{ echo "bench/footprint.sh: $e: start of $n failed" >&2; return 1; }
			up "$("pid_$e" "$n")" ||
				{ echo "bench/footprint.sh: $e: $n is not running" >&2; return 1; }
			"stop_$e" "$n"
			((i < 2)) || echo "$e $t"
		done
	done >"$B/times"
	for e; do
		awk -v e="$e" '$1 == e { print $2 }' "$B/times" | sort -n | awk -v e="$e" '
			{ v[NR] = $1 } END {
			m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%s %.2f %.1f %.1f\n", e, m / 1000, v[1] / 1000, v[NR] / 1000 }'
	done
}

# ---- memory of N containers ----
# tree PID: PID and all its descendants.
tree()
{
	local c
	echo "$1"
	for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do tree "$c"; done
}
# rss_pss PID...: "RSS PSS" in KiB of each PID, one line each.
rss_pss()
{
	local p
	for p; do
		awk '/^Rss:/ { r = $2 } /^Pss:/ { p = $2 } END { print r + 0, p + 0 }' \
			"/proc/$p/smaps_rollup" 2>/dev/null || echo "0 0"
	done
}
# cg_kib PID: KiB charged to PID's memory cgroup, if it is not ours.
cg_kib()
{
	local c f
	c=$(awk -F: '$2 == "memory" || ($1 == 0 && $2 == "") { print $3; exit }' "/proc/$1/cgroup")
	[ "$c" = "$(awk -F: '$2 == "memory" || ($1 == 0 && $2 == "") { print $3; exit }' /proc/self/cgroup)" ] &&
		{ echo -; return; }
	for f in "/sys/fs/cgroup/memory$c/memory.usage_in_bytes" "/sys/fs/cgroup$c/memory.current"; do
		[ -r "$f" ] && { echo $(($(cat "$f") / 1024)); return; }
	done
	echo -
}

# mem ENGINE: starts N containers, measures, removes them. Prints one line:
# ENGINE supervisor-rss-median supervisor-pss-median supervisors-pss-sum
# containers-pss-sum containers-rss-sum cgroup-sum(or -)
mem()
{
	local e=$1 i n pid sup cg c sp
	: >"$B/sup.pids"; : >"$B/ctr.pids"; : >"$B/cg"
	for ((i = 0; i < N; i++)); do
		n=${P}m$e$i
		prep "$e" "$n"
		in_ns "$e" "start_$e" "$n" >/dev/null ||
			{ echo "bench/footprint.sh: $e: start of $n failed" >&2; return 1; }
	done
	sleep 2	# let every process finish starting and settle
	for ((i = 0; i < N; i++)); do
		n=${P}m$e$i
		pid=$("pid_$e" "$n")
		up "$pid" || { echo "bench/footprint.sh: $e: $n is not running" >&2; return 1; }
		tree "$pid" >>"$B/ctr.pids"
		cg_kib "$pid" >>"$B/cg"
		case $e in
		dory)
			sup=$(awk '{ print $4 }' "/proc/$pid/stat")
			tr '\0' ' ' <"/proc/$sup/cmdline" | grep -q _supervise ||
				{ echo "bench/footprint.sh: the parent of $n's pid $pid is not a supervisor" >&2; return 1; }
			echo "$sup" >>"$B/sup.pids" ;;
		conmon) cat "$B/mb/$n/conmon.pid" >>"$B/sup.pids"; echo >>"$B/sup.pids" ;;
		esac
	done
	sp=$(rss_pss $(cat "$B/sup.pids") | sort -n -k2 | awk '
		{ r[NR] = $1; p[NR] = $2; s += $2 }
		END { if (!NR) print "- - 0"; else { m = int((NR + 1) / 2); print r[m], p[m], s } }')
	# medians: of Rss sorted by Pss (close enough: they rise together)
	c=$(rss_pss $(cat "$B/ctr.pids") | awk '{ r += $1; p += $2 } END { print p + 0, r + 0 }')
	cg=$(awk '$1 == "-" { na = 1 } { s += $1 } END { print na ? "-" : s }' "$B/cg")
	for ((i = 0; i < N; i++)); do "stop_$e" "${P}m$e$i"; done
	echo "$e $sp $c $cg"
}

# ---- the supervisor with a health check ----
# health: HN dory containers with a check every second and HN without,
# side by side, detached (run -d) and attached (run in the background of
# this shell: the dory process itself supervises); after 3 s (checks under
# way), each supervisor's Rss and Pss sampled 10 times, 0.5 s apart. Prints
# "KIND rss-med rss-max pss-med pss-max checks" per kind (checks: results
# in the log of the first one).
medmax() # FIELD KIND: median and max of FIELD over $B/hsup's KIND lines
{
	awk -v f="$1" -v k="$2" '$1 == k { print $f }' "$B/hsup" | sort -n |
		awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)], v[NR] }'
}
health()
{
	local i k n pid args fg=""
	: >"$B/hsup"
	for ((i = 0; i < HN; i++)); do
		for k in none check fgnone fgcheck; do
			args=()
			[ "${k#fg}" = check ] && args=(--health-cmd true --health-interval 1s)
			if [ "${k#fg}" != "$k" ]; then
				"$B/dory" run --network none --name "${P}h$k$i" "${args[@]}" "$IMG" \
					sleep 100000 </dev/null >/dev/null 2>&1 &
				fg="$fg $!"
			else
				"$B/dory" run -d --network none --name "${P}h$k$i" "${args[@]}" "$IMG" \
					sleep 100000 >/dev/null ||
					{ echo "bench/footprint.sh: start of ${P}h$k$i failed" >&2; return 1; }
			fi
		done
	done
	sleep 3
	for ((n = 0; n < 10; n++)); do
		for ((i = 0; i < HN; i++)); do
			for k in none check fgnone fgcheck; do
				pid=$("$B/dory" inspect -f '{{.State.Pid}}' "${P}h$k$i")
				echo "$k $(rss_pss "$(awk '{ print $4 }' "/proc/$pid/stat")")" >>"$B/hsup"
			done
		done
		sleep 0.5
	done
	for k in none check fgnone fgcheck; do
		n="- -"
		[ "${k#fg}" = check ] &&
			n=$("$B/dory" inspect -f '{{len .State.Health.Log}} {{.State.Health.Status}}' "${P}h${k}0")
		echo "$k $(medmax 2 "$k") $(medmax 3 "$k") $n"
	done
	for ((i = 0; i < HN; i++)); do
		for k in none check fgnone fgcheck; do "$B/dory" rm -f "${P}h$k$i" >/dev/null; done
	done
	wait $fg || true	# the attached ones: the rm stopped them (137)
}

# ---- measure ----
PEERS=""
for e in ${ENGINES:-dory crun conmon}; do
	[ "$e" = conmon ] && [ -z "$CONMON" ] && continue
	PEERS="$PEERS $e"
done
mkdir -p "$B/cb" "$B/mb" "$B/exits" "$B/sock"
export -f start_crun start_conmon timed
export B
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
PARTS=${PARTS:-lat mem health cp}
case " $PARTS " in *" lat "*) lat $PEERS >"$B/lat" ;; esac
case " $PARTS " in *" mem "*) for e in $PEERS; do mem "$e" >>"$B/mem"; done ;; esac
HN=${HN:-5}
case " $PARTS " in *" health "*)
	case " $PEERS " in *" dory "*) health >"$B/health" ;; esac ;;
esac

# ---- cp out of a container, against tar | tar ----
# A tree of CP_MB MiB in many files (64 KiB each, 100 to a directory) is
# copied into a running container (not timed); then, CP_RUNS times taking
# turns, `dory cp CTR:/data DIR` and `tar -C /proc/PID/root/data -c . |
# tar -x -C DIR` read it back from the same overlay, page cache warm for both.
# Prints "median min max" in ms for each.
cpbench()
{
	local n=${P}cp pid i t0 t1 f
	mkdir -p "$B/cptree"
	for ((i = 0; i < ${CP_MB:-100} * 16; i++)); do
		f=$B/cptree/d$((i / 100))
		[ -d "$f" ] || mkdir "$f"
		head -c 65536 /dev/urandom >"$f/f$i"
	done
	start_dory "$n"
	"$B/dory" cp "$B/cptree" "$n:/data"
	pid=$(pid_dory "$n")
	for ((i = 0; i < ${CP_RUNS:-5}; i++)); do
		rm -rf "$B/cpout"
		t0=${EPOCHREALTIME//[.,]/}
		"$B/dory" cp "$n:/data" "$B/cpout"
		t1=${EPOCHREALTIME//[.,]/}
		echo "cp $((t1 - t0))"
		rm -rf "$B/cpout" && mkdir "$B/cpout"
		t0=${EPOCHREALTIME//[.,]/}
		tar -C "/proc/$pid/root/data" -c . | tar -x -C "$B/cpout"
		t1=${EPOCHREALTIME//[.,]/}
		echo "tar $((t1 - t0))"
	done >"$B/cptimes"
	[ "$(find "$B/cpout" -type f | wc -l)" = "$(find "$B/cptree" -type f | wc -l)" ] ||
		{ echo "bench/footprint.sh: cp: the copies are not whole" >&2; return 1; }
	stop_dory "$n"
	for t in cp tar; do
		awk -v e="$t" '$1 == e { print $2 }' "$B/cptimes" | sort -n | awk -v e="$t" '
			{ v[NR] = $1 } END {
			m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%s %.1f %.1f %.1f\n", e, m / 1000, v[1] / 1000, v[NR] / 1000 }'
	done
}
case " $PARTS " in *" cp "*) cpbench >"$B/cp" ;; esac

# ---- the tables ----
# Every row named; an engine that was not measured prints why.
why() { [ "$1" = conmon ] && [ -z "$CONMON" ] && echo "skipped: conmon is not installed (Debian: conmon)" || echo "skipped: not in ENGINES"; }
if [ -s "$B/lat" ]; then
	echo "run -d to running (busybox sleep 100000; until the CLI returns, then the process"
	echo "is checked), median (min-max) of $RUNS, engines taking turns"
	for e in dory crun conmon; do
		case $e in
		dory) l="dory run -d IMAGE" ;;
		crun) l="crun run -d BUNDLE (no supervisor)" ;;
		conmon) l="conmon + crun create, crun start (podman's way)" ;;
		esac
		t=$(awk -v e=$e '$1 == e { printf "%8s ms  (%s-%s)", $2, $3, $4 }' "$B/lat" 2>/dev/null)
		if [ -n "$t" ]; then printf '  %-48s %s\n' "$l" "$t"
		else printf '  %-48s %s\n' "$l" "$(why $e)"; fi
	done
	awk '{ t[$1] = $2 } END {
		if (!("dory" in t)) exit
		if ("crun" in t) printf "  ratio dory/crun %.2f", t["dory"] / t["crun"]
		if ("conmon" in t) printf "   ratio dory/conmon %.2f", t["dory"] / t["conmon"]
		print "" }' "$B/lat"
fi
if [ -s "$B/mem" ]; then
	echo "memory of $N sleeping containers, KiB (Pss: shared pages split among users)"
	printf '  %-7s %22s %9s %11s %9s %9s\n' engine "supervisor Rss/Pss med" "sups Pss" \
		"ctrs Pss" "per ctr" "cgroups"
	for e in dory crun conmon; do
		if grep -q "^$e " "$B/mem" 2>/dev/null; then
			awk -v e=$e -v n="$N" '$1 == e { printf "  %-7s %22s %9s %11s %9.0f %9s\n", e,
				($2 == "-") ? "(none)" : $2 " / " $3, $4, $5, ($4 + $5) / n, $7 }' "$B/mem"
		else printf '  %-7s %s\n' "$e" "$(why $e)"; fi
	done
	awk '{ sr[$1] = $2; sp[$1] = $3; all[$1] = $4 + $5 } END {
		if (!("dory" in sp)) exit
		if ("conmon" in sp)
			printf "  supervisor: dory Pss %d vs conmon %d KiB, ratio %.2f (Rss %d vs %d, ratio %.2f)\n",
				sp["dory"], sp["conmon"], sp["dory"] / sp["conmon"], sr["dory"], sr["conmon"],
				sr["dory"] / sr["conmon"]
		printf "  all Pss (supervisors + containers):"
		if ("crun" in all) printf " ratio dory/crun %.2f", all["dory"] / all["crun"]
		if ("conmon" in all) printf "   ratio dory/conmon %.2f", all["dory"] / all["conmon"]
		print "" }' "$B/mem"
	echo "  per ctr: (sups Pss + ctrs Pss) / $N. cgroups: sum charged to the containers' own"
	echo "  memory cgroups (- if none; kernel memory included, supervisors not: they stay in"
	echo "  the caller's cgroup for all three)."
fi
if [ -s "$B/health" ]; then
	echo "dory's supervisor with a health check every second (--health-cmd true), KiB:"
	echo "  $HN containers of each kind side by side; each supervisor (attached: the"
	echo "  foreground dory) sampled 10 times over 5 s, median and max (the check's"
	echo "  short-lived prober not counted)"
	printf '  %-30s %15s %15s\n' "" "Rss med / max" "Pss med / max"
	awk '{ l["none"] = "run -d, no check"; l["check"] = "run -d, check every 1s"
		l["fgnone"] = "attached run, no check"; l["fgcheck"] = "attached run, check every 1s"
		printf "  %-30s %15s %15s\n", l[$1], $2 " / " $3, $4 " / " $5 }' "$B/health"
	awk '{ p[$1] = $4; log_[$1] = $6 " results, " $7 } END {
		if (p["none"]) printf "  Pss ratio with/without: run -d %.2f (log: %s)\n",
			p["check"] / p["none"], log_["check"]
		if (p["fgnone"]) printf "  Pss ratio with/without: attached %.2f (log: %s)\n",
			p["fgcheck"] / p["fgnone"], log_["fgcheck"] }' "$B/health"
fi
[ -z "$CRUN_NOTE" ] || echo " $CRUN_NOTE"
if [ -s "$B/cp" ]; then
	echo "cp of a ${CP_MB:-100} MiB tree ($((${CP_MB:-100} * 16)) files of 64 KiB) out of a running container,"
	echo "median (min-max) of ${CP_RUNS:-5}, taking turns"
	awk '{ t[$1] = $2; printf "  %-48s %8s ms  (%s-%s)\n",
		($1 == "cp") ? "dory cp CTR:/data DIR" : "tar -C /proc/PID/root/data -c . | tar -x",
		$2, $3, $4 } END { printf "  ratio dory cp/tar %.2f\n", t["cp"] / t["tar"] }' "$B/cp"
fi
echo "  load average at the start: $LOAD (on $(nproc) CPUs)"
