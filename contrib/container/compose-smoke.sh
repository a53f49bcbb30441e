#!/usr/bin/env bash
# Smoke test of compose.yaml, with Debian 12's podman-compose through compose.sh: brings the stack up (mosquitto
# from localhost/doorbell-mosquitto:2, the agent from localhost/doorbell-agent:dev, on the host's network), presses
# an emulated Shelly Uni (the image's `doorbell-agent emulate`, sending CoIoT) and waits for the ring on the stack's
# broker, runs the agent's HEALTHCHECK, then brings the stack down with its volumes. Run from a clone after `npm ci`
# (the subscriber uses the mqtt package):
#   contrib/container/compose-smoke.sh       # builds the two images first if they are missing (build.sh --mosquitto)
# The compose file is used as it is, from a scratch folder holding it, mosquitto.conf and the agent's
# doorbell-agent.yaml; the broker's port (MQTT_PORT), CoIoT's and the metrics' are free loopback ports, and the
# project has a name of its own, so nothing else on the host is touched.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=smoke-lib.sh
. "$here/smoke-lib.sh"
image=${DOORBELL_AGENT_IMAGE:-localhost/doorbell-agent:dev}
mosquitto_image=${MOSQUITTO_IMAGE:-localhost/doorbell-mosquitto:2}
project=doorbell-smoke-$$
agent=${project}_doorbell-agent_1
broker=${project}_mosquitto_1
smoke_name=compose-smoke
containers=("$agent" "$broker" "$project-emulator")

if ! pod image exists "$image" || ! pod image exists "$mosquitto_image"; then "$here/build.sh" --mosquitto "$image"; fi
podman-compose --version 2>/dev/null | grep -m1 -iE 'podman-composer? version' | sed 's/^/compose-smoke: /' || true

mqtt_port=$(free_port)
metrics_port=$(free_port)
coiot_port=$(free_udp_port)
work=$(mktemp -d)
chmod 0755 "$work"
compose() {
  COMPOSE_FILE="$work/compose.yaml" MQTT_PORT=$mqtt_port METRICS_PORT=$metrics_port MOSQUITTO_IMAGE=$mosquitto_image \
    DOORBELL_AGENT_IMAGE=$image "$here/compose.sh" -p "$project" "$@"
}
up=0
cleanup() {
  end_processes "${subscriber:-}"
  remove_containers "$project-emulator"
  if [ "$up" = 1 ]; then compose down -v >/dev/null 2>&1 || true; fi
  pod network rm "${project}_default" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
device=shellyuni-98CDAC5A0E02

cp "$here/compose.yaml" "$here/mosquitto.conf" "$work/"
cat >"$work/doorbell-agent.yaml" <<YAML
devices:
  - id: $device
    name: Compose smoke door
    address: 127.0.0.1
    chime: { mode: mechanical }
mqtt: { base_topic: smoke }
coiot: { listen: 127.0.0.1, port: $coiot_port, multicast: false }
security: { verify_http: false }
YAML
chmod 0644 "$work"/*

say "up: project $project, broker published on 127.0.0.1:$mqtt_port, the agent on the host's network"
up=1
compose up -d >"$work/up.log" 2>&1 || fail "compose up: $(tail -n 20 "$work/up.log")"
# What podman-compose asked podman for the agent, and what compose.sh passed on.
grep -o -- '--network host.*--network-alias doorbell-agent' "$work/up.log" | sed -E 's/ -(e|v) [^ ]+//g' \
  | sed 's/^/compose-smoke:   podman-compose: run ... /; s/$/ (compose.sh drops --net and --network-alias)/' || true
wait_logged "$agent" '"running"' "the agent did not start"
say "running: $(pod ps --filter "name=^$project" --format '{{.Names}} ({{.Status}})' | paste -sd ',' - | sed 's/,/, /g')"
say "agent's network: $(pod inspect "$agent" --format '{{.HostConfig.NetworkMode}}'), its /data: $(pod exec "$agent" ls /data | paste -sd ' ' -)"

say "subscriber on smoke/+/ring"
watch_ring "$mqtt_port"

say "emulated Uni $device (the image's doorbell-agent emulate), CoIoT unicast to 127.0.0.1:$coiot_port"
press_for_ring "$project-emulator" "$device" --no-healthcheck "$image" emulate

health=$(pod healthcheck run "$agent" 2>&1) || fail "healthcheck: $health"
say "HEALTHCHECK passed; /healthz: $(pod exec "$agent" node /opt/doorbell-agent/healthcheck.mjs | cut -c1-120)"

say "down -v"
compose down -v >"$work/down.log" 2>&1 || fail "compose down: $(tail -n 20 "$work/down.log")"
up=0
remove_containers "$project-emulator"
# podman-compose 1.0.3's down leaves the project network (later versions remove it)
pod network rm "${project}_default" >/dev/null 2>&1 || true
left=$(pod ps -a --filter "name=^$project" --format '{{.Names}}' | paste -sd ' ' -)
[ -z "$left" ] || fail "containers left after down: $left"
volumes=$(pod volume ls --filter "label=io.podman.compose.project=$project" --format '{{.Name}}' | paste -sd ' ' -)
[ -z "$volumes" ] || fail "volumes left after down -v: $volumes"
! pod network exists "${project}_default" || fail "network ${project}_default left"
say "stack down: no container, volume or network of $project left"
say "OK"
