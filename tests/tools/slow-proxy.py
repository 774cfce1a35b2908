#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# slow-proxy.py - a TCP relay on 127.0.0.1 that passes bytes through (TLS
# stays end to end) but sends the server's answer slowly, stalls or hangs up.
"""Usage: slow-proxy.py --target HOST:PORT --port-file F [--rate BYTES/S]
  [--stall-after N] [--cut-after N] [--log FILE]

--rate       bytes per second from server to client, per connection
             (0: unlimited)
--stall-after  after N bytes to the client on a connection, send no more
             (the connection stays open: a server that hangs)
--cut-after  after N bytes to the client on a connection, close both ends
             (a server that hangs up mid-answer)
Binds 127.0.0.1 port 0 and writes the port to --port-file. On each
connection's end it logs: CONN-NUMBER BYTES-UP BYTES-DOWN.
"""
import argparse
import os
import socket
import sys
import threading
import time

lock = threading.Lock()


def log(a, line):
    if a.log:
        with lock, open(a.log, "a") as f:
            f.write(line + "\n")


def pump_up(src, dst, count):
    try:
        while True:
            b = src.recv(65536)
            if not b:
                break
            dst.sendall(b)
            count[0] += len(b)
    except OSError:
        pass
    try:
        dst.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def pump_down(a, src, dst, count):
    chunk = 65536 if a.rate == 0 else max(1, a.rate // 20)
    start = time.monotonic()
    limit = a.cut_after if a.cut_after >= 0 else a.stall_after
    try:
        while True:
            want = chunk
            if limit >= 0:
                want = min(want, limit - count[0])
                if want <= 0:
                    break
            b = src.recv(want)
            if not b:
                break
            dst.sendall(b)
            count[0] += len(b)
            if a.rate:
                ahead = count[0] / a.rate - (time.monotonic() - start)
                if ahead > 0:
                    time.sleep(ahead)
    except OSError:
        pass
    if a.stall_after >= 0 and a.cut_after < 0 and count[0] >= a.stall_after:
        while True:
            time.sleep(3600)
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def serve(a, n, cli, host, port):
    up, down = [0], [0]
    try:
        srv = socket.create_connection((host, port))
    except OSError:
        cli.close()
        log(a, "%d 0 0 connect-failed" % n)
        return
    t = threading.Thread(target=pump_up, args=(cli, srv, up), daemon=True)
    t.start()
    pump_down(a, srv, cli, down)
    t.join(5)
    cli.close()
    srv.close()
    log(a, "%d %d %d" % (n, up[0], down[0]))


def main():
    p = argparse.ArgumentParser(usage=__doc__)
    p.add_argument("--target", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--rate", type=int, default=0)
    p.add_argument("--stall-after", type=int, default=-1)
    p.add_argument("--cut-after", type=int, default=-1)
    p.add_argument("--log")
    a = p.parse_args()
    host, _, port = a.target.rpartition(":")
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(64)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(tmp, a.port_file)
    n = 0
    while True:
        cli, _ = ls.accept()
        n += 1
        threading.Thread(target=serve, args=(a, n, cli, host, int(port)),
                         daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
