#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bench/sha256.sh - SHA-256 throughput of dory's block functions (the CPU's
# SHA instructions and the portable C) against coreutils' sha256sum.
#   bench/sha256.sh [MB]   (UNIT= picks the test binary; `make unit` builds it)
set -eu
cd "$(dirname "$0")/.."
MB=${1:-256}
case $(uname -m) in
armv7*) ARCH=armv7 ;;
*) ARCH=$(uname -m) ;;
esac
UNIT=${UNIT:-build/$ARCH/obj/unit/sha256_test}
[ -x "$UNIT" ] || { echo "bench/sha256.sh: no $UNIT: run make unit first" >&2; exit 1; }
command -v sha256sum >/dev/null || { echo "bench/sha256.sh: sha256sum is missing" >&2; exit 1; }

# The test prints "# NAME: N MB/s" for the best and the portable path, each
# the best of MB/4 runs over 4 MB.
out=$(SHA256_BENCH_MB=$MB "$UNIT" sha256_speed)
grep -q '^ok' <<<"$out" || { echo "$out" >&2; exit 1; }
best=$(awk '/^# [a-z0-9-]+: [0-9]+ MB\/s/ { print $2, $3; exit }' <<<"$out")
portable=$(awk '/^# portable: / { print $3 }' <<<"$out")

# The peer: sha256sum over the same amount of data, from the page cache.
F=$(mktemp /tmp/dbsha$$.XXXXXX)
trap 'rm -f "$F"' EXIT INT TERM
head -c $((MB << 20)) /dev/urandom >"$F"
sha256sum "$F" >/dev/null
t0=$(date +%s%N)
sha256sum "$F" >/dev/null
t1=$(date +%s%N)
peer=$(( (MB << 20) / ((t1 - t0) / 1000 + 1) ))	# bytes/us = MB/s

printf '%-22s %6s MB/s\n' "dory ${best%%:*}" "${best#* }" "dory portable" "$portable" \
	"sha256sum" "$peer"
awk -v b="${best#* }" -v p="$portable" -v s="$peer" \
	'BEGIN { printf "ratio best/sha256sum %.2f, portable/sha256sum %.2f\n", b / s, p / s }'
