# SPDX-License-Identifier: Apache-2.0
# deps.sh - the dependency sources: `make fetch` from a filled download
# directory with apt pointed at an archive that cannot be reached, the one
# line when nothing is cached, a tampered file refused, and the fallback when
# the locked version is gone, against a local archive made here (apt's own
# file: method, so no network and nothing of the host's apt is touched).
. "$(dirname "$0")/../lib.sh"
SRC=$(pwd)
DL=${DORY_DL_DIR:-$SRC/build/dl}
miss=""
for c in dpkg-source dpkg-scansources apt-get; do command -v "$c" >/dev/null || miss="$miss $c"; done
[ -z "$miss" ] || { t_skip "dependency sources" "missing:$miss"; exit 0; }
ls "$DL"/zlib_*.dsc >/dev/null 2>&1 || { t_skip "dependency sources" "no sources in $DL (make fetch)"; exit 0; }

# A tree with just what `make fetch` reads, and a copy of the filled
# download directory.
W=$TMP/tree
mkdir -p "$W" "$TMP/dl-full"
cp -a "$SRC/Makefile" "$SRC/Config.in" "$SRC/configs" "$SRC/applets" "$W/"
cp -a "$DL"/*.dsc "$DL"/*.tar.* "$TMP/dl-full/"

mk() { make -s --no-print-directory -C "$W" "$@"; }
lockv() { awk -v n="$1" '$1 == n { print $2 }' "$SRC/configs/deps.lock"; }

NOWHERE=$(t_apt_conf nowhere "deb-src http://127.0.0.1:9/debian bookworm main")
export APT_CONFIG=$NOWHERE

t_ok "make fetch: a filled download directory needs no archive" \
	mk fetch DORY_DL_DIR="$TMP/dl-full"
zv=$(lockv zlib)
t_ok "... and a source unpacks from it" \
	mk "$W/build/src/zlib-${zv#*:}.ok" DORY_DL_DIR="$TMP/dl-full"
t_check "... at the locked version" [ "$(cat "$W/build/src/zlib-${zv#*:}.version" 2>/dev/null)" = "$zv" ]
t_check "... with its code" [ -f "$W/build/src/zlib-${zv#*:}/zlib.h" ]

mkdir -p "$TMP/dl-empty"
t_run mk fetch DORY_DL_DIR="$TMP/dl-empty"
[ "$RC" != 0 ] && [ "$(grep -c '^dory:' "$ERR")" = 1 ] &&
	grep -q "cannot be reached.*has no copy.*make fetch.*DORY_DL_DIR" "$ERR"
t_report $? "no archive and nothing cached: one line that says what to do" \
	"exit $RC; stderr: $(cat "$ERR")"
t_check "... and nothing half-downloaded is left" [ -z "$(ls -A "$TMP/dl-empty")" ]

cp -a "$TMP/dl-full" "$TMP/dl-bad"
d=$(ls "$TMP/dl-bad"/zlib_*.dsc)
sed -i 's/^Maintainer: /Maintainer: X/' "$d"
t_run mk fetch DORY_DL_DIR="$TMP/dl-bad"
[ "$RC" != 0 ] && grep -q "configs/deps.lock says .*altered" "$ERR"
t_report $? "a .dsc that differs from the lock is refused" "exit $RC; stderr: $(cat "$ERR")"
cp -a "$TMP/dl-full"/zlib_* "$TMP/dl-bad/"
o=$(ls "$TMP/dl-bad"/zlib_*.orig.tar.*)
printf 'x' >>"$o"
t_run mk fetch DORY_DL_DIR="$TMP/dl-bad"
[ "$RC" != 0 ] && grep -q "cannot fetch zlib" "$ERR"
t_report $? "a tarball that differs from its .dsc is not used" "exit $RC; stderr: $(cat "$ERR")"

# A local archive holding the zlib of the lock and a newer version whose
# files are gone (a 404); the lock names a version it does not list.
R=$TMP/repo
mkdir -p "$R"
cp "$TMP/dl-full"/zlib_* "$R/"
dsc=$(ls "$R"/zlib_*.dsc)
sed -e "s/^Version: .*/Version: 1:1.2.13.dfsg-9/" "$dsc" >"$R/zlib_1.2.13.dfsg-9.dsc"
sed -i -e 's/zlib_1.2.13.dfsg-1.debian/zlib_1.2.13.dfsg-9.debian/' "$R/zlib_1.2.13.dfsg-9.dsc"
(cd "$R" && dpkg-scansources . /dev/null 2>/dev/null >Sources)
rm "$R/zlib_1.2.13.dfsg-9.dsc"
export APT_CONFIG
APT_CONFIG=$(t_apt_conf local "deb-src [trusted=yes] file:$R ./")
apt-get update -q >"$TMP/update.log" 2>&1
sed "s/^zlib .*/zlib 1:1.2.13.dfsg-1+gone $(sha256sum <"$dsc" | cut -d' ' -f1)/" \
	"$SRC/configs/deps.lock" >"$W/configs/deps.lock"
mkdir -p "$TMP/dl-fb"
cp -a "$TMP/dl-full"/. "$TMP/dl-fb/"
rm "$TMP/dl-fb"/zlib_*
t_run bash -c "make -s --no-print-directory -C '$W' fetch DORY_DL_DIR='$TMP/dl-fb'"
[ "$RC" = 0 ] && grep -q "WARNING: zlib 1:1.2.13.dfsg-1+gone (configs/deps.lock) cannot be downloaded" "$ERR" &&
	grep -q "Using zlib 1:1.2.13.dfsg-1 instead" "$ERR" && grep -q "make deps-update" "$ERR"
t_report $? "a locked version that is gone: the newest one that downloads, said loudly" \
	"exit $RC; stderr: $(cat "$ERR")"
t_check "... the one listed but missing was skipped" [ ! -e "$TMP/dl-fb/zlib_1.2.13.dfsg-9.dsc" ]
t_check "... and the fallback is recorded" grep -q "^1:1.2.13.dfsg-1+gone 1:1.2.13.dfsg-1 " "$TMP/dl-fb/zlib.fallback"
t_ok "... the source unpacks" mk "$W/build/src/zlib-1.2.13.dfsg-1+gone.ok" DORY_DL_DIR="$TMP/dl-fb"
t_check "... and says which version it is" \
	[ "$(cat "$W/build/src/zlib-1.2.13.dfsg-1+gone.version" 2>/dev/null)" = "1:1.2.13.dfsg-1" ]
APT_CONFIG=$NOWHERE
t_run mk fetch DORY_DL_DIR="$TMP/dl-fb"
[ "$RC" = 0 ] && grep -q "Using zlib 1:1.2.13.dfsg-1, downloaded earlier in its place" "$ERR"
t_report $? "... and, offline, that copy is used again, loudly" "exit $RC; stderr: $(cat "$ERR")"
APT_CONFIG=$(t_apt_conf local "deb-src [trusted=yes] file:$R ./")
t_out "deps-update's choice: the newest version that downloads" \
	"1:1.2.13.dfsg-1 $(sha256sum <"$dsc" | cut -d' ' -f1)" \
	env DL="$TMP/dl-fb" LOGS="$TMP/logs" AWK_SRC="$W/build/src/deb-src.awk" \
	bash "$W/build/src/deps.sh" newest zlib

# A new lock line rebuilds that dependency (its stamp carries the version),
# and only what stands on it; an unchanged lock rebuilds nothing.
cp "$SRC/configs/deps.lock" "$W/configs/deps.lock"
S=$W/build/$(uname -m)/sysroot
mkdir -p "$S" "$W/build/src"
touch "$S/.stamp-headers"
for d in musl zlib cjson bearssl libseccomp; do
	v=$(lockv "$d")
	touch "$W/build/src/$d-${v#*:}.ok" "$S/.stamp-$d-${v#*:}"
done
sleep 0.01; touch "$S/.deps-ok"
t_run mk -n deps
t_check "an unchanged lock: the sysroot is up to date" eval '! grep -q "DEP " "$OUT"'
sed -i 's/^zlib .*/zlib 1:1.2.13.dfsg-7 0000/' "$W/configs/deps.lock"
t_run mk -n deps
t_check "a new zlib in the lock: zlib is rebuilt" grep -q "DEP zlib" "$OUT"
t_check "... and musl is not" eval '! grep -q "DEP musl" "$OUT"'
