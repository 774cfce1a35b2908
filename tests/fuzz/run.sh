#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# run.sh - runs the libFuzzer targets of $FUZZ_DIR (build/fuzz; see the
# Makefile's fuzzing section) over their corpora in tests/fuzz/corpus/.
#   run.sh check [NAME...]  each over its corpus, then FUZZ_CHECK_S (2)
#                           seconds more; TAP lines (tests/cases/fuzz.sh)
#   run.sh fuzz [NAME...]   each for FUZZ_S (60) seconds on
#                           $FUZZ_DIR/work/NAME, a copy of its corpus
#   run.sh merge [NAME...]  the inputs `fuzz` found that reach code the
#                           corpus does not, into tests/fuzz/corpus/NAME
# tests/fuzz/NAME.dict is a target's dictionary, tests/fuzz/NAME.options
# more libFuzzer options for it (e.g. -max_len=16384), when there are.
# A crash (or leak, time-out, UB report) keeps its input in
# $FUZZ_DIR/crashes/NAME/. Fuzzers run with TMPDIR set to a directory of
# this run, removed at the end, so that even a crashed one leaves nothing.
set -u
cd "$(dirname "$0")/../.."
FUZZ_DIR=${FUZZ_DIR:-build/fuzz}
mode=${1:?usage: run.sh check|fuzz|merge [NAME...]}
shift
names=${*:-$(ls tests/fuzz/*_fuzz.c 2>/dev/null | sed 's|.*/\(.*\)_fuzz\.c$|\1|')}
RUN=$(mktemp -d /tmp/dory-fuzz-run.XXXXXX)
trap 'rm -rf "$RUN"' EXIT INT TERM
fail=0

# fuzzer NAME LOG ARGS...: run NAME's fuzzer with the common options.
fuzzer()
{
	local n=$1 log=$2 dict=tests/fuzz/$1.dict crashes=$FUZZ_DIR/crashes/$1
	shift 2
	mkdir -p "$RUN/tmp-$n" "$crashes"
	[ -f "$dict" ] && set -- "-dict=$dict" "$@"
	[ -f "tests/fuzz/$n.options" ] && set -- $(cat "tests/fuzz/$n.options") "$@"
	TMPDIR=$RUN/tmp-$n nice "$FUZZ_DIR/${n}_fuzz" -timeout=10 -rss_limit_mb=1024 \
		-artifact_prefix="$crashes/" -print_final_stats=1 "$@" >"$log" 2>&1
}

# What a fuzzer's log says in the end: executions, coverage, features.
summary()
{
	local execs cov
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$1" | tail -n 1)
	cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$1" | tail -n 1)
	echo "${execs:-0} execs, ${cov:-no coverage line}"
}

# Why a fuzzer failed: the sanitizer's report (its first frames), the
# target's own words, and where the input is kept.
why()
{
	grep -E -m 12 -e 'ERROR|runtime error|SUMMARY|Test unit written|^    #[0-3] ' \
		-e 'changes|does not|failed|without' "$1" | cut -c1-150
}

check_one()
{
	local n=$1 w=$RUN/corpus-$n log=$RUN/$1.log k
	if [ ! -x "$FUZZ_DIR/${n}_fuzz" ]; then
		echo "ok - fuzz: $n # SKIP not built (make fuzz-build)"
		return
	fi
	mkdir -p "$w"
	cp tests/fuzz/corpus/"$n"/* "$w"/ 2>/dev/null
	k=$(ls "$w" | wc -l)
	if fuzzer "$n" "$log" -runs=0 "$w"; then
		echo "ok - fuzz: $n: its corpus ($k inputs)"
	else
		echo "not ok - fuzz: $n: its corpus ($k inputs)"
		why "$log" | sed 's/^/#   /'
		fail=1
		return
	fi
	if fuzzer "$n" "$log" -max_total_time="${FUZZ_CHECK_S:-2}" "$w"; then
		echo "ok - fuzz: $n: ${FUZZ_CHECK_S:-2} s more ($(summary "$log"))"
	else
		echo "not ok - fuzz: $n: ${FUZZ_CHECK_S:-2} s more ($(summary "$log"))"
		why "$log" | sed 's/^/#   /'
		fail=1
	fi
}

fuzz_one()
{
	local n=$1 w=$FUZZ_DIR/work/$1 log=$FUZZ_DIR/$1.log
	mkdir -p "$w"
	cp -n tests/fuzz/corpus/"$n"/* "$w"/ 2>/dev/null
	echo "  FUZZ    $n for ${FUZZ_S:-60} s on $w"
	if fuzzer "$n" "$log" -max_total_time="${FUZZ_S:-60}" "$w"; then
		echo "          $(summary "$log"); $(ls "$w" | wc -l) inputs"
	else
		why "$log"
		echo "$n: failed; see $log and $FUZZ_DIR/crashes/$n/"
		fail=1
	fi
}

# The inputs of the work corpus that reach code the committed corpus does
# not, each edge credited to the first input that reaches it (libFuzzer's
# merge runs the corpus first, then the rest smallest first): a small
# set, not libFuzzer's own merge, which keeps every new feature.
merge_one()
{
	local n=$1 c=tests/fuzz/corpus/$1 m=$RUN/merge-$1 before f
	[ -d "$FUZZ_DIR/work/$n" ] || return 0
	mkdir -p "$c" "$m/first"
	cp "$c"/* "$m/first"/ 2>/dev/null
	before=$(ls "$c" | wc -l)
	if ! fuzzer "$n" "$FUZZ_DIR/$n.merge.log" -merge=1 -merge_control_file="$m/control" \
		"$m/first" "$FUZZ_DIR/work/$n"; then
		echo "$n: the merge failed; see $FUZZ_DIR/$n.merge.log"
		fail=1
		return
	fi
	awk 'NR == 1 { n = $1 } NR == 2 { first = $1 } NR > 2 && NR <= n + 2 { path[NR - 3] = $0 }
	     /^COV / && NF > 2 && $2 >= first { print path[$2] }' "$m/control" |
	while IFS= read -r f; do
		cp "$f" "$c/$(sha1sum <"$f" | cut -c1-40)"
	done
	echo "  MERGE   $n: $before -> $(ls "$c" | wc -l) inputs in $c"
}

for n in $names; do
	case $mode in
	check) check_one "$n" ;;
	fuzz) fuzz_one "$n" ;;
	merge) merge_one "$n" ;;
	*) echo "run.sh: unknown mode $mode" >&2; exit 2 ;;
	esac
done
exit $fail
