# SPDX-License-Identifier: Apache-2.0
# calls.sh - libc calls dory does not use. open(): musl follows every
# O_CLOEXEC open(2) with an fcntl(F_SETFD), for kernels before 2.6.23
# that ignore the flag; openat(AT_FDCWD, ...) is the same call without it
# (a container start made 49 of those).
CASE=calls
cd "$(dirname "$0")/../.."
bad=$(grep -n '[^_a-zA-Z0-9.>]open(' core/*/*.c applets/*.c libc-compat/*.c 2>/dev/null)
if [ -z "$bad" ]; then echo "ok - $CASE: no open(), only openat()"
else
	echo "not ok - $CASE: open() where openat(AT_FDCWD, ...) belongs"
	printf '%s\n' "$bad" | sed 's/^/#   /'
fi
