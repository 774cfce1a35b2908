# SPDX-License-Identifier: Apache-2.0
# bbimage.sh - sourced by tests/demo.sh and bench/footprint.sh. With no
# network: a busybox root filesystem and, from it, an image as a Docker
# archive (docker save's format), written with tar and sha256sum only.

# bb_image DIR NAME CMD_JSON [ARCH]: DIR/rootfs and DIR/image.tar holding
# the image NAME (e.g. "dory-demo:latest") whose Cmd is CMD_JSON (["sh"]),
# for this machine or for ARCH (Docker's name: arm64), whose busybox (the
# first in PATH) runs under qemu-user (QEMU_USER, e.g. qemu-aarch64-static).
# BB_CONFIG adds fields to the image's config ('"ExposedPorts":{"80/tcp":{}}').
bb_image()
{
	local dir=$1 name=$2 cmd=$3 r=$1/rootfs arch=${4:-} lh ch a
	mkdir -p "$r/bin" "$r/etc" "$r/tmp" "$r/proc" "$r/sys" "$r/dev" "$dir/img"
	cp "$(command -v busybox)" "$r/bin/"
	if [ -n "$arch" ]; then
		for a in $(${QEMU_USER:?} "$r/bin/busybox" --list); do
			[ -e "$r/bin/$a" ] || ln -s /bin/busybox "$r/bin/$a"
		done
	else
		chroot "$r" /bin/busybox --install -s /bin
	fi
	echo "root:x:0:0:root:/root:/bin/sh" >"$r/etc/passwd"
	echo "root:x:0:" >"$r/etc/group"
	[ -n "$arch" ] || case $(uname -m) in
	x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; armv7l) arch=arm ;;
	mips*) arch=mipsle ;; *) arch=$(uname -m) ;;
	esac
	tar -C "$r" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 \
		-cf "$dir/layer.tar" .
	lh=$(sha256sum <"$dir/layer.tar" | cut -d' ' -f1)
	mkdir -p "$dir/img/$lh"
	mv "$dir/layer.tar" "$dir/img/$lh/layer.tar"
	printf '{"architecture":"%s","os":"linux","created":"1970-01-01T00:00:00Z","config":{"Env":["PATH=/bin"],"Cmd":%s%s},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
		"$arch" "$cmd" "${BB_CONFIG:+,$BB_CONFIG}" "$lh" >"$dir/config.json"
	ch=$(sha256sum <"$dir/config.json" | cut -d' ' -f1)
	mv "$dir/config.json" "$dir/img/$ch.json"
	printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]' \
		"$ch" "$name" "$lh" >"$dir/img/manifest.json"
	tar -C "$dir/img" -cf "$dir/image.tar" .
	rm -rf "$dir/img"
}
