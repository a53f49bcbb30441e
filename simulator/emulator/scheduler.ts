/**
 * The emulator's clock: every timer of an emulated device goes through one of these, so tests can run a device
 * on a virtual clock (no waiting) and live runs on the real one. Times are milliseconds.
 */
export interface Scheduler {
  now(): number;
  /** Runs `fn` after `ms` (0 = as soon as possible); returns a cancel function. */
  after(ms: number, fn: () => void): () => void;
}

/** Wall clock and `setTimeout`. */
export const realScheduler: Scheduler = {
  now: () => Date.now(),
  after: (ms, fn) => {
    const timer = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(timer);
  },
};

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
}

/** A clock that only moves when told to: timers fire in time order (ties in scheduling order). */
export class VirtualScheduler implements Scheduler {
  private clock: number;
  private seq = 0;
  private pending: Pending[] = [];

  constructor(startMs = 0) {
    this.clock = startMs;
  }

  now(): number {
    return this.clock;
  }

  after(ms: number, fn: () => void): () => void {
    const entry: Pending = { at: this.clock + Math.max(0, ms), seq: this.seq++, fn };
    this.pending.push(entry);
    return () => {
      this.pending = this.pending.filter((p) => p !== entry);
    };
  }

  /** Advances to `ms`, firing every timer due by then (including timers those timers set). */
  advanceTo(ms: number): void {
    for (;;) {
      let next: Pending | undefined;
      for (const p of this.pending) {
        if (p.at <= ms && (next === undefined || p.at < next.at || (p.at === next.at && p.seq < next.seq)))
          next = p;
      }
      if (next === undefined) break;
      this.pending = this.pending.filter((p) => p !== next);
      this.clock = Math.max(this.clock, next.at);
      next.fn();
    }
    this.clock = Math.max(this.clock, ms);
  }

  advance(ms: number): void {
    this.advanceTo(this.clock + ms);
  }

  get timers(): number {
    return this.pending.length;
  }
}
