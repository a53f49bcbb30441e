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
    case 'NotifyFullStatus':
      return { evidence: statusEvidence(device, frame.params), notices: [] };
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

function statusEvidence(device: string, params: Record<string, unknown>): Evidence[] {
  const out: Evidence[] = [];
  for (const [key, value] of Object.entries(params)) {
    const input = inputOf(key);
    if (input === undefined || !isRecord(value) || typeof value.state !== 'boolean') continue;
    out.push({ device, input, via: 'mqtt', level: value.state });
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
    if (e.event === 'btn_down' || e.event === 'btn_up') {
      out.push({ device, input, via: 'mqtt', level: e.event === 'btn_down', edge: true });
      continue;
    }
    const presses = PRESSES[e.event];
    const ts = typeof e.ts === 'number' ? e.ts : params.ts;
    // Without a timestamp a repeated copy could not be told from a new press, so it cannot be counted.
    if (presses === undefined || typeof ts !== 'number' || !Number.isFinite(ts)) continue;
    out.push({ device, input, via: 'mqtt', completed: { presses, key: `${e.component}|${e.event}|${ts}` } });
  }
  return out;
}

function inputOf(component: string): number | undefined {
  const m = /^input:([0-9]{1,3})$/.exec(component);
  if (m === null) return undefined;
  const n = Number(m[1]);
  return n <= MAX_INPUT ? n : undefined;
}
