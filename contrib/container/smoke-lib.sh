# shellcheck shell=bash disable=SC2154  # smoke_name, containers, work, coiot_port: set by the script that sources this
# Sourced by smoke.sh and compose-smoke.sh beside it and by contrib/homeassistant/smoke.sh: what the three podman
# smokes share, after podman.sh (`pod`, `logged`). A script sets `smoke_name` (the prefix of its lines) and
# `containers` (whose logs a failure shows), and `work` (its scratch folder) before it calls these.
# shellcheck source=podman.sh
. "$(dirname "${BASH_SOURCE[0]}")/podman.sh"
smoke_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

say() { printf '%s: %s\n' "$smoke_name" "$*"; }

# fail MESSAGE: says it on stderr with the end of each container's log (fail_log_lines, default 20) and whatever
# the script's own fail_also adds, then exits 1.
fail() {
  printf '%s: FAIL: %s\n' "$smoke_name" "$*" >&2
  for c in "${containers[@]}"; do
    printf -- '--- podman logs %s\n' "$c" >&2
    pod logs "$c" 2>&1 | tail -n "${fail_log_lines:-20}" >&2 || true
  done
  if declare -F fail_also >/dev/null; then fail_also || true; fi
  exit 1
}

# A TCP (free_port) or UDP (free_udp_port) port nothing is bound to on loopback right now.
free_port() { node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
free_udp_port() { node -e "const s=require('dgram').createSocket('udp4');s.bind(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

# For the clean-up on EXIT: remove_containers NAME... and end_processes PID... (empty PIDs skipped) never fail.
remove_containers() { for c in "$@"; do pod rm -f -v -t 0 "$c" >/dev/null 2>&1 || true; done; }
end_processes() { for p in "$@"; do if [ -n "$p" ]; then kill "$p" 2>/dev/null || true; fi; done; }

# wait_logged CONTAINER REGEX MESSAGE: waits up to 60 s for a line of the container's log that matches REGEX, else
# fails with MESSAGE.
wait_logged() {
  for _ in $(seq 1 300); do logged "$1" "$2" && return 0; sleep 0.2; done
  logged "$1" "$2" || fail "$3"
}

# watch_ring PORT [USER PASSWORD]: a subscriber to smoke/+/ring on the broker at 127.0.0.1:PORT, in the background
# (its pid in `subscriber`), that connects within 60 s and exits 0 on the first ring, written to $work/ring.txt.
# Returns once it has subscribed.
watch_ring() {
  U=${2:-} P=${3:-} node --input-type=module -e "
import { connectAsync } from '$smoke_repo/node_modules/mqtt/build/index.js';
const auth = process.env.U ? { username: process.env.U, password: process.env.P } : {};
const deadline = Date.now() + 60000;
let c;
while (!c) { try { c = await connectAsync('mqtt://127.0.0.1:$1', { reconnectPeriod: 0, ...auth }); } catch { if (Date.now() > deadline) process.exit(2); await new Promise((r) => setTimeout(r, 200)); } }
c.on('message', (t, p) => { console.log(t + ' ' + p); c.end(); process.exit(0); });
await c.subscribeAsync('smoke/+/ring', { qos: 1 });
console.log('subscribed');
setTimeout(() => process.exit(3), 120000);
" >"$work/ring.txt" 2>&1 &
  subscriber=$!
  for _ in $(seq 1 300); do grep -qs subscribed "$work/ring.txt" && break; sleep 0.2; done
  grep -qs subscribed "$work/ring.txt" || fail "subscriber did not connect: $(cat "$work/ring.txt")"
}

# press_for_ring CONTAINER DEVICE RUN_ARGS...: runs an emulated Uni with the id DEVICE, sending CoIoT to
# 127.0.0.1:$coiot_port, as CONTAINER on the host's network (RUN_ARGS: podman run's options, the image and the
# command up to `emulate`); presses it once when it is ready and waits for watch_ring's subscriber to hear the ring.
press_for_ring() {
  local name=$1 device=$2
  shift 2
  pod run -d --name "$name" --network=host "$@" --id "$device" --coiot "127.0.0.1:$coiot_port" --hold 0.3 >/dev/null
  wait_logged "$name" '^press:' "the emulator did not start"
  sleep 1 # the agent has heard the Uni's first status (its counter baseline) before the press
  say "press (podman kill --signal USR1)"
  pod kill --signal USR1 "$name" >/dev/null
  wait "$subscriber" || fail "no ring on the broker: $(cat "$work/ring.txt")"
  subscriber=
  say "ring: $(grep -v subscribed "$work/ring.txt")"
}

# stop_cleanly CONTAINER REGEX: podman stop (SIGTERM); the agent must exit 0, log a line matching REGEX and leave
# its store in $work/data. Sets `code`, the exit code.
stop_cleanly() {
  pod stop -t 20 "$1" >/dev/null 2>>"$work/podman-stop.err"
  code=$(pod inspect "$1" --format '{{.State.ExitCode}}')
  [ "$code" = 0 ] || fail "exit code $code after SIGTERM"
  logged "$1" "$2" || fail "no clean stop in the log"
  [ -s "$work/data/doorbell-agent.sqlite" ] || fail "no store in /data"
}
