#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bench/start.sh - start-to-exit latency of `dory run --rm --rootfs R /bin/true`
# against the floor (unshare + chroot, no isolation beyond namespaces) and
# against crun on the same busybox rootfs. Prints medians and ratios.
#   bench/start.sh [RUNS]      (as root; DORY= picks the binary)
set -eu
cd "$(dirname "$0")/.."
DORY=${DORY:-$PWD/build/dory}
RUNS=${1:-50}
[ "$(id -u)" = 0 ] || { echo "bench/start.sh: run as root" >&2; exit 1; }
[ -x "$DORY" ] || { echo "bench/start.sh: no $DORY: run make first" >&2; exit 1; }
for t in busybox unshare crun; do
	command -v $t >/dev/null || { echo "bench/start.sh: $t is missing (make check installs it)" >&2; exit 1; }
done

B=$(mktemp -d /tmp/db$$.XXXXXX)
export DORY_ROOT=$B/root DORY_STATE=$B/state	# its records, not the host's
trap 'rm -rf "$B"' EXIT INT TERM
R=$B/bundle/rootfs
mkdir -p "$R/bin" "$R/proc" "$R/etc" "$R/tmp"
cp "$(command -v busybox)" "$R/bin/busybox"
ln -s busybox "$R/bin/true"; ln -s busybox "$R/bin/sh"
echo 'root:x:0:0:root:/root:/bin/sh' >"$R/etc/passwd"

# median_ms CMD...: runs CMD RUNS times (after 3 warm-up runs) and prints
# the median wall time in milliseconds with two decimals.
median_ms()
{
	local i t0 t1
	for i in 1 2 3; do "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; return 1; }; done
	for ((i = 0; i < RUNS; i++)); do
		t0=$(date +%s%N); "$@" >/dev/null 2>&1; t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000))
	done | sort -n | awk '{ v[NR] = $1 } END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.2f\n", m / 1000 }'
}

# crun: a config from `crun spec`, made non-interactive, running /bin/true.
(cd "$B/bundle" && crun spec)
sed -i -e 's/"terminal": true/"terminal": false/' -e 's|"sh"$|"/bin/true"|' "$B/bundle/config.json"
crun_once() { crun --root "$B/crun" run -b "$B/bundle" "db$$-$RANDOM" </dev/null; }

# --network none: as crun's spec (a namespace with lo); bench/net.sh weighs bridges.
dory_ms=$(median_ms "$DORY" run --rm --network none --rootfs "$R" /bin/true)
floor_ms=$(median_ms unshare -fmpiu --mount-proc chroot "$R" /bin/true)
# crun 1.8.1 refuses hybrid cgroups (v1 controllers plus a v2 hierarchy at
# /sys/fs/cgroup/unified). It is measured in a mount namespace where that
# v2 mount is hidden, so it sees plain v1 and does its usual work.
crun_note=""
if [ -d /sys/fs/cgroup/unified ] && mountpoint -q /sys/fs/cgroup/unified; then
	crun_note=" (v2 'unified' mount hidden: crun refuses hybrid cgroups)"
	export -f median_ms crun_once; export B RUNS
	crun_ms=$(unshare -m --propagation private bash -c \
		'umount /sys/fs/cgroup/unified && median_ms crun_once')
else
	crun_ms=$(median_ms crun_once)
fi

echo "start-to-exit of /bin/true on a busybox rootfs, median of $RUNS runs"
printf '  %-44s %8s ms\n' "dory run --rm --network none --rootfs R /bin/true" "$dory_ms"
printf '  %-44s %8s ms\n' "floor: unshare -fmpiu --mount-proc chroot" "$floor_ms"
printf '  %-44s %8s ms%s\n' "crun run" "$crun_ms" "$crun_note"
awk -v d="$dory_ms" -v f="$floor_ms" -v c="$crun_ms" 'BEGIN {
	printf "  ratio dory/floor  %.2f   (goal <= 1.3)\n", d / f
	printf "  ratio dory/crun   %.2f\n", d / c }'
echo "  size of $DORY: $(stat -c %s "$DORY") bytes"
