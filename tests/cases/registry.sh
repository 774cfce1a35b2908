# SPDX-License-Identifier: Apache-2.0
# registry.sh - the image-test harness itself (tests/registry.sh): a real
# registry over TLS, test images, Basic and token auth, bad certificates,
# storage tampering, the access log, the slow relay, and cleanup.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../registry.sh"
miss=$(reg_missing)
[ -z "$miss" ] || { t_skip "the registry harness" "missing: $miss"; exit 0; }

L=$TMP/layout
code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@"; }
curl_err() { curl -sS -o /dev/null --max-time 5 "$@" 2>&1 | head -n 1; }
curl_rc() { curl -s -o /dev/null --http1.1 "$@"; echo $?; }
fails() { ! "$@" >/dev/null 2>&1; }
insp() { reg_inspect "$1" "${@:3}" | reg_json "$2"; }   # REF PATH [ARGS]
blob() { curl -sf --max-time 20 --cacert "$REG_CA" "${@:4}" "https://$1/v2/$2/blobs/$3"; }
manifest() # REG REPO REF: the raw manifest (REF is :TAG or @DIGEST)
{
	local a=application/vnd
	curl -sf --cacert "$REG_CA" -H "Accept: $a.oci.image.manifest.v1+json" \
		-H "Accept: $a.oci.image.index.v1+json" \
		-H "Accept: $a.docker.distribution.manifest.v2+json" \
		-H "Accept: $a.docker.distribution.manifest.list.v2+json" \
		"https://$1/v2/$2/manifests/${3:1}"
}
layer() # REG REPO REF IDX: digest of layer IDX of the manifest REF
{
	manifest "$1" "$2" "$3" | reg_json "layers.$4.digest"
}
layer_file() # REG REPO REF IDX FILE: FILE's content in that layer
{
	blob "$1" "$2" "$(layer "$1" "$2" "$3" "$4")" | tar -xzOf - "$5"
}
platforms() # REG REPO REF: ARCH[/VARIANT]=/platform of each manifest of an index
{
	local m c v
	for m in $(manifest "$@" | reg_json manifests.*.digest); do
		c=$(manifest "$1" "$2" "@$m" | reg_json config.digest)
		c=$(blob "$1" "$2" "$c")
		v=$(reg_json variant <<<"$c")
		printf '%s%s=%s ' "$(reg_json architecture <<<"$c")" "${v:+/$v}" \
			"$(layer_file "$1" "$2" "@$m" -1 platform)"
	done
}

# A registry over TLS, and images
reg_start
G=$REG
t_out "the registry answers over TLS with the test CA" 200 code --cacert "$REG_CA" "https://$G/v2/"
t_out "... and by the name localhost" 200 code --cacert "$REG_CA" "https://$REG_NAME/v2/"
mkdir -p "$TMP/extra/etc" && echo hello >"$TMP/extra/etc/hello"
img=(--layer "$TMP/extra" --env FOO=bar --workdir /srv --cmd '["cat","/etc/hello"]')
d1=$(reg_image_make "$L" one "${img[@]}")
t_check "reg_image_make writes an OCI layout" [ -s "$L/oci-layout" -a -s "$L/index.json" \
	-a -s "$L/blobs/sha256/${d1#sha256:}" ]
t_out "reg_image_make is reproducible" "$d1" reg_image_make "$TMP/layout2" one "${img[@]}"
t_out "reg_push prints the pushed digest" "$d1" reg_push "$L:one" "$G/$T/one:v1"
t_out "skopeo inspect --cert-dir, by tag" "$d1" insp "$G/$T/one:v1" Digest
t_out "skopeo inspect, by digest" "$d1" insp "$G/$T/one@$d1" Digest
cfg() { local c; c=$(reg_inspect "$1" --config) && for k; do reg_json "$k" <<<"$c"; done | xargs; }
t_out "the config has Env, WorkingDir, Cmd" "FOO=bar /srv /etc/hello" cfg "$G/$T/one:v1" \
	config.Env.1 config.WorkingDir config.Cmd.1
first_line() { "$@" | head -n 1; }
t_out "the base layer has busybox's /etc/passwd" "root:x:0:0:root:/root:/bin/sh" \
	first_line layer_file "$G" "$T/one" :v1 0 etc/passwd
t_out "the extra layer has its file" hello layer_file "$G" "$T/one" :v1 1 etc/hello
reg_image_make "$L" multi --multi >/dev/null
reg_push "$L:multi" "$G/$T/multi:v1" >/dev/null
t_out "the index has three platforms, each its config and /platform" \
	"amd64=linux/amd64 arm64=linux/arm64 arm/v7=linux/arm/v7 " platforms "$G" "$T/multi" :v1
reg_push "$L:multi" "$G/$T/multi:v2s2" --v2s2 >/dev/null
t_out "--v2s2 pushes a Docker manifest list" \
	application/vnd.docker.distribution.manifest.list.v2+json insp "$G/$T/multi:v2s2" mediaType --raw
d3=$(reg_image_make "$L" dock --docker --uncompressed)
t_out "a --docker image is pushed byte for byte" "$d3" reg_push "$L:dock" "$G/$T/dock:v1"
media() { local m; m=$(reg_inspect "$1" --raw) && echo $(reg_json mediaType <<<"$m") \
	$(reg_json layers.0.mediaType <<<"$m"); }
t_out "... as Docker schema2 with a plain tar layer" "application/vnd.docker.distribution.manifest.v2+json \
application/vnd.docker.image.rootfs.diff.tar" media "$G/$T/dock:v1"
"$REG_PY" - "$TMP/evil.tar" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w", format=tarfile.GNU_FORMAT) as t:
    for name in ("../escape", "etc/.wh.hello", "d/" + "x" * 200):
        i = tarfile.TarInfo(name)
        i.size = 5
        t.addfile(i, io.BytesIO(b"evil\n"))
PY
reg_image_make "$L" evil --no-base --layer-tar "$TMP/evil.tar" >/dev/null
reg_push "$L:evil" "$G/$T/evil:v1" >/dev/null
layer_sum() { blob "$G" "$T/evil" "$(layer "$G" "$T/evil" :v1 0)" | gzip -dc | sha256sum; }
t_out "a --layer-tar tar arrives byte for byte" "$(sha256sum <"$TMP/evil.tar")" layer_sum

# Basic auth (htpasswd, bcrypt)
reg_start --basic alice:s3cret
B=$REG
t_out "basic: /v2/ is 401 without credentials" 401 code --cacert "$REG_CA" "https://$B/v2/"
t_out "basic: 200 with them" 200 code --cacert "$REG_CA" -u alice:s3cret "https://$B/v2/"
t_check "basic: a push without credentials fails" fails reg_push "$L:one" "$B/$T/one:v1"
t_out "basic: a push with them works" "$d1" reg_push "$L:one" "$B/$T/one:v1" --creds alice:s3cret
t_out "basic: so does inspect" "$d1" insp "$B/$T/one:v1" Digest --creds alice:s3cret

# Token auth: a realm on its own port, JWTs the registry verifies
reg_start --token --basic bob:pw --basic ro:pw:pull
K=$REG KT=$REG_TOKEN KD=$REG_DIR
challenge() { curl -s -D - -o /dev/null --cacert "$REG_CA" "$@" | grep -i '^www-authenticate'; }
t_match "token: 401 with a Bearer challenge naming the realm" "Bearer realm=\"$KT\",service=\"$T-registry\"" \
	challenge "https://$K/v2/$T/one/manifests/v1"
t_out "token: skopeo pushes through the token flow" "$d1" reg_push "$L:one" "$K/$T/one:v1" --creds bob:pw
t_out "token: and reads back" "$d1" insp "$K/$T/one:v1" Digest --creds bob:pw
t_check "token: the service logged bob's grant" grep -q "^GET bob 200 repository:$T/one:pull,push" "$KD/token.log"
q="service=$T-registry&scope=repository:$T/one:pull"
t_out "token: no credentials, 401 from the service" 401 code --cacert "$REG_CA" "$KT?$q"
t_out "token: a wrong password, 401" 401 code --cacert "$REG_CA" -u bob:bad "$KT?$q"
t_check "token: a pull-only user cannot push" fails reg_push "$L:one" "$K/$T/one:ro" --creds ro:pw
by_token() # USER:PASS: status of a manifest GET with a token from the service
{
	local tok
	tok=$(curl -s --cacert "$REG_CA" -u "$1" "$KT?$q" | reg_json token) &&
	code --cacert "$REG_CA" -H "Authorization: Bearer $tok" \
		-H 'Accept: application/vnd.oci.image.manifest.v1+json' "https://$K/v2/$T/one/manifests/v1"
}
t_out "token: its JWT opens the manifest (curl)" 200 by_token ro:pw

# Bad certificates, which clients must refuse
declare -A why=([wrongname]="no alternative certificate subject name matches"
	[expired]="certificate has expired" [future]="certificate is not yet valid"
	[unknownca]="unable to get local issuer certificate"
	[selfsigned]="self-signed certificate")
for m in wrongname expired future unknownca selfsigned; do
	reg_start --tls "$m"
	t_match "$m: curl --cacert refuses" "${why[$m]}" curl_err --cacert "$REG_CA" "https://$REG/v2/"
	t_out "$m: yet it answers (curl -k)" 200 code -k "https://$REG/v2/"
done
reg_start --tls none
P=$REG PP=$REG_PID
t_out "--tls none serves plain HTTP" 200 code "http://$P/v2/"
t_out "an image can be pushed to it" "$d1" reg_push "$L:one" "$P/$T/one:v1"
reg_stop "$P"
t_check "reg_stop: the registry is gone" fails reg_alive "$PP"

# Storage and access log
dg=$(layer "$G" "$T/one" :v1 1)
size=$(stat -c %s "$(reg_blob_path "$G" "$T/one" "$dg")")
t_check "reg_blob_path refuses a repository without the blob" fails reg_blob_path "$G" "$T/nope" "$dg"
reg_log_clear "$G"
t_out "reg_log_clear: no blob GETs" 0 reg_blob_gets "$G"
blob "$G" "$T/one" "$dg" >/dev/null
blob "$G" "$T/one" "$dg" -r 10- >/dev/null
counts() { echo "$(reg_blob_gets "$G" "$@") $(reg_blob_bytes "$G" "$@")"; }
t_out "blob GETs and bytes are counted (a Range one too)" "2 $((2 * size - 10))" counts "$dg"
manifest "$G" "$T/one" :v1 >/dev/null
t_out "a manifest GET is not a blob GET" "2 $((2 * size - 10))" counts
reg_blob_corrupt "$G" "$dg"
fetched() { blob "$G" "$T/one" "$dg" | sha256sum | cut -c1-64; }
t_check "reg_blob_corrupt: served with another digest" [ "$(fetched)" != "${dg#sha256:}" ]
reg_blob_truncate "$G" "$dg" 10
t_out "reg_blob_truncate: served 10 bytes" 10 curl -s -o /dev/null -w '%{size_download}' \
	--cacert "$REG_CA" "https://$G/v2/$T/one/blobs/$dg"

# The slow relay: slow, interruptible, resumable; it can hang up or stall
reg_image_make "$L" big --no-base --random-layer 250000 >/dev/null
reg_push "$L:big" "$G/$T/big:v1" >/dev/null
bg=$(layer "$G" "$T/big" :v1 0)
reg_slow_start --target "$G" --rate 200000
S=$REG_SLOW
slow_ok() # the whole blob (250 kB at 200 kB/s), intact, in more than 1 s
{
	local t0=${EPOCHREALTIME/./} s
	s=$(blob "$S" "$T/big" "$bg" | sha256sum | cut -c1-64)
	[ "$s" = "${bg#sha256:}" ] && [ $((${EPOCHREALTIME/./} - t0)) -ge 1000000 ]
}
t_check "slow relay: the blob comes intact, slowly" slow_ok
curl -s --cacert "$REG_CA" -o "$TMP/part" "https://$S/v2/$T/big/blobs/$bg" & cpid=$!
sleep 0.7; kill -KILL $cpid; wait $cpid 2>/dev/null
have=$(stat -c %s "$TMP/part")
t_check "a client killed mid-blob has part of it" [ "$have" -gt 0 -a "$have" -lt 250000 ]
blob "$G" "$T/big" "$bg" -r "$have-" >>"$TMP/part"
t_out "a Range request for the rest completes it" "${bg#sha256:}" sh -c "sha256sum <'$TMP/part' | cut -c1-64"
reg_slow_stop
reg_slow_start --target "$G" --cut-after 5000
t_out "--cut-after: the connection drops mid-body" 18 curl_rc --cacert "$REG_CA" \
	"https://$REG_SLOW/v2/$T/big/blobs/$bg"
reg_slow_start --target "$G" --stall-after 20000
t_out "--stall-after: the body stops coming" 28 curl_rc --max-time 1 --cacert "$REG_CA" \
	"https://$REG_SLOW/v2/$T/big/blobs/$bg"

# Archives, and nothing left behind
in_subshell() { local out; out=$(reg_start 2>&1); [ $? = 2 ]; }
t_check "reg_start refuses to run in \$(...), where cleanup cannot see it" in_subshell
reg_image_archive "$L:one" "$TMP/one.tar" "$T/one:v1"
t_match "reg_image_archive writes a docker-archive" '^manifest.json$' tar -tf "$TMP/one.tar"
cat >"$TMP/inner.sh" <<INNER
. "$(cd "$(dirname "$0")/.." && pwd)/lib.sh"
. "$(cd "$(dirname "$0")/.." && pwd)/registry.sh"
reg_start --token >/dev/null && reg_slow_start >/dev/null && echo "\$TMP \$T_PIDS"
INNER
inner=$(DORY=$DORY bash "$TMP/inner.sh" 2>&1)
gone() # TMP PID...: the directory and every process are gone
{
	local p
	[ $# -ge 4 ] || return 1  # a registry, its token service, a relay
	for p in "${@:2}"; do ! reg_alive "$p" || return 1; done
	[ ! -e "$1" ]
}
t_check "an exited case leaves no registry, service, relay or temp dir" t_poll 2 gone $inner
