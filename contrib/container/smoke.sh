#!/usr/bin/env bash
# Smoke test of the OCI image, with podman: builds it (build.sh), runs it against a mosquitto container, presses an
# emulated Shelly Uni (the image's own `doorbell-agent emulate`, sending CoIoT) and waits for the ring on the broker;
# then checks the HEALTHCHECK, the non-root user, tini as PID 1, a clean stop on SIGTERM (exit 0), the store in
# /data and the OCI labels. Run from a clone after `npm ci` (the subscriber uses the mqtt package):
#   contrib/container/smoke.sh            # SKIP_BUILD=1 reuses localhost/doorbell-agent:dev
# All containers use the host's network (as CoIoT multicast needs) on free loopback ports.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=podman.sh
. "$here/podman.sh"
image=${IMAGE:-localhost/doorbell-agent:dev}
say() { printf 'smoke: %s\n' "$*"; }
fail() {
  printf 'smoke: FAIL: %s\n' "$*" >&2
  for c in "${containers[@]}"; do
    printf -- '--- podman logs %s\n' "$c" >&2
    pod logs "$c" 2>&1 | tail -n 20 >&2 || true
  done
  exit 1
}

if [ "${SKIP_BUILD:-0}" != 1 ]; then "$here/build.sh" --mosquitto "$image"; fi
pod image exists localhost/doorbell-mosquitto:2 || "$here/build.sh" --mosquitto "$image"

free_port() { node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
mqtt_port=$(free_port)
metrics_port=$(free_port)
coiot_port=$(node -e "const s=require('dgram').createSocket('udp4');s.bind(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
work=$(mktemp -d)
chmod 0755 "$work"
run=smoke-$$
containers=()
cleanup() {
  for c in "${containers[@]}"; do pod rm -f -v -t 0 "$c" >/dev/null 2>&1 || true; done
  if [ -n "${subscriber:-}" ]; then kill "$subscriber" 2>/dev/null || true; fi
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
node --input-type=module -e "
import { connectAsync } from '$repo/node_modules/mqtt/build/index.js';
const deadline = Date.now() + 60000;
let c;
while (!c) { try { c = await connectAsync('mqtt://127.0.0.1:$mqtt_port', { reconnectPeriod: 0 }); } catch { if (Date.now() > deadline) process.exit(2); await new Promise((r) => setTimeout(r, 200)); } }
c.on('message', (t, p) => { console.log(t + ' ' + p); c.end(); process.exit(0); });
await c.subscribeAsync('smoke/+/ring', { qos: 1 });
console.log('subscribed');
setTimeout(() => process.exit(3), 120000);
" >"$work/ring.txt" 2>&1 &
subscriber=$!
for _ in $(seq 1 300); do grep -qs subscribed "$work/ring.txt" && break; sleep 0.2; done
grep -qs subscribed "$work/ring.txt" || fail "subscriber did not connect: $(cat "$work/ring.txt")"

say "agent ($image) with /data from $work/data, metrics on 127.0.0.1:$metrics_port"
containers+=("$run-agent")
# Without systemd on the host, podman cannot schedule the periodic HEALTHCHECK (it says so on stderr, kept aside);
# `podman healthcheck run` below runs it on demand.
pod run -d --name "$run-agent" --network=host -v "$work/data:/data:U" \
  -e "DOORBELL_AGENT_METRICS_PORT=$metrics_port" "$image" >/dev/null 2>"$work/podman-run.err" \
  || fail "podman run: $(cat "$work/podman-run.err")"
for _ in $(seq 1 300); do logged "$run-agent" '"running"' && break; sleep 0.2; done
logged "$run-agent" '"running"' || fail "the agent did not start"
pid1=$(pod exec "$run-agent" cat /proc/1/comm)
agent_uid=$(pod exec "$run-agent" sh -c 'for p in /proc/[0-9]*; do
  if [ "${p#/proc/}" != 1 ] && tr "\0" " " <"$p/cmdline" | grep -q "doorbell-agent run"; then stat -c %u "$p"; break; fi
done')
[ "$pid1" = tini ] || fail "PID 1 is $pid1, not tini"
[ "$agent_uid" = 10001 ] || fail "the agent runs as uid '$agent_uid', not 10001"
say "agent running: PID 1 is $pid1, the agent runs as uid $agent_uid"

say "emulated Uni $device (the image's doorbell-agent emulate), CoIoT unicast to 127.0.0.1:$coiot_port"
containers+=("$run-emulator")
pod run -d --name "$run-emulator" --network=host --no-healthcheck "$image" \
  emulate --id "$device" --coiot "127.0.0.1:$coiot_port" --hold 0.3 >/dev/null
for _ in $(seq 1 300); do logged "$run-emulator" '^press:' && break; sleep 0.2; done
logged "$run-emulator" '^press:' || fail "the emulator did not start"
sleep 1 # the agent has heard the Uni's first status (its counter baseline) before the press
say "press (podman kill --signal USR1: tini forwards it to the emulator)"
pod kill --signal USR1 "$run-emulator" >/dev/null
wait "$subscriber" || fail "no ring on the broker: $(cat "$work/ring.txt")"
say "ring: $(grep -v subscribed "$work/ring.txt")"

health=$(pod healthcheck run "$run-agent" 2>&1) || fail "healthcheck: $health"
say "HEALTHCHECK: $(pod inspect "$run-agent" --format "{{.State.Health.Status}}" 2>/dev/null || echo passed); /healthz: $(pod exec "$run-agent" node /opt/doorbell-agent/healthcheck.mjs | cut -c1-160)"

say "podman stop (SIGTERM through tini)"
pod stop -t 20 "$run-agent" >/dev/null 2>>"$work/podman-run.err"
code=$(pod inspect "$run-agent" --format '{{.State.ExitCode}}')
[ "$code" = 0 ] || fail "exit code $code after SIGTERM"
logged "$run-agent" '"stopped"' || fail "no clean stop in the log"
say "stopped cleanly, exit $code; /data: $(ls "$work/data" | paste -sd ' ' -)"
[ -s "$work/data/doorbell-agent.sqlite" ] || fail "no store in /data"

labels=$(pod image inspect "$image" --format \
  '{{index .Labels "org.opencontainers.image.title"}} {{index .Labels "org.opencontainers.image.version"}} {{index .Labels "org.opencontainers.image.revision"}} {{index .Labels "org.opencontainers.image.licenses"}}')
say "labels: $labels; size $(pod image inspect "$image" --format '{{.Size}}' | awk '{printf "%.0f MB", $1/1e6}')"
say "OK"
