# SPDX-License-Identifier: Apache-2.0
# images.sh - images, tag, rmi, inspect, image prune and system df on
# images pulled from a local registry: Docker's columns and messages, the
# space rmi and prune free, and a store left as it was by bad input.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../registry.sh"
miss=$(reg_missing)
[ -z "$miss" ] || { t_skip "images" "missing: $miss"; exit 0; }

reg_dory_env
# An image's unpacked size from the store, as Docker prints it (%.3g);
# PRECISION 0: in bytes.
img_size() # ID [PRECISION]
{
	"$REG_PY" - "$ROOT" "${1#sha256:}" "${2:-3}" <<-'PY'
	import json, sys
	root, hexid, prec = sys.argv[1], sys.argv[2], int(sys.argv[3])
	rec = json.load(open("%s/images/%s.json" % (root, hexid)))
	n = sum(json.load(open("%s/layers/%s/meta.json" % (root, l["chain_id"][7:])))["size"]
	        for l in rec["layers"])
	u = 0
	while prec and n >= 1000 ** (u + 1):
	    u += 1
	print(("%d" % n if u == 0 else "%.*g" % (prec, n / 1000 ** u)) +
	      ["B", "kB", "MB", "GB"][u] * (prec > 0))
	PY
}
# A size column ("1.23MB") in bytes.
to_bytes() { awk -v s="$1" 'BEGIN { n = s + 0; u = s; sub(/^[0-9.]+/, "", u)
	m = u == "kB" ? 1e3 : u == "MB" ? 1e6 : u == "GB" ? 1e9 : 1; printf "%d\n", n * m }'; }
df_images() { d system df | awk '$1 == "Images" { print $'"$1"' }'; }
insp() { reg_json "$1" <"$TMP/insp.json"; }  # a field of the last inspect
cfg_digest() { reg_json config.digest <"$L/blobs/sha256/${1#sha256:}"; }
short() { local h=${1#sha256:}; echo "${h:0:12}"; }

reg_start
reg_certs_d "$TMP/certs.d"
G=$REG L=$TMP/layout N=$G/$T
mkdir -p "$TMP/extra/etc" && echo hello >"$TMP/extra/etc/hello"
dig1=$(reg_image_make "$L" one --layer "$TMP/extra" --env FOO=bar --cmd '["cat","/etc/hello"]' \
	--created "$(date -u -d '-65 min' +%Y-%m-%dT%H:%M:%SZ)")
dig2=$(reg_image_make "$L" two --random-layer 300000 \
	--created "$(date -u -d '-3 days -1 hour' +%Y-%m-%dT%H:%M:%S.5+01:00)")
dig3=$(reg_image_make "$L" three --no-base --random-layer 200000)
for i in one two three; do reg_push "$L:$i" "$N/$i:v1" >/dev/null; done
id1=$(cfg_digest "$dig1") id2=$(cfg_digest "$dig2") id3=$(cfg_digest "$dig3")
s1=$(short "$id1") s2=$(short "$id2") s3=$(short "$id3")

t_out "an empty store lists the header only" "REPOSITORY   TAG       IMAGE ID   CREATED   SIZE" \
	d images
t_ok "pull an image" d pull -q "$N/one:v1"
t_ok "... and another" d pull -q "$N/two:v1"

# images
t_match "a row: name, tag, ID, created, size" \
	"^$N/one +v1 +$s1 +About an hour ago +$(img_size "$id1")\$" d images
t_match "... days ago, from a time with an offset" "^$N/two +v1 +$s2 +3 days ago +" d images
pad=$((${#N} + 4 + 3 - 10))  # the longest name, "$N/one", plus 3
t_match "... newest first, columns padded by 3" \
	"^REPOSITORY {$pad}TAG {7}IMAGE ID {7}CREATED {13}SIZE
$N/one +v1 " d images
t_out "-q: the IDs" "$s1
$s2" d images -q
t_match "--no-trunc: full IDs" "^$N/one +v1 +$id1 " d images --no-trunc
t_match "--digests: the registry digest" "^$N/one +v1 +$dig1 +$s1 " d images --digests
t_out "REPOSITORY filters" "$s2" d images -q "$N/two"
t_out "... REPOSITORY:TAG" "$s1" d images -q "$N/one:v1"
t_out "... a wildcard" "$s1
$s2" d images -q "$N/*"
t_out "... no match: the header only" "REPOSITORY   TAG       IMAGE ID   CREATED   SIZE" \
	d images "$N/nope"
t_out "image ls is images" "$(d images)" d image ls
t_out "--format: Docker's fields" "$N/one v1 $s1 $(img_size "$id1")" \
	d images --format '{{.Repository}} {{.Tag}} {{.ID}} {{.Size}}' "$N/one"
t_out "--format {{.Digest}}" "${dig1}" d images --digests --format '{{.Digest}}' "$N/one"
t_match "--format {{.CreatedAt}}, {{.CreatedSince}}" \
	'^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} \+0000 UTC\|About an hour ago$' \
	d images --format '{{.CreatedAt}}|{{.CreatedSince}}' "$N/one"
t_out "--format table: a header, aligned" "$(printf '%-*s%s\n%s   v1' $((${#N} + 7)) REPOSITORY TAG "$N/two")" d images --format 'table {{.Repository}}\t{{.Tag}}' "$N/two"
t_out "--format table alone: the default table" "$(d images)" d images --format table
t_out "-q wins over --format" "$s1" d images -q --format '{{.Repository}}' "$N/one"
t_fail 125 "can't evaluate field Nope" "--format of a field Docker lacks" \
	d images --format '{{.Nope}}'


# tag
t_ok "tag a name" d tag "$N/one:v1" "$N/copy:v2"
t_match "... both names listed" "^$N/copy +v2 +$s1 .*
$N/one +v1 +$s1 " d images
t_out "-q: each ID once" "$s1
$s2" d images -q
t_ok "tag by short ID, to a Docker Hub name" d tag "$s1" "$T-mine"
t_match "... shown in its familiar form" "^$T-mine +latest +$s1 " d images
t_store_unchanged "tag: a digest in TARGET is refused" d tag "$s1" "$N/x@$dig1"
t_fail 125 "digest" "... with one line" d tag "$s1" "$N/x@$dig1"
t_store_unchanged "tag: a bad TARGET is refused" d tag "$s1" "$N/Bad"
t_fail 125 "invalid reference" "... with one line" d tag "$s1" "$N/Bad"
t_store_unchanged "tag: an unknown SOURCE is refused" d tag "$N/nope:v1" "$N/x:1"
t_fail 125 "no such image: $N/nope:v1" "... with one line" d tag "$N/nope:v1" "$N/x:1"

# inspect
t_ok "inspect prints valid JSON" sh -c "'$DORY' --root '$ROOT' inspect '$N/one:v1' |
	'$REG_PY' -m json.tool >/dev/null"
d image inspect "$N/one:v1" >"$TMP/insp.json" 2>&1
t_out "... Id is the config digest" "$id1" insp 0.Id
t_out "... RepoTags, familiar" "$N/copy:v2
$N/one:v1
$T-mine:latest" insp '0.RepoTags.*'
t_out "... RepoDigests" "$N/one@$dig1" insp '0.RepoDigests.*'
t_out "... Config.Cmd" '["cat", "/etc/hello"]' insp 0.Config.Cmd
t_out "... Config.Env" "FOO=bar" insp 0.Config.Env.1
t_out "... RootFS.Type" "layers" insp 0.RootFS.Type
t_out "... RootFS.Layers: the diff IDs" "2" insp '0.RootFS.Layers.#'
t_out "... Size: the layers' unpacked bytes" "$(img_size "$id1" 0)" insp 0.Size
t_out "-f {{.Id}}" "$id1" d inspect -f '{{.Id}}' "$N/one:v1"
t_out "-f {{.Config.Cmd}} prints as Go does" "[cat /etc/hello] linux" \
	d inspect -f '{{.Config.Cmd}} {{.Os}}' "$N/one:v1"
t_out "-f {{json .Config.Cmd}}" '["cat","/etc/hello"]' \
	d inspect --format '{{json .Config.Cmd}}' "$s1"
t_out "-f, two images: a line each" "$id1
$id2" d image inspect -f '{{.Id}}' "$N/one:v1" "$N/two:v1"
# A name it does not know: Docker's words on stderr, "[]" or the objects
# found on stdout, status 1
both() { "$@" 2>&1; echo "status $?"; }
t_out "inspect: an unknown name" "[]
Error: No such object: $N/nope
status 1" both d inspect "$N/nope"
t_fail 1 "Error: No such image: $N/nope" "image inspect: an unknown name" \
	d image inspect "$N/nope"
t_out "... what is found is printed, the others named" "$id1
Error: No such object: $N/nope
status 1" both d inspect -f '{{.Id}}' "$N/nope" "$N/one:v1"
t_out "... stdout: the objects found" "1 $id1" sh -c \
	'"$0" inspect "$1" "$2" 2>/dev/null | python3 -c "import json, sys; a = json.load(sys.stdin); print(len(a), a[0][\"Id\"])"' \
	"$DORY" "$N/one:v1" "$N/nope"
t_fail 125 "can't evaluate field Nope at offset 9" "-f with a field that is not there" \
	d inspect -f '{{.Id}}{{.Nope}}' "$N/one:v1"
t_fail 125 "template parsing error: missing {{end}}" "inspect: a template it cannot run" \
	d inspect -f '{{range .RepoTags}}' "$s1"
t_out "-f range, if, eq, index, join" "found cat cat,/etc/hello" \
	d inspect -f '{{range .RepoTags}}{{if eq . "'"$N/one:v1"'"}}found {{end}}{{end}}{{if .Config.Cmd}}{{index .Config.Cmd 0}}{{end}} {{join .Config.Cmd ","}}' "$N/one:v1"

# system df
t_match "system df: Images, all reclaimable" \
	"^Images +2 +0 +[0-9.]+[kMG]?B +[0-9.]+[kMG]?B \(100%\)$" d system df
t_match "... and Docker's other rows" "^Containers +0 +0 +0B +0B
Local Volumes +0 +0 +0B +0B
Build Cache +0 +0 +0B +0B$" d system df

# rmi
t_out "rmi NAME untags" "Untagged: $N/copy:v2" d rmi "$N/copy:v2"
t_out "... the image stays" "$s1" d images -q "$N/one"
t_store_unchanged "rmi ID with two names is refused" d rmi "$s1"
t_fail 125 "conflict: unable to delete $s1 (must be forced) - image is referenced in multiple \
repositories" "... with Docker's message" d rmi "$s1"
t_store_unchanged "rmi: an unknown image is refused" d rmi "$N/nope:v1"
t_fail 125 "no such image: $N/nope:v1" "... with one line" d rmi "$N/nope:v1"
t_store_unchanged "rmi: a bad reference is refused" d rmi "$N/Bad"
t_fail 125 "invalid reference" "... with one line" d rmi "$N/Bad"
t_store_unchanged "rmi: an ID prefix of nothing is refused" d rmi 0000000000

# rmi of an image a running container uses
"$DORY" --root "$ROOT" run --rm "$N/two:v1" sleep 30 >/dev/null 2>&1 & dpid=$!
T_PIDS="$T_PIDS $dpid"
cpid=$(t_poll 10 t_child "$dpid" sleep)  # the container's PID 1 once it runs sleep
t_check "a container runs the image" [ -n "$(ls "$ROOT/holds" 2>/dev/null)" ]
t_store_unchanged "rmi NAME of an image in use is refused" d rmi "$N/two:v1"
t_fail 125 "conflict: unable to remove repository reference \"$N/two:v1\" (must force) - \
container" "... with Docker's message" d rmi "$N/two:v1"
t_fail 125 "is being used by running container" "rmi ID of an image in use is refused" d rmi "$s2"
t_match "system df: one image active" "^Images +2 +1 " d system df
[ -n "$cpid" ] && kill -KILL "$cpid"
t_wait "$dpid"
t_check "... the container is gone" [ -z "$(ls "$ROOT/holds")" ]

# rmi of the last name deletes and frees space
size0=$(to_bytes "$(df_images 4)") layers0=$(ls "$ROOT/layers" | wc -l)
t_out "rmi of the last name deletes the image" "Untagged: $N/two:v1
Untagged: $N/two@$dig2
Deleted: $id2" d rmi "$N/two:v1"
t_check "... its layer is gone at once" [ "$(ls "$ROOT/layers" | wc -l)" -eq $((layers0 - 1)) ]
t_check "... system df shows less" [ "$(to_bytes "$(df_images 4)")" -lt "$size0" ]
t_out "... one image left" "1" df_images 2

# rmi NAME@DIGEST, untagged images, image prune
t_ok "pull a third image" d pull -q "$N/three:v1"
t_out "rmi NAME@DIGEST drops that name only" "Untagged: $N/three@$dig3" d rmi "$N/three@$dig3"
t_ok "... the tag stays" d image inspect "$N/three:v1"
t_ok "moving the tag away" d image tag "$N/one:v1" "$N/three:v1"
t_match "... leaves an image shown as <none> <none>" "^<none> +<none> +$s3 +[0-9]+ years ago " \
	d images
t_store_unchanged "image prune without -f or a terminal is refused" d image prune
t_fail 125 "add -f to prune without asking" "... with one line" d image prune
t_match "image prune -f removes it" "^deleted: $id3$" d image prune -f
cp "$OUT" "$TMP/prune.out"
t_match "... and says what it freed" "^Total reclaimed space: [0-9.]+[kM]B$" cat "$TMP/prune.out"
t_out "... the tagged image stays" "$s1" d images -q
t_out "rmi -f ID with several names" "Untagged: $N/one:v1
Untagged: $N/three:v1
Untagged: $T-mine:latest
Untagged: $N/one@$dig1
Deleted: $id1" d image rm -f "$s1"
t_out "image pull" "$N/one:v1" d image pull -q "$N/one:v1"
t_match "image prune -a -f removes every unused image" "^deleted: $id1$" d image prune -a -f
t_check "... nothing left in the store" [ -z "$(ls -A "$ROOT/layers" "$ROOT/blobs/sha256" \
	"$ROOT/images" | grep -v ':$' | grep .)" ]
t_check "no mount left under the store" sh -c "! grep -q '$ROOT' /proc/self/mountinfo"
