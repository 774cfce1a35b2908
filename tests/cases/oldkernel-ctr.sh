# SPDX-License-Identifier: Apache-2.0
# oldkernel-ctr.sh - containers as on Linux 4.14 (tests/oldkernel.sh): the
# lifecycle (detached, stop, restart, logs, pause, the supervisor) and
# load/save. OLDKERNEL_CASES="pull ..." runs others instead.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../oldkernel.sh"

ok_setup
ok_cases ${OLDKERNEL_CASES:-lifecycle loadsave}
