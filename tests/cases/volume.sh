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
# With CAP_SYS_ADMIN the default seccomp filter still refuses a remount
# read-write (Docker leaves that to AppArmor); a bind of the ro mount is ro.
said='said() { printf %s "$1"; shift; "$@" 2>/dev/null && echo " yes" || echo " no"; }'
ro_try='said remount mount -o remount,rw /data; said write touch /data/x
mkdir /x && mount --bind /data /x && said bind-write touch /x/y
said bind-remount mount -o remount,rw,bind /x; said bind-write touch /x/y'
t_out ":ro with --cap-add SYS_ADMIN: remount,rw refused, also of a bind of it" \
	"$(printf 'remount no\nwrite no\nbind-write no\nbind-remount no\nbind-write no')" \
	run --cap-add SYS_ADMIN -v "$V:/data:ro" sh -c "$said; $ro_try"
t_check ":ro: nothing was written" [ ! -e "$VD/x" -a ! -e "$VD/y" ]
t_out "... its own tmpfs: mount, write, remount,ro, umount still work" "ok" \
	run --cap-add SYS_ADMIN sh -c 'mkdir /t && mount -t tmpfs none /t && touch /t/a &&
	mount -o remount,ro /t && ! touch /t/b 2>/dev/null && umount /t && echo ok'
for how in "--cap-add SYS_ADMIN --security-opt seccomp=unconfined" --privileged; do
	t_out ":ro with $how: remount,rw works (Docker without AppArmor)" "remount yes" \
		run $how -v "$V:/data:ro" sh -c "$said; said remount mount -o remount,rw /data"
done
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
bad "propagation of a named volume" "invalid mode: rshared" "$T-n:/d:rshared"
bad "two propagations" "give one propagation" "/h:/d:rslave,private"

# ---- the volume command ----
vs() { "$DORY" volume "$@"; }
VR=$DORY_ROOT/volumes
# What a refused command must leave as it was: the volumes, their files.
volstate() { (cd "$VR" 2>/dev/null && find . ! -name .lock ! -path './.tmp*' | sort); }
vrefused() # CODE NAME MSG CMD...: exit CODE, one line with MSG, volumes unchanged
{
	local code=$1 name=$2 msg=$3 before; shift 3
	before=$(volstate)
	t_run "$@"
	[ "$RC" = "$code" ] && [ "$(wc -l <"$ERR")" = 1 ] && grep -Fq -- "$msg" "$ERR" &&
		[ "$(volstate)" = "$before" ]
	t_report $? "$name" "exit $RC; stderr: $(cat "$ERR")"
}
mine() { vs ls "$@" --filter name="^$T-a\$" --filter name="^$T-t\$"; }

t_out "create prints the name" "$T-a" vs create "$T-a"
t_out "create of an existing volume: no error, the same name" "$T-a" vs create -d local "$T-a"
t_match "create without a name: a random 64-hex one" '^[0-9a-f]{64}$' vs create
ANON=$(cat "$OUT")
t_check "the new volume has an empty _data" [ -d "$VR/$ANON/_data" ]
t_ok "create with labels and options" vs create --label tier=db --label solo \
	-o type=tmpfs -o device=tmpfs -o o=size=1m "$T-t"
t_match "inspect -f '{{json .}}': Docker's keys in its order, maps sorted" \
	'^\{"CreatedAt":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z","Driver":"local","Labels":\{"solo":"","tier":"db"\},"Mountpoint":"'"$VR/$T-t"'/_data","Name":"'"$T-t"'","Options":\{"device":"tmpfs","o":"size=1m","type":"tmpfs"\},"Scope":"local"\}$' \
	vs inspect -f '{{json .}}' "$T-t"
t_out "inspect: a JSON array, as Docker prints it" "[ 1 {} {}" \
	sh -c '"$0" volume inspect "$1" >"$2" && echo $(head -1 "$2") $(grep -c "\"Name\": \"$1\"" "$2") $(sed -n "s/^ *\"\(Labels\|Options\)\": \(.*\),$/\2/p" "$2")' \
	"$DORY" "$T-a" "$TMP/insp"
t_out "inspect -f, several volumes" "$T-a local
$T-t local" vs inspect -f '{{.Name}} {{.Scope}}' "$T-a" "$T-t"
vrefused 1 "inspect of a missing volume: [] and exit 1, as Docker" "no such volume: $T-nope" \
	vs inspect "$T-nope"
t_check "inspect of a missing volume printed []" [ "$(cat "$OUT")" = "[]" ]
t_match "ls: Docker's columns" '^DRIVER +VOLUME NAME$' vs ls
t_match "ls: a row per volume" "^local +$T-a\$" vs ls
t_out "list is ls" "$(vs ls)" vs list
t_out "ls -q: the names, sorted" "$T-a
$T-t" mine -q
t_out "ls --filter label=K=V, --format" "$T-t local local $VR/$T-t/_data solo=,tier=db" \
	mine --filter label=tier=db --format '{{.Name}} {{.Driver}} {{.Scope}} {{.Mountpoint}} {{.Labels}}'
t_out "ls --filter label=K" "$T-t" mine -q --filter label=solo
t_out "ls --filter label: every one must match" "" mine -q --filter label=solo --filter label=tier=web
t_out "ls --filter driver=local" "$T-a
$T-t" mine -q --filter driver=local
t_out "ls --filter driver=other" "" mine -q --filter driver=nfs
t_match "ls --format table" '^VOLUME NAME +LABELS$' vs ls --format 'table {{.Name}}\t{{.Labels}}'
t_fail 125 "invalid filter 'nope=1'" "ls: an unknown filter" vs ls --filter nope=1
t_fail 125 "invalid filter 'dangling=maybe'" "ls: a bad dangling value" vs ls --filter dangling=maybe
t_fail 125 "template parsing error" "ls: a bad template" vs ls --format '{{nope .Name}}'

# In use: named by a container, running or not
"$DORY" create --name "$T-u" --rootfs "$R" -v "$T-a:/data" true >/dev/null
UID_=$("$DORY" inspect -f '{{.Id}}' "$T-u")
t_out "dangling=false: the volumes a container names" "$T-a" mine -q --filter dangling=false
t_out "dangling=true: the others" "$T-t" mine -q --filter dangling=true
vrefused 1 "rm of a volume in use: refused with one line, as Docker" \
	"remove $T-a: volume is in use - [$UID_]" vs rm "$T-a"
vrefused 1 "rm -f of a volume in use: refused too" "volume is in use" vs rm -f "$T-a"
t_out "rm -f of a missing volume: nothing, exit 0" "" vs rm -f "$T-nope"
vrefused 1 "rm of a missing volume" "no such volume: $T-nope" vs rm "$T-nope"
"$DORY" rm "$T-u" >/dev/null
vs create "$T-b" >/dev/null
t_fail 1 "no such volume: $T-nope" "rm of several: each done, a missing one said, exit 1" \
	vs rm "$T-b" "$T-nope" "$T-a"
t_check "rm of several: the others were removed" \
	[ "$(xargs <"$OUT")" = "$T-b $T-a" -a ! -e "$VR/$T-a" -a ! -e "$VR/$T-b" ]

# A tmpfs volume: in memory, sized, new at each start
t_out "a tmpfs volume: the container writes to a tmpfs" "hi tmpfs" \
	run -v "$T-t:/scratch" sh -c 'echo hi >/scratch/f; echo $(cat /scratch/f) $(grep " /scratch " /proc/mounts | cut -d" " -f3)'
t_check "a tmpfs volume: nothing on disk under ROOT" \
	[ -z "$(find "$VR/$T-t" -name f)" -a -z "$(ls -A "$VR/$T-t/_data")" ]
t_out "a tmpfs volume: its size= holds" "full" \
	run -v "$T-t:/scratch" sh -c 'dd if=/dev/zero of=/scratch/big bs=1024 count=2048 2>/dev/null || echo full'
t_out "a tmpfs volume: empty at each start" "" run -v "$T-t:/scratch" ls /scratch
t_out "a tmpfs volume: the image's files copied in at each start, as Docker" "image2" \
	run -v "$T-t:/data" cat /data/f
# type=none,o=bind: a host directory, kept when the volume goes
mkdir "$TMP/bdir"
t_out "a bind volume names a host directory" "$T-h" \
	vs create -o type=none -o device="$TMP/bdir" -o o=bind "$T-h"
t_ok "a bind volume: the container writes to the host directory" \
	run -v "$T-h:/data" sh -c 'echo b >/data/x'
t_out "rm of a bind volume leaves the host directory's files" "$T-h b" \
	sh -c 'echo $("$0" volume rm "$1") $(cat "$2/x")' "$DORY" "$T-h" "$TMP/bdir"

# prune: anonymous volumes only, unless -a; never one in use
ANON2=$(vs create)
"$DORY" create --name "$T-w" --rootfs "$R" -v "$ANON2:/data" true >/dev/null
vs create --label keep "$T-k" >/dev/null
vrefused 125 "prune asks; without a terminal it refuses" "add -f" vs prune
head -c 1200 /dev/zero >"$VR/$ANON/_data/z"
mkdir "$VR/$ANON/_data/d" && head -c 34 /dev/zero >"$VR/$ANON/_data/d/y"
t_out "prune: the unused anonymous volumes, then the space freed, as Docker" "Deleted Volumes:
$ANON

Total reclaimed space: 1.234kB" vs prune -f
t_out "prune with nothing to remove: the total alone" "Total reclaimed space: 0B" vs prune -f
t_check "prune: the named volumes and the one in use are kept" \
	[ -d "$VR/$ANON2" -a -d "$VR/$T-t" -a -d "$VR/$T-k" -a ! -e "$VR/$ANON" ]
t_out "prune -a --filter label=K=V: a tmpfs volume frees nothing" "Deleted Volumes:
$T-t

Total reclaimed space: 0B" vs prune -a -f --filter label=tier=db
VBYTES=$(cat "$VR/$V/_data"/* "$VR/$V-2/_data"/* "$VR/$V-3/_data"/* 2>/dev/null | wc -c)
t_out "prune -a --filter label!=K: the unused ones without it" "Deleted Volumes:
$V
$V-2
$V-3

Total reclaimed space: ${VBYTES}B" vs prune -a -f --filter label!=keep
t_out "prune -a: only the volume in use is left" "Deleted Volumes:
$T-k

Total reclaimed space: 0B" vs prune -af
t_out "what is left: the volume in use" "$ANON2" vs ls -q
t_fail 125 "invalid filter 'dangling=true'" "prune: a filter it does not take" \
	vs prune -f --filter dangling=true
"$DORY" rm "$T-w" >/dev/null

# Bad input to create: one line, exit 1 as Docker (125: a bad flag), nothing made
vrefused 1 "create: a bad name" "includes invalid characters for a local volume name" \
	vs create "$T\$x"
vrefused 1 "create: a one-letter name" "volume name is too short" vs create x
vrefused 1 "create: a name starting with a dot" "includes invalid characters" vs create .lock
vrefused 1 "create: -o without =" "invalid option \"bad\"" vs create -o bad "$T-o"
vrefused 1 "create: an unknown -o key" "invalid option key: \"size\"" vs create -o size=1 "$T-o"
vrefused 1 "create: type without device" "missing required option: \"device\"" \
	vs create -o type=tmpfs "$T-o"
vrefused 1 "create: a type it does not have" "volume type \"nfs\" is not supported" \
	vs create -o type=nfs -o device=x "$T-o"
vrefused 1 "create: a bind of a missing directory" "$TMP/none" \
	vs create -o type=none -o device="$TMP/none" -o o=bind "$T-o"
vrefused 1 "create: another driver" "volume driver \"nfs\" is not supported" \
	vs create -d nfs "$T-o"
vrefused 125 "create: two names" "give at most one volume NAME" vs create "$T-o" "$T-p"
vrefused 125 "create: an empty label" "invalid label" vs create --label = "$T-o"
vrefused 125 "an unknown volume command" "'nope' is not a dory volume command" vs nope
