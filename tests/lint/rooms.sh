# SPDX-License-Identifier: Apache-2.0
# rooms.sh - the include rules of STYLE.md section 1: applets include core
# headers only; core never includes an applet or a higher level; each
# third-party header is included by its one wrapper file; libc-compat
# includes libc and kernel headers only.
CASE=rooms
cd "$(dirname "$0")/../.."
bad=""

# The level of each core module (STYLE.md section 1); unknown modules fail.
level()
{
	case ${1%%_*} in
	base|err|log|xalloc|str|opt|fsutil|json|gz|lock|sha256|b64|conf|ref|platform|tpl) echo 0 ;;
	ns|mnt|cgroup|cgroup1|cgroup2|caps|seccomp|nl|pty|proc|passwd|ctrlog) echo 1 ;;
	store|layer|overlay|bindcopy|image|ctrfs|http|tls|registry|runtime|rootfs|net|nft|state|\
	supervisor|build|ctr|rt|userns) echo 2 ;;
	tar) echo 0 ;; archive) echo 2 ;;
	*) echo unknown ;;
	esac
}

for f in applets/*.c; do
	grep -Hn '#include "' "$f" | grep -v -e '"core/[a-z0-9_]*\.h"' -e '"applets\.h"' \
		-e '"help\.h"' -e '"config\.h"' -e '"version\.h"' -e '"buildinfo\.h"' && bad="$bad $f"
done
for f in core/*.[ch]; do
	m=$(basename "${f%.*}"); lm=$(level "$m")
	[ "$lm" = unknown ] && { echo "$f: module $m has no level in tests/lint/rooms.sh"; bad="$bad $f"; }
	for inc in $(sed -n 's|^#include "\([^"]*\)".*|\1|p' "$f"); do
		case $inc in
		config.h|version.h|libc-compat/compat.h) continue ;;
		core/*.h) li=$(level "$(basename "${inc%.h}")")
			if [ "$li" = unknown ] || [ "$li" -gt "$lm" ]; then
				echo "$f: includes $inc of a higher level"; bad="$bad $f"; fi ;;
		*) echo "$f: includes $inc"; bad="$bad $f" ;;
		esac
	done
done
for pair in bearssl.h:core/tls.c cJSON.h:core/json.c seccomp.h:core/seccomp.c zlib.h:core/gz.c; do
	h=${pair%%:*} owner=${pair#*:}
	for f in $(grep -l "#include <\([a-z]*/\)\{0,1\}$h>" applets/*.c core/*.[ch] \
			libc-compat/*.[ch] 2>/dev/null); do
		[ "$f" = "$owner" ] || { echo "$f: includes $h (only $owner may)"; bad="$bad $f"; }
	done
done
for f in libc-compat/*.[ch]; do
	grep -Hn '#include "' "$f" | grep -v '"libc-compat/compat\.h"' && bad="$bad $f"
done
if [ -z "$bad" ]; then echo "ok - $CASE: include rules hold"
else echo "not ok - $CASE: include rules broken in:$bad"; fi
