# SPDX-License-Identifier: Apache-2.0
# cgroups.sh - where containers' cgroups go: below a parent dory owns
# (/dory, "cgroup-parent", --cgroup-parent, or the cgroup an init system
# delegated to the service dory runs in), never below the caller's own;
# supervisors in a leaf of their own; and no container whose device rules
# cannot be enforced.
. "$(dirname "$0")/../lib.sh"

R=$TMP/rootfs
t_rootfs "$R"
before=$(t_leftovers)
d() { "$DORY" "$@"; }
LOOP='while :; do sleep 0.1; done'
pid_of() { d inspect -f '{{.State.Pid}}' "$1"; }
ppid_of() { awk '/^PPid:/ { print $2 }' "/proc/$1/status"; }
# cg_of PID [CTRL]: PID's cgroup in the v1 hierarchy of CTRL, else in v2.
cg_of()
{
	awk -F: -v c="${2:-}" '(c == "" && $1 == "0") ||
		(c != "" && index("," $2 ",", "," c ",")) { print $3 }' "/proc/$1/cgroup"
}
# placed NAME PARENT: the container's cgroup is PARENT/ID, and its
# supervisor's PARENT/supervisor, in v2 and in v1's pids hierarchy.
placed()
{
	local id pid sup c want
	id=$(d inspect -f '{{.Id}}' "$1") && pid=$(pid_of "$1") && sup=$(ppid_of "$pid") || return 1
	for c in "" pids; do
		[ -n "$(t_cg_mount "$c")" ] || continue
		want="$2/$id"
		[ "$(cg_of "$pid" "$c")" = "$want" ] || { echo "ctr in $(cg_of "$pid" "$c")" >&2; return 1; }
		want="$2/supervisor"
		[ "$(cg_of "$sup" "$c")" = "$want" ] || { echo "sup in $(cg_of "$sup" "$c")" >&2; return 1; }
	done
}
# in_cg REL CMD...: CMD run from the cgroup REL of every hierarchy (made),
# with a process of the group's own beside it, as under an init system.
in_cg()
{
	local rel=$1 h
	shift
	(
		for h in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
			[ -e "$h/cgroup.procs" ] || continue
			mkdir -p "$h/$rel" || exit 99
			if [ -e "$h/$rel/cpuset.cpus" ]; then	# v1 cpuset starts empty
				cat "$h/cpuset.cpus" >"$h/$rel/cpuset.cpus"
				cat "$h/cpuset.mems" >"$h/$rel/cpuset.mems"
			fi
			echo "$BASHPID" >"$h/$rel/cgroup.procs" || exit 99
		done
		sleep 1000 </dev/null >/dev/null 2>&1 &
		sib=$!
		"$@"
		rc=$?
		kill "$sib"
		exit $rc
	)
}

# The config's cgroup-parent (tests/lib.sh: /$T), for containers and
# their supervisors alike.
d run -d --rootfs "$R" --name "$T-a" sh -c "$LOOP" >/dev/null
t_ok "a container below cgroup-parent, its supervisor in the leaf" placed "$T-a" "/$T"
d rm -f "$T-a" >/dev/null

# --cgroup-parent: kept with the container, shown by inspect.
d run -d --rootfs "$R" --name "$T-b" --cgroup-parent "$T-flag/sub/" sh -c "$LOOP" >/dev/null
t_ok "--cgroup-parent, made as needed" placed "$T-b" "/$T-flag/sub"
t_out "... and inspect shows it" "$T-flag/sub/" d inspect -f '{{.HostConfig.CgroupParent}}' "$T-b"
d rm -f "$T-b" >/dev/null
t_fail 125 'cgroup parent "../x": "." and ".." are not allowed' "a parent with .. is refused" \
	d run --rootfs "$R" --cgroup-parent ../x true
t_out "... and nothing was made" "" ls "$DORY_ROOT/containers"

# Without a parent configured: /dory, as Docker's /docker.
echo '{"default-network": "none"}' >"$TMP/none.json"	# no cgroup-parent
DORY_CONFIG=$TMP/none.json d run -d --rootfs "$R" --name "$T-c" sh -c "$LOOP" >/dev/null
t_ok "the default parent is /dory" placed "$T-c" /dory
d rm -f "$T-c" >/dev/null
# /dory is shared: removed only if unused, once the supervisor has left.
rm_default()
{
	local h
	for h in /sys/fs/cgroup/*/dory /sys/fs/cgroup/dory; do
		[ -d "$h" ] && rmdir "$h/supervisor" "$h" 2>/dev/null
	done
	! ls -d /sys/fs/cgroup/*/dory /sys/fs/cgroup/dory >/dev/null 2>&1
}
t_poll 5 rm_default || true

# From a cgroup with processes of its own (a service of an init system):
# limits work, the caller's group is left alone, and the next run too.
limits() { d run --rm --rootfs "$R" --pids-limit 9 --cpus 0.5 -m 64m --cpu-shares 512 \
	sh -c 'cat /proc/self/cgroup >/dev/null; echo ok'; }
t_out "limits from a cgroup with processes" ok in_cg "$T-svc" limits
t_out "... and a run without limits after it" ok in_cg "$T-svc" d run --rm --rootfs "$R" echo ok
t_out "... which kept no controller for itself" "" \
	cat "$(t_cg_mount "")/$T-svc/cgroup.subtree_control"

# A service whose cgroup an init system delegated (systemd's Delegate=yes
# sets the xattr trusted.delegate): containers go below it, and its own
# processes into the supervisors' leaf, so that v2 can hand controllers down.
V2=$(t_cg_mount "")
deleg()
{
	python3 -c 'import os, sys; os.setxattr(sys.argv[1], "trusted.delegate", b"1")' \
		"$V2/$T-unit" || return 99
	DORY_CONFIG=$TMP/none.json d run -d --rootfs "$R" --name "$T-u" --pids-limit 9 \
		sh -c "$LOOP" >/dev/null &&
	placed "$T-u" "/$T-unit" &&
	[ "$(cg_of "$BASHPID" "")" = "/$T-unit/supervisor" ] && [ -z "$(cat "$V2/$T-unit/cgroup.procs")" ]
}
if [ -n "$V2" ] && command -v python3 >/dev/null; then
	t_ok "a delegated service's cgroup is the parent; its processes move to the leaf" \
		in_cg "$T-unit" deleg
	d rm -f "$T-u" >/dev/null
else
	t_skip "a delegated service's cgroup is the parent" "no cgroup v2 hierarchy or no python3"
fi

# No cgroup hierarchy at all (busybox init mounts none; `ip netns exec`
# hides them): no device rules could be applied, so no container, but a
# --privileged one, which allows every device anyway.
hidden() { unshare -m sh -c 'umount -l /sys/fs/cgroup && exec "$@"' sh "$@"; }
t_fail 125 "no cgroup hierarchy is mounted: the container's device rules cannot be enforced" \
	"no cgroups mounted: refused" hidden "$DORY" run --rm --rootfs "$R" true
t_out "... --privileged runs" ok hidden "$DORY" run --rm --rootfs "$R" --privileged echo ok
t_out "... and nothing was left" "" ls "$DORY_ROOT/containers"
# cgroup2 mounted alone: the device rules are a BPF program.
maj=$(awk '/^Character/ { c = 1; next } /^Block/ { c = 0 } c { u[$1] = 1 }
	END { for (m = 60; m < 64; m++) if (!u[m]) { print m; exit } }' /proc/devices)
v2only() { unshare -m sh -c 'umount -l /sys/fs/cgroup; mount -t cgroup2 none /sys/fs/cgroup &&
	exec "$@"' sh "$@"; }
t_fail 1 "Operation not permitted" "cgroup2 alone: a node outside the rules cannot be opened" \
	v2only "$DORY" run --rm --rootfs "$R" sh -c "mknod /home/x c $maj 0 && head -c 1 /home/x"
t_match "... which only the rules refuse (--privileged: no such device)" "No such device" \
	v2only "$DORY" run --rm --rootfs "$R" --privileged \
	sh -c "mknod /home/y c $maj 0; head -c 1 /home/y 2>&1; true"

t_out "no cgroup or mount left behind" "$before" t_leftovers
