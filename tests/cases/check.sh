# SPDX-License-Identifier: Apache-2.0
# check.sh - `dory check` on this machine: every line there and agreeing
# with what the kernel and the mounts say, the exit status following the
# required items (cgroups hidden, a read-only store), the store's
# filesystem, the clock, and nothing left behind (mounts, cgroups, links,
# scratch dirs).
. "$(dirname "$0")/../lib.sh"

command -v unshare >/dev/null || { t_skip "check" "no unshare"; exit 0; }
ROOT=$TMP/root
mkdir -p "$ROOT"
check() { "$DORY" --root "$ROOT" check "$@"; }

# t_rc NAME CODE ERE CMD...: exits CODE, stdout matches ERE (one line).
t_rc()
{
	local name=$1 code=$2 re=$3; shift 3
	t_run "$@"
	[ "$RC" = "$code" ] && grep -Eq -- "$re" "$OUT"
	t_report $? "$name" "exit $RC (want $code); want /$re/ got [$(cat "$OUT")]; stderr: $(cat "$ERR")"
}
# line ITEM: the item's line of the last run ("ITEM  STATE  FOUND").
line() { grep -E "^$1 +(ok|limited|missing) " "$OUT" | tr -s ' '; }

start=$(date +%s%N)
t_run check
took=$((($(date +%s%N) - start) / 1000000))
full=$(cat "$OUT")
t_report $((RC != 0)) "exit 0 on this machine" "exit $RC; $full; stderr: $(cat "$ERR")"
echo "# dory check took $took ms"
t_check "under a second ($took ms, 3 s allowed on a busy machine)" [ "$took" -lt 3000 ]
missing=""
for i in kernel namespaces "user ns" seccomp cgroups memory cpu pids cpuset devices freezer \
	store overlay idmap veth bridge nf_tables ipv6 clock; do
	grep -Eq "^$i +(ok|limited|missing) " "$OUT" || missing="$missing [$i]"
done
t_report "$([ -z "$missing" ]; echo $?)" "a line for every item" "missing:$missing in: $full"
t_check "fits 80 columns" [ -z "$(awk 'length > 80' "$OUT")" ]
t_check "the verdict is the last line" [ "$(tail -n 1 "$OUT" | cut -c1-6)" = "ready:" ]
t_check "the kernel line is uname's" [ "$(line kernel)" = "kernel ok $(uname -s) $(uname -r) $(uname -m)" ]

# The layout and each controller's hierarchy, as the mounts say.
v1=$(awk '$0 ~ / - cgroup cgroup / && $0 !~ /name=/' /proc/self/mountinfo | grep -c .)
v2=$(grep -c ' - cgroup2 ' /proc/self/mountinfo)
case $v1,$v2 in 0,0) lay="none mounted" ;; 0,*) lay=v2 ;; *,0) lay=v1 ;; *) lay=hybrid ;; esac
t_check "cgroups: $lay, as mountinfo says" [ "$(line cgroups | cut -d' ' -f3)" = "${lay%% *}" ]
for c in memory cpu pids cpuset devices freezer; do
	if [ -n "$(t_cg_mount "$c")" ]; then
		t_check "$c: on v1, where it is mounted" [ "$(line "$c" | cut -d' ' -f2,3)" = "ok v1" ]
	fi
done
t_check "namespaces: /proc/self/ns has each it lists" \
	sh -c 'for n in $(echo "$1" | sed "s/^namespaces [a-z]* //; s/,.*//"); do
		[ -e /proc/self/ns/$n ] || exit 1; done' sh "$(line namespaces)"
t_check "store: the filesystem under --root" \
	[ "$(line store | cut -d' ' -f3)" = "$(stat -f -c %T "$ROOT" | sed 's/ext2\/ext3/ext4/'),"  ]

# With /sys/fs/cgroup covered by an empty tmpfs: no cgroups, no device
# rules: not ready.
t_rc "no cgroups: exit 1" 1 '^cgroups +missing +none mounted' \
	unshare -m sh -c 'mount -t tmpfs none /sys/fs/cgroup && exec "$@"' sh \
	"$DORY" --root "$ROOT" check
t_check "... devices missing and required" grep -Eq '^devices +missing' "$OUT"
t_check "... the verdict names them" grep -q '^not ready: .*cgroups, devices' "$OUT"
t_check "... the controllers say what is lost" grep -q 'no -m/--memory limits' "$OUT"

# Only the v2 hierarchy (the v1 ones covered): a controller v2 does not
# list is missing; device rules need the BPF program, and the exit status
# follows whether it loads.
# (At the host's own mount point: cg_parse takes a hierarchy's first mount.)
v2mnt=$(t_cg_mount "")
v2ctl=$(cat "$v2mnt/cgroup.controllers" 2>/dev/null)
if [ "$v2" -gt 0 ]; then
	t_run unshare -m sh -c 'mount -t tmpfs none /sys/fs/cgroup && mkdir -p "$1" &&
		mount -t cgroup2 none "$1" && shift && exec "$@"' sh "$v2mnt" \
		"$DORY" --root "$ROOT" check
	t_check "v2 only: cgroups v2" [ "$(line cgroups | cut -d' ' -f2,3)" = "ok v2" ]
	for c in memory pids; do
		case " $v2ctl " in
		*" $c "*) ;;
		*) t_check "v2 only: $c missing, as cgroup.controllers lacks it" \
			grep -Eq "^$c +missing +v2" "$OUT" ;;
		esac
	done
	case $(line devices | cut -d' ' -f2,3) in
	"ok v2") t_check "v2 only: devices by BPF, exit 0" [ "$RC" = 0 ] ;;
	"missing v2") t_check "v2 only: no BPF device program, exit 1" [ "$RC" = 1 ] ;;
	*) t_report 1 "v2 only: a devices line" "$(cat "$OUT")" ;;
	esac
else
	t_skip "v2 only" "no cgroup2 mounted here"
fi

# The store on a tmpfs (not made yet: check makes nothing), then read-only.
mkdir -p "$TMP/ram"
if mount -t tmpfs -o size=32m "$T" "$TMP/ram"; then
	T_MOUNTS="$T_MOUNTS $TMP/ram"
	t_rc "store on tmpfs" 0 '^store +limited +tmpfs, 32 MiB free \(not made yet\)' \
		"$DORY" --root "$TMP/ram/r" check
	t_check "... little room said" grep -q 'little room' "$OUT"
	t_check "... the root is not made" [ ! -e "$TMP/ram/r" ]
	t_check "... no scratch dir left" [ -z "$(ls -A "$TMP/ram")" ]
	mount -o remount,ro "$TMP/ram"
	t_rc "read-only store: exit 1" 1 '^store +missing +tmpfs' "$DORY" --root "$TMP/ram/r" check
	t_check "... the verdict names it" grep -q '^not ready: .*store' "$OUT"
	t_check "... overlay falls back to bind-copy" grep -q 'bind-copy instead of overlay' "$OUT"
	umount "$TMP/ram"
else
	t_skip "store on tmpfs" "cannot mount a tmpfs"
fi

# The clock: its line follows DORY_TLS_CLOCK (a wrong clock is not
# required: containers run, pulls fail).
t_rc "DORY_TLS_CLOCK=build: limited" 0 '^clock +limited +[0-9-]+, DORY_TLS_CLOCK=build' \
	env DORY_TLS_CLOCK=build "$DORY" --root "$ROOT" check
t_rc "a bad DORY_TLS_CLOCK: pull will fail" 0 'pull will fail' \
	env DORY_TLS_CLOCK=later "$DORY" --root "$ROOT" check
printf '{"storage-driver": "bind-copy"}\n' >"$TMP/bc.json"
t_rc "storage-driver bind-copy: overlay not used" 0 '^overlay +limited +not used' \
	env DORY_CONFIG="$TMP/bc.json" "$DORY" --root "$ROOT" check
printf '{"storage-driver": \n' >"$TMP/bad.json"
t_rc "a broken config file: exit 1" 1 '^config +missing' \
	env DORY_CONFIG="$TMP/bad.json" "$DORY" --root "$ROOT" check

t_fail 125 "takes no arguments" "check takes no arguments" check extra
if command -v setpriv >/dev/null; then
	t_fail 125 "must be run as root" "check needs root" \
		setpriv --reuid=65534 --regid=65534 --clear-groups "$DORY" check
fi

# Nothing left: mounts (the probes' own are in children's namespaces),
# links in the host's namespace, scratch dirs. (Cgroups are only read;
# other sessions' come and go, so they are not counted here.)
t_check "no mount left" [ -z "$(grep -F -e "$TMP" -e .dory- /proc/self/mountinfo)" ]
t_check "no link made in the host's namespace" [ -z "$(ls /sys/class/net | grep '^dory-probe')" ]
t_check "no scratch dir left under --root" [ -z "$(ls -A "$ROOT")" ]
