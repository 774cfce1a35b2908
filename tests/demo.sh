#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# demo.sh - `make demo`: with no network, a busybox image made here (a
# Docker archive written with tar and sha256sum), loaded into a store of
# its own and run; then the same root filesystem run directly.
set -euo pipefail
: "${DORY:?}"
dir=$(mktemp -d /tmp/dory-demo.XXXXXX)
trap 'rm -rf "$dir"' EXIT
r=$dir/rootfs
mkdir -p "$r/bin" "$r/etc" "$r/tmp" "$r/proc" "$r/sys" "$r/dev"
cp /bin/busybox "$r/bin/"
chroot "$r" /bin/busybox --install -s /bin
echo "root:x:0:0:root:/root:/bin/sh" >"$r/etc/passwd"
echo "root:x:0:" >"$r/etc/group"

# The image: one layer, a config, a manifest (docker save's format).
case $(uname -m) in
x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; armv7l) arch=arm ;;
mips*) arch=mipsle ;; *) arch=$(uname -m) ;;
esac
tar -C "$r" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 \
	-cf "$dir/layer.tar" .
lh=$(sha256sum <"$dir/layer.tar" | cut -d' ' -f1)
mkdir -p "$dir/img/$lh"
mv "$dir/layer.tar" "$dir/img/$lh/layer.tar"
printf '{"architecture":"%s","os":"linux","created":"1970-01-01T00:00:00Z","config":{"Env":["PATH=/bin"],"Cmd":["sh","-c","echo \\"hello from $(hostname), pid $$, uid $(id -u), in an image\\"; echo \\"network: $(ls /sys/class/net)\\""]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
	"$arch" "$lh" >"$dir/config.json"
ch=$(sha256sum <"$dir/config.json" | cut -d' ' -f1)
mv "$dir/config.json" "$dir/img/$ch.json"
printf '[{"Config":"%s.json","RepoTags":["dory-demo:latest"],"Layers":["%s/layer.tar"]}]' \
	"$ch" "$lh" >"$dir/img/manifest.json"
tar -C "$dir/img" -cf "$dir/demo.tar" .

echo "+ dory load -i demo.tar; dory run --rm -h demo dory-demo"
"$DORY" --root "$dir/store" load -i "$dir/demo.tar"
"$DORY" --root "$dir/store" run --rm -h demo dory-demo
echo "+ dory run --rm --rootfs ROOTFS -h demo sh -c '...'"
"$DORY" run --rm --rootfs "$r" -h demo sh -c \
	'echo "hello from $(hostname), pid $$, uid $(id -u)"; echo "network: $(ls /sys/class/net)"'
