import { parse } from 'coap-packet';
import { InvalidDatagram } from '../core/errors.ts';

/** CoIoT custom option numbers (Shelly "CoIoT protocol": base 3332, step 8). */
export const OPTION_GLOBAL_DEVID = 3332;
export const OPTION_STATUS_VALIDITY = 3412;
export const OPTION_STATUS_SERIAL = 3420;

/** Largest UDP payload over IPv4; nothing bigger can be a datagram. */
export const MAX_DATAGRAM_BYTES = 65_507;
/** The doc says the 3332 value "should be less than 50 bytes"; leave room, refuse junk. */
const MAX_DEVID_BYTES = 100;

/** 0.30 = periodic/on-change publish, 2.05 = reply to a GET (and unicast publishes on some firmware). */
export type CoiotCode = '0.30' | '2.05';

export interface CoiotMessage {
  code: CoiotCode;
  messageId: number;
  /** First field of option 3332, e.g. `SHUNI-1`. */
  deviceType: string;
  /** MQTT-style Shelly id, e.g. `shellyuni-98CDAC25ABCD`. */
  deviceId: string;
  /** Second field of option 3332, uppercased (a 12-hex MAC on current firmware). */
  mac: string;
  /** Third field of option 3332: CoIoT protocol version (1 before FW 1.8, else 2). */
  protocolVersion: number;
  /** Option 3412, seconds. */
  validityS?: number;
  /** Option 3420 read little-endian, as devices send it. */
  serial?: number;
  /** Option 3420 as received; an opaque change token whatever its byte order. */
  serialBytes?: Buffer;
  /** Uri-Path joined with `/`, e.g. `/cit/s`; `''` when absent (replies). */
  path: string;
  payload: Buffer;
}

/**
 * Gen1 device type → MQTT id prefix. Sources: reference §0 (SHUNI-1 → shellyuni), §4.1 (`shelly1-…`,
 * `shellyswitch25-…`), §1 (`shellyrgbw2-…`), and a public Homey Shelly app's `deviceCodes` table for the rest.
 */
const MQTT_PREFIX: Readonly<Record<string, string>> = {
  'SHUNI-1': 'shellyuni',
  'SHSW-1': 'shelly1',
  'SHSW-PM': 'shelly1pm',
  'SHSW-25': 'shellyswitch25',
  'SHIX3-1': 'shellyix3',
  SHRGBW2: 'shellyrgbw2',
  'SHDM-2': 'shellydimmer2',
  'SHBTN-1': 'shellybutton1',
};

/** The id a Gen1 device uses on MQTT by default (`<model prefix>-<MAC>`); unknown types: `<type lowercased>-<id>`. */
export function shellyIdFor(deviceType: string, id: string): string {
  const prefix = MQTT_PREFIX[deviceType];
  return prefix === undefined ? `${deviceType.toLowerCase()}-${id}` : `${prefix}-${id.toUpperCase()}`;
}

/**
 * Critical options coap-packet names. A publish carries none of them; Block1/Block2 in particular would mean the
 * payload is only a fragment.
 */
const CRITICAL_NAMED = new Set([
  'If-Match',
  'Uri-Host',
  'If-None-Match',
  'Uri-Port',
  'OSCORE',
  'Uri-Query',
  'Accept',
  'Q-Block1',
  'Block2',
  'Block1',
  'Q-Block2',
  'Proxy-Uri',
  'Proxy-Scheme',
]);

const DEVTYPE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;
const DEVID = /^[A-Za-z0-9]{1,32}$/;
const VERSION = /^[0-9]{1,3}$/;

/** Decode one CoIoT datagram. Throws only `InvalidDatagram`. */
export function decodeCoiot(bytes: Uint8Array): CoiotMessage {
  if (bytes.length > MAX_DATAGRAM_BYTES) throw new InvalidDatagram(`datagram of ${bytes.length} bytes`);
  if (bytes.length < 4)
    throw new InvalidDatagram(`datagram of ${bytes.length} bytes is shorter than a CoAP header`);
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

  let packet: ReturnType<typeof parse>;
  try {
    packet = parse(buf);
  } catch (e) {
    throw new InvalidDatagram(`not a CoAP message: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }
  if (packet.reset) throw new InvalidDatagram('CoAP reset message');
  if (packet.code !== '0.30' && packet.code !== '2.05') {
    throw new InvalidDatagram(`CoAP code ${packet.code} is neither 0.30 nor 2.05`);
  }

  const path: string[] = [];
  let devid: Buffer | undefined;
  let validity: Buffer | undefined;
  let serial: Buffer | undefined;
  for (const { name, value } of packet.options) {
    const number = typeof name === 'string' && /^[0-9]+$/.test(name) ? Number(name) : name;
    if (number === 'Uri-Path') path.push(value.toString('utf8'));
    else if (number === OPTION_GLOBAL_DEVID) devid = once(devid, value, 3332);
    else if (number === OPTION_STATUS_VALIDITY) validity = once(validity, value, 3412);
    else if (number === OPTION_STATUS_SERIAL) serial = once(serial, value, 3420);
    else if (typeof number === 'number' ? number % 2 === 1 : CRITICAL_NAMED.has(number)) {
      // RFC 7252 §5.4.1: a critical (odd) option we do not act on means we must not process the message.
      throw new InvalidDatagram(`unexpected critical CoAP option ${number}`);
    }
  }

  if (devid === undefined) throw new InvalidDatagram('option 3332 (device id) missing');
  const { deviceType, id, protocolVersion } = splitDevid(devid);
  const message: CoiotMessage = {
    code: packet.code,
    messageId: packet.messageId,
    deviceType,
    deviceId: shellyIdFor(deviceType, id),
    mac: id.toUpperCase(),
    protocolVersion,
    path: path.length === 0 ? '' : `/${path.join('/')}`,
    payload: packet.payload,
  };
  if (validity !== undefined) message.validityS = validitySeconds(uint16le(validity, 3412));
  if (serial !== undefined) {
    message.serial = uint16le(serial, 3420);
    message.serialBytes = Buffer.from(serial);
  }
  return message;
}

function once(previous: Buffer | undefined, value: Buffer, option: number): Buffer {
  if (previous !== undefined) throw new InvalidDatagram(`option ${option} repeated`);
  return value;
}

function splitDevid(value: Buffer): { deviceType: string; id: string; protocolVersion: number } {
  if (value.length > MAX_DEVID_BYTES) throw new InvalidDatagram(`option 3332 is ${value.length} bytes long`);
  const text = value.toString('latin1');
  const parts = text.split('#');
  const [deviceType, id, version] = parts;
  if (
    parts.length !== 3 ||
    deviceType === undefined ||
    id === undefined ||
    version === undefined ||
    !DEVTYPE.test(deviceType) ||
    !DEVID.test(id) ||
    !VERSION.test(version)
  ) {
    throw new InvalidDatagram(`option 3332 ${JSON.stringify(text)} is not <type>#<id>#<version>`);
  }
  return { deviceType, id, protocolVersion: Number(version) };
}

/**
 * Devices send 3412/3420 little-endian although the doc says network order: consecutive serials arrive as
 * `2b 01`, `30 01`, `31 01` and validity is always `96 00` (= 150 → 15 s, the default update period).
 */
function uint16le(value: Buffer, option: number): number {
  if (value.length !== 2) throw new InvalidDatagram(`option ${option} is ${value.length} bytes, expected 2`);
  return value.readUInt16LE(0);
}

/** Option 3412: the least significant bit picks the unit, 0 → ×0.1 s, 1 → ×4 s. */
export function validitySeconds(raw: number): number {
  return (raw & 1) === 0 ? raw / 10 : raw * 4;
}
