import type { Interval } from './types.ts';

/** When the doorbell shorts the line during one simulated run. */
export interface PressPlan {
  readonly presses: readonly Interval[];
  readonly stopS: number;
}

export const SETTLE_S = 0.2;
const GAP_S = 0.5;
const TAIL_S = 0.5;

/**
 * Where in the mains cycle the presses of a default run start, as fractions of a period: 0 at a voltage zero
 * (the largest switch-on transient in an inductive coil), 0.25 at the peak (none). A press's steady drive does not
 * depend on it; whether a short press closes the relay, and when the kit trips, do.
 */
export const PRESS_PHASES = [0, 0.25] as const;

export interface PhasedPresses {
  /** Mains frequency the phases refer to. */
  readonly hz: number;
  /** Start of each press within the mains cycle (fraction of a period); one press per entry. */
  readonly phases: readonly number[];
  /** Presses after the first last at most this long: they probe the phase, the first one the whole hold. */
  readonly probeS?: number;
}

/**
 * Presses of `lengthS` each: idle first (so a standby current can pull the relay in), then gaps, then a tail.
 * With `phased`, one press per phase, each starting at that point of the mains cycle; else `count` presses.
 */
export function planPresses(lengthS: number, count = 1, phased?: PhasedPresses): PressPlan {
  const presses: Interval[] = [];
  const n = phased ? phased.phases.length : count;
  let t = SETTLE_S;
  for (let i = 0; i < n; i++) {
    let start = t;
    if (phased) {
      const period = 1 / phased.hz;
      start = Math.ceil(t / period - 1e-9) * period + phased.phases[i]! * period;
    }
    const length = i > 0 && phased?.probeS !== undefined ? Math.min(lengthS, phased.probeS) : lengthS;
    presses.push([round(start), round(start + length)]);
    t = start + length + GAP_S;
  }
  return { presses, stopS: round(t - GAP_S + TAIL_S) };
}

/** Idle stretches of a plan (before, between and after presses), each trimmed by `guardS` after a press. */
export function idleIntervals(plan: PressPlan, guardS: number, fromS = 0.05): Interval[] {
  const idle: Interval[] = [];
  let from = fromS;
  for (const [start, end] of plan.presses) {
    if (start > from) idle.push([from, start]);
    from = end + guardS;
  }
  if (plan.stopS > from) idle.push([from, plan.stopS]);
  return idle;
}

const round = (v: number) => Math.round(v * 1e9) / 1e9;
