#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# demo.sh - `make demo`: a busybox root filesystem made here, with no
# network, and a container run on it.
set -euo pipefail
: "${DORY:?}"
dir=$(mktemp -d /tmp/dory-demo.XXXXXX)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/rootfs/bin" "$dir/rootfs/etc"
cp /bin/busybox "$dir/rootfs/bin/"
for a in $(/bin/busybox --list); do
	[ -e "$dir/rootfs/bin/$a" ] || ln -s busybox "$dir/rootfs/bin/$a"
done
echo "root:x:0:0:root:/root:/bin/sh" >"$dir/rootfs/etc/passwd"
echo "+ dory run --rootfs ROOTFS -h demo sh -c '...'"
"$DORY" run --rootfs "$dir/rootfs" -h demo sh -c \
	'echo "hello from $(hostname), pid $$, uid $(id -u)"; echo "network: $(ls /sys/class/net)"'
