# SPDX-License-Identifier: Apache-2.0
# pull.sh - `dory pull` and `dory run IMAGE` against a real registry over
# real TLS: references, platforms, auth, certificates, damaged data,
# interrupted pulls, path escapes, and a store left as it was.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../registry.sh"
miss=$(reg_missing)
[ -z "$miss" ] || { t_skip "pull" "missing: $miss"; exit 0; }

reg_dory_env

reg_start
reg_certs_d "$TMP/certs.d"
G=$REG L=$TMP/layout
mkdir -p "$TMP/extra/etc" "$TMP/extra/srv" && echo hello >"$TMP/extra/etc/hello"
dig=$(reg_image_make "$L" one --layer "$TMP/extra" --env FOO=bar --workdir /srv \
	--cmd '["cat","/etc/hello"]')
reg_push "$L:one" "$G/$T/one:v1" >/dev/null

# Pull and run
t_out "pull prints the full name" "$G/$T/one:v1" d pull -q "$G/$T/one:v1"
t_check "every layer was fetched once" [ "$(reg_blob_gets "$G")" -eq 3 ]
# Progress on stdout, as Docker's: its lines when stdout is no terminal,
# each layer drawn in place on one that is (below)
t_run "$DORY" --root "$TMP/root-lines" pull "$G/$T/one:v1"
t_check "... once more without -q: the name last on stdout, as Docker" \
	[ "$RC:$(tail -n 1 "$OUT")" = "0:$G/$T/one:v1" ]
lines() # FILE: Docker's lines, in order, before the name, and no escape sequence
{
	{ sed -n 1p "$1"; tail -n 2 "$1" | head -n 1; } |
		grep -c -e '^v1: pulling from ' -e '^Digest: sha256:' | grep -qx 2 &&
		[ "$(grep -c ": pull complete$" "$1")" = 2 ] && ! grep -q $'\033' "$1"
}
t_check "... Docker's lines before it on stdout, no progress" lines "$OUT"
t_check "... and nothing on stderr" [ ! -s "$ERR" ]
t_out "... again: both layers already exist" 2 sh -c "\"$DORY\" --root \"$TMP/root-lines\" \
	pull \"$G/$T/one:v1\" 2>/dev/null | grep -c ': already exists\$'"
if command -v script >/dev/null; then
	script -qec "\"$DORY\" --root \"$TMP/root-tty\" pull \"$G/$T/one:v1\"" /dev/null \
		>"$TMP/tty.out" 2>&1
	t_check "on a terminal, each layer's line is redrawn in place" \
		grep -q $'\033\\[[0-9]*A\r[0-9a-f]\\{12\\}: pull complete\033\\[K' "$TMP/tty.out"
else
	t_skip "on a terminal, each layer's line is redrawn in place" "script(1) is missing"
fi
t_out "run IMAGE uses the image's Cmd" hello d run --rm "$G/$T/one:v1"
t_out "... its Env and WorkingDir" "bar /srv" d run --rm "$G/$T/one:v1" sh -c 'echo $FOO $(pwd)'
t_out "... -e and -w override them" "baz /" d run --rm -e FOO=baz -w / "$G/$T/one:v1" \
	sh -c 'echo $FOO $(pwd)'
t_out "--entrypoint replaces the image's" "x" d run --rm --entrypoint echo "$G/$T/one:v1" x
t_out "writes go to the container's own layer" "new" d run --rm "$G/$T/one:v1" \
	sh -c 'echo new >/etc/hello; cat /etc/hello'
t_out "... and are gone in the next container" hello d run --rm "$G/$T/one:v1"
t_out "a user other than root enters / and writes its home" touched d run --rm -u app \
	"$G/$T/one:v1" sh -c 'touch ~/f && echo touched'
t_out "--read-only works on an image" "ro" d run --rm --read-only "$G/$T/one:v1" \
	sh -c 'touch /x 2>/dev/null || echo ro'
t_out "bind-copy driver" hello d run --rm --storage-driver bind-copy "$G/$T/one:v1"
t_out "bind-copy, read-only" "ro" d run --rm --storage-driver bind-copy --read-only \
	"$G/$T/one:v1" sh -c 'touch /x 2>/dev/null || echo ro'
# A detached container of an image keeps its own layer across a restart
twice() { [ "$(d exec "$1" sh -c 'wc -l </count' 2>/dev/null)" = 2 ]; }	# /count: 2 lines
for drv in overlay bind-copy; do
	d run -d --name "$T-$drv" --storage-driver "$drv" "$G/$T/one:v1" sh -c \
		'echo x >>/count; exec sleep 1000' >/dev/null
	t_ok "$drv: stop and start an image's container" sh -c \
		"\"$DORY\" --root \"$ROOT\" stop -t 0 $T-$drv && \"$DORY\" --root \"$ROOT\" start $T-$drv"
	t_check "... its writes survive the restart" t_poll 5 twice "$T-$drv"
	t_ok "... rm -f" d rm -f "$T-$drv"
done
reg_log_clear "$G"
t_out "pulling again downloads nothing" "$G/$T/one:v1" d pull -q "$G/$T/one:v1"
t_check "... no blob GET" [ "$(reg_blob_gets "$G")" -eq 0 ]
t_out "pull by digest" "$G/$T/one@$dig" d pull -q "$G/$T/one@$dig"
t_ok "run by digest" d run --rm "$G/$T/one@$dig" true
t_fail 125 "no such image" "--pull never with a missing image" \
	d run --rm --pull never "$G/$T/nope:v1" true
t_fail 125 "not found" "a missing tag" d pull -q "$G/$T/one:nope"
t_fail 125 "invalid reference" "a bad reference" d pull "$G/$T/One"

# Platforms of an index
reg_image_make "$L" multi --multi >/dev/null
reg_push "$L:multi" "$G/$T/multi:v1" >/dev/null
t_out "an index gives this machine's image" linux/amd64 d run --rm "$G/$T/multi:v1" cat /platform
t_ok "--platform linux/arm64 pulls that one" d pull -q --platform linux/arm64 "$G/$T/multi:v1"
has_platform() { grep -rqx "$1" "$ROOT"/layers/*/diff/platform; }
t_check "... its layer is in the store" has_platform linux/arm64
t_ok "--platform linux/arm/v7" d pull -q --platform linux/arm/v7 "$G/$T/multi:v1"
t_check "... its layer is in the store" has_platform linux/arm/v7
t_fail 125 "has no image for linux/riscv64" "a platform the index lacks" \
	d pull -q --platform linux/riscv64 "$G/$T/multi:v1"

# Damaged data leaves the store as it was
mkdir -p "$TMP/extra2" && echo other >"$TMP/extra2/other"
reg_image_make "$L" bad --layer "$TMP/extra2" >/dev/null
reg_push "$L:bad" "$G/$T/bad:v1" >/dev/null
bl=$(curl -sf --cacert "$REG_CA" -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
	"https://$G/v2/$T/bad/manifests/v1" | reg_json layers.1.digest)
reg_blob_corrupt "$G" "$bl"
t_store_unchanged "a blob with a wrong digest is refused" d pull -q "$G/$T/bad:v1"
cp "$ERR" "$TMP/last.err"
t_match "... and named" "has digest" cat "$TMP/last.err"
reg_blob_truncate "$G" "$bl"
t_store_unchanged "a truncated blob is refused" d pull -q "$G/$T/bad:v1"

# A registry that serves other documents than those asked for: tags a and
# b of one repository differ only in their config, so that either's
# manifest or config, served for the other, would make a whole image.
mkdir -p "$TMP/extra3" && echo sub >"$TMP/extra3/sub"
declare -A sub
for v in a b c d; do
	sub[$v]=$(reg_image_make "$L" "sub$v" --no-base --layer "$TMP/extra3" --env "V=$v")
	reg_push "$L:sub$v" "$G/$T/sub:$v" >/dev/null
done
lay() { echo "$L/blobs/sha256/${1#sha256:}"; }	# DIGEST: its file in the layout
reg_blob_replace "$G" "${sub[a]}" "$(lay "${sub[b]}")"
t_refused "a manifest other than the tag's is refused" "not ${sub[a]} as the registry says" \
	d pull -q "$G/$T/sub:a"
t_refused "a manifest other than the digest asked is refused" "manifest ${sub[a]} from" \
	d pull -q "$G/$T/sub@${sub[a]}"
cfg_c=$(reg_json config.digest <"$(lay "${sub[c]}")")
reg_blob_replace "$G" "$cfg_c" "$(lay "$(reg_json config.digest <"$(lay "${sub[d]}")")")"
t_refused "a config other than the manifest's is refused" "blob $cfg_c from" \
	d pull -q "$G/$T/sub:c"
t_out "... the others pull" "$G/$T/sub:d" d pull -q "$G/$T/sub:d"

# A layer whose content is not what the config's diff id says: a new one,
# and one the store has for another image, which keeps it
wrong=$(printf 'not the layer' | sha256sum | cut -c1-64)
rootfs='{"rootfs": {"type": "layers", "diff_ids": ["sha256:'$wrong'"]}}'
mkdir -p "$TMP/extra4" && echo diff >"$TMP/extra4/diff"
for x in extra4 extra3; do
	reg_image_make "$L" "diff$x" --no-base --layer "$TMP/$x" --image-config "$rootfs" >/dev/null
	reg_push "$L:diff$x" "$G/$T/diffid:$x" >/dev/null
done
t_refused "a layer that unpacks to another diff id is refused" "not sha256:$wrong" \
	d pull -q "$G/$T/diffid:extra4"
t_refused "... also when the store has its blob for another image" "not sha256:$wrong" \
	d pull -q "$G/$T/diffid:extra3"

# Path escapes in a layer
"$REG_PY" - "$TMP/evil.tar" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    for name, kind, target in (("link", tarfile.SYMTYPE, "/etc"), ("link/passwd", tarfile.REGTYPE, "")):
        i = tarfile.TarInfo(name); i.type = kind; i.linkname = target
        data = b"pwned\n" if kind == tarfile.REGTYPE else b""
        i.size = len(data); t.addfile(i, io.BytesIO(data))
PY
reg_image_make "$L" evil --layer-tar "$TMP/evil.tar" >/dev/null
reg_push "$L:evil" "$G/$T/evil:v1" >/dev/null
t_store_unchanged "a layer writing through a symlink is refused" d pull -q "$G/$T/evil:v1"
cp "$ERR" "$TMP/last.err"
t_match "... with a clear message" 'layer entry "link/passwd"' cat "$TMP/last.err"

# Certificates
for bad in wrongname:"does not match" expired:"expired" unknownca:"not signed by a known CA"; do
	reg_start --tls "${bad%%:*}"
	reg_certs_d "$TMP/certs.d" "$REG"
	reg_push "$L:one" "$REG/$T/one:v1" --dest-tls-verify=false >/dev/null 2>&1
	t_fail 125 "${bad#*:}" "TLS: ${bad%%:*} certificate refused" d pull -q "$REG/$T/one:v1"
done

# Basic and token auth
reg_start --basic "u:p"
reg_certs_d "$TMP/certs.d" "$REG"
reg_push "$L:one" "$REG/$T/one:v1" --creds u:p >/dev/null
t_fail 125 "dory login" "basic auth: no credentials" d pull -q "$REG/$T/one:v1"
mkdir -p "$DOCKER_CONFIG"
reg_auth_json "$DOCKER_CONFIG/config.json" "$REG" u:p
t_ok "basic auth: credentials from config.json" d pull -q "$REG/$T/one:v1"
reg_start --token --basic "u:p"
th=${REG_TOKEN#https://}
reg_certs_d "$TMP/certs.d" "$REG" "${th%%/*}"
reg_push "$L:one" "$REG/$T/one:v1" --creds u:p >/dev/null
t_fail 125 "dory login" "token auth: no credentials" d pull -q "$REG/$T/one:v1"
reg_auth_json "$DOCKER_CONFIG/config.json" "$REG" u:p
t_ok "token auth: a token for these credentials" d pull -q "$REG/$T/one:v1"
t_check "... asked of the token service" grep -q "u 200" "$REG_DIR/token.log"

# A mirror for docker.io, and a plain-HTTP registry listed as insecure
reg_start
reg_certs_d "$TMP/certs.d"
reg_push "$L:one" "$REG/library/$T-hub:v1" >/dev/null
printf '{"certs-dir": "%s", "registry-mirrors": ["https://%s/"]}\n' "$TMP/certs.d" "$REG" \
	>"$TMP/mirror.json"
t_out "docker.io names come from a configured mirror" "docker.io/library/$T-hub:v1" \
	env DORY_CONFIG="$TMP/mirror.json" "$DORY" --root "$ROOT" pull -q "$T-hub:v1"
t_out "... and run by their short name" hello d run --rm "$T-hub:v1"
reg_start --tls none
reg_push "$L:one" "$REG/$T/plain:v1" >/dev/null
t_fail 125 "list it in insecure-registries" "plain HTTP is refused unless configured" d pull -q "$REG/$T/plain:v1"
printf '{"insecure-registries": ["%s"]}\n' "$REG" >"$TMP/insecure.json"
t_out "... and used for insecure-registries" "$REG/$T/plain:v1" \
	env DORY_CONFIG="$TMP/insecure.json" "$DORY" --root "$ROOT" pull -q "$REG/$T/plain:v1"

# An interrupted pull resumes
reg_start
reg_certs_d "$TMP/certs.d"
mkdir -p "$TMP/big" && head -c $((8 << 20)) /dev/urandom >"$TMP/big/blob"
reg_image_make "$L" big --layer "$TMP/big" >/dev/null
reg_push "$L:big" "$REG/$T/big:v1" >/dev/null
reg_slow_start --target "$REG" --rate $((2 << 20))
reg_certs_d "$TMP/certs.d" "$REG_SLOW"
d pull -q "$REG_SLOW/$T/big:v1" >/dev/null 2>&1 & pid=$!
partial() { [ -n "$(ls "$ROOT/blobs/partial" 2>/dev/null)" ] &&
	[ "$(du -sk "$ROOT/blobs/partial" | cut -f1)" -gt 1024 ]; }	# over 1 MB downloaded
t_poll 10 partial
kill -KILL "$pid"; t_wait "$pid"
reg_slow_stop
t_check "kill -9 mid-pull keeps a partial blob" [ -n "$(ls "$ROOT/blobs/partial")" ]
reg_log_clear "$REG"
t_ok "pulling again succeeds" d pull -q "$REG/$T/big:v1"
t_check "... with a Range request for the rest" grep -q '" 206 ' "$(reg_log "$REG")"
t_out "... and the big file is whole" "$(sha256sum <"$TMP/big/blob")" \
	d run --rm "$REG/$T/big:v1" sh -c 'sha256sum </blob'

# Two pulls of one image at once: each layer is downloaded once
mkdir -p "$TMP/two" && head -c $((4 << 20)) /dev/urandom >"$TMP/two/blob"
reg_image_make "$L" two --layer "$TMP/two" >/dev/null
reg_push "$L:two" "$REG/$T/two:v1" >/dev/null
reg_log_clear "$REG"
d pull -q "$REG/$T/two:v1" >"$TMP/p1" 2>&1 & p1=$!
d pull -q "$REG/$T/two:v1" >"$TMP/p2" 2>&1 & p2=$!
t_wait "$p1" 60; r1=$RC; t_wait "$p2" 60; r2=$RC
t_check "two concurrent pulls both succeed" [ "$r1$r2" = 00 ]
t_check "... and fetch each layer once" [ "$(reg_blob_gets "$REG")" -le 3 ]
t_out "... and the image runs" "$(sha256sum <"$TMP/two/blob")" \
	d run --rm "$REG/$T/two:v1" sh -c 'sha256sum </blob'

t_check "no partial or tmp left behind" [ -z "$(ls -A "$ROOT/blobs/partial" "$ROOT/tmp" | grep -v ':$' | grep .)" ]
t_check "no container directory left" [ -z "$(ls "$ROOT/containers" 2>/dev/null)" ]
no_mounts() { ! grep -q "$ROOT" /proc/self/mountinfo; }
t_check "no mount left under the store" no_mounts
