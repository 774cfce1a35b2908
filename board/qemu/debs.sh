#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# debs.sh - the Debian binary packages a qemu board boots (its kernel, its
# busybox), pinned in board/NAME/debs.lock by package, version and sha256 and
# kept in the download directory, so that once fetched a boot needs no
# package archive (as configs/deps.lock does for the sources).
#   debs.sh fetch BOARD_DIR [ROLE...]   each locked .deb into $DL, checked;
#                                       prints "ROLE FILE" per package
#   debs.sh update BOARD_DIR            lock the newest version of each
# A locked version the archive no longer has: the newest one FOLLOW names,
# checked by apt against the archive's signed index, said loudly.
# Environment: DL (default: DORY_DL_DIR, else build/dl of the tree); its
# logs and the private apt indexes (another architecture, DEB_SUITE) are
# kept in build/board.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
DL=${DL:-${DORY_DL_DIR:-$SRC/build/dl}}
mkdir -p "$DL" "$SRC/build/board"
DL=$(cd "$DL" && pwd)
say() { echo "dory: $*" >&2; }
loud()
{
	say "*****************************************************************"
	say "WARNING: $1"
	shift
	for l in "$@"; do say "  $l"; done
	say "*****************************************************************"
}
sha_of() { sha256sum <"$1" | cut -d' ' -f1; }
deb_name() { echo "${1}_${2#*:}_$DEB_ARCH.deb"; }	# PACKAGE VERSION

BOARD=${2:?usage: debs.sh fetch|update BOARD_DIR [ROLE...]}
LOCK=$BOARD/debs.lock
# shellcheck source=/dev/null
. "$BOARD/board.conf"
: "${DEB_ARCH:?$BOARD/board.conf sets no DEB_ARCH}"
KEY=$DEB_ARCH${DEB_SUITE:+-$DEB_SUITE}
LOG=$SRC/build/board/debs-$KEY.log	# (the download directory holds downloads only)

# apt for DEB_ARCH: the machine's own apt; for another architecture, or
# with a Debian suite besides the machine's (DEB_SUITE of board.conf), with
# the machine's sources but indexes of its own (build/board/apt-KEY), so
# the machine's apt is left as it was.
APT_OPTS=()
if [ "$DEB_ARCH" != "$(dpkg --print-architecture)" ] || [ -n "${DEB_SUITE:-}" ]; then
	A=$SRC/build/board/apt-$KEY
	mkdir -p "$A/lists/partial" "$A/cache/archives/partial"
	touch "$A/status"
	APT_OPTS=(-o "APT::Architecture=$DEB_ARCH" -o "APT::Architectures::=$DEB_ARCH"
		-o "Dir::State::lists=$A/lists/" -o "Dir::Cache=$A/cache/" -o "Dir::State::status=$A/status"
		-o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache=")
fi
# DEB_SUITE: the machine's own source files, and the same archives (the
# URIs the machine's apt uses for its own Debian release) with that suite,
# in a sources.list.d of the board's private apt.
if [ -n "${DEB_SUITE:-}" ]; then
	mine=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	mkdir -p "$A/sources.list.d"
	rm -f "$A/sources.list.d"/*
	for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && ln -s "$f" "$A/sources.list.d/"
	done
	uris=$(apt-get indextargets --no-release-info --format '$(REPO_URI) $(COMPONENT)' \
		"Release: $mine" "Target-Of: deb" 2>/dev/null | sort -u)
	[ -n "$mine" ] && [ -n "$uris" ] || {
		say "$BOARD/board.conf wants Debian $DEB_SUITE, but this machine's apt has no Debian source (for ${mine:-its release}) to take the archive's address from; add one to /etc/apt/sources.list.d"
		exit 1; }
	[ "$DEB_SUITE" = "$mine" ] || while read -r uri comp; do
		printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: %s\n\n' "$uri" "$DEB_SUITE" "$comp"
	done <<<"$uris" >"$A/sources.list.d/board-$DEB_SUITE.sources"
	APT_OPTS+=(-o "Dir::Etc::sourceparts=$A/sources.list.d")
fi
PKG_SUFFIX=

# WHY: why the last apt command failed, from its log: "unreachable: ..."
# when the archive cannot be reached, "gone: ..." when it lacks the package.
WHY=
why()
{
	local l
	l=$(grep -Eim1 'could not (connect|resolve)|temporary failure|connection (refused|timed out)|unable to connect|network is unreachable|no route' "$LOG" |
		sed -E 's/^[[:space:]]+//; s/^(E|W): //') || true
	if [ -n "$l" ]; then WHY="unreachable: $l"; return; fi
	l=$(grep -Eim1 '404|not found|unable to locate|can.t find|no longer|failed to fetch' "$LOG" |
		sed -E 's/^[[:space:]]+//; s/^(E|W): //') || true
	WHY="gone: ${l:-see $LOG}"
}

FRESH=
apt_update()
{
	[ -z "$FRESH" ] || return 0
	FRESH=1
	echo "  APT update" >&2
	env DEBIAN_FRONTEND=noninteractive apt-get "${APT_OPTS[@]}" update -q >"$LOG" 2>&1 || true
	if grep -Eq '^(E|W): (Failed to fetch|Some index files)' "$LOG"; then
		why; WHY="unreachable: ${WHY#*: }"; return 1
	fi
}

# download PACKAGE VERSION: its .deb into $DL (whole, or not at all); apt
# checks it against the archive's signed index. Sets WHY on failure.
download()
{
	local tmp rc=0 f
	tmp=$(mktemp -d "$DL/.tmp.XXXXXX")
	(cd "$tmp" && apt-get "${APT_OPTS[@]}" download -q "$1$PKG_SUFFIX=$2") >"$LOG" 2>&1 || rc=$?
	f=$(find "$tmp" -name '*.deb' | head -n 1)
	if [ $rc = 0 ] && [ -n "$f" ]; then
		mv -f "$f" "$DL/$(deb_name "$1" "$2")"
		rm -rf "$tmp"
		return 0
	fi
	rm -rf "$tmp"
	why
	return 1
}

# newest FOLLOW PACKAGE: "PACKAGE VERSION" of the newest package FOLLOW
# stands for: PACKAGE itself when FOLLOW names it, else the first package
# the metapackage FOLLOW depends on (a kernel's name changes with its ABI).
newest()
{
	local p=$2 v
	if [ "$1" != "$2" ]; then
		p=$(apt-cache "${APT_OPTS[@]}" depends "$1$PKG_SUFFIX" 2>/dev/null |
			sed -n 's/^ *Depends: \([^ :<>]*\).*/\1/p' | head -n 1)
		[ -n "$p" ] || return 1
	fi
	v=$(apt-cache "${APT_OPTS[@]}" policy "$p$PKG_SUFFIX" 2>/dev/null | sed -n 's/^ *Candidate: //p')
	[ -n "$v" ] && [ "$v" != "(none)" ] || return 1
	echo "$p $v"
}

# fetch ROLE PACKAGE VERSION SHA FOLLOW: prints the file in $DL to use.
fetch_one()
{
	local role=$1 p=$2 v=$3 sha=$4 follow=$5 f fb np nv nf why_v
	f=$DL/$(deb_name "$p" "$v")
	if [ -f "$f" ]; then
		[ "$(sha_of "$f")" = "$sha" ] && { echo "$f"; return; }
		say "$f has sha256 $(sha_of "$f"), $LOCK says $sha: a wrong or altered file; delete it and run make fetch again"
		exit 1
	fi
	if download "$p" "$v" || { [ "${WHY%%:*}" = gone ] && apt_update && download "$p" "$v"; }; then
		[ "$(sha_of "$f")" = "$sha" ] && { echo "$f"; return; }
		say "$p $v from the archive has sha256 $(sha_of "$f"), $LOCK says $sha: not used (check the mirror, or the lock)"
		rm -f "$f"
		exit 1
	fi
	why_v=$WHY
	fb=$DL/$role-$DEB_ARCH.fallback
	if [ "${why_v%%:*}" = gone ] && read -r np nv < <(newest "$follow" "$p") && download "$np" "$nv"; then
		nf=$DL/$(deb_name "$np" "$nv")
		echo "$p $v $np $nv $(sha_of "$nf")" >"$fb"
		loud "$p $v ($LOCK) cannot be downloaded (${why_v#*: })." \
		     "Using $np $nv instead, the newest that $follow names;" \
		     "apt checked it against the archive's signed index, not the lock." \
		     "Run 'make boards-update' to lock versions that download."
		echo "$nf"
		return
	fi
	if [ -f "$fb" ] && read -r op ov np nv nsha <"$fb" && [ "$op $ov" = "$p $v" ] &&
	   nf=$DL/$(deb_name "$np" "$nv") && [ -f "$nf" ] && [ "$(sha_of "$nf")" = "$nsha" ]; then
		loud "$p $v ($LOCK) is not in $DL and cannot be downloaded (${why_v#*: })." \
		     "Using $np $nv, downloaded earlier in its place."
		echo "$nf"
		return
	fi
	if [ "${why_v%%:*}" = unreachable ]; then
		say "cannot fetch $p $v: the package archive cannot be reached (${why_v#*: }) and $DL has no copy; connect this machine, or fill a download directory with 'make fetch' where the archive can be reached and point DORY_DL_DIR at a copy of it"
	else
		say "cannot fetch $p $v (${why_v#*: }), nor a newer $follow; see $LOG"
	fi
	exit 1
}

locked() { grep -Ev '^[[:space:]]*(#|$)' "$LOCK"; }

case $1 in
fetch)
	shift 2
	while read -r role p v sha follow; do
		[ $# = 0 ] || [[ " $* " == *" $role "* ]] || continue
		f=$(fetch_one "$role" "$p" "$v" "$sha" "$follow") || exit 1
		echo "$role $f"
	done < <(locked)
	;;
update)
	apt_update || { say "cannot update $LOCK: ${WHY#*: }"; exit 1; }
	cp "$LOCK" "$LOCK.tmp"
	while read -r role p v sha follow; do
		read -r np nv < <(newest "$follow" "$p") || { say "apt lists no $follow for $DEB_ARCH"; exit 1; }
		nf=$DL/$(deb_name "$np" "$nv")
		[ -f "$nf" ] || download "$np" "$nv" || { say "$np $nv does not download: ${WHY#*: }"; exit 1; }
		nsha=$(sha_of "$nf")
		if [ "$np $nv $nsha" = "$p $v $sha" ]; then echo "  LOCK  $role $p $v (newest)"; continue; fi
		awk -v r="$role" -v l="$role $np $nv $nsha $follow" \
			'$1 == r { print l; next } { print }' "$LOCK.tmp" >"$LOCK.new"
		mv -f "$LOCK.new" "$LOCK.tmp"
		echo "  LOCK  $role $p $v -> $np $nv"
	done < <(locked)
	mv -f "$LOCK.tmp" "$LOCK"
	;;
*) say "debs.sh: unknown command $1"; exit 2 ;;
esac
