import { uint16Ahead } from '../core/uint16.ts';
import { type Credit, EVENT_LIFETIME_MS, MAX_SERIAL_GAP, type PressRecord } from './channel-state.ts';
import { pressSpacingMs } from './chime.ts';
import { type CounterMove, classifyCounter } from './counter.ts';
import type { Evidence, Path } from './evidence.ts';
import {
  budgetOpen,
  chattering,
  countEdge,
  fellMs,
  heldSince,
  markUncounted,
  mergeMs,
  openUntilMs,
  recent,
  type Step,
  spendAll,
  takeLeadingCredits,
} from './press-window.ts';

/** Counter steps and Gen2 pushes: budget, credits and recovered presses (rules 2, 3 and 5 of `channel.ts`). */
export function reportsLost(
  step: Step,
  evidence: Evidence,
): { lost: boolean; sinceMs: number | null; resync: boolean } {
  const { state, nowMs } = step;
  if (evidence.via !== 'coiot') return { lost: false, sinceMs: null, resync: false };
  if (evidence.serial === undefined) return { lost: true, sinceMs: null, resync: false };
  const previous = state.coiotSerial;
  if (previous === evidence.serial) return { lost: false, sinceMs: null, resync: false };
  const sinceMs =
    state.coiotReportMs === null || state.coiotReportMs > nowMs ? null : nowMs - state.coiotReportMs;
  state.coiotSerial = evidence.serial;
  state.coiotReportMs = nowMs;
  step.result.changed = true;
  const gap = previous === null ? null : (evidence.serial - previous + 0x10000) % 0x10000;
  // A jump of hundreds of reports: the Uni rebooted (its counter may even look unchanged) or was away long: the
  // steps presses were waiting for will not come.
  return { lost: gap !== 1, sinceMs, resync: gap !== null && gap > MAX_SERIAL_GAP };
}

/** Would this counter value be an advance (new events) from the one known? */
export function advances(step: Step, value: number): boolean {
  const { state, nowMs, tuning } = step;
  if (state.counter === null) return false;
  const move = classifyCounter(state.counter, value, nowMs - (state.counterChangedMs ?? nowMs), {
    staleWindowMs: tuning.staleCounterWindowMs,
    maxJump: tuning.maxCounterJump,
  });
  return move.kind === 'advance';
}

/**
 * After lost reports, a counter jump is at most as many separate presses as fit in the time since the last
 * report, and since the last step (separate presses' steps are a press spacing apart, less the network's
 * reordering): 0 means the steps continue the press of the last step.
 */
export function pressesThatFit(step: Step, sinceReportMs: number | null): number {
  const { state, nowMs, chime, tuning } = step;
  const spacing = pressSpacingMs(chime) - tuning.reorderWindowMs / 2;
  if (spacing <= 0) return Infinity;
  const sinceReport = sinceReportMs === null ? Infinity : Math.floor(1 + sinceReportMs / spacing);
  const sinceStep =
    state.stepMs === null || state.stepMs > nowMs ? Infinity : Math.floor((nowMs - state.stepMs) / spacing);
  return Math.min(sinceReport, sinceStep);
}

/** Records a Gen2 notification key; false if it was already seen (a QoS 1 re-delivery). */

export function applyCounter(step: Step, value: number, via: Path, presses: number, unplaced: boolean): void {
  const { state, nowMs, tuning, result } = step;
  if (state.pathCounters[via] !== value) {
    state.pathCounters[via] = value;
    result.changed = true;
  }
  if (state.counter === null) {
    // First contact: the baseline. Presses already rung are taken to be included in it, unless it shows no event
    // in its lifetime (5 s) and they ended less long ago (or are held): their step is still to come.
    state.counter = value;
    state.counterChangedMs = nowMs;
    state.counterEpochMs = nowMs;
    for (const press of state.presses) {
      const pending = press.held || nowMs - fellMs(press) < EVENT_LIFETIME_MS;
      if (step.counterEvent !== '' || !pending) press.budget = 0;
    }
    result.changed = true;
    return;
  }
  const classified = classifyCounter(state.counter, value, nowMs - (state.counterChangedMs ?? nowMs), {
    staleWindowMs: tuning.staleCounterWindowMs,
    maxJump: tuning.maxCounterJump,
  });
  // (A lower value after a serial jump is a reboot, not a late copy, however soon.)
  const move: CounterMove = classified.kind === 'stale' && step.resync ? { kind: 'reset' } : classified;
  if (move.kind === 'same') markUncounted(step);
  if (move.kind === 'same' || move.kind === 'stale') return;
  const from = state.counter;
  state.counter = value;
  state.counterChangedMs = nowMs;
  result.changed = true;
  if (move.kind === 'advance') {
    // Steps that arrive together in one report, no report lost before it, were grouped by the firmware: pulses
    // a few hundred ms apart at most, so one press. After lost reports a jump of k is k presses.
    applySteps(step, move.delta, via, true, presses, value, unplaced, null);
    return;
  }
  spendAll(state);
  state.credits = [];
  state.counterEpochMs = nowMs;
  result.notes.push({ kind: move.kind === 'reset' ? 'counter_reset' : 'counter_resync', from, to: value });
}

/** Gen2 pushes: matched by device time to the press whose rise came last before them. */
export function applyPushes(step: Step, count: number, ts: number | undefined, via: Path): void {
  const { state, tuning } = step;
  // A double or triple push is several clicks within the device's multi-push wait: one press by the rules.
  if (ts === undefined) {
    applySteps(step, count, via, true, 1, null, false, null);
    return;
  }
  let own: PressRecord | undefined;
  for (const p of state.presses) if (p.tsStart !== null && p.tsStart <= ts) own = p;
  const covered =
    own !== undefined &&
    recent(step, own) &&
    (own.held || own.tsEnd === null || (ts - own.tsEnd) * 1000 <= tuning.pushDelayMs);
  if (covered && own !== undefined) {
    own.budget = Math.max(0, own.budget - count);
    return;
  }
  // Not a press we heard: its btn_down was lost (or comes later, re-delivered).
  applySteps(step, count, via, false, 1, null, false, ts);
}

/**
 * `count` counter steps (or pushes) arriving together. Each first spends the budget of a press that took its
 * rising edge. What no budget accounts for are pulses whose edges were not heard: a pulse of the open press,
 * of a pending credit within the merge window, or new credits. `presses`: how many presses of their own the
 * steps may be (more than one only after lost reports); otherwise they are the pulses of one press.
 */
export function applySteps(
  step: Step,
  count: number,
  via: Path,
  useBudget: boolean,
  presses: number,
  value: number | null,
  unplaced: boolean,
  ts: number | null,
): void {
  const { state, nowMs, tuning } = step;
  let unaccounted = 0;
  for (let i = 0; i < count; i++) {
    const owner = useBudget ? state.presses.find((p) => budgetOpen(step, p)) : undefined;
    if (owner) {
      owner.budget--;
      if (step.counterEvent === 'S') step.shortPushOf = owner;
      // An `S` is counted at the release: the press has fallen, though its fall report was missed (when, is not
      // known: its window is then the one of a fall never heard).
      if (step.event === 'S' && owner.held && !owner.recovered && owner.lastRiseMs < nowMs) {
        owner.held = false;
        step.fellUnheard = true;
      }
    } else unaccounted++;
  }
  state.stepMs = nowMs;
  if (unaccounted === 0) return;
  for (let i = 0; i < unaccounted; i++) countEdge(step);
  const latest = state.presses.at(-1);
  // After a press that bounced or chattered, steps that come late after lost reports may be its lost pulses:
  // at most one more press, not one per step.
  const chatter =
    chattering(step) ||
    (latest !== undefined &&
      latest.rises > 1 &&
      recent(step, latest) &&
      nowMs - latest.lastRiseMs < tuning.chatterWindowMs);
  // A pulse of the open press whose edges were not heard (its rise and fall were lost, or never reported).
  // (The other steps of a report whose `L` opened the press are of presses before it.)
  const fresh = latest !== undefined && latest === step.openedBySteps;
  if (latest && !fresh && recent(step, latest) && nowMs < openUntilMs(step, latest, true)) {
    latest.lastStepMs = nowMs;
    takeLeadingCredits(step, latest);
    return;
  }
  // How many presses of their own these steps are: one, unless they follow lost reports (then as many as fit).
  let separate = chatter ? 1 : Math.min(unaccounted, presses);
  let unplacedSteps = unaccounted;
  // Each credit ends at the counter value of its own last step (the latest at `value`), so that its press's id
  // comes from its own step: the same id when a crash makes the agent decide it again in a longer jump.
  const endingAt = (creditsAfter: number) => (value === null ? null : uint16Ahead(creditsAfter, value));
  const newest = state.credits.at(-1);
  // (A step that came after lost reports happened at a time not known: the next one is not its pulse by time.)
  const near = (c: Credit) => !c.timeUnknown && nowMs - c.stepMs < mergeMs(step);
  const joins = (c: Credit) => chatter || separate === 0 || near(c) || heldSince(step, c.stepMs);
  if (newest && nowMs >= newest.stepMs && joins(newest)) {
    // The first of them continue the pending credit's press.
    const joined = unaccounted - Math.max(0, separate - 1);
    separate = Math.max(0, separate - 1);
    unplacedSteps -= joined;
    newest.stepMs = nowMs;
    newest.value = endingAt(separate);
    newest.afterLoss &&= unplaced;
    newest.timeUnknown &&= step.lost === true;
    if (ts !== null) newest.ts = Math.max(newest.ts ?? ts, ts);
    newest.steps += joined;
  } else if (separate === 0) {
    // They continue the last press, which has rung already.
    if (latest) latest.lastStepMs = nowMs;
    return;
  }
  for (let i = 0; i < separate; i++) {
    state.credits.push({
      dueMs: nowMs + tuning.reorderWindowMs,
      stepMs: nowMs,
      via,
      steps: i === 0 ? unplacedSteps - separate + 1 : 1,
      afterLoss: unplaced,
      timeUnknown: step.lost === true,
      value: endingAt(separate - 1 - i),
      ts,
    });
  }
}

/** The press started within the claim window before now (not after it: the wall clock may jump back). */
