# SPDX-License-Identifier: Apache-2.0
# attach.sh - dory attach through the supervisor: a detached container's
# output (stdout and stderr apart) and its exit status; its pty (run -dit,
# and an attached run -it's) driven through script(1): input, the window
# size, ctrl-p ctrl-q and --detach-keys leaving it running, exit 1 with
# Docker's "read escape sequence". Bad input: one line, non-zero exit, the
# container untouched.
. "$(dirname "$0")/../lib.sh"

R=$TMP/rootfs
t_rootfs "$R"
d() { "$DORY" "$@"; }
st() { d inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$1" 2>&1; }

# output: attach after start, the lines that come then, the status
d run -d --rootfs "$R" --name "$T-o" sh -c \
	'sleep 1; echo out; echo err >&2; sleep 0.3; exit 3' >/dev/null
timeout 10 "$DORY" attach "$T-o" >"$TMP/o" 2>"$TMP/e"; rc=$?
t_check "attach exits with the container's status (3)" [ "$rc" = 3 ]
t_out "its stdout on stdout" out cat "$TMP/o"
t_out "its stderr on stderr" err cat "$TMP/e"
t_fail 1 "You cannot attach to a stopped container, start it first" "attach to a stopped one" \
	d attach "$T-o"

# -di without a pty: input through the supervisor's pipe
d run -di --rootfs "$R" --name "$T-i" sh -c 'read l; echo "got $l"; exit 4' >/dev/null
(sleep 0.5; echo hello) | timeout 10 "$DORY" attach "$T-i" >"$TMP/i" 2>&1; rc=$?
t_check "-di: input reaches it, its status comes back (4)" [ "$rc" = 4 ]
t_out "... and its answer" "got hello" cat "$TMP/i"

# --sig-proxy (the default): a signal to attach reaches the container
d run -d --rootfs "$R" --name "$T-s" sh -c \
	'trap "echo got-int; exit 9" INT; echo ready; while :; do sleep 0.1; done' >/dev/null
t_check "it is up" t_poll 5 sh -c "\"$DORY\" logs $T-s | grep -q ready"
timeout 10 "$DORY" attach "$T-s" >"$TMP/s" 2>&1 &
ap=$!
sleep 0.5
kill -INT "$ap"
t_wait "$ap"
t_check "SIGINT to attach: the container's trap runs, its status (9) comes back" [ "$RC" = 9 ]
t_out "... and its output" got-int cat "$TMP/s"

# the pty of run -dit, through script(1)
if command -v script >/dev/null; then
	d run -dit --rootfs "$R" --name "$T-t" sh >/dev/null
	(sleep 0.5; printf 'echo hi-$((6*7))\n'; sleep 0.5; printf '\020\021'; sleep 1) |
		TERM=dumb timeout 10 script -qec "$DORY attach $T-t" /dev/null >"$TMP/t" 2>&1; rc=$?
	t_check "-dit: a command typed runs in its shell" grep -q '^hi-42' "$TMP/t"
	t_check "ctrl-p ctrl-q: exit 1, as Docker" [ "$rc" = 1 ]
	t_check "... saying read escape sequence" grep -q 'read escape sequence' "$TMP/t"
	t_out "... and it runs on" "running 0" st "$T-t"
	(sleep 0.5; printf 'echo two\n'; sleep 0.5; printf '\001x'; sleep 1) |
		TERM=dumb timeout 10 script -qec "$DORY attach --detach-keys ctrl-a,x $T-t" \
		/dev/null >"$TMP/t2" 2>&1; rc=$?
	t_check "--detach-keys ctrl-a,x detaches too" [ "$rc" = 1 ]
	t_check "... after the input before it" grep -q '^two' "$TMP/t2"
	(sleep 0.5; printf 'stty size; exit 5\n'; sleep 2) |
		TERM=dumb timeout 10 script -qec "stty rows 33 cols 101; $DORY attach $T-t" \
		/dev/null >"$TMP/t3" 2>&1; rc=$?
	t_check "its pty takes our window size" grep -q '^33 101' "$TMP/t3"
	t_check "exit in its shell: attach exits with its status (5)" [ "$rc" = 5 ]
	t_out "... and it is exited" "exited 5" st "$T-t"
	# an attached run -it serves the socket too: a second terminal shares its pty
	(sleep 0.5; printf 'echo fg-$((6*7))\n'; sleep 4) |
		TERM=dumb timeout 10 script -qec "$DORY run -it --rootfs $R --name $T-f sh" \
		/dev/null >"$TMP/f" 2>&1 &
	fp=$!
	t_check "run -it: up" t_poll 5 grep -q '^fg-42' "$TMP/f"
	(sleep 0.5; printf 'echo at-$((7*7))\n'; sleep 0.5; printf 'exit 6\n'; sleep 2) |
		TERM=dumb timeout 10 script -qec "$DORY attach $T-f" /dev/null >"$TMP/f2" 2>&1; rc=$?
	t_check "attach to a run -it: a command typed runs in its shell" grep -q '^at-49' "$TMP/f2"
	t_check "... the run's own terminal sees it too" grep -q '^at-49' "$TMP/f"
	t_check "... attach exits with its status (6)" [ "$rc" = 6 ]
	t_wait "$fp"
	t_check "... and so does the run" [ "$RC" = 6 ]
else
	t_skip "-dit under a pty" "script(1) is missing"
fi

# bad input
d run -dit --rootfs "$R" --name "$T-b" sh >/dev/null
t_fail 125 "invalid detach keys \"ctrl-1\"" "a bad --detach-keys" \
	d attach --detach-keys ctrl-1 "$T-b"
t_fail 1 "the input device is not a TTY" "a pty's input from a pipe" d attach "$T-b"
t_fail 1 "no such container: $T-nope" "an unknown container" d attach "$T-nope"
t_fail 125 "give one container" "two containers" d attach "$T-b" "$T-o"
t_ok "pause it" d pause "$T-b"
t_fail 1 "You cannot attach to a paused container" "attach to a paused one" \
	d attach --no-stdin "$T-b"
t_out "... it is as it was" "paused 0" st "$T-b"
