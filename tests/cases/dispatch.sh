# SPDX-License-Identifier: Apache-2.0
# dispatch.sh - the multi-call binary: applet from argv[0], dory-APPLET,
# docker, --list, --install, version, and unknown commands.
. "$(dirname "$0")/../lib.sh"

B=$TMP/bin
mkdir -p "$B"
t_match "--list names run and version" '^run$' "$DORY" --list
t_out "--install -s links every applet" "$("$DORY" --list | tr '\n' ' ')" \
	sh -c "'$DORY' --install -s '$B' && cd '$B' && for a in \$('$DORY' --list); do \
		[ -L \$a ] && printf '%s ' \$a; done"
t_ok "--install twice keeps what is there" "$DORY" --install -s "$B"
ln -s "$DORY" "$B/dory-version"; ln -s "$DORY" "$B/docker"; ln "$DORY" "$TMP/hard"
t_match "a link named version runs version" '^dory version ' "$B/version"
t_match "dory-version runs version" '^dory version ' "$B/dory-version"
t_match "docker version (Docker's grammar)" '^dory version ' "$B/docker" version
t_match "dory --version" '^dory version ' "$DORY" --version
t_match "global options before the command" '^dory version ' "$DORY" --root /tmp --debug version
# An unknown command: Docker's two lines and status 1, in the name called by
unknown() { "$@" 2>&1; echo "status $?"; }
t_out "unknown command: Docker's lines, status 1" "dory: 'nope' is not a dory command.
See 'dory --help'
status 1" unknown "$DORY" nope
t_out "... as docker, in Docker's words" "docker: 'nope' is not a docker command.
See 'docker --help'
status 1" unknown "$B/docker" nope
t_out "... and after global options" "docker: 'nope' is not a docker command.
See 'docker --help'
status 1" unknown "$B/docker" --root "$TMP/r" nope
t_out "... nothing on stdout" "" sh -c '"$0" nope 2>/dev/null; true' "$B/docker"
t_out "an unknown link name" "dory: 'hard' is not a dory command.
See 'dory --help'
status 1" unknown "$TMP/hard"
t_fail 125 "unknown option --bogus" "unknown global option" "$DORY" --bogus version
t_fail 125 "takes no arguments" "version takes no arguments" "$DORY" version x
lockv() { awk -v n="$1" '$1 == n { print $2 }' configs/deps.lock; }
lockre() { lockv "$1" | sed 's/[.+]/\\&/g'; }	# as an ERE
t_match "version names the locked musl" "^ musl +$(lockre musl)\$" "$DORY" version
t_match "... and zlib" "^ zlib +$(lockre zlib)\$" "$DORY" version
t_match "... and libseccomp" "^ libseccomp +$(lockre libseccomp)\$" "$DORY" version
t_match "... the config it was built from" '^ Config: +[a-z_]*defconfig(\+changes)?$' "$DORY" version
[ -z "${GITREV:-}" ] || t_match "... and the commit" "^ Commit: +$GITREV\$" "$DORY" version
t_out "version --format, as docker's" "$("$DORY" version | sed -n 's/^dory version //p')" \
	"$DORY" version --format '{{.Server.Version}}'
t_out "version --format {{json .Client.Deps.BearSSL}}" "\"$(lockv bearssl)\"" \
	"$DORY" version -f '{{json .Client.Deps.BearSSL}}'
t_fail 125 "template parsing error: missing {{end}}" "version --format: an unclosed range" \
	"$DORY" version -f '{{range .}}'
t_fail 125 "can't evaluate field Nope at offset 9" "version --format: a field not there" \
	"$DORY" version -f '{{.Client.Nope}}'
t_out "version --format: range, index, if and functions" "BearSSL cJSON libseccomp musl zlib |yes" \
	"$DORY" version -f '{{range $k, $v := .Client.Deps}}{{$k}} {{end}}|{{if index .Client.Deps "zlib"}}{{lower "YES"}}{{end}}'
# Installed as docker, dory is Docker's main command
R=$TMP/rootfs
t_rootfs "$R"
t_out "docker run, as dory run" "hi" "$B/docker" run --rm --rootfs "$R" echo hi
id=$("$B/docker" run -d --rootfs "$R" sleep 300)
t_out "docker run -d: its supervisor runs" "running" "$B/docker" inspect -f '{{.State.Status}}' "$id"
t_match "docker ps lists it" "^${id:0:12} " "$B/docker" ps
t_out "docker rm -f" "$id" "$B/docker" rm -f "$id"
t_match "docker --version" '^dory version ' "$B/docker" --version
t_out "docker version --format" "$("$DORY" version -f '{{.Client.Version}}')" \
	"$B/docker" version --format '{{.Server.Version}}'
t_match "docker info --format '{{.Driver}}'" '^(overlay2|bind-copy)$' \
	"$B/docker" info --format '{{.Driver}}'
t_match "docker --root DIR before the command" '^dory version ' "$B/docker" --root "$TMP/r2" version
t_match "dory --help" '^Usage: dory ' "$DORY" --help
t_match "run --help" '^Usage: dory run ' "$DORY" run --help
t_match "run --help after options" '^Usage: dory run ' "$DORY" run -i --help
