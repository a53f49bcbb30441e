#!/usr/bin/env bash
# Smoke test of the OCI image, with podman: builds it (build.sh), runs it against a mosquitto container, presses an
# emulated Shelly Uni (the image's own `doorbell-agent emulate`, sending CoIoT) and waits for the ring on the broker;
# then checks the HEALTHCHECK, the non-root user, tini as PID 1, a clean stop on SIGTERM (exit 0), the store in
# /data and the OCI labels. Run from a clone after `npm ci` (the subscriber uses the mqtt package):
#   contrib/container/smoke.sh            # SKIP_BUILD=1 reuses localhost/doorbell-agent:dev
# All containers use the host's network (as CoIoT multicast needs) on free loopback ports.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=smoke-lib.sh
. "$here/smoke-lib.sh"
image=${IMAGE:-localhost/doorbell-agent:dev}
smoke_name=smoke
containers=()

if [ "${SKIP_BUILD:-0}" != 1 ]; then "$here/build.sh" --mosquitto "$image"; fi
pod image exists localhost/doorbell-mosquitto:2 || "$here/build.sh" --mosquitto "$image"

mqtt_port=$(free_port)
metrics_port=$(free_port)
coiot_port=$(free_udp_port)
work=$(mktemp -d)
chmod 0755 "$work"
run=smoke-$$
cleanup() {
  remove_containers "${containers[@]}"
  end_processes "${subscriber:-}"
  rm -rf "$work"
}
trap cleanup EXIT
device=shellyuni-98CDAC5A0E01

say "mosquitto (localhost/doorbell-mosquitto:2) on 127.0.0.1:$mqtt_port"
printf 'listener %s 127.0.0.1\nallow_anonymous true\n' "$mqtt_port" >"$work/mosquitto.conf"
chmod 0644 "$work/mosquitto.conf"
containers+=("$run-mosquitto")
pod run -d --name "$run-mosquitto" --network=host \
  -v "$work/mosquitto.conf:/mosquitto/config/mosquitto.conf:ro" localhost/doorbell-mosquitto:2 >/dev/null

mkdir "$work/data"
cat >"$work/data/doorbell-agent.yaml" <<YAML
devices:
  - id: $device
    name: Smoke test door
    address: 127.0.0.1
    chime: { mode: mechanical }
mqtt:
  url: mqtt://127.0.0.1:$mqtt_port
  base_topic: smoke
coiot: { listen: 127.0.0.1, port: $coiot_port, multicast: false }
security: { verify_http: false }
YAML

say "subscriber on smoke/+/ring"
watch_ring "$mqtt_port"

say "agent ($image) with /data from $work/data, metrics on 127.0.0.1:$metrics_port"
containers+=("$run-agent")
# Without systemd on the host, podman cannot schedule the periodic HEALTHCHECK (it says so on stderr, kept aside);
# `podman healthcheck run` below runs it on demand.
pod run -d --name "$run-agent" --network=host -v "$work/data:/data:U" \
  -e "DOORBELL_AGENT_METRICS_PORT=$metrics_port" "$image" >/dev/null 2>"$work/podman-run.err" \
  || fail "podman run: $(cat "$work/podman-run.err")"
wait_logged "$run-agent" '"running"' "the agent did not start"
pid1=$(pod exec "$run-agent" cat /proc/1/comm)
agent_uid=$(pod exec "$run-agent" sh -c 'for p in /proc/[0-9]*; do
  if [ "${p#/proc/}" != 1 ] && tr "\0" " " <"$p/cmdline" | grep -q "doorbell-agent run"; then stat -c %u "$p"; break; fi
done')
[ "$pid1" = tini ] || fail "PID 1 is $pid1, not tini"
[ "$agent_uid" = 10001 ] || fail "the agent runs as uid '$agent_uid', not 10001"
say "agent running: PID 1 is $pid1, the agent runs as uid $agent_uid"

say "emulated Uni $device (the image's doorbell-agent emulate), CoIoT unicast to 127.0.0.1:$coiot_port"
containers+=("$run-emulator")
# The press is a SIGUSR1 to the container: tini forwards it to the emulator.
press_for_ring "$run-emulator" "$device" --no-healthcheck "$image" emulate

health=$(pod healthcheck run "$run-agent" 2>&1) || fail "healthcheck: $health"
say "HEALTHCHECK: $(pod inspect "$run-agent" --format "{{.State.Health.Status}}" 2>/dev/null || echo passed); /healthz: $(pod exec "$run-agent" node /opt/doorbell-agent/healthcheck.mjs | cut -c1-160)"

say "podman stop (SIGTERM through tini)"
stop_cleanly "$run-agent" '"stopped"'
say "stopped cleanly, exit $code; /data: $(ls "$work/data" | paste -sd ' ' -)"

labels=$(pod image inspect "$image" --format \
  '{{index .Labels "org.opencontainers.image.title"}} {{index .Labels "org.opencontainers.image.version"}} {{index .Labels "org.opencontainers.image.revision"}} {{index .Labels "org.opencontainers.image.licenses"}}')
say "labels: $labels; size $(pod image inspect "$image" --format '{{.Size}}' | awk '{printf "%.0f MB", $1/1e6}')"
say "OK"
