#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# checks.sh - dory on a booted kernel: limits, lifecycle, pause, device
# rules, user namespaces, both storage drivers, and nothing left behind.
# busybox ash, with tests/lib.sh beside it; one TAP line per check, "ok -
# GROUP: NAME". The init of a qemu board (board/qemu/init) runs it as root,
# from whichever cgroup its variant chose, on a cgroup v2 only kernel; the
# checks say what Docker does there, not where dory puts its cgroups: a
# container's cgroup is found from its init's /proc/PID/cgroup.
# Environment: DORY, IMAGE (a docker archive of a busybox image, default
# /board/image.tar, named board:latest), VARIANT (shown only).
. "${LIB:-$(dirname "$0")/lib.sh}"
unset DORY_CONFIG	# what a device gets: dory's defaults, not the host tests' parent
IMAGE=${IMAGE:-/board/image.tar}
IMG=board:latest
CG=$(t_cg_mount "")
# Every dory command of the checks has a time limit, so that a hang is a
# failed check, not a stalled boot.
d() { timeout 60 "$DORY" "$@"; }

# What exists before the first container: cgroups (but an init system's
# own, which come and go: systemd's units), mounts, and (none) processes in
# another pid namespace or of dory.
cg_dirs() { find "$CG" -type d | grep -Ev '\.(service|scope|slice|mount|socket|swap)$' | sort; }
mounts() { cut -d' ' -f5 /proc/self/mountinfo | sort; }
strays()
{
	local p me
	me=$(readlink /proc/self/ns/pid)
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/ns/pid" 2>/dev/null)" = "$me" ] &&
			[ "$(readlink "$p/exe" 2>/dev/null)" != "$DORY" ] && continue
		[ -e "$p/exe" ] && echo "${p#/proc/} $(tr '\0' ' ' <"$p/cmdline")"
	done
	return 0	# a process gone meanwhile is no stray
}
CG_BEFORE=$(cg_dirs)
MNT_BEFORE=$(mounts)

# cgdir NAME: the cgroup directory of a running container's init.
cgdir()
{
	local pid
	pid=$(d inspect -f '{{.State.Pid}}' "$1") && [ "$pid" -gt 0 ] &&
		echo "$CG$(sed -n 's/^0:://p' "/proc/$pid/cgroup")"
}
status() { d inspect -f '{{.State.Status}}' "$1"; }
is_status() { [ "$(status "$1")" = "$2" ]; }	# NAME STATUS

# group NAME: the checks that follow are NAME's; the time the last group
# took goes out as a TAP comment.
uptime_s() { cut -d' ' -f1 /proc/uptime; }
G0=
group()
{
	local t
	t=$(uptime_s)
	[ -z "$G0" ] || echo "# time: $CASE $(awk -v a="$G0" -v b="$t" 'BEGIN { printf "%.1f", b - a }') s"
	CASE=$1 G0=$t
}

group image
t_out "dory load -i of a busybox image" "Loaded image: $IMG" d load -i "$IMAGE"
t_out "run prints" hello d run --rm "$IMG" echo hello
t_fail 3 "" "run gives the container's exit status" d run --rm "$IMG" sh -c 'exit 3'
t_out "the container is PID 1 in its own namespaces" "1 $T" \
	d run --rm -h "$T" "$IMG" sh -c 'echo $$ $(hostname)'

group limits
# limit NAME FLAGS FILE WANT: a container run with FLAGS has WANT in FILE
# of its cgroup.
limit()
{
	local n=$T$1 flags=$2 file=$3 want=$4 dir got
	# shellcheck disable=SC2086
	t_run d run -d --name "$n" $flags "$IMG" sleep 1000
	if [ "$RC" != 0 ]; then
		t_report 1 "$flags: run -d" "exit $RC; stderr: $(cat "$ERR")"
		d rm -f "$n" >/dev/null 2>&1
		return
	fi
	dir=$(cgdir "$n")
	got=$(cat "$dir/$file" 2>&1)
	[ "$got" = "$want" ]
	t_report $? "$flags: $file is $want" "got [$got] in $dir"
	d rm -f "$n" >/dev/null 2>&1
}
limit mem "-m 32m" memory.max 33554432
limit pids "--pids-limit 10" pids.max 10
limit cpus "--cpus 0.5" cpu.max "50000 100000"
limit shares "--cpu-shares 512" cpu.weight 20
limit cpuset "--cpuset-cpus 1" cpuset.cpus.effective 1
t_out "--cpuset-cpus 1: the container runs on CPU 1 alone" 1 \
	d run --rm --cpuset-cpus 1 "$IMG" sh -c 'grep Cpus_allowed_list /proc/self/status | cut -f2'
# A 64 MiB buffer filled in a 32 MiB group: the OOM killer, exit 137.
t_run d run --name "${T}oom" -m 32m "$IMG" dd if=/dev/zero of=/dev/null bs=64M count=1
t_report $((RC != 137)) "-m 32m: a 64 MiB allocation is OOM-killed (137)" "exit $RC; stderr: $(cat "$ERR")"
t_out "... and inspect says OOMKilled" true d inspect -f '{{.State.OOMKilled}}' "${T}oom"
d rm -f "${T}oom" >/dev/null 2>&1
# The shell and 3 sleeps fill 4 pids; the 4th sleep cannot fork.
t_run d run --rm --pids-limit 4 "$IMG" sh -c 'for i in 1 2 3 4 5 6; do sleep 2 & done; wait; echo all'
[ "$RC" != 0 ] && grep -q "fork" "$ERR" && ! grep -q all "$OUT"
t_report $? "--pids-limit 4: the 5th process cannot fork" "exit $RC; stdout: $(cat "$OUT"); stderr: $(cat "$ERR")"

group lifecycle
L=${T}life
t_match "run -d prints the id" '^[0-9a-f]{64}$' d run -d --name "$L" "$IMG" sleep 1000
t_match "ps lists it up" "^$L Up" d ps --format '{{.Names}} {{.Status}}'
pid1=$(d inspect -f '{{.State.Pid}}' "$L")
t_ok "stop -t 1" d stop -t 1 "$L"
t_check "... its init is gone" t_gone "$pid1"
t_match "... ps -a: Exited (137), sleep ignores SIGTERM as PID 1" "^$L Exited \(137\)" \
	d ps -a --format '{{.Names}} {{.Status}}'
t_ok "start" d start "$L"
t_out "... running" running status "$L"
pid2=$(d inspect -f '{{.State.Pid}}' "$L")
t_ok "restart -t 1" d restart -t 1 "$L"
restarted() { [ "$(d inspect -f '{{.State.Status}} {{.State.Pid}}' "$L")" != "running $pid2" ] &&
	is_status "$L" running; }
t_check "... running with a new init" restarted
t_ok "rm -f of a running one" d rm -f "$L"
gone() { ! d inspect "$1" >/dev/null 2>&1; }
t_check "... is gone" gone "$L"
# Restart policies: always brings back an init killed from outside;
# on-failure:2 gives up after two restarts.
# (The waits only when the container runs: a failed run is one failure.)
t_ok "run -d --restart always" d run -d --name "${T}always" --restart always "$IMG" sleep 1000
if [ "$RC" = 0 ]; then
	pid=$(d inspect -f '{{.State.Pid}}' "${T}always")
	[ "${pid:-0}" -gt 0 ] && kill -KILL "$pid"	# never 0: that is this process group
	new_init() { p=$(d inspect -f '{{.State.Status}} {{.State.Pid}}' "${T}always") &&
		[ "${p%% *}" = running ] && [ "${p#* }" != "$pid" ] && [ "${p#* }" != 0 ]; }
	t_check "... restarted after its init was killed" t_poll 15 new_init
	t_out "... RestartCount 1" 1 d inspect -f '{{.RestartCount}}' "${T}always"
fi
d rm -f "${T}always" >/dev/null 2>&1
t_ok "run -d --restart on-failure:2" \
	d run -d --name "${T}onfail" --restart on-failure:2 "$IMG" sh -c 'sleep 0.3; exit 3'
gave_up() { [ "$(d inspect -f '{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}' "${T}onfail")" = "exited 2 3" ]; }
[ "$RC" != 0 ] || t_check "... exited 3 after 2 restarts" t_poll 20 gave_up
d rm -f "${T}onfail" >/dev/null 2>&1

group pause
P=${T}pause
d run -d --name "$P" "$IMG" sh -c 'while :; do date +%s >/tmp/tick; sleep 0.2; done' >/dev/null 2>&1
dir=$(cgdir "$P")
t_ok "pause" d pause "$P"
t_out "... status paused" paused status "$P"
t_check "... the cgroup is frozen (cgroup.freeze, cgroup.events)" \
	grep -qx "frozen 1" "$dir/cgroup.events"
t_ok "unpause" d unpause "$P"
t_out "... status running" running status "$P"
t_check "... the cgroup is thawed" grep -qx "frozen 0" "$dir/cgroup.events"
d rm -f "$P" >/dev/null 2>&1

group devices
# A block device of the host's, with something to read on it.
dd if=/dev/zero of=/tmp/disk bs=1k count=64 2>/dev/null
printf DORYBLOCKSECRET | dd of=/tmp/disk conv=notrunc 2>/dev/null
if losetup /dev/loop0 /tmp/disk 2>"$ERR"; then
	mm=$(cat /sys/block/loop0/dev)
	maj=${mm%:*} min=${mm#*:}
	t_fail 1 "Operation not permitted" "default: mknod of the host's loop0, then reading it, is refused" \
		d run --rm "$IMG" sh -c "mknod /tmp/b b $maj $min && head -c15 /tmp/b"
	t_out "--privileged: reads it" DORYBLOCKSECRET \
		d run --rm --privileged "$IMG" sh -c "mknod /tmp/b b $maj $min && head -c15 /tmp/b"
	t_out "--device /dev/loop0: reads it" DORYBLOCKSECRET \
		d run --rm --device /dev/loop0 "$IMG" head -c15 /dev/loop0
	t_fail 1 "Operation not permitted" "... but no other block device" \
		d run --rm --device /dev/loop0 "$IMG" sh -c "mknod /tmp/b b $maj $((min + 1)) && head -c1 /tmp/b"
	losetup -d /dev/loop0
else
	t_report 1 "losetup /dev/loop0" "$(cat "$ERR")"
fi
rm -f /tmp/disk

group storage
# fs_of PATH: the type of the filesystem PATH is on (its longest mount).
fs_of()
{
	awk -v p="$1/" '{
		for (i = 7; $i != "-"; i++)
			;
		m = $5 == "/" ? "/" : $5 "/"
		if (index(p, m) == 1 && length(m) >= best) { best = length(m); t = $(i + 1) }
	} END { print t }' /proc/self/mountinfo
}
for drv in overlay bind-copy; do
	t_out "$drv: a container writes its root" x \
		d run --name "$T$drv" --storage-driver "$drv" "$IMG" sh -c 'echo x >/f && cat /f'
	t_ok "... start again keeps what it wrote" d start -a "$T$drv"
	t_ok "... another one does not see it" d run --rm --storage-driver "$drv" "$IMG" test ! -e /f
	want=overlay
	[ "$drv" = overlay ] || want=$(fs_of "$DORY_ROOT")
	t_out "... its root is $want" "$want" d run --rm --storage-driver "$drv" "$IMG" \
		awk '$5 == "/" { for (i = 7; $i != "-"; i++) ; print $(i + 1) }' /proc/self/mountinfo
	d rm -f "$T$drv" >/dev/null 2>&1
done

group userns
# Idmapped layers need Linux 6.8 and a store whose filesystem takes them
# (README, "userns-remap"); dory check probes both. Where it finds none,
# dory's fallback must be what runs: a shifted copy, bound from the store,
# even when the config asks for idmapped layers.
root_fs()	# the filesystem of the container's / (the top of its stack)
{
	d run --rm "$IMG" awk '$5 == "/" { for (i = 7; $i != "-"; i++) ; t = $(i + 1) } END { print t }' /proc/self/mountinfo
}
idmap_state=$(d check 2>/dev/null | awk '$1 == "idmap" { print $2 }')
if ! awk -v r="$(uname -r)" 'BEGIN { split(r, v, /[.-]/); exit !(v[1] > 6 || v[1] == 6 && v[2] >= 8) }'; then
	t_out "Linux $(uname -r) (< 6.8): dory check finds no idmapped layers" limited echo "$idmap_state"
fi
for idmap in true false; do
	how="idmapped layers"
	want=overlay
	if [ $idmap = false ]; then
		how="a shifted copy"
	elif [ "$idmap_state" != ok ]; then
		how="idmap asked, none on Linux $(uname -r) with the store on $(fs_of "$DORY_ROOT"): a shifted copy"
	fi
	[ "$how" = "idmapped layers" ] || want=$(fs_of "$DORY_ROOT")
	printf '{"userns-remap": "100000:65536", "userns-idmap": %s}\n' $idmap >"$TMP/userns-$idmap.json"
	export DORY_CONFIG=$TMP/userns-$idmap.json
	t_out "userns-remap ($how): root inside is 100000 outside" "0 100000 65536" \
		d run --rm "$IMG" sh -c 'read a b c </proc/self/uid_map; echo $a $b $c'
	t_out "... files of the image are root's inside" "0 0" d run --rm "$IMG" stat -c '%u %g' /bin/busybox
	t_out "... the root is writable" x d run --rm "$IMG" sh -c 'echo x >/f && cat /f'
	t_out "... its root is $want" "$want" root_fs
	if d run -d --name "${T}u$idmap" "$IMG" sleep 1000 >/dev/null 2>"$ERR"; then
		pid=$(d inspect -f '{{.State.Pid}}' "${T}u$idmap")
		t_out "... the host sees uid 100000" 100000 awk '/^Uid:/ { print $2 }' "/proc/$pid/status"
	else
		t_report 1 "... run -d" "$(cat "$ERR")"
	fi
	d rm -f "${T}u$idmap" >/dev/null 2>&1
	unset DORY_CONFIG
done

group leftovers
for c in $(d ps -aq 2>/dev/null); do d rm -f "$c" >/dev/null 2>&1; done
t_out "no container is left" "" d ps -aq
# dory's own parent (and its supervisors' leaf) may stay, as Docker's
# does; nothing named after a container, and no process, may.
cg_left()
{
	local dir
	cg_dirs | while read -r dir; do
		printf '%s\n' "$CG_BEFORE" | grep -qxF -- "$dir" && continue
		if echo "${dir##*/}" | grep -Eq '^[0-9a-f]{12,64}$' || [ -s "$dir/cgroup.procs" ]; then
			echo "$dir"
		fi
	done
}
t_out "no container's cgroup is left, and no process in a new one" "" cg_left
t_out "no mount is left" "$MNT_BEFORE" mounts
# A child that deletes a stopped container's host veth may still be at it.
no_strays() { [ -z "$(strays)" ]; }
t_poll 3 no_strays
t_out "no process is left (dory's, or in a container's pid namespace)" "" strays
group end
exit 0
