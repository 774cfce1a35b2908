# SPDX-License-Identifier: Apache-2.0
# init.sh - run --init: the hidden docker-init applet is the container's
# PID 1, bound read-only at /sbin/docker-init; it reaps orphaned zombies,
# passes exit codes through (128+N for signal N), forwards stop's SIGTERM
# and other signals; "init": true in the config makes it the default and
# --init=false overrides; an image runs it too (the binary is static).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../bbimage.sh"

R=$TMP/rootfs
t_rootfs "$R"
d() { "$DORY" "$@"; }
run() { d run --rm --rootfs "$R" "$@"; }

# ---- PID 1 and its binary ----
t_out "PID 1 is docker-init" docker-init run --init cat /proc/1/comm
t_out "... running the command as its child" "2 1 /sbin/docker-init -- sh -c" \
	run --init sh -c 'echo $$ $PPID $(tr "\0" " " </proc/1/cmdline | cut -d" " -f1-4)'
t_fail 1 "Read-only file system" "/sbin/docker-init is read-only" \
	run --init sh -c 'echo x >/sbin/docker-init'
t_out "without --init the command is PID 1" sh run sh -c 'cat /proc/1/comm; true'
t_out "docker-init is not listed" "" sh -c "'$DORY' --list | grep -x docker-init; true"

# ---- exit codes ----
t_fail 3 "" "exit 3 passes through" run --init sh -c 'exit 3'
t_fail 137 "" "killed by SIGKILL: 128+9" run --init sh -c 'kill -KILL $$'
t_fail 143 "" "killed by SIGTERM: 128+15" run --init sh -c 'kill -TERM $$'
t_fail 127 "docker-init: exec nope-$T: No such file or directory" "a command not found: 127" \
	run --init "nope-$T"

# ---- zombies ----
# The inner sh exits at once: its two sleeps are orphans, reparented to
# PID 1, and become zombies when they end unless PID 1 reaps them.
zombies() # NAME [--init]: the zombies in a container whose PID 1 reaps none
{
	d run -d --name "$1" --rootfs "$R" ${2:-} \
		sh -c 'sh -c "sleep 0.2 & sleep 0.2 & exit 0"; exec sleep 100' >/dev/null || return 1
	sleep 1
	d exec "$1" sh -c 'ps -o stat | grep -c "^Z"; true'
}
t_out "--init reaps orphaned zombies" 0 zombies "$T-z1" --init
t_out "without it they stay (the case can fail)" 2 zombies "$T-z2"
d rm -f "$T-z1" "$T-z2" >/dev/null 2>&1

# ---- signals ----
d run -d --name "$T-s" --init --rootfs "$R" sleep 100 >/dev/null
t0=$(date +%s%N)
t_ok "stop: SIGTERM is forwarded to the command" d stop -t 10 "$T-s"
t1=$(date +%s%N)
t_check "... which exits at once ($(((t1 - t0) / 1000000)) ms), not at the timeout" \
	test $(((t1 - t0) / 1000000)) -lt 5000
t_out "... with 128+15" 143 d inspect -f '{{.State.ExitCode}}' "$T-s"
d run -d --name "$T-u" --init --rootfs "$R" \
	sh -c 'trap "echo got USR1; exit 7" USR1; while :; do sleep 0.1; done' >/dev/null
sleep 0.3
t_ok "kill -s USR1" d kill -s USR1 "$T-u"
t_poll 5 sh -c "[ \"\$('$DORY' inspect -f '{{.State.Status}}' '$T-u')\" = exited ]"
t_out "the command got it and its exit code came through" "7 got USR1" \
	sh -c "echo \$('$DORY' inspect -f '{{.State.ExitCode}}' '$T-u') \$('$DORY' logs '$T-u')"
d rm -f "$T-s" "$T-u" >/dev/null 2>&1

# ---- inspect and the config's default ----
d create --name "$T-c1" --init --rootfs "$R" true >/dev/null
t_out "inspect: HostConfig.Init" true d inspect -f '{{.HostConfig.Init}}' "$T-c1"
t_config '"init": true'
t_out '"init": true in the config: the default' docker-init run cat /proc/1/comm
t_out "--init=false overrides it" cat run --init=false cat /proc/1/comm
t_fail 125 "invalid boolean value" "--init=maybe is refused" run --init=maybe true
t_config
d rm -f "$T-c1" >/dev/null 2>&1

# ---- in an image ----
if command -v sha256sum >/dev/null && command -v tar >/dev/null; then
	IMG=$T-init:1
	bb_image "$TMP/img" "$IMG" '["sh"]'
	if d load -i "$TMP/img/image.tar" >/dev/null 2>&1; then
		t_out "an image's container runs it" "docker-init 5" \
			d run --rm --init "$IMG" sh -c 'echo $(cat /proc/1/comm) 5'
	else
		t_report 1 "load the test image"
	fi
else
	t_skip "in an image" "no sha256sum or tar"
fi
