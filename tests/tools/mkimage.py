#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# mkimage.py - writes an OCI image layout (oci-layout, index.json, blobs/)
# from layer tar files, with no network; prints the new image's digest.
"""Usage: mkimage.py OUTDIR NAME [options]

Layers (bottom first, in the order given):
  --layer-tar FILE     an uncompressed tar, compressed as --compress says
  --layer-blob FILE    stored verbatim; its media type follows its magic
                       (gzip, zstd or plain tar)
  --compress gzip|zstd|none   for --layer-tar (default gzip, `gzip -n`)
  --docker             Docker schema2 media types (manifest list, manifest,
                       container config, rootfs.diff.tar[.gzip|.zstd])
                       instead of OCI's
Platforms:
  --platform OS/ARCH[/VARIANT]  once: the image's platform (default: this
                       machine's). Several times: an image index with one
                       manifest per platform, sharing the layers above.
  --index              an index even for one platform
  --platform-tar FILE  a layer for the Nth --platform only (put on top);
                       give one per --platform, in the same order
Config (the "config" object of the image configuration):
  --cmd JSON-ARRAY  --entrypoint JSON-ARRAY  --env K=V  --workdir DIR
  --user USER  --label K=V  --stopsignal SIG  --expose PORT/PROTO
  --volume PATH  --config JSON-OBJECT (merged into "config"; null deletes)
  --image-config JSON-OBJECT (merged into the top level, last)
  --created RFC3339 (default 1970-01-01T00:00:00Z)
OUTDIR may already hold a layout: the image is added to index.json under
the annotation org.opencontainers.image.ref.name=NAME (replacing one of
that name). Prints the digest of the manifest (or of the index).
"""
import argparse
import gzip
import hashlib
import json
import os
import platform
import subprocess
import sys

OCI = "application/vnd.oci.image."
MEDIA = {
    "oci": {"index": OCI + "index.v1+json", "manifest": OCI + "manifest.v1+json",
            "config": OCI + "config.v1+json", "layer": OCI + "layer.v1.tar"},
    "docker": {"index": "application/vnd.docker.distribution.manifest.list.v2+json",
               "manifest": "application/vnd.docker.distribution.manifest.v2+json",
               "config": "application/vnd.docker.container.image.v1+json",
               "layer": "application/vnd.docker.image.rootfs.diff.tar"},
}
SUFFIX = {
    "oci": {"gzip": "+gzip", "zstd": "+zstd", "none": ""},
    "docker": {"gzip": ".gzip", "zstd": ".zstd", "none": ""},
}
REFNAME = "org.opencontainers.image.ref.name"
PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def host_platform():
    m = platform.machine()
    return {"x86_64": "linux/amd64", "aarch64": "linux/arm64", "armv7l": "linux/arm/v7",
            "riscv64": "linux/riscv64", "mips": "linux/mipsle"}.get(m, "linux/" + m)


class Layout:
    def __init__(self, out):
        self.out = out
        self.blobs = os.path.join(out, "blobs", "sha256")
        os.makedirs(self.blobs, exist_ok=True)

    def put(self, data, media):
        d = hashlib.sha256(data).hexdigest()
        p = os.path.join(self.blobs, d)
        if not os.path.exists(p):
            with open(p + ".tmp", "wb") as f:
                f.write(data)
            os.rename(p + ".tmp", p)
        return {"mediaType": media, "digest": "sha256:" + d, "size": len(data)}

    def put_json(self, obj, media):
        return self.put(json.dumps(obj, separators=(",", ":")).encode(), media)


def run(cmd, data):
    return subprocess.run(cmd, input=data, capture_output=True, check=True).stdout


CACHE = {}


def blob_of(path, compress, verbatim, kind_of_media):
    """(blob bytes, media type, diff_id) for one layer file."""
    key = (path, compress, verbatim, kind_of_media)
    if key not in CACHE:
        CACHE[key] = make_blob(path, compress, verbatim, kind_of_media)
    return CACHE[key]


def make_blob(path, compress, verbatim, kind_of_media):
    with open(path, "rb") as f:
        raw = f.read()
    if verbatim:
        blob = raw
        if raw[:2] == b"\x1f\x8b":
            kind = "gzip"
            try:
                raw = gzip.decompress(raw)
            except (OSError, EOFError):
                pass  # a deliberately broken blob: diff_id of its bytes
        elif raw[:4] == b"\x28\xb5\x2f\xfd":
            kind = "zstd"
            try:
                raw = run(["zstd", "-d", "-q", "-c"], raw)
            except subprocess.CalledProcessError:
                pass
        else:
            kind = "none"
    else:
        kind = compress
        blob = {"gzip": lambda: run(["gzip", "-n", "-c"], raw),
                "zstd": lambda: run(["zstd", "-q", "-c"], raw),
                "none": lambda: raw}[compress]()
    media = MEDIA[kind_of_media]["layer"] + SUFFIX[kind_of_media][kind]
    return blob, media, "sha256:" + hashlib.sha256(raw).hexdigest()


def kv_list(items, old, sep="="):
    """Env-style list: KEY=V replaces an earlier KEY."""
    out = list(old or [])
    for it in items:
        k = it.split(sep, 1)[0]
        out = [x for x in out if x.split(sep, 1)[0] != k] + [it]
    return out


def make_config(a):
    c = {"Env": kv_list(a.env, [PATH_ENV])}
    if a.cmd is not None:
        c["Cmd"] = json.loads(a.cmd)
    if a.entrypoint is not None:
        c["Entrypoint"] = json.loads(a.entrypoint)
    if a.workdir is not None:
        c["WorkingDir"] = a.workdir
    if a.user is not None:
        c["User"] = a.user
    if a.stopsignal is not None:
        c["StopSignal"] = a.stopsignal
    if a.label:
        c["Labels"] = dict(x.split("=", 1) for x in a.label)
    if a.expose:
        c["ExposedPorts"] = {p if "/" in p else p + "/tcp": {} for p in a.expose}
    if a.volume:
        c["Volumes"] = {v: {} for v in a.volume}
    for k, v in json.loads(a.config or "{}").items():
        if v is None:
            c.pop(k, None)
        else:
            c[k] = v
    return c


def plat(s):
    parts = s.split("/")
    p = {"architecture": parts[1], "os": parts[0]}
    if len(parts) > 2:
        p["variant"] = parts[2]
    return p


def image(lay, a, layers, pl, extra):
    """Writes config and manifest for one platform; returns its descriptor."""
    descs, diffs = [], []
    for path, verbatim in layers + ([(extra, False)] if extra else []):
        blob, media, diff = blob_of(path, a.compress, verbatim, a.media)
        descs.append(lay.put(blob, media))
        diffs.append(diff)
    cfg = {"created": a.created}
    cfg.update(plat(pl))
    cfg["config"] = make_config(a)
    cfg["rootfs"] = {"type": "layers", "diff_ids": diffs}
    cfg["history"] = [{"created": a.created, "created_by": "dory test layer %d" % i}
                      for i in range(len(diffs))]
    cfg.update(json.loads(a.image_config or "{}"))
    m = MEDIA[a.media]
    man = {"schemaVersion": 2, "mediaType": m["manifest"],
           "config": lay.put_json(cfg, m["config"]), "layers": descs}
    return lay.put_json(man, m["manifest"])


class Layers(argparse.Action):
    def __call__(self, parser, ns, value, opt=None):
        ns.layers.append((value, opt == "--layer-blob"))


def main():
    p = argparse.ArgumentParser(usage=__doc__)
    p.add_argument("out")
    p.add_argument("name")
    p.add_argument("--layer-tar", action=Layers, dest="layers_unused")
    p.add_argument("--layer-blob", action=Layers, dest="layers_unused2")
    p.add_argument("--compress", default="gzip", choices=["gzip", "zstd", "none"])
    p.add_argument("--docker", dest="media", action="store_const", const="docker",
                   default="oci")
    p.add_argument("--index", action="store_true")
    p.add_argument("--platform", action="append", default=[])
    p.add_argument("--platform-tar", action="append", default=[])
    for o in ("--cmd", "--entrypoint", "--workdir", "--user", "--stopsignal",
              "--config", "--image-config"):
        p.add_argument(o)
    for o in ("--env", "--label", "--expose", "--volume"):
        p.add_argument(o, action="append", default=[])
    p.add_argument("--created", default="1970-01-01T00:00:00Z")
    p.set_defaults(layers=[])
    a = p.parse_args()
    lay = Layout(a.out)
    plats = a.platform or [host_platform()]
    if a.platform_tar and len(a.platform_tar) != len(plats):
        p.error("give one --platform-tar per --platform")
    extras = a.platform_tar or [None] * len(plats)
    descs = []
    for pl, extra in zip(plats, extras):
        d = image(lay, a, a.layers, pl, extra)
        d["platform"] = plat(pl)
        descs.append(d)
    if len(descs) == 1 and not a.index:
        top = descs[0]
        del top["platform"]
    else:
        m = MEDIA[a.media]["index"]
        top = lay.put_json({"schemaVersion": 2, "mediaType": m, "manifests": descs}, m)
    top["annotations"] = {REFNAME: a.name}
    ipath = os.path.join(a.out, "index.json")
    idx = {"schemaVersion": 2, "manifests": []}
    if os.path.exists(ipath):
        with open(ipath) as f:
            idx = json.load(f)
    idx["manifests"] = [m for m in idx["manifests"]
                        if m.get("annotations", {}).get(REFNAME) != a.name] + [top]
    with open(ipath + ".tmp", "w") as f:
        json.dump(idx, f, separators=(",", ":"))
    os.rename(ipath + ".tmp", ipath)
    with open(os.path.join(a.out, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')
    print(top["digest"])


if __name__ == "__main__":
    sys.exit(main())
