#!/bin/busybox sh
# SPDX-License-Identifier: Apache-2.0
# systemd-check.sh - the checks of the systemd variant (board/qemu/systemd.sh),
# run by board-check.service on a Debian system booted by systemd, with dory
# installed as board/systemd/dory.service does. First boot: checks.sh from
# this service's cgroup (as any service), then containers with each restart
# policy, then a reset (sysrq b: no shutdown, as a power cut). Second boot:
# what dory.service brought back, the end marker, power off.
exec >/dev/console 2>&1
DORY=/usr/bin/dory
. /board/lib.sh
export DORY_ROOT=/var/lib/dory DORY_STATE=/run/dory	# dory.service's
mkdir -p /var/lib/board
n=$(($(cat /var/lib/board/boots 2>/dev/null || echo 0) + 1))
echo $n >/var/lib/board/boots
T0=$(cut -d' ' -f1 /proc/uptime)
echo "# board: $(uname -r) $(uname -m), variant systemd, boot $n at ${T0} s of uptime, from $(sed -n 's/^0:://p' /proc/self/cgroup)"
st() { "$DORY" inspect -f '{{.State.Status}}' "$1"; }
CASE=systemd
if [ "$n" = 1 ]; then
	VARIANT=systemd DORY=$DORY busybox sh /board/checks.sh || echo "not ok - checks: checks.sh stopped early, status $?"
	t_out "load the image into /var/lib/dory" "Loaded image: board:latest" "$DORY" load -i /board/image.tar
	# With the system's configuration (none), as dory.service has it: no
	# cgroup-parent of the test library's.
	export DORY_CONFIG=/etc/dory/config.json
	for p in always unless-stopped on-failure no; do
		t_ok "run -d --restart $p" "$DORY" run -d --name "$p" --restart "$p" board:latest sleep 100000
	done
	t_ok "run -d --restart unless-stopped, then stopped by hand" sh -c \
		"$DORY run -d --name stopped --restart unless-stopped board:latest sleep 100000 && $DORY stop -t 1 stopped"
	sync
	echo "# board: reset"
	echo b >/proc/sysrq-trigger
	sleep 60
fi
t_out "dory.service is active" active systemctl is-active dory.service
# Delegate=yes: the unit's cgroup is the containers' parent, and its own
# processes (start --all's supervisors) are in the leaf "supervisor".
unit=/system.slice/dory.service
pid=$("$DORY" inspect -f '{{.State.Pid}}' always)
id=$("$DORY" inspect -f '{{.Id}}' always)
t_out "Delegate=yes: the container's cgroup is $unit/ID" "$unit/$id" \
	sed -n 's/^0:://p' "/proc/$pid/cgroup"
t_out "... its supervisor's $unit/supervisor" "$unit/supervisor" \
	sh -c "sed -n 's/^0:://p' /proc/\$(awk '/^PPid:/ { print \$2 }' /proc/$pid/status)/cgroup"
t_out "... and the unit's group itself holds no process" "" cat "/sys/fs/cgroup$unit/cgroup.procs"
for p in always unless-stopped on-failure; do
	t_out "after the reset, --restart $p is running again" running st "$p"
done
t_out "... --restart no is not (Exited 255: it ran at the reset)" "exited 255" \
	"$DORY" inspect -f '{{.State.Status}} {{.State.ExitCode}}' no
t_out "... one stopped by hand stays stopped" exited st stopped
t_ok "systemctl stop dory: stop --all" systemctl stop dory.service
t_out "... stops them all" "" "$DORY" ps -q
t_ok "systemctl start dory: start --all" systemctl start dory.service
t_out "... brings the same set back" "always on-failure unless-stopped" \
	sh -c "$DORY ps --format '{{.Names}}' | sort | tr '\n' ' ' | sed 's/ \$//'"
T1=$(cut -d' ' -f1 /proc/uptime)
echo "DORY-BOARD-END boot=${T0} checks=$(awk -v a="$T0" -v b="$T1" 'BEGIN { printf "%.1f", b - a }')"
systemctl poweroff
