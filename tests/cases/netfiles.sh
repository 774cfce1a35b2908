# SPDX-License-Identifier: Apache-2.0
# netfiles.sh - every container's own /etc/hosts, /etc/hostname and
# /etc/resolv.conf: localhost and its own name resolve, --add-host and the
# --dns flags show up, the image's files stay as they were, bad values are
# refused, and the same under a user namespace.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../bbimage.sh"

miss=""
for c in getent ldd sha256sum tar; do command -v "$c" >/dev/null || miss="$miss $c"; done
[ -z "$miss" ] || { t_skip "netfiles" "missing:$miss"; exit 0; }

# An image with the host's getent (and the libraries it loads), lookups
# through files then DNS, and /etc files of its own that must stay so.
IMG=$T-nf:1
D=$TMP/img
mkdir -p "$D/rootfs/etc" "$D/rootfs/bin"
cp "$(command -v getent)" "$D/rootfs/bin/getent"
for l in $(ldd "$(command -v getent)" | grep -o '/[^ ]*'); do
	mkdir -p "$D/rootfs${l%/*}" && cp -L "$l" "$D/rootfs$l"
done
echo "hosts: files dns" >"$D/rootfs/etc/nsswitch.conf"
printf '10.9.9.9\timagehost\n' >"$D/rootfs/etc/hosts"
echo buildhost >"$D/rootfs/etc/hostname"
echo "nameserver 10.9.9.53" >"$D/rootfs/etc/resolv.conf"
bb_image "$D" "$IMG" '["sh"]'
"$DORY" load -i "$D/image.tar" >/dev/null || { t_report 1 "load the test image"; exit 0; }
run() { "$DORY" run --rm "$@"; }

# The image's copies, as the store holds them (its layer, not a container's).
layer_etc() { find "$DORY_ROOT" -path "$DORY_ROOT/containers" -prune -o -path '*/etc/*' \
	\( -name hosts -o -name hostname -o -name resolv.conf \) -type f -print |
	sort | xargs cat; }
image_before=$(layer_etc)

# localhost and its own name
t_match "getent hosts localhost" '^(127\.0\.0\.1|::1) +localhost' run "$IMG" getent hosts localhost
t_out "its own name (the short id) resolves" "127.0.0.1       $T-h" \
	run --hostname "$T-h" "$IMG" getent hosts "$T-h"
t_out "a dotted host name: its first label too" "127.0.0.1       web.example.com web" \
	run --hostname web.example.com "$IMG" getent hosts web
t_out "/etc/hostname is what hostname says" same \
	run "$IMG" sh -c '[ "$(cat /etc/hostname)" = "$(hostname)" ] && echo same'
t_out "... with --hostname too" "$T-h" run --hostname "$T-h" "$IMG" cat /etc/hostname
t_fail 2 "" "the image's own hosts entry is gone" run "$IMG" getent hosts imagehost

# --add-host and the DNS flags
t_out "--add-host NAME:IP" "10.1.2.3        db" run --add-host db:10.1.2.3 "$IMG" getent hosts db
t_out "--add-host NAME=IP" "10.1.2.4        db2" run --add-host db2=10.1.2.4 "$IMG" getent hosts db2
t_out "--dns, --dns-search, --dns-option" \
	"$(printf 'search example.com lan\nnameserver 10.0.0.1\nnameserver 10.0.0.2\noptions ndots:2')" \
	run --dns 10.0.0.1 --dns 10.0.0.2 --dns-search example.com --dns-search lan \
	--dns-option ndots:2 "$IMG" cat /etc/resolv.conf
# Without flags: the host's file without its loopback (and IPv6) servers.
want=$(awk '$1 == "nameserver" && ($2 ~ /^127\./ || $2 ~ /:/) { next } { print }' /etc/resolv.conf)
t_out "resolv.conf: the host's, loopback servers left out" "$want" run "$IMG" cat /etc/resolv.conf

# The files are the container's: the image and a --rootfs keep theirs
t_ok "a container writes its /etc/hosts" run "$IMG" sh -c 'echo 10.7.7.7 mine >>/etc/hosts'
t_check "the image's files are untouched" [ "$(layer_etc)" = "$image_before" ]
R=$TMP/rootfs
t_rootfs "$R"
printf '10.9.9.9\timagehost\n' >"$R/etc/hosts"
t_ok "--rootfs: written inside" "$DORY" run --rm --rootfs "$R" sh -c 'echo x >>/etc/hosts'
t_out "--rootfs: its own /etc/hosts is untouched" "$(printf '10.9.9.9\timagehost')" cat "$R/etc/hosts"
t_out "--read-only: the files are there, read-only" "ro localhost" \
	run --read-only "$IMG" sh -c 'echo >>/etc/hosts 2>/dev/null || echo ro $(getent hosts 127.0.0.1 | tr -s " " | cut -d" " -f2)'

# Kept in the records: inspect, a restart, exec
t_ok "create with the flags" "$DORY" create --name "$T-c" --dns 10.0.0.1 --dns-search example.com \
	--dns-option ndots:1 --add-host db:10.1.2.3 "$IMG" sleep 30
t_out "inspect: HostConfig" "[10.0.0.1] [example.com] [ndots:1] [db:10.1.2.3]" "$DORY" inspect \
	-f '{{.HostConfig.Dns}} {{.HostConfig.DnsSearch}} {{.HostConfig.DnsOptions}} {{.HostConfig.ExtraHosts}}' "$T-c"
dir=$DORY_ROOT/containers/$("$DORY" inspect -f '{{.Id}}' "$T-c")
t_out "inspect: the files' paths" "$dir/hosts $dir/hostname $dir/resolv.conf" "$DORY" inspect \
	-f '{{.HostsPath}} {{.HostnamePath}} {{.ResolvConfPath}}' "$T-c"
t_ok "start" "$DORY" start "$T-c"
t_out "exec sees them" "10.1.2.3        db" "$DORY" exec "$T-c" getent hosts db
t_ok "restart" "$DORY" restart -t 0 "$T-c"
t_out "... and again after it" "nameserver 10.0.0.1" "$DORY" exec "$T-c" grep nameserver /etc/resolv.conf
t_ok "rm -f" "$DORY" rm -f "$T-c"

# --network host: the host's files; container:NAME: that container's
t_out "host: the host's /etc/hosts" "$(cat /etc/hosts)" run --network host "$IMG" cat /etc/hosts
t_out "host: the host's /etc/resolv.conf" "$(cat /etc/resolv.conf)" \
	run --network host "$IMG" cat /etc/resolv.conf
t_out "host: /etc/hostname is the host's name" "$(hostname)" run --network host "$IMG" cat /etc/hostname
t_ok "a container to join" "$DORY" run -d --name "$T-j" --hostname "$T-j" \
	--add-host db:10.1.2.3 "$IMG" sleep 30
t_out "container: its hosts" "10.1.2.3        db" \
	run --network "container:$T-j" "$IMG" getent hosts db
t_out "container: its hostname" "$T-j" run --network "container:$T-j" "$IMG" cat /etc/hostname
jdir=$DORY_ROOT/containers/$("$DORY" inspect -f '{{.Id}}' "$T-j")
t_out "container: inspect shows its files" "$jdir/hosts" sh -c "\"$DORY\" inspect -f \
	'{{.HostsPath}}' \"\$(\"$DORY\" create --network container:$T-j $IMG true)\""
t_fail 125 "conflicting options: dns and the network mode" "container: no --dns" \
	run --network "container:$T-j" --dns 10.0.0.1 "$IMG" true
t_fail 125 "conflicting options: custom host-to-IP mapping and the network mode" \
	"container: no --add-host" run --network "container:$T-j" --add-host a:10.0.0.1 "$IMG" true
t_ok "rm -f" "$DORY" rm -f "$T-j"

# Bad values: one line, exit 125, nothing made
ROOT=$DORY_ROOT
t_refused "--add-host without an address" 'bad format for add-host: "db"' \
	"$DORY" run --rm --add-host db "$IMG" true
t_refused "--add-host with a bad address" 'invalid IP address in add-host: "10.1"' \
	"$DORY" run --rm --add-host db:10.1 "$IMG" true
t_refused "--dns that is no address" "nope is not an ip address" "$DORY" create --dns nope "$IMG"
t_refused "--dns-search that is no domain" "-x.com is not a valid domain" \
	"$DORY" run --rm --dns-search=-x.com "$IMG" true
t_refused "--dns-option of two words" '"a b" for "--dns-option"' \
	"$DORY" run --rm --dns-option "a b" "$IMG" true

# Under a user namespace: root's files as the container sees them
if unshare -U true 2>/dev/null; then
	t_config '"userns-remap": "100000:65536"'
	t_out "userns: own files, root's inside" "0:0 localhost" run "$IMG" \
		sh -c 'echo $(stat -c %u:%g /etc/hosts) $(getent hosts 127.0.0.1 | tr -s " " | cut -d" " -f2)'
	t_out "userns: root may write them" ok run "$IMG" sh -c 'echo >>/etc/resolv.conf && echo ok'
	t_config
else
	t_skip "userns" "no user namespaces"
fi
