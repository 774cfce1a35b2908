# SPDX-License-Identifier: Apache-2.0
# registry.sh - sourced after tests/lib.sh: a real local registry (Debian's
# docker-registry) over TLS with a test CA, a token service, a slow proxy,
# and test images built here with no network. Everything lives in $TMP.
#
# Variables set by reg_start (call it directly, never inside $(...)):
#   REG        127.0.0.1:PORT of the last registry started
#   REG_NAME   localhost:PORT, the same registry by name (the good cert has
#              DNS:localhost too; the registry listens on 127.0.0.1 only)
#   REG_CA     CA file clients must trust (the good CA in every --tls mode)
#   REG_CERTS  a directory holding only ca.crt (skopeo --cert-dir)
#   REG_DIR    the registry's directory: config.yml, data/, access.log
#              (one line per request, Combined Log Format), registry.log
#   REG_PID    its PID (also in T_PIDS, so t_cleanup kills it)
#   REG_TOKEN  https://127.0.0.1:PORT/token with --token, else empty
# Several registries may run at once: save these before the next reg_start.
# Functions that take REG find the registry's directory from its port.

REG_TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")/tools" && pwd)
REG_PY=/usr/bin/python3
REG=""
REG_NAME=""
REG_CA=""
REG_CERTS=""
REG_DIR=""
REG_PID=""
REG_TOKEN=""
REG_SLOW=""
REG_SLOW_NAME=""
REG_SLOW_PID=""
REG_SLOW_LOG=""

# reg_missing - prints the host tools this file needs that are not there
# (Debian: docker-registry skopeo openssl apache2-utils python3 curl gzip
# zstd busybox-static); cases skip when it prints anything.
reg_missing()
{
	local c
	for c in docker-registry skopeo openssl htpasswd "$REG_PY" curl gzip zstd tar; do
		command -v "$c" >/dev/null || printf '%s ' "$c"
	done
}

# A free TCP port on 127.0.0.1 (bound, then released; reg_start retries
# if another process takes it in between).
reg_free_port()
{
	"$REG_PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Wait up to 10 s until URL answers over HTTP(S) (any status); extra args
# go to curl. Fails early if PID (when given) dies.
reg_wait_url() # URL PID [CURL-ARGS...]
{
	local url=$1 pid=$2 i; shift 2
	for ((i = 0; i < 200; i++)); do
		curl -s -o /dev/null --max-time 2 "$@" "$url" && return 0
		[ -z "$pid" ] || reg_alive "$pid" || return 1
		sleep 0.05
	done
	return 1
}

# reg_ca_make DIR - a test CA and certificates (EC P-256, except the RSA
# key that signs tokens), made once per DIR:
#   ca.crt ca.key                  the test CA (what clients trust)
#   certs.d/ca.crt                 a copy, alone in its directory
#   good.crt/.key                  SAN IP:127.0.0.1, DNS:localhost
#   wrongname.crt/.key             only DNS:wrong.example
#   expired.crt/.key               good names, valid 2020-01-01..2020-01-02
#   future.crt/.key                good names, valid only from 2099-01-01
#                                  (what a device whose clock is behind sees)
#   selfsigned.crt/.key            good names, its own issuer
#   other-ca.crt/.key              a second, unrelated CA
#   unknownca.crt/.key             good names, signed by other-ca
#   token.crt/.key                 RSA 2048, signs the token service's JWTs
reg_ca_make()
{
	local d=$1 san='subjectAltName=IP:127.0.0.1,DNS:localhost' n
	[ -s "$d/token.crt" ] && return 0
	mkdir -p "$d/certs.d" "$d/db" || return 1
	{
		reg_ca_root "$d" ca "$T test CA" &&
		reg_ca_root "$d" other-ca "$T other CA" &&
		reg_ca_leaf "$d" good ca "$san" &&
		reg_ca_leaf "$d" wrongname ca 'subjectAltName=DNS:wrong.example' &&
		reg_ca_leaf "$d" unknownca other-ca "$san" &&
		reg_ca_dated "$d" expired 20200101000000Z 20200102000000Z "$san" &&
		reg_ca_dated "$d" future 20990101000000Z 20991231000000Z "$san" &&
		reg_ca_key "$d/selfsigned.key" &&
		openssl req -x509 -new -key "$d/selfsigned.key" \
			-subj /CN=127.0.0.1 -days 30 -addext "$san" \
			-addext basicConstraints=critical,CA:FALSE -out "$d/selfsigned.crt" &&
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$d/token.key" &&
		openssl req -new -key "$d/token.key" -subj "/CN=$T token signer" |
			openssl x509 -req -CA "$d/ca.crt" -CAkey "$d/ca.key" -set_serial 0x$RANDOM$RANDOM \
			-days 30 -out "$d/token.crt" &&
		cp "$d/ca.crt" "$d/certs.d/ca.crt"
	} >"$d/openssl.log" 2>&1 || { cat "$d/openssl.log" >&2; return 1; }
	for n in "$d"/*.key; do chmod 600 "$n"; done
}

reg_ca_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }

reg_ca_root() # DIR NAME SUBJECT
{
	reg_ca_key "$1/$2.key" &&
	openssl req -x509 -new -key "$1/$2.key" -subj "/CN=$3" -days 30 \
		-addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign -out "$1/$2.crt"
}

reg_ca_leaf() # DIR NAME CA EXT
{
	reg_ca_key "$1/$2.key" &&
	openssl req -new -key "$1/$2.key" -subj "/CN=$T $2" |
		openssl x509 -req -CA "$1/$3.crt" -CAkey "$1/$3.key" \
		-set_serial 0x$RANDOM$RANDOM -days 30 \
		-extfile <(printf '%s\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n' "$4") \
		-out "$1/$2.crt"
}

# openssl 3.0's x509 cannot set the validity dates; `openssl ca` can.
reg_ca_dated() # DIR NAME START END SAN
{
	local d=$1
	[ -e "$d/db/ca.cnf" ] || {
		: >"$d/db/index.txt"; echo 1000 >"$d/db/serial"
		printf '%s\n' "[ca]" "default_ca = tca" "[tca]" "database = $d/db/index.txt" \
			"new_certs_dir = $d/db" "serial = $d/db/serial" "default_md = sha256" \
			"policy = pol" "unique_subject = no" "[pol]" "commonName = supplied" \
			"[ext]" "$5" "basicConstraints=critical,CA:FALSE" \
			"extendedKeyUsage=serverAuth" >"$d/db/ca.cnf"
	}
	reg_ca_key "$d/$2.key" &&
	openssl req -new -key "$d/$2.key" -subj "/CN=$T $2" -out "$d/db/$2.csr" &&
	openssl ca -batch -notext -config "$d/db/ca.cnf" -extensions ext \
		-cert "$d/ca.crt" -keyfile "$d/ca.key" -startdate "$3" -enddate "$4" \
		-in "$d/db/$2.csr" -out "$d/$2.crt"
}

# ---- Registries -----------------------------------------------------------

# The directory of the registry listening at REG (HOST:PORT).
reg_dir() { echo "$TMP/reg-${1##*:}"; }

# reg_start [--tls good|wrongname|expired|future|unknownca|selfsigned|none]
#           [--basic USER:PASS[:ACTIONS]]... [--token] [--token-http]
#           [--token-anon none|pull|all] [--token-ttl SECONDS]
# Starts docker-registry on 127.0.0.1 (a free port; storage, config and
# logs in $REG_DIR) and waits until it answers; sets the REG_* variables.
# --tls picks the server certificate (default good; none: plain HTTP).
# --basic alone: htpasswd (bcrypt) auth with these users. --token: Bearer
# token auth; the token service (tests/tools/token-server.py, over TLS with
# the good cert unless --token-http) runs on its own port, logs one line per
# request to $REG_DIR/token.log, and accepts the --basic users (ACTIONS,
# e.g. "pull", limits one; --token-anon says what a caller without
# credentials gets, default none = 401); with no --basic user it gives
# anyone what they ask. Returns non-zero (with the log on stderr) if the
# registry does not come up. Prints nothing.
reg_start()
{
	local tls=good basic=() token="" thttp="" tanon=none tttl=300 ca=$TMP/reg-ca
	local try port dir u p
	reg_no_subshell reg_start || return 2
	while [ $# -gt 0 ]; do
		case $1 in
		--tls) tls=$2; shift ;;
		--basic) basic+=("$2"); shift ;;
		--token) token=1 ;;
		--token-http) thttp=1 ;;
		--token-anon) tanon=$2; shift ;;
		--token-ttl) tttl=$2; shift ;;
		*) echo "reg_start: unknown option $1" >&2; return 2 ;;
		esac
		shift
	done
	case $tls in good|wrongname|expired|future|unknownca|selfsigned|none) ;;
	*) echo "reg_start: unknown --tls $tls" >&2; return 2 ;; esac
	reg_ca_make "$ca" || return 1
	REG_CA=$ca/ca.crt REG_CERTS=$ca/certs.d REG_TOKEN=""
	for try in 1 2 3 4 5; do
		port=$(reg_free_port) || return 1
		dir=$(reg_dir "$port")
		rm -rf "$dir"; mkdir -p "$dir/data" || return 1
		echo "$tls" >"$dir/tls"
		if [ -n "$token" ]; then
			for u in "${basic[@]}"; do echo "$u"; done >"$dir/users"
			reg_token_start "$dir" "$ca" "$thttp" "$tanon" "$tttl" || return 1
		elif [ ${#basic[@]} -gt 0 ]; then
			for u in "${basic[@]}"; do
				p=${u#*:}
				htpasswd -Bbn "${u%%:*}" "${p%%:*}" | sed '/^$/d'
			done >"$dir/htpasswd" || return 1
		fi
		reg_config "$dir" "$port" "$tls" "$ca" >"$dir/config.yml"
		docker-registry serve "$dir/config.yml" >>"$dir/access.log" \
			2>>"$dir/registry.log" </dev/null &
		reg_track "$dir" $!
		REG_PID=$! REG=127.0.0.1:$port REG_NAME=localhost:$port REG_DIR=$dir
		if [ "$tls" = none ]; then
			reg_wait_url "http://$REG/v2/" "$REG_PID" && return 0
		else
			reg_wait_url "https://$REG/v2/" "$REG_PID" -k && return 0
		fi
		grep -q 'address already in use' "$dir/registry.log" || break
		reg_stop "$REG"
	done
	echo "reg_start: the registry did not come up:" >&2
	tail -n 20 "$dir/registry.log" >&2
	return 1
}

# The registry's config.yml. Access log (Combined Log Format) on stdout,
# everything else on stderr; no blob descriptor cache, so a blob changed on
# disk is served as it now is.
reg_config() # DIR PORT TLS CA
{
	local dir=$1 port=$2 tls=$3 ca=$4
	cat <<-YAML
	version: 0.1
	log:
	  level: info
	  formatter: text
	  accesslog:
	    disabled: false
	storage:
	  filesystem:
	    rootdirectory: $dir/data
	  delete:
	    enabled: true
	  maintenance:
	    uploadpurging:
	      enabled: false
	http:
	  addr: 127.0.0.1:$port
	  secret: $T-secret
	YAML
	[ "$tls" = none ] || cat <<-YAML
	  tls:
	    certificate: $ca/$tls.crt
	    key: $ca/$tls.key
	YAML
	if [ -s "$dir/token.url" ]; then
		cat <<-YAML
		auth:
		  token:
		    realm: $(cat "$dir/token.url")
		    service: $T-registry
		    issuer: $T-issuer
		    rootcertbundle: $ca/ca.crt
		YAML
	elif [ -s "$dir/htpasswd" ]; then
		cat <<-YAML
		auth:
		  htpasswd:
		    realm: $T-realm
		    path: $dir/htpasswd
		YAML
	fi
}

reg_token_start() # DIR CA HTTP ANON TTL
{
	local dir=$1 ca=$2 scheme=https tls=(--cert "$2/good.crt" --key "$2/good.key")
	local users=()
	[ -z "$3" ] || { scheme=http; tls=(); }
	[ -s "$dir/users" ] && users=(--users "$dir/users")
	"$REG_PY" "$REG_TOOLS/token-server.py" --port-file "$dir/token.port" \
		--sign-key "$ca/token.key" --sign-cert "$ca/token.crt" \
		--issuer "$T-issuer" --service "$T-registry" --anon "$4" --ttl "$5" \
		--log "$dir/token.log" "${tls[@]}" "${users[@]}" \
		>>"$dir/token.err" 2>&1 </dev/null &
	reg_track "$dir" $!
	touch "$dir/token.log"
	t_wait_file "$dir/token.port" || { cat "$dir/token.err" >&2; return 1; }
	REG_TOKEN=$scheme://127.0.0.1:$(cat "$dir/token.port")/token
	echo "$REG_TOKEN" >"$dir/token.url"
	reg_wait_url "${REG_TOKEN%/token}/" "" -k  # 404, not logged
}

# reg_stop REG - stops that registry and its token service now (t_cleanup
# would anyway); its directory stays until t_cleanup.
reg_stop()
{
	local dir p
	dir=$(reg_dir "$1")
	[ -f "$dir/pids" ] || return 0
	for p in $(cat "$dir/pids"); do reg_kill "$p"; done
	: >"$dir/pids"
	return 0
}

# Processes started in $(...) would escape T_PIDS and t_cleanup.
reg_no_subshell() # NAME
{
	[ "$BASHPID" = "$$" ] && return 0
	echo "$1: call it directly, not in \$(...) or a pipe" >&2
	return 1
}

# A background process to kill at cleanup (disowned, so bash does not
# print "Killed" into the TAP stream).
reg_track() # DIR PID
{
	echo "$2" >>"$1/pids"
	T_PIDS="$T_PIDS $2"
	disown "$2" 2>/dev/null
	return 0
}

reg_kill() # PID: SIGKILL, then wait up to 2 s until it is gone
{
	local i
	kill -KILL "$1" 2>/dev/null || return 0
	for ((i = 0; i < 40; i++)); do
		reg_alive "$1" || return 0
		sleep 0.05
	done
}

# ---- Images ---------------------------------------------------------------

# reg_layer_tar DIR OUT - DIR's contents as an uncompressed tar, the way
# the test images are made: GNU format, names sorted and without "./",
# mtime 0, numeric owners as they are on disk (root's files are 0:0).
reg_layer_tar()
{
	(cd "$1" && find . -mindepth 1 -maxdepth 1 -printf '%P\0' | LC_ALL=C sort -z |
		tar --null -T - --sort=name --format=gnu --numeric-owner --mtime=@0 \
		-cf -) >"$2"
}

# reg_image_make OUTDIR NAME [options] - an image in the OCI image layout
# OUTDIR (added to it if it exists), named NAME there (oci:OUTDIR:NAME);
# prints the image's digest (its manifest, or its index with --platforms).
# Layers, bottom first:
#   (default)            busybox-static with links, /etc/passwd and group,
#                        user app (1000) as t_rootfs makes them
#   --no-base            no busybox layer
#   --layer DIR          DIR's contents (reg_layer_tar)
#   --layer-tar FILE     a tar made by the test, taken verbatim (whiteouts,
#                        hardlinks, long names, ../ entries...), compressed
#                        like the other layers
#   --layer-blob FILE    stored byte for byte, not recompressed (gzip, zstd or
#                        plain tar, told by its magic): broken gzip and such
#   --random-layer SIZE  a file /random-N.bin of SIZE bytes that do not
#                        compress (the same bytes for the same NAME and N)
#   --uncompressed       plain tar layers (same as --compress none)
#   --compress gzip|zstd|none
#   --docker             Docker schema2 media types instead of OCI's
# Platforms:
#   --platform OS/ARCH[/VARIANT]  the image's platform (default this host's)
#   --platforms LIST     an index, one manifest per platform of the comma
#                        list, each with its own top layer holding /platform
#                        (e.g. "linux/arm/v7"); --multi is
#                        linux/amd64,linux/arm64,linux/arm/v7. The busybox
#                        in every one is this host's. One platform gives a
#                        plain manifest unless --index is given too.
# Config: --cmd JSON, --entrypoint JSON, --env K=V, --workdir, --user,
# --label K=V, --stopsignal, --expose, --volume, --config JSON (merged
# into "config"), --image-config JSON, --created (see tests/tools/mkimage.py).
# Without --cmd, an image with the base layer gets Cmd ["sh"].
reg_image_make()
{
	local out=$1 name=$2 work args=() base=1 cmd="" nrand=0 plats="" p f gz=1
	shift 2
	work=$(mktemp -d "$TMP/img.XXXXXX") || return 1
	while [ $# -gt 0 ]; do
		case $1 in
		--no-base) base="" ;;
		--layer)
			f=$work/l$((${#args[@]})).tar
			reg_layer_tar "$2" "$f" || return 1
			args+=(--layer-tar "$f"); shift ;;
		--layer-tar|--layer-blob) args+=("$1" "$2"); shift ;;
		--random-layer)
			nrand=$((nrand + 1))
			mkdir -p "$work/r$nrand"
			openssl enc -aes-128-ctr -nosalt -pbkdf2 -pass "pass:$name-$nrand" \
				</dev/zero 2>/dev/null | head -c "$2" >"$work/r$nrand/random-$nrand.bin"
			reg_layer_tar "$work/r$nrand" "$work/r$nrand.tar" || return 1
			args+=(--layer-tar "$work/r$nrand.tar"); shift ;;
		--uncompressed) args+=(--compress none); gz="" ;;
		--compress) args+=("$1" "$2"); [ "$2" = gzip ] || gz=""; shift ;;
		--docker|--index) args+=("$1") ;;
		--platforms) plats=$2; shift ;;
		--multi) plats=linux/amd64,linux/arm64,linux/arm/v7 ;;
		--cmd) cmd=1; args+=("$1" "$2"); shift ;;
		--*) args+=("$1" "$2"); shift ;;
		*) echo "reg_image_make: unexpected $1" >&2; return 2 ;;
		esac
		shift
	done
	if [ -n "$base" ]; then
		reg_base_tar || return 1
		if [ -n "$gz" ]; then  # the same bytes as gzip -n would make again
			args=(--layer-blob "$TMP/reg-base.tar.gz" "${args[@]}")
		else
			args=(--layer-tar "$TMP/reg-base.tar" "${args[@]}")
		fi
		[ -n "$cmd" ] || args+=(--cmd '["sh"]')
	fi
	for p in ${plats//,/ }; do
		f=$work/p${#args[@]}
		mkdir -p "$f" && echo "$p" >"$f/platform"
		reg_layer_tar "$f" "$f.tar" || return 1
		args+=(--platform "$p" --platform-tar "$f.tar")
	done
	"$REG_PY" "$REG_TOOLS/mkimage.py" "$out" "$name" "${args[@]}"
	p=$?
	rm -rf "$work"
	return $p
}

# The busybox base layer, made once per test file.
reg_base_tar()
{
	[ -s "$TMP/reg-base.tar.gz" ] && return 0
	t_rootfs "$TMP/reg-base" && reg_layer_tar "$TMP/reg-base" "$TMP/reg-base.tar" &&
		gzip -n -c "$TMP/reg-base.tar" >"$TMP/reg-base.tar.tmp" &&
		mv "$TMP/reg-base.tar.tmp" "$TMP/reg-base.tar.gz" && rm -rf "$TMP/reg-base"
}

# reg_image_archive LAYOUT[:NAME] FILE REF [docker|oci] - the image as a
# `docker save` tarball (docker-archive, REF like name:tag) or an OCI
# archive, for load tests.
reg_image_archive()
{
	local kind=${4:-docker} src
	rm -rf "$TMP/reg-archive.dir"
	src=$("$REG_PY" "$REG_TOOLS/layout-src.py" "$1" "$TMP/reg-archive.dir") &&
	reg_skopeo copy -q "$src" "$kind-archive:$2:$3" >/dev/null
}

# ---- Clients --------------------------------------------------------------

# reg_skopeo ARGS... - skopeo with a policy that accepts anything and an
# empty auth file of our own (no ~/.docker or /etc/containers state used).
reg_skopeo()
{
	[ -s "$TMP/reg-policy.json" ] ||
		echo '{"default":[{"type":"insecureAcceptAnything"}]}' >"$TMP/reg-policy.json"
	REGISTRY_AUTH_FILE=$TMP/reg-auth.json skopeo --policy "$TMP/reg-policy.json" "$@"
}

# A full reference: REF as is if it starts with HOST:PORT, else $REG/REF.
reg_ref()
{
	case ${1%%/*} in
	"$1"|*[!.:a-z0-9-]*) echo "$REG/$1" ;;
	*[.:]*|localhost) echo "$1" ;;
	*) echo "$REG/$1" ;;
	esac
}

# skopeo options for talking to the registry of REF (prefix "dest-" or
# "src-" or ""): its CA, or no verification when it serves a bad
# certificate or plain HTTP.
reg_tls_args() # PREFIX REF
{
	local host=${2%%/*} tls
	tls=$(cat "$(reg_dir "$host")/tls" 2>/dev/null)
	case $tls in
	good|"") echo "--$1cert-dir=$REG_CERTS" ;;
	*) echo "--$1tls-verify=false" ;;
	esac
}

# reg_push LAYOUT[:NAME] REF [options] [skopeo copy args] - pushes an image
# (every platform of an index: --all) from an OCI layout; REF is
# [HOST:PORT/]REPO:TAG (default host $REG). Prints the pushed digest.
# Trusts the test CA; a registry with a bad certificate or plain HTTP is
# pushed to without verification. Without --v2s2/--oci the manifests and
# blobs go byte for byte (skopeo --preserve-digests; reg_image_make
# --docker makes Docker schema2 ones). Options:
#   --v2s2        let skopeo convert to Docker schema2 (a manifest list for
#                 an index; it gzips uncompressed layers: digests change)
#   --oci         let skopeo convert to OCI
#   --creds U:P   credentials (Basic, or for the token service)
reg_push()
{
	local src=$1 ref a=() out=$TMP/reg-push.out
	ref=$(reg_ref "$2"); shift 2
	local keep=--preserve-digests
	a=(--all "$(reg_tls_args dest- "$ref")")
	while [ $# -gt 0 ]; do
		case $1 in
		--v2s2) a+=(--format v2s2); keep="" ;;
		--oci) a+=(--format oci); keep="" ;;
		--creds) a+=(--dest-creds "$2"); shift ;;
		*) a+=("$1") ;;
		esac
		shift
	done
	rm -rf "$TMP/reg-push.digest" "$TMP/reg-push.dir"
	src=$("$REG_PY" "$REG_TOOLS/layout-src.py" "$src" "$TMP/reg-push.dir") || return 1
	if ! reg_skopeo copy -q --digestfile "$TMP/reg-push.digest" $keep "${a[@]}" \
			"$src" "docker://$ref" >"$out" 2>&1; then
		echo "reg_push $ref failed:" >&2; cat "$out" >&2
		return 1
	fi
	cat "$TMP/reg-push.digest"; echo
}

# reg_inspect REF [--creds U:P] [skopeo inspect args, e.g. --raw, --config]
reg_inspect()
{
	local ref a=()
	ref=$(reg_ref "$1"); shift
	a=("$(reg_tls_args "" "$ref")")
	while [ $# -gt 0 ]; do
		case $1 in
		--creds) a+=(--creds "$2"); shift ;;
		*) a+=("$1") ;;
		esac
		shift
	done
	reg_skopeo inspect "${a[@]}" "docker://$ref"
}

# ---- Registry storage and log ---------------------------------------------

# reg_blob_path REG [REPO] DIGEST - the file holding blob DIGEST (a layer,
# config or manifest) in REG's storage. Blobs are shared by all
# repositories; with REPO it also fails unless REPO links the blob.
reg_blob_path()
{
	local v2 hex repo=""
	v2=$(reg_dir "$1")/data/docker/registry/v2
	[ $# -ge 3 ] && { repo=$2; shift; }
	hex=${2#sha256:}
	if [ -n "$repo" ] && [ ! -e "$v2/repositories/$repo/_layers/sha256/$hex/link" ] &&
	   [ ! -e "$v2/repositories/$repo/_manifests/revisions/sha256/$hex/link" ]; then
		echo "reg_blob_path: $repo has no blob $2" >&2
		return 1
	fi
	[ -f "$v2/blobs/sha256/${hex:0:2}/$hex/data" ] || {
		echo "reg_blob_path: no blob $2 in $1" >&2; return 1; }
	echo "$v2/blobs/sha256/${hex:0:2}/$hex/data"
}

# reg_blob_corrupt REG DIGEST [OFFSET] - flips every bit of one byte
# (default: the middle one): same size, wrong digest.
reg_blob_corrupt()
{
	local f off b
	f=$(reg_blob_path "$1" "$2") || return 1
	off=${3:-$(($(stat -c %s "$f") / 2))}
	b=$(od -An -tu1 -j "$off" -N1 "$f" | tr -d ' ')
	printf "\\$(printf %o $((b ^ 255)))" |
		dd of="$f" bs=1 seek="$off" conv=notrunc status=none
}

# reg_blob_truncate REG DIGEST [SIZE] - cuts the blob to SIZE bytes (default
# half). The registry then sends the shorter body with a matching length.
reg_blob_truncate()
{
	local f
	f=$(reg_blob_path "$1" "$2") || return 1
	truncate -s "${3:-$(($(stat -c %s "$f") / 2))}" "$f"
}

# reg_blob_replace REG DIGEST FILE - the blob's bytes become FILE's (e.g. a
# valid but different manifest or layer): served under the old digest.
reg_blob_replace()
{
	local f
	f=$(reg_blob_path "$1" "$2") || return 1
	cat "$3" >"$f"
}

# reg_log REG - the access log: one line per request, Combined Log Format:
#   127.0.0.1 - - [date] "GET /v2/REPO/blobs/sha256:HEX HTTP/1.1" 200 BYTES "" "UA"
# BYTES is what the registry wrote to its socket: less than the blob when
# the client went away, but through the slow relay (which reads ahead) it
# can be more than the client got; $REG_SLOW_LOG has the relay's counts.
# The log is opened O_APPEND: reg_log_clear empties it.
reg_log() { echo "$(reg_dir "$1")/access.log"; }
reg_log_clear() { : >"$(reg_log "$1")"; }

# reg_requests REG METHOD PATH-ERE - how many METHOD requests for a path
# matching PATH-ERE (anchored at the start of the path) got a 2xx answer.
reg_requests()
{
	awk -v m="\"$2" -v re="^$3\$" '
		$6 == m && $9 ~ /^2/ { p = $7; sub(/\?.*/, "", p); if (p ~ re) n++ }
		END { print n + 0 }' "$(reg_log "$1")"
}

# reg_blob_gets REG [DIGEST] - 2xx GETs of that blob (of any blob).
reg_blob_gets()
{
	reg_requests "$1" GET "/v2/.+/blobs/${2:-sha256:[0-9a-f]+}"
}

# reg_blob_bytes REG [DIGEST] - bytes the registry sent in blob GETs.
reg_blob_bytes()
{
	awk -v re="^/v2/.+/blobs/${2:-sha256:[0-9a-f]+}\$" '
		$6 == "\"GET" && $9 ~ /^2/ { p = $7; sub(/\?.*/, "", p); if (p ~ re) n += $10 }
		END { print n + 0 }' "$(reg_log "$1")"
}

# ---- A slow (or hanging) path to a registry ---------------------------------

# reg_slow_start [--rate BYTES/S] [--stall-after N] [--cut-after N]
#                [--target HOST:PORT] - a TCP relay to the registry (default
# $REG) on its own 127.0.0.1 port; TLS passes through, so the registry's
# certificate (IP:127.0.0.1, DNS:localhost) still fits. Sets REG_SLOW
# (127.0.0.1:PORT), REG_SLOW_NAME (localhost:PORT) and REG_SLOW_PID; one
# line per connection ends up in $REG_SLOW_LOG. --rate paces what the
# registry sends, per connection; --stall-after stops sending after N bytes
# and holds the connection; --cut-after closes it after N bytes.
reg_slow_start()
{
	local target=$REG a=() dir
	reg_no_subshell reg_slow_start || return 2
	while [ $# -gt 0 ]; do
		case $1 in
		--target) target=$2 ;;
		--rate|--stall-after|--cut-after) a+=("$1" "$2") ;;
		*) echo "reg_slow_start: unknown option $1" >&2; return 2 ;;
		esac
		shift 2
	done
	dir=$(mktemp -d "$TMP/slow.XXXXXX") || return 1
	"$REG_PY" "$REG_TOOLS/slow-proxy.py" --target "$target" --port-file "$dir/port" \
		--log "$dir/conn.log" "${a[@]}" >"$dir/err" 2>&1 </dev/null &
	reg_track "$dir" $!
	REG_SLOW_PID=$!
	t_wait_file "$dir/port" || { cat "$dir/err" >&2; return 1; }
	REG_SLOW=127.0.0.1:$(cat "$dir/port") REG_SLOW_NAME=localhost:$(cat "$dir/port")
	REG_SLOW_LOG=$dir/conn.log
	touch "$REG_SLOW_LOG"
}

# reg_slow_stop [PID] - stops the relay (default the last one started).
reg_slow_stop() { reg_kill "${1:-$REG_SLOW_PID}"; }

# ---- Small helpers for cases ------------------------------------------------

# reg_json PATH - reads JSON on stdin and prints the value at PATH: keys
# and list indexes joined by ".", "#" for a length, "*" for every element
# (one line each); strings print bare, other values as JSON. A missing key
# prints nothing and fails.
#   reg_inspect R --raw | reg_json manifests.*.platform.architecture
reg_json()
{
	"$REG_PY" -c '
import json, sys
def walk(v, path):
    if not path:
        print(v if isinstance(v, str) else json.dumps(v))
        return
    k, rest = path[0], path[1:]
    if k == "#":
        return walk(len(v), rest)
    if k == "*":
        for x in (v.values() if isinstance(v, dict) else v):
            walk(x, rest)
        return
    walk(v[int(k)] if isinstance(v, list) else v[k], rest)
try:
    walk(json.load(sys.stdin), [p for p in sys.argv[1].split(".") if p])
except (KeyError, IndexError, TypeError, ValueError):
    sys.exit(1)
' "$1"
}

# reg_certs_d DIR [HOST:PORT...] - DIR/HOST:PORT/ca.crt (Docker's certs.d
# layout) for each registry given (default $REG and $REG_NAME).
reg_certs_d()
{
	local d=$1 h; shift
	[ $# -gt 0 ] || set -- "$REG" "$REG_NAME"
	for h; do mkdir -p "$d/$h" && cp "$REG_CA" "$d/$h/ca.crt" || return 1; done
}

# reg_dory_env - dory of this test talks to the test registries only:
# a store in $ROOT ($TMP/root), HOME, DOCKER_CONFIG (credentials) and a
# DORY_CONFIG whose certs-dir is $TMP/certs.d (filled by reg_certs_d),
# all under $TMP; d() runs dory on that store.
reg_dory_env()
{
	ROOT=$TMP/root
	mkdir -p "$TMP/home"
	export HOME=$TMP/home DOCKER_CONFIG=$TMP/docker DORY_CONFIG=$TMP/config.json
	t_config "\"certs-dir\": \"$TMP/certs.d\""	# and lib.sh's cgroup parent and network
}
d() { "$DORY" --root "$ROOT" "$@"; }

# reg_auth_json FILE HOST:PORT USER:PASS - adds an entry to a Docker
# config.json-style auth file ({"auths": {HOST: {"auth": base64}}}).
reg_auth_json()
{
	"$REG_PY" - "$@" <<-'PY'
	import base64, json, os, sys
	f, host, cred = sys.argv[1:4]
	d = json.load(open(f)) if os.path.exists(f) else {}
	d.setdefault("auths", {})[host] = {"auth": base64.b64encode(cred.encode()).decode()}
	json.dump(d, open(f, "w"), indent=1)
	PY
}

# reg_alive PID - the process exists and is not a zombie.
reg_alive()
{
	local s
	s=$(sed 's/.*) //; s/ .*//' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$s" ] && [ "$s" != Z ]
}
