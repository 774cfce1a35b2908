#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bench/pull.sh - wall time and peak RSS of `dory pull` of a two-layer image
# (SIZE_MB of random bytes, SIZE_MB of compressible text; gzip layers) from
# a local registry over TLS, against podman pull, skopeo copy + umoci unpack,
# and two floors: curl into sha256sum, and curl | gzip -dc | tar x.
#   bench/pull.sh [RUNS]   (as root; DORY= picks the binary, SIZE_MB=100)
# Each run starts from an empty store, so every byte is downloaded; the
# figures are medians of RUNS (default 3) runs. Peak RSS is GNU time's %M:
# the ru_maxrss that wait4 returns for the command, i.e. the largest of
# the process and of each descendant it reaped (the biggest single process
# of the tree, not a sum). dory forks one worker per layer, so a separate
# sampled run breaks dory's figure down: the parent's own VmHWM, each
# worker's, and the peak of the tree's summed Pss at any moment.
set -eu
cd "$(dirname "$0")/.."
export DORY=${DORY:-$PWD/build/dory}
RUNS=${1:-3}
SIZE_MB=${SIZE_MB:-100}
[ "$(id -u)" = 0 ] || { echo "bench/pull.sh: run as root" >&2; exit 1; }
[ -x "$DORY" ] || { echo "bench/pull.sh: no $DORY: run make first" >&2; exit 1; }
for t in podman skopeo umoci curl gzip tar sha256sum python3 docker-registry openssl \
	htpasswd zstd; do
	command -v $t >/dev/null ||
		{ echo "bench/pull.sh: $t is missing (make check installs it)" >&2; exit 1; }
done
[ -x /usr/bin/time ] ||
	{ echo "bench/pull.sh: /usr/bin/time is missing (Debian: time)" >&2; exit 1; }

. tests/lib.sh
. tests/registry.sh
B=$TMP/bench
mkdir -p "$B"
reg_dory_env
mkdir -p "$DOCKER_CONFIG" && echo '{}' >"$DOCKER_CONFIG/config.json"	# podman wants one

# Podman sees only files of ours: no host registries.conf, storage.conf or
# containers.conf, its store and temporary files under $B.
printf '{"default":[{"type":"insecureAcceptAnything"}]}\n' >"$TMP/policy.json"
: >"$TMP/registries.conf"
printf '[storage]\ndriver = "overlay"\ngraphroot = "%s"\nrunroot = "%s"\n' "$B/run/root" \
	"$B/run/runroot" >"$TMP/storage.conf"
printf '[engine]\nimage_copy_tmp_dir = "%s"\nevents_logger = "none"\n' "$B/podtmp" \
	>"$TMP/containers.conf"
export CONTAINERS_REGISTRIES_CONF=$TMP/registries.conf CONTAINERS_STORAGE_CONF=$TMP/storage.conf
export CONTAINERS_CONF=$TMP/containers.conf

LOAD=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- the image ----
# Text that compresses like prose or source (gzip about 3:1): lines of words
# from a fixed made-up vocabulary with Zipf-like frequencies.
make_text() # FILE BYTES
{
	python3 - "$1" "$2" <<-'PY'
	import itertools, random, sys
	r = random.Random(7)
	syl = "ka lo mi ne ru to sa vi de po an el in or us ex th qu st br".split()
	words = ["".join(r.choice(syl) for _ in range(r.randint(1, 4))) for _ in range(5000)]
	cum = list(itertools.accumulate(1 / (i + 1) for i in range(len(words))))
	left = int(sys.argv[2])
	with open(sys.argv[1], "w") as f:
	    while left > 0:
	        w = r.choices(words, cum_weights=cum, k=120000)
	        s = "".join(" ".join(w[i:i + 12]) + ".\n" for i in range(0, len(w), 12))[:left]
	        f.write(s)
	        left -= len(s)
	PY
}

reg_start
reg_certs_d "$TMP/certs.d"
mkdir -p "$TMP/text"
make_text "$TMP/text/words.txt" $((SIZE_MB << 20))
reg_image_make "$TMP/layout" big --no-base --random-layer $((SIZE_MB << 20)) \
	--layer "$TMP/text" >/dev/null
rm -rf "$TMP/text"
reg_push "$TMP/layout:big" "$REG/bench/big:v1" >/dev/null
rm -rf "$TMP/layout"
REF=$REG/bench/big:v1
MAN=$(curl -sf --cacert "$REG_CA" -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
	"https://$REG/v2/bench/big/manifests/v1")
L0=$(reg_json layers.0.digest <<<"$MAN") L1=$(reg_json layers.1.digest <<<"$MAN")
S0=$(reg_json layers.0.size <<<"$MAN") S1=$(reg_json layers.1.size <<<"$MAN")
BLOB=https://$REG/v2/bench/big/blobs

# ---- measuring ----
# measure NAME CMD...: RUNS runs, each with a new empty directory $B/run
# (named @D@ in CMD) after a sync, so no run pays for another's writeback.
# Prints "NAME<TAB>median wall s<TAB>median peak RSS KiB<TAB>MIN-MAX wall".
measure()
{
	local name=$1 i a args; shift
	for ((i = 0; i < RUNS; i++)); do
		bench_clean
		mkdir -p "$B/run" "$B/podtmp"
		sync
		args=()
		for a; do args+=("${a//@D@/$B/run}"); done
		if ! /usr/bin/time -f '%e %M' -o "$B/time" "${args[@]}" >/dev/null 2>"$B/err"; then
			echo "bench/pull.sh: $name failed:" >&2; cat "$B/err" >&2; exit 1
		fi
		cat "$B/time"
	done >"$B/times"
	printf '%s\t%s\t%s\t%s\n' "$name" "$(median 1)" "$(median 2)" \
		"$(sort -n "$B/times" | awk 'NR == 1 { a = $1 } END { print a "-" $1 }')"
}
median() # COLUMN of $B/times
{
	sort -n -k"$1,$1" "$B/times" | awk -v c="$1" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'
}

# Anything left mounted under $B (podman's overlay driver) goes first.
bench_clean()
{
	local m
	awk -v d="$B/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null || true; done
	rm -rf "$B/run" "$B/podtmp"
}
trap 'bench_clean; t_cleanup' EXIT INT TERM

PODMAN=(podman --root @D@/root --runroot @D@/runroot --storage-driver overlay
	--cgroup-manager cgroupfs --events-backend none --tmpdir @D@/tmp pull -q
	--tls-verify --cert-dir "$REG_CERTS" --signature-policy "$TMP/policy.json" "$REF")
SKOPEO="REGISTRY_AUTH_FILE=$TMP/reg-auth.json skopeo --policy $TMP/policy.json copy -q \
--src-cert-dir $REG_CERTS docker://$REF oci:@D@/oci:img &&
umoci unpack --image @D@/oci:img @D@/bundle"
FLOOR_SUM="for b in $L0 $L1; do curl -sf --cacert $REG_CA $BLOB/\$b | sha256sum || exit 1; done"
FLOOR_TAR="for b in $L0 $L1; do curl -sf --cacert $REG_CA $BLOB/\$b | gzip -dc | tar -x -C @D@ \
|| exit 1; done"

curl -sf --cacert "$REG_CA" "$BLOB/$L0" -o /dev/null	# the registry's files into the page cache
curl -sf --cacert "$REG_CA" "$BLOB/$L1" -o /dev/null
{
	measure "dory pull" "$DORY" --root @D@ pull -q "$REF"
	measure "podman pull" "${PODMAN[@]}"
	measure "skopeo copy + umoci unpack" sh -c "$SKOPEO"
	measure "floor: curl | sha256sum" sh -c "$FLOOR_SUM"
	measure "floor: curl | gzip -dc | tar x" sh -c "$FLOOR_TAR"
} >"$B/results"

# ---- dory's processes, one sampled run (not timed: sampling costs CPU) ----
# Every 2 ms: VmHWM of each process of the tree (a high-water mark, so only
# growth in a process's last 2 ms can be missed) and the tree's summed Pss.
bench_clean; mkdir -p "$B/run"; sync
python3 - "$DORY" --root "$B/run" pull -q "$REF" >"$B/tree" <<-'PY'
import os, subprocess, sys, time
def kib(pid, f, key):
    try:
        with open("/proc/%d/%s" % (pid, f)) as h:
            for l in h:
                if l.startswith(key):
                    return int(l.split()[1])
    except OSError:
        pass
    return 0
def kids(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as h:
            return [int(x) for x in h.read().split()]
    except OSError:
        return []
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
hwm, seen, tree_pss = 0, {}, 0
while p.poll() is None:
    hwm = max(hwm, kib(p.pid, "status", "VmHWM:"))
    pss = kib(p.pid, "smaps_rollup", "Pss:")
    for c in kids(p.pid):
        seen[c] = max(seen.get(c, 0), kib(c, "status", "VmHWM:"))
        pss += kib(c, "smaps_rollup", "Pss:")
    tree_pss = max(tree_pss, pss)
    time.sleep(0.002)
print(hwm, max(seen.values(), default=0), len(seen), tree_pss, p.returncode)
PY
read -r par wmax nw tpss prc <"$B/tree"
[ "$prc" = 0 ] || { echo "bench/pull.sh: the sampled dory pull failed" >&2; exit 1; }
bench_clean

# ---- the table ----
# The SHA-256 block function dory picks on this CPU (the unit test runs the
# same detection) and its throughput.
UNIT_SHA=build/$(uname -m)/obj/unit/sha256_test
sha=$(SHA256_BENCH_MB=64 "$UNIT_SHA" sha256_speed 2>/dev/null | awk '
	/^# [a-z0-9-]+: [0-9]+ MB\/s/ { s = s (s ? ", " : "") $2 " " $3 " " $4 }
	END { print s }') || true
echo "pull of $REF: layers ${SIZE_MB} MiB random ($((S0 >> 20)) MiB gzip)" \
	"+ ${SIZE_MB} MiB text ($((S1 >> 20)) MiB gzip), TLS on 127.0.0.1, median of $RUNS"
printf '  %-32s %7s %11s %13s\n' tool "wall s" "(min-max)" "peak RSS MiB"
awk -F'\t' '{ printf "  %-32s %7.2f %11s %13.1f\n", $1, $2, "(" $4 ")", $3 / 1024 }' "$B/results"
awk -F'\t' -v par="$par" -v wmax="$wmax" -v nw="$nw" -v tpss="$tpss" '
	{ w[$1] = $2; m[$1] = $3 }
	END {
		d = "dory pull"; p = "podman pull"; f = "floor: curl | gzip -dc | tar x"
		s = "floor: curl | sha256sum"
		printf "  ratio dory/podman   wall %.2f (target <= 0.65)   RSS %.2f\n", w[d] / w[p], m[d] / m[p]
		printf "  ratio dory/floor    wall %.2f (gzip|tar), %.2f (sha256sum)   RSS %.2f, %.2f\n",
			w[d] / w[f], w[d] / w[s], m[d] / m[f], m[d] / m[s]
		printf "  dory peak RSS %.1f MiB (target < 4): parent %.1f, largest of %d workers %.1f;",
			m[d] / 1024, par / 1024, nw, wmax / 1024
		printf " tree Pss peak %.1f\n", tpss / 1024
	}' "$B/results"
echo "  dory's SHA-256 (best first): ${sha:-unknown (make unit builds $UNIT_SHA)}"
echo "  load average at the start: $LOAD (on $(nproc) CPUs; other work skews the times)"
