import { InvalidDatagram } from '../core/errors.ts';
import { isRecord, parseBoundedJson, payloadText } from './bounded-json.ts';

/** What a CoIoT sensor id means to us. Sensors we do not use (temperature, humidity, …) are left out. */
export type SensorRole =
  | { kind: 'input'; input: number }
  | { kind: 'inputEvent'; input: number }
  | { kind: 'inputEventCnt'; input: number }
  | { kind: 'adc'; adc: number }
  | { kind: 'output'; output: number }
  | { kind: 'cfgChanged' };

/** CoIoT sensor id (`I` in `/cit/d`, second element of a `G` tuple) → role. */
export type SensorMap = ReadonlyMap<number, SensorRole>;

/** SHUNI-1 CoIoT v2 ids, identical in every `/cit/d` seen from 2020 to FW 1.14.1 (fixtures/shelly/shuni-1.cit-d.json). */
export const SHUNI1_SENSORS: SensorMap = new Map<number, SensorRole>([
  [9103, { kind: 'cfgChanged' }],
  [1101, { kind: 'output', output: 0 }],
  [1201, { kind: 'output', output: 1 }],
  [2101, { kind: 'input', input: 0 }],
  [2102, { kind: 'inputEvent', input: 0 }],
  [2103, { kind: 'inputEventCnt', input: 0 }],
  [2201, { kind: 'input', input: 1 }],
  [2202, { kind: 'inputEvent', input: 1 }],
  [2203, { kind: 'inputEventCnt', input: 1 }],
  [3118, { kind: 'adc', adc: 0 }],
]);

/** The built-in table for a device type, used until (or instead of) its `/cit/d`. */
export function knownSensorMap(deviceType: string): SensorMap | undefined {
  return deviceType === 'SHUNI-1' ? SHUNI1_SENSORS : undefined;
}

const MAX_CIT_D_BYTES = 64 * 1024;
const MAX_ENTRIES = 512;
const MAX_INDEX = 15;

/** Parse a `/cit/d` body (HTTP or CoAP payload) into a sensor map. Throws only `InvalidDatagram`. */
export function sensorMapFromCitDText(payload: Buffer | string): SensorMap {
  const text = payloadText(payload, MAX_CIT_D_BYTES, '/cit/d');
  return sensorMapFromCitD(parseBoundedJson(text, { maxChars: MAX_CIT_D_BYTES, maxDepth: 6 }, '/cit/d'));
}

/**
 * Build the sensor map from a `/cit/d` description: the role comes from `D`, the input/ADC index from the
 * description of the block `L` points at (`relay_0` holds input 0 on the Uni, `adc_0` the ADC).
 * Throws `InvalidDatagram` on junk, or when the description yields no input at all.
 */
export function sensorMapFromCitD(json: unknown): SensorMap {
  if (!isRecord(json) || !Array.isArray(json.blk) || !Array.isArray(json.sen)) {
    throw new InvalidDatagram('/cit/d: expected an object with "blk" and "sen" arrays');
  }
  if (json.blk.length > MAX_ENTRIES || json.sen.length > MAX_ENTRIES) {
    throw new InvalidDatagram('/cit/d: too many blocks or sensors');
  }
  const blocks = new Map<number, string>();
  for (const b of json.blk) {
    if (!isRecord(b) || !isId(b.I) || typeof b.D !== 'string')
      throw new InvalidDatagram('/cit/d: malformed block');
    blocks.set(b.I, b.D);
  }

  const map = new Map<number, SensorRole>();
  for (const s of json.sen) {
    if (!isRecord(s) || !isId(s.I) || typeof s.D !== 'string')
      throw new InvalidDatagram('/cit/d: malformed sensor');
    if (map.has(s.I)) throw new InvalidDatagram(`/cit/d: sensor ${s.I} described twice`);
    const block = isId(s.L) ? blocks.get(s.L) : undefined;
    if (block === undefined)
      throw new InvalidDatagram(`/cit/d: sensor ${s.I} refers to unknown block ${String(s.L)}`);
    const role = roleOf(s.D, block);
    if (role !== undefined) map.set(s.I, role);
  }
  if (![...map.values()].some((r) => r.kind === 'input'))
    throw new InvalidDatagram('/cit/d: no input sensors');
  return map;
}

function roleOf(description: string, block: string): SensorRole | undefined {
  if (description === 'cfgChanged') return { kind: 'cfgChanged' };
  const channel = blockIndex(block, /^(?:relay|input)_([0-9]{1,2})$/);
  if (channel !== undefined) {
    if (description === 'input') return { kind: 'input', input: channel };
    if (description === 'inputEvent') return { kind: 'inputEvent', input: channel };
    if (description === 'inputEventCnt') return { kind: 'inputEventCnt', input: channel };
    if (description === 'output') return { kind: 'output', output: channel };
  }
  const adc = blockIndex(block, /^adc_([0-9]{1,2})$/);
  if (description === 'adc' && adc !== undefined) return { kind: 'adc', adc };
  return undefined;
}

function blockIndex(block: string, pattern: RegExp): number | undefined {
  const m = pattern.exec(block);
  if (m === null) return undefined;
  const n = Number(m[1]);
  return n <= MAX_INDEX ? n : undefined;
}

function isId(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 99_999;
}
