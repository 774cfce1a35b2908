# SPDX-License-Identifier: Apache-2.0
# rooms.sh - the include rules of the README: core/ is in rooms, one folder
# each, and a file includes headers of its own room or of the rooms its
# room stands on (ROOMS below), never above; no module calls back into one
# that calls it (read from the objects' symbols, so a call through a local
# declaration counts too); applets include core headers only, and none of
# core/kernel/ (the wrappers are for the rooms above); each
# third-party header is included by its one wrapper; libc-compat includes
# libc and kernel headers only.
CASE=rooms
cd "$(dirname "$0")/../.."
O=${LINT_OBJ:-build/$(uname -m)/obj}
bad=""

# Each room and the rooms it may include, bottom up.
ROOMS="
util:
kernel:util
store:util
image:util,store
registry:util,store,image
fs:util,kernel,store,image
net:util,kernel
runtime:util,kernel,fs
ctr:util,kernel,store,image,net,fs,runtime
"
may() # ROOM OTHER: may a file of ROOM include one of OTHER?
{
	local line
	[ "$1" = "$2" ] && return 0
	line=$(printf '%s\n' $ROOMS | grep "^$1:") || return 1
	case ",${line#*:}," in *",$2,"*) return 0 ;; esac
	return 1
}

for d in core/*/; do
	r=$(basename "$d")
	printf '%s\n' $ROOMS | grep -q "^$r:" ||
		{ echo "$d: a room with no line in ROOMS (tests/lint/rooms.sh)"; bad="$bad $d"; }
done
for f in core/*.[ch]; do
	[ -e "$f" ] && { echo "$f: core files live in a room (core/ROOM/)"; bad="$bad $f"; }
done

for f in applets/*.c; do
	grep -Hn '#include "' "$f" | grep -v -e '"core/[a-z]*/[a-z0-9_]*\.h"' -e '"applets\.h"' \
		-e '"help\.h"' -e '"config\.h"' -e '"version\.h"' -e '"buildinfo\.h"' && bad="$bad $f"
	# Applets drive the rooms' faces (ctr, image, registry, runtime...),
	# never a kernel wrapper: what a flag means is checked in core (e.g.
	# core/ctr/ctr_build.c for run's). None needs one today; one that
	# must would be listed here with the reason.
	if grep -Hn '#include "core/kernel/' "$f"; then
		echo "$f: includes a kernel wrapper (drive a room's face instead)"; bad="$bad $f"
	fi
done
for f in core/*/*.[ch]; do
	r=$(basename "$(dirname "$f")")
	for inc in $(sed -n 's|^#include "\([^"]*\)".*|\1|p' "$f"); do
		case $inc in
		config.h|version.h|libc-compat/compat.h) continue ;;
		core/*/*.h) i=${inc#core/}; i=${i%%/*}
			if [ ! -f "$inc" ]; then echo "$f: includes $inc, which does not exist"; bad="$bad $f"
			elif ! may "$r" "$i"; then
				echo "$f: room $r includes $inc of room $i, which it does not stand on"
				bad="$bad $f"
			fi ;;
		*) echo "$f: includes $inc"; bad="$bad $f" ;;
		esac
	done
done
for pair in bearssl.h:core/registry/tls.c cJSON.h:core/util/json.c \
		seccomp.h:core/kernel/seccomp.c zlib.h:core/util/gz.c; do
	h=${pair%%:*} owner=${pair#*:}
	[ -f "$owner" ] || { echo "$owner: the owner of $h is missing"; bad="$bad $owner"; }
	# (<linux/seccomp.h> is the kernel's, not libseccomp's.)
	for f in $(grep -H "#include <\([a-z]*/\)\{0,1\}$h>" applets/*.c core/*/*.[ch] \
			libc-compat/*.[ch] 2>/dev/null | grep -v "#include <linux/" | cut -d: -f1 |
			sort -u); do
		[ "$f" = "$owner" ] || { echo "$f: includes $h (only $owner may)"; bad="$bad $f"; }
	done
done
for f in libc-compat/*.[ch]; do
	grep -Hn '#include "' "$f" | grep -v '"libc-compat/compat\.h"' && bad="$bad $f"
done
if [ -z "$bad" ]; then echo "ok - $CASE: include rules hold"
else echo "not ok - $CASE: include rules broken in:$bad"; fi

# Calls, from the symbols each core object defines and uses: a module
# (one .c file) calls only into its own room or the rooms below, and
# no two modules call each other, directly or round a longer circle.
objs=$(ls "$O"/core/*/*.o 2>/dev/null)
if [ -z "$objs" ]; then
	echo "ok - $CASE: calls go down, with no circles # SKIP no objects in $O/core (make first)"
	exit 0
fi
edges=$(for o in $objs; do
	m=${o#"$O"/core/}; m=${m%.o}
	nm "$o" | awk -v m="$m" '$2 ~ /^[TDBRCV]$/ { print "D", $3, m } $1 == "U" { print "U", $2, m }'
done | awk '$1 == "D" { def[$2] = $3; next } { use[n++] = $2 " " $3 }
	END { for (i = 0; i < n; i++) { split(use[i], a, " ")
		if ((a[1] in def) && def[a[1]] != a[2]) print a[2], def[a[1]] } }' | sort -u)
calls_bad=""
while read -r from to; do
	[ -n "$from" ] || continue
	if ! may "${from%%/*}" "${to%%/*}"; then
		echo "# $from calls $to, in a room above its own"
		calls_bad="$calls_bad $from"
	fi
done <<<"$edges"
loop=$(tsort <<<"$edges" 2>&1 >/dev/null | sed -n 's/^tsort: \([a-z_0-9]*\/[a-z_0-9]*\)$/\1/p' | tr '\n' ' ')
[ -z "$loop" ] || { echo "# modules that call each other: $loop"; calls_bad="$calls_bad $loop"; }
if [ -z "$calls_bad" ]; then echo "ok - $CASE: calls go down, with no circles"
else echo "not ok - $CASE: calls that go up or round:$calls_bad"; fi
