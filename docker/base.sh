#!/usr/bin/env bash
# The base image of every experiment image in docker/: Debian bookworm, as a local image named
#   ukhook-debian:bookworm
# Where a registry is reachable it is debian:bookworm, pulled and tagged; where none is (as on machines that reach
# only Debian's package mirrors), it is made from Debian's packages with debootstrap and imported.
#
#   docker/base.sh            # needs root (debootstrap), docker, and Debian's mirror or a registry
#   MIRROR=http://deb.debian.org/debian docker/base.sh
set -euo pipefail
name=ukhook-debian:bookworm
docker=${DOCKER:-docker}
if "$docker" image inspect "$name" >/dev/null 2>&1; then
  echo "base: $name exists; remove it (docker rmi $name) to make it again" >&2
  exit 0
fi
if timeout 60 "$docker" pull debian:bookworm >/dev/null 2>&1; then
  "$docker" tag debian:bookworm "$name"
  echo "base: $name is debian:bookworm from the registry" >&2
  exit 0
fi
command -v debootstrap >/dev/null || { echo "base: no registry reachable and no debootstrap (Debian: apt-get install debootstrap)" >&2; exit 3; }
[ "$(id -u)" = 0 ] || { echo "base: debootstrap needs root" >&2; exit 3; }
root=$(mktemp -d /tmp/ukhook-base-XXXXXX)
trap 'rm -rf "$root"' EXIT
echo "base: no registry reachable; debootstrap --variant=minbase bookworm (about two minutes)" >&2
debootstrap --variant=minbase bookworm "$root" "${MIRROR:-http://deb.debian.org/debian}" >&2
# apt inside the image uses the same mirror
echo "deb ${MIRROR:-http://deb.debian.org/debian} bookworm main" > "$root/etc/apt/sources.list"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
tar -C "$root" -c . | "$docker" import - "$name" >/dev/null
echo "base: $name made from Debian's packages" >&2
