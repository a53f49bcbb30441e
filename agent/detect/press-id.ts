import { uint16Ahead } from '../core/uint16.ts';
import type { ChannelState, Credit } from './channel-state.ts';

/**
 * A press's id, from facts the Uni reports where it can be: a press decided again after a power cut (its ring left
 * the agent, its state did not reach the disk) gets the id it had, so subscribers de-duplicating on `press_id`
 * drop the copy.
 *
 * - Gen1 with a known event counter: `<device>:<input>:c<N>@<epoch>`, N the counter value before the press (the
 *   press moves it to N+1; a press recovered from that step finds the same N) and epoch when the agent took the
 *   counter's current baseline (first contact, or after a reboot reset it), so ids do not repeat across reboots. A
 *   second press before the counter moves (a press the Uni did not count) gets `.2`, and so on.
 * - Otherwise (Gen2, or before any counter was heard): `<device>:<input>:<arrival ms>`.
 */
export function assignPressId(state: ChannelState, startMs: number, counterBefore: number | null): string {
  const base =
    counterBefore === null || state.counterEpochMs === null
      ? `${state.device}:${state.input}:${Math.round(startMs)}`
      : `${state.device}:${state.input}:c${counterBefore}@${state.counterEpochMs}`;
  state.pressIdSeq = base === state.pressIdBase ? state.pressIdSeq + 1 : 1;
  state.pressIdBase = base;
  let id = state.pressIdSeq > 1 ? `${base}.${state.pressIdSeq}` : base;
  for (let n = state.pressIdSeq + 1; state.presses.some((p) => p.id === id); n++) id = `${base}.${n}`;
  return id;
}

/**
 * The id was made from the Uni's event counter: the press can be decided again, under this id, from the counter
 * alone (after a crash lost the state that says it was rung).
 */
export function isCounterPressId(pressId: string): boolean {
  return /:c\d+@\d+(?:\.\d+)?$/.test(pressId);
}

/** The counter value before a Gen1 credit's steps (null for Gen2 pushes). */
export function counterBefore(credit: Credit): number | null {
  return credit.value === null ? null : uint16Ahead(credit.steps, credit.value);
}
