import { generate } from 'coap-packet';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidDatagram } from '../../../agent/core/errors.ts';
import { type CoiotMessage, decodeCoiot } from '../../../agent/protocol/coiot-packet.ts';
import { referenceDecodeCoiot } from './coiot-packet-reference.ts';
import { contractTraces, hexPackets, IDLE_G, shuniDatagram } from './fixtures.ts';

/**
 * The decoder walks the CoAP frame itself (it runs for every datagram, floods included); it must accept and refuse
 * exactly what the `coap-packet`-based decoder it replaced did, and decode the same fields.
 */
function outcome(decode: (bytes: Uint8Array) => CoiotMessage, bytes: Uint8Array) {
  try {
    const m = decode(bytes);
    return { ...m, payload: m.payload.toString('hex'), serialBytes: m.serialBytes?.toString('hex') };
  } catch (e) {
    if (!(e instanceof InvalidDatagram)) throw e;
    return 'invalid';
  }
}

function agrees(bytes: Uint8Array): void {
  expect(outcome(decodeCoiot, bytes)).toEqual(outcome(referenceDecodeCoiot, bytes));
}

const captures = [
  ...hexPackets().values(),
  ...[...contractTraces().values()]
    .flat()
    .flatMap((l) => (l.kind === 'coiot' ? [Buffer.from(l.hex, 'hex')] : [])),
];

const option = fc.record({
  name: fc.oneof(
    fc.constantFrom('Uri-Path', '3332', '3412', '3420', 'Block2', 'Observe', 'Content-Format', 'Uri-Query'),
    fc.integer({ min: 1, max: 3600 }).map(String),
  ),
  value: fc.oneof(
    fc
      .constantFrom('cit', 's', 'd', '', 'SHUNI-1#AABBCC112233#2', 'SHSW-1#8caab5054697#1', 'x#y#z')
      .map((t) => Buffer.from(t)),
    fc.uint8Array({ maxLength: 4 }).map((b) => Buffer.from(b)),
    fc.uint8Array({ minLength: 10, maxLength: 300 }).map((b) => Buffer.from(b)),
  ),
});

describe('the CoIoT decoder agrees with the coap-packet based one', () => {
  it('on every capture and example trace datagram', () => {
    for (const bytes of captures) agrees(bytes);
  });

  it('on arbitrary bytes, and bytes that start like a publish', () => {
    const head = Buffer.from('501e0100b36369740173', 'hex');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (tail, publish) =>
        agrees(publish ? Buffer.concat([head, tail]) : tail),
      ),
      { numRuns: 5000 },
    );
  });

  it('on mutated captures (bit flips, truncation, inserted bytes)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...captures),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { maxLength: 4 }),
        fc.option(fc.nat()),
        fc.option(fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 }))),
        (base, flips, cut, insert) => {
          let b = Buffer.from(base);
          for (const [pos, bit] of flips) b[pos % b.length]! ^= 1 << bit;
          if (insert !== null) {
            const at = insert[0] % (b.length + 1);
            b = Buffer.concat([b.subarray(0, at), insert[1], b.subarray(at)]);
          }
          if (cut !== null) b = b.subarray(0, cut % (b.length + 1));
          agrees(b);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('on well-formed frames with any options, codes, types and tokens', () => {
    fc.assert(
      fc.property(
        fc.array(option, { maxLength: 7 }),
        fc.constantFrom('0.30', '2.05', '0.01', '2.04', '0.00'),
        fc.constantFrom('non', 'con', 'ack', 'reset'),
        fc.uint8Array({ maxLength: 20 }),
        fc.option(fc.constantFrom(IDLE_G, '', '{}')),
        (options, code, type, token, payload) => {
          let bytes: Buffer;
          try {
            bytes = generate(
              {
                code,
                messageId: 0x1234,
                confirmable: type === 'con',
                ack: type === 'ack',
                reset: type === 'reset',
                token: Buffer.from(token),
                options,
                payload: payload === null ? undefined : Buffer.from(payload),
              },
              70_000,
            );
          } catch {
            return; // coap-packet cannot write this one
          }
          agrees(bytes);
        },
      ),
      { numRuns: 5000 },
    );
  });
});

describe('fast paths of the decoder', () => {
  it('reads a device id again from its cache, and a cached id still needs the rest of the datagram to be valid', () => {
    const good = shuniDatagram({ payload: IDLE_G, devid: 'SHUNI-1#98cdac25abcd#2', serial: 5 });
    for (let i = 0; i < 3; i++) expect(decodeCoiot(good).deviceId).toBe('shellyuni-98CDAC25ABCD');
    const badSerial = shuniDatagram({
      payload: IDLE_G,
      devid: 'SHUNI-1#98cdac25abcd#2',
      validity: Buffer.from([1]),
    });
    expect(() => decodeCoiot(badSerial)).toThrow(/3412 is 1 bytes/);
  });

  it('reads every id right through a flood of forged ones (more than its cache holds), and refuses a bad id however often it comes', () => {
    const real = shuniDatagram({ payload: IDLE_G, devid: 'SHUNI-1#AABBCC112233#2' });
    for (let i = 0; i < 5_000; i++) {
      const forged = shuniDatagram({
        payload: IDLE_G,
        devid: `SHUNI-1#${i.toString(16).padStart(12, '0')}#2`,
      });
      expect(decodeCoiot(forged).mac).toBe(i.toString(16).padStart(12, '0').toUpperCase());
      if (i % 100 === 0) expect(decodeCoiot(real).deviceId).toBe('shellyuni-AABBCC112233');
      if (i % 1000 === 0)
        expect(() => decodeCoiot(shuniDatagram({ payload: IDLE_G, devid: 'SHUNI-1#AABB!#2' }))).toThrow(
          /<type>#/,
        );
    }
  });

  it('refuses the OCF options (odd, so critical) that the coap-packet names let through before', () => {
    const devid = { name: '3332', value: Buffer.from('SHUNI-1#AABBCC112233#2') };
    for (const name of ['2049', '2053']) {
      const bytes = generate({
        code: '0.30',
        confirmable: false,
        messageId: 1,
        options: [devid, { name, value: Buffer.from([1]) }],
      });
      expect(() => decodeCoiot(bytes)).toThrow(/critical CoAP option 20/);
    }
  });
});
