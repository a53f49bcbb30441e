#!/usr/bin/with-contenv bashio
# shellcheck shell=bash
# ==============================================================================
# The add-on's start script: its options (/data/options.json) and the Supervisor's MQTT service become the
# agent's configuration (`doorbell-agent ha-addon-config`, tested in test/contrib/), then the agent runs on it.
# The status page listens where ingress reaches it: the add-on's address on the Supervisor's network and the
# ingress port the Supervisor chose, answering only the Supervisor.
# ==============================================================================
set -e

DATA="${DOORBELL_ADDON_DATA:-/data}"
SHARE="${DOORBELL_ADDON_SHARE:-/share}"
CONFIG="${DATA}/doorbell-agent.yaml"

if ! bashio::services.available "mqtt"; then
  bashio::exit.nok "No MQTT broker: install and start the Mosquitto broker add-on, then start this one again."
fi

# bashio 0.18 (2026-06) renamed bashio::addon.* to bashio::app.* and warns on the old names, which older base
# images have alone.
if declare -F bashio::app.ip_address >/dev/null; then
  INGRESS_HOST="$(bashio::app.ip_address)"
  INGRESS_PORT="$(bashio::app.ingress_port)"
else
  INGRESS_HOST="$(bashio::addon.ip_address)"
  INGRESS_PORT="$(bashio::addon.ingress_port)"
fi

# The MQTT credentials go through a pipe, never on a command line.
bashio::services "mqtt" | doorbell-agent ha-addon-config \
  --options "${DATA}/options.json" \
  --mqtt - \
  --ingress "${INGRESS_HOST}:${INGRESS_PORT}" \
  --data "${DATA}" \
  --share "${SHARE}" \
  --out "${CONFIG}"

bashio::log.info "Starting doorbell-agent; its status page is in the sidebar (Doorbell) and under Open Web UI."
exec doorbell-agent run --config "${CONFIG}" --data "${DATA}"
