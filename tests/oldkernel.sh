# SPDX-License-Identifier: Apache-2.0
# oldkernel.sh - sourced after tests/lib.sh by tests/cases/oldkernel*.sh:
# other case files run again as on an old kernel. dory runs under
# tests/tools/enosys, a seccomp filter that answers every system call newer
# than Linux $OLDKERNEL_LEVEL (default 4.14) with ENOSYS, and seccomp(2)
# flags newer than it with EINVAL, so that each of dory's fallbacks for old
# kernels runs on this one. Not a boot of that kernel: /proc, /sys and the
# cgroup files still are this kernel's.
#   ok_setup           builds enosys ($OK_E) and the wrapper ($OK_W) that
#                      runs $DORY under it; skips the whole case file where
#                      it cannot (not x86_64, no static gcc)
#   ok_cases CASE...   runs tests/cases/CASE.sh with DORY=$OK_W, its TAP
#                      lines renamed "$CASE LEVEL: CASE: ..."
# OLDKERNEL_LEVEL=4.10 takes statx away too.

OK_LEVEL=${OLDKERNEL_LEVEL:-4.14}
OK_CASES=$(cd "$(dirname "${BASH_SOURCE[0]}")/cases" && pwd)
OK_E=$TMP/enosys
OK_W=$TMP/dory-$OK_LEVEL

ok_setup()
{
	[ "$(uname -m)" = x86_64 ] || { t_skip "old kernel" "enosys knows x86_64 numbers only"; exit 0; }
	gcc -static -O1 -o "$OK_E" "$OK_CASES/../tools/enosys.c" 2>"$ERR" ||
		{ t_skip "old kernel" "gcc -static cannot build tests/tools/enosys.c"; exit 0; }
	printf '#!/bin/sh\nexec "%s" --level %s -- "%s" "$@"\n' "$OK_E" "$OK_LEVEL" "$DORY" >"$OK_W"
	chmod 755 "$OK_W"
}

ok_cases()
{
	local c rc

	for c; do
		timeout -k 10 300 env DORY="$OK_W" bash "$OK_CASES/$c.sh" >"$TMP/$c.tap" 2>&1
		rc=$?
		sed -n -e "s/^ok - /ok - $CASE $OK_LEVEL: /p" \
			-e "s/^not ok - /not ok - $CASE $OK_LEVEL: /p" -e '/^#/p' "$TMP/$c.tap"
		case $rc in
		124|137) t_report 1 "$OK_LEVEL: $c stopped after 300 s" ;;
		*) grep -q '^\(not \)\{0,1\}ok - ' "$TMP/$c.tap" ||
			t_report 1 "$OK_LEVEL: $c ran no test" ;;
		esac
	done
}
