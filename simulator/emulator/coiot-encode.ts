import { generate } from 'coap-packet';

/** The inverse of `agent/protocol/coiot-packet.ts`: a CoIoT status publish exactly as a SHUNI-1 lays it out. */
export interface StatusPublish {
  deviceType: string;
  mac: string;
  protocolVersion?: number;
  messageId: number;
  /** uint16 serial, written little-endian as real devices do (never 0). */
  serial: number;
  /** Validity in seconds; the device writes 15 s as `96 00`. */
  validityS?: number;
  /** `[channel, id, value]` tuples. */
  values: Array<[number, number, number | string]>;
  /** 0.30 for a publish (multicast or unicast), 2.05 for a reply. */
  code?: '0.30' | '2.05';
}

function uint16le(value: number): Buffer {
  const buffer = Buffer.alloc(2);
  buffer.writeUInt16LE(value & 0xffff, 0);
  return buffer;
}

/** 3412 encoding: LSB 0 → units of 0.1 s, LSB 1 → units of 4 s. */
export function encodeValidity(seconds: number): Buffer {
  const tenths = Math.round(seconds * 10);
  if (tenths % 2 === 0 && tenths <= 0xfffe) return uint16le(tenths);
  return uint16le(((Math.round(seconds / 4) << 1) | 1) & 0xffff);
}

export function encodeStatus(publish: StatusPublish): Buffer {
  const payload = Buffer.from(JSON.stringify({ G: publish.values }));
  return generate({
    code: publish.code ?? '0.30',
    confirmable: false,
    messageId: publish.messageId & 0xffff,
    token: Buffer.alloc(0),
    options: [
      { name: 'Uri-Path', value: Buffer.from('cit') },
      { name: 'Uri-Path', value: Buffer.from('s') },
      {
        name: '3332',
        value: Buffer.from(`${publish.deviceType}#${publish.mac}#${publish.protocolVersion ?? 2}`),
      },
      { name: '3412', value: encodeValidity(publish.validityS ?? 15) },
      { name: '3420', value: uint16le(publish.serial) },
    ],
    payload,
  });
}

/** SHUNI-1 `G` tuples for a state, in the order a real Uni sends them (fixtures/shelly/shuni-1.cit-s.idle.json). */
export function shuniValues(state: {
  inputs: [
    { level: boolean; event: string; count: number },
    { level: boolean; event: string; count: number },
  ];
  adcVolts?: number;
}): Array<[number, number, number | string]> {
  const [in0, in1] = state.inputs;
  return [
    [0, 9103, 0],
    [0, 1101, 0],
    [0, 1201, 0],
    [0, 2101, in0.level ? 1 : 0],
    [0, 2102, in0.event],
    [0, 2103, in0.count],
    [0, 2201, in1.level ? 1 : 0],
    [0, 2202, in1.event],
    [0, 2203, in1.count],
    [0, 3118, state.adcVolts ?? 0],
  ];
}

/**
 * A reply to a CoAP GET (reference §2.5): code 2.05, the request's message id, no Uri-Path, option 3332, then the
 * payload. A `/cit/s` reply also carries 3412/3420 (§2.2); a `/cit/d` reply carries only 3332 (real capture).
 * `ack` answers a confirmable request with a piggybacked ACK instead of NON.
 */
export function encodeReply(reply: {
  deviceType: string;
  mac: string;
  protocolVersion?: number;
  messageId: number;
  token?: Buffer;
  payload: Buffer | string;
  serial?: number;
  validityS?: number;
  ack?: boolean;
}): Buffer {
  const options: Array<{ name: string; value: Buffer }> = [
    { name: '3332', value: Buffer.from(`${reply.deviceType}#${reply.mac}#${reply.protocolVersion ?? 2}`) },
  ];
  if (reply.serial !== undefined) {
    options.push({ name: '3412', value: encodeValidity(reply.validityS ?? 15) });
    options.push({ name: '3420', value: uint16le(reply.serial) });
  }
  return generate({
    code: '2.05',
    confirmable: false,
    ack: reply.ack ?? false,
    messageId: reply.messageId & 0xffff,
    token: reply.token ?? Buffer.alloc(0),
    options,
    payload: Buffer.isBuffer(reply.payload) ? reply.payload : Buffer.from(reply.payload),
  });
}
