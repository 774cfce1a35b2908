#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# systemd.sh BOARD_DIR DORY - the disk of the systemd variant: a Debian root
# made by mmdebstrap (systemd as init, busybox-static) from the machine's
# own Debian apt sources, kept as build/board/ARCH/systemd/rootfs.tar, with
# DORY as /usr/bin/dory and board/systemd/dory.service enabled, the
# initramfs's /board (checks, image, module list) and modules, and
# board-check.service; made into an ext4 image anew each time (a boot
# writes to it). Runs after initramfs.sh. Prints "DISK FILE".
set -euo pipefail
BOARD=${1:?usage: systemd.sh BOARD_DIR DORY}
DORY=${2:?usage: systemd.sh BOARD_DIR DORY}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=/dev/null
. "$BOARD/board.conf"
B=${BOARD_BUILD:-$SRC/build/board/$(basename "$BOARD" | sed 's/^qemu-//')}
S=$B/systemd
mkdir -p "$S"
say() { echo "dory: $*" >&2; }
[ -d "$B/initramfs.d/board" ] || { say "no $B/initramfs.d: run initramfs.sh first"; exit 1; }
command -v mmdebstrap >/dev/null || { say "no mmdebstrap (Debian's mmdebstrap)"; exit 1; }

if [ ! -s "$S/rootfs.tar" ]; then
	# The machine's enabled Debian sources (deb, not deb-src), as they are.
	srcs=()
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && grep -Eq '^[[:space:]]*(deb[[:space:]]|Types:.*\bdeb\b)' "$f" &&
			grep -Eq '/debian(-security)?/?([[:space:]]|$)' "$f" && srcs+=("$f")
	done
	[ ${#srcs[@]} -gt 0 ] || { say "no enabled Debian apt source to make the systemd root from"; exit 1; }
	# shellcheck source=/dev/null
	suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
	mmdebstrap --variant=minbase --format=tar --architectures="$DEB_ARCH" \
		--include=systemd-sysv,busybox-static \
		--dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
		--dpkgopt='path-exclude=/usr/share/locale/*' \
		"$suite" "$S/rootfs.tar.tmp" "${srcs[@]}" >"$S/mmdebstrap.log" 2>&1 || {
		tail -n 5 "$S/mmdebstrap.log" >&2; say "mmdebstrap failed; see $S/mmdebstrap.log"; exit 1; }
	mv -f "$S/rootfs.tar.tmp" "$S/rootfs.tar"
fi

R=$S/root
rm -rf "$R"
mkdir -p "$R"
tar -C "$R" -xf "$S/rootfs.tar"
install -m 755 "$DORY" "$R/usr/bin/dory"
cp -a "$B/initramfs.d/board" "$R/board"
cp "$SRC/board/qemu/systemd-check.sh" "$R/board/"
mkdir -p "$R/usr/lib/modules"
cp -a "$B/initramfs.d/lib/modules/." "$R/usr/lib/modules/"
U=$R/etc/systemd/system
cp "$SRC/board/systemd/dory.service" "$SRC/board/qemu/board-check.service" \
	"$SRC/board/qemu/board-modules.service" "$U/"
mkdir -p "$U/multi-user.target.wants" "$U/sysinit.target.wants"
ln -s ../dory.service "$U/multi-user.target.wants/dory.service"
ln -s ../board-check.service "$U/multi-user.target.wants/board-check.service"
ln -s ../board-modules.service "$U/sysinit.target.wants/board-modules.service"
# No login prompts on the console the checks write to.
ln -s /dev/null "$U/serial-getty@$CONSOLE.service"
ln -s /dev/null "$U/getty@tty1.service"
echo board >"$R/etc/hostname"
rm -f "$S/disk.img"
mke2fs -q -t ext4 -L board -d "$R" "$S/disk.img" 1G >&2
rm -rf "$R"
echo "DISK $S/disk.img"
