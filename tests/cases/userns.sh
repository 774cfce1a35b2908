# SPDX-License-Identifier: Apache-2.0
# userns.sh - `dory run` with "userns-remap" in the config: container root
# is host 100000, image files (idmapped or shifted) still show as root's,
# --userns=host opts out, and nothing is left behind.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../registry.sh"

miss=""
for c in skopeo "$REG_PY" tar gzip unshare; do command -v "$c" >/dev/null || miss="$miss $c"; done
[ -z "$miss" ] || { t_skip "userns" "missing:$miss"; exit 0; }
unshare -U true 2>/dev/null || { t_skip "userns" "no user namespaces"; exit 0; }

ROOT=$TMP/root
IMG=$T/ux:v1
before=$(t_leftovers)
reg_image_make "$TMP/oci" "$IMG" >/dev/null &&
	reg_image_archive "$TMP/oci:$IMG" "$TMP/ux.tar" "$IMG" oci &&
	"$DORY" --root "$ROOT" load -i "$TMP/ux.tar" >/dev/null ||
	{ t_report 1 "make and load the test image"; exit 0; }
conf() { t_config "\"userns-remap\": \"$1\""; }
conf 100000:65536
run() { "$DORY" --root "$ROOT" run --rm "$@"; }
# bg: dory in the background; dpid is dory's own PID (not a subshell's).
bg() { "$DORY" --root "$ROOT" run --rm "$@" & dpid=$!; T_PIDS="$T_PIDS $dpid"; }
map="0 100000 65536"

# Inside: root of a namespace that maps 0 to host 100000
t_out "root inside" 0 run "$IMG" id -u
t_out "the uid map" "$map" run "$IMG" sh -c 'tr -s " " </proc/self/uid_map | sed "s/^ //"'
t_out "the gid map" "$map" run "$IMG" sh -c 'tr -s " " </proc/self/gid_map | sed "s/^ //"'
t_out "--user app is 1000 inside" 1000 run --user app "$IMG" id -u

# The image's files keep their owners as the container sees them
t_out "image files are root's" 0:0 run "$IMG" stat -c %u:%g /bin/busybox
t_out "a user's dir is the user's" 1000:1000 run "$IMG" stat -c %u:%g /home/app
t_out "/ is root's" 0:0 run "$IMG" stat -c %u:%g /
t_out "root writes anywhere" 0 run "$IMG" sh -c 'echo x >/etc/new && stat -c %u /etc/new'
t_out "copy-up of a root file" ok run "$IMG" sh -c 'echo x >>/etc/passwd && echo ok'
t_out "app writes its home" 1000 run --user app "$IMG" sh -c 'touch ~/f && stat -c %u ~/f'
t_fail 1 "Permission denied" "app cannot write /etc" run --user app "$IMG" touch /etc/nope

# From the host: the container's processes are host 100000
bg "$IMG" sh -c 'trap "exit 0" TERM; touch /tmp/up; while :; do sleep 0.1; done'
cpid=$(t_poll 5 t_child "$dpid" sh)	# once it runs the loop
t_out "the host sees uid 100000" 100000 \
	sh -c "awk '/^Uid:/ {print \$2}' /proc/${cpid:-0}/status"
kill -s TERM "$dpid" 2>/dev/null
t_wait $dpid

# What a namespace's root cannot have: devices work by bind mount
t_out "/dev/null works" ok run "$IMG" sh -c 'echo x >/dev/null && echo ok'
t_out "/dev/zero reads" 00 run "$IMG" sh -c 'head -c1 /dev/zero | od -An -tx1 | tr -d " "'
t_out "hostname is set" ux-host run --hostname ux-host "$IMG" hostname
t_fail 1 "" "host root's files stay host root's" \
	run "$IMG" sh -c 'grep -q "^0 *0 " /proc/self/uid_map'
t_fail 1 "Operation not permitted" "no mknod of a device" \
	run "$IMG" mknod /tmp/sda b 8 0

# The bind-copy driver: a shifted copy, made once per image and range
t_out "bind-copy: files are root's" 0:0 \
	run --storage-driver bind-copy "$IMG" stat -c %u:%g /bin/busybox
t_out "bind-copy: the user's dir" 1000:1000 \
	run --storage-driver bind-copy "$IMG" stat -c %u:%g /home/app
t_out "bind-copy read-only: the same" 0:0 \
	run --storage-driver bind-copy --read-only "$IMG" stat -c %u:%g /etc/passwd

# Opting out, and bad ranges
t_out "--userns=host: the host's map" "0 0 4294967295" \
	run --userns=host "$IMG" sh -c 'tr -s " " </proc/self/uid_map | sed "s/^ //"'
conf 0:65536
t_fail 125 'userns-remap "0:65536": the range must not hold host id 0' \
	"a range holding host root" run "$IMG" true
conf 100000:0
t_fail 125 'userns-remap "100000:0": the count must be at least 1' "an empty range" \
	run "$IMG" true
conf nosuchuser
t_fail 125 'no range for nosuchuser in /etc/subuid' "a user without a subuid range" \
	run "$IMG" true
conf 100000:65536

# The fallback where idmapped mounts cannot be had (forced here): a copy
t_config '"userns-remap": "100000:65536", "userns-idmap": false'
t_out "shifted copy: files are root's inside" "0:0 1000:1000" \
	run "$IMG" sh -c 'echo $(stat -c %u:%g /bin/busybox) $(stat -c %u:%g /home/app)'
t_out "... app writes its home" 1000 run --user app "$IMG" sh -c 'touch ~/f && stat -c %u ~/f'
"$DORY" --root "$ROOT" create --name "$T-s" "$IMG" true >/dev/null
S=$("$DORY" --root "$ROOT" inspect -f '{{.Id}}' "$T-s")
t_out "... on disk the copy is the range's" "100000 101000" \
	sh -c "echo \$(stat -c %u '$ROOT/containers/$S/copy/bin/busybox' '$ROOT/containers/$S/copy/home/app')"
t_check "... and the image's layers are untouched" \
	test -z "$(find "$ROOT/layers" -uid 100000 -print -quit)"
"$DORY" --root "$ROOT" rm "$T-s" >/dev/null
conf 100000:65536

# Detached, and exec joins its user namespace too
if "$DORY" --root "$ROOT" run -d --name "$T-d" "$IMG" sleep 100 >/dev/null 2>"$ERR"; then
	t_out "exec: root of the container's namespace" "0 $map" "$DORY" --root "$ROOT" exec \
		"$T-d" sh -c 'echo $(id -u) $(tr -s " " </proc/self/uid_map | sed "s/^ //")'
	t_out "exec -u app" 1000 "$DORY" --root "$ROOT" exec -u app "$T-d" id -u
	t_ok "rm -f" "$DORY" --root "$ROOT" rm -f "$T-d"
else
	t_report 1 "run -d with userns-remap" "$(cat "$ERR")"
fi

t_out "nothing left behind" "$before" t_leftovers
t_check "no mount left under the store" eval '! grep -q "$ROOT" /proc/self/mountinfo'
