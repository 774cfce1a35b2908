# SPDX-License-Identifier: Apache-2.0
# lifecycle.sh - detached containers without a daemon: run -d, create and
# start, names and id prefixes, stop (and its timeout), kill, restart, rm,
# wait, pause, restart policies, log rotation, a supervisor killed with
# SIGKILL, and start --all after the state directory is wiped (a reboot).
. "$(dirname "$0")/../lib.sh"

R=$TMP/rootfs
t_rootfs "$R"
d() { "$DORY" "$@"; }
st() { d inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$1" 2>&1; }
is() { [ "$(d inspect -f "$2" "$1" 2>/dev/null)" = "$3" ]; }	# CONTAINER TEMPLATE WANT
t_until() { t_poll 10 is "$@"; }	# ... within 10 s
cg_left() { t_cg_dirs "$1"; }
cg_empty() { [ -z "$(cat "$(cg_left "$1" | head -n 1)/cgroup.procs" 2>/dev/null)" ]; }
LOOP='trap "echo bye; exit 0" TERM; while :; do sleep 0.1; done'

# run -d: the id, then it runs in the background
t_match "run -d prints the full id" '^[0-9a-f]{64}$' d run -d --rootfs "$R" --name "$T-a" \
	sh -c "echo hello; echo oops >&2; $LOOP"
A=$(cat "$OUT")
t_out "it runs" "running 0" st "$T-a"
t_match "ps shows it up, with its name" "^${A:0:12} .*Up .* $T-a\$" d ps
t_fail 125 "template parsing error: can't evaluate field Nope at offset 2" \
	"ps --format: a field that is not there is an error, as Docker's" d ps --format '{{.Nope}}'
t_fail 125 "can't evaluate field Nope at offset 13" "... in a table too" \
	d ps --format 'table {{.Names}}\t{{.Nope}}'
t_out "... by an id prefix too" "running 0" st "${A:0:8}"
t_check "logs has its stdout" t_until "$T-a" '{{.State.Running}}' true
t_out "logs: stdout" hello sh -c "\"$DORY\" logs $T-a 2>/dev/null"
t_out "logs: stderr apart" oops sh -c "\"$DORY\" logs $T-a 2>&1 >/dev/null"
t_match "logs -t: RFC 3339 times" '^20[0-9-]+T[0-9:.]+Z hello$' d logs -t "$T-a"
t_match "top lists its processes" 'sh -c echo hello' d top "$T-a"
t_fail 125 "already in use" "a name in use is refused" d run -d --rootfs "$R" --name "$T-a" true
t_fail 1 "no such container: $T-nope" "an unknown name: exit 1, as Docker" d stop "$T-nope"

# pause, unpause
t_out "pause" "$T-a" d pause "$T-a"
t_match "ps: (Paused)" "Up .* \\(Paused\\) +$T-a\$" d ps
t_out "inspect: paused" "paused 0" st "$T-a"
t_out "unpause" "$T-a" d unpause "$T-a"
t_out "running again" "running 0" st "$T-a"
# rm -f of a paused one: the SIGKILL acts on the thaw, and the group may be
# gone before the thaw reads freezer.state back; that is no error. Often.
for i in 1 2 3 4 5 6; do
	d run -d --rootfs "$R" --name "$T-p$i" sleep 300 >/dev/null && d pause "$T-p$i" >/dev/null
done
t_check "rm -f of six paused containers" d rm -f "$T-p1" "$T-p2" "$T-p3" "$T-p4" "$T-p5" "$T-p6"

# stop: the trap runs, exit 0; rm
t_out "stop" "$T-a" d stop "$T-a"
t_out "stopped by its TERM trap: exit 0" "exited 0" st "$T-a"
t_match "ps -a: Exited (0)" "Exited \\(0\\) .* $T-a\$" d ps -a
t_check "ps without -a leaves it out" sh -c "! \"$DORY\" ps | grep -q $T-a"
t_check "its cgroup is gone" test -z "$(cg_left "$A")"
t_out "wait on a stopped one prints its code" 0 d wait "$T-a"
t_ok "start it again" d start "$T-a"
t_out "... and it runs" "running 0" st "$T-a"
t_fail 1 "stop it first, or use rm -f" "rm refuses a running one" d rm "$T-a"
t_out "rm -f kills and removes it" "$T-a" d rm -f "$T-a"
t_check "nothing of it is left" test -z "$(cg_left "$A")$(ls "$DORY_ROOT/containers" | grep "$A")"

# stop: SIGTERM ignored (PID 1 has no handler), SIGKILL after -t
d run -d --rootfs "$R" --name "$T-b" sleep 1000 >/dev/null
t0=$(date +%s%N)
t_out "stop -t 1 a container that ignores SIGTERM" "$T-b" d stop -t 1 "$T-b"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
t_check "... killed after the timeout ($ms ms)" test "$ms" -ge 900 -a "$ms" -lt 5000
t_out "... exit 137" "exited 137" st "$T-b"
t_ok "start, kill -s TERM is ignored by it" sh -c "\"$DORY\" start $T-b >/dev/null && \"$DORY\" kill -s TERM $T-b"
t_out "... still running" "running 0" st "$T-b"
t_out "kill (SIGKILL)" "$T-b" d kill "$T-b"
t_check "... exits 137" t_until "$T-b" '{{.State.Status}} {{.State.ExitCode}}' "exited 137"
t_fail 1 "is not running" "kill a stopped one" d kill "$T-b"

# --stop-signal: what stop sends instead of SIGTERM
d run -d --rootfs "$R" --name "$T-g" --stop-signal USR1 sh -c \
	'trap "exit 0" USR1; trap "" TERM; while :; do sleep 0.1; done' >/dev/null
t_out "stop sends --stop-signal (USR1)" "$T-g" d stop -t 5 "$T-g"
t_out "... which its trap took: exit 0, not 137" "exited 0" st "$T-g"

# create, start, wait, restart
t_match "create" '^[0-9a-f]{64}$' d create --rootfs "$R" --name "$T-c" sh -c 'exit 7'
t_out "created" "created 0" st "$T-c"
t_match "ps -a: Created" "Created +$T-c\$" d ps -a
t_out "start" "$T-c" d start "$T-c"
t_out "wait prints its exit code" 7 d wait "$T-c"
t_fail 7 "" "start -a: attached, its exit status" d start -a "$T-c"
d run -d --rootfs "$R" --name "$T-r" sh -c 'echo $$ started; sleep 1000' >/dev/null
t_out "restart" "$T-r" d restart -t 1 "$T-r"
t_check "... ran twice" t_until "$T-r" '{{.State.Running}}' true
t_check "... both runs in its log" sh -c "[ \$(\"$DORY\" logs $T-r | grep -c started) = 2 ]"

# restart policies
d run -d --rootfs "$R" --name "$T-f" --restart on-failure:3 sh -c 'echo try; exit 2' >/dev/null
t_check "on-failure:3 gives up" t_until "$T-f" '{{.State.Status}}' exited
t_out "... after exactly 3 restarts" 3 d inspect -f '{{.RestartCount}}' "$T-f"
t_out "... 4 runs in all" 4 sh -c "\"$DORY\" logs $T-f | grep -c try"
d run -d --rootfs "$R" --name "$T-w" --restart always sh -c 'echo run; sleep 0.2' >/dev/null
restarted() { [ "$(d inspect -f '{{.RestartCount}}' "$1")" -ge 2 ]; }
t_check "always: it restarts" t_poll 10 restarted "$T-w"
sleep 0.3
t_ok "stop ends it for good" d stop -t 1 "$T-w"
n=$(d inspect -f '{{.RestartCount}}' "$T-w"); sleep 0.8
t_out "... no restart after stop" "exited $n" d inspect -f '{{.State.Status}} {{.RestartCount}}' "$T-w"
t_fail 125 "conflicting options" "--restart with --rm" d run --rm --restart always --rootfs "$R" true
t_fail 125 "invalid restart policy" "a bad policy" d run --restart sometimes --rootfs "$R" true

# logs rotate at the size
d run -d --rootfs "$R" --name "$T-l" --log-opt max-size=2k --log-opt max-file=3 sh -c \
	'i=0; while [ $i -lt 400 ]; do echo line $i; i=$((i+1)); done' >/dev/null
t_check "a chatty container" t_until "$T-l" '{{.State.Status}}' exited
L=$(d inspect -f '{{.Id}}' "$T-l")
t_check "rotated: ctr.log, .1, .2 and no .3" test -e "$DORY_ROOT/containers/$L/ctr.log.2" \
	-a ! -e "$DORY_ROOT/containers/$L/ctr.log.3"
t_check "each at most 2k" sh -c "[ \$(cat $DORY_ROOT/containers/$L/ctr.log* | wc -c) -le $((3 * 2048)) ]"
t_out "the newest lines are kept" "line 399" sh -c "\"$DORY\" logs --tail 1 $T-l"

# the supervisor killed with SIGKILL: the container goes with it
d run -d --rootfs "$R" --name "$T-k" sleep 1000 >/dev/null
K=$(d inspect -f '{{.Id}}' "$T-k")
sup=$(sed -n 's/.*"SupervisorPid":\([0-9]*\).*/\1/p' "$DORY_STATE/containers/$K/run.json")
kill -KILL "$sup"
t_check "ps after the supervisor's SIGKILL: Exited (137)" t_until "$T-k" \
	'{{.State.Status}} {{.State.ExitCode}}' "exited 137"
t_match "ps -a agrees" "Exited \\(137\\) .* $T-k\$" d ps -a
t_check "... and its cgroup was removed" test -z "$(cg_left "$K")"

# start --all after a reboot: the state directory (tmpfs) is wiped
d run -d --rootfs "$R" --name "$T-u1" --restart unless-stopped sleep 1000 >/dev/null
d run -d --rootfs "$R" --name "$T-u2" --restart unless-stopped sleep 1000 >/dev/null
d run -d --rootfs "$R" --name "$T-n" sleep 1000 >/dev/null
d stop -t 0 "$T-u2" >/dev/null
ids=""
for j in "$DORY_STATE"/containers/*/run.json; do	# the power goes: every one dies
	kill -KILL "$(sed -n 's/.*"SupervisorPid":\([0-9]*\).*/\1/p' "$j")"
	i=${j%/run.json}; ids="$ids ${i##*/}"
done
for i in $ids; do	# ... and the reboot empties the cgroups and the state (tmpfs)
	t_poll 5 cg_empty "$i"
	cg_left "$i" | xargs -r rmdir
done
rm -rf "$DORY_STATE"
t_out "after the reboot: exited 255" "exited 255" st "$T-u1"
t_match "start --all" "$T-u1" d start --all
t_out "... starts unless-stopped" "running 0" st "$T-u1"
t_out "... not one stopped by hand" "exited 137" st "$T-u2"
t_out "... nor one without a policy" "exited 255" st "$T-n"
t_out "... nor on-failure with its retries used up" "exited 3" \
	d inspect -f '{{.State.Status}} {{.RestartCount}}' "$T-f"
t_match "... but always, even stopped by hand (Docker's rule)" "^(running|restarting)$" \
	d inspect -f '{{.State.Status}}' "$T-w"

# Two CLIs at once on one container: the lock keeps one supervisor
d run -d --rootfs "$R" --name "$T-p" sleep 1000 >/dev/null
P=$(d inspect -f '{{.Id}}' "$T-p")
pids=""
for i in 1 2 3 4 5; do
	"$DORY" stop -t 0 "$T-p" >/dev/null 2>&1 & pids="$pids $!"
	"$DORY" start "$T-p" >/dev/null 2>&1 & pids="$pids $!"
done
for p in $pids; do t_wait "$p" 20; done
"$DORY" start "$T-p" >/dev/null 2>&1
sups() # the supervisors of $P (the glob is expanded before any grep starts)
{
	local f n=0
	for f in /proc/[0-9]*/cmdline; do
		tr '\0' ' ' <"$f" 2>/dev/null | grep -q "^dory .*_supervise $P " && n=$((n + 1))
	done
	echo $n
}
t_out "concurrent start and stop: one supervisor left" 1 sups
t_out "... and the record agrees with it" "running true" \
	sh -c "\"$DORY\" inspect -f '{{.State.Status}} {{.State.Running}}' $T-p"
t_check "... its pid is the container's" sh -c \
	"grep -q sleep /proc/\$(\"$DORY\" inspect -f '{{.State.Pid}}' $T-p)/cmdline"

# An OOM kill, as inspect shows it
d run -d --rootfs "$R" --name "$T-m" -m 32m sh -c 'x=$(head -c 200000000 /dev/zero | tr "\0" a)' \
	>/dev/null
t_check "a detached memory hog is OOM-killed" t_until "$T-m" '{{.State.Status}}' exited
t_out "... inspect: 137, OOMKilled true" "137 true" \
	d inspect -f '{{.State.ExitCode}} {{.State.OOMKilled}}' "$T-m"

# run -d: a command that cannot start
t_fail 127 'executable file not found' "run -d of a missing command: 127" d run -d \
	--rootfs "$R" --name "$T-x" nope
t_out "... left exited 127" "exited 127" st "$T-x"
t_match "... with the error in .State.Error" 'exec: "nope": executable file not found' \
	d inspect -f '{{.State.Error}}' "$T-x"
# A start that fails is not retried whatever the policy (Docker's restart
# manager acts on exits); one that never ran is exited (Docker: created).
t_fail 127 'executable file not found' "on-failure, a missing command: 127" d run -d \
	--rootfs "$R" --name "$T-xf" --restart on-failure nope
sleep 0.5
t_out "... exited 127, not restarted" "exited 127 0" \
	d inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}}' "$T-xf"
# One that ran and then cannot start again: exited, with the start's code.
printf '#!/bin/sh\nrm -f "$0"\nexit 3\n' >"$R/bin/$T-once"
chmod 755 "$R/bin/$T-once"
d run -d --rootfs "$R" --name "$T-y" --restart always "/bin/$T-once" >/dev/null
t_check "always, a restart that cannot start: it stops" t_until "$T-y" '{{.State.Status}}' exited
t_out "... exited 127 after one restart" "exited 127 1" \
	d inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}}' "$T-y"
t_match "... the error in .State.Error" "exec: \"/bin/$T-once\": No such file" \
	d inspect -f '{{.State.Error}}' "$T-y"
t_match "... ps -a: Exited (127)" "Exited \\(127\\) .* $T-y\$" d ps -a
# A start that fails before the runtime (its seccomp profile is gone).
printf '{"defaultAction":"SCMP_ACT_ALLOW"}' >"$TMP/allow.json"
d create --rootfs "$R" --name "$T-s" --security-opt seccomp="$TMP/allow.json" true >/dev/null
rm -f "$DORY_ROOT/containers/$(d inspect -f '{{.Id}}' "$T-s")"/seccomp.*
t_fail 1 "seccomp.json: No such file" "start without its seccomp profile fails" d start "$T-s"
t_match "... recorded: exited 125, and why" "^exited 125 .*seccomp.json: No such file" \
	d inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.State.Error}}' "$T-s"
d rm -f "$T-xf" "$T-y" "$T-s" >/dev/null	# not for start --all below
t_ok "run -d --rm: removed once it exits" d run -d --rm --rootfs "$R" --name "$T-z" true
gone() { ! d inspect "$1" >/dev/null 2>&1; }
t_check "... gone" t_poll 5 gone "$T-z"

# board/busybox/S60dory: stop at shutdown, start at boot
S60=$(dirname "$0")/../../board/busybox/S60dory
d run -d --rootfs "$R" --name "$T-i" --restart unless-stopped sleep 1000 >/dev/null
t_match "init script: stop" 'OK$' env DORY="$DORY" "$S60" stop
t_out "... it stopped" exited d inspect -f '{{.State.Status}}' "$T-i"
t_match "init script: start brings it back" "$T-i.* OK\$" env DORY="$DORY" "$S60" start
t_out "... it runs" running d inspect -f '{{.State.Status}}' "$T-i"
