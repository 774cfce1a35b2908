#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# run.sh BOARD_DIR [VARIANT...] - boot a qemu board (board/qemu-ARCH) with
# dory inside once per variant (board/qemu/init: root, svc, initramfs; and
# systemd: board/qemu/systemd.sh; default the BOARD_VARIANTS of its
# board.conf) and print the checks' TAP lines as they come over the
# serial console, each named "board-BOARD/VARIANT: ...", then the times of
# the boot and of the checks as a TAP comment. A boot that ends without the
# end marker (a hang: BOOT_TIMEOUT of board.conf; a panic; a crash) fails.
# When qemu or the board's packages cannot be had, one skip says why.
# Environment: DORY (default build/ARCH/dory), DORY_DL_DIR, BOARD_BUILD
# (default build/board/BOARD, BOARD: the board directory less "qemu-";
# the console logs are kept there).
set -uo pipefail
BOARD=${1:?usage: run.sh BOARD_DIR [VARIANT...]}
shift
SRC=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=/dev/null
. "$BOARD/board.conf"
# The board by its directory: qemu-x86_64 is board-x86_64, its build
# build/board/x86_64; qemu-x86_64-5.10 is board-x86_64-5.10.
BNAME=$(basename "$BOARD"); BNAME=${BNAME#qemu-}
NAME=board-$BNAME
VARIANTS=${*:-$BOARD_VARIANTS}
DORY=${DORY:-$SRC/build/$ARCH/dory}
B=${BOARD_BUILD:-$SRC/build/board/$BNAME}
export BOARD_BUILD=$B
mkdir -p "$B"

skip() { echo "ok - $NAME: boot # SKIP $1"; exit 0; }
command -v "$QEMU_BIN" >/dev/null ||
	skip "no $QEMU_BIN (Debian's $QEMU_PKG; make check installs it)"
command -v cpio >/dev/null || skip "no cpio (Debian's cpio; make check installs it)"
[ -x "$DORY" ] || { echo "not ok - $NAME: no dory binary at $DORY (make ARCH=$ARCH)"; exit 1; }
if ! "$SRC/board/qemu/initramfs.sh" "$BOARD" "$DORY" >"$B/files" 2>"$B/initramfs.log"; then
	# The one line that says why: no archive and nothing cached is a skip,
	# anything else (a wrong file, a broken package) a failure.
	why=$(grep -m1 '^dory: ' "$B/initramfs.log" || tail -n 1 "$B/initramfs.log")
	grep -q "cannot be reached" <<<"$why" && skip "${why#dory: }"
	echo "not ok - $NAME: the kernel and initramfs"
	sed 's/^/#   /' "$B/initramfs.log" | tail -n 20
	exit 1
fi
grep '^dory: ' "$B/initramfs.log" | sed 's/^/# /'	# a loud fallback
KERNEL=$(awk '$1 == "KERNEL" { print $2 }' "$B/files")
INITRD=$(awk '$1 == "INITRD" { print $2 }' "$B/files")

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# boot VARIANT: one boot; its TAP lines on stdout as they come.
boot()
{
	local v=$1 log=$B/console-$1.log t0 tinit="" line end="" rc=?
	t0=$(now)
	local args=(-no-reboot -initrd "$INITRD") cmdline="cgroup_no_v1=all" disk
	if [ "$v" = systemd ]; then
		# A disk on NVMe (built into Debian's kernels): no initramfs;
		# a reset reboots (no -no-reboot).
		disk=$("$SRC/board/qemu/systemd.sh" "$BOARD" "$DORY" 2>"$B/systemd.log" |
			awk '$1 == "DISK" { print $2 }') && [ -n "$disk" ] || {
			echo "not ok - $NAME/$v: the systemd disk: $(grep -m1 '^dory: ' "$B/systemd.log" || tail -n 1 "$B/systemd.log")"
			return; }
		args=(-drive "if=none,format=raw,id=d0,file=$disk" -device nvme,serial=board,drive=d0)
		cmdline="root=/dev/nvme0n1 rw systemd.show_status=0"
	fi
	# shellcheck disable=SC2086
	{ timeout -k 5 "$BOOT_TIMEOUT" "$QEMU_BIN" $QEMU_ARGS -nodefaults \
		-display none -monitor none -serial stdio -nic none \
		-kernel "$KERNEL" "${args[@]}" \
		-append "console=$CONSOLE loglevel=1 panic=-1 $cmdline dory.variant=$v" \
		</dev/null 2>&1; echo "DORY-QEMU-STATUS $?"; } >"$log.fifo" &
	while IFS= read -r line; do
		line=${line%$'\r'}
		printf '%s\n' "$line" >>"$log"
		case $line in
		"# board: "*)
			tinit=$(since "$t0")
			echo "# $NAME/$v: ${line#\# board: }" ;;
		"ok - "*|"not ok - "*)
			echo "${line%%- *}- $NAME/$v: ${line#*- }" ;;
		"#   "*) echo "$line" ;;
		"# time: "*|"# dory check: "*) echo "# $NAME/$v: ${line#\# }" ;;
		"DORY-BOARD-END "*) end=${line#DORY-BOARD-END } ;;
		"DORY-QEMU-STATUS "*) rc=${line#DORY-QEMU-STATUS } ;;
		esac
	done <"$log.fifo"
	wait
	if [ -z "$end" ]; then
		echo "not ok - $NAME/$v: the boot ended without the end marker after $(since "$t0") s (qemu status $rc, 124: the BOOT_TIMEOUT of $BOARD/board.conf; see $log)"
		grep -E 'Kernel panic|BUG|Oops|Call Trace' "$log" | head -n 5 | sed 's/^/#   /'
		return
	fi
	echo "ok - $NAME/$v: booted, checked and powered off"
	set -- $end
	echo "# $NAME/$v: guest: init at ${1#boot=} s, checks ${2#checks=} s; host: init after ${tinit:-?} s, all done in $(since "$t0") s"
}

for v in $VARIANTS; do
	case " $BOARD_VARIANTS " in
	*" $v "*) ;;
	*) echo "ok - $NAME/$v: boot # SKIP $BOARD has no variant $v (board.conf: $BOARD_VARIANTS)"; continue ;;
	esac
	rm -f "$B/console-$v.log" "$B/console-$v.log.fifo"
	mkfifo "$B/console-$v.log.fifo"
	boot "$v"
	rm -f "$B/console-$v.log.fifo"
done
