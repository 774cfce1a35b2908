# SPDX-License-Identifier: Apache-2.0
# oldkernel.sh - the container cases again as on an old kernel: dory runs
# under tests/tools/enosys, a seccomp filter that answers every system call
# newer than Linux 4.14 with ENOSYS (and seccomp(2) flags newer than it with
# EINVAL), so that each of dory's fallbacks runs on this kernel. Not a boot
# of 4.14: files of /proc, /sys and cgroupfs still are 6.18's.
#   OLDKERNEL_LEVEL=4.10 (statx gone too), OLDKERNEL_CASES="run exec"
. "$(dirname "$0")/../lib.sh"

LEVEL=${OLDKERNEL_LEVEL:-4.14}
CASES=${OLDKERNEL_CASES:-run exec lifecycle userns loadsave unpack pull}
HERE=$(cd "$(dirname "$0")" && pwd)
R=$TMP/rootfs
E=$TMP/enosys
W=$TMP/dory-$LEVEL

[ "$(uname -m)" = x86_64 ] || { t_skip "old kernel" "enosys knows x86_64 numbers only"; exit 0; }
gcc -static -O1 -o "$E" "$HERE/../tools/enosys.c" 2>"$ERR" ||
	{ t_skip "old kernel" "gcc -static cannot build tests/tools/enosys.c"; exit 0; }
printf '#!/bin/sh\nexec "%s" --level %s -- "%s" "$@"\n' "$E" "$LEVEL" "$DORY" >"$W"
chmod 755 "$W"
t_rootfs "$R"

# The filter does what the cases below rely on.
t_out "enosys: clone3 is ENOSYS at $LEVEL" ENOSYS "$E" --level "$LEVEL" -- "$E" --try clone3
t_out "... and without it, EINVAL (the kernel has it)" EINVAL "$E" --try clone3
t_out "... mount_setattr too" ENOSYS "$E" --level "$LEVEL" -- "$E" --try mount_setattr
t_out "... what 4.14 had is left alone: statx" EFAULT "$E" --level 4.14 -- "$E" --try statx
t_out "... as at 4.10 it is not" ENOSYS "$E" --level 4.10 -- "$E" --try statx
t_fail 2 "bad level '4'" "a bad level is refused" "$E" --level 4 -- true
# Its filter and dory's own are both on the container.
t_out "a container runs under both filters" "Seccomp_filters:	2" \
	"$W" run --rm --rootfs "$R" grep Seccomp_filters /proc/self/status

for c in $CASES; do
	timeout -k 10 300 env DORY="$W" bash "$HERE/$c.sh" >"$TMP/$c.tap" 2>&1
	rc=$?
	sed -n -e "s/^ok - /ok - $CASE $LEVEL: /p" -e "s/^not ok - /not ok - $CASE $LEVEL: /p" \
		-e '/^#/p' "$TMP/$c.tap"
	case $rc in
	124|137) t_report 1 "$LEVEL: $c stopped after 300 s" ;;
	*) grep -q '^\(not \)\{0,1\}ok - ' "$TMP/$c.tap" || t_report 1 "$LEVEL: $c ran no test" ;;
	esac
done
