#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# layout-src.py - the skopeo source for image NAME of an OCI layout: oci:
# itself, or a dir: view (hard links) when its manifests are Docker's.
"""Usage: layout-src.py LAYOUT[:NAME] WORKDIR

Prints "oci:LAYOUT[:NAME]" when the image's top manifest is OCI. skopeo's
oci: transport skips index.json entries of Docker media types, so for
those it writes WORKDIR in skopeo's dir: format (manifest.json, one
HEX.manifest.json per instance of a list, a file per blob named by its
hex digest) and prints "dir:WORKDIR".
"""
import json
import os
import sys

REFNAME = "org.opencontainers.image.ref.name"
DOCKER = "application/vnd.docker."


def main():
    src, work = sys.argv[1], sys.argv[2]
    layout, _, name = src.partition(":")
    with open(os.path.join(layout, "index.json")) as f:
        descs = json.load(f)["manifests"]
    if name:
        descs = [d for d in descs if d.get("annotations", {}).get(REFNAME) == name]
    if len(descs) != 1:
        sys.exit("layout-src: %s: want one image named %r, found %d"
                 % (layout, name, len(descs)))
    top = descs[0]
    if not top.get("mediaType", "").startswith(DOCKER):
        print("oci:" + src)
        return
    blobs = os.path.join(layout, "blobs", "sha256")

    def path(d):
        return os.path.join(blobs, d["digest"].split(":", 1)[1])

    def link(d, dest):
        dest = os.path.join(work, dest)
        if not os.path.exists(dest):
            os.link(path(d), dest)

    def image(d, dest):
        link(d, dest)
        with open(path(d)) as f:
            m = json.load(f)
        for b in [m["config"]] + m["layers"]:
            link(b, b["digest"].split(":", 1)[1])

    os.makedirs(work, exist_ok=True)
    with open(os.path.join(work, "version"), "w") as f:
        f.write("Directory Transport Version: 1.1\n")
    if "list" in top["mediaType"]:
        link(top, "manifest.json")
        with open(path(top)) as f:
            for d in json.load(f)["manifests"]:
                image(d, d["digest"].split(":", 1)[1] + ".manifest.json")
    else:
        image(top, "manifest.json")
    print("dir:" + work)


if __name__ == "__main__":
    main()
