#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# token-server.py - a registry token service for the tests (Docker's token
# protocol): JWTs signed RS256 by `openssl dgst`, with the signing cert in x5c.
"""Usage: token-server.py --port-file F --sign-key K --sign-cert C
  --issuer I --service S [--cert CRT --key KEY] [--users FILE]
  [--anon none|pull|all] [--ttl SECONDS] [--log FILE]

GET  /token?service=S&scope=repository:NAME:pull,push[&scope=...]
     with optional Basic auth;
POST /token  (OAuth2 form: grant_type=password, username, password,
     service, scope) as Docker's client sends it.
Both answer {"token", "access_token", "expires_in", "issued_at"}.
--users FILE holds lines USER:PASS[:ACTIONS] (ACTIONS like "pull" or
"pull,push"; default every action). With users, a request without
credentials gets the --anon actions (default: none, answered 401), and
bad credentials get 401. Without users every request gets what it asks.
Binds 127.0.0.1 port 0 and writes the port to --port-file. One log line
per request: METHOD USER(-|?bad) STATUS SCOPES-GRANTED.
"""
import argparse
import base64
import json
import os
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ALL = ["pull", "push", "delete", "*"]


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


class Service:
    def __init__(self, a):
        self.a = a
        self.users = {}
        if a.users:
            with open(a.users) as f:
                for line in f:
                    line = line.rstrip("\n")
                    if not line:
                        continue
                    u, p, *acts = line.split(":", 2)
                    self.users[u] = (p, acts[0].split(",") if acts else ALL)
        with open(a.sign_cert) as f:
            pem = "".join(l for l in f if not l.startswith("-----"))
        self.x5c = "".join(pem.split())
        self.lock = threading.Lock()
        self.jti = 0

    def sign(self, data):
        r = subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.a.sign_key],
                           input=data, capture_output=True, check=True)
        return r.stdout

    def token(self, sub, service, access):
        now = int(time.time())
        with self.lock:
            self.jti += 1
            jti = "%d-%d" % (os.getpid(), self.jti)
        hdr = {"typ": "JWT", "alg": "RS256", "x5c": [self.x5c]}
        claims = {"iss": self.a.issuer, "sub": sub, "aud": service,
                  "exp": now + self.a.ttl, "nbf": now - 1, "iat": now,
                  "jti": jti, "access": access}
        signing = (b64url(json.dumps(hdr).encode()) + "." +
                   b64url(json.dumps(claims).encode()))
        return signing + "." + b64url(self.sign(signing.encode()))

    def allowed(self, user, password):
        """Actions the caller may have, or None for 401."""
        if not self.users:
            return ALL
        if user is None:
            anon = {"none": None, "pull": ["pull"], "all": ALL}[self.a.anon]
            return anon
        ent = self.users.get(user)
        if ent is None or ent[0] != password:
            return None
        return ent[1]


def parse_scopes(values):
    access = []
    for v in values:
        for s in v.split(" "):
            parts = s.split(":")
            if len(parts) < 3:
                continue
            typ, name, acts = parts[0], ":".join(parts[1:-1]), parts[-1]
            access.append({"type": typ, "name": name,
                           "actions": [x for x in acts.split(",") if x]})
    return access


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    svc = None

    def log_message(self, fmt, *args):
        pass

    def note(self, user, status, access):
        granted = " ".join("%s:%s:%s" % (x["type"], x["name"], ",".join(x["actions"]))
                           for x in access)
        line = "%s %s %d %s\n" % (self.command, user, status, granted or "-")
        with self.svc.lock, open(self.svc.a.log, "a") as f:
            f.write(line)

    def reply(self, status, body, hdrs=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in hdrs:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def issue(self, user, password, service, scopes):
        label = "-" if user is None else user
        acts = self.svc.allowed(user, password)
        if acts is None:
            if user is not None:
                label = user + "?bad"
            self.note(label, 401, [])
            return self.reply(401, {"errors": [{"code": "UNAUTHORIZED",
                                                "message": "authentication required"}]},
                              [("WWW-Authenticate", 'Basic realm="%s"' % self.svc.a.service)])
        if service != self.svc.a.service:
            self.note(label, 400, [])
            return self.reply(400, {"errors": [{"code": "DENIED",
                                                "message": "unknown service %r" % service}]})
        access = parse_scopes(scopes)
        for x in access:
            x["actions"] = [a for a in x["actions"] if a in acts or "*" in acts]
        tok = self.svc.token(label if user is not None else "", service, access)
        self.note(label, 200, access)
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self.reply(200, {"token": tok, "access_token": tok,
                         "expires_in": self.svc.a.ttl, "issued_at": now})

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        if u.path != "/token":
            return self.reply(404, {"errors": [{"code": "NOT_FOUND", "message": u.path}]})
        q = urllib.parse.parse_qs(u.query)
        user = password = None
        h = self.headers.get("Authorization", "")
        if h.lower().startswith("basic "):
            try:
                user, _, password = base64.b64decode(h[6:].strip()).decode().partition(":")
            except ValueError:
                user, password = "", None
        self.issue(user, password, q.get("service", [""])[0], q.get("scope", []))

    def do_POST(self):
        u = urllib.parse.urlsplit(self.path)
        n = int(self.headers.get("Content-Length", "0") or 0)
        q = urllib.parse.parse_qs(self.rfile.read(n).decode())
        if u.path != "/token" or q.get("grant_type", [""])[0] != "password":
            return self.reply(404, {"errors": [{"code": "UNSUPPORTED",
                                                "message": "only grant_type=password"}]})
        self.issue(q.get("username", [None])[0], q.get("password", [None])[0],
                   q.get("service", [""])[0], q.get("scope", []))


def main():
    p = argparse.ArgumentParser(usage=__doc__)
    for o in ("--port-file", "--sign-key", "--sign-cert", "--issuer", "--service", "--log"):
        p.add_argument(o, required=True)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--users")
    p.add_argument("--anon", default="none", choices=["none", "pull", "all"])
    p.add_argument("--ttl", type=int, default=300)
    a = p.parse_args()
    Handler.svc = Service(a)
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    if a.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True,
                                     do_handshake_on_connect=False)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
