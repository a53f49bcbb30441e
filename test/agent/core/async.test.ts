import { describe, expect, it } from 'vitest';
import { eachLimited } from '../../../agent/core/async.ts';

/** A task per item that finishes only when the test says so. */
function gate() {
  const started: number[] = [];
  const finish = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  const task = (item: number) =>
    new Promise<void>((resolve, reject) => {
      started.push(item);
      finish.set(item, { resolve, reject });
    });
  return { started, finish, task };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('eachLimited', () => {
  it('starts items in order, never more than the limit at once', async () => {
    const { started, finish, task } = gate();
    const done = eachLimited([1, 2, 3, 4, 5], 2, task);
    await settle();
    expect(started).toEqual([1, 2]);
    finish.get(2)?.resolve();
    await settle();
    expect(started).toEqual([1, 2, 3]);
    finish.get(1)?.resolve();
    finish.get(3)?.resolve();
    await settle();
    expect(started).toEqual([1, 2, 3, 4, 5]);
    finish.get(4)?.resolve();
    finish.get(5)?.resolve();
    await expect(done).resolves.toBeUndefined();
  });

  it('takes items from a lazy iterable only when a slot is free', async () => {
    const { finish, task } = gate();
    const taken: number[] = [];
    function* items() {
      for (let i = 1; i <= 4; i++) {
        taken.push(i);
        yield i;
      }
    }
    const done = eachLimited(items(), 1, task);
    await settle();
    expect(taken).toEqual([1]);
    for (let i = 1; i <= 4; i++) {
      finish.get(i)?.resolve();
      await settle();
    }
    await done;
    expect(taken).toEqual([1, 2, 3, 4]);
  });

  it('rejects with the first failure and starts nothing after it', async () => {
    const { started, finish, task } = gate();
    const done = eachLimited([1, 2, 3, 4], 2, task);
    await settle();
    finish.get(1)?.reject(new Error('broker gone'));
    await expect(done).rejects.toThrow('broker gone');
    finish.get(2)?.resolve();
    await settle();
    expect(started).toEqual([1, 2]);
  });

  it('resolves at once for no items', async () => {
    await expect(eachLimited([], 4, async () => {})).resolves.toBeUndefined();
  });
});
