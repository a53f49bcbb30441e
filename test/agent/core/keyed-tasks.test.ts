import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyedTasks } from '../../../agent/core/keyed-tasks.ts';

/** A task whose end the test decides. */
function controlled() {
  const started: string[] = [];
  const finishers = new Map<string, (fail: boolean) => void>();
  const task = (key: string) => () => {
    started.push(key);
    return new Promise<void>((resolve, reject) =>
      finishers.set(key, (fail) => (fail ? reject(new Error(key)) : resolve())),
    );
  };
  const finish = async (key: string, fail = false) => {
    finishers.get(key)?.(fail);
    finishers.delete(key);
    for (let i = 0; i < 5; i++) await Promise.resolve(); // let the next one start
  };
  return { started, task, finish, running: () => [...finishers.keys()] };
}

describe('KeyedTasks', () => {
  it('runs a fleet of 20 first contacts 8 at a time, in order, and loses none', async () => {
    const tasks = new KeyedTasks(8, 100);
    const { started, task, finish, running } = controlled();
    for (let i = 0; i < 20; i++) expect(tasks.add(`uni-${i}`, task(`uni-${i}`))).toBe(true);
    expect(started).toHaveLength(8);
    while (running().length > 0) await finish(running()[0] as string, started.length % 3 === 0);
    expect(started).toEqual(Array.from({ length: 20 }, (_, i) => `uni-${i}`));
    expect(tasks.size).toBe(0);
  });

  it('takes a key once while it waits or runs, again after it ended', async () => {
    const tasks = new KeyedTasks(1, 10);
    const { started, task, finish } = controlled();
    expect(tasks.add('a', task('a'))).toBe(true);
    expect(tasks.add('b', task('b'))).toBe(true);
    expect(tasks.add('a', task('a'))).toBe(false);
    expect(tasks.add('b', task('b'))).toBe(false);
    await finish('a');
    await finish('b');
    expect(tasks.add('a', task('a'))).toBe(true);
    expect(started).toEqual(['a', 'b', 'a']);
  });

  it('refuses work beyond maxWaiting, and goes on after a task that throws', async () => {
    const tasks = new KeyedTasks(1, 2);
    const { started, task, finish } = controlled();
    tasks.add('throws', () => {
      throw new Error('at once');
    });
    for (let i = 0; i < 5; i++) await Promise.resolve(); // its slot is free again
    expect(['a', 'b', 'c', 'd'].map((key) => tasks.add(key, task(key)))).toEqual([true, true, true, false]);
    expect(started).toEqual(['a']);
    await finish('a');
    await finish('b');
    await finish('c');
    expect(started).toEqual(['a', 'b', 'c']);
    expect(tasks.size).toBe(0);
  });

  it('never runs more than its concurrency, and runs every task it took exactly once, in the order taken', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 6 }),
        fc.array(
          fc.oneof(
            fc.integer({ min: 0, max: 9 }).map((k) => `k${k}`),
            fc.constant('finish'),
          ),
          {
            maxLength: 60,
          },
        ),
        async (concurrency, maxWaiting, script) => {
          const tasks = new KeyedTasks(concurrency, maxWaiting);
          const { started, task, finish, running } = controlled();
          const taken: string[] = [];
          let serial = 0;
          for (const step of script) {
            if (step === 'finish') {
              const first = running()[0];
              if (first !== undefined) await finish(first);
            } else {
              // Each call a distinct task under its key: what ran is told apart from what was refused.
              const id = `${step}#${serial++}`;
              if (tasks.add(step, task(id))) taken.push(id);
            }
            expect(running().length).toBeLessThanOrEqual(concurrency);
          }
          while (running().length > 0) await finish(running()[0] as string);
          expect(started).toEqual(taken);
        },
      ),
    );
  });
});
