# SPDX-License-Identifier: Apache-2.0
# volume.sh - run -v: named volumes (made on first use, data kept across
# containers, the image's files copied only into an empty one), host
# directories, :ro, mount targets confined to the container's root, and
# bad -v specs refused with one line and nothing made.
. "$(dirname "$0")/../lib.sh"
[ "$(id -u)" = 0 ] || { t_skip "volume" "needs root"; exit 0; }

R=$TMP/rootfs
t_rootfs "$R"
mkdir -p "$R/data" "$R/outer"
echo image >"$R/data/f"
chown 7:8 "$R/data/f"
chmod 640 "$R/data/f"
ln -s /etc "$R/evil"
ln -s ../../../../../../etc "$R/outer/up"
run() { "$DORY" run --rm --rootfs "$R" "$@"; }
V=$T-v
VD=$DORY_ROOT/volumes/$V/_data

t_out "a new volume gets the image's files, owners and modes kept" "640 7 8 image" \
	run -v "$V:/data" sh -c 'echo $(stat -c "%a %u %g" /data/f) $(cat /data/f); echo kept >/data/g'
t_out "data written to a volume survives the container" "kept" run -v "$V:/data" cat /data/g
t_check "the volume is under ROOT/volumes/NAME/_data" [ "$(cat "$VD/g")" = kept ]
"$DORY" create --name "$T-c" --rootfs "$R" -v "$V:/data" true >/dev/null
t_out "inspect shows Mounts as Docker" "volume $V $VD /data local z true" \
	"$DORY" inspect -f '{{range .Mounts}}{{.Type}} {{.Name}} {{.Source}} {{.Destination}} {{.Driver}} {{.Mode}} {{.RW}}{{end}}' "$T-c"
"$DORY" rm "$T-c" >/dev/null
echo image2 >"$R/data/f"
rm -f "$VD/f"
t_out "the image's files go only into an empty volume" "g" run -v "$V:/data" ls /data
t_out "a second new volume gets them" "f" run -v "$V-2:/data" ls /data
t_out "nocopy leaves a new volume empty" "" run -v "$V-3:/data:nocopy" ls /data

# :ro, all the way down
t_fail 1 "Read-only file system" ":ro: a write fails" run -v "$V:/data:ro" sh -c 'echo x >/data/x'
t_fail 1 "" ":ro: remount,rw without CAP_SYS_ADMIN fails" run -v "$V:/data:ro" \
	sh -c 'mount -o remount,rw /data 2>/dev/null || exit 1; echo x >/data/x'
t_check ":ro: nothing was written" [ ! -e "$VD/x" ]
mkdir -p "$TMP/host/sub"
t_out "a host directory is bound; a missing one is made" "ro" \
	run -v "$TMP/host:/mnt/h:ro" -v "$TMP/made/dir:/mnt/m" \
	sh -c 'touch /mnt/m/ok; touch /mnt/h/no 2>/dev/null || echo ro'
t_check "the missing host directory was made and written" [ -e "$TMP/made/dir/ok" ]

# A hostile root: mount targets behind symlinks stay in it
t_ok "a target behind a symlink to /etc stays in the container" \
	run -v "$V:/evil/$T-x" true
t_check "the host's /etc was not touched" [ ! -e "/etc/$T-x" ]
t_ok "a target behind a relative symlink climbing out stays in" \
	run -v "$V:/outer/up/$T-y" true
t_check "the host's /etc was not touched (relative)" [ ! -e "/etc/$T-y" ]
t_out "a symlink target resolves in the container's root" "$R/etc/$T-z" \
	sh -c "\"\$0\" run --rm --rootfs \"\$1\" -v \"\$2:/evil/$T-z\" true && ls -d \"\$1/etc/$T-z\"" \
	"$DORY" "$R" "$V"

# Bad input: one line, 125, nothing made
vols() { ls "$DORY_ROOT/volumes" 2>/dev/null; ls "$DORY_ROOT/containers" 2>/dev/null; }
bad() # NAME MSG SPEC
{
	local before; before=$(vols)
	t_run "$DORY" create --rootfs "$R" -v "$3" true
	[ "$RC" = 125 ] && [ "$(wc -l <"$ERR")" = 1 ] && grep -Fq -- "$2" "$ERR" &&
		[ "$(vols)" = "$before" ]
	t_report $? "$1" "exit $RC; stderr: $(cat "$ERR")"
}
bad "a bad volume name" "includes invalid characters for a local volume name" "$T\$x:/d"
bad "a one-letter volume name" "volume name is too short" "a:/d"
bad "a relative container path" "mount path must be absolute" "$T-n:data"
bad "no container path" "invalid volume specification" "$T-n"
bad "an empty part" "invalid volume specification" "$T-n::/d"
bad "a bad mode" "invalid mode: rx" "$T-n:/d:rx"
bad "ro and rw" "invalid mode" "$T-n:/d:ro,rw"
bad "the root as target" "destination can't be '/'" "$T-n:/"
bad "an anonymous volume (not yet)" "not supported yet" "/d"
bad "shared propagation (not yet)" "not supported yet" "/h:/d:rshared"
