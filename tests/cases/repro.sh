# SPDX-License-Identifier: Apache-2.0
# repro.sh - reproducible builds: a copy of this tree in another directory,
# built with the same sysroots, commit and date, gives byte-identical
# binaries, for this machine and for one cross architecture. `make check`
# passes GITREV and SOURCE_DATE_EPOCH, the values its own build used.
. "$(dirname "$0")/../lib.sh"
SRC=$(pwd)
[ -n "${GITREV+x}" ] && [ -n "${SOURCE_DATE_EPOCH:-}" ] ||
	{ t_skip "reproducible builds" "GITREV and SOURCE_DATE_EPOCH come from make check"; exit 0; }
export GITREV SOURCE_DATE_EPOCH

CP=$TMP/somewhere/else/dory-copy
mkdir -p "$CP"
(git ls-files -z -co --exclude-standard | tar --null -T - -cf - | tar -C "$CP" -xf -) 2>"$ERR"
cp -a .config "$CP/"
[ ! -f .config.name ] || cp -a .config.name "$CP/"
mkdir -p "$CP/build"
ln -s "$SRC/build/src" "$CP/build/src"

for a in $(uname -m) aarch64; do
	if [ ! -f "build/$a/sysroot/.deps-ok" ] || [ ! -f "build/$a/dory" ]; then
		t_skip "$a: a copy elsewhere builds the same bytes" "no build/$a/dory (make check builds it)"
		continue
	fi
	mkdir -p "$CP/build/$a"
	ln -s "$SRC/build/$a/sysroot" "$CP/build/$a/sysroot"
	stamps=$(ls -l --time-style=+%s.%N "build/$a/sysroot/" | md5sum)
	t_run make -s -j"$(nproc)" --no-print-directory -C "$CP" ARCH="$a" "build/$a/dory"
	t_report "$RC" "$a: a copy elsewhere builds" "$(tail -n 5 "$ERR")"
	t_check "$a: ... and the shared sysroot was not rebuilt" \
		[ "$(ls -l --time-style=+%s.%N "build/$a/sysroot/" | md5sum)" = "$stamps" ]
	t_check "$a: ... byte for byte the same binary" cmp "build/$a/dory" "$CP/build/$a/dory"
done
