#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# demo.sh - `make demo`: with no network, a busybox image made here (a
# Docker archive written with tar and sha256sum), loaded into a store of
# its own and run; then the same root filesystem run directly.
set -euo pipefail
: "${DORY:?}"
dir=$(mktemp -d /tmp/dory-demo.XXXXXX)
trap 'rm -rf "$dir"' EXIT
. "$(dirname "$0")/bbimage.sh"
r=$dir/rootfs
bb_image "$dir" dory-demo:latest \
	'["sh","-c","echo \"hello from $(hostname), pid $$, uid $(id -u), in an image\"; echo \"network: $(ls /sys/class/net)\""]'

# --network none: the demo makes no bridge or rule on the machine it runs on.
echo "+ dory load -i image.tar; dory run --rm --network none -h demo dory-demo"
"$DORY" --root "$dir/store" load -i "$dir/image.tar"
"$DORY" --root "$dir/store" run --rm --network none -h demo dory-demo
echo "+ dory run --rm --network none --rootfs ROOTFS -h demo sh -c '...'"
"$DORY" run --rm --network none --rootfs "$r" -h demo sh -c \
	'echo "hello from $(hostname), pid $$, uid $(id -u)"; echo "network: $(ls /sys/class/net)"'
