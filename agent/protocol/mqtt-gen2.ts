import { InvalidDatagram } from '../core/errors.ts';
import type { Evidence } from '../detect/evidence.ts';
import { isRecord, parseBoundedJson, payloadText } from './bounded-json.ts';
import { checkId, decodeGen1Mqtt, type MqttDecoded } from './mqtt-gen1.ts';

/** A NotifyStatus of a busy Gen2 device is a few KB. */
export const MAX_GEN2_PAYLOAD_BYTES = 16 * 1024;
const MAX_DEPTH = 8;
const MAX_EVENTS = 64;
/** Digital inputs; peripherals added with `Uni.AddPeripheral` (analog_in → `input:100`, …) are not buttons. */
const MAX_INPUT = 15;

const PRESSES: Readonly<Record<string, number>> = {
  single_push: 1,
  long_push: 1,
  double_push: 2,
  triple_push: 3,
};

/**
 * Decode one Gen2 (Shelly Plus) MQTT message: `<prefix>/events/rpc` and `<prefix>/online`. `null` = not ours.
 * Throws only `InvalidDatagram`.
 */
export function decodeGen2Mqtt(topic: string, payload: Buffer | string): MqttDecoded | null {
  if (topic.endsWith('/online')) {
    const prefix = checkId(topic.slice(0, -'/online'.length));
    const v = payloadText(payload, MAX_GEN2_PAYLOAD_BYTES, topic).trim();
    if (v !== 'true' && v !== 'false') throw new InvalidDatagram(`${topic}: not true or false`);
    return { evidence: [], notices: [{ device: prefix, via: 'mqtt', online: v === 'true' }] };
  }
  if (!topic.endsWith('/events/rpc') || topic.length === '/events/rpc'.length) return null;

  const text = payloadText(payload, MAX_GEN2_PAYLOAD_BYTES, topic);
  const frame = parseBoundedJson(text, { maxChars: MAX_GEN2_PAYLOAD_BYTES, maxDepth: MAX_DEPTH }, topic);
  if (!isRecord(frame) || typeof frame.src !== 'string' || typeof frame.method !== 'string') {
    throw new InvalidDatagram(`${topic}: not an RPC notification`);
  }
  const device = checkId(frame.src);
  if (!isRecord(frame.params)) throw new InvalidDatagram(`${topic}: "params" is not an object`);

  switch (frame.method) {
    case 'NotifyStatus':
      return { evidence: statusEvidence(device, frame.params, 'edge'), notices: [] };
    case 'NotifyFullStatus':
      return { evidence: statusEvidence(device, frame.params, 'snapshot'), notices: [] };
    case 'NotifyEvent':
      return { evidence: eventEvidence(device, frame.params, topic), notices: [] };
    default:
      return { evidence: [], notices: [] };
  }
}

/**
 * Route any MQTT message to the right decoder: `shellies/…` is Gen1 unless Gen1 does not use it (a Gen2 device
 * may have been given a `shellies/…` prefix), everything else is tried as Gen2.
 */
export function decodeMqtt(topic: string, payload: Buffer | string): MqttDecoded | null {
  if (topic.startsWith('shellies/')) {
    const gen1 = decodeGen1Mqtt(topic, payload);
    if (gen1 !== null || !topic.endsWith('/events/rpc')) return gen1;
  }
  return decodeGen2Mqtt(topic, payload);
}

/**
 * `NotifyStatus` is sent on change: an input `state` in it is an edge (the first `state:true` ever heard rings).
 * `NotifyFullStatus` is a snapshot: it may end a press, never start one. Both carry the device time `ts` that
 * orders them and, with the component and state, identifies a QoS 1 re-delivery.
 */
function statusEvidence(
  device: string,
  params: Record<string, unknown>,
  kind: 'edge' | 'snapshot',
): Evidence[] {
  const ts = deviceTs(params.ts);
  const out: Evidence[] = [];
  for (const [key, value] of Object.entries(params)) {
    const input = inputOf(key);
    if (input === undefined || !isRecord(value) || typeof value.state !== 'boolean') continue;
    const e: Evidence = { device, input, via: 'mqtt', level: value.state };
    if (kind === 'edge') e.edge = true;
    else e.snapshot = true;
    if (ts !== undefined) {
      e.ts = ts;
      if (kind === 'edge') e.key = `${key}|state:${value.state}|${ts}`;
    }
    out.push(e);
  }
  return out.sort((a, b) => a.input - b.input);
}

function eventEvidence(device: string, params: Record<string, unknown>, topic: string): Evidence[] {
  if (!Array.isArray(params.events)) throw new InvalidDatagram(`${topic}: NotifyEvent without "events"`);
  if (params.events.length > MAX_EVENTS)
    throw new InvalidDatagram(`${topic}: ${params.events.length} events`);
  const out: Evidence[] = [];
  for (const e of params.events) {
    if (!isRecord(e) || typeof e.component !== 'string' || typeof e.event !== 'string') continue;
    const input = inputOf(e.component);
    if (input === undefined) continue;
    const ts = deviceTs(e.ts) ?? deviceTs(params.ts);
    const key = ts === undefined ? undefined : `${e.component}|${e.event}|${ts}`;
    if (e.event === 'btn_down' || e.event === 'btn_up') {
      const edge: Evidence = { device, input, via: 'mqtt', level: e.event === 'btn_down', edge: true };
      if (ts !== undefined && key !== undefined) Object.assign(edge, { ts, key });
      out.push(edge);
      continue;
    }
    const presses = PRESSES[e.event];
    // Without a timestamp a repeated copy could not be told from a new press, so it cannot be counted.
    if (presses === undefined || ts === undefined || key === undefined) continue;
    out.push({ device, input, via: 'mqtt', completed: { presses, key }, ts });
  }
  return out;
}

function deviceTs(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function inputOf(component: string): number | undefined {
  const m = /^input:([0-9]{1,3})$/.exec(component);
  if (m === null) return undefined;
  const n = Number(m[1]);
  return n <= MAX_INPUT ? n : undefined;
}
