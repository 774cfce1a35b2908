# SPDX-License-Identifier: Apache-2.0
# fuzz.sh - every libFuzzer target (tests/fuzz/NAME_fuzz.c) over its
# corpus, so that an input that once crashed stays a test, and a few
# seconds of fuzzing more (FUZZ_CHECK_S). Built by `make check`.
. "$(dirname "$0")/../lib.sh"
FUZZ_DIR=${FUZZ_DIR:-$(pwd)/build/fuzz} bash "$(dirname "$0")/../fuzz/run.sh" check
