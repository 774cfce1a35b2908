#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# mutants.sh - do the security checks have tests that fail without them?
# Each mutant of tests/mutants.list deletes or neutralises one check; it
# is applied to a scratch copy of the tree (never this one), the tests it
# names are built and run there, and it is "killed" when one of them
# fails, or SURVIVED when all pass. A mutant whose code is not found
# exactly once is an error: the list cannot rot silently. First the named
# tests must pass on the unchanged copy (the baseline).
#
#   tests/mutants.sh [-l] [NAME...]   all mutants, or those named
#     -l   list the mutants and the tests that should kill them
# Environment: MUTANT_DIR (the scratch copy and its build, default
# build/mutants), ARCH (default this machine's), MUTANT_JOBS (make -j, 2).
# Exit status: 0 when every mutant was killed, 1 when one survived, 2 on
# an error (a mutant that does not apply or does not build, a baseline
# test that fails).
set -u
shopt -u patsub_replacement 2>/dev/null	# "&" in a replacement is itself
cd "$(dirname "$0")/.."
TREE=$PWD
LIST=tests/mutants.list
ARCH=${ARCH:-$(uname -m | sed -e 's/^arm64$/aarch64/' -e 's/^armv7l$/armv7/')}
S=${MUTANT_DIR:-$TREE/build/mutants}/tree
LOG=${MUTANT_DIR:-$TREE/build/mutants}/log
JOBS=${MUTANT_JOBS:-2}
UNIT_TIMEOUT=300 CASE_TIMEOUT=600

say() { printf '%s\n' "$*"; }
fail() { say "mutants: $*" >&2; exit 2; }

# ---- the list ----
# M_NAME[i], M_FILE[i], M_FIND[i], M_INTO[i], M_TESTS[i] ("unit BIN[:TEST]"
# and "case NAME" words, one per line), M_LINE[i] (where it starts).
M_NAME=() M_FILE=() M_FIND=() M_INTO=() M_TESTS=() M_LINE=()
parse_list()
{
	local n=0 line key val i=-1 has_find=() has_into=()
	while IFS= read -r line || [ -n "$line" ]; do
		n=$((n + 1))
		case $line in ''|'#'*) continue ;; esac
		key=${line%%[ 	]*}
		val=${line#"$key"}
		val=${val#[ 	]}	# one space or tab; the rest (indentation) is code
		case $key in
		mutant)
			i=$((i + 1))
			M_NAME[i]=$val M_FILE[i]="" M_FIND[i]="" M_INTO[i]="" M_TESTS[i]="" M_LINE[i]=$n
			has_find[i]="" has_into[i]="" ;;
		file|find|into|unit|case)
			[ "$i" -ge 0 ] || fail "$LIST:$n: \"$key\" before the first \"mutant\""
			case $key in
			file) M_FILE[i]=$val ;;
			find) M_FIND[i]=${has_find[i]:+${M_FIND[i]}$'\n'}$val; has_find[i]=1 ;;
			into) M_INTO[i]=${has_into[i]:+${M_INTO[i]}$'\n'}$val; has_into[i]=1 ;;
			unit|case) M_TESTS[i]+="$key $val"$'\n' ;;
			esac ;;
		*) fail "$LIST:$n: unknown keyword \"$key\"" ;;
		esac
	done <"$LIST"
	for ((i = 0; i < ${#M_NAME[@]}; i++)); do
		[ -n "${M_FILE[i]}" ] && [ -n "${M_FIND[i]}" ] && [ -n "${M_TESTS[i]}" ] ||
			fail "$LIST:${M_LINE[i]}: mutant ${M_NAME[i]} needs a file, a find and a test"
	done
}

# How many times $2 occurs in $1.
occurrences()
{
	local s=$1 n=0
	while [[ $s == *"$2"* ]]; do s=${s#*"$2"}; n=$((n + 1)); done
	echo "$n"
}

# slurp VAR FILE: the content of FILE in VAR, trailing newlines included.
slurp() { local c; c=$(cat "$2"; echo .); printf -v "$1" '%s' "${c%.}"; }

# ---- the scratch copy ----
# The tree's files as they are now (committed or not), copied only where
# they differ so that make rebuilds only what changed; files gone from the
# tree go from the copy. A copied file is newer than what was built from
# it, so that make rebuilds it. Its build/ links the dependency sysroots and
# sources of this tree's build/, as a worktree's does: nothing of them is
# rebuilt or changed.
sync_copy()
{
	local f d
	mkdir -p "$S/build/$ARCH" "$LOG"
	git ls-files -co --exclude-standard | sort -u >"$LOG/files"
	while IFS= read -r f; do
		[ -f "$f" ] && ! cmp -s "$f" "$S/$f" || continue
		mkdir -p "$S/$(dirname "$f")" && cp "$f" "$S/$f" || fail "cannot copy $f to $S"
	done <"$LOG/files"
	(cd "$S" && find . -path ./build -prune -o -type f ! -name '.config*' -printf '%P\n') |
		sort | comm -23 - "$LOG/files" | while IFS= read -r f; do rm -f "$S/$f"; done
	for f in .config .config.name; do
		[ -f "$f" ] && ! cmp -s "$f" "$S/$f" && cp "$f" "$S/$f"
	done
	for d in src dl "$ARCH/sysroot"; do
		[ -e "build/$d" ] || fail "build/$d is missing: run make here first"
		ln -sfn "$(readlink -f "build/$d")" "$S/build/$d"
	done
}

# make in the copy: the targets the tests of mutant i need. The build
# date and revision are this tree's (the copy is no git checkout).
build_for()
{
	local t targets=() out=$LOG/build.log
	while read -r t; do
		case $t in
		unit\ *) t=${t#unit }; targets+=("build/$ARCH/obj/unit/${t%%:*}") ;;
		case\ *) targets+=("build/$ARCH/dory") ;;
		esac
	done <<<"$1"
	nice make -C "$S" -j"$JOBS" --no-print-directory ARCH="$ARCH" GITREV=mutant \
		SOURCE_DATE_EPOCH="$EPOCH" $(printf '%s\n' "${targets[@]}" | sort -u) >"$out" 2>&1
}

# ---- running one test ----
# A test is "unit BIN[:TEST]" (tests/unit/BIN.c, only TEST when given) or
# "case NAME" (tests/cases/NAME.sh). It passes when it exits 0, says "ok"
# at least once and never "not ok"; its output goes to out_of TEST. A case
# stops at its first "not ok": that is enough to know.
out_of() { local w=${1#* }; echo "$LOG/${1%% *}-${w//[:\/]/-}.out"; }

run_unit()
{
	local bin=${1%%:*} only=() out
	out=$(out_of "unit $1")
	[ "$1" = "$bin" ] || only=("${1#*:}")
	# The subshell waits for it, so that a crash is said in out, not here.
	(cd "$S" && timeout -k 5 "$UNIT_TIMEOUT" "build/$ARCH/obj/unit/$bin" "${only[@]}"
	 echo "# exit status $?") >"$out" 2>&1
	grep -qx '# exit status 0' "$out" && ! grep -q '^not ok' "$out" && grep -q '^ok' "$out"
}

alive() { kill -0 "$1" 2>/dev/null; }

run_case()
{
	local out pid rc
	out=$(out_of "case $1")
	(cd "$S" && exec setsid env DORY="$S/build/$ARCH/dory" timeout -k 10 "$CASE_TIMEOUT" \
		bash "tests/cases/$1.sh") >"$out" 2>&1 </dev/null &
	pid=$!
	while alive "$pid"; do
		grep -q '^not ok' "$out" && { stop_case "$pid"; break; }
		sleep 0.2
	done
	wait "$pid"
	rc=$?
	[ $rc = 0 ] && ! grep -q '^not ok' "$out" && grep -q '^ok' "$out"
}

# pid is timeout(1)'s, in a session of its own: it passes SIGTERM on to
# its process group (the case, whose trap removes what it made, and what
# the case started); what still runs a minute later is killed.
stop_case()
{
	local i
	kill -TERM "$1" 2>/dev/null
	for ((i = 0; i < 600; i++)); do alive "$1" || return 0; sleep 0.1; done
	kill -KILL -- "-$1" 2>/dev/null
}

# Runs the tests of mutant i in turn until one fails; KILLER says which.
KILLER=""
run_tests()
{
	local t
	KILLER=""
	while read -r t; do
		[ -n "$t" ] || continue
		case $t in
		unit\ *) run_unit "${t#unit }" ;;
		case\ *) run_case "${t#case }" ;;
		esac || { KILLER=$t; return 1; }
	done <<<"$1"
	return 0
}

# The first "not ok" line of a test's output (or its last line), for the report.
first_failure()
{
	local f
	f=$(out_of "$1")
	grep -m1 '^not ok' "$f" 2>/dev/null || tail -n 1 "$f" 2>/dev/null
}

# ---- main ----
listonly=""
[ "${1:-}" = -l ] && { listonly=1; shift; }
parse_list
sel=()
for ((i = 0; i < ${#M_NAME[@]}; i++)); do
	if [ $# = 0 ] || printf '%s\n' "$@" | grep -qxF -- "${M_NAME[i]}"; then sel+=("$i"); fi
done
for want in "$@"; do
	printf '%s\n' "${M_NAME[@]}" | grep -qxF -- "$want" || fail "no mutant named $want in $LIST"
done
[ ${#sel[@]} -gt 0 ] || fail "no mutant in $LIST"
# Every mutant must apply to this tree, exactly once, before anything runs.
for i in "${sel[@]}"; do
	[ -f "${M_FILE[i]}" ] || fail "mutant ${M_NAME[i]} ($LIST:${M_LINE[i]}): no file ${M_FILE[i]}"
	slurp text "${M_FILE[i]}"
	n=$(occurrences "$text" "${M_FIND[i]}")
	[ "$n" = 1 ] || fail "mutant ${M_NAME[i]} ($LIST:${M_LINE[i]}): its code occurs $n times" \
		"in ${M_FILE[i]}, not once (update $LIST)"
done

if [ -n "$listonly" ]; then
	for i in "${sel[@]}"; do
		printf '%-28s %-32s %s\n' "${M_NAME[i]}" "${M_FILE[i]}" \
			"$(printf '%s' "${M_TESTS[i]}" | paste -sd, -)"
	done
	exit 0
fi

t0=$SECONDS
EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}
sync_copy
say "  COPY    $S"

# The baseline: every test named must pass without a mutant.
all=$(for i in "${sel[@]}"; do printf '%s' "${M_TESTS[i]}"; done | awk 'NF && !seen[$0]++')
build_for "$all" || { tail -n 20 "$LOG/build.log" >&2; fail "the unchanged copy does not build"; }
while read -r t; do
	ts=$SECONDS
	run_tests "$t" || fail "baseline: $t fails without any mutant: $(first_failure "$t")" \
		"(see $LOG)"
	say "  BASE    $t: passes ($((SECONDS - ts)) s)"
done <<<"$all"

# An interrupted run leaves the copy as it was (the next one would heal it).
f="" orig=""
trap '[ -z "$f" ] || printf "%s" "$orig" >"$S/$f"; exit 130' INT TERM
killed=0 survived=()
for i in "${sel[@]}"; do
	f=${M_FILE[i]} ts=$SECONDS
	slurp orig "$S/$f"
	printf '%s' "${orig/"${M_FIND[i]}"/"${M_INTO[i]}"}" >"$S/$f"
	if ! build_for "${M_TESTS[i]}"; then
		printf '%s' "$orig" >"$S/$f"
		tail -n 20 "$LOG/build.log" >&2
		fail "mutant ${M_NAME[i]} ($LIST:${M_LINE[i]}) does not build"
	fi
	if run_tests "${M_TESTS[i]}"; then
		survived+=("${M_NAME[i]}")
		say "SURVIVED ${M_NAME[i]}: $(printf '%s' "${M_TESTS[i]}" | paste -sd, -) pass" \
			"($((SECONDS - ts)) s)"
	else
		killed=$((killed + 1))
		say "killed   ${M_NAME[i]}: by $KILLER ($((SECONDS - ts)) s)"
		say "           $(first_failure "$KILLER")"
	fi
	printf '%s' "$orig" >"$S/$f"
	f=""
done
say "${#sel[@]} mutants: $killed killed, ${#survived[@]} survived ($((SECONDS - t0)) s)"
[ ${#survived[@]} = 0 ] || { say "survivors: ${survived[*]}"; exit 1; }
exit 0
