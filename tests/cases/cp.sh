# SPDX-License-Identifier: Apache-2.0
# cp.sh - dory cp, export and import: trees round-trip with owners (-a),
# modes, symlinks, hard links, empty and 1 MB files; running and stopped
# containers; a volume; tar on stdin and stdout; symlinks in the container
# never lead to the host; bad input is one line and changes nothing.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../bbimage.sh"
[ "$(id -u)" = 0 ] || { t_skip "cp" "needs root"; exit 0; }
ROOT=$DORY_ROOT
D=$DORY
bb_image "$TMP/img" "$T-img:1" '["sh"]' >/dev/null
"$D" load -i "$TMP/img/image.tar" >/dev/null

# The tree: owners, modes, a symlink, a hard link, an empty and a 1 MB file.
S=$TMP/src
mkdir -p "$S/d/sub/deep" "$S/d/empty-dir"
echo hello >"$S/d/f"
: >"$S/d/empty"
head -c 1048576 /dev/urandom >"$S/d/big"
ln "$S/d/f" "$S/d/hl"
ln -s f "$S/d/l"
ln -s /nowhere "$S/d/dangling"
echo deep >"$S/d/sub/deep/x"
chown 7:8 "$S/d/f"
chown 9:10 "$S/d/sub"
chmod 640 "$S/d/f"
chmod 750 "$S/d/sub"
chmod 1777 "$S/d/empty-dir"
touch -h -d @1000000000 "$S/d/l" "$S/d/sub/deep/x"
xattr() { python3 -c 'import os, sys; print(os.getxattr(sys.argv[1], "user.dory").decode())' "$1"; }
python3 -c 'import os, sys; os.setxattr(sys.argv[1], "user.dory", b"kept")' "$S/d/f" 2>/dev/null &&
	XATTR=1 || XATTR=""

# A listing to compare trees: names, types, modes, owners, sizes, link
# counts, link targets, mtimes (seconds: tar keeps no more) and checksums.
tree_list() # DIR [noowner]
{
	(cd "$1" && find . -mindepth 1 -printf '%P %M %U:%G %s %n %l %Ts\n' | sort |
		if [ "${2:-}" = noowner ]; then awk '{ $3 = ""; print }'; else cat; fi
	 find . -type f -exec md5sum {} + | sort -k2)
}
same_tree() { [ "$(tree_list "$1" ${3:-})" = "$(tree_list "$2" ${3:-})" ]; }

"$D" create --name "$T-stop" "$T-img:1" sleep 1000 >/dev/null
"$D" create --name "$T-bc" --storage-driver bind-copy "$T-img:1" sleep 1000 >/dev/null
"$D" run -d --name "$T-run" -v "$T-v:/vol" "$T-img:1" sleep 1000 >/dev/null
for c in stop bc run; do
	C=$T-$c
	t_ok "$c: cp -a of a tree into the container" "$D" cp -a "$S/d" "$C:/tmp/d"
	t_ok "$c: cp -a of it back out" "$D" cp -a "$C:/tmp/d" "$TMP/$c-back"
	t_check "$c: owners, modes, links, sizes, times and contents round-trip" \
		same_tree "$S/d" "$TMP/$c-back"
	t_out "$c: the hard link stays one" "2" stat -c %h "$TMP/$c-back/hl"
	if [ -n "$XATTR" ]; then
		t_out "$c: a user xattr goes in and out" "kept" xattr "$TMP/$c-back/f"
	else
		t_skip "$c: a user xattr goes in and out" "no user xattrs in $TMP"
	fi
	t_ok "$c: cp without -a" "$D" cp "$S/d" "$C:/tmp/root"
	t_out "$c: without -a files go in as root" "0:0 0:0" \
		sh -c "\"\$0\" cp -a $C:/tmp/root $TMP/$c-root && echo \$(stat -c %u:%g $TMP/$c-root/f $TMP/$c-root/sub)" "$D"
	chown -R 1:1 "$TMP/$c-root"
	t_ok "$c: cp out without -a" "$D" cp "$C:/tmp/d" "$TMP/$c-mine"
	t_out "$c: copied out files are the caller's" "0:0" stat -c %u:%g "$TMP/$c-mine/f"
	t_check "$c: without owners the tree is the same" same_tree "$S/d" "$TMP/$c-mine" noowner
	t_ok "$c: a file onto a new name" "$D" cp "$S/d/big" "$C:/tmp/big.copy"
	t_out "$c: the 1 MB file's checksum" "$(md5sum <"$S/d/big")" \
		sh -c "\"\$0\" cp $C:/tmp/big.copy - | tar -xOf - | md5sum" "$D"
	t_ok "$c: /. copies the content into an existing directory" \
		"$D" cp "$S/d/sub/." "$C:/tmp/d/empty-dir"
	t_out "$c: it is there, not in a subdirectory" "deep" \
		sh -c "\"\$0\" cp $C:/tmp/d/empty-dir - | tar -tf - | sed -n 2p | cut -d/ -f2" "$D"
	t_out "$c: a directory into an existing one goes below it" "d/sub/" \
		sh -c "\"\$0\" cp $S/d/sub $C:/tmp/d/sub && \"\$0\" cp $C:/tmp/d/sub/sub - | tar -tf - | head -1 | sed 's/^/d\//'" "$D"
	t_out "$c: stdout is a tar named after SRC" "d/f" \
		sh -c "\"\$0\" cp $C:/tmp/d - | tar -tf - | grep -x d/f" "$D"
	t_ok "$c: stdin tar goes into a directory" \
		sh -c "\"\$0\" cp $S/d/empty-dir $C:/srv && tar -C $S -c d | \"\$0\" cp - $C:/srv" "$D"
	t_out "$c: with what the tar held" "hello" \
		sh -c "\"\$0\" cp $C:/srv/d/f - | tar -xOf -" "$D"
	t_out "$c: a gzip tar on stdin too" "deep" \
		sh -c "tar -C $S -cz d/sub | \"\$0\" cp - $C:/tmp && \"\$0\" cp $C:/tmp/d/sub/deep/x - | tar -xOf -" "$D"
	t_out "$c: a symlink is copied as a link" "f" \
		sh -c "\"\$0\" cp $C:/tmp/d/l $TMP/$c-link && readlink $TMP/$c-link" "$D"
	t_out "$c: -L copies what it points to" "hello" \
		sh -c "\"\$0\" cp -L $C:/tmp/d/l $TMP/$c-deref && cat $TMP/$c-deref" "$D"
done

# A volume in a running container is seen, both ways.
"$D" exec "$T-run" sh -c 'echo in-volume >/vol/v'
t_out "run: a file of a volume comes out" "in-volume" \
	sh -c "\"\$0\" cp $T-run:/vol/v $TMP/v && cat $TMP/v" "$D"
t_ok "run: a file goes into the volume" "$D" cp "$S/d/f" "$T-run:/vol/g"
t_out "run: it is in the volume's directory" "hello" cat "$DORY_ROOT/volumes/$T-v/_data/g"

# A stopped container's volumes are seen too; a read-only one stays so.
"$D" create --name "$T-vstop" -v "$T-v:/vol" -v "$T-v:/rovol:ro" -v "$T-v:/n/e/st" \
	"$T-img:1" true >/dev/null
t_ok "stop: a file goes into the volume" "$D" cp "$S/d/f" "$T-vstop:/vol/h"
t_out "stop: it is in the volume's directory" "hello" cat "$DORY_ROOT/volumes/$T-v/_data/h"
t_ok "stop: a nested mount point is made" "$D" cp "$S/d/f" "$T-vstop:/n/e/st/nest"
t_check "stop: the file is in the volume" [ -e "$DORY_ROOT/volumes/$T-v/_data/nest" ]
t_out "stop: a file of a volume comes out" "in-volume" \
	sh -c "\"\$0\" cp $T-vstop:/vol/v - | tar -xOf -" "$D"
t_fail 125 "Read-only file system" "stop: a read-only volume refuses it" \
	"$D" cp "$S/d/f" "$T-vstop:/rovol/no"
t_check "stop: nothing was written to it" [ ! -e "$DORY_ROOT/volumes/$T-v/_data/no" ]
t_check "stop: the volume's files are not in the container's upper dir" \
	[ ! -e "$DORY_ROOT/containers/$("$D" inspect -f '{{.Id}}' "$T-vstop")/upper/vol/h" ]

# A read-only root takes nothing; its volumes still do.
"$D" create --name "$T-ro" --read-only -v "$T-v:/vol" "$T-img:1" sleep 1000 >/dev/null
for st in stopped running; do
	[ "$st" = running ] && "$D" start "$T-ro" >/dev/null
	t_fail 125 "read-only root filesystem: copy into one of its volumes" \
		"$st --read-only: the root refuses a file" "$D" cp "$S/d/f" "$T-ro:/tmp/no"
	t_ok "$st --read-only: a volume takes it" "$D" cp "$S/d/f" "$T-ro:/vol/ro-$st"
	t_check "$st --read-only: it is in the volume" [ -e "$DORY_ROOT/volumes/$T-v/_data/ro-$st" ]
done

# A read-only bind-copy container: its root is the image's shared tree.
"$D" create --name "$T-bcro" --storage-driver bind-copy --read-only "$T-img:1" true >/dev/null
flat() { find "$DORY_ROOT/flat" -printf '%P %s %M\n' 2>/dev/null | sort; }
before=$(flat)
t_fail 125 "read-only root filesystem" "bind-copy --read-only: the root refuses a file" \
	"$D" cp "$S/d/f" "$T-bcro:/tmp/no"
t_check "bind-copy --read-only: the image's shared tree is as it was" [ "$(flat)" = "$before" ]

# Hostile symlinks in the container: they resolve inside its root.
L=$TMP/links
mkdir -p "$L/outer/a"
ln -s /etc "$L/evil"
ln -s ../../../../../../etc "$L/outer/a/up"
ln -s "/etc/$T-z" "$L/dst-link"
echo mine >"$TMP/payload"
for c in stop bc run; do
	C=$T-$c
	t_ok "$c: the symlinks go in" "$D" cp -a "$L/." "$C:/"
	t_ok "$c: a write through a symlink to /etc" "$D" cp "$TMP/payload" "$C:/evil/$T-x"
	t_check "$c: the host's /etc was not written" [ ! -e "/etc/$T-x" ]
	t_out "$c: it went to the container's /etc" "mine" \
		sh -c "\"\$0\" cp $C:/etc/$T-x - | tar -xOf -" "$D"
	t_ok "$c: a write through a relative symlink climbing out" \
		"$D" cp "$TMP/payload" "$C:/outer/a/up/$T-y"
	t_check "$c: the host's /etc was not written (relative)" [ ! -e "/etc/$T-y" ]
	t_ok "$c: a destination that is a symlink to the host's /etc" \
		"$D" cp "$TMP/payload" "$C:/dst-link"
	t_check "$c: the host's /etc was not written (link)" [ ! -e "/etc/$T-z" ]
	t_out "$c: a read through the symlink gets the container's file" \
		"root:x:0:0:root:/root:/bin/sh" \
		sh -c "\"\$0\" cp $C:/evil/passwd - | tar -xOf -" "$D"
	t_out "$c: .. components stop at the container's root" \
		"root:x:0:0:root:/root:/bin/sh" \
		sh -c "\"\$0\" cp $C:/../../../../etc/passwd - | tar -xOf -" "$D"
	t_out "$c: -L of a symlink to /etc copies the container's /etc" "passwd" \
		sh -c "\"\$0\" cp -L $C:/evil $TMP/$c-etc && ls $TMP/$c-etc | grep -x passwd" "$D"
	t_check "$c: it holds the container's passwd, not the host's" \
		[ "$(cat "$TMP/$c-etc/passwd")" = "root:x:0:0:root:/root:/bin/sh" ]
	mkdir -p "$TMP/evil-tar"
	printf x >"$TMP/evil-tar/x"
	tar -C "$TMP/evil-tar" -cf "$TMP/evil.tar" --transform "s,^,../../../../tmp/$T-esc-," x
	t_fail 125 "leaves" "$c: a tar on stdin climbing out is refused" \
		sh -c "\"\$0\" cp - $C:/tmp <$TMP/evil.tar" "$D"
	t_check "$c: nothing was written outside" [ ! -e "/tmp/$T-esc-x" ]
done

# Bad input: one line, exit 125, the container's files as they were.
upper() { find "$DORY_ROOT/containers/$("$D" inspect -f '{{.Id}}' "$T-stop")/upper" \
	-printf '%P %s %M\n' | sort; }
before=$(upper)
t_fail 125 "Could not find the file /nope in container $T-stop" "a missing source" \
	"$D" cp "$T-stop:/nope" "$TMP/x"
t_fail 125 "no such container" "a missing container" "$D" cp "$T-nope:/etc" "$TMP/x"
t_fail 125 "must specify at least one container" "no container named" \
	"$D" cp "$S/d" "$TMP/x"
t_fail 125 "between containers" "container to container" "$D" cp "$T-stop:/a" "$T-run:/b"
t_fail 125 "cannot copy a directory to the file" "a directory onto a file" \
	"$D" cp "$S/d" "$T-stop:/etc/passwd"
t_fail 125 "does not exist" "a missing directory with a trailing /" \
	"$D" cp "$S/d/f" "$T-stop:/nope/"
t_fail 125 "Could not find the file /nope in container" "a missing parent directory" \
	"$D" cp "$S/d/f" "$T-stop:/nope/x"
t_fail 125 "/etc/passwd/ is not a directory" "a file SRC with a trailing /" \
	"$D" cp "$T-stop:/etc/passwd/" "$TMP/x"
t_fail 125 "must be a directory" "stdin into a file" \
	sh -c "tar -C $S -c d | \"\$0\" cp - $T-stop:/etc/passwd" "$D"
t_fail 125 "tar" "stdin that is no tar" \
	sh -c "echo garbage | \"\$0\" cp - $T-stop:/tmp" "$D"
echo file >"$TMP/sub"
t_fail 125 "cannot overwrite the directory /tmp/d/sub" "a file over a directory" \
	"$D" cp "$TMP/sub" "$T-stop:/tmp/d"
mkdir -p "$TMP/dd/f"
t_fail 125 "cannot overwrite the file /tmp/d/f with a directory" "a directory over a file" \
	"$D" cp "$TMP/dd/f" "$T-stop:/tmp/d"
t_fail 125 "lstat" "a missing host source" "$D" cp "$TMP/nope" "$T-stop:/tmp"
t_check "the stopped container's files are as they were" [ "$(upper)" = "$before" ]

# In a user namespace: what goes in is owned as the container sees it.
if unshare -U true 2>/dev/null; then
	t_config '"userns-remap": "100000:65536"'
	"$D" create --name "$T-ustop" "$T-img:1" sleep 1000 >/dev/null
	"$D" run -d --name "$T-urun" "$T-img:1" sleep 1000 >/dev/null
	t_config
	for c in ustop urun; do
		C=$T-$c
		t_ok "$c: cp into a userns container" "$D" cp "$S/d" "$C:/tmp/d"
		t_ok "$c: cp -a into it" "$D" cp -a "$S/d" "$C:/tmp/a"
		t_ok "$c: stdin tar into it" sh -c "tar -C $S -c d | \"\$0\" cp - $C:/etc" "$D"
	done
	"$D" start "$T-ustop" >/dev/null
	t_out "userns: without -a, root's inside" "0:0 0:0" \
		"$D" exec "$T-ustop" sh -c 'echo $(stat -c %u:%g /tmp/d/f /etc/d/sub)'
	t_out "userns: with -a, the owners inside" "7:8 9:10" \
		"$D" exec "$T-urun" sh -c 'echo $(stat -c %u:%g /tmp/a/f /tmp/a/sub)'
	t_out "userns: running, without -a, root's inside" "0:0" \
		"$D" exec "$T-urun" stat -c %u:%g /tmp/d/f
	# Out of it: the owners the container sees, as Docker's, not the host's
	owners() { tar -tv --numeric-owner -f "$1" | awk '{ print $2 }' | sort -u | xargs; }
	"$D" kill "$T-ustop" >/dev/null && "$D" wait "$T-ustop" >/dev/null
	for c in urun ustop; do
		C=$T-$c
		t_out "$c: cp -a out of a userns container: the container's owners" \
			"7:8 9:10 0:0" sh -c '"$0" cp -a "$1:/tmp/a" "$2" &&
			echo $(stat -c %u:%g "$2/f" "$2/sub" "$2/sub/deep")' "$D" "$C" "$TMP/o-$c"
		t_out "$c: cp to stdout: the same" "7/8" sh -c '"$0" cp "$1:/tmp/a/f" - |
			tar -tv --numeric-owner -f - | awk "{ print \$2 }"' "$D" "$C"
		t_ok "$c: export of a userns container" "$D" export -o "$TMP/u-$c.tar" "$C"
		t_out "$c: ... holds the container's owners, none of the host's" "0/0 7/8 9/10" \
			owners "$TMP/u-$c.tar"
	done
	chown 70000 "$TMP/payload"
	t_fail 125 "outside the 65536 ids" "userns: an owner outside the range is refused" \
		"$D" cp -a "$TMP/payload" "$T-urun:/tmp/p"
else
	t_skip "userns containers" "no user namespaces"
fi

# export, then import: the same tree.
t_ok "export of a stopped container" "$D" export -o "$TMP/stop.tar" "$T-stop"
t_ok "export of a running one" sh -c "\"\$0\" export $T-run >$TMP/run.tar" "$D"
t_out "it holds the files copied in, not the volume" "tmp/d/f" \
	sh -c "tar -tf $TMP/run.tar | grep -x -e tmp/d/f -e vol/v" "$D"
t_match "import prints the image ID" '^sha256:[0-9a-f]{64}$' \
	"$D" import -m "from $T" "$TMP/stop.tar" "$T-imp:1"
"$D" create --name "$T-imp" "$T-imp:1" true >/dev/null
t_ok "export of a container of the imported image" "$D" export -o "$TMP/imp.tar" "$T-imp"
mkdir -p "$TMP/x1" "$TMP/x2"
tar -C "$TMP/x1" -xf "$TMP/stop.tar"
tar -C "$TMP/x2" -xf "$TMP/imp.tar"
t_check "export then import gives the same tree" same_tree "$TMP/x1" "$TMP/x2"
t_match "a gzip tar on stdin, with changes" '^sha256:' sh -c "gzip -c $TMP/stop.tar |
	\"\$0\" import -c 'CMD [\"cat\", \"/tmp/d/f\"]' -c 'ENV A=1 B=\"two words\"' \
	-c 'WORKDIR /tmp' -c 'EXPOSE 80 53/udp' -c 'LABEL k=v' -c 'USER 0' - $T-imp:2" "$D"
t_out "the changes are in its config" \
	'[cat /tmp/d/f] [A=1 B=two words] /tmp {"53/udp":{},"80/tcp":{}} map[k:v] 0' \
	"$D" image inspect -f '{{.Config.Cmd}} {{.Config.Env}} {{.Config.WorkingDir}} {{json .Config.ExposedPorts}} {{.Config.Labels}} {{.Config.User}}' "$T-imp:2"
t_out "it runs with them" "hello" "$D" run --rm "$T-imp:2"
t_refused "import of no tar" "tar" "$D" import "$TMP/payload" "$T-bad:1"
t_refused "import of an empty file" "is empty" "$D" import /dev/null "$T-bad:1"
t_refused "a change import does not take" "FROM is not supported" \
	"$D" import -c "FROM x" "$TMP/stop.tar"
t_refused "a bad EXPOSE" "EXPOSE 99999" "$D" import -c "EXPOSE 99999" "$TMP/stop.tar"
t_refused "a bad tag" "invalid" "$D" import "$TMP/stop.tar" "Bad:Tag:x"
t_match "export to a terminal is refused" "cowardly refusing to save to a terminal" \
	sh -c "script -qec '\"$D\" export $T-stop; echo rc=\$?' /dev/null | tr -d '\\r'; true"
