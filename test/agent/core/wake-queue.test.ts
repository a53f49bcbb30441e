import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WakeQueue } from '../../../agent/core/wake-queue.ts';

describe('WakeQueue', () => {
  it('gives the earliest wake-up as keys move theirs, and null when none wants one', () => {
    const q = new WakeQueue<string>();
    expect(q.earliest()).toBeNull();
    q.set('a', 50);
    q.set('b', 20);
    expect(q.earliest()).toBe(20);
    q.set('b', 80); // a deadline pushed back
    expect(q.earliest()).toBe(50);
    q.set('a', null);
    expect(q.earliest()).toBe(80);
    q.set('b', null);
    expect(q.earliest()).toBeNull();
  });

  it('takes out each due key once, even when it moved away and back to the same time', () => {
    const q = new WakeQueue<string>();
    q.set('a', 10);
    q.set('a', 30);
    q.set('a', 10);
    q.set('b', 15);
    q.set('c', 40);
    expect([...q.takeDue(20)].sort()).toEqual(['a', 'b']);
    expect(q.earliest()).toBe(40);
    expect(q.takeDue(20).size).toBe(0);
  });

  it('stays right when the stale entries of keys moved ever earlier make it rebuild its heap', () => {
    const q = new WakeQueue<number>();
    // Each move is earlier than the key's last: a new entry every time, the old ones stale (1,000 in all).
    for (let ms = 1_000; ms >= 1; ms--) q.set(ms % 5, ms);
    // Each key's time is now the last it was given: key k at k (key 0 at 5).
    expect(q.earliest()).toBe(1);
    expect([...q.takeDue(3)].sort()).toEqual([1, 2, 3]);
    expect(q.earliest()).toBe(4);
    q.set(4, 900);
    expect([...q.takeDue(899)]).toEqual([0]);
    expect(q.earliest()).toBe(900);
    expect([...q.takeDue(900)]).toEqual([4]);
    expect(q.earliest()).toBeNull();
  });

  it('agrees with a walk over every key (random moves, removals and takes)', () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('set' as const),
        key: fc.integer({ min: 0, max: 20 }),
        ms: fc.option(fc.integer({ min: 0, max: 500 })),
      }),
      fc.record({ kind: fc.constant('take' as const), ms: fc.integer({ min: 0, max: 500 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const q = new WakeQueue<number>();
        const reference = new Map<number, number>();
        for (const o of ops) {
          if (o.kind === 'set') {
            q.set(o.key, o.ms);
            if (o.ms === null) reference.delete(o.key);
            else reference.set(o.key, o.ms);
          } else {
            const due = [...reference].filter(([, ms]) => ms <= o.ms).map(([key]) => key);
            for (const key of due) reference.delete(key);
            expect([...q.takeDue(o.ms)].sort((a, b) => a - b)).toEqual(due.sort((a, b) => a - b));
          }
          const min = reference.size === 0 ? null : Math.min(...reference.values());
          expect(q.earliest()).toBe(min);
        }
      }),
      { numRuns: 500 },
    );
  });
});
