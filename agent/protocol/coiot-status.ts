import { InvalidDatagram } from '../core/errors.ts';
import type { DeviceNotice, Evidence } from '../detect/evidence.ts';
import { isRecord, jsonDepth } from './bounded-json.ts';
import type { CoiotMessage } from './coiot-packet.ts';
import type { SensorMap } from './coiot-sensors.ts';

/** A SHUNI-1 status is ~250 bytes; even a Shelly with every add-on stays far below this. */
export const MAX_STATUS_BYTES = 8 * 1024;
const MAX_DEPTH = 4;
const MAX_TUPLES = 256;
const MAX_EVENT_CHARS = 8;
/** CoIoT 3118 reports −1 when the ADC reading is invalid. */
const ADC_INVALID = -1;

export interface DecodedStatus {
  evidence: Evidence[];
  notice: DeviceNotice;
}

type Value = number | string;

/**
 * Turn a `/cit/s` payload (`{"G":[[channel,id,value],…]}`) into one `Evidence` per input it mentions and a
 * device notice. Unusable tuples and values are dropped; only a payload that is not a status at all throws
 * (`InvalidDatagram`).
 */
export function decodeStatus(msg: CoiotMessage, map: SensorMap): DecodedStatus {
  const values = readG(msg.payload);

  const inputs = new Map<number, { level?: boolean; event?: string; count?: number }>();
  const at = (i: number) => {
    let entry = inputs.get(i);
    if (entry === undefined) {
      entry = {};
      inputs.set(i, entry);
    }
    return entry;
  };
  const notice: DeviceNotice = { device: msg.deviceId, via: 'coiot' };
  if (msg.validityS !== undefined) notice.validityS = msg.validityS;

  for (const [id, value] of values) {
    const role = map.get(id);
    if (role === undefined) continue;
    switch (role.kind) {
      case 'input':
        if (value === 0 || value === 1) at(role.input).level = value === 1;
        break;
      case 'inputEvent':
        if (typeof value === 'string' && value.length <= MAX_EVENT_CHARS) at(role.input).event = value;
        break;
      case 'inputEventCnt':
        if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffff) {
          at(role.input).count = value;
        }
        break;
      case 'adc':
        if (role.adc === 0 && typeof value === 'number' && Number.isFinite(value) && value !== ADC_INVALID) {
          notice.adcVolts = value;
        }
        break;
      default:
        break;
    }
  }

  const evidence: Evidence[] = [];
  for (const [input, seen] of [...inputs].sort(([a], [b]) => a - b)) {
    if (seen.level === undefined && seen.count === undefined) continue;
    const e: Evidence = { device: msg.deviceId, input, via: 'coiot' };
    if (seen.level !== undefined) e.level = seen.level;
    if (seen.count !== undefined) e.counter = { value: seen.count, event: seen.event ?? '' };
    if (msg.serial !== undefined) e.serial = msg.serial;
    evidence.push(e);
  }
  return { evidence, notice };
}

/** The channel-0 `[id, value]` pairs of a status payload, first occurrence of each id wins. */
export function readG(payload: Buffer): Map<number, Value> {
  if (payload.length === 0) throw new InvalidDatagram('status without payload');
  if (payload.length > MAX_STATUS_BYTES) {
    throw new InvalidDatagram(`status payload of ${payload.length} bytes, more than ${MAX_STATUS_BYTES}`);
  }
  const json = parseLenient(payload.toString('utf8'));
  if (!isRecord(json) || !Array.isArray(json.G)) throw new InvalidDatagram('status payload has no "G" array');
  if (json.G.length > MAX_TUPLES) throw new InvalidDatagram(`status payload has ${json.G.length} tuples`);

  const values = new Map<number, Value>();
  for (const tuple of json.G) {
    if (!Array.isArray(tuple) || tuple.length !== 3) continue;
    const [channel, id, value] = tuple as unknown[];
    // "All sensors are required to be emitted in channel 0."
    if (channel !== 0 || typeof id !== 'number' || !Number.isInteger(id)) continue;
    if (typeof value !== 'number' && typeof value !== 'string') continue;
    if (!values.has(id)) values.set(id, value);
  }
  return values;
}

/** openHAB's repairs for the malformed JSON some firmware sends (`}{`, `][`, `],,[`), tried only after a failure. */
function parseLenient(text: string): unknown {
  if (jsonDepth(text) > MAX_DEPTH) throw new InvalidDatagram(`status JSON nested deeper than ${MAX_DEPTH}`);
  try {
    return JSON.parse(text);
  } catch {
    const fixed = text.replaceAll('}{', '},{').replaceAll('][', '],[').replaceAll('],,[', '],[');
    try {
      return JSON.parse(fixed);
    } catch (e) {
      throw new InvalidDatagram(`status payload is not JSON: ${(e as Error).message}`, { cause: e });
    }
  }
}
