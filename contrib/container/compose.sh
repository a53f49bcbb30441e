#!/usr/bin/env bash
# compose.yaml with podman-compose as Debian 12 has it (1.0.3), which cannot start a `network_mode: host` service on its own:
# it adds the project network to every container (`--net <project>_default --network-alias <service>`), and podman
# refuses a second network or an alias beside host networking ("cannot set multiple networks without bridge network
# mode"). This runs podman-compose with itself as the podman it calls: for a container on the host network it drops
# those two options, everything else goes to podman unchanged (with podman.sh's settings for these machines).
#   contrib/container/compose.sh up -d          # in the folder of compose.yaml and doorbell-agent.yaml
#   contrib/container/compose.sh down
# COMPOSE_FILE names another compose file (default: compose.yaml beside this script). Docker Compose runs
# compose.yaml as it is (`docker compose up -d`). Any podman-compose works through this: with one that does not add
# the network, there is nothing to drop.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=podman.sh
. "$here/podman.sh"

if [ "${DOORBELL_COMPOSE_AS_PODMAN:-}" = 1 ]; then
  host=0
  prev=
  for a in "$@"; do
    if { [ "$prev" = --network ] && [ "$a" = host ]; } || [ "$a" = --network=host ]; then host=1; fi
    prev=$a
  done
  if [ "$host" = 0 ]; then pod "$@"; exit; fi
  args=()
  skip=0
  for a in "$@"; do
    if [ "$skip" = 1 ]; then skip=0 && continue; fi
    case "$a" in
    --net | --network-alias) skip=1 ;;
    --net=* | --network-alias=*) ;;
    *) args+=("$a") ;;
    esac
  done
  pod "${args[@]}"
  exit
fi

command -v podman-compose >/dev/null || { echo "podman-compose missing: apt-get install podman-compose" >&2; exit 1; }
export DOORBELL_COMPOSE_AS_PODMAN=1
exec podman-compose --podman-path "$here/compose.sh" -f "${COMPOSE_FILE:-$here/compose.yaml}" "$@"
