import type { ProblemEvent } from '../core/events.ts';
import type { HealthProblem, Latch } from './types.ts';

/** The contract's `problem` event for a latch that just changed (raised or cleared). */
export function problemEvent(device: string, kind: HealthProblem, latch: Latch, nowMs: number): ProblemEvent {
  return { type: 'problem', t: nowMs / 1000, device, problem: kind, on: latch.on, detail: latch.detail };
}
