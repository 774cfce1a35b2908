# SPDX-License-Identifier: Apache-2.0
# login.sh - `dory login` / `dory logout` against a real registry over TLS
# with Basic and with token auth: credentials checked before they are
# saved, Docker's config.json format and modes, other keys kept.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../registry.sh"
miss=$(reg_missing)
[ -z "$miss" ] || { t_skip "login" "missing: $miss"; exit 0; }
"$DORY" --list | grep -qx login || { t_skip "login" "not in this build (APPLET_LOGIN)"; exit 0; }

reg_dory_env
CFG=$DOCKER_CONFIG/config.json
# lin PASS USER SERVER: login with the password on stdin
lin() { printf '%s\n' "$1" | "$DORY" login -u "$2" --password-stdin "$3"; }
# auth_is KEY USER:PASS: config.json's auths.KEY is exactly {"auth": base64(USER:PASS)}
auth_is() { "$REG_PY" -c 'import base64, json, sys
a = json.load(open(sys.argv[1]))["auths"][sys.argv[2]]
sys.exit(a != {"auth": base64.b64encode(sys.argv[3].encode()).decode()})' "$CFG" "$@"; }
has_key() { "$REG_PY" -c 'import json, sys
sys.exit(sys.argv[2] not in json.load(open(sys.argv[1])).get("auths", {}))' "$CFG" "$1"; }
not() { ! "$@"; }
sum() { sha256sum <"$CFG" 2>/dev/null; }

mkdir -p "$TMP/extra/etc" && echo hello >"$TMP/extra/etc/hello"
reg_image_make "$TMP/layout" one --layer "$TMP/extra" --cmd '["cat","/etc/hello"]' >/dev/null

# Basic auth
reg_start --basic "u:p" --basic "tty:secretpw"
reg_certs_d "$TMP/certs.d"
reg_push "$TMP/layout:one" "$REG/$T/one:v1" --creds u:p >/dev/null
t_fail 125 "refused these credentials" "basic: a wrong password is refused" lin bad u "$REG"
t_check "... and nothing is saved" not test -e "$DOCKER_CONFIG"
t_fail 125 "refused these credentials" "basic: an unknown user is refused" lin p nobody "$REG"
mkdir -p "$DOCKER_CONFIG"
printf '{"psFormat": "x", "auths": {"other.example": {"auth": "YTpi"}}}\n' >"$CFG"
t_out "basic: the right password" "Login Succeeded" lin p u "$REG"
t_check "... saved as base64(user:pass)" auth_is "$REG" u:p
t_check "... other keys kept" [ "$(reg_json psFormat <"$CFG")" = x ]
t_check "... other registries kept" auth_is other.example a:b
t_check "... file mode 0600" [ "$(stat -c %a "$CFG")" = 600 ]
t_check "... no temporary file left" [ "$(ls -A "$DOCKER_CONFIG")" = config.json ]
t_out "pull uses the saved credentials" "$REG/$T/one:v1" d pull -q "$REG/$T/one:v1"
rm -rf "$DOCKER_CONFIG"
t_out "a new directory is made" "Login Succeeded" lin p u "https://$REG/v2/"
t_check "... mode 0700, file 0600" \
	[ "$(stat -c %a "$DOCKER_CONFIG") $(stat -c %a "$CFG")" = "700 600" ]
t_check "... a URL is saved under HOST:PORT" has_key "$REG"
before=$(sum)
t_fail 125 "refused these credentials" "a refused login keeps the old entry" lin bad u "$REG"
t_check "... the file is unchanged" [ "$(sum)" = "$before" ]
t_run "$DORY" login -u u -p p "$REG"
t_check "-p works" [ "$RC:$(cat "$OUT")" = "0:Login Succeeded" ]
t_check "... and warns on stderr" \
	grep -qx 'dory login: Using --password via the CLI is insecure. Use --password-stdin.' "$ERR"
t_fail 125 "not a terminal" "no password and no terminal" "$DORY" login -u u "$REG"
t_fail 125 "needs --username" "--password-stdin without -u" "$DORY" login --password-stdin "$REG"
t_fail 125 "mutually exclusive" "-p with --password-stdin" \
	"$DORY" login -u u -p p --password-stdin "$REG"
printf 'not json' >"$CFG.bad" && mv "$CFG" "$CFG.good" && mv "$CFG.bad" "$CFG"
t_fail 125 "not a JSON object" "a broken config.json is not overwritten" lin p u "$REG"
t_check "... it is as it was" [ "$(cat "$CFG")" = "not json" ]
mv "$CFG.good" "$CFG"

# Prompting on a terminal: echo is off for the password
tty_login() # SERVER USER PASS: runs login on a pty, prints what the terminal showed
{
	"$REG_PY" - "$DORY" "$@" <<-'PY'
	import os, pty, select, sys, time
	dory, server, user, pw = sys.argv[1:5]
	pid, fd = pty.fork()
	if pid == 0:
	    os.execv(dory, [dory, "login", server])
	seen, sent, end = b"", 0, time.time() + 20
	while time.time() < end:
	    r, _, _ = select.select([fd], [], [], 0.2)
	    if r:
	        try:
	            data = os.read(fd, 4096)
	        except OSError:
	            break
	        if not data:
	            break
	        seen += data
	    if sent == 0 and b"Username: " in seen:
	        os.write(fd, user.encode() + b"\n"); sent = 1
	    elif sent == 1 and b"Password: " in seen:
	        time.sleep(0.2)  # the echo is off once the prompt is out
	        os.write(fd, pw.encode() + b"\n"); sent = 2
	_, st = os.waitpid(pid, 0)
	sys.stdout.write(seen.decode(errors="replace").replace("\r", ""))
	sys.exit(os.waitstatus_to_exitcode(st))
	PY
}
t_run tty_login "$REG" tty secretpw
t_check "a terminal is asked for user and password" \
	[ "$RC:$(grep -c '^Username: tty$\|^Password: $\|^Login Succeeded$' "$OUT")" = 0:3 ]
t_check "... the password is not echoed" not grep -q secretpw "$OUT"

# logout
t_out "logout removes the entry" "Removing login credentials for $REG" "$DORY" logout "$REG"
t_check "... it is gone" not has_key "$REG"
t_check "... the file stays 0600" [ "$(stat -c %a "$CFG")" = 600 ]
t_out "logout again: not logged in" "Not logged in to $REG" "$DORY" logout "$REG"
t_fail 125 "dory login" "pull without credentials is refused again" d pull -q "$REG/$T/one:v1"
reg_auth_json "$CFG" "https://index.docker.io/v1/" x:y
t_out "logout with no server is Docker Hub's" \
	"Removing login credentials for https://index.docker.io/v1/" "$DORY" logout
t_check "... its entry is gone" not has_key "https://index.docker.io/v1/"
rm -rf "$DOCKER_CONFIG"
t_out "logout with no config file" "Not logged in to $REG" "$DORY" logout "$REG"
t_check "... makes no file" [ ! -e "$CFG" ]

# Token auth: the token service is asked with no scope
reg_start --token --basic "u:p"
th=${REG_TOKEN#https://}
reg_certs_d "$TMP/certs.d" "$REG" "${th%%/*}"
reg_push "$TMP/layout:one" "$REG/$T/one:v1" --creds u:p >/dev/null
t_fail 125 "refused these credentials" "token: a wrong password is refused" lin bad u "$REG"
t_check "... and nothing is saved" [ ! -e "$CFG" ]
t_check "... the token service said 401" grep -q '^GET u?bad 401' "$REG_DIR/token.log"
t_out "token: the right password" "Login Succeeded" lin p u "$REG"
t_check "... a token with no scope was asked for" grep -q '^GET u 200 -$' "$REG_DIR/token.log"
t_check "... saved as base64(user:pass)" auth_is "$REG" u:p
t_check "... file mode 0600" [ "$(stat -c %a "$CFG")" = 600 ]
t_out "token: pull uses the saved credentials" "$REG/$T/one:v1" d pull -q "$REG/$T/one:v1"
t_out "token: logout" "Removing login credentials for $REG" "$DORY" logout "$REG"
t_out "token: logout again" "Not logged in to $REG" "$DORY" logout "$REG"
