import { parse } from 'coap-packet';
import { InvalidDatagram } from '../../../agent/core/errors.ts';
import {
  type CoiotMessage,
  MAX_DATAGRAM_BYTES,
  OPTION_GLOBAL_DEVID,
  OPTION_STATUS_SERIAL,
  OPTION_STATUS_VALIDITY,
  shellyIdFor,
  validitySeconds,
} from '../../../agent/protocol/coiot-packet.ts';

/**
 * The CoIoT decoder as it was before it walked the CoAP frame itself: `coap-packet` parses, this checks. Kept as
 * the reference the fast decoder must agree with (`coiot-packet-reference.test.ts`).
 */
const MAX_DEVID_BYTES = 100;

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
  // Odd, hence critical, but named by coap-packet, so the old decoder let them through (the new one refuses them).
  'OCF-Accept-Content-Format-Version',
  'OCF-Content-Format-Version',
]);

const DEVTYPE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;
const DEVID = /^[A-Za-z0-9]{1,32}$/;
const VERSION = /^[0-9]{1,3}$/;

/** Decode one CoIoT datagram. Throws only `InvalidDatagram`. */
export function referenceDecodeCoiot(bytes: Uint8Array): CoiotMessage {
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
