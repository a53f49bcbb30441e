import { InvalidDatagram } from '../core/errors.ts';
import type { DeviceNotice, Evidence } from '../detect/evidence.ts';
import { isRecord, parseBoundedJson, payloadText } from './bounded-json.ts';

/** What a Shelly says about itself in `shellies/announce` / `shellies/<id>/announce`. */
export interface Gen1Announce {
  id: string;
  model?: string;
  mac?: string;
  ip?: string;
  fwVer?: string;
  newFw?: boolean;
  mode?: string;
}

export interface MqttDecoded {
  evidence: Evidence[];
  notices: DeviceNotice[];
  announce?: Gen1Announce;
}

/** An announce is ~200 bytes; everything else we read is a few bytes. */
export const MAX_MQTT_PAYLOAD_BYTES = 4096;
const MAX_ID_CHARS = 64;
const MAX_INPUT = 15;
const MAX_EVENT_CHARS = 8;
const NUMBER = /^-?[0-9]{1,6}(?:\.[0-9]{1,6})?$/;

/**
 * Decode one Gen1 MQTT message. `null` = not a topic we use (relay/…, longpush/…, commands, other
 * prefixes). Throws only `InvalidDatagram`, for a topic we use with a payload a Shelly would not send.
 */
export function decodeGen1Mqtt(topic: string, payload: Buffer | string): MqttDecoded | null {
  const parts = topic.split('/');
  if (parts[0] !== 'shellies') return null;
  if (parts.length === 2 && parts[1] === 'announce') return announce(undefined, payload);

  const [, device, kind, index] = parts;
  if (device === undefined || kind === undefined) return null;
  if (parts.length === 3) {
    if (kind === 'online') return notice(checkId(device), { online: bool(text(payload, topic), topic) });
    if (kind === 'announce') return announce(checkId(device), payload);
    return null;
  }
  if (parts.length !== 4 || index === undefined) return null;

  switch (kind) {
    case 'input': {
      const input = inputIndex(index, topic);
      const value = text(payload, topic).trim();
      if (value !== '0' && value !== '1')
        throw new InvalidDatagram(`${topic}: ${JSON.stringify(value)} is not 0 or 1`);
      return evidence({ device: checkId(device), input, via: 'mqtt', level: value === '1' });
    }
    case 'input_event': {
      const input = inputIndex(index, topic);
      const json = parseBoundedJson(
        text(payload, topic),
        { maxChars: MAX_MQTT_PAYLOAD_BYTES, maxDepth: 2 },
        topic,
      );
      if (!isRecord(json)) throw new InvalidDatagram(`${topic}: not a JSON object`);
      const { event, event_cnt: count } = json;
      if (typeof event !== 'string' || event.length > MAX_EVENT_CHARS)
        throw new InvalidDatagram(`${topic}: bad "event"`);
      if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > 0xffff) {
        throw new InvalidDatagram(`${topic}: "event_cnt" is not a uint16`);
      }
      return evidence({ device: checkId(device), input, via: 'mqtt', counter: { value: count, event } });
    }
    case 'adc': {
      const adc = inputIndex(index, topic);
      const value = text(payload, topic).trim();
      if (!NUMBER.test(value))
        throw new InvalidDatagram(`${topic}: ${JSON.stringify(value)} is not a number`);
      if (adc !== 0) return null;
      const volts = Number(value);
      // −1 marks an invalid reading on CoIoT; assume the same here.
      return volts === -1 ? { evidence: [], notices: [] } : notice(checkId(device), { adcVolts: volts });
    }
    default:
      return null;
  }
}

function announce(topicId: string | undefined, payload: Buffer | string): MqttDecoded {
  const where = topicId === undefined ? 'shellies/announce' : `shellies/${topicId}/announce`;
  const json = parseBoundedJson(
    text(payload, where),
    { maxChars: MAX_MQTT_PAYLOAD_BYTES, maxDepth: 2 },
    where,
  );
  if (!isRecord(json)) throw new InvalidDatagram(`${where}: not a JSON object`);
  if (typeof json.id !== 'string') throw new InvalidDatagram(`${where}: no "id"`);
  // Not compared with the topic's id: whether `id` follows a custom `mqtt_id` is unconfirmed.
  const result: Gen1Announce = { id: checkId(json.id) };
  const model = optionalString(json.model, 'model', where);
  const mac = optionalString(json.mac, 'mac', where);
  const ip = optionalString(json.ip, 'ip', where);
  const fwVer = optionalString(json.fw_ver, 'fw_ver', where);
  const mode = optionalString(json.mode, 'mode', where);
  if (model !== undefined) result.model = model;
  if (mac !== undefined) result.mac = mac;
  if (ip !== undefined) result.ip = ip;
  if (fwVer !== undefined) result.fwVer = fwVer;
  if (mode !== undefined) result.mode = mode;
  if (json.new_fw !== undefined) {
    if (typeof json.new_fw !== 'boolean') throw new InvalidDatagram(`${where}: "new_fw" is not a boolean`);
    result.newFw = json.new_fw;
  }
  return { evidence: [], notices: [], announce: result };
}

function optionalString(v: unknown, key: string, where: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length > 128)
    throw new InvalidDatagram(`${where}: "${key}" is not a short string`);
  return v;
}

function evidence(e: Evidence): MqttDecoded {
  return { evidence: [e], notices: [] };
}

function notice(device: string, fields: Omit<DeviceNotice, 'device' | 'via'>): MqttDecoded {
  return { evidence: [], notices: [{ device, via: 'mqtt', ...fields }] };
}

function text(payload: Buffer | string, topic: string): string {
  return payloadText(payload, MAX_MQTT_PAYLOAD_BYTES, topic);
}

function bool(value: string, topic: string): boolean {
  const v = value.trim();
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new InvalidDatagram(`${topic}: ${JSON.stringify(v.slice(0, 32))} is not true or false`);
}

function inputIndex(index: string, topic: string): number {
  if (!/^[0-9]{1,2}$/.test(index) || Number(index) > MAX_INPUT) {
    throw new InvalidDatagram(`${topic}: index ${JSON.stringify(index.slice(0, 8))} is not 0..${MAX_INPUT}`);
  }
  return Number(index);
}

/** `checkId` guards the device segment: non-empty, bounded, no MQTT wildcards. */
export function checkId(id: string): string {
  if (id.length === 0 || id.length > MAX_ID_CHARS || /[+#\s]/.test(id)) {
    throw new InvalidDatagram(`device id ${JSON.stringify(id.slice(0, MAX_ID_CHARS))} is not usable`);
  }
  return id;
}
