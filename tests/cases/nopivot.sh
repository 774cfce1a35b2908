# SPDX-License-Identifier: Apache-2.0
# nopivot.sh - roots pivot_root cannot leave: dory chrooted into a directory
# that is not a mount point, and dory on the kernel's initial rootfs (an
# initramfs, reached here by detaching the host's root in a namespace of
# the test's own). Containers start (a directory, overlay, bind-copy), see
# their own /proc, exec works, a chroot escape finds nothing of the old
# root, and nothing stays mounted.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../bbimage.sh"

TOP=$TMP/top
DIR=$TOP/dir
mkdir -p "$DIR/proc" "$DIR/dev" "$DIR/sys"
t_rootfs "$DIR/rfs"
cp "$DORY" "$DIR/dory"
cp /bin/busybox "$DIR/busybox"
echo outside >"$TOP/outside"	# on the host, next to the chroot
echo inside >"$DIR/inside"	# in the chroot, outside the store
if ! gcc -static -O1 -o "$DIR/rfs/bin/sysprobe" "$(dirname "$0")/../tools/sysprobe.c" 2>/dev/null ||
   ! gcc -static -O1 -o "$TMP/initramfs" "$(dirname "$0")/../tools/initramfs.c" 2>/dev/null; then
	t_skip "roots without pivot_root" "gcc -static cannot build tests/tools/*.c"
	exit 0
fi
bb_image "$DIR/img" "$T-img:1" '["sh"]' >/dev/null 2>&1
before=$(t_leftovers)

# Each mode runs a shell line in a mount namespace of its own, with dory
# as $D and its store in DIR; $P is where DIR is, seen from there.
printf '%s\n' 'mount -t proc proc "$1/proc" && mount --rbind /dev "$1/dev" &&' \
	'	mount --rbind /sys "$1/sys" && exec chroot "$1" /busybox sh -c "$2"' >"$TMP/chroot.sh"
# Its config keeps containers off the host's network (no bridge made there)
# and their cgroups below /$T, as lib.sh's does.
printf '{"cgroup-parent": "/%s", "default-network": "none"}\n' "$T" >"$DIR/config.json"
in_chroot() { unshare -m sh "$TMP/chroot.sh" "$DIR" \
	"D='/dory --root /store --state /state'; P=; export DORY_CONFIG=/config.json; $1"; }
in_initramfs() { "$TMP/initramfs" "$DIR" /mnt/busybox sh -c \
	"D='/mnt/dory --root /mnt/store --state /mnt/state'; P=/mnt; export DORY_CONFIG=/mnt/config.json; $1"; }
stop_all() # MODE: remove the containers the cases made, in MODE's view
{
	local c
	for c in "$DIR"/store/containers/*/config.json; do
		[ -e "$c" ] || continue
		c=${c%/config.json}
		"$1" "\$D rm -f ${c##*/}" >/dev/null 2>&1
	done
}
trap 'stop_all in_initramfs; stop_all in_chroot; t_cleanup' EXIT

for mode in in_chroot in_initramfs; do
	m=${mode#in_}
	if [ "$mode" = in_initramfs ]; then
		"$TMP/initramfs" "$DIR" /mnt/busybox true 2>/dev/null
		if [ $? = 77 ]; then
			t_skip "$m: containers" "this kernel's rootfs lacks /mnt, /dev, /sys or /proc"
			continue
		fi
		t_out "$m: the root is the kernel's rootfs" rootfs \
			$mode "awk '\$5 == \"/\" { print \$9 }' /proc/self/mountinfo"
	else
		t_out "$m: the root is not a mount point" 0 \
			$mode "awk '\$5 == \"/\"' /proc/self/mountinfo | wc -l"
	fi
	t_ok "$m: load an image" $mode "\$D load -i \$P/img/image.tar"
	t_out "$m: a directory as root: its own /proc" "1 sh" \
		$mode "\$D run --rm --rootfs \$P/rfs sh -c 'echo \$\$ \$(cat /proc/1/comm)'"
	for drv in overlay bind-copy; do
		t_out "$m: $drv: runs, its own /proc" "1 sh" $mode "\$D run --rm \
			--storage-driver $drv $T-img:1 sh -c 'echo \$\$ \$(cat /proc/1/comm)'"
	done
	if [ "$mode" = in_chroot ]; then
		t_skip "$m: userns-remap" "the kernel refuses a user namespace in a chroot"
	elif unshare -U true 2>/dev/null; then
		printf '{"userns-remap": "100000:65536", "cgroup-parent": "/%s", "default-network": "none"}\n' \
			"$T" >"$DIR/userns.json"
		t_out "$m: userns-remap: root inside, mapped" "0 100000 1 sh" $mode \
			"DORY_CONFIG=\$P/userns.json \$D run --rm $T-img:1 sh -c \
			'echo \$(id -u) \$(awk \"{ print \\\$2 }\" /proc/self/uid_map) \$\$ \$(cat /proc/1/comm)'"
	else
		t_skip "$m: userns-remap" "no user namespaces"
	fi
	t_out "$m: a chroot escape finds nothing of the host or the old root" \
		"$TOP/outside hidden
/inside hidden
/mnt/inside hidden" \
		$mode "\$D run --rm --rootfs \$P/rfs sysprobe escape $TOP/outside /inside /mnt/inside"
	t_out "$m: with SYS_ADMIN, no mount of the host's either" "$TOP/outside hidden
/mnt/inside hidden
/mnt/rfs hidden" \
		$mode "\$D run --rm --cap-add SYS_ADMIN --rootfs \$P/rfs \
			sysprobe unroot $TOP/outside /mnt/inside /mnt/rfs"
	t_out "$m: run -d, then exec into it" "sleep
$TOP/outside hidden
/inside hidden" \
		$mode "\$D run -d --name $T-$m --rootfs \$P/rfs sleep 1000 >/dev/null &&
			\$D exec $T-$m cat /proc/1/comm &&
			\$D exec $T-$m sysprobe escape $TOP/outside /inside"
	t_out "$m: rm -f" "$T-$m" $mode "\$D rm -f $T-$m"
	t_check "$m: nothing left mounted, no cgroup left" [ "$(t_leftovers)" = "$before" ]
done
