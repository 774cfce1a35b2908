# SPDX-License-Identifier: Apache-2.0
# run.sh - `dory run --rootfs`: exit codes, signals, isolation, identity,
# the terminal, and nothing left behind.
. "$(dirname "$0")/../lib.sh"

R=$TMP/rootfs
t_rootfs "$R"
before=$(t_leftovers)
run() { "$DORY" run --rootfs "$R" "$@"; }
# bg: dory in the background; dpid is dory's own PID (not a subshell's).
bg() { "$DORY" run --rootfs "$R" "$@" & dpid=$!; T_PIDS="$T_PIDS $dpid"; }

# Exit status, as Docker's
t_ok "exit 0" run true
t_fail 3 "" "exit 3" run sh -c 'exit 3'
t_fail 126 'exec: "/etc/passwd": Permission denied' "126 when not executable" run /etc/passwd
t_fail 127 'exec: "nope": executable file not found in $PATH' "127 when not in PATH" run nope
t_fail 127 'exec: "/bin/nope": No such file or directory' "127 for a missing path" run /bin/nope

# Signals the caller ignores (nohup, a background job) are not ignored in
# the container, as under Docker: real-time ones too, 34 (which musl keeps
# for itself) and 40.
t_out "signals the caller ignores are the defaults inside" "SigIgn:	0000000000000000" \
	bash -c "trap '' HUP INT PIPE USR1 34 40; exec \"\$0\" run --rm --rootfs \"\$1\" \
		grep SigIgn /proc/self/status" "$DORY" "$R"

# 137: the container's PID 1 killed from outside, as the OOM killer does
bg sh -c 'touch /tmp/up; exec sleep 30'
t_wait_file "$R/tmp/up"
cpid=$(t_child "$dpid")
[ -n "$cpid" ] && kill -KILL "$cpid"
t_wait $dpid
t_check "137 when killed by SIGKILL" [ "$RC" = 137 ]
rm -f "$R/tmp/up"

# Signals to dory reach the container
for sig in TERM INT HUP QUIT USR1 USR2; do
	bg sh -c "trap 'exit 42' $sig; touch /tmp/trap; while :; do sleep 0.05; done"
	t_wait_file "$R/tmp/trap"
	kill -s "$sig" "$dpid"
	t_wait $dpid
	t_check "SIG$sig is forwarded" [ "$RC" = 42 ]
	rm -f "$R/tmp/trap"
done
bg sh -c 'touch /tmp/up; exec sleep 30'
t_wait_file "$R/tmp/up"
kill -s TERM "$dpid"; sleep 0.3
t_check "PID 1 without a TERM handler ignores SIGTERM (as in Docker)" kill -0 "$dpid"
cpid=$(t_child "$dpid")
[ -n "$cpid" ] && kill -KILL "$cpid"
t_wait $dpid
rm -f "$R/tmp/up"

# Seccomp: Docker's default policy, a profile of one's own, unconfined
t_fail 1 "Operation not permitted" "seccomp: a user namespace is refused by default" \
	run unshare -U true
t_ok "... and allowed with seccomp=unconfined" run --security-opt seccomp=unconfined unshare -U true
t_fail 1 "permission denied" "mount is refused" run mount -t tmpfs t /mnt
printf '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],
 "action":"SCMP_ACT_ERRNO"}]}' >"$TMP/nomkdir.json"
t_fail 1 "Operation not permitted" "a JSON profile that denies mkdir" \
	run --security-opt seccomp="$TMP/nomkdir.json" mkdir /home/x
t_ok "... leaves the rest allowed" run --security-opt seccomp="$TMP/nomkdir.json" \
	sh -c 'echo x >/home/f && rm /home/f'
# The syscalls Docker's default policy refuses, by a static probe
if gcc -static -O1 -o "$R/bin/sysprobe" "$(dirname "$0")/../tools/sysprobe.c" 2>/dev/null; then
	for c in keyctl unshare mount; do
		t_out "default seccomp: $c fails with EPERM" EPERM sh -c \
			"\"$DORY\" run --rm --rootfs \"$R\" sysprobe $c; true"
	done
	# Docker's profile allows ptrace from Linux 4.8 on (before it, ptrace
	# could skip seccomp), and so does ours: only older kernels refuse it.
	k=$(uname -r | awk -F. '{ print $1 * 1000 + $2 }')
	t_out "default seccomp: ptrace as Docker's (EPERM only before 4.8)" \
		"$([ "$k" -ge 4008 ] && echo ok || echo EPERM)" sh -c \
		"\"$DORY\" run --rm --rootfs \"$R\" sysprobe ptrace; true"
	# A setuid-root program works under the default seccomp filter, not
	# with no-new-privileges (Docker's rule: the kernel ignores the bit).
	cp "$R/bin/sysprobe" "$R/bin/suprobe" && chmod 4755 "$R/bin/suprobe"
	t_out "a setuid-root program gets euid 0 by default" 0 run -u app suprobe euid
	t_out "... but not with no-new-privileges" 1000 run -u app \
		--security-opt no-new-privileges suprobe euid
	got=$("$DORY" run --rm --rootfs "$R" --security-opt seccomp=unconfined sysprobe keyctl)
	t_check "... keyctl is not refused with seccomp=unconfined ($got)" [ "$got" != EPERM ]
	# --cpus 0.5 for 2 s of spinning: about 1 CPU second (2 without it)
	cpu=$("$DORY" run --rm --rootfs "$R" --cpus 0.5 sysprobe spin 2 2>&1)
	t_check "--cpus 0.5 holds roughly: $cpu CPU s in 2 s" awk -v c="$cpu" \
		'BEGIN { exit !(c + 0 > 0.3 && c + 0 < 1.3) }'
else
	t_skip "seccomp probes and CPU quota" "gcc -static cannot build tests/tools/sysprobe.c"
fi
echo '{bad' >"$TMP/bad.json"
t_fail 125 "invalid JSON" "a broken profile" run --security-opt seccomp="$TMP/bad.json" true
t_fail 125 'unsupported --security-opt "bogus"' "an unknown --security-opt" \
	run --security-opt bogus true

# Resource limits (cgroup v1 here; v2 is covered by the unit tests)
t_fail 137 "" "-m: a memory hog is OOM-killed (137)" run -m 32m sh -c \
	'x=$(head -c 200000000 /dev/zero | tr "\0" a)'
t_match "--pids-limit: a fork bomb stops at the limit" "can't fork" sh -c \
	"\"$DORY\" run --rootfs \"$R\" --pids-limit 5 sh -c 'for i in 1 2 3 4 5 6 7 8; do sleep 1 & done' 2>&1; true"
# ... and the values the kernel has in the container's cgroups, each
# controller in the version this machine gives it (v1, v2, or a hybrid)
bg --cpus 0.5 --cpu-shares 512 --cpuset-cpus 0 -m 64m --memory-swap 128m --pids-limit 50 \
	sh -c 'touch /tmp/up; exec sleep 30'
t_wait_file "$R/tmp/up"
cpid=$(t_child "$dpid")
t_cglimit "-m 64m: the memory limit" "$cpid" memory \
	memory.limit_in_bytes 67108864 memory.max 67108864
if [ -n "$(t_cg_value "$cpid" memory memory.memsw.limit_in_bytes memory.swap.max)" ]; then
	t_cglimit "--memory-swap 128m: memory and swap (v1), swap alone (v2)" "$cpid" memory \
		memory.memsw.limit_in_bytes 134217728 memory.swap.max 67108864
else
	t_skip "--memory-swap 128m in the cgroup" "the kernel does not account swap"
fi
t_cglimit "--cpus 0.5: a quota of 50 ms a 100 ms period" "$cpid" cpu \
	"cpu.cfs_quota_us cpu.cfs_period_us" "50000 100000" cpu.max "50000 100000"
t_cglimit "--cpu-shares 512: shares (v1), weight (v2, as runc maps them)" "$cpid" cpu \
	cpu.shares 512 cpu.weight 20
t_cglimit "--cpuset-cpus 0" "$cpid" cpuset cpuset.cpus 0 cpuset.cpus 0
t_cglimit "--pids-limit 50" "$cpid" pids pids.max 50 pids.max 50
[ -n "$cpid" ] && kill -KILL "$cpid"
t_wait $dpid
rm -f "$R/tmp/up"
# A process limit by default (the config's "default-pids-limit", 2048
# unless set, 0 for none); --pids-limit overrides it, 0 and -1 meaning none.
pids_max() # [RUN-FLAGS...]: the container's pids.max
{
	bg "$@" sh -c 'touch /tmp/pm; exec sleep 30'
	t_wait_file "$R/tmp/pm"
	cpid=$(t_child "$dpid")
	[ -n "$cpid" ] && t_cg_value "$cpid" pids pids.max pids.max | cut -d' ' -f2
	[ -n "$cpid" ] && kill -KILL "$cpid"
	t_wait $dpid
	rm -f "$R/tmp/pm"
}
t_out "2048 processes by default" 2048 pids_max
t_config '"default-pids-limit": 100'
t_out "... the config's \"default-pids-limit\"" 100 pids_max
t_out "... --pids-limit overrides it" 77 pids_max --pids-limit 77
t_config '"default-pids-limit": 0'
t_out "... 0 there for none" max pids_max
t_config
t_out "... --pids-limit 0: none, as Docker" max pids_max --pids-limit 0
t_out "... --pids-limit -1: none" max pids_max --pids-limit -1
t_config '"default-pids-limit": "lots"'
t_fail 125 '"default-pids-limit" must be a whole number' "a bad default-pids-limit" run true
t_config
t_fail 125 'invalid --pids-limit "x"' "a bad --pids-limit" run --pids-limit x true
t_fail 125 "range of CPUs is from 0.01" "--cpus above the CPU count" run --cpus 999 true
t_fail 125 'invalid --memory "1x"' "a bad memory size" run -m 1x true
t_fail 125 "--memory-swap" "swap below memory" run -m 64m --memory-swap 32m true

# Namespaces and identity
t_out "PID 1 is the command" 1 run sh -c 'echo $$'
t_ok "an fd the caller inherited does not reach the container" sh -c \
	"exec 9</dev/null; \"$DORY\" run --rm --rootfs \"$R\" sh -c 'test ! -e /proc/self/fd/9'"
t_out "only the container's processes" /proc/1 run sh -c 'echo /proc/[0-9]*'
t_out "hostname" web run -h web hostname
t_match "default hostname is the short id" '^[0-9a-f]{12}$' run hostname
t_out "HOSTNAME in the environment" web run --hostname=web printenv HOSTNAME
t_out "-e" "bar" run -e FOO=bar printenv FOO
t_out "-e K copies the caller's value" "from-host" env DT_V=from-host "$DORY" run \
	--rootfs "$R" -e DT_V printenv DT_V
printf '# comment\nA=1\n\n  B=two words\nA=3\n' >"$TMP/env"
t_out "--env-file, then -e overrides" "3 two words x" run --env-file "$TMP/env" -e C=x \
	sh -c 'echo "$A $B $C"'
t_out "default PATH" /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin run printenv PATH
t_out "HOME of root" /root run printenv HOME
t_out "-w creates and enters the directory" /work/dir run -w /work/dir pwd
t_out "-u UID:GID" "1234:567" run -u 1234:567 sh -c 'echo $(id -u):$(id -g)'
t_out "-u NAME from the rootfs's /etc/passwd" "1000 1000 /home/app 50" run -u app \
	sh -c 'echo $(id -u) $(id -g) $HOME $(id -G | tr " " "\n" | grep -x 50)'
t_out "-u NAME:GROUP" "1000:50" run -u app:staff sh -c 'echo $(id -u):$(id -g)'
t_out "the user cannot write where root owns" "denied" run -u app \
	sh -c 'touch /etc/x 2>/dev/null || echo denied'

# Security defaults
t_out "CapEff is Docker's default set" 00000000a80425fb run sh -c \
	'grep CapEff /proc/self/status | cut -f2'
t_out "CapBnd is Docker's default set" 00000000a80425fb run sh -c \
	'grep CapBnd /proc/self/status | cut -f2'
t_out "a non-root user has no capabilities" 0000000000000000 run -u app sh -c \
	'grep CapEff /proc/self/status | cut -f2'
# no_new_privs as Docker: off unless asked, or the config file's default
nnp() { run "$@" sh -c 'grep NoNewPrivs /proc/self/status | cut -f2'; }
t_out "NoNewPrivs is 0 by default, as Docker" 0 nnp
t_out "... 1 with --security-opt no-new-privileges" 1 nnp --security-opt no-new-privileges
t_out "... and with =true" 1 nnp --security-opt no-new-privileges=true
t_out "... 0 with seccomp=unconfined" 0 nnp --security-opt seccomp=unconfined
# (t_config: lib.sh's cgroup parent and no network stay: nothing in this
# machine's own namespace or below /dory)
t_config '"no-new-privileges": true'
t_out "... 1 with \"no-new-privileges\": true in the config" 1 nnp
t_out "... which no-new-privileges=false overrides" 0 nnp --security-opt no-new-privileges=false
t_config
t_fail 125 'invalid --security-opt "no-new-privileges=maybe"' "a bad no-new-privileges value" \
	run --security-opt no-new-privileges=maybe true
for p in /proc/timer_list /proc/keys /proc/interrupts; do
	t_out "masked file $p reads empty" 0 run sh -c "cat $p 2>/dev/null | wc -c"
done
t_out "masked directory /sys/firmware is empty" "" run ls -A /sys/firmware
t_out "/proc/sys is read-only" denied run sh -c \
	'echo x 2>/dev/null >/proc/sys/kernel/hostname || echo denied'
t_out "/proc/sysrq-trigger is read-only" denied run sh -c \
	'echo h 2>/dev/null >/proc/sysrq-trigger || echo denied'
t_out "/sys is read-only" denied run sh -c 'mkdir /sys/x 2>/dev/null || echo denied'

# The host is out of sight
touch "/tmp/$T-host-marker"
t_out "the host's files are not visible" absent run sh -c \
	"test -e /tmp/$T-host-marker && echo present || echo absent"
rm -f "/tmp/$T-host-marker"
t_out "/ is the rootfs" "bin dev etc home proc sys tmp work" run sh -c 'echo $(ls /)'
t_out "only lo exists" lo run ls /sys/class/net
t_out "lo is up" 0x9 run cat /sys/class/net/lo/flags
t_out "/dev is minimal" "console? no; full mqueue null ptmx pts random shm tty urandom zero" \
	run sh -c 'test -e /dev/console && c=yes || c=no; echo "console? $c;" \
	$(ls /dev | grep -v -e "^fd$" -e "^std" -e "^core$")'
t_out "--read-only root" denied run --read-only sh -c 'touch /x 2>/dev/null || echo denied'
t_out "--read-only leaves /dev/shm writable" ok run --read-only sh -c \
	'touch /dev/shm/x && echo ok'
# --rm: once the container exits, nothing of it is left
bg --rm --name "$T-rm" sh -c 'touch /tmp/up; exec sleep 30'
t_wait_file "$R/tmp/up"
id=$("$DORY" inspect -f '{{.Id}}' "$T-rm" 2>/dev/null)
cpid=$(t_child "$dpid")
cgs=$(t_cgroups "$cpid")
running() { [ -n "$id" ] && [ -n "$cgs" ] && [ -d "$DORY_ROOT/containers/$id" ]; }
t_check "--rm: while it runs, it has a record, a directory and cgroups" running
[ -n "$cpid" ] && kill -KILL "$cpid"
t_wait $dpid
t_check "--rm: its status is still the container's" [ "$RC" = 137 ]
t_fail 1 "Error: No such object: $T-rm" "--rm: then its record is gone" "$DORY" inspect "$T-rm"
gone() { local d; for d; do [ ! -e "$d" ] || return 1; done; }
t_check "... its directories under --root and --state" gone "$DORY_ROOT/containers/$id" \
	"$DORY_STATE/containers/$id"
t_check "... its cgroups" gone $cgs
t_check "... and every mount that names it" eval "! grep -qF '${id:-none}' /proc/self/mountinfo"
rm -f "$R/tmp/up"

# The terminal: a pty driven through script(1); its 0x0 size gives 80x24
if command -v script >/dev/null; then
	out=$(printf 'tty; stty size; test -e /dev/console && echo console\nexit 7\n' |
		TERM=dumb script -qec "$DORY run -it --rootfs $R sh" /dev/null 2>&1); rc=$?
	t_check "-it: exit status through the pty" [ "$rc" = 7 ]
	t_check "-it: stdin is the container's own pty" grep -q '^/dev/pts/0' <<<"$out"
	t_check "-it: serial-console window size falls back to 24 80" grep -q '^24 80' <<<"$out"
	t_check "-it: /dev/console exists" grep -q '^console' <<<"$out"
	out=$(script -qec "$DORY run -t --rootfs $R printenv TERM" /dev/null </dev/null 2>&1)
	t_check "-t sets TERM=xterm" grep -q '^xterm' <<<"$out"
else
	t_skip "-it under a pty" "script(1) is missing"
fi
t_fail 125 "the input device is not a TTY" "-it needs a terminal" run -it sh

# Bad input: one line, exit 125, nothing changed
t_fail 125 "rootfs $TMP/none: No such file or directory" "missing rootfs" \
	"$DORY" run --rootfs "$TMP/none" true
t_fail 125 "not a directory" "rootfs is a file" "$DORY" run --rootfs "$R/etc/passwd" true
t_fail 125 "is the host's root" "rootfs / is refused" "$DORY" run --rootfs / true
t_fail 125 "no image given" "no image and no rootfs" "$DORY" run
t_fail 125 "no such image" "an image not in the store, --pull never" "$DORY" --root "$TMP/root" run --pull never true
t_fail 125 "no command given" "no command" run
t_fail 125 "unknown flag: --bogus" "unknown flag" run --bogus true
t_fail 125 "flag needs an argument: -e" "missing flag value" "$DORY" run --rootfs "$R" -e
t_fail 125 "invalid hostname" "bad hostname" run -h 'a b' true
t_fail 125 "needs to be an absolute path" "relative workdir" run -w rel true
t_fail 125 "unable to find user nobody" "unknown user" run -u nobody true
t_fail 125 "unable to find group nogroup" "unknown group" run -u app:nogroup true
t_fail 125 "invalid environment variable" "bad env name" run -e 'A B=1' true
t_fail 125 "env file: open $TMP/none" "missing env file" run --env-file "$TMP/none" true
t_fail 125 "working directory" "workdir on a read-only root" run --read-only -w /new true

# Nothing left behind, after runs that worked and runs that failed
t_out "no cgroup or mount left behind" "$before" t_leftovers
