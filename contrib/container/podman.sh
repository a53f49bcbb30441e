# Sourced by build.sh and compose.sh beside it and by smoke-lib.sh (the smokes): `pod` is podman with the settings these
# machines need (and that are harmless elsewhere): runc with cgroupfs (crun refuses hybrid cgroups), and no default
# ulimits (raising NOFILE is not permitted in some sandboxes). PODMAN_FLAGS overrides them: PODMAN_FLAGS= uses
# podman's own defaults.
command -v podman >/dev/null || { echo "podman missing: apt-get install podman runc" >&2; exit 1; }
if [ -z "${CONTAINERS_CONF:-}" ]; then
  CONTAINERS_CONF=$(mktemp)
  printf '[containers]\ndefault_ulimits = []\n' >"$CONTAINERS_CONF"
  export CONTAINERS_CONF
fi
read -r -a PODMAN_ARGS <<<"${PODMAN_FLAGS---runtime runc --cgroup-manager=cgroupfs}"
pod() { podman "${PODMAN_ARGS[@]}" "$@"; }
# logged CONTAINER REGEX: the container's log has a line matching REGEX (grep -E). grep reads the whole log: with
# `grep -q`, podman logs could be cut off by SIGPIPE and, under pipefail, a match count as a failure.
logged() { pod logs "$1" 2>&1 | grep -E -- "$2" >/dev/null; }
