# SPDX-License-Identifier: Apache-2.0
# oldkernel.sh - containers as on Linux 4.14 (tests/oldkernel.sh): the
# filter itself, then run (--rootfs), exec, userns-remap (a shifted copy:
# no idmapped mounts) and images on overlay and bind-copy (unpack).
# oldkernel-ctr.sh has the lifecycle and load/save.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../oldkernel.sh"

ok_setup
R=$TMP/rootfs
t_rootfs "$R"

# The filter does what the cases rely on.
t_out "enosys: clone3 is ENOSYS at 4.14" ENOSYS "$OK_E" --level 4.14 -- "$OK_E" --try clone3
t_out "... and without it, EINVAL (this kernel has it)" EINVAL "$OK_E" --try clone3
t_out "... at 5.3, EINVAL (it came with 5.3)" EINVAL "$OK_E" --level 5.3 -- "$OK_E" --try clone3
t_out "... mount_setattr too, at 5.11" ENOSYS "$OK_E" --level 5.11 -- "$OK_E" --try mount_setattr
t_out "... what 4.14 had is left alone: statx" EFAULT "$OK_E" --level 4.14 -- "$OK_E" --try statx
t_out "... at 4.10 it is not" ENOSYS "$OK_E" --level 4.10 -- "$OK_E" --try statx
t_fail 2 "bad level '4'" "a bad level is refused" "$OK_E" --level 4 -- true
t_out "a container runs under both filters, enosys's and its own" "Seccomp_filters:	2" \
	"$OK_W" run --rm --rootfs "$R" grep Seccomp_filters /proc/self/status

ok_cases run exec userns unpack
