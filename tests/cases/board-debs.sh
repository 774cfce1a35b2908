# SPDX-License-Identifier: Apache-2.0
# board-debs.sh - the boards' locked Debian packages (board/qemu/debs.sh):
# a filled download directory needs no archive, the one line (and the
# boot's skip) when nothing is cached and the archive cannot be reached, a
# tampered .deb refused, and the loud fallback when a locked version is
# gone, for a package and for a metapackage's dependency, against a local
# archive made here (apt's file: method; the host's apt is not touched).
. "$(dirname "$0")/../lib.sh"
SRC=$(pwd)
DL=${DORY_DL_DIR:-$SRC/build/dl}
miss=""
for c in dpkg-deb dpkg-scanpackages apt-get; do command -v "$c" >/dev/null || miss="$miss $c"; done
[ -z "$miss" ] || { t_skip "board packages" "missing:$miss"; exit 0; }
bb=$(awk '$1 == "busybox" { print $2 "_" $3 }' "$SRC/board/qemu-x86_64/debs.lock")
bb=$DL/${bb/_*:/_}_amd64.deb
[ -f "$bb" ] || { t_skip "board packages" "no $bb (make fetch)"; exit 0; }

# A board of one package: the busybox of qemu-x86_64's lock.
W=$TMP/board/qemu-x86_64	# named as a board: run.sh names its TAP lines after it
mkdir -p "$W" "$TMP/dl-full"
cp "$SRC/board/qemu-x86_64/board.conf" "$W/"
grep '^busybox ' "$SRC/board/qemu-x86_64/debs.lock" >"$W/debs.lock"
cp "$bb" "$TMP/dl-full/"
read -r _ BP BV BSHA _ <"$W/debs.lock"
debs() { DL=$1 bash "$SRC/board/qemu/debs.sh" "${@:2}"; }

NOWHERE=$(t_apt_conf nowhere "deb http://127.0.0.1:9/debian bookworm main")
export APT_CONFIG=$NOWHERE

t_out "a filled download directory needs no archive" "busybox $TMP/dl-full/${bb##*/}" \
	debs "$TMP/dl-full" fetch "$W"

mkdir -p "$TMP/dl-empty"
t_run debs "$TMP/dl-empty" fetch "$W"
[ "$RC" != 0 ] && [ "$(grep -c '^dory:' "$ERR")" = 1 ] &&
	grep -q "cannot be reached.*has no copy.*make fetch.*DORY_DL_DIR" "$ERR"
t_report $? "no archive and nothing cached: one line that says what to do" "exit $RC; stderr: $(cat "$ERR")"
t_check "... and no .deb is left half-downloaded" [ -z "$(ls "$TMP/dl-empty"/*.deb 2>/dev/null)" ]
cp "$SRC/board/qemu-x86_64/board.conf" "$SRC/board/qemu-x86_64/debs.lock" "$W/"
if command -v qemu-system-x86_64 cpio >/dev/null; then
	t_match "... the boot is then a skip that says why" \
		'^ok - board-x86_64: boot # SKIP .*cannot be reached.*DORY_DL_DIR' \
		env DORY_DL_DIR="$TMP/dl-empty" BOARD_BUILD="$TMP/bb" DORY="$DORY" \
		bash "$SRC/board/qemu/run.sh" "$W" root
fi
grep '^busybox ' "$SRC/board/qemu-x86_64/debs.lock" >"$W/debs.lock"

cp -a "$TMP/dl-full" "$TMP/dl-bad"
printf x >>"$TMP/dl-bad/${bb##*/}"
t_run debs "$TMP/dl-bad" fetch "$W"
[ "$RC" != 0 ] && grep -q "debs.lock says .*a wrong or altered file" "$ERR"
t_report $? "a .deb that differs from the lock is refused" "exit $RC; stderr: $(cat "$ERR")"

# A local archive with the locked busybox and a metapackage depending on it;
# the lock names versions it does not have.
R=$TMP/repo
mkdir -p "$R/meta/DEBIAN"
cp "$bb" "$R/"
printf 'Package: dory-test-meta\nVersion: 1\nArchitecture: amd64\nMaintainer: t <t@t>\nDepends: %s\nDescription: t\n' \
	"$BP" >"$R/meta/DEBIAN/control"
dpkg-deb -b "$R/meta" "$R/dory-test-meta_1_amd64.deb" >/dev/null && rm -rf "$R/meta"
(cd "$R" && dpkg-scanpackages . /dev/null 2>/dev/null >Packages)
APT_CONFIG=$(t_apt_conf local "deb [trusted=yes] file:$R ./")
apt-get update -q >"$TMP/update.log" 2>&1
mkdir -p "$TMP/dl-fb"
echo "busybox $BP $BV+gone $BSHA $BP" >"$W/debs.lock"
t_run debs "$TMP/dl-fb" fetch "$W"
[ "$RC" = 0 ] && grep -q "WARNING: $BP $BV+gone .* cannot be downloaded" "$ERR" &&
	grep -q "Using $BP $BV instead" "$ERR" && grep -q "make boards-update" "$ERR" &&
	grep -q "^busybox $TMP/dl-fb/${bb##*/}$" "$OUT"
t_report $? "a locked version that is gone: the newest one, said loudly" "exit $RC; stderr: $(cat "$ERR")"
t_check "... and the fallback is recorded" grep -q "^$BP $BV+gone $BP $BV $BSHA$" "$TMP/dl-fb/busybox-amd64.fallback"
APT_CONFIG=$NOWHERE
t_run debs "$TMP/dl-fb" fetch "$W"
[ "$RC" = 0 ] && grep -q "Using $BP $BV, downloaded earlier in its place" "$ERR"
t_report $? "... and, offline, that copy is used again, loudly" "exit $RC; stderr: $(cat "$ERR")"
APT_CONFIG=$(t_apt_conf local "deb [trusted=yes] file:$R ./")
echo "kernel linux-image-0.0-gone-amd64 1.0 $BSHA dory-test-meta" >"$W/debs.lock"
t_run debs "$TMP/dl-fb" fetch "$W"
[ "$RC" = 0 ] && grep -q "Using $BP $BV instead, the newest that dory-test-meta names" "$ERR"
t_report $? "a kernel that is gone: the package its metapackage depends on now" "exit $RC; stderr: $(cat "$ERR")"
t_run debs "$TMP/dl-fb" update "$W"
t_out "boards-update locks what the metapackage names" "kernel $BP $BV $BSHA dory-test-meta" cat "$W/debs.lock"
