# SPDX-License-Identifier: Apache-2.0
# update.sh - update and rename: new limits reach a running container's
# cgroup and its config (inspect, the next start), a new restart policy
# reaches its supervisor, and a renamed container is known by its new name
# only. Bad input: one line, non-zero exit, nothing changed.
. "$(dirname "$0")/../lib.sh"

R=$TMP/rootfs
t_rootfs "$R"
d() { "$DORY" "$@"; }
ins() { d inspect -f "$2" "$1" 2>&1; }
pid() { d inspect -f '{{.State.Pid}}' "$1"; }
is() { [ "$(d inspect -f "$2" "$1" 2>/dev/null)" = "$3" ]; }

d run -d --rootfs "$R" --name "$T-u" -m 64m --pids-limit 50 sleep 1000 >/dev/null
P=$(pid "$T-u")

# memory: lowered, then raised past memory+swap (v1 wants memsw first)
t_out "update -m prints the container" "$T-u" d update -m 32m "$T-u"
t_cglimit "update -m 32m is in the cgroup" "$P" memory memory.limit_in_bytes 33554432 \
	memory.max 33554432
t_out "update -m 256m (above the old memory+swap)" "$T-u" d update -m 256m "$T-u"
t_cglimit "... is in the cgroup too" "$P" memory memory.limit_in_bytes 268435456 \
	memory.max 268435456
t_out "inspect shows the new memory" 268435456 ins "$T-u" '{{.HostConfig.Memory}}'
t_out "update --pids-limit" "$T-u" d update --pids-limit 20 "$T-u"
t_cglimit "pids.max follows" "$P" pids pids.max 20 pids.max 20
t_out "update --pids-limit -1: none" "$T-u" d update --pids-limit -1 "$T-u"
t_cglimit "pids.max is max" "$P" pids pids.max max pids.max max
t_out "update --cpus --cpu-shares" "$T-u" d update --cpus 0.5 --cpu-shares 512 "$T-u"
t_cglimit "the CPU quota follows" "$P" cpu "cpu.cfs_quota_us cpu.cfs_period_us" \
	"50000 100000" cpu.max "50000 100000"

# bad input: one line, exit non-zero, nothing changed
t_fail 1 "minimum memory limit allowed is 6MB" "update -m 1k is refused" d update -m 1k "$T-u"
t_fail 1 'invalid --memory "lots"' "update -m lots is refused" d update -m lots "$T-u"
t_fail 1 "invalid restart policy" "update --restart sometimes is refused" \
	d update --restart sometimes "$T-u"
t_fail 1 "no such container: $T-nope" "update of an unknown container" d update -m 64m "$T-nope"
t_fail 125 "one or more flags" "update without a flag" d update "$T-u"
t_cglimit "... the memory limit is as it was" "$P" memory memory.limit_in_bytes 268435456 \
	memory.max 268435456
t_out "... and its record too" "268435456 no" ins "$T-u" \
	'{{.HostConfig.Memory}} {{.HostConfig.RestartPolicy.Name}}'

# restart policy: recorded, and its supervisor acts on it
t_out "update --restart always" "$T-u" d update --restart always "$T-u"
t_out "inspect shows it" always ins "$T-u" '{{.HostConfig.RestartPolicy.Name}}'
kill -KILL "$P"
t_check "the supervisor restarts it (it read the new policy)" \
	t_poll 10 is "$T-u" '{{.RestartCount}} {{.State.Status}}' "1 running"
P2=$(pid "$T-u")
t_cglimit "the restarted one keeps the updated limit" "$P2" memory memory.limit_in_bytes \
	268435456 memory.max 268435456
t_out "update --restart no" "$T-u" d update --restart no "$T-u"
kill -KILL "$P2"
t_check "... then it is not restarted" t_poll 10 is "$T-u" '{{.State.Status}}' exited

# a stopped container: the record only, used at its next start
t_out "update of a stopped one" "$T-u" d update -m 48m "$T-u"
t_ok "start it" d start "$T-u"
t_cglimit "it starts with the new limit" "$(pid "$T-u")" memory memory.limit_in_bytes \
	50331648 memory.max 50331648
t_fail 1 "AutoRemove" "no restart policy for a --rm container" \
	sh -c "\"$DORY\" run -d --rm --rootfs '$R' --name $T-rm sleep 100 >/dev/null &&
		\"$DORY\" update --restart always $T-rm"

# rename
t_ok "rename a running container" d rename "$T-u" "$T-v"
t_out "inspect .Name is the new one" "/$T-v" ins "$T-v" '{{.Name}}'
t_fail 1 "no such container: $T-u" "the old name is gone" d update -m 64m "$T-u"
t_match "ps shows the new name" " $T-v\$" d ps
d run -d --rootfs "$R" --name "$T-w" sleep 1000 >/dev/null
t_fail 1 "Conflict. The container name \"/$T-w\" is already in use" "rename to a taken name" \
	d rename "$T-v" "$T-w"
t_fail 1 "Invalid container name (_bad)" "rename to a bad name" d rename "$T-v" _bad
t_fail 1 "same name as its current name" "rename to its own name" d rename "$T-v" "$T-v"
t_fail 1 "Neither old nor new names may be empty" "rename to nothing" d rename "$T-v" ""
t_fail 125 "give a container and its new name" "rename with one operand" d rename "$T-v"
t_out "... the names are as they were" "/$T-v /$T-w" \
	sh -c "\"$DORY\" inspect -f '{{.Name}}' $T-v $T-w | tr '\n' ' ' | sed 's/ \$//'"
t_ok "stop it" d stop -t 1 "$T-v"
t_ok "rename a stopped one" d rename "$T-v" "$T-x"
t_ok "start it by the new name" d start "$T-x"
t_out "it runs" "running" ins "$T-x" '{{.State.Status}}'
