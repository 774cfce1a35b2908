# SPDX-License-Identifier: Apache-2.0
# health.sh - health checks: the states go starting -> healthy -> unhealthy
# in ps and inspect; output, the log of 5, the timeout that kills a hanging
# check without holding up the supervisor; the start period; the image's
# HEALTHCHECK, merged with the flags or turned off; ps --filter health=;
# restart policies leave an unhealthy container alone; bad values refused.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../bbimage.sh"

R=$TMP/rootfs
t_rootfs "$R"
d() { "$DORY" "$@"; }
up() { d run -d --rootfs "$R" "$@" >"$OUT" 2>"$ERR" || t_report 1 "run -d $*" "$(cat "$ERR")"; }
status() { d ps -a --filter "name=^$1\$" --format '{{.Status}}'; }
# has C ERE: C's ps STATUS matches ERE (for t_poll)
has() { status "$1" | grep -Eq -- "$2"; }
hj() { d inspect -f "{{json .State.Health$2}}" "$1"; }
# nlog_is C OP N: the number of results in C's log compares so to N
nlog_is() { [ "$(d inspect -f '{{len .State.Health.Log}}' "$1" 2>/dev/null)" "$2" "$3" ]; }
# out_is C N: the first result's output has N bytes (its newline added)
out_is() { [ "$(d inspect -f '{{(index .State.Health.Log 0).Output}}' "$1" 2>/dev/null |
	wc -c)" = "$2" ]; }

# ---- starting -> healthy -> unhealthy, in ps and inspect ----
C=$T-h
touch "$R/tmp/ok"
up --name "$C" --restart always --health-cmd "echo out; echo err >&2; test -e /tmp/ok" \
	--health-interval 1s --health-retries 2 sleep 1000
t_match "a new container is (health: starting)" '^Up .* \(health: starting\)$' status "$C"
t_out "inspect: starting" '"starting"' hj "$C" .Status
t_check "it turns (healthy) in ps" t_poll 5 has "$C" '^Up .* \(healthy\)$'
t_out "inspect: healthy" '"healthy"' hj "$C" .Status
t_out "inspect: the check's stdout and stderr" '"out\nerr\n"' \
	d inspect -f '{{json (index .State.Health.Log 0).Output}}' "$C"
t_out "inspect: its exit code" 0 d inspect -f '{{(index .State.Health.Log 0).ExitCode}}' "$C"
t_match "inspect: its start and end times" '^20[0-9-]+T[0-9:.]+Z 20[0-9-]+T[0-9:.]+Z$' \
	d inspect -f '{{(index .State.Health.Log 0).Start}} {{(index .State.Health.Log 0).End}}' "$C"
rm "$R/tmp/ok"
t_check "it turns (unhealthy) after 2 failures" t_poll 5 has "$C" '^Up .* \(unhealthy\)$'
t_out "inspect: unhealthy" '"unhealthy"' hj "$C" .Status
t_check "inspect: FailingStreak counts the failures" \
	test "$(d inspect -f '{{.State.Health.FailingStreak}}' "$C")" -ge 2
t_check "inspect: the last 5 results are kept" t_poll 8 nlog_is "$C" = 5
sleep 1.2
t_out "... and no more" 5 d inspect -f '{{len .State.Health.Log}}' "$C"
t_out "inspect: Config.Healthcheck as Docker's" \
	'{"Test":["CMD-SHELL","echo out; echo err >&2; test -e /tmp/ok"],"Interval":1000000000,"Retries":2}' \
	d inspect -f '{{json .Config.Healthcheck}}' "$C"
t_out "--restart does not act on an unhealthy container (Docker's)" "running 0" \
	d inspect -f '{{.State.Status}} {{.RestartCount}}' "$C"
touch "$R/tmp/ok"
t_check "healthy again after one success" t_poll 5 has "$C" '\(healthy\)$'
t_ok "stop" d stop -t 1 "$C"
t_match "a stopped container shows no health" '^Exited \(137\)' status "$C"
rm "$R/tmp/ok"
t_ok "start again" d start "$C"
t_match "a start begins at (health: starting) again" '\(health: starting\)$' status "$C"
t_check "... and keeps the earlier results, as Docker" nlog_is "$C" -ge 1

# ---- output, CMD form, timeouts ----
big=$T-big
up --name "$big" --health-cmd 'head -c 5000 /dev/zero | tr "\0" a' --health-interval 300ms sleep 1000
t_check "output beyond 4096 bytes is cut, with \"...\"" t_poll 5 out_is "$big" 4100
t_match "... as Docker: 4096 bytes then \"...\"" 'a\.\.\.$' \
	d inspect -f '{{(index .State.Health.Log 0).Output}}' "$big"
d rm -f "$big" >/dev/null 2>&1

# A check that hangs: killed at the timeout with the whole of its session,
# while the container's output still reaches the log. Checks every 200 ms
# in the first 2 s (the start period), then every minute: two of them.
hang=$T-hang
up --name "$hang" --health-cmd 'sleep 300' --health-interval 60s --health-timeout 1500ms \
	--health-start-period 2s --health-start-interval 200ms \
	sh -c 'i=0; while :; do echo "tick $i"; i=$((i + 1)); sleep 0.1; done'
sleep 0.5	# the first check hangs from 0.2 s to 1.7 s
n1=$(d logs "$hang" | wc -l)
sleep 0.6
n2=$(d logs "$hang" | wc -l)
t_check "a hanging check does not hold up the log copying ($n1 -> $n2 lines)" test "$n2" -gt $((n1 + 3))
t_check "the check is killed at the timeout" t_poll 5 nlog_is "$hang" = 2
t_out "... with Docker's output and exit code -1" "-1 Health check exceeded timeout (1.5s)" \
	d inspect -f '{{(index .State.Health.Log 0).ExitCode}} {{(index .State.Health.Log 0).Output}}' "$hang"
t_out "... and no check's process is left behind" 0 \
	d exec "$hang" sh -c 'ps -o comm,args | grep -c "^sleep.*300"; true'
d rm -f "$hang" >/dev/null 2>&1
hang=$T-hang2
up --name "$hang" --health-cmd 'sleep 300' --health-interval 100ms sleep 1000
sleep 0.5
t0=$(date +%s%N)
t_ok "stop while a check runs" d stop -t 1 "$hang"
t1=$(date +%s%N)
t_check "... is prompt ($(((t1 - t0) / 1000000)) ms)" test $(((t1 - t0) / 1000000)) -lt 4000
d rm -f "$hang" >/dev/null 2>&1

# ---- the start period ----
sp=$T-sp
up --name "$sp" --health-cmd 'exit 1' --health-interval 200ms --health-retries 1 \
	--health-start-period 60s --health-start-interval 200ms sleep 1000
t_check "failures in the start period do not count" t_poll 5 nlog_is "$sp" -ge 2
t_out "... it is still starting, with no failing streak" '"starting" 0' \
	d inspect -f '{{json .State.Health.Status}} {{.State.Health.FailingStreak}}' "$sp"
d rm -f "$sp" >/dev/null 2>&1

# ---- paused: no checks (its cgroup is frozen), then they go on ----
pz=$T-pz
up --name "$pz" --health-cmd true --health-interval 200ms sleep 1000
t_check "checks run" t_poll 5 has "$pz" '\(healthy\)$'
t_ok "pause" d pause "$pz"
sleep 0.3	# a check under way ends
l1=$(d inspect -f '{{json .State.Health.Log}}' "$pz")
sleep 1
t_out "no check while paused" "$l1" d inspect -f '{{json .State.Health.Log}}' "$pz"
t_ok "unpause" d unpause "$pz"
t_check "checks go on after unpause" t_poll 5 sh -c \
	"[ \"\$('$DORY' inspect -f '{{json .State.Health.Log}}' '$pz')\" != '$l1' ]"
d rm -f "$pz" >/dev/null 2>&1

# ---- attached: run (no -d) and start -a are their own supervisors ----
fg=$T-fg
touch "$R/tmp/fgok"
d run --name "$fg" --rootfs "$R" --health-cmd "echo fgcheck; test -e /tmp/fgok" \
	--health-interval 300ms --health-retries 1 sh -c 'echo fgup; exec sleep 1000' \
	</dev/null >"$TMP/fg.out" 2>&1 &
fgpid=$!
T_PIDS="$T_PIDS $fgpid"
t_check "an attached run turns (healthy) in ps" t_poll 5 has "$fg" '^Up .* \(healthy\)$'
rm "$R/tmp/fgok"
t_check "... and (unhealthy) when its check fails" t_poll 5 has "$fg" '^Up .* \(unhealthy\)$'
t_out "... its checks' output stays off its terminal" "fgup" cat "$TMP/fg.out"
t_ok "stop the attached run" d stop -t 1 "$fg"
t_wait "$fgpid"
t_out "... which exits with the container's status" 137 echo "$RC"
touch "$R/tmp/fgok"
d start -a "$fg" </dev/null >"$TMP/fg.out" 2>&1 &
fgpid=$!
T_PIDS="$T_PIDS $fgpid"
t_check "start -a: (health: starting) again, then (healthy)" t_poll 5 has "$fg" '^Up .* \(healthy\)$'
t_ok "stop start -a" d stop -t 1 "$fg"
t_wait "$fgpid"
t_out "... and no check's process is left behind" "" sh -c "ps -eo args | grep -F fgcheck | grep -v grep; true"
d rm -f "$fg" >/dev/null 2>&1

# ---- ps --filter health= ----
touch "$R/tmp/ok"
t_check "(healthy) again" t_poll 5 has "$C" '\(healthy\)$'
none=$T-none
up --name "$none" sleep 1000
t_out "--filter health=healthy" "$C" d ps --filter "name=^$T-" --filter health=healthy --format '{{.Names}}'
t_out "--filter health=unhealthy" "" d ps --filter "name=^$T-" --filter health=unhealthy --format '{{.Names}}'
t_out "--filter health=none" "$none" d ps --filter "name=^$T-" --filter health=none --format '{{.Names}}'
t_fail 125 "Unrecognised filter value for health: ok" "--filter health=ok is refused" \
	d ps --filter health=ok
t_match "no check: no health in ps" '^Up [^(]*$' status "$none"
t_out "no check: no State.Health in inspect" 0 sh -c "'$DORY' inspect '$none' | grep -c '\"Health\"'; true"

# ---- the image's HEALTHCHECK ----
if command -v sha256sum >/dev/null && command -v tar >/dev/null; then
	IMG=$T-hc:1
	BB_CONFIG='"Healthcheck":{"Test":["CMD","test","-e","/etc/passwd"],"Interval":300000000,"Retries":1}' \
		bb_image "$TMP/img" "$IMG" '["sleep","1000"]'
	if d load -i "$TMP/img/image.tar" >/dev/null 2>&1; then
		d run -d --name "$T-i1" "$IMG" >/dev/null
		t_check "the image's HEALTHCHECK (CMD form) runs" t_poll 5 has "$T-i1" '\(healthy\)$'
		t_out "... and is the container's" '{"Test":["CMD","test","-e","/etc/passwd"],"Interval":300000000,"Retries":1}' \
			d inspect -f '{{json .Config.Healthcheck}}' "$T-i1"
		d run -d --name "$T-i2" --health-cmd 'exit 1' "$IMG" >/dev/null
		t_check "--health-cmd replaces its test, its interval kept" t_poll 5 has "$T-i2" '\(unhealthy\)$'
		t_out "... merged as Docker's" '{"Test":["CMD-SHELL","exit 1"],"Interval":300000000,"Retries":1}' \
			d inspect -f '{{json .Config.Healthcheck}}' "$T-i2"
		d run -d --name "$T-i3" --no-healthcheck "$IMG" >/dev/null
		sleep 0.8
		t_match "--no-healthcheck turns it off" '^Up [^(]*$' status "$T-i3"
		t_out "... Test NONE (the rest merged, as Docker's)" \
			'{"Test":["NONE"],"Interval":300000000,"Retries":1}' d inspect -f '{{json .Config.Healthcheck}}' "$T-i3"
		t_out "... and no State.Health" 0 sh -c "'$DORY' inspect '$T-i3' | grep -c '\"Health\"'; true"
		d rm -f "$T-i1" "$T-i2" "$T-i3" >/dev/null 2>&1
	else
		t_report 1 "load an image with a HEALTHCHECK"
	fi
else
	t_skip "the image's HEALTHCHECK" "no sha256sum or tar"
fi

# ---- bad values: one line, 125, nothing made ----
before=$(d ps -aq | wc -l)
bad() { t_fail 125 "$1" "refused: ${*:2}" d run --rootfs "$R" "${@:2}" true; }
bad 'invalid argument "10x" for "--health-interval" flag: time: unknown unit "x" in duration "10x"' \
	--health-interval 10x
bad 'invalid argument "1" for "--health-timeout" flag: time: missing unit in duration "1"' \
	--health-timeout 1
bad 'invalid argument "s" for "--health-start-period" flag: time: invalid duration "s"' \
	--health-start-period s
bad "--health-interval cannot be negative" --health-interval -1s
bad "Timeout in Healthcheck cannot be less than 1ms" --health-timeout 10us
bad "StartInterval in Healthcheck cannot be less than 1ms" --health-start-interval 1ns
bad 'invalid argument "x" for "--health-retries" flag: strconv.ParseInt: parsing "x": invalid syntax' \
	--health-retries x
bad "--health-retries cannot be negative" --health-retries -2
bad "--no-healthcheck conflicts with --health-* options" --no-healthcheck --health-cmd true
t_out "... and no container was made" "$before" sh -c "'$DORY' ps -aq | wc -l"
