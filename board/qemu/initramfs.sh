#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# initramfs.sh BOARD_DIR DORY - what a qemu board boots: the kernel of the
# board's locked Debian package and an initramfs (cpio newc, gzip) holding
# busybox (Debian's busybox-static), DORY, the kernel modules the checks
# need with those they depend on, a busybox test image, tests/lib.sh and
# board/qemu/{init,checks.sh}. The packages are unpacked with dpkg-deb
# under build/board/ARCH (never installed), once per locked file.
# Prints "KERNEL FILE" and "INITRD FILE".
set -euo pipefail
BOARD=${1:?usage: initramfs.sh BOARD_DIR DORY}
DORY=${2:?usage: initramfs.sh BOARD_DIR DORY}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=/dev/null
. "$BOARD/board.conf"
B=${BOARD_BUILD:-$SRC/build/board/$(basename "$BOARD" | sed 's/^qemu-//')}
mkdir -p "$B"
say() { echo "dory: $*" >&2; }

# unpack ROLE FILE: the .deb's files under $B/ROLE, once per file.
unpack()
{
	local dir=$B/$1 id
	id="$(basename "$2") $(stat -c '%s %Y' "$2")"
	[ "$(cat "$dir.deb" 2>/dev/null)" = "$id" ] && return
	rm -rf "$dir" "$dir.tmp"
	dpkg-deb -x "$2" "$dir.tmp"
	mv "$dir.tmp" "$dir"
	echo "$id" >"$dir.deb"
}
debs=$(bash "$SRC/board/qemu/debs.sh" fetch "$BOARD")
while read -r role f; do
	unpack "$role" "$f"
done <<<"$debs"

KERNEL=$(ls "$B"/kernel/boot/vmlinuz-* 2>/dev/null | head -n 1)
[ -n "$KERNEL" ] || { say "the kernel package of $BOARD has no boot/vmlinuz-*"; exit 1; }
KVER=${KERNEL##*/vmlinuz-}
MODDIR=$B/kernel/lib/modules/$KVER
BUSYBOX=$B/busybox/bin/busybox
[ -x "$BUSYBOX" ] || { say "the busybox package of $BOARD has no bin/busybox"; exit 1; }

R=$B/initramfs.d
rm -rf "$R"
mkdir -p "$R"/{bin,board,dev,proc,sys,tmp,run,newroot,lib/modules/"$KVER"}
cp "$BUSYBOX" "$R/bin/busybox"
cp "$DORY" "$R/bin/dory"
cp "$SRC/board/qemu/init" "$R/init"
cp "$SRC/board/qemu/checks.sh" "$SRC/tests/lib.sh" "$R/board/"
chmod 755 "$R/init"

# Modules: each named one after those its .modinfo says it depends on
# (and the soft dependencies it wants loaded first),
# uncompressed (busybox's insmod reads plain .ko files).
declare -A KO=() DONE=()
while read -r f; do
	n=${f##*/}; n=${n%%.ko*}
	KO[${n//-/_}]=$f
done < <(find "$MODDIR/kernel" -name '*.ko*')
modinfo_depends() { grep -a -o 'depends=[^[:cntrl:]]*' "$1" | head -n 1 | cut -d= -f2 | tr ',' ' '; }
# The modules a module wants loaded before it ("softdep=pre: A B post: C"),
# e.g. 5.10's libcrc32c asks the crypto API for crc32c, which without
# modprobe in the initramfs is there only when loaded first.
modinfo_softdeps() { grep -a -o 'softdep=[^[:cntrl:]]*' "$1" | sed -n 's/^softdep=.*pre: *//p' | sed 's/ *post:.*//'; }
# soft_module NAME: the module a soft dependency names: NAME itself, or
# NAME_generic (a crypto algorithm's C implementation goes by the
# algorithm's name as an alias; the arch-specific ones need CPU features).
soft_module()
{
	local n=${1//-/_}
	if [ -n "${KO[$n]:-}" ]; then echo "$n"; elif [ -n "${KO[${n}_generic]:-}" ]; then echo "${n}_generic"; else return 1; fi
}
add_module()
{
	local n=${1//-/_} f out d
	[ -z "${DONE[$n]:-}" ] || return 0
	DONE[$n]=1
	f=${KO[$n]:-}
	[ -n "$f" ] || { say "$KVER has no module $n"; exit 1; }
	out=$R/lib/modules/$KVER/$n.ko
	case $f in
	*.xz) xz -dc "$f" >"$out" ;;
	*.zst) zstd -qdc "$f" >"$out" ;;
	*.gz) gzip -dc "$f" >"$out" ;;
	*) cp "$f" "$out" ;;
	esac
	for d in $(modinfo_depends "$out"); do add_module "$d"; done
	for d in $(modinfo_softdeps "$out"); do
		# (none by that name: built in, as 6.12's crc32c)
		if d=$(soft_module "$d"); then add_module "$d"; fi
	done
	echo "/lib/modules/$KVER/$n.ko" >>"$R/board/modules"
}
: >"$R/board/modules"
for m in $MODULES; do add_module "$m"; done

# The test image, as the host's tests make it (tests/bbimage.sh), from the
# board's busybox.
rm -rf "$B/image"
mkdir -p "$B/image"
(
	PATH=$B/busybox/bin:$PATH
	# shellcheck source=/dev/null
	. "$SRC/tests/bbimage.sh"
	if [ "$ARCH" = "$(uname -m)" ]; then
		bb_image "$B/image" board:latest '["sh"]'
	else
		QEMU_USER=qemu-$ARCH-static bb_image "$B/image" board:latest '["sh"]' "$DEB_ARCH"
	fi
)
mv "$B/image/image.tar" "$R/board/image.tar"
rm -rf "$B/image"

(cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$B/initramfs.cpio.gz.tmp"
mv -f "$B/initramfs.cpio.gz.tmp" "$B/initramfs.cpio.gz"
echo "KERNEL $KERNEL"
echo "INITRD $B/initramfs.cpio.gz"
