# SPDX-License-Identifier: Apache-2.0
# info.sh - `dory info`: Docker's layout and field names, counts that follow
# the containers and images, the facts as the host has them.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../bbimage.sh"

R=$TMP/rootfs
t_rootfs "$R"
f() { "$DORY" info --format "$1"; }

t_out "no containers, no images" "0 0 0 0 0" \
	f '{{.Containers}} {{.ContainersRunning}} {{.ContainersPaused}} {{.ContainersStopped}} {{.Images}}'
bb_image "$TMP/img" "$T-img:1" '["sh"]' >/dev/null 2>&1
"$DORY" load -i "$TMP/img/image.tar" >/dev/null 2>&1
"$DORY" create --rootfs "$R" true >/dev/null
"$DORY" run -d --name "$T-a" --rootfs "$R" sleep 300 >/dev/null
"$DORY" run -d --name "$T-b" --rootfs "$R" sleep 300 >/dev/null
"$DORY" pause "$T-b" >/dev/null 2>&1
t_out "one created, one running, one paused; one image" "3 1 1 1 1" \
	f '{{.Containers}} {{.ContainersRunning}} {{.ContainersPaused}} {{.ContainersStopped}} {{.Images}}'
"$DORY" rm -f "$T-a" "$T-b" >/dev/null

# The facts, as this host has them
drv=overlay2; [ "$("$DORY" info -f '{{.Driver}}')" = bind-copy ] && drv=bind-copy
t_out "storage driver: the store's (overlay2 or bind-copy)" "$drv" f '{{.Driver}}'
if [ -n "$(t_cg_mount memory)" ] || [ -z "$(t_cg_mount "")" ]; then v=1; else v=2; fi
t_out "cgroup version and driver" "$v cgroupfs" f '{{.CgroupVersion}} {{.CgroupDriver}}'
t_out "kernel, OS type, architecture" "$(uname -r) linux $(uname -m)" \
	f '{{.KernelVersion}} {{.OSType}} {{.Architecture}}'
t_out "operating system from /etc/os-release" "$(. /etc/os-release; echo "$PRETTY_NAME")" \
	f '{{.OperatingSystem}}'
t_out "CPUs" "$(nproc)" f '{{.NCPU}}'
t_out "total memory in bytes" "$(($(awk '/^MemTotal:/ { print $2 }' /proc/meminfo) * 1024))" \
	f '{{.MemTotal}}'
t_out "root and state directories" "$DORY_ROOT $DORY_STATE" f '{{.DockerRootDir}} {{.StateDir}}'
t_out "server version is dory's" "$("$DORY" version -f '{{.Server.Version}}')" f '{{.ServerVersion}}'
t_out "name is the host's" "$(hostname)" f '{{.Name}}'
t_out "security options: seccomp, cgroupns" '["name=seccomp,profile=builtin","name=cgroupns"]' \
	f '{{json .SecurityOptions}}'
t_config '"no-new-privileges": true'
t_match "... and no-new-privileges when the config says so" '"name=no-new-privileges"' \
	f '{{json .SecurityOptions}}'
t_config
swap=$(t_cg_mount memory)
if [ -n "$swap" ] && [ ! -e "$swap/memory.memsw.limit_in_bytes" ]; then
	t_match "no swap accounting: Docker's warning" "No swap limit support" f '{{json .Warnings}}'
else
	t_out "no warning about memory where limits work" "" sh -c \
		'"$0" info -f "{{range .Warnings}}{{println .}}{{end}}" | grep -i memory || true' "$DORY"
fi

# Docker's plain layout
t_match "plain: Storage Driver line" "^ Storage Driver: $drv\$" "$DORY" info
t_match "plain: Containers with Running under it" "^  Running: 0\$" "$DORY" info
t_match "plain: Cgroup Version line" "^ Cgroup Version: $v\$" "$DORY" info
t_match "plain: Total Memory in binary units" '^ Total Memory: [0-9.]+[KMGT]iB$' "$DORY" info
t_match "plain: seccomp's profile under Security Options" '^   Profile: builtin$' "$DORY" info

t_out "system info is info" "$(f '{{.Driver}} {{.NCPU}}')" "$DORY" system info -f '{{.Driver}} {{.NCPU}}'

# Bad input
t_fail 125 "can't evaluate field Nope" "--format of a field Docker lacks" "$DORY" info -f '{{.Nope}}'
t_fail 125 "template parsing error" "--format that does not parse" "$DORY" info -f '{{if}}'
t_fail 125 "takes no arguments" "an argument" "$DORY" info x
