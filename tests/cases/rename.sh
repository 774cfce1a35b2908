# SPDX-License-Identifier: Apache-2.0
# rename.sh - rename on a user network: the containers there know the
# renamed one by its new name (their /etc/hosts), no longer by the old.
# (Names, errors and stopped containers: update.sh.) dory runs in a
# network namespace of this case's (netdev.sh).
. "$(dirname "$0")/../lib.sh"

command -v nft >/dev/null || { t_skip "all" "no nft (Debian's nftables)"; exit 0; }
T_NET=bridge
t_config
. "$(dirname "$0")/../netdev.sh"

d network create "$T-n" >/dev/null
d run -d --name "$T-a" --network "$T-n" --rootfs "$R" sleep 1000 >/dev/null
d run -d --name "$T-b" --network "$T-n" --rootfs "$R" sleep 1000 >/dev/null
t_match "b knows a by its name" "	$T-a\$" d exec "$T-b" cat /etc/hosts
t_ok "rename a" d rename "$T-a" "$T-c"
t_match "b knows it by the new name" "	$T-c\$" d exec "$T-b" cat /etc/hosts
t_check "... and no longer by the old" \
	sh -c "! \"$DORY\" exec $T-b cat /etc/hosts | grep -q '	$T-a\$'"
t_match "network inspect names it so" "$T-c" d network inspect -f '{{range .Containers}}{{.Name}} {{end}}' "$T-n"
