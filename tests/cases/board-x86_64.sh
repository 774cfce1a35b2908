# SPDX-License-Identifier: Apache-2.0
# board-x86_64.sh - dory on a booted kernel: Debian's kernel under qemu (TCG)
# with dory and busybox in an initramfs, cgroup v2 alone, once per variant
# of board/qemu/init (BOARD_VARIANTS, default root svc initramfs; the
# systemd one is make check-boards' only);
# the checks are board/qemu/checks.sh, their TAP lines come back over the
# serial console. See board/README.
set -u
cd "$(dirname "$0")/../.."
: "${DORY:?DORY must name the dory binary}"
# shellcheck disable=SC2086
DORY=$DORY bash board/qemu/run.sh board/qemu-x86_64 ${BOARD_VARIANTS:-root svc initramfs}
