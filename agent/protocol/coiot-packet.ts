import { InvalidDatagram } from '../core/errors.ts';
import { type Devid, devidAt } from './coiot-devid.ts';

export { shellyIdFor } from './coiot-devid.ts';

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

/** Critical (odd) options named in errors as CoAP names them; others by number. */
const CRITICAL_NAMES: Readonly<Record<number, string>> = {
  1: 'If-Match',
  3: 'Uri-Host',
  5: 'If-None-Match',
  7: 'Uri-Port',
  9: 'OSCORE',
  15: 'Uri-Query',
  17: 'Accept',
  19: 'Q-Block1',
  23: 'Block2',
  27: 'Block1',
  31: 'Q-Block2',
  35: 'Proxy-Uri',
  39: 'Proxy-Scheme',
};
const URI_PATH = 11;
const CODE_PUBLISH = 0x1e; // 0.30
const CODE_CONTENT = 0x45; // 2.05
const PAYLOAD_MARKER = 0xff;

/**
 * Decode one CoIoT datagram. Throws only `InvalidDatagram`.
 *
 * The CoAP frame (RFC 7252 §3) is walked here, in one pass and without allocating per option: this runs for every
 * datagram the agent hears, floods included. It accepts exactly what `coap-packet` (the library the emulator
 * encodes with) parses, then checks what a CoIoT publish must be: code 0.30 or 2.05, not a reset, options 3332,
 * 3412 and 3420 at most once each and well-formed, and no critical option we do not act on.
 */
export function decodeCoiot(bytes: Uint8Array): CoiotMessage {
  const length = bytes.length;
  if (length > MAX_DATAGRAM_BYTES) throw new InvalidDatagram(`datagram of ${length} bytes`);
  if (length < 4) throw new InvalidDatagram(`datagram of ${length} bytes is shorter than a CoAP header`);
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

  const first = buf[0] as number;
  const code = buf[1] as number;
  if (first >> 6 !== 1) throw notCoap('Unsupported version');
  let index = 4;
  let tokenLength = first & 15;
  if (tokenLength === 13) tokenLength = byteAt(buf, index++) + 13;
  else if (tokenLength === 14) {
    tokenLength = ((byteAt(buf, index) << 8) | byteAt(buf, index + 1)) + 269;
    index += 2;
  } else if (tokenLength === 15) throw notCoap('Token length not allowed');
  index += tokenLength;

  let problem: string | undefined; // the first option a CoIoT publish must not have, thrown after the frame checks
  let path = '';
  let devidStart = -1;
  let devidEnd = -1;
  let validityStart = -1;
  let validityEnd = -1;
  let serialStart = -1;
  let serialEnd = -1;
  let payloadAt = length;
  if (code === 0) {
    if (length !== 4) throw notCoap('Empty messages must be empty');
  } else {
    let number = 0;
    while (index < length) {
      const byte = buf[index] as number;
      if (byte === PAYLOAD_MARKER) {
        payloadAt = index + 1;
        break;
      }
      index++;
      let delta = byte >> 4;
      let size = byte & 15;
      if (delta === 13) delta = byteAt(buf, index++) + 13;
      else if (delta === 14) {
        delta = ((byteAt(buf, index) << 8) | byteAt(buf, index + 1)) + 269;
        index += 2;
      } else if (delta === 15) throw notCoap('Wrong option delta');
      if (size === 13) size = byteAt(buf, index++) + 13;
      else if (size === 14) {
        size = ((byteAt(buf, index) << 8) | byteAt(buf, index + 1)) + 269;
        index += 2;
      } else if (size === 15) throw notCoap('Wrong option length');
      number += delta;
      // A value that runs past the end is cut there (as coap-packet does); the checks below then see it short.
      const start = index;
      const end = Math.min(index + size, length);
      index += size;
      if (problem !== undefined) continue;
      if (number === URI_PATH) path = appendPath(path, buf, start, end);
      else if (number === OPTION_GLOBAL_DEVID) {
        if (devidStart >= 0) problem = 'option 3332 repeated';
        else {
          devidStart = start;
          devidEnd = end;
        }
      } else if (number === OPTION_STATUS_VALIDITY) {
        if (validityStart >= 0) problem = 'option 3412 repeated';
        else {
          validityStart = start;
          validityEnd = end;
        }
      } else if (number === OPTION_STATUS_SERIAL) {
        if (serialStart >= 0) problem = 'option 3420 repeated';
        else {
          serialStart = start;
          serialEnd = end;
        }
      } else if (number % 2 === 1) {
        // RFC 7252 §5.4.1: a critical (odd) option we do not act on means we must not process the message.
        problem = `unexpected critical CoAP option ${CRITICAL_NAMES[number] ?? number}`;
      }
    }
  }
  if ((first & 0x30) === 0x30) throw new InvalidDatagram('CoAP reset message');
  if (code !== CODE_PUBLISH && code !== CODE_CONTENT) {
    const name = `${code >> 5}.${String(code & 31).padStart(2, '0')}`;
    throw new InvalidDatagram(`CoAP code ${name} is neither 0.30 nor 2.05`);
  }
  if (problem !== undefined) throw new InvalidDatagram(problem);
  if (devidStart < 0) throw new InvalidDatagram('option 3332 (device id) missing');
  if (devidEnd - devidStart > MAX_DEVID_BYTES)
    throw new InvalidDatagram(`option 3332 is ${devidEnd - devidStart} bytes long`);
  const devid = devidAt(buf, devidStart, devidEnd);
  const message = new Decoded(
    code === CODE_PUBLISH ? '0.30' : '2.05',
    (buf[2] as number) * 256 + (buf[3] as number),
    devid,
    path,
    buf.subarray(payloadAt),
  );
  if (validityStart >= 0)
    message.validityS = validitySeconds(uint16le(buf, validityStart, validityEnd, 3412));
  if (serialStart >= 0) message.serial = uint16le(buf, serialStart, serialEnd, 3420);
  return message;
}

/** A decoded datagram; `serialBytes` is made only when someone asks for it. */
class Decoded implements CoiotMessage {
  deviceType: string;
  deviceId: string;
  mac: string;
  protocolVersion: number;
  validityS?: number;
  serial?: number;

  constructor(
    public code: CoiotCode,
    public messageId: number,
    devid: Devid,
    public path: string,
    public payload: Buffer,
  ) {
    this.deviceType = devid.deviceType;
    this.deviceId = devid.deviceId;
    this.mac = devid.mac;
    this.protocolVersion = devid.protocolVersion;
  }

  get serialBytes(): Buffer | undefined {
    return this.serial === undefined ? undefined : Buffer.from([this.serial & 0xff, this.serial >> 8]);
  }
}

function notCoap(reason: string): InvalidDatagram {
  return new InvalidDatagram(`not a CoAP message: ${reason}`);
}

function byteAt(buf: Buffer, index: number): number {
  const byte = buf[index];
  if (byte === undefined) throw notCoap('header runs past the end of the datagram');
  return byte;
}

/** Uri-Path joined with `/`; the usual `/cit/s` comes out without making strings of its segments. */
function appendPath(path: string, buf: Buffer, start: number, end: number): string {
  const size = end - start;
  if (path === '' && size === 3 && buf[start] === 0x63 && buf[start + 1] === 0x69 && buf[start + 2] === 0x74)
    return '/cit';
  if (path === '/cit' && size === 1 && buf[start] === 0x73) return '/cit/s';
  return `${path}/${buf.toString('utf8', start, end)}`;
}

/**
 * Devices send 3412/3420 little-endian although the doc says network order: consecutive serials arrive as
 * `2b 01`, `30 01`, `31 01` and validity is always `96 00` (= 150 → 15 s, the default update period).
 */
function uint16le(buf: Buffer, start: number, end: number, option: number): number {
  if (end - start !== 2) throw new InvalidDatagram(`option ${option} is ${end - start} bytes, expected 2`);
  return (buf[start] as number) | ((buf[start + 1] as number) << 8);
}

/** Option 3412: the least significant bit picks the unit, 0 → ×0.1 s, 1 → ×4 s. */
export function validitySeconds(raw: number): number {
  return (raw & 1) === 0 ? raw / 10 : raw * 4;
}
