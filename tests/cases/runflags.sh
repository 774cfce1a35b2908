# SPDX-License-Identifier: Apache-2.0
# runflags.sh - run's process settings: --ulimit, --sysctl, --shm-size,
# --group-add, --oom-score-adj, --pid host|container:, --cgroup-parent; the container's
# own cgroup at /sys/fs/cgroup, read-only; inspect's HostConfig for them;
# bad input (one line, 125, nothing made).
. "$(dirname "$0")/../lib.sh"

R=$TMP/rootfs
t_rootfs "$R"
before=$(t_leftovers)
run() { "$DORY" run --rm --rootfs "$R" "$@"; }
hard=$(ulimit -Hn)

# --ulimit: soft and hard, -1 unlimited, the last of a name wins
t_out "--ulimit nofile=SOFT:HARD" "1024 2048" run --ulimit nofile=1024:2048 \
	sh -c 'echo $(ulimit -n) $(ulimit -Hn)'
t_out "--ulimit core=-1 is unlimited" "unlimited" run --ulimit core=-1 sh -c 'ulimit -c'
t_out "--ulimit NAME=N sets both" "100 100" run --ulimit nofile=100 \
	sh -c 'echo $(ulimit -n) $(ulimit -Hn)'
t_out "... the last of a name wins" "300" run --ulimit nofile=200 --ulimit nofile=300 \
	sh -c 'ulimit -n'
t_out "--ulimit stack (in KB in the shell)" "8192" run --ulimit stack=8388608 sh -c 'ulimit -s'

# --sysctl: written in the container's own namespaces
t_out "--sysctl kernel.shmmax (IPC namespace)" "123456789" \
	run --sysctl kernel.shmmax=123456789 cat /proc/sys/kernel/shmmax
t_check "... not the host's" [ "$(cat /proc/sys/kernel/shmmax)" != 123456789 ]
t_out "--sysctl net.* in its own network namespace" "1" \
	run --sysctl net.ipv4.ip_forward=1 cat /proc/sys/net/ipv4/ip_forward
t_out "--sysctl fs.mqueue.msg_max" "20" run --sysctl fs.mqueue.msg_max=20 \
	cat /proc/sys/fs/mqueue/msg_max

# --shm-size: /dev/shm's size (64m by default, as Docker's)
t_out "/dev/shm is 64m by default" "65536" run sh -c "df -k /dev/shm | awk 'NR == 2 { print \$2 }'"
t_out "--shm-size 16m" "16384" run --shm-size 16m sh -c "df -k /dev/shm | awk 'NR == 2 { print \$2 }'"

# --group-add: by number, or by the image's /etc/group
t_out "--group-add by name and number" "0 50 1234" run --group-add staff --group-add 1234 id -G
t_out "... for another user too" "1000 50" run -u app --group-add staff id -G
t_fail 125 "unable to find group nosuch" "--group-add of a group the image lacks" \
	run --group-add nosuch true

# --oom-score-adj: raising works; lowering below dory's own needs CAP_SYS_RESOURCE
t_out "--oom-score-adj 500" "500" run --oom-score-adj 500 cat /proc/self/oom_score_adj
own=$(cat /proc/self/oom_score_adj)
if grep -q '^CapEff:.*' /proc/self/status && [ $(( 0x$(awk '/^CapEff/ { print $2 }' /proc/self/status) >> 24 & 1 )) = 0 ]; then
	t_fail 125 "needs CAP_SYS_RESOURCE" "lowering --oom-score-adj without CAP_SYS_RESOURCE" \
		run --oom-score-adj $((own - 1)) true
else
	t_skip "lowering --oom-score-adj without CAP_SYS_RESOURCE" "this process holds it"
fi

# --pid host: the host's processes in /proc, and none left after the init
t_match "--pid host sees the host's processes" "^[0-9]+ 1\$" run --pid host \
	sh -c 'echo $$ $(cat /proc/1/stat >/dev/null && echo 1)'
t_check "... its init is no PID 1" [ "$(cat "$OUT" | cut -d' ' -f1)" != 1 ]
id=$("$DORY" run -d --rootfs "$R" --pid host sh -c 'sleep 300 & exec sleep 301')
t_out "inspect: HostConfig.PidMode host" "host" "$DORY" inspect -f '{{.HostConfig.PidMode}}' "$id"
t_match "exec into a --pid host container" "^[0-9]+\$" "$DORY" exec "$id" sh -c 'echo $$'
cg=$(t_cg_dirs "$id" | head -n 1)
t_ok "stop" "$DORY" stop -t 1 "$id"
t_check "... leaves nothing running in its cgroup" [ ! -d "$cg" ]
"$DORY" rm "$id" >/dev/null

# --pid container:NAME: the other's pid namespace, as Docker's
pt=$("$DORY" run -d --name "$T-pt" --rootfs "$R" sleep 301)
t_out "--pid container:NAME: ps shows the other's init as PID 1, its own is not" \
	"sleep 301 own" run --pid "container:$T-pt" \
	sh -c 'echo $(ps -o pid,args | awk "\$1 == 1 { print \$2, \$3 }") $([ $$ != 1 ] && echo own)'
id=$("$DORY" run -d --rootfs "$R" --pid "container:$T-pt" sh -c 'sleep 302 & exec sleep 303')
t_out "inspect: HostConfig.PidMode container:ID" "container:$pt" \
	"$DORY" inspect -f '{{.HostConfig.PidMode}}' "$id"
t_out "exec into it sees both containers' processes" "sleep 301 sleep 303" "$DORY" exec "$id" \
	sh -c 'echo $(ps -o args | grep -e "^sleep 301" -e "^sleep 303" | sort)'
cg=$(t_cg_dirs "$id" | head -n 1)
t_ok "stop of the joined one" "$DORY" stop -t 1 "$id"
t_check "... leaves nothing of it running, and the other runs on" \
	[ ! -d "$cg" -a "$("$DORY" inspect -f '{{.State.Running}}' "$T-pt")" = true ]
"$DORY" rm "$id" >/dev/null
"$DORY" rm -f "$T-pt" >/dev/null
"$DORY" create --name "$T-pstop" --rootfs "$R" true >/dev/null
n1=$("$DORY" ps -aq | wc -l)
t_fail 125 "cannot join PID of a non running container" "--pid container: of a stopped one" \
	run --pid "container:$T-pstop" true
t_out "... and nothing is left of it" "$n1" sh -c '"$0" ps -aq | wc -l' "$DORY"
t_fail 125 "no such container" "--pid container: of a missing one" \
	run --pid "container:$T-nope" true
"$DORY" rm "$T-pstop" >/dev/null

# --cgroup-parent: the group goes below it
id=$("$DORY" run -d --rootfs "$R" --cgroup-parent "/$T-p" sleep 300)
t_match "--cgroup-parent places the container's group" ":/$T-p/$id\$" \
	cat "/proc/$("$DORY" inspect -f '{{.State.Pid}}' "$id")/cgroup"
"$DORY" rm -f "$id" >/dev/null

# inspect: Docker's shapes
id=$("$DORY" create --rootfs "$R" --ulimit nofile=1024:2048 --sysctl kernel.sem="250 32000 32 128" \
	--shm-size 1g --group-add staff --oom-score-adj 100 true)
t_out "inspect: Ulimits, Sysctls, ShmSize, GroupAdd, OomScoreAdj, PidMode" \
	'[{"Name":"nofile","Hard":2048,"Soft":1024}] {"kernel.sem":"250 32000 32 128"} 1073741824 ["staff"] 100 ' \
	"$DORY" inspect -f '{{json .HostConfig.Ulimits}} {{json .HostConfig.Sysctls}} {{.HostConfig.ShmSize}} {{json .HostConfig.GroupAdd}} {{.HostConfig.OomScoreAdj}} {{.HostConfig.PidMode}}' "$id"
"$DORY" rm "$id" >/dev/null
id=$("$DORY" create --rootfs "$R" true)
t_out "inspect: the defaults" 'null 67108864 null 0 ' "$DORY" inspect -f \
	'{{json .HostConfig.Ulimits}} {{.HostConfig.ShmSize}} {{json .HostConfig.GroupAdd}} {{.HostConfig.OomScoreAdj}} {{.HostConfig.PidMode}}' "$id"
"$DORY" rm "$id" >/dev/null

# /sys/fs/cgroup: the container's own group, read-only
t_out "/sys/fs/cgroup is read-only" "ro" run sh -c \
	"awk '\$2 == \"/sys/fs/cgroup\" { split(\$4, o, \",\"); print o[1] }' /proc/mounts"
if [ -n "$(t_cg_mount memory)" ]; then
	t_out "the memory limit at /sys/fs/cgroup/memory (v1)" "67108864" \
		run -m 64m cat /sys/fs/cgroup/memory/memory.limit_in_bytes
	t_out "... its own group as the root" "4:memory:/" run sh -c 'grep :memory: /proc/self/cgroup | sed s/^[0-9]*/4/'
	t_out "every v1 hierarchy, read-only" "" run sh -c \
		"awk '\$3 == \"cgroup\" && \$4 !~ /^ro,/' /proc/mounts"
	t_fail 1 "Read-only file system" "notify_on_release cannot be written" \
		run sh -c 'echo 1 >/sys/fs/cgroup/memory/notify_on_release'
	t_fail 1 "Read-only file system" "... not with CAP_SYS_ADMIN either" \
		run --cap-add SYS_ADMIN sh -c 'echo 1 >/sys/fs/cgroup/memory/notify_on_release'
	t_out "no release_agent in view" "" run --cap-add SYS_ADMIN sh -c \
		'ls /sys/fs/cgroup/*/release_agent 2>/dev/null; true'
	t_fail 1 "Read-only file system" "... and none can be made" run --cap-add SYS_ADMIN \
		sh -c 'echo /x >/sys/fs/cgroup/memory/release_agent'
elif [ -n "$(t_cg_mount "")" ]; then
	t_out "the memory limit at /sys/fs/cgroup/memory.max (v2)" "67108864" \
		run -m 64m cat /sys/fs/cgroup/memory.max
	t_fail 1 "Read-only file system" "cgroup.procs cannot be written" \
		run --cap-add SYS_ADMIN sh -c 'echo 1 >/sys/fs/cgroup/cgroup.procs'
else
	t_skip "/sys/fs/cgroup in the container" "no cgroup hierarchy"
fi

# A pure cgroup v2 layout (cgroup2 on /sys/fs/cgroup, in a mount namespace
# of this case's own): cgroup2 itself, read-only, rooted at the container
if command -v unshare >/dev/null && grep -qw cgroup2 /proc/filesystems; then
	t_out "pure v2: cgroup2 at /sys/fs/cgroup, read-only, its own group the root" \
		"cgroup2 ro 0::/" unshare -m sh -c 'mount -t tmpfs t /sys/fs/cgroup &&
		mount -t cgroup2 none /sys/fs/cgroup && exec "$0" run --rm --rootfs "$1" sh -c \
		"awk '\''\$2 == \"/sys/fs/cgroup\" { split(\$4, o, \",\"); printf \"%s %s \", \$3, o[1] }'\'' /proc/mounts; grep ^0:: /proc/self/cgroup"' "$DORY" "$R"
	t_fail 1 "Read-only file system" "pure v2: cgroup.procs cannot be written" \
		unshare -m sh -c 'mount -t tmpfs t /sys/fs/cgroup &&
		mount -t cgroup2 none /sys/fs/cgroup && exec "$0" run --rm --rootfs "$1" \
		--cap-add SYS_ADMIN sh -c "echo 1 >/sys/fs/cgroup/cgroup.procs"' "$DORY" "$R"
else
	t_skip "pure v2 /sys/fs/cgroup" "no unshare(1) or no cgroup2"
fi

# Bad input: one line, 125, no container made
n0=$("$DORY" ps -aq | wc -l)
t_fail 125 "invalid ulimit type: bogus" "--ulimit of an unknown name" run --ulimit bogus=1 true
t_fail 125 "invalid ulimit argument: nofile" "--ulimit without a value" run --ulimit nofile true
t_fail 125 "invalid ulimit argument" "--ulimit not a number" run --ulimit nofile=x true
t_fail 125 "soft limit must be less than or equal to hard limit: 20 > 10" \
	"--ulimit soft above hard" run --ulimit nofile=20:10 true
t_fail 125 "above this system's hard limit $hard" "--ulimit above dory's hard limit" \
	run --ulimit nofile=1024:$((hard + 1)) true
t_fail 125 "sysctl 'kernel.hostname' is not allowed" "--sysctl not namespaced" \
	run --sysctl kernel.hostname=x true
t_fail 125 "not allowed in host network namespace" "--sysctl net.* with --network host" \
	run --network host --sysctl net.ipv4.ip_forward=1 true
t_fail 125 "invalid --sysctl" "--sysctl that climbs out of /proc/sys" run --sysctl ../x=1 true
t_fail 125 "invalid --sysctl" "--sysctl without =" run --sysctl kernel.sem true
t_fail 125 "range -1000 to 1000" "--oom-score-adj out of range" run --oom-score-adj 1001 true
t_fail 125 "invalid --oom-score-adj" "--oom-score-adj not a number" run --oom-score-adj x true
t_fail 125 "invalid --pid \"ns:x\"" "--pid other than host or container:" run --pid ns:x true
t_fail 125 "invalid --shm-size" "--shm-size not a size" run --shm-size lots true
t_fail 125 "invalid --group-add" "--group-add with a colon" run --group-add a:b true
t_fail 125 "invalid ulimit type" "create refuses alike" "$DORY" create --rootfs "$R" --ulimit x=1 true
t_out "... and no container was made" "$n0" sh -c '"$0" ps -aq | wc -l' "$DORY"
t_out "no cgroup or mount left behind" "$before" t_leftovers
