# SPDX-License-Identifier: Apache-2.0
# mount.sh - run --mount, --tmpfs and --volumes-from; the image's VOLUMEs
# as anonymous volumes (rm -v, run --rm); propagation; volumes of a
# user-namespaced container; system df; a named volume across a reboot;
# and a mount target swapped for a symlink to the host while containers
# start.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../registry.sh"
[ "$(id -u)" = 0 ] || { t_skip "mount" "needs root"; exit 0; }

R=$TMP/rootfs
t_rootfs "$R"
mkdir -p "$R/data" "$TMP/h"
echo image >"$R/data/f"
run() { "$DORY" run --rm --rootfs "$R" "$@"; }
d() { "$DORY" "$@"; }
VR=$DORY_ROOT/volumes
mounts() { d inspect -f '{{range .Mounts}}{{.Type}} {{.Source}} {{.Destination}} {{.Mode}} {{.RW}} {{.Propagation}};{{end}}' "$1"; }
vname() { d inspect -f '{{range .Mounts}}{{if eq .Destination "'"$2"'"}}{{.Name}}{{end}}{{end}}' "$1"; }
# What a refused command must leave: the volumes, the containers, /tmp/h.
state() { ls "$VR" "$DORY_ROOT/containers" "$TMP/h" 2>/dev/null; }
refused() # NAME MSG ARGS...: exit 125, one line with MSG, nothing made
{
	local name=$1 msg=$2 before; shift 2
	before=$(state)
	t_run "$DORY" create --rootfs "$R" "$@" true
	[ "$RC" = 125 ] && [ "$(wc -l <"$ERR")" = 1 ] && grep -Fq -- "$msg" "$ERR" &&
		[ "$(state)" = "$before" ]
	t_report $? "$name" "exit $RC; stderr: $(cat "$ERR")"
}

# ---- --mount ----
t_out "--mount type=bind: the host directory" "hi" \
	run --mount type=bind,source="$TMP/h",target=/h sh -c 'echo hi >/h/x; cat /h/x'
t_check "--mount type=bind: written on the host" [ "$(cat "$TMP/h/x")" = hi ]
t_fail 1 "Read-only file system" "--mount readonly: a write fails" \
	run --mount type=bind,src="$TMP/h",dst=/h,readonly touch /h/y
t_fail 1 "" "--mount ro=true: remount,rw without CAP_SYS_ADMIN fails" \
	run --mount type=bind,src="$TMP/h",dst=/h,ro=true \
	sh -c 'mount -o remount,rw /h 2>/dev/null || exit 1; touch /h/y'
t_fail 1 "" "--mount ro=true: remount,rw with --cap-add SYS_ADMIN fails too (seccomp)" \
	run --cap-add SYS_ADMIN --mount type=bind,src="$TMP/h",dst=/h,ro=true \
	sh -c 'mount -o remount,rw /h 2>/dev/null || mount -o remount,rw,bind /h 2>/dev/null ||
	exit 1; touch /h/y'
t_check "--mount readonly: nothing was written" [ ! -e "$TMP/h/y" ]
t_out "--read-only with --cap-add SYS_ADMIN: / is not remounted rw" "refused" \
	run --read-only --cap-add SYS_ADMIN sh -c \
	'mount -o remount,rw / 2>/dev/null && echo remounted || echo refused'
t_out "--mount ro=false is read-write" "ok" \
	run --mount type=bind,src="$TMP/h",dst=/h,ro=false sh -c 'touch /h/z && echo ok'
refused "--mount bind of a missing path: refused, as Docker (not made)" \
	"invalid mount config for type \"bind\": bind source path does not exist: $TMP/none" \
	--mount type=bind,src="$TMP/none",dst=/x
t_check "... the missing path was not made" [ ! -e "$TMP/none" ]
t_out "--mount type=volume: a named volume, made, the image's files copied in" "image" \
	run --mount type=volume,src="$T-m",dst=/data cat /data/f
t_out "--mount volume-nocopy: a new volume stays empty" "" \
	run --mount src="$T-m2",dst=/data,volume-nocopy ls /data
t_out "--mount type=tmpfs: noexec,nosuid,nodev, tmpfs-size and tmpfs-mode" \
	"tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k,mode=1770 1770" \
	run --mount type=tmpfs,dst=/t,tmpfs-size=1m,tmpfs-mode=1770 \
	sh -c 'echo $(grep " /t " /proc/mounts | cut -d" " -f3,4) $(stat -c %a /t)'
d create --name "$T-i" --rootfs "$R" --mount type=bind,src="$TMP/h",dst=/h,bind-propagation=rslave \
	--mount src="$T-m",dst=/m,ro --mount type=tmpfs,dst=/t true >/dev/null
t_out "inspect: --mount's Mounts, as Docker's" \
	"bind $TMP/h /h  true rslave;volume $VR/$T-m/_data /m z false ;tmpfs  /t  true ;" \
	mounts "$T-i"
t_out "ps {{.Mounts}}: volume names or sources, cut to 15 columns, as Docker's" \
	"${TMP:0:14}…,$T-m," d ps -a --filter name="$T-i" --format '{{.Mounts}}'
d rm "$T-i" >/dev/null
refused "--mount: an unknown type" "invalid mount config for type \"nfs\": mount type unknown" \
	--mount type=nfs,dst=/x
refused "--mount: no target" "target is required" --mount type=bind,src=/
refused "--mount: no source for a bind" "field Source must not be empty" --mount type=bind,dst=/x
refused "--mount: an unknown key" "unexpected key 'size' in 'size=1'" --mount dst=/x,size=1
refused "--mount: a field without =" "invalid field 'bogus' must be a key=value pair" \
	--mount dst=/x,bogus
refused "--mount: a bad readonly" "invalid value for readonly: maybe" --mount dst=/x,readonly=maybe
refused "--mount: options of another type" "cannot mix 'tmpfs-*' options with mount type 'bind'" \
	--mount type=bind,src=/,dst=/x,tmpfs-size=1m
refused "--mount: a bad propagation" "invalid propagation mode: sideways" \
	--mount type=bind,src=/,dst=/x,bind-propagation=sideways
refused "--mount: a tmpfs with a source" "field Source must not be specified" \
	--mount type=tmpfs,src=x,dst=/x
refused "--mount: a relative target" "mount path must be absolute" --mount src="$T-m",dst=x
refused "--mount: a bad tmpfs-size" "invalid value for tmpfs-size: lots" \
	--mount type=tmpfs,dst=/x,tmpfs-size=lots
refused "--mount and -v on one target" "Duplicate mount point: /x" \
	-v "$T-m:/x" --mount type=tmpfs,dst=/x

# ---- --tmpfs ----
t_out "--tmpfs: Docker's flags (nosuid,nodev,noexec)" "rw,nosuid,nodev,noexec,relatime" \
	run --tmpfs /run/x sh -c 'grep " /run/x " /proc/mounts | cut -d" " -f4'
t_out "--tmpfs exec,mode=,uid=,gid=" "rw,nosuid,nodev,relatime,mode=700,uid=5,gid=6 700 5:6" \
	run --tmpfs /t:exec,mode=700,uid=5,gid=6 \
	sh -c 'echo $(grep " /t " /proc/mounts | cut -d" " -f4) $(stat -c "%a %u:%g" /t)'
t_out "--tmpfs noexec holds: a program there does not run" "denied" \
	run --tmpfs /t sh -c 'cp /bin/busybox /t/b; /t/b true 2>/dev/null || echo denied'
t_out "--tmpfs size= holds: a write beyond it fails with ENOSPC" "No space left on device" \
	run --tmpfs /t:size=1m sh -c 'dd if=/dev/zero of=/t/big bs=64k count=32 2>&1 | grep -o "No space left on device"'
t_out "--tmpfs ro" "Read-only file system" \
	run --tmpfs /t:ro sh -c 'touch /t/x 2>&1 | grep -o "Read-only file system"'
d create --name "$T-t" --rootfs "$R" --tmpfs /run:size=64k true >/dev/null
t_out "inspect: --tmpfs in HostConfig.Tmpfs, not in Mounts (as Docker)" \
	'{"/run":"size=64k"} []' d inspect -f '{{json .HostConfig.Tmpfs}} {{json .Mounts}}' "$T-t"
d rm "$T-t" >/dev/null
refused "--tmpfs: an option tmpfs does not take" "invalid tmpfs option \"bogus\"" --tmpfs /t:bogus
refused "--tmpfs: a relative path" "mount path must be absolute" --tmpfs t

# ---- --volumes-from ----
d create --name "$T-src" --rootfs "$R" -v "$T-vf:/data" -v "$TMP/h:/h:ro" true >/dev/null
run -v "$T-vf:/data" sh -c 'echo shared >/data/s' >/dev/null
t_out "--volumes-from: the volume and the bind of another container" "shared x" \
	run --volumes-from "$T-src" sh -c 'echo $(cat /data/s) $(ls /h | grep -x x)'
t_fail 1 "Read-only file system" "--volumes-from: a :ro bind stays read-only" \
	run --volumes-from "$T-src" touch /h/new
t_fail 1 "Read-only file system" "--volumes-from C:ro: all read-only" \
	run --volumes-from "$T-src:ro" touch /data/new
t_out "--volumes-from C:rw: all read-write" "ok" \
	run --volumes-from "$T-src:rw" sh -c 'touch /h/rw && echo ok'
rm -f "$TMP/h/rw"
SRC=$(d inspect -f '{{.Id}}' "$T-src")
t_out "--volumes-from by id; -v on one of its targets wins" "tmp" \
	run --volumes-from "${SRC:0:12}" -v "$TMP/h:/data" sh -c 'touch /data/tmp; ls /data | grep -x tmp'
refused "--volumes-from: a missing container" "no such container: $T-nope" --volumes-from "$T-nope"
refused "--volumes-from: a bad mode" "invalid mode: bogus" --volumes-from "$T-src:bogus"
refused "--volumes-from: a propagation" "invalid mode for volumes-from: rslave" \
	--volumes-from "$T-src:rslave"

# ---- anonymous volumes: -v /PATH and --mount without a source ----
d create --name "$T-an" --rootfs "$R" -v /data --mount dst=/m -v "$T-named:/n" true >/dev/null
set -- "$(vname "$T-an" /data)" "$(vname "$T-an" /m)"
t_check "-v /PATH and --mount dst= make anonymous volumes (64 hex)" \
	[ ${#1} = 64 -a ${#2} = 64 -a -d "$VR/$1/_data" -a -d "$VR/$2/_data" ]
t_out "inspect: an anonymous volume's Mode is empty (-v), z (--mount)" \
	"volume $VR/$1/_data /data  true ;volume $VR/$T-named/_data /n z true ;volume $VR/$2/_data /m z true ;" \
	mounts "$T-an"
d create --name "$T-an2" --rootfs "$R" --volumes-from "$T-an" true >/dev/null
t_ok "rm -v" d rm -v "$T-an"
t_check "rm -v: an anonymous volume another container names is kept, the named one too" \
	[ -d "$VR/$1" -a -d "$VR/$2" -a -d "$VR/$T-named" ]
t_ok "rm -v of the other" d rm -v "$T-an2"
t_check "... now the anonymous volumes are gone, the named one kept" \
	[ ! -e "$VR/$1" -a ! -e "$VR/$2" -a -d "$VR/$T-named" ]
d create --name "$T-an3" --rootfs "$R" -v /data true >/dev/null
A=$(vname "$T-an3" /data)
d rm "$T-an3" >/dev/null
t_check "rm without -v keeps an anonymous volume" [ -d "$VR/$A" ]
t_out "... volume prune removes it" "Deleted Volumes:
$A

Total reclaimed space: 0B" d volume prune -f
before=$(ls "$VR")
t_out "run --rm removes its anonymous volumes" "image" run -v /data cat /data/f
t_check "... none is left" [ "$(ls "$VR")" = "$before" ]
d run -d --rm --rootfs "$R" -v /data true >/dev/null
t_check "run -d --rm too, once it exits" t_poll 5 sh -c '[ "$(ls "$1")" = "$2" ]' sh "$VR" "$before"

# ---- propagation ----
P=$TMP/prop
mkdir -p "$P/sub"
mount --bind "$P" "$P" && T_MOUNTS="$P $T_MOUNTS" && mount --make-shared "$P"
d run -d --name "$T-ps" --rootfs "$R" -v "$P:/p:rslave" sleep 60 >/dev/null
d run -d --name "$T-pp" --rootfs "$R" -v "$P:/p" sleep 60 >/dev/null
d run -d --name "$T-psh" --rootfs "$R" --mount type=bind,src="$P",dst=/p,bind-propagation=rshared \
	sleep 60 >/dev/null
mount -t tmpfs tmpfs "$P/sub" && T_MOUNTS="$P/sub $T_MOUNTS"
echo later >"$P/sub/f"
t_out "rslave: a mount the host makes later shows inside" "later" d exec "$T-ps" cat /p/sub/f
t_out "rshared: so too" "later" d exec "$T-psh" cat /p/sub/f
t_fail 1 "No such file" "rprivate (the default): it does not" d exec "$T-pp" cat /p/sub/f
t_out "inspect shows Propagation" "rslave rprivate rshared" \
	sh -c 'echo $("$0" inspect -f "{{range .Mounts}}{{.Propagation}}{{end}}" "$1" "$2" "$3")' \
	"$DORY" "$T-ps" "$T-pp" "$T-psh"
t_out "the container's root is private still" "-" \
	d exec "$T-ps" awk '$5 == "/" { print $7 }' /proc/self/mountinfo
umount "$P/sub"
d rm -f "$T-ps" "$T-pp" "$T-psh" >/dev/null

# ---- system df ----
d volume create "$T-free" >/dev/null
head -c 5000 /dev/zero >"$VR/$T-free/_data/z"
d create --name "$T-df" --rootfs "$R" -v "$T-m:/data" true >/dev/null
nv=$(ls "$VR" | grep -vc '^\.')
t_match "system df: Docker's columns" '^TYPE +TOTAL +ACTIVE +SIZE +RECLAIMABLE$' d system df
t_out "system df --format: volumes counted, those in use active" "Local Volumes $nv 2" \
	sh -c '"$0" system df --format "{{.Type}} {{.TotalCount}} {{.Active}}" | grep Volumes' "$DORY"
t_out "system df --format: containers" "Containers 2 0" \
	sh -c '"$0" system df --format "{{.Type}} {{.TotalCount}} {{.Active}}" | grep Containers' "$DORY"
t_match "system df -v: a volume's links and size" "^$T-free +0 +5kB\$" d system df -v
t_match "system df -v: a container's local volumes" " 1 +0B .* $T-df\$" d system df -v
t_match "system df -v: Docker's sections" "^Local Volumes space usage:\$" d system df -v
d rm "$T-df" >/dev/null

# ---- system prune ----
t_fail 125 "add -f to prune without asking" "system prune: without a terminal it asks, and refuses" \
	d system prune
d rm -f $(d ps -aq) >/dev/null 2>&1
d create --name "$T-sp" --rootfs "$R" -v /data -v "$T-spn:/n" true >/dev/null
SP=$(d inspect -f '{{.Id}}' "$T-sp") SPV=$(vname "$T-sp" /data)
d run -d --name "$T-up" --rootfs "$R" -v /data sleep 60 >/dev/null
UPV=$(vname "$T-up" /data)
t_out "system prune -f --volumes: stopped containers, then unused anonymous volumes" \
	"Deleted Containers:
$SP

Deleted Volumes:
$SPV

Total reclaimed space: 0B" d system prune -f --volumes
t_check "... the running container, its volume and the named one are kept" \
	[ "$(d ps -q)" = "$(d inspect -f '{{.Id}}' "$T-up" | cut -c1-12)" -a -d "$VR/$UPV" \
	-a -d "$VR/$T-spn" ]
d rm -f "$T-up" >/dev/null

# ---- a named volume across a reboot ----
d run -d --name "$T-rb" --rootfs "$R" --restart always -v "$T-keep:/data" \
	sh -c 'echo $$ >>/data/boots; exec sleep 1000' >/dev/null
t_poll 5 test -s "$VR/$T-keep/_data/boots"
ID=$(d inspect -f '{{.Id}}' "$T-rb")
kill -KILL "$(sed -n 's/.*"SupervisorPid":\([0-9]*\).*/\1/p' "$DORY_STATE/containers/$ID/run.json")"
cg_empty() { [ -z "$(cat "$(t_cg_dirs "$1" | head -n 1)/cgroup.procs" 2>/dev/null)" ]; }
t_poll 5 cg_empty "$ID"
t_cg_dirs "$ID" | xargs -r rmdir 2>/dev/null
rm -rf "$DORY_STATE"
t_match "after a reboot (state wiped): start --all" "$T-rb" d start --all
t_poll 5 sh -c '[ "$(wc -l <"$0")" = 2 ]' "$VR/$T-keep/_data/boots"
t_out "... the container finds its volume's data" "2" d exec "$T-rb" sh -c 'wc -l </data/boots'
d rm -f "$T-rb" >/dev/null

# ---- the swap race: a mount point swapped for a symlink to the host ----
S=$TMP/swap
t_rootfs "$S"
mkdir -p "$S/race/t" "$TMP/hostdir"
(
	cd "$S/race" || exit 1
	while :; do	# the directory, gone, a symlink climbing to $TMP/hostdir, gone
		rm -f t 2>/dev/null; mkdir t 2>/dev/null; rmdir t 2>/dev/null
		ln -s ../../hostdir t 2>/dev/null; rm -f t; mkdir t 2>/dev/null
	done
) 2>/dev/null & swap=$!
T_PIDS="$T_PIDS $swap"
ok=0
for i in $(seq 1 12); do
	"$DORY" run --rm --rootfs "$S" -v "$T-race:/race/t/in" --tmpfs /race/t/tm \
		-v "$TMP/h:/race/t" sh -c 'echo x >/race/t/w; echo y >/race/t/in/w' \
		>/dev/null 2>&1 && ok=$((ok + 1))
	[ -z "$(ls -A "$TMP/hostdir")" ] || break
done
{ kill -KILL "$swap"; wait "$swap"; } 2>/dev/null
t_check "swap race: the host directory never got a mount or a write ($ok of 12 started)" \
	[ -z "$(ls -A "$TMP/hostdir")" ]
t_check "swap race: nothing of the host's is mounted over" \
	sh -c '! grep -q "$1" /proc/self/mountinfo' sh "$TMP/hostdir"

# ---- the image's VOLUMEs, and volumes under a user namespace ----
miss=""
for c in skopeo "$REG_PY" tar gzip; do command -v "$c" >/dev/null || miss="$miss $c"; done
if [ -n "$miss" ]; then
	t_skip "the image's VOLUME" "missing:$miss"
	exit 0
fi
mkdir -p "$TMP/extra/data" "$TMP/extra/srv"
echo from-image >"$TMP/extra/data/f"
IMG=$T/vol:v1
reg_image_make "$TMP/oci" "$IMG" --layer "$TMP/extra" --volume /data --volume /srv >/dev/null &&
	reg_image_archive "$TMP/oci:$IMG" "$TMP/vol.tar" "$IMG" oci &&
	d load -i "$TMP/vol.tar" >/dev/null || { t_report 1 "make and load the VOLUME image"; exit 0; }
d create --name "$T-iv" -v "$T-own:/srv" "$IMG" true >/dev/null
set -- "$(vname "$T-iv" /data)" "$(vname "$T-iv" /srv)"
t_check "the image's VOLUME: an anonymous volume; a -v on another VOLUME replaces it" \
	[ ${#1} = 64 -a "$2" = "$T-own" -a -d "$VR/$1/_data" ]
t_out "inspect: its Mounts, Mode empty" "volume $1 $VR/$1/_data /data  true ;" \
	sh -c '"$0" inspect -f "{{range .Mounts}}{{if eq .Destination \"/data\"}}{{.Type}} {{.Name}} {{.Source}} {{.Destination}} {{.Mode}} {{.RW}} {{.Propagation}};{{end}}{{end}}" "$1"' \
	"$DORY" "$T-iv"
t_ok "it starts" d start -a "$T-iv"
t_out "... and gets the image's files" "from-image" cat "$VR/$1/_data/f"
d rm -v "$T-iv" >/dev/null
t_check "rm -v: its anonymous volume is gone, the named one kept" [ ! -e "$VR/$1" -a -d "$VR/$T-own" ]

t_out "--read-only with --tmpfs on a path the image lacks (Docker's usual pair)" "ok" \
	d run --rm --read-only --tmpfs /run/new "$IMG" sh -c 'touch /run/new/a && echo ok'

# rslave where the root is an image's (mounted before the binds)
slave_sees() # WHAT RUN-ARGS...: a host mount made after the start shows
{
	local what=$1; shift
	d run -d --name "$T-pi" -v "$P:/p:rslave" "$@" "$IMG" sleep 60 >/dev/null
	mount -t tmpfs tmpfs "$P/sub" && echo "$what" >"$P/sub/f"
	d exec "$T-pi" cat /p/sub/f
	umount "$P/sub"
	d rm -f "$T-pi" >/dev/null
}
t_out "rslave with an image's root too" "img" slave_sees img

# A hostile image: VOLUMEs behind symlinks to /etc stay in its root
mkdir -p "$TMP/evil"
ln -s /etc "$TMP/evil/evil"
ln -s ../../../../../../etc "$TMP/evil/up"
EVIL=$T/evil:v1
reg_image_make "$TMP/oci2" "$EVIL" --layer "$TMP/evil" --volume "/evil/$T-x" \
	--volume "/up/$T-y" >/dev/null &&
	reg_image_archive "$TMP/oci2:$EVIL" "$TMP/evil.tar" "$EVIL" oci &&
	d load -i "$TMP/evil.tar" >/dev/null || t_report 1 "make and load the hostile image"
t_ok "an image's VOLUMEs behind symlinks to /etc: it runs" \
	d run --rm "$EVIL" sh -c "touch /evil/$T-x/w /up/$T-y/w"
t_check "... and the host's /etc got nothing" [ ! -e "/etc/$T-x" -a ! -e "/etc/$T-y" ]

if unshare -U true 2>/dev/null; then
	t_config "\"userns-remap\": \"100000:65536\""
	t_out "userns: a new volume is the container root's inside" "0:0 0:0" \
		d run --rm -v "$T-uv:/v" "$IMG" sh -c 'touch /v/x; echo $(stat -c %u:%g /v /v/x)'
	t_out "userns: ... the mapped root's on the host" "100000:100000 100000:100000" \
		sh -c 'echo $(stat -c %u:%g "$0/_data" "$0/_data/x")' "$VR/$T-uv"
	t_out "userns: the image's VOLUME copied in, owners in the range" "100000 from-image" \
		sh -c '"$0" create --name "$1" "$2" true >/dev/null && "$0" start -a "$1" &&
			v=$("$0" inspect -f "{{range .Mounts}}{{if eq .Destination \"/data\"}}{{.Name}}{{end}}{{end}}" "$1") &&
			echo $(stat -c %u "$3/$v/_data/f") $(cat "$3/$v/_data/f")' "$DORY" "$T-uc" "$IMG" "$VR"
	d rm -v "$T-uc" >/dev/null
	t_out "userns: rslave" "ns" slave_sees ns
	t_out "userns: a --tmpfs is the container root's" "0:0 ok" \
		d run --rm --tmpfs /t "$IMG" sh -c 'echo $(stat -c %u:%g /t) $(touch /t/x && echo ok)'
	t_config
else
	t_skip "userns volumes" "no user namespaces"
fi
