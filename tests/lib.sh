# SPDX-License-Identifier: Apache-2.0
# lib.sh - sourced by tests/cases/*.sh. Each case is one line; each prints
# "ok - NAME", "not ok - NAME" or "ok - NAME # SKIP why". Everything a case
# makes carries the prefix $T and is removed by t_cleanup, even on failure.
set -u

: "${DORY:?DORY must name the dory binary}"
T=dt$$
TMP=$(mktemp -d "/tmp/$T.XXXXXX")
export DORY_STATE=$TMP/state	# not the host's /run/dory
export DORY_ROOT=$TMP/root	# nor its /var/lib/dory (containers are kept)
# The containers' cgroups go below /$T in each hierarchy, not /dory; and
# they get no network but lo unless a case asks ($T_NET: "bridge" in a
# case that runs dory in a network namespace of its own): dory must make
# no bridge, rule or sysctl change in this machine's own namespace.
# t_config FIELDS: the config file with more fields ('"a": 1, "b": 2').
t_config()
{
	printf '{"cgroup-parent": "/%s", "default-network": "%s"%s}\n' "$T" "${T_NET:-none}" \
		"${1:+, $1}" >"$DORY_CONFIG"
}
export DORY_CONFIG=$TMP/config.json
t_config
CASE=$(basename "${0%.sh}")
T_PIDS=""
T_MOUNTS=""
OUT=$TMP/out
ERR=$TMP/err

t_cleanup()
{
	local p m c
	for p in $T_PIDS; do kill -KILL "$p" 2>/dev/null; done
	# Detached containers of this run: their supervisors, cgroups, files.
	for c in "$DORY_ROOT"/containers/*/config.json; do
		[ -e "$c" ] || continue
		c=${c%/config.json}
		"$DORY" rm -f "${c##*/}" >/dev/null 2>&1
	done
	for m in $T_MOUNTS; do umount -l "$m" 2>/dev/null; done
	# The parent and the supervisors' leaf (empty once they have exited).
	t_poll 5 t_cg_parent_rm
	rm -rf "$TMP"
}
# Interrupted (a time-out, a mutant already killed): stop here, then clean
# up; a trap that only cleaned up would let the case run on without its files.
trap t_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

t_report() # STATUS NAME [DETAIL]
{
	if [ "$1" = 0 ]; then
		echo "ok - $CASE: $2"
	else
		echo "not ok - $CASE: $2"
		[ -z "${3:-}" ] || printf '%s\n' "$3" | sed 's/^/#   /' | head -n 20
	fi
}

# Run a command, capturing stdout/stderr; sets RC.
t_run() { "$@" >"$OUT" 2>"$ERR" </dev/null; RC=$?; }

t_ok() # NAME CMD... : exits 0
{
	local name=$1; shift
	t_run "$@"
	t_report $((RC != 0)) "$name" "exit $RC; stderr: $(cat "$ERR")"
}

t_out() # NAME EXPECTED CMD... : exits 0 and stdout is EXPECTED
{
	local name=$1 want=$2; shift 2
	t_run "$@"
	local got; got=$(cat "$OUT")
	[ "$RC" = 0 ] && [ "$got" = "$want" ]
	t_report $? "$name" "exit $RC; want [$want] got [$got]; stderr: $(cat "$ERR")"
}

t_match() # NAME ERE CMD... : exits 0 and stdout matches ERE
{
	local name=$1 re=$2; shift 2
	t_run "$@"
	[ "$RC" = 0 ] && grep -Eq -- "$re" "$OUT"
	t_report $? "$name" "exit $RC; want /$re/ got [$(cat "$OUT")]; stderr: $(cat "$ERR")"
}

t_fail() # CODE MSG NAME CMD... : exits CODE, one stderr line containing MSG
{
	local code=$1 msg=$2 name=$3; shift 3
	t_run "$@"
	if [ -z "$msg" ]; then
		[ "$RC" = "$code" ] && [ ! -s "$ERR" ]
	else
		[ "$RC" = "$code" ] && grep -Fq -- "$msg" "$ERR" && [ "$(wc -l <"$ERR")" -le 1 ]
	fi
	t_report $? "$name" "exit $RC (want $code); stderr: $(cat "$ERR")"
}

t_skip() { echo "ok - $CASE: $1 # SKIP $2"; }

t_check() # NAME CONDITION-CMD... : the command (a test) succeeds
{
	local name=$1; shift
	"$@"
	t_report $? "$name"
}

# A busybox root filesystem (Debian's busybox-static) with a user "app".
t_rootfs() # DIR
{
	local r=$1 a
	mkdir -p "$r/bin" "$r/etc" "$r/tmp" "$r/home/app"
	cp /bin/busybox "$r/bin/busybox"
	# One process for all the applet links (they point at /bin/busybox).
	chroot "$r" /bin/busybox --install -s /bin
	printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n' \
		>"$r/etc/passwd"
	printf 'root:x:0:\napp:x:1000:\nstaff:x:50:app\n' >"$r/etc/group"
	chown 1000:1000 "$r/home/app"
	rm -f "$r/bin/printenv"  # busybox has none; the cases use it
	printf '#!/bin/sh\n[ $# = 0 ] && exec env\nfor v; do eval "[ -n \\"\\${$v+x}\\" ] && echo \\"\\$$v\\""; done\n' \
		>"$r/bin/printenv"
	chmod 755 "$r/bin/printenv"
}

# The store under $ROOT as a listing: what must not change when a command
# fails (staging, locks and partial downloads aside).
store_list() { (cd "$ROOT" 2>/dev/null && find . ! -path './tmp/*' ! -name lock \
	! -name records.lock ! -path './blobs/partial*' | sort); }

t_store_unchanged() # NAME CMD...: fails with one stderr line, store as it was
{
	local name=$1 before; shift
	before=$(store_list)
	t_run "$@"
	[ "$RC" != 0 ] && [ "$(store_list)" = "$before" ] && [ "$(wc -l <"$ERR")" -le 1 ]
	t_report $? "$name" "exit $RC; stderr: $(cat "$ERR")"
}

t_refused() # NAME MSG CMD...: exit 125, one stderr line with MSG, the store as it was
{
	local name=$1 msg=$2 before; shift 2
	before=$(store_list)
	t_run "$@"
	[ "$RC" = 125 ] && [ "$(store_list)" = "$before" ] && [ "$(wc -l <"$ERR")" -le 1 ] &&
		grep -Fq -- "$msg" "$ERR"
	t_report $? "$name" "exit $RC; stderr: $(cat "$ERR")"
}

# ---- cgroups, as the kernel has them, seen from the host ----

# t_cg_mount CONTROLLERS: where the hierarchy of CONTROLLERS is mounted (as
# /proc/PID/cgroup names it: "memory", "cpu,cpuacct"; empty for v2).
t_cg_mount()
{
	awk -v c="$1" '{
		for (i = 7; $i != "-"; i++)
			;
		fs = $(i + 1); opts = "," $(i + 3) ","
		if (fs == "cgroup2" && c == "") { print $5; exit }
		if (fs != "cgroup" || c == "") next
		n = split(c, w, ",")
		for (k = 1; k <= n && index(opts, "," w[k] ","); k++)
			;
		if (k > n) { print $5; exit }
	}' /proc/self/mountinfo
}

# t_cgroups PID: the directories of PID's cgroups that dory made (/$T/ID),
# one per hierarchy.
t_cgroups()
{
	local n ctrl path
	while IFS=: read -r n ctrl path; do
		case $path in /"$T"/*) echo "$(t_cg_mount "$ctrl")$path" ;; esac
	done <"/proc/$1/cgroup"
}

# t_cg_dirs [NAME]: this run's cgroup directories (below /$T) in every
# hierarchy, but the supervisors' leaf; those named NAME only.
t_cg_dirs()
{
	find /sys/fs/cgroup -mindepth 2 -maxdepth 3 -type d -path "*/$T/*" \
		! -name supervisor ${1:+-name "$1"} 2>/dev/null
}

# Remove /$T and /$T-* (with what is below, the supervisors' leaf too)
# from every hierarchy: 1 while one is still there.
t_cg_parent_rm()
{
	local d left=0
	for d in /sys/fs/cgroup/"$T" /sys/fs/cgroup/"$T"-* /sys/fs/cgroup/*/"$T" \
		 /sys/fs/cgroup/*/"$T"-*; do
		[ -d "$d" ] || continue
		find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
		[ ! -d "$d" ] || left=1
	done
	return $left
}

# t_cg_value PID CONTROLLER V1FILES V2FILES: what PID's cgroup holds for
# CONTROLLER: its V1FILES where it is a v1 controller, else its V2FILES where
# the v2 group has it (several files: their values joined by a space);
# "v1 VALUE" or "v2 VALUE", nothing if neither.
t_cg_value()
{
	local n ctrl path v1="" v2="" f v=""
	while IFS=: read -r n ctrl path; do
		if [ -n "$ctrl" ] && case ,$ctrl, in *,"$2",*) true ;; *) false ;; esac; then
			v1=$(t_cg_mount "$ctrl")$path
		elif [ -z "$ctrl" ] &&
		     grep -qw -- "$2" "$(t_cg_mount "")$path/cgroup.controllers" 2>/dev/null; then
			v2=$(t_cg_mount "")$path
		fi
	done <"/proc/$1/cgroup"
	if [ -n "$v1" ]; then
		set -- v1 "$v1" $3
	elif [ -n "$v2" ]; then
		set -- v2 "$v2" $4
	else
		return 1
	fi
	local ver=$1 dir=$2
	shift 2
	for f in "$@"; do v="$v${v:+ }$(cat "$dir/$f")"; done
	echo "$ver $v"
}

# t_cglimit NAME PID CONTROLLER V1FILES V1WANT V2FILES V2WANT: PID's cgroup
# holds WANT for CONTROLLER, in whichever version this machine has it.
t_cglimit()
{
	local got
	got=$(t_cg_value "$2" "$3" "$4" "$6")
	case $got in
	"v1 $5"|"v2 $7") t_report 0 "$1" ;;
	*) t_report 1 "$1" "want [v1 $5] or [v2 $7], got [$got]" ;;
	esac
}

# What a run may leave behind: dory cgroups and mounts under our prefix.
t_leftovers()
{
	{ t_cg_dirs
	  grep -F "$TMP" /proc/self/mountinfo; } | sort
}

# t_apt_conf NAME SOURCES-LINE: an apt of its own under $TMP (lists, cache,
# that one source, no retries), so that nothing of the host's apt is used
# or changed; prints the path of its apt.conf, for APT_CONFIG.
t_apt_conf()
{
	local d=$TMP/apt-$1
	mkdir -p "$d/lists/partial" "$d/cache/archives/partial" "$d/parts"
	echo "$2" >"$d/sources.list"
	cat >"$d/apt.conf" <<-EOF
	Dir::Etc::sourcelist "$d/sources.list";
	Dir::Etc::sourceparts "$d/parts/";
	Dir::State::lists "$d/lists/";
	Dir::Cache "$d/cache/";
	Dir::Cache::pkgcache "";
	Dir::Cache::srcpkgcache "";
	Acquire::Retries "0";
	Acquire::http::Timeout "3";
	EOF
	echo "$d/apt.conf"
}

# t_poll SECONDS CMD...: runs CMD every 0.1 s until it succeeds (status 0)
# or SECONDS (whole or tenths: 2, 0.5) have passed (status 1, after a last
# try). CMD's stdout is passed on, so cpid=$(t_poll 5 t_child "$dpid" sleep)
# waits for a value. Every wait of the cases goes through it.
t_poll()
{
	local s=$1 f w tenths i
	shift
	case $s in *.*) ;; *) s=$s.0 ;; esac
	f=${s#*.}
	w=${s%.*}
	w=${w#"${w%%[!0]*}"}	# no leading zeros (not octal): bash and busybox ash alike
	tenths=$((${w:-0} * 10 + ${f:0:1}))
	i=0
	while :; do
		"$@" && return 0
		[ "$i" -lt "$tenths" ] || return 1
		sleep 0.1
		i=$((i + 1))
	done
}

t_gone() { ! kill -0 "$1" 2>/dev/null; }	# PID: no such process (any more)

t_wait() # PID [SECONDS]: waits for a background job; RC is its status. One
{        # that outlives SECONDS (default 10) is killed, so a case cannot hang.
	t_poll "${2:-10}" t_gone "$1"
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null; RC=$?
	return 0
}

t_wait_file() { t_poll 5 test -e "$1"; }	# FILE: appears within 5 s

# t_child PID [COMM]: prints the PID of PID's first child (whose command is
# COMM, when given); fails when there is none yet. PID is dory's, the
# child the container's init.
t_child()
{
	local c
	for c in $(cat "/proc/$1/task/$1/children" 2>/dev/null); do
		[ -z "${2:-}" ] || [ "$(cat "/proc/$c/comm" 2>/dev/null)" = "$2" ] || continue
		echo "$c"
		return 0
	done
	return 1
}
