import { UINT16_MODULO, uint16Ahead } from '../core/uint16.ts';

/**
 * How a Gen1 `event_cnt` (uint16, RAM only on the Shelly) moved between two observations.
 *  - `advance`: k new events (across a uint16 wrap too);
 *  - `same`: a re-report;
 *  - `stale`: a slightly older value arriving late from the other path (reordering), ignored;
 *  - `reset`: the Shelly rebooted (counter went down): new baseline, no ring;
 *  - `resync`: an implausibly large jump: new baseline, no ring (logged by the caller).
 */
export type CounterMove =
  | { kind: 'same' }
  | { kind: 'advance'; delta: number }
  | { kind: 'stale' }
  | { kind: 'reset' }
  | { kind: 'resync'; delta: number };

export const COUNTER_MODULO = UINT16_MODULO;
/** A drop from the top of the range into the bottom of it is a wrap, not a reboot. */
const WRAP_ZONE = 4_096;
/** A late copy is at most this many events behind. */
const MAX_STALE_LAG = 8;

export interface CounterRules {
  /** A decrease this soon after the last change is reordering, not a reboot (a Shelly takes seconds to boot). */
  staleWindowMs: number;
  /** More presses than this between two reports is not believed. */
  maxJump: number;
}

export function classifyCounter(
  previous: number,
  next: number,
  msSinceLastChange: number,
  rules: CounterRules,
): CounterMove {
  if (next === previous) return { kind: 'same' };
  const forward = uint16Ahead(previous, next);
  const backward = uint16Ahead(next, previous);
  if (backward <= MAX_STALE_LAG && msSinceLastChange < rules.staleWindowMs) return { kind: 'stale' };
  const wrapped = previous >= COUNTER_MODULO - WRAP_ZONE && next < WRAP_ZONE;
  if (next < previous && !wrapped) return { kind: 'reset' };
  return forward > rules.maxJump ? { kind: 'resync', delta: forward } : { kind: 'advance', delta: forward };
}
