# SPDX-License-Identifier: Apache-2.0
# exec.sh - `dory exec` into a detached container: its processes, exit
# status, -e/-u/-w, capabilities, cgroup and seccomp, a pty, detach, and a
# one-line refusal (125, where Docker's CLI exits 1) when it is not running.
. "$(dirname "$0")/../lib.sh"

R=$TMP/rootfs
ROOT=$TMP/root
t_rootfs "$R"
d() { "$DORY" --root "$ROOT" "$@"; }
C=$T-c
# Containers go before lib.sh's clean-up removes their directories.
exec_cleanup() { d rm -f "$C" "$T-p" >/dev/null 2>&1; t_cleanup; }
trap exec_cleanup EXIT

if ! d run -d --name "$C" --rootfs "$R" -h web -e FOO=cfg sleep 1000 >"$OUT" 2>"$ERR"; then
	t_report 1 "run -d a container to exec into" "$(cat "$ERR")"
	exit 0
fi
x() { d exec "$@"; }

# Its namespaces: hostname, PID 1, only its processes, its root
t_out "the container's hostname" web x "$C" hostname
t_out "the container's init is PID 1" "sleep 1000" x "$C" sh -c 'tr "\0" " " </proc/1/cmdline | sed "s/ $//"'
t_match "only the container's processes" '^/proc/1 /proc/[0-9]+$' x "$C" sh -c 'echo /proc/[0-9]*'
echo marker >"$R/tmp/$T-m"
t_out "the container's root" marker x "$C" cat "/tmp/$T-m"
t_out "the init's cgroup (and cgroup namespace)" "$(x "$C" cat /proc/1/cgroup 2>&1)" \
	x "$C" cat /proc/self/cgroup

# Exit status
t_ok "exit 0" x "$C" true
t_fail 3 "" "the command's exit status" x "$C" sh -c 'exit 3'
t_fail 137 "" "128+signal" x "$C" sh -c 'kill -9 $$'
t_fail 127 'exec: "nope": executable file not found in $PATH' "127 when not in PATH" x "$C" nope
t_fail 126 'exec: "/etc/passwd": Permission denied' "126 when not executable" x "$C" /etc/passwd

# Environment, user, working directory
t_out "the container's environment" cfg x "$C" printenv FOO
t_out "-e overrides it" bar x -e FOO=bar "$C" printenv FOO
t_out "-e NAME copies the caller's" fromhost env DT_V=fromhost "$DORY" --root "$ROOT" exec -e DT_V "$C" printenv DT_V
t_out "HOSTNAME as in the container" web x "$C" printenv HOSTNAME
t_out "-u by name" "1000 1000 /home/app" x -u app "$C" sh -c 'echo $(id -u) $(id -g) $HOME'
t_out "-u uid:gid" "7 50" x -u 7:50 "$C" sh -c 'echo $(id -u) $(id -g)'
t_out "the default working directory" / x "$C" pwd
t_out "-w" /tmp x -w /tmp "$C" pwd
t_fail 126 "working directory /nowhere: No such file or directory" "-w that does not exist" \
	x -w /nowhere "$C" true
t_fail 125 "needs to be an absolute path" "-w relative" x -w tmp "$C" true

# Confinement: the init's capabilities and seccomp policy
t_out "the init's capabilities" "$(x "$C" grep CapEff /proc/1/status 2>&1)" \
	x "$C" grep CapEff /proc/self/status
t_out "no_new_privs as the init's (off: Docker's default)" "NoNewPrivs:	0" \
	x "$C" grep NoNewPrivs /proc/self/status
t_fail 1 "Operation not permitted" "seccomp: a user namespace is refused" x "$C" unshare -U true

# stdin, and signals to dory reach the process
t_out "-i passes stdin" hi sh -c "echo hi | '$DORY' --root '$ROOT' exec -i '$C' cat"
t_out "without -i, stdin is empty" "" sh -c "echo hi | '$DORY' --root '$ROOT' exec '$C' cat"
for sig in TERM INT HUP; do
	"$DORY" --root "$ROOT" exec "$C" sh -c \
		"trap 'exit 42' $sig; touch /tmp/$T-trap; while :; do sleep 0.05; done" &
	epid=$!; T_PIDS="$T_PIDS $epid"
	t_wait_file "$R/tmp/$T-trap"
	kill -s "$sig" "$epid"
	t_wait "$epid"
	t_check "SIG$sig is forwarded" [ "$RC" = 42 ]
	rm -f "$R/tmp/$T-trap"
done

# -d: back at once, the command runs on
t_ok "-d returns" x -d "$C" sh -c "sleep 0.3; echo done >/tmp/$T-d"
t_check "-d: the command ran" t_wait_file "$R/tmp/$T-d"

# The terminal, driven through script(1)
if command -v script >/dev/null; then
	out=$(printf 'tty; test -t 1 && echo isatty\nexit 7\n' |
		TERM=dumb script -qec "$DORY --root $ROOT exec -it $C sh" /dev/null 2>&1); rc=$?
	t_check "-it: exit status through the pty" [ "$rc" = 7 ]
	t_check "-it: a pty of the container's own" grep -q '^/dev/pts/[0-9]' <<<"$out"
	t_check "-it: stdout is a terminal" grep -q '^isatty' <<<"$out"
	out=$(script -qec "$DORY --root $ROOT exec -t $C printenv TERM" /dev/null </dev/null 2>&1)
	t_check "-t sets TERM=xterm" grep -q '^xterm' <<<"$out"
else
	t_skip "-it under a pty" "script(1) is missing"
fi
t_fail 125 "the input device is not a TTY" "-it needs a terminal" x -it "$C" sh

# Refusals: one line, 125
t_fail 125 "no such container: $T-none" "no such container" x "$T-none" true
t_fail 125 "usage: dory exec CONTAINER COMMAND" "no command" x "$C"
if d pause "$C" >/dev/null 2>&1; then
	t_fail 125 "container $C is paused (unpause it first)" "a paused container" x "$C" true
	d unpause "$C" >/dev/null 2>&1
else
	t_skip "a paused container" "dory pause failed"
fi
# (dory itself in the background: $! must be its PID, not a subshell's)
"$DORY" --root "$ROOT" exec "$C" sh -c "touch /tmp/$T-long; exec sleep 30" >/dev/null 2>&1 &
epid=$!; T_PIDS="$T_PIDS $epid"
t_wait_file "$R/tmp/$T-long"
d stop -t 1 "$C" >/dev/null 2>&1
t_wait "$epid"
t_check "stop ends a running exec (137)" [ "$RC" = 137 ]
t_fail 125 "container $C is not running (start it first)" "a stopped container" x "$C" true
if d create --name "$T-p" --rootfs "$R" true >/dev/null 2>&1; then
	t_fail 125 "container $T-p is not running (start it first)" "a created container" \
		x "$T-p" true
fi
