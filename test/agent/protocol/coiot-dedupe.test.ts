import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CoiotDeduper, type DedupeMark } from '../../../agent/protocol/coiot-dedupe.ts';
import { decodeCoiot } from '../../../agent/protocol/coiot-packet.ts';
import { contractTraces } from './fixtures.ts';

const A = Buffer.from('{"G":[[0,2101,0]]}');
const B = Buffer.from('{"G":[[0,2101,1]]}');
const DEV = 'shellyuni-AABBCC112233';

describe('CoiotDeduper', () => {
  it('drops the periodic re-sends of the mechanical example and keeps every change', () => {
    const d = new CoiotDeduper();
    const lines = (contractTraces().get('example-mechanical-coiot.jsonl') ?? []).filter(
      (l) => l.kind === 'coiot',
    );
    const verdicts = lines.map((l) => {
      const m = decodeCoiot(Buffer.from(l.hex, 'hex'));
      return `${m.serial}:${d.accept(m.deviceId, m.serial, m.payload, l.t * 1000)}`;
    });
    expect(verdicts.slice(0, 7)).toEqual([
      '40:new',
      '40:duplicate',
      '41:new',
      '42:new',
      '43:new',
      '43:duplicate',
      '43:duplicate',
    ]);
  });

  it('duplicate needs the same serial AND payload', () => {
    const d = new CoiotDeduper();
    expect(d.accept(DEV, 7, A, 0)).toBe('new');
    expect(d.accept(DEV, 7, A, 15_000)).toBe('duplicate');
    expect(d.accept(DEV, 7, B, 15_001)).toBe('new'); // new data under an old serial (seen on HT/4Pro)
    expect(d.accept(DEV, 8, B, 15_002)).toBe('new'); // +1 with identical payload (seen in ioBroker logs)
  });

  it('a serial 1..64 behind within 2 s is a reordered, stale packet', () => {
    const d = new CoiotDeduper();
    d.accept(DEV, 100, B, 1000);
    expect(d.accept(DEV, 99, A, 1300)).toBe('stale');
    expect(d.accept(DEV, 36, A, 1400)).toBe('stale');
    expect(d.accept(DEV, 35, A, 1500)).toBe('new'); // 65 behind: a reboot
  });

  it('a serial behind after 2 s is a reboot and accepted', () => {
    const d = new CoiotDeduper();
    d.accept(DEV, 100, B, 1000);
    expect(d.accept(DEV, 99, A, 3000)).toBe('new');
    expect(d.accept(DEV, 100, B, 3100)).toBe('new'); // the reference moved to 99
  });

  it('handles the uint16 wrap', () => {
    const d = new CoiotDeduper();
    d.accept(DEV, 0, B, 0);
    expect(d.accept(DEV, 65535, A, 100)).toBe('stale');
    const e = new CoiotDeduper();
    e.accept(DEV, 65535, A, 0);
    expect(e.accept(DEV, 0, B, 100)).toBe('new');
  });

  it('a clock going backwards never makes a packet stale', () => {
    const d = new CoiotDeduper();
    d.accept(DEV, 10, B, 5000);
    expect(d.accept(DEV, 9, A, 4000)).toBe('new');
  });

  it('without a serial (GET replies) dedupes by payload only', () => {
    const d = new CoiotDeduper();
    expect(d.accept(DEV, undefined, A, 0)).toBe('new');
    expect(d.accept(DEV, undefined, A, 10)).toBe('duplicate');
    expect(d.accept(DEV, 5, A, 20)).toBe('new');
    expect(d.accept(DEV, undefined, A, 30)).toBe('duplicate');
    expect(d.accept(DEV, undefined, B, 40)).toBe('new');
    expect(d.accept(DEV, 5, A, 50)).toBe('duplicate'); // the serial reference is untouched by replies
  });

  it('keeps devices apart', () => {
    const d = new CoiotDeduper();
    d.accept('a', 1, A, 0);
    expect(d.accept('b', 1, A, 0)).toBe('new');
  });

  it('does not keep a reference to the caller’s buffer', () => {
    const d = new CoiotDeduper();
    const buf = Buffer.from(A);
    d.accept(DEV, 1, buf, 0);
    buf.fill(0);
    expect(d.accept(DEV, 1, A, 10)).toBe('duplicate');
  });

  it('gives the same verdicts for a payload it may keep as it is (owned) as for one it copies', () => {
    const owned = new CoiotDeduper();
    const copied = new CoiotDeduper();
    const payloads = [A, Buffer.from(A), B, Buffer.from(B)];
    const steps = [1, 1, 2, 2, 2, 1, 3, undefined, undefined, 3, 3].map((serial, k) => ({
      serial,
      payload: payloads[(k * 7) % 4] as Buffer,
      t: k * 500,
    }));
    for (const { serial, payload, t } of steps)
      expect(owned.accept(DEV, serial, payload, t, true)).toBe(copied.accept(DEV, serial, payload, t));
  });

  it('forgets the least recently heard device beyond its cap', () => {
    const d = new CoiotDeduper({ maxDevices: 2 });
    d.accept('a', 1, A, 0);
    d.accept('b', 1, A, 0);
    d.accept('a', 1, A, 1); // a is now the most recent
    d.accept('c', 1, A, 2);
    expect(d.size).toBe(2);
    expect(d.accept('a', 1, A, 3)).toBe('duplicate');
    expect(d.accept('b', 1, A, 4)).toBe('new'); // b was evicted
  });

  it('a mark repeats a packet only while it is its device’s last: then accept says duplicate too', () => {
    const payloads = [A, Buffer.from(A), B];
    const step = fc.record({
      device: fc.constantFrom('a', 'b', 'c'),
      serial: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
      payload: fc.integer({ min: 0, max: 2 }),
      dt: fc.integer({ min: 0, max: 3_000 }),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const d = new CoiotDeduper({ maxDevices: 2 });
        const marks: Array<{
          device: string;
          mark: DedupeMark;
          serial: number | undefined;
          payload: Buffer;
        }> = [];
        let t = 0;
        for (const { device, serial, payload: k, dt } of steps) {
          t += dt;
          const payload = payloads[k] as Buffer;
          // A mark that repeats its packet is still its device's last, and accept agrees: duplicate.
          for (const m of marks)
            if (CoiotDeduper.repeats(m.mark, m.serial, m.payload)) {
              expect(d.markOf(m.device)).toBe(m.mark);
              expect(d.accept(m.device, m.serial, m.payload, t, true)).toBe('duplicate');
            }
          const verdict = d.accept(device, serial, payload, t, true);
          const mark = d.markOf(device);
          if (mark === undefined) throw new Error('accept left no mark');
          // A new packet with a serial is its device's last: its mark repeats it.
          if (verdict === 'new' && serial !== undefined)
            expect(CoiotDeduper.repeats(mark, serial, payload)).toBe(true);
          marks.push({ device, mark, serial, payload });
        }
      }),
    );
  });

  it('a mark stops repeating once its device’s last packet changes, or the device is forgotten', () => {
    const d = new CoiotDeduper({ maxDevices: 1 });
    d.accept(DEV, 1, A, 0, true);
    const mark = d.markOf(DEV) as DedupeMark;
    expect(CoiotDeduper.repeats(mark, 1, A)).toBe(true);
    expect(CoiotDeduper.repeats(mark, 1, Buffer.from(A))).toBe(false); // another buffer: ask accept
    expect(CoiotDeduper.repeats(mark, 2, A)).toBe(false);
    d.accept(DEV, undefined, B, 1, true); // a GET reply: the serial's record stands
    expect(CoiotDeduper.repeats(mark, 1, A)).toBe(true);
    d.accept(DEV, 2, B, 2, true);
    expect(CoiotDeduper.repeats(mark, 1, A)).toBe(false);
    d.accept(DEV, 1, A, 10_000, true);
    const again = d.markOf(DEV) as DedupeMark;
    d.accept('other', 1, A, 10_001, true); // evicts DEV (cap 1)
    expect(CoiotDeduper.repeats(again, 1, A)).toBe(false);
    d.accept(DEV, 1, A, 10_002, true);
    const third = d.markOf(DEV) as DedupeMark;
    d.forget(DEV);
    expect(CoiotDeduper.repeats(third, 1, A)).toBe(false);
  });
});
