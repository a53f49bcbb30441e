import {
  type ChannelState,
  type Credit,
  MAX_PRESSES,
  type PressRecord,
  type RingVia,
  type StepResult,
  type Tuning,
} from './channel-state.ts';
import { afterFallMs, type ChimeSettings, heldWindowEndMs } from './chime.ts';
import type { Path } from './evidence.ts';
import { assignPressId } from './press-id.ts';

/** What one step of a channel works on, and the press-window helpers both the edge and the counter rules use. */
export interface Step {
  state: ChannelState;
  nowMs: number;
  chime: ChimeSettings;
  tuning: Tuning;
  result: StepResult;
  /** Gen1: the event letter of the report's counter (`S` is counted at the release). */
  event?: string;
  /** Reports were lost just before this one (what we knew of the level may be stale). */
  lost?: boolean;
  /** The CoIoT serial jumped by hundreds: the Uni rebooted, or was away long. */
  resync?: boolean;
  /** The level this report shows, if any. */
  level?: boolean;
  /** Gen1: the report's event letter, whatever its level. */
  counterEvent?: string;
  /** A step of this report ended a press we thought held (its fall report was lost). */
  fellUnheard?: boolean;
  /** The press this report's rise opened before its steps were applied: only its own `L` is its. */
  openedBySteps?: PressRecord;
  /** Gen1: the press whose step this report counted as a short push (`S`). */
  shortPushOf?: PressRecord;
}

export function emptyResult(): StepResult {
  return { rings: [], notes: [], changed: false, edges: 0 };
}

export function mergeMs(step: Step, press?: PressRecord): number {
  const window = afterFallMs(step.chime);
  // A press that already bounced, or an input that chatters, is over only once it has been quiet a while.
  const bouncing = press !== undefined && press.rises > 1;
  return bouncing || chattering(step) ? Math.max(window, step.tuning.chatterMergeMs) : window;
}

/** Until when a rise (or a counter step nobody accounts for) still belongs to this press. */
export function openUntilMs(step: Step, press: PressRecord, forStep = false): number {
  const merge = mergeMs(step, press);
  const stepped = press.lastStepMs === null ? -Infinity : press.lastStepMs + merge;
  // A recovered press nobody heard rising: only a step within the merge window (or a late copy) joins it, or
  // any step while the input has been high since its own (no fall heard between: one hold).
  if (press.recovered && press.paths.length === 0) {
    return forStep && heldSince(step, press.lastStepMs) ? Infinity : stepped;
  }
  // A mechanical press is held as long as the visitor holds it: a step while it is held is one of its pulses.
  // (Not after lost reports: the press may have been released meanwhile.)
  if (press.held && forStep && (!step.lost || step.level === true) && step.chime.mode !== 'electronic') {
    return Infinity;
  }
  // Its fall never heard (held, or released as its counted `S` says): N + tolerance from the start
  // (electronic), the settle window after its last edge (mechanical).
  if (press.lastFallMs === null) {
    return Math.max(heldWindowEndMs(press, step.chime, step.tuning.electronicToleranceMs), stepped);
  }
  const afterFall = press.lastFallMs + merge;
  if (press.held) {
    // Held again after a heard fall (a re-trigger, or a path whose own fall report is late or lost): the window
    // after its last edge.
    return Math.max(afterFall, press.lastRiseMs + merge, stepped);
  }
  return Math.max(afterFall, stepped);
}

/**
 * A press that bounces or chatters takes the pending steps that came just before its start (in the report of its
 * rise, or within the merge window before it): its own first pulses, whose reports were lost.
 */
export function takeLeadingCredits(step: Step, press: PressRecord): void {
  const since = press.startMs - mergeMs(step);
  const kept = step.state.credits.filter((c) => c.stepMs < since || c.stepMs > press.startMs);
  if (kept.length !== step.state.credits.length) step.state.credits = kept;
}

/** Can this press still spend budget on a counter step arriving now? */
export function budgetOpen(step: Step, press: PressRecord): boolean {
  const { nowMs, tuning } = step;
  if (press.budget <= 0 || !recent(step, press)) return false;
  // Held: its step may come with its fall, whenever that is heard.
  if (press.held || nowMs <= fellMs(press) + tuning.reorderWindowMs) return true;
  // Later, only a simple press's own step (its report lost, and re-sent later), until a counter report shows the
  // Uni did not count it. What re-triggers left unspent expires: it must not take a later press's step.
  return press.rises === 1 && !press.uncounted;
}

/** Gen2: when the press of a push at `pushTs` fell: at the fall heard after the push, if any. */
export function fellTs(state: ChannelState, pushTs: number): number {
  return state.fallTs !== null && state.fallTs >= pushTs ? state.fallTs : pushTs;
}

/**
 * The input is high and no fall was heard since `sinceMs`: one hold. (Not known after lost reports, unless this
 * report shows the input still high.)
 */
export function heldSince(step: Step, sinceMs: number | null): boolean {
  const { state } = step;
  if (step.lost && step.level !== true) return false;
  return sinceMs !== null && state.lastLevel === true && (state.fallMs ?? -Infinity) < sinceMs;
}

export function fellMs(press: PressRecord): number {
  return press.lastFallMs ?? press.lastRiseMs;
}

/** A counter report without new steps: presses that fell before it (and the reorder window) were not counted. */
export function markUncounted(step: Step): void {
  for (const press of step.state.presses) {
    if (press.budget > 0 && !press.held && !press.uncounted) {
      if (step.nowMs > fellMs(press) + step.tuning.reorderWindowMs) press.uncounted = true;
    }
  }
}

/**
 * Is this rise the late edge of a recovered press (rung from a step, no rise heard)? As for a pending credit (see
 * `claimCredit`): by device time before its push (Gen2); on the step's path, within the merge window after the
 * pulse ended; on the other path, within the reorder window of the step.
 */
export function riseOfRecovered(step: Step, press: PressRecord, via: Path, ts: number | undefined): boolean {
  const { state, nowMs, tuning } = step;
  const stepMs = press.lastStepMs ?? press.startMs;
  if (ts !== undefined && press.tsEnd !== null)
    return (ts - fellTs(state, press.tsEnd)) * 1000 < mergeMs(step);
  // Its hold was heard falling after its step: a rise right after that fall is a re-press of it, on any path.
  if (state.fallMs !== null && state.fallMs >= stepMs && nowMs - state.fallMs < mergeMs(step)) return true;
  if (press.stepVia !== via) return nowMs - stepMs <= tuning.reorderWindowMs;
  return nowMs - stepMs < mergeMs(step);
}

/**
 * A rise takes the newest pending credit as its own counter step if that step came on the other path and this
 * rise's path had not counted it yet (the paths reordered), or on the same path within the merge window with no
 * report lost in between (a pulse of this same press reported before its rise). A Gen2 push is this rise's if
 * it came after it by device time, or within the merge window before it. Credits persisted by an older version are taken by any rise.
 */
export function claimCredit(step: Step, via: Path, ts: number | undefined): Credit | null {
  const { state, nowMs } = step;
  const newest = state.credits.at(-1);
  if (!newest) return null;
  if (newest.ts !== null && ts !== undefined) {
    // Device time: the push came after this rise, or its press fell just before (a push comes with the release
    // or while held, and the release may follow it).
    if (newest.ts < ts && (ts - fellTs(state, newest.ts)) * 1000 >= mergeMs(step)) return null;
  } else if (
    state.fallMs !== null &&
    (state.fallMs >= newest.stepMs ? !newest.afterLoss : newest.stepMs - state.fallMs < mergeMs(step)) &&
    nowMs - state.fallMs < mergeMs(step)
  ) {
    // The step's pulse was heard falling (after the step: a hold whose rise was not heard; or just before it: the
    // step is the release's): a rise right after that fall is a re-press of the same press.
  } else if (newest.via === via) {
    // The step's pulse ended when it was counted.
    if (newest.afterLoss || nowMs - newest.stepMs >= mergeMs(step)) return null;
  } else if (newest.via !== null && newest.value !== null) {
    const seen = state.pathCounters[via];
    if (seen !== undefined && (seen - newest.value + 0x10000) % 0x10000 < 0x8000) return null;
  }
  state.credits.pop();
  return newest;
}

/**
 * A credit a rise took was a pulse before it (same path, or a push before it by device time), not its own step
 * reordered ahead of it by the other path.
 */
export function earlierPulse(credit: Credit, via: Path, ts: number | undefined): boolean {
  if (credit.ts !== null && ts !== undefined) return credit.ts < ts;
  return credit.via === via;
}

/** `presses`: how many separate presses the steps of this report may be at most (1: grouped pulses of one). */

export function recent(step: Step, press: PressRecord): boolean {
  const age = step.nowMs - press.startMs;
  return age >= 0 && age <= step.tuning.claimWindowMs;
}

export function countEdge(step: Step): void {
  const { state, nowMs, tuning } = step;
  state.edges.push(nowMs);
  while (state.edges.length > Math.max(1, tuning.chatterMinEdges)) state.edges.shift();
  step.result.edges++;
  step.result.changed = true;
}

/** The input chatters: at least `chatterMinEdges` rising edges within `chatterWindowMs`. */
export function chattering(step: Step): boolean {
  const { state, nowMs, tuning } = step;
  const n = tuning.chatterMinEdges;
  if (n <= 0 || state.edges.length < n) return false;
  return nowMs - (state.edges[state.edges.length - n] as number) <= tuning.chatterWindowMs;
}

export function spendAll(state: ChannelState): void {
  for (const press of state.presses) press.budget = 0;
}

export function addPress(
  state: ChannelState,
  startMs: number,
  via: RingVia,
  recovered: boolean,
  counterBeforeIt: number | null,
  atMs = startMs,
): PressRecord {
  const id = assignPressId(state, startMs, counterBeforeIt);
  const press: PressRecord = {
    id,
    startMs,
    via,
    recovered,
    budget: 0,
    rises: 1,
    uncounted: false,
    paths: [],
    held: false,
    lastRiseMs: startMs,
    firstFallMs: null,
    lastFallMs: null,
    lastStepMs: null,
    stepVia: null,
    tsStart: null,
    tsEnd: null,
  };
  let index = state.presses.length;
  while (index > 0) {
    const before = state.presses[index - 1] as PressRecord;
    const beforeMs = before.recovered ? (before.lastStepMs ?? before.startMs) : before.startMs;
    // (A step that came with a rise, at the same time, was counted before it.)
    if (beforeMs < atMs || (beforeMs === atMs && (!recovered || before.recovered))) break;
    index--;
  }
  state.presses.splice(index, 0, press);
  if (state.presses.length > MAX_PRESSES) state.presses.shift();
  return press;
}
