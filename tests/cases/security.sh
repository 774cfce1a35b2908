# SPDX-License-Identifier: Apache-2.0
# security.sh - `dory run` capabilities (--cap-add, --cap-drop),
# --privileged and --device, on a busybox root filesystem.
. "$(dirname "$0")/../lib.sh"

R=$TMP/rootfs
t_rootfs "$R"
before=$(t_leftovers)
run() { "$DORY" run --rootfs "$R" "$@"; }
capeff() { run "$@" sh -c 'grep CapEff /proc/self/status | cut -f2'; }
# All capabilities of this kernel that dory itself holds (a sandbox may lack some).
last=$(cat /proc/sys/kernel/cap_last_cap)
held=$(grep CapEff /proc/self/status | cut -f2)
all=$(printf '%016x' $(( ((1 << (last + 1)) - 1) & 0x$held )))

# --cap-add and --cap-drop, on Docker's default set
t_ok "the default set allows chown" run chown 1 /home/app
t_fail 1 "Operation not permitted" "--cap-drop ALL refuses chown" \
	run --cap-drop ALL chown 1 /home/app
t_out "--cap-add SYS_ADMIN shows in CapEff" 00000000a82425fb capeff --cap-add SYS_ADMIN
t_out "--cap-add is case-insensitive, CAP_ optional" 00000000a82425fb capeff --cap-add cap_sys_admin
t_out "--cap-drop CHOWN removes exactly that bit" 00000000a80425fa capeff --cap-drop CHOWN
t_out "--cap-drop ALL --cap-add NET_BIND_SERVICE" 0000000000000400 \
	capeff --cap-drop ALL --cap-add NET_BIND_SERVICE
t_out "--cap-add ALL --cap-drop KILL" "$(printf '%016x' $((0x$all & ~(1 << 5))))" \
	capeff --cap-add ALL --cap-drop KILL
# Capabilities the caller holds beyond the bounding set do not pass on:
# inheritable ones (root's exec would add them) and ambient ones, which a
# service manager may give dory.
if setpriv --inh-caps +sys_admin --ambient-caps +sys_admin true 2>/dev/null; then
	t_out "the caller's inheritable and ambient capabilities stop at the container" \
		"0000000000000000 00000000a80425fb 0000000000000000" \
		setpriv --inh-caps +sys_admin --ambient-caps +sys_admin "$DORY" run --rootfs "$R" \
		awk '/^Cap(Inh|Eff|Amb)/ { printf "%s%s", s, $2; s = " " } END { print "" }' \
		/proc/self/status
else
	t_skip "the caller's inheritable and ambient capabilities" "setpriv cannot set them"
fi
t_fail 125 'unknown capability "CAP_BOGUS"' "an unknown --cap-add name" \
	run --cap-add CAP_BOGUS true
t_fail 125 'unknown capability "nope"' "an unknown --cap-drop name" run --cap-drop nope true

# --privileged: every capability, no seccomp, no masks, the host's devices
t_out "--privileged: CapEff is all capabilities" "$all" capeff --privileged
# A masked path this kernel has (/proc/kcore needs CONFIG_PROC_KCORE).
for m in /proc/kcore /proc/keys /proc/timer_list; do [ -e "$m" ] && break; done
t_out "by default $m is masked" 1 run sh -c "grep -c ' $m ' /proc/self/mountinfo"
t_out "--privileged: $m is not masked" 0 \
	run --privileged sh -c "test -e $m && { grep -c ' $m ' /proc/self/mountinfo; :; }"
t_ok "--privileged: /proc/sys is writable" run --privileged \
	sh -c 'grep " /proc/sys " /proc/self/mountinfo; [ $? = 1 ]'
t_ok "--privileged: /sys is read-write" run --privileged \
	sh -c 'grep " /sys " /proc/self/mountinfo | grep -q " rw,"'
if [ -c /dev/loop-control ]; then
	t_out "--privileged: the host's /dev/loop-control" "character special file a,ed" \
		run --privileged stat -c '%F %t,%T' /dev/loop-control
	t_fail 1 "" "... which a default container lacks" run test -e /dev/loop-control
else
	t_skip "--privileged: the host's /dev/loop-control" "the host has none"
fi
t_ok "--privileged: no seccomp (unshare -U works)" run --privileged unshare -U true

# --device HOST[:CONTAINER][:rwm]
t_out "--device /dev/null:/dev/mynull" "character special file 1,3" \
	run --device /dev/null:/dev/mynull stat -c '%F %t,%T' /dev/mynull
t_out "--device with a mode and a new directory" "character special file 1,5" \
	run --device /dev/zero:/dev/x/zero:rw stat -c '%F %t,%T' /dev/x/zero
t_out "--device HOST alone keeps the path" "character special file 1,7" \
	run --device /dev/full:rwm stat -c '%F %t,%T' /dev/full
t_fail 125 "/dev/nope: No such file or directory" "--device on a missing host path" \
	run --device /dev/nope true
t_fail 125 "not a character or block device" "--device on a regular file" \
	run --device /etc/passwd:/dev/p true
t_fail 125 "use a path under /dev/" "--device outside /dev" run --device /dev/null:/etc/n true
t_fail 125 'invalid device mode "rx"' "--device with a bad mode" \
	run --device /dev/null:/dev/n:rx true

t_out "no cgroup or mount left behind" "$before" t_leftovers

# The devices controller: a node made with mknod cannot be opened unless
# allowed, while the default nodes work. The node's major is one no driver
# has here, so that only the rules refuse it (not CAP_SYS_RAWIO, as for
# /dev/mem): where they allow it, opening it finds no device.
maj=$(awk '/^Character/ { c = 1; next } /^Block/ { c = 0 } c { u[$1] = 1 }
	END { for (m = 60; m < 64; m++) if (!u[m]) { print m; exit } }' /proc/devices)
t_fail 1 "Operation not permitted" "devices: a node outside the rules cannot be opened" \
	"$DORY" run --rootfs "$R" sh -c "mknod /home/x c $maj 0 && head -c 1 /home/x >/dev/null"
t_match "... which only the rules refuse (--privileged: no such device)" "No such device" \
	"$DORY" run --rootfs "$R" --privileged sh -c "mknod /home/y c $maj 0; head -c 1 /home/y 2>&1; true"
t_ok "devices: the default nodes can be used" "$DORY" run --rootfs "$R" sh -c \
	'echo x >/dev/null && head -c 1 /dev/urandom >/dev/null && head -c 1 /dev/zero >/dev/null'
