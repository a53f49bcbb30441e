import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Waker } from '../../../agent/runtime/waker.ts';

describe('Waker', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('keeps its timer while the wake-up stays the same, moves it when it changes, and fires once per wake-up', () => {
    let due: number | null = 1_000;
    const fired: number[] = [];
    const waker = new Waker(
      () => due,
      () => Date.now(),
      () => {
        fired.push(Date.now());
        due = due === 1_000 ? 5_000 : null;
        waker.schedule();
      },
    );
    vi.setSystemTime(0);
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    waker.schedule();
    waker.schedule();
    waker.schedule();
    expect(setTimeoutSpy).toHaveBeenCalledTimes(1);
    due = 800;
    waker.schedule();
    expect(setTimeoutSpy).toHaveBeenCalledTimes(2);
    due = 1_000;
    waker.schedule();
    vi.advanceTimersByTime(10_000);
    expect(fired).toEqual([1_000, 5_000]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('arms nothing once stopped', () => {
    const waker = new Waker(
      () => 10,
      () => 0,
      () => {},
    );
    waker.schedule();
    waker.stop();
    waker.schedule();
    expect(vi.getTimerCount()).toBe(0);
  });
});
