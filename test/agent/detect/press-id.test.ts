import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RingEvent } from '../../../agent/core/events.ts';
import type { ChimeSettings } from '../../../agent/detect/chime.ts';
import { Detector, MemoryChannelStore } from '../../../agent/detect/detector.ts';
import type { Evidence } from '../../../agent/detect/evidence.ts';

const DEVICE = 'shellyuni-98CDAC25ABCD';
const MECHANICAL: ChimeSettings = { mode: 'mechanical', durationS: null, settleS: 1 };
type Input = [atS: number, evidence: Partial<Evidence>];

/** One agent run over a store: feeds the inputs (seconds), fires due timers, returns the rings. */
function run(store: MemoryChannelStore, inputs: Input[]): RingEvent[] {
  const detector = new Detector([{ device: DEVICE, input: 0, chime: MECHANICAL }], store);
  const rings: RingEvent[] = [];
  const advance = (ms: number) => {
    for (let due = detector.nextWakeMs(); due !== null && due <= ms; due = detector.nextWakeMs()) {
      rings.push(...detector.tick(due).rings);
    }
  };
  for (const [atS, evidence] of inputs) {
    advance(atS * 1000);
    rings.push(...detector.ingest({ device: DEVICE, input: 0, via: 'coiot', ...evidence }, atS * 1000).rings);
  }
  advance(((inputs.at(-1)?.[0] ?? 0) + 60) * 1000);
  return rings;
}

const copy = (store: MemoryChannelStore) => {
  const snapshot = new MemoryChannelStore();
  const key = `${DEVICE}#0`;
  const state = store.loadChannel(key);
  if (state) snapshot.saveChannel(key, state);
  return snapshot;
};
const report = (level: boolean, count: number, event = ''): Partial<Evidence> => ({
  level,
  counter: { value: count, event },
});

describe('press ids from what the Uni reports', () => {
  it('a press decided again after a power cut lost its state gets the id it was rung with', () => {
    const store = new MemoryChannelStore();
    run(store, [[0, report(false, 7)]]);
    // What the disk still holds after the cut: the state from before the press.
    const beforeThePress = copy(store);
    const live = run(store, [
      [30, report(true, 7)],
      [30.3, report(false, 8, 'S')],
    ]);
    expect(live).toHaveLength(1);
    expect(live[0]).toMatchObject({ recovered: false, press_id: expect.stringMatching(/:0:c7@/) });
    // The restarted agent hears the Uni's next report: the counter moved, the edge is long gone.
    const again = run(beforeThePress, [[95, report(false, 8)]]);
    expect(again).toHaveLength(1);
    expect(again[0]).toMatchObject({ recovered: true, press_id: live[0]?.press_id });
  });

  it('also when the step came before the rise (paths reordered)', () => {
    const store = new MemoryChannelStore();
    run(store, [[0, report(false, 3)]]);
    const beforeThePress = copy(store);
    const live = run(store, [
      [20.3, { via: 'mqtt', counter: { value: 4, event: 'S' } }],
      [20.5, report(true, 3)],
      [20.6, report(false, 4)],
    ]);
    expect(live).toHaveLength(1);
    const again = run(beforeThePress, [[80, report(false, 4)]]);
    expect(again.map((r) => r.press_id)).toEqual(live.map((r) => r.press_id));
  });

  it('presses recovered from one counter jump each get the id of their own step, whatever the jump they come in', () => {
    const store = new MemoryChannelStore();
    run(store, [[0, report(false, 4)]]);
    const beforeTheJump = copy(store);
    // The agent heard nothing while the Uni counted three presses (4 → 7): recovered, one ring each.
    const first = run(store, [[60, report(false, 7)]]);
    expect(first.map((r) => r.press_id.replace(/@\d+/, ''))).toEqual(
      [4, 5, 6].map((n) => `${DEVICE}:0:c${n}`),
    );
    // A crash lost that decision; by the restarted agent's first report the Uni had counted a fourth press. The
    // three are decided again in a jump of four: under the ids they went out with, and the fourth under its own.
    const again = run(beforeTheJump, [[120, report(false, 8)]]);
    expect(again).toHaveLength(4);
    expect(again.slice(0, 3).map((r) => r.press_id)).toEqual(first.map((r) => r.press_id));
    expect(new Set([...first, ...again].map((r) => r.press_id)).size).toBe(4);
  });

  it('for any counter and jumps: the presses of a jump decided again in a longer one keep their ids', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff }),
        // Fewer than ten in all: ten counts at once are the relay chattering (one press), by design.
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: 4 }),
        (start, counted, more) => {
          const store = new MemoryChannelStore();
          run(store, [[0, report(false, start)]]);
          const beforeTheJump = copy(store);
          const first = run(store, [[60, report(false, (start + counted) & 0xffff)]]);
          const again = run(beforeTheJump, [[120, report(false, (start + counted + more) & 0xffff)]]);
          expect(first).toHaveLength(counted);
          expect(again).toHaveLength(counted + more);
          expect(new Set([...first, ...again].map((r) => r.press_id)).size).toBe(counted + more);
        },
      ),
    );
  });

  it('presses the Uni did not count, and presses across a reboot, never share an id', () => {
    const store = new MemoryChannelStore();
    const rings = run(store, [
      [0, report(false, 2)],
      // Counted, then two presses an hour apart that the firmware did not count.
      [10, report(true, 2)],
      [10.3, report(false, 3, 'S')],
      [20, report(true, 3)],
      [20.3, report(false, 3)],
      [3_620, report(true, 3)],
      [3_620.3, report(false, 3)],
      // The Uni rebooted (counter back to 0) and counts up to 3 again.
      [7_200, report(false, 0)],
      ...[0, 1, 2].flatMap((n): Input[] => [
        [7_210 + n * 10, report(true, n)],
        [7_210.3 + n * 10, report(false, n + 1, 'S')],
      ]),
    ]);
    expect(rings).toHaveLength(6);
    expect(new Set(rings.map((r) => r.press_id)).size).toBe(6);
  });

  it('falls back to the arrival time where no counter is known (Gen2, or no report yet)', () => {
    const rings = run(new MemoryChannelStore(), [
      [1, { level: false }],
      [5, { level: true }],
    ]);
    expect(rings[0]?.press_id).toBe(`${DEVICE}:0:5000`);
  });
});
