import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeadlineLanes } from '../../../agent/core/deadline-lanes.ts';

describe('DeadlineLanes', () => {
  it('keeps each key at its last deadline, across lanes, and takes out the due ones in order', () => {
    const lanes = new DeadlineLanes<string>();
    const [a, b, c] = ['a', 'b', 'c'].map((key) => lanes.slot(key)) as [never, never, never];
    expect(lanes.earliest()).toBeNull();
    lanes.set(a, 33, 33);
    lanes.set(b, 38, 38);
    lanes.set(c, 40, 33);
    expect(lanes.earliest()).toBe(33);
    lanes.set(a, 48, 33); // a report: moved behind c
    expect(lanes.earliest()).toBe(38);
    expect(lanes.takeDue(45)).toEqual(['b', 'c']);
    expect(lanes.earliest()).toBe(48);
    lanes.set(a, null, 33);
    expect(lanes.earliest()).toBeNull();
    expect(lanes.takeDue(1_000)).toEqual([]);
  });

  it('agrees with a plain list of deadlines whatever the order of the times (a clock that steps back)', () => {
    const op = fc.record({
      key: fc.integer({ min: 0, max: 5 }),
      ms: fc.option(fc.integer({ min: 0, max: 200 }), { nil: null }),
      lane: fc.constantFrom(10, 20, 30),
      takeAt: fc.option(fc.integer({ min: 0, max: 200 }), { nil: null, freq: 4 }),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const lanes = new DeadlineLanes<number>();
        const slots = Array.from({ length: 6 }, (_, key) => lanes.slot(key));
        const plain = new Map<number, number>();
        for (const { key, ms, lane, takeAt } of ops) {
          if (takeAt !== null) {
            const due = [...plain].filter(([, at]) => at <= takeAt);
            for (const [k] of due) plain.delete(k);
            expect(lanes.takeDue(takeAt).sort()).toEqual(due.map(([k]) => k).sort());
          } else {
            lanes.set(slots[key] as (typeof slots)[number], ms, lane);
            if (ms === null) plain.delete(key);
            else plain.set(key, ms);
          }
          const times = [...plain.values()];
          expect(lanes.earliest()).toBe(times.length === 0 ? null : Math.min(...times));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('stays right when the delay changes with every deadline (its empty lanes are swept)', () => {
    const lanes = new DeadlineLanes<number>();
    const slots = Array.from({ length: 3 }, (_, key) => lanes.slot(key));
    // A device announcing a new validity with every report: a new lane each time.
    for (let report = 0; report < 500; report++)
      lanes.set(slots[report % 3] as (typeof slots)[number], report + 100 + (report % 7), 100 + report);
    expect(lanes.earliest()).toBe(497 + 100 + (497 % 7));
    expect(lanes.takeDue(10_000).sort()).toEqual([0, 1, 2]);
    expect(lanes.earliest()).toBeNull();
  });
});
