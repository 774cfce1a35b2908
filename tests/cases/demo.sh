# SPDX-License-Identifier: Apache-2.0
# demo.sh - what `make demo` shows keeps working.
. "$(dirname "$0")/../lib.sh"
t_match "make demo's container runs" '^hello from demo, pid 1, uid 0$' \
	env DORY="$DORY" bash "$(dirname "$0")/../demo.sh"
t_match "make demo's image is loaded and run" '^hello from demo, pid 1, uid 0, in an image$' \
	env DORY="$DORY" bash "$(dirname "$0")/../demo.sh"
