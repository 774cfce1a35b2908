# SPDX-License-Identifier: Apache-2.0
# unpack.sh - the tree a container sees equals `umoci unpack` of the same
# image: whiteouts, opaque directories, hardlinks, long names, modes,
# for both storage drivers.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../registry.sh"
miss=$(reg_missing)
command -v umoci >/dev/null || miss="$miss umoci"
[ -z "$miss" ] || { t_skip "unpack" "missing: $miss"; exit 0; }

ROOT=$TMP/root
t_config "\"certs-dir\": \"$TMP/certs.d\""
reg_start
reg_certs_d "$TMP/certs.d"

"$REG_PY" - "$TMP/l1.tar" "$TMP/l2.tar" <<'PY'
import io, sys, tarfile
long1 = "data/deep/" + "d" * 120 + "/" + "f" * 150
long2 = "data/" + "p" * 240

def add(t, name, kind=tarfile.REGTYPE, data=b"", mode=0o644, link="", uid=0):
    i = tarfile.TarInfo(name); i.type = kind; i.mode = mode; i.linkname = link
    i.uid = i.gid = uid; i.mtime = 1000000000
    i.size = len(data) if kind == tarfile.REGTYPE else 0
    t.addfile(i, io.BytesIO(data) if i.size else None)

with tarfile.open(sys.argv[1], "w", format=tarfile.GNU_FORMAT) as t:
    for d in ("data", "data/dir1", "data/dir2", "data/deep", "data/deep/" + "d" * 120):
        add(t, d, tarfile.DIRTYPE, mode=0o755)
    add(t, "data/a", data=b"a\n"); add(t, "data/b", data=b"b\n", mode=0o4755)
    add(t, "data/dir1/x", data=b"x\n"); add(t, "data/dir2/y", data=b"y\n", uid=1000)
    add(t, "data/hl1", data=b"shared\n"); add(t, "data/hl2", tarfile.LNKTYPE, link="data/hl1")
    add(t, "data/sym", tarfile.SYMTYPE, link="dir1/x")
    add(t, long1, data=b"long\n")
with tarfile.open(sys.argv[2], "w", format=tarfile.PAX_FORMAT) as t:
    add(t, "data/.wh.a"); add(t, "data/dir2/.wh..wh..opq"); add(t, "data/dir2/z", data=b"z\n")
    add(t, "data/dir1/.wh.x"); add(t, "data/c", data=b"c\n"); add(t, long2, data=b"pax\n")
PY
reg_image_make "$TMP/layout" wh --layer-tar "$TMP/l1.tar" --layer-tar "$TMP/l2.tar" >/dev/null
reg_push "$TMP/layout:wh" "$REG/$T/wh:v1" >/dev/null

# The same listing on both sides, made by the image's own busybox. A
# directory's size and link count are the filesystem's (overlayfs says 1).
list='cd /data && find . | sort | while read -r f; do if [ -d "$f" ] && [ ! -L "$f" ];
	then stat -c "%n %F %a %u" "$f"; else stat -c "%n %F %a %u %s %h" "$f"; fi; done'
reg_skopeo copy -q --src-cert-dir "$REG_CERTS" "docker://$REG/$T/wh:v1" "oci:$TMP/oci:wh" &&
	umoci unpack --image "$TMP/oci:wh" "$TMP/bundle" >/dev/null 2>&1
want=$(chroot "$TMP/bundle/rootfs" /bin/sh -c "$list")
t_check "umoci unpacked the image" [ -n "$want" ]
t_out "overlay: the container's tree equals umoci's" "$want" \
	"$DORY" --root "$ROOT" run "$REG/$T/wh:v1" sh -c "$list"
t_out "bind-copy: the container's tree equals umoci's" "$want" \
	"$DORY" --root "$ROOT" run --storage-driver bind-copy "$REG/$T/wh:v1" sh -c "$list"
t_out "bind-copy read-only: the same" "$want" "$DORY" --root "$ROOT" run \
	--storage-driver bind-copy --read-only "$REG/$T/wh:v1" sh -c "$list"

# A hardlink to a file of a lower layer: overlay layers cannot share an
# inode, so the file is copied up into the linking layer.
"$REG_PY" - "$TMP/l3.tar" <<'PY'
import sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    i = tarfile.TarInfo("data/hl3"); i.type = tarfile.LNKTYPE; i.linkname = "data/hl1"
    t.addfile(i)
PY
reg_image_make "$TMP/layout" hl --layer-tar "$TMP/l1.tar" --layer-tar "$TMP/l3.tar" >/dev/null
reg_push "$TMP/layout:hl" "$REG/$T/hl:v1" >/dev/null
t_out "a hardlink into a lower layer" "shared shared 2" "$DORY" --root "$ROOT" run \
	"$REG/$T/hl:v1" sh -c 'echo $(cat /data/hl3 /data/hl1) $(stat -c %h /data/hl3)'
t_check "no mount left under the store" eval '! grep -q "$ROOT" /proc/self/mountinfo'
