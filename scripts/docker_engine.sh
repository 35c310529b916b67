#!/usr/bin/env bash
# Makes the `docker` sandbox backend usable on a Debian 12 machine, doing only
# what is missing (idempotent; safe to run from `make test` every time):
#   1. a Docker engine answers, else install Debian's docker.io and start
#      `dockerd --iptables=false --bridge=none` (overlay2) in the background;
#   2. the image $PROCTOR_DOCKER_IMAGE (default proctor-python:bookworm) exists,
#      else build it: no registry is reachable, so debootstrap a minimal Debian
#      with python3 and `docker import` it. The rootfs tarball is cached under
#      $PROCTOR_CACHE keyed by IMAGE_VERSION, so a later run on the same machine
#      skips debootstrap (about 70 s).
# Exit codes: 0 ready; 3 not root and something is missing; 4 engine did not start; 5 build failed.
set -euo pipefail
IMAGE=${PROCTOR_DOCKER_IMAGE:-proctor-python:bookworm}
IMAGE_VERSION=2   # bump when the recipe below changes: forces a rebuild and a new cache key
SUITE=bookworm
MIRROR=${PROCTOR_DEBIAN_MIRROR:-http://deb.debian.org/debian}
CACHE=${PROCTOR_CACHE:-/var/cache/proctor}/docker
ROOTFS_TAR=$CACHE/rootfs-$SUITE-python3-v$IMAGE_VERSION.tar
HERE=$(cd "$(dirname "$0")" && pwd)
say() { echo "docker_engine: $*" >&2; }

engine_up() { timeout 10 docker info >/dev/null 2>&1; }
need_root() {
    if [ "$(id -u)" -ne 0 ]; then say "$1 needs root; run this script as root"; exit 3; fi
}

mkdir -p "$CACHE" 2>/dev/null || true
# One instance at a time: parallel test runs must not start two engines or build twice.
if [ -w "$CACHE" ]; then exec 9>"$CACHE/build.lock"; flock 9; fi

if ! command -v docker >/dev/null || ! engine_up; then
    if ! command -v dockerd >/dev/null; then
        need_root "installing docker.io"
        bash "$HERE/install_system.sh" docker.io
    fi
    if ! engine_up; then
        need_root "starting dockerd"
        # The engine must outlive this script (and the test run that called it).
        setsid nohup dockerd --iptables=false --bridge=none --storage-driver=overlay2 \
            >"$CACHE/dockerd.log" 2>&1 < /dev/null 9>&- &   # 9>&-: the engine must not hold our lock
        for _ in $(seq 1 120); do engine_up && break; sleep 0.5; done
        engine_up || { say "dockerd did not answer within 60 s; see $CACHE/dockerd.log"; tail -5 "$CACHE/dockerd.log" >&2; exit 4; }
        say "engine started"
    fi
fi

have=$(docker image inspect -f '{{ index .Config.Labels "proctor.image-version" }}' "$IMAGE" 2>/dev/null || true)
if [ "$have" = "$IMAGE_VERSION" ]; then exit 0; fi
# Older recipes' tarballs are dead weight (about 100 MB each).
find "$CACHE" -maxdepth 1 -name 'rootfs-*.tar' ! -name "$(basename "$ROOTFS_TAR")" -delete 2>/dev/null || true

if [ ! -s "$ROOTFS_TAR" ]; then
    need_root "debootstrap"
    command -v debootstrap >/dev/null || bash "$HERE/install_system.sh" debootstrap
    work=$(mktemp -d "$CACHE/rootfs.XXXXXX")
    trap 'rm -rf "$work"' EXIT
    say "debootstrap $SUITE into $work (about 70 s, once per machine)"
    debootstrap --variant=minbase --include=python3 "$SUITE" "$work/root" "$MIRROR" \
        >"$CACHE/debootstrap.log" 2>&1 || { say "debootstrap failed; see $CACHE/debootstrap.log"; exit 5; }
    # What the sandbox never needs: package caches and docs (smaller image, faster import).
    rm -rf "$work"/root/var/cache/apt/archives/*.deb "$work"/root/var/lib/apt/lists/* \
           "$work"/root/usr/share/doc "$work"/root/usr/share/man "$work"/root/usr/share/locale
    tar -C "$work/root" -cf "$work/rootfs.tar" .
    mv "$work/rootfs.tar" "$ROOTFS_TAR"   # atomic: a half-written tarball is never cached
fi

say "importing $ROOTFS_TAR as $IMAGE"
docker import --change "LABEL proctor.image-version=$IMAGE_VERSION" --change "USER 65534:65534" \
    --change "WORKDIR /work" --change 'CMD ["/usr/bin/python3"]' "$ROOTFS_TAR" "$IMAGE" >/dev/null \
    || { say "docker import failed"; exit 5; }
# The image this replaced (now untagged) is dead weight.
docker image prune -f --filter "label=proctor.image-version" >/dev/null 2>&1 || true
