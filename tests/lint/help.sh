# SPDX-License-Identifier: Apache-2.0
# help.sh - every applet's --help exits 0, starts "Usage:" and fits 80
# columns; so does dory --help.
CASE=help
: "${DORY:?}"
for a in $("$DORY" --list); do
	out=$("$DORY" "$a" --help); rc=$?
	wide=$(printf '%s\n' "$out" | awk 'length > 80' | head -n 1)
	if [ $rc = 0 ] && [ "${out#Usage: }" != "$out" ] && [ -z "$wide" ]; then
		echo "ok - $CASE: dory $a --help"
	else
		echo "not ok - $CASE: dory $a --help (exit $rc, wide line: $wide)"
	fi
done
out=$("$DORY" --help); rc=$?
[ $rc = 0 ] && [ "${out#Usage: }" != "$out" ] && [ -z "$(printf '%s\n' "$out" | awk 'length > 80')" ]
[ $? = 0 ] && echo "ok - $CASE: dory --help" || echo "not ok - $CASE: dory --help"
