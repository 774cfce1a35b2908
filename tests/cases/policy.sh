# SPDX-License-Identifier: Apache-2.0
# policy.sh - one security policy for a container's init and for `exec`:
# their capability sets, seccomp mode and no_new_privs agree, over every
# combination of --privileged, --cap-add/--cap-drop, --security-opt
# seccomp=FILE|unconfined and no-new-privileges; and seccomp is off with
# --privileged or unconfined, as Docker's.
. "$(dirname "$0")/../lib.sh"

R=$TMP/rootfs
t_rootfs "$R"
d() { "$DORY" "$@"; }	# lib.sh's t_cleanup removes what is left

printf '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],
 "action":"SCMP_ACT_ERRNO"}]}' >"$TMP/nomkdir.json"
LINES='^(CapEff|CapPrm|CapBnd|CapInh|CapAmb|Seccomp|NoNewPrivs):'

# The lines of PID (1: the init, self: the exec'd process) in container C.
status() { d exec "$1" cat "/proc/$2/status" | grep -E "$LINES"; }

n=0
for priv in "" --privileged; do
	for caps in "" "--cap-add SYS_ADMIN --cap-drop CHOWN" "--cap-drop ALL --cap-add KILL"; do
		for sc in "" "seccomp=$TMP/nomkdir.json" seccomp=unconfined; do
			for nnp in "" no-new-privileges; do
				n=$((n + 1))
				c=$T-$n
				set -- $priv $caps
				[ -z "$sc" ] || set -- "$@" --security-opt "$sc"
				[ -z "$nnp" ] || set -- "$@" --security-opt "$nnp"
				what="${*:-defaults}"
				what=${what//$TMP\//}
				if ! d run -d --name "$c" --rootfs "$R" "$@" sleep 1000 \
					>"$OUT" 2>"$ERR"; then
					t_report 1 "$what: run -d" "$(cat "$ERR")"
					continue
				fi
				init=$(status "$c" 1 2>&1)
				ex=$(status "$c" self 2>&1)
				want=2
				[ -z "$priv" ] && [ "$sc" != seccomp=unconfined ] || want=0
				[ "$init" = "$ex" ] && grep -qx "Seccomp:	$want" <<<"$init"
				t_report $? "$what: exec's sets, seccomp, no_new_privs are init's" \
					"seccomp $want wanted; init:
$init
exec:
$ex"
				d rm -f "$c" >/dev/null 2>&1
			done
		done
	done
done
