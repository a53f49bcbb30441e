import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidDatagram } from '../../../agent/core/errors.ts';
import type { DeviceNotice, Evidence } from '../../../agent/detect/evidence.ts';
import { CoiotDeduper } from '../../../agent/protocol/coiot-dedupe.ts';
import { decodeCoiot } from '../../../agent/protocol/coiot-packet.ts';
import { SHUNI1_SENSORS, sensorMapFromCitD } from '../../../agent/protocol/coiot-sensors.ts';
import { decodeStatus } from '../../../agent/protocol/coiot-status.ts';
import { contractTraces, hexPackets, shuniDatagram } from './fixtures.ts';

/** Run decode + status; anything thrown must be InvalidDatagram, anything returned must be well-typed. */
function decodeAll(bytes: Uint8Array): void {
  let msg: ReturnType<typeof decodeCoiot>;
  try {
    msg = decodeCoiot(bytes);
  } catch (e) {
    if (!(e instanceof InvalidDatagram)) throw e;
    return;
  }
  expect(['0.30', '2.05']).toContain(msg.code);
  expect(Number.isInteger(msg.messageId) && msg.messageId >= 0 && msg.messageId <= 0xffff).toBe(true);
  expect(msg.deviceId).toMatch(/^[a-z0-9_-]+-[A-Za-z0-9]+$/);
  if (msg.serial !== undefined) expect(msg.serial >= 0 && msg.serial <= 0xffff).toBe(true);
  if (msg.validityS !== undefined) expect(Number.isFinite(msg.validityS) && msg.validityS >= 0).toBe(true);
  let status: ReturnType<typeof decodeStatus>;
  try {
    status = decodeStatus(msg, SHUNI1_SENSORS);
  } catch (e) {
    if (!(e instanceof InvalidDatagram)) throw e;
    return;
  }
  for (const e of status.evidence) checkEvidence(e, msg.deviceId);
  checkNotice(status.notice, msg.deviceId);
}

function checkEvidence(e: Evidence, device: string): void {
  expect(e.device).toBe(device);
  expect(e.via).toBe('coiot');
  expect([0, 1]).toContain(e.input);
  if (e.level !== undefined) expect(typeof e.level).toBe('boolean');
  if (e.counter !== undefined) {
    expect(Number.isInteger(e.counter.value) && e.counter.value >= 0 && e.counter.value <= 0xffff).toBe(true);
    expect(typeof e.counter.event).toBe('string');
  }
  expect(e.level !== undefined || e.counter !== undefined).toBe(true);
}

function checkNotice(n: DeviceNotice, device: string): void {
  expect(n.device).toBe(device);
  if (n.adcVolts !== undefined) expect(Number.isFinite(n.adcVolts) && n.adcVolts !== -1).toBe(true);
}

const captures = [
  ...hexPackets().values(),
  ...[...contractTraces().values()]
    .flat()
    .flatMap((l) => (l.kind === 'coiot' ? [Buffer.from(l.hex, 'hex')] : [])),
];

/** A real capture with bit flips, a truncation, or inserted bytes. */
const mutated = fc
  .record({
    base: fc.constantFrom(...captures),
    flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { maxLength: 4 }),
    cut: fc.option(fc.nat()),
    insert: fc.option(fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 }))),
  })
  .map(({ base, flips, cut, insert }) => {
    let b = Buffer.from(base);
    for (const [pos, bit] of flips) b[pos % b.length]! ^= 1 << bit;
    if (insert !== null) {
      const at = insert[0] % (b.length + 1);
      b = Buffer.concat([b.subarray(0, at), insert[1], b.subarray(at)]);
    }
    if (cut !== null) b = b.subarray(0, cut % (b.length + 1));
    return b;
  });

describe('CoIoT decoders never throw anything but InvalidDatagram', () => {
  it('arbitrary bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), decodeAll), { numRuns: 3000 });
  });

  it('bytes that start like a CoIoT publish', () => {
    const head = Buffer.from('501e0100b36369740173', 'hex');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (tail) => decodeAll(Buffer.concat([head, tail]))),
      { numRuns: 2000 },
    );
  });

  it('mutated real captures (bit flips, truncation, inserted bytes)', () => {
    fc.assert(fc.property(mutated, decodeAll), { numRuns: 5000 });
  });

  it('well-formed packets with arbitrary JSON payloads', () => {
    fc.assert(
      fc.property(fc.oneof(fc.json({ depthSize: 'medium' }), fc.string({ maxLength: 400 })), (payload) =>
        decodeAll(shuniDatagram({ payload })),
      ),
      { numRuns: 2000 },
    );
  });

  it('G tuples with arbitrary values', () => {
    const tuple = fc.tuple(
      fc.constantFrom(0, 0, 0, 1),
      fc.constantFrom(...SHUNI1_SENSORS.keys(), 3101, 42),
      fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.integer(), fc.double()),
    );
    fc.assert(
      fc.property(fc.array(tuple, { maxLength: 30 }), (g) =>
        decodeAll(shuniDatagram({ payload: JSON.stringify({ G: g }) })),
      ),
      { numRuns: 2000 },
    );
  });

  it('oversize payloads and deeply nested JSON are refused quickly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 5, max: 9000 }), fc.constantFrom('[', '{"a":'), (depth, open) => {
        const close = open === '[' ? ']' : '}';
        const payload = `{"G":${open.repeat(depth)}${close.repeat(depth)}}`;
        const started = performance.now();
        expect(() => decodeStatus(decodeCoiot(shuniDatagram({ payload })), SHUNI1_SENSORS)).toThrow(
          InvalidDatagram,
        );
        expect(performance.now() - started).toBeLessThan(200);
      }),
      { numRuns: 50 },
    );
  });

  it('sensorMapFromCitD on arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (json) => {
        try {
          const map = sensorMapFromCitD(json);
          expect(map.size).toBeGreaterThan(0);
        } catch (e) {
          if (!(e instanceof InvalidDatagram)) throw e;
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('CoiotDeduper properties', () => {
  const op = fc.record({
    device: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
    serial: fc.option(fc.integer({ min: 0, max: 0xffff })),
    payload: fc.constantFrom('x', 'y', 'z'),
    dt: fc.integer({ min: 0, max: 5000 }),
  });

  it('never tracks more devices than its cap, and an immediate copy of an accepted packet is a duplicate', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), fc.integer({ min: 1, max: 4 }), (ops, cap) => {
        const d = new CoiotDeduper({ maxDevices: cap });
        let now = 0;
        for (const o of ops) {
          now += o.dt;
          const serial = o.serial ?? undefined;
          const verdict = d.accept(o.device, serial, Buffer.from(o.payload), now);
          expect(d.size).toBeLessThanOrEqual(cap);
          if (verdict === 'new')
            expect(d.accept(o.device, serial, Buffer.from(o.payload), now)).toBe('duplicate');
        }
      }),
    );
  });

  it('a stream of increasing serials is all new', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 1, max: 300 }), (start, n) => {
        const d = new CoiotDeduper();
        for (let i = 0; i < n; i++) {
          expect(d.accept('a', (start + i) % 0x10000, Buffer.from([i & 0xff]), i * 10)).toBe('new');
        }
      }),
      { numRuns: 50 },
    );
  });
});
