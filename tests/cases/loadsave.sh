# SPDX-License-Identifier: Apache-2.0
# loadsave.sh - `dory load` and `dory save`: Docker and OCI archives made by
# skopeo (no network), round trips that keep IDs and digests, damaged and
# hostile archives that leave the store as it was, and save's refusals.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../registry.sh"
miss=""
for c in skopeo "$REG_PY" tar gzip script; do command -v "$c" >/dev/null || miss="$miss $c"; done
[ -z "$miss" ] || { t_skip "load and save" "missing:$miss"; exit 0; }

ROOT=$TMP/root
dr() { local r=$1; shift; "$DORY" --root "$TMP/$r" "$@"; }
json() { reg_json "$1" <"$2"; }	# PATH FILE
rec() { echo "$1/images/${2#sha256:}.json"; }	# ROOT ID: the image record
blob() { echo "$1/blobs/sha256/${2#sha256:}"; }	# LAYOUT-OR-ROOT DIGEST
load_stdin() { dr "$1" load "${@:3}" <"$2"; }	# ROOT FILE [ARGS]
skopeo_cfg() { reg_skopeo inspect --raw "docker-archive:$1" | reg_json config.digest; }

# tamper.py MODE IN OUT: a copy of a skopeo archive, damaged one way.
cat >"$TMP/tamper.py" <<'PY'
import hashlib, io, json, sys, tarfile
mode, src, dst = sys.argv[1:4]
t = tarfile.open(src)
order = [m for m in t.getmembers()]
data = {m.name: t.extractfile(m).read() for m in order if m.isfile()}
def put(name, b):
    if name not in data:
        order.append(tarfile.TarInfo(name))
    data[name] = b
def digest(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()
def flip(name):
    b = bytearray(data[name]); b[len(b) // 2] ^= 0xff; data[name] = bytes(b)
bad_diff = digest(b"not the layer")
if mode.endswith("-oci"):
    idx = json.loads(data["index.json"])
    mpath = "blobs/sha256/" + idx["manifests"][0]["digest"][7:]
    man = json.loads(data[mpath])
    if mode == "flip-oci":
        flip("blobs/sha256/" + man["layers"][-1]["digest"][7:])
    elif mode == "diffid-oci":
        cfg = json.loads(data["blobs/sha256/" + man["config"]["digest"][7:]])
        cfg["rootfs"]["diff_ids"][-1] = bad_diff
        c = json.dumps(cfg).encode(); put("blobs/sha256/" + digest(c)[7:], c)
        man["config"].update(digest=digest(c), size=len(c))
        m = json.dumps(man).encode(); put("blobs/sha256/" + digest(m)[7:], m)
        idx["manifests"][0].update(digest=digest(m), size=len(m))
        put("index.json", json.dumps(idx).encode())
else:
    man = json.loads(data["manifest.json"])
    if mode == "flip":
        flip(man[0]["Layers"][-1])
    elif mode == "missing":
        man[0]["Layers"][-1] = "nope/layer.tar"
    elif mode == "diffid":
        cfg = json.loads(data[man[0]["Config"]])
        cfg["rootfs"]["diff_ids"][-1] = bad_diff
        c = json.dumps(cfg).encode(); put(digest(c)[7:] + ".json", c)
        man[0]["Config"] = digest(c)[7:] + ".json"
    put("manifest.json", json.dumps(man).encode())
with tarfile.open(dst, "w", format=tarfile.GNU_FORMAT) as out:
    for m in order:
        if m.isfile():
            m.size = len(data[m.name]); out.addfile(m, io.BytesIO(data[m.name]))
        else:
            out.addfile(m)
PY
tamper() { "$REG_PY" "$TMP/tamper.py" "$@"; }

# Test images: gzip layers (one), plain layers (plain), a hostile layer (evil).
L=$TMP/layout P=$TMP/plain
mkdir -p "$TMP/extra/etc" "$TMP/extra/srv" && echo hello >"$TMP/extra/etc/hello"
mdig=$(reg_image_make "$L" one --layer "$TMP/extra" --env FOO=bar --cmd '["cat","/etc/hello"]')
cfg=$(json config.digest "$(blob "$L" "$mdig")")
reg_image_archive "$L:one" "$TMP/one-docker.tar" "$T/one:v1" docker
reg_image_archive "$L:one" "$TMP/one-oci.tar" "$T/one:v1" oci
pdig=$(reg_image_make "$P" plain --layer "$TMP/extra" --uncompressed)
pcfg=$(json config.digest "$(blob "$P" "$pdig")")
(cd "$P" && tar -cf "$TMP/plain-oci.tar" oci-layout index.json blobs)
"$REG_PY" - "$TMP/evil.tar" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    for name, kind, target in (("link", tarfile.SYMTYPE, "/etc"),
                               ("link/passwd", tarfile.REGTYPE, "")):
        i = tarfile.TarInfo(name); i.type = kind; i.linkname = target
        data = b"pwned\n" if kind == tarfile.REGTYPE else b""
        i.size = len(data); t.addfile(i, io.BytesIO(data))
PY
reg_image_make "$L" evil --layer-tar "$TMP/evil.tar" >/dev/null
reg_image_archive "$L:evil" "$TMP/evil-docker.tar" "$T/evil:v1" docker

# Loading
t_out "load a docker-archive" "Loaded image: $T/one:v1" d load -i "$TMP/one-docker.tar"
t_check "... its ID is the config digest" [ -f "$(rec "$ROOT" "$cfg")" ]
t_check "... and the tag names it" grep -qF "\"docker.io/$T/one:v1\":\"$cfg\"" \
	"$ROOT/repositories.json"
t_out "run the loaded image" hello d run "$T/one:v1"
t_out "... with its config" bar d run "$T/one:v1" sh -c 'echo $FOO'
before=$(store_list)
t_out "loading it again" "Loaded image: $T/one:v1" d load -i "$TMP/one-docker.tar"
t_check "... changes nothing in the store" [ "$(store_list)" = "$before" ]
t_out "load an oci-archive (gzip layers)" "Loaded image: $T/one:v1" \
	dr oci load -i "$TMP/one-oci.tar"
t_out "... keeps the manifest digest" "$mdig" json manifest "$(rec "$TMP/oci" "$cfg")"
t_out "... and runs" hello dr oci run "$T/one:v1"
t_out "load from stdin" "Loaded image: $T/one:v1" load_stdin stdin "$TMP/one-oci.tar"
gzip -c "$TMP/one-docker.tar" >"$TMP/one-docker.tar.gz"
t_out "load a gzipped archive with -i -" "Loaded image: $T/one:v1" \
	load_stdin gz "$TMP/one-docker.tar.gz" -i -
t_out "an OCI layout with plain layers, no name" "Loaded image ID: $pcfg" \
	dr plain load -i "$TMP/plain-oci.tar"
t_out "... runs by ID" hello dr plain run "$pcfg" cat /etc/hello

# Save, then load elsewhere: the same image
t_ok "save (docker format) to a file" d save -o "$TMP/s-docker.tar" "$T/one:v1"
t_out "skopeo reads it: the same config" "$cfg" skopeo_cfg "$TMP/s-docker.tar"
t_out "... loads into a fresh store" "Loaded image: $T/one:v1" dr rt1 load -i "$TMP/s-docker.tar"
t_check "... with the same image ID" [ -f "$(rec "$TMP/rt1" "$cfg")" ]
t_out "... and the same diff IDs" "$(json layers.*.diff_id "$(rec "$ROOT" "$cfg")")" \
	json layers.*.diff_id "$(rec "$TMP/rt1" "$cfg")"
t_out "... and runs" hello dr rt1 run "$T/one:v1"
t_ok "save --format oci" dr oci save --format oci -o "$TMP/s-oci.tar" "$T/one:v1"
t_out "... loads into a fresh store" "Loaded image: $T/one:v1" dr rt2 load -i "$TMP/s-oci.tar"
t_out "... keeping the manifest digest" "$mdig" json manifest "$(rec "$TMP/rt2" "$cfg")"
t_out "... and the diff IDs" "$(json layers.*.diff_id "$(rec "$ROOT" "$cfg")")" \
	json layers.*.diff_id "$(rec "$TMP/rt2" "$cfg")"
pipe() { d save "$2" | dr "$1" load; }	# ROOT IMAGE: save here, load there
t_out "save to a pipe, load from it" "Loaded image: $T/one:v1" pipe rt3 "$T/one:v1"
t_out "save by ID: untagged" "Loaded image ID: $cfg" pipe rt4 "$cfg"

# Damaged and hostile archives: refused, the store as it was
for m in flip:"a layer byte flipped":"does not match its diff ID" \
	 missing:"manifest.json names a missing file":"which is not in the archive" \
	 diffid:"a config whose diff IDs do not match":"does not match its diff ID"; do
	IFS=: read -r mode what msg <<<"$m"
	tamper "$mode" "$TMP/one-docker.tar" "$TMP/bad.tar"
	t_refused "docker-archive, $what: refused" "$msg" d load -i "$TMP/bad.tar"
done
tamper flip-oci "$TMP/one-oci.tar" "$TMP/bad.tar"
t_refused "oci-archive, a layer byte flipped: refused" "the archive is damaged" \
	d load -i "$TMP/bad.tar"
tamper diffid-oci "$TMP/one-oci.tar" "$TMP/bad.tar"
t_refused "oci-archive, gzip layer unpacks to another diff ID: refused" \
	"does not match its diff ID" d load -i "$TMP/bad.tar"
t_refused "a layer writing through a symlink: refused" 'layer entry "link/passwd"' \
	d load -i "$TMP/evil-docker.tar"
dr empty load -i /dev/null 2>/dev/null	# an empty store
ROOT=$TMP/empty t_refused "... also in an empty store" 'layer entry "link/passwd"' \
	dr empty load -i "$TMP/evil-docker.tar"
head -c 3000 "$TMP/one-docker.tar" >"$TMP/cut.tar"
t_refused "a cut archive: refused" "cut short" d load -i "$TMP/cut.tar"
head -c 2000 /dev/urandom >"$TMP/junk"
t_refused "not an archive: refused" "not a tar archive" d load -i "$TMP/junk"
t_refused "an empty input: refused" "empty" d load -i /dev/null
t_check "no tmp/ or partial left" \
	[ -z "$(ls -A "$ROOT/tmp" "$ROOT/blobs/partial" | grep -v ':$' | grep .)" ]

# Save's refusals
t_run script -qec "'$DORY' --root '$ROOT' save '$T/one:v1'" /dev/null
[ "$RC" = 125 ] && grep -q "cowardly refusing to save to a terminal" "$OUT"
t_report $? "save to a terminal: refused" "exit $RC; out: $(cat "$OUT")"
t_fail 125 "no such image" "save a missing image" d save -o "$TMP/x.tar" "$T/nope:v1"
t_check "... leaves no file" [ -z "$(ls "$TMP" | grep '^x\.tar')" ]
t_config '"keep-layer-blobs": false'
t_ok "load with keep-layer-blobs off" dr noblobs load -i "$TMP/one-oci.tar"
t_out "... runs" hello dr noblobs run "$T/one:v1"
t_fail 125 "pull it again" "... save says the layer blobs are gone" \
	dr noblobs save -o "$TMP/x.tar" "$T/one:v1"
t_check "... and leaves no file" [ -z "$(ls "$TMP" | grep '^x\.tar')" ]
t_config
t_fail 125 "invalid --format" "a bad --format" d save --format zip "$T/one:v1"
