# SPDX-License-Identifier: Apache-2.0
# stats.sh - dory stats: Docker's table and --format, figures that agree
# with the cgroup files (memory without inactive file cache, pids.current,
# the CPU quota), a redrawn screen on a terminal and a stream of tables
# without one. Bad input: one line, non-zero exit.
. "$(dirname "$0")/../lib.sh"

R=$TMP/rootfs
t_rootfs "$R"
d() { "$DORY" "$@"; }
pid() { d inspect -f '{{.State.Pid}}' "$1"; }
# SIZE ("1.5MiB", "20KiB", "0B") in bytes
bytes() { awk -v s="$1" 'BEGIN { n = s + 0; u = s; sub(/^[0-9.]+/, "", u)
	m["B"] = 1; m["KiB"] = 1024; m["MiB"] = 1048576; m["GiB"] = 1073741824
	m["kB"] = 1000; m["MB"] = 1000000; m["GB"] = 1000000000
	printf "%d\n", n * m[u] }'; }
# within A B PERCENT: A is within PERCENT of B
within() { awk -v a="$1" -v b="$2" -v p="$3" 'BEGIN { d = a - b; if (d < 0) d = -d
	exit !(d <= b * p / 100) }'; }

# 16 MiB in the container's tmpfs: memory it is charged, not file cache
d run -d --rootfs "$R" --name "$T-s" -m 64m sh -c \
	'dd if=/dev/zero of=/dev/shm/f bs=1M count=16 2>/dev/null; sleep 1000 & sleep 1000 & wait' \
	>/dev/null
P=$(pid "$T-s")
t_check "its processes are up" t_poll 5 sh -c "[ \$(cat /proc/$P/task/$P/children | wc -w) = 2 ]"
t_check "... and its 16 MiB written" t_poll 5 sh -c \
	"[ \$(stat -c %s /proc/$P/root/dev/shm/f 2>/dev/null || echo 0) = 16777216 ]"

t_match "the default table: Docker's header" \
	'^CONTAINER ID +NAME +CPU % +MEM USAGE / LIMIT +MEM % +NET I/O +BLOCK I/O +PIDS$' \
	sh -c "\"$DORY\" stats --no-stream | head -n 1"
t_match "... and a row for it" \
	"^[0-9a-f]{12} +$T-s +[0-9]+\.[0-9]{2}% +[0-9.]+[KMG]?i?B / 64MiB +[0-9]+\.[0-9]{2}% +0B / 0B +[0-9.]+[kMG]?B / [0-9.]+[kMG]?B +3\$" \
	sh -c "\"$DORY\" stats --no-stream | grep ' $T-s '"

d stats --no-stream --format '{{.MemUsage}}|{{.PIDs}}|{{.MemPerc}}|{{.NetIO}}' "$T-s" >"$TMP/row"
IFS='|' read -r mu pids mp net <"$TMP/row"
got=$(bytes "${mu%% / *}")
cgv=$(t_cg_value "$P" memory "memory.usage_in_bytes" "memory.current")
ina=$(t_cg_value "$P" memory "memory.stat" "memory.stat" | tr ' ' '\n' |
	awk '/^(total_)?inactive_file$/ { getline v; k[$0] = v } END {
		print ("total_inactive_file" in k) ? k["total_inactive_file"] : k["inactive_file"] }')
want=$(( ${cgv#v? } - ina ))
t_check "MEM USAGE ($mu) is the cgroup's usage less inactive file ($want), within 10%" \
	within "$got" "$want" 10
t_check "... and at least the 16 MiB in its tmpfs" [ "$got" -ge 16777216 ]
t_cglimit "PIDS ($pids) is pids.current" "$P" pids pids.current "$pids" pids.current "$pids"
t_check "MEM % ($mp) is the usage over the 64 MiB limit" \
	within "${mp%\%}" "$(awk -v u="$got" 'BEGIN { print u * 100 / 67108864 }')" 1
t_out "NET I/O: lo is left out" "0B / 0B" echo "$net"

# CPU %: a busy loop held to half a CPU shows about 50%
d run -d --rootfs "$R" --name "$T-c" --cpus 0.5 sh -c 'while :; do :; done' >/dev/null
cpu=$(d stats --no-stream --format '{{.CPUPerc}}' "$T-c")
t_check "CPU % of a loop at --cpus 0.5 ($cpu) is about 50%" within "${cpu%\%}" 50 40
d rm -f "$T-c" >/dev/null

# --format, --no-trunc, -a
t_out "--format {{.Name}} {{.Container}}" "$T-s $T-s" \
	d stats --no-stream --format '{{.Name}} {{.Container}}' "$T-s"
t_match "--no-trunc: the full ID" '^[0-9a-f]{64}$' \
	d stats --no-stream --no-trunc --format '{{.ID}}' "$T-s"
t_match "--format table: its own header" '^NAME +PIDS$' \
	sh -c "\"$DORY\" stats --no-stream --format 'table {{.Name}}\t{{.PIDs}}' $T-s | head -n 1"
d create --rootfs "$R" --name "$T-x" true >/dev/null
t_check "without -a a created one is left out" \
	sh -c "! \"$DORY\" stats --no-stream --format '{{.Name}}' | grep -qx $T-x"
t_out "-a: zeros for it" "$T-x 0.00% 0B / 0B 0" \
	sh -c "\"$DORY\" stats -a --no-stream --format '{{.Name}} {{.CPUPerc}} {{.MemUsage}} {{.PIDs}}' | grep '^$T-x '"

# streaming: a table a second without a terminal, redrawn on one
timeout 2.6 "$DORY" stats "$T-s" >"$TMP/stream" 2>&1
t_check "without a tty: a table each second" [ "$(grep -c '^CONTAINER ID' "$TMP/stream")" -ge 1 ]
t_check "... and no escape sequences" sh -c "! grep -q $'\033' '$TMP/stream'"
if command -v script >/dev/null; then
	TERM=dumb script -qec "timeout 3.5 $DORY stats $T-s" /dev/null >"$TMP/tty" 2>&1 </dev/null
	t_check "on a tty: the screen cleared and redrawn each second" \
		[ "$(grep -o $'\033\\[2J\033\\[H' "$TMP/tty" | wc -l)" -ge 2 ]
else
	t_skip "on a tty" "script(1) is missing"
fi

# bad input
t_fail 1 "no such container: $T-nope" "an unknown container" d stats --no-stream "$T-nope"
t_fail 125 "template parsing error" "a bad template" d stats --no-stream --format '{{.Nope' "$T-s"
t_fail 125 "can't evaluate field Nope" "a field stats has not" \
	d stats --no-stream --format '{{.Nope}}' "$T-s"
