import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LruMap } from '../../../agent/core/lru.ts';

describe('LruMap', () => {
  it('orders keys by last use: get and set touch, peek and has do not', () => {
    const lru = new LruMap<string, number>();
    lru.set('a', 1);
    lru.set('b', 2);
    lru.set('c', 3);
    expect(lru.get('a')).toBe(1);
    expect([...lru.keys()]).toEqual(['b', 'c', 'a']);
    lru.set('b', 20);
    expect([...lru.keys()]).toEqual(['c', 'a', 'b']);
    expect(lru.peek('c')).toBe(3);
    expect(lru.has('c')).toBe(true);
    expect(lru.oldestKey()).toBe('c');
    expect(lru.delete('c')).toBe(true);
    expect(lru.delete('c')).toBe(false);
    expect([lru.oldestKey(), lru.size]).toEqual(['a', 2]);
  });

  it('agrees with a Map used as an LRU (delete and set again on each use)', () => {
    const op = fc.record({
      kind: fc.constantFrom('get', 'set', 'delete', 'peek'),
      key: fc.integer({ min: 0, max: 8 }),
      value: fc.integer(),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const lru = new LruMap<number, number>();
        const reference = new Map<number, number>();
        for (const o of ops) {
          if (o.kind === 'get') {
            const v = reference.get(o.key);
            if (v !== undefined) {
              reference.delete(o.key);
              reference.set(o.key, v);
            }
            expect(lru.get(o.key)).toBe(v);
          } else if (o.kind === 'set') {
            reference.delete(o.key);
            reference.set(o.key, o.value);
            lru.set(o.key, o.value);
          } else if (o.kind === 'delete') expect(lru.delete(o.key)).toBe(reference.delete(o.key));
          else expect(lru.peek(o.key)).toBe(reference.get(o.key));
          expect([...lru.keys()]).toEqual([...reference.keys()]);
          expect(lru.oldestKey()).toBe(reference.keys().next().value);
          expect(lru.size).toBe(reference.size);
        }
      }),
    );
  });
});
