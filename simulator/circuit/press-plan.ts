import type { Interval } from './types.ts';

/** When the doorbell shorts the line during one simulated run. */
export interface PressPlan {
  readonly presses: readonly Interval[];
  readonly stopS: number;
}

export const SETTLE_S = 0.3;
const GAP_S = 0.8;
const TAIL_S = 0.6;

/** `count` presses of `lengthS` each: idle first (so a standby current can pull the relay in), then gaps, then a tail. */
export function planPresses(lengthS: number, count = 1): PressPlan {
  const presses: Interval[] = [];
  let t = SETTLE_S;
  for (let i = 0; i < count; i++) {
    presses.push([t, t + lengthS]);
    t += lengthS + GAP_S;
  }
  return { presses, stopS: t - GAP_S + TAIL_S };
}

/** Idle stretches of a plan (before, between and after presses), each trimmed by `guardS` after a press. */
export function idleIntervals(plan: PressPlan, guardS: number): Interval[] {
  const idle: Interval[] = [];
  let from = 0.05;
  for (const [start, end] of plan.presses) {
    if (start > from) idle.push([from, start]);
    from = end + guardS;
  }
  if (plan.stopS > from) idle.push([from, plan.stopS]);
  return idle;
}
