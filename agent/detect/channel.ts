import type { ChannelState, Credit, StepResult, Tuning } from './channel-state.ts';
import type { ChimeSettings } from './chime.ts';
import { advances, applyCounter, applyPushes, pressesThatFit, reportsLost } from './counter-rules.ts';
import { applyLevel, remember } from './edge-rules.ts';
import type { Evidence } from './evidence.ts';
import { counterBefore } from './press-id.ts';
import { addPress, emptyResult, type Step } from './press-window.ts';

export * from './channel-state.ts';

/**
 * One input of one Shelly: every piece of evidence about it, from any path, goes through `stepChannel`, which
 * decides rings. Pure: no I/O, time comes in as `nowMs`; the state is plain JSON so it can be persisted as is.
 *
 * How a press becomes a ring (the README's "How a press becomes a ring" says the same in prose):
 *  1. A rising edge rings at once, as a new press, unless it belongs to the latest press: it is another path's
 *     copy of that press's rise (within the reorder window of its start), or the press is still open. A press is
 *     open while its input is held (electronic: up to N + tolerance from its start when the fall is never heard;
 *     mechanical: the settle window after its last edge), and after its heard fall for the bounce window
 *     (electronic, `bounceS`) or the settle window (mechanical). While the input chatters (many rising edges per
 *     window) that window is at least `chatterMergeMs`, so a burst is one ring.
 *  2. Every rising edge a press takes (its own and each merged re-trigger) gives it one counter step of budget:
 *     the step that edge may produce (Gen1 `event_cnt`, Gen2 `*_push`). Budget is spent by counter steps and
 *     expires once the press has fallen plus the reorder window, so it never swallows a later press's step.
 *  3. A step with no budget to spend, arriving while the latest press is open, is a pulse of that press whose
 *     edges were not heard (chatter): absorbed. Otherwise it becomes a credit (steps of one burst merge into one
 *     credit), which rings late as `recovered` unless a rise claims it within the reorder window: a rise from the
 *     other path (reordered), or from the same path within the bounce window of the step.
 *  4. Gen2: a notification with the same key (device, component, event or state, `ts`) is a QoS 1 copy and is
 *     dropped; an edge older by device `ts` than the latest known edge does not move the level; `NotifyStatus`
 *     and `btn_down`/`btn_up` are edges by themselves (the first `state:true` ever rings); a snapshot never
 *     starts a press; a push is matched by device time to the press whose `btn_down` came last before it.
 *  5. A counter that goes down is a reboot (new baseline, no ring); the uint16 wrap is handled; a slightly older
 *     value arriving late from the other path is ignored.
/** Turns credits that are due by `nowMs` into recovered rings. */
export function fireDue(state: ChannelState, nowMs: number): StepResult {
  const result = emptyResult();
  for (let first = state.credits[0]; first !== undefined; first = state.credits[0]) {
    // Due, or stepped "in the future": the wall clock jumped back since, so it is due now.
    if (first.dueMs > nowMs && first.stepMs <= nowMs) break;
    const credit = state.credits.shift() as Credit;
    const tMs = Math.min(credit.dueMs, nowMs);
    // A recovered press took place when its step came: before any press heard since (which stays the latest).
    const press = addPress(state, tMs, 'counter', true, counterBefore(credit), Math.min(credit.stepMs, tMs));
    press.lastStepMs = Math.min(credit.stepMs, tMs);
    press.stepVia = credit.via;
    press.tsEnd = credit.ts;
    result.rings.push({ tMs, pressId: press.id, via: 'counter', recovered: true, holdS: null });
    result.changed = true;
  }
  return result;
}

export function stepChannel(
  state: ChannelState,
  evidence: Evidence,
  nowMs: number,
  chime: ChimeSettings,
  tuning: Tuning,
): StepResult {
  const step: Step = { state, nowMs, chime, tuning, result: fireDue(state, nowMs) };
  // Counters before levels: a report that carries both a counter reset (the Uni rebooted) and a rising edge
  // describes a press that began after the reboot, so the reset must not touch it.
  const { lost, sinceMs, resync } = reportsLost(step, evidence);
  step.lost = lost;
  step.resync = resync;
  if (resync && sinceMs !== null) {
    // Presses from before the gap will not see their steps; one heard since (on the other path) still may.
    for (const press of state.presses) if (press.startMs < nowMs - sinceMs) press.budget = 0;
  }
  if (evidence.level !== undefined) step.level = evidence.level;
  if (evidence.counter !== undefined) step.counterEvent = evidence.counter.event;
  // A report that shows a rise and an `L` step: an `L` counted while this press is held (its rise report was
  // lost), so the press is opened first and takes it. (With `S` or no event letter the steps are of presses
  // released before this rise.) A reset is applied first (above).
  const riseFirst =
    evidence.level === true &&
    evidence.counter !== undefined &&
    evidence.counter.event === 'L' &&
    (state.levels[evidence.via] ?? state.lastLevel) === false &&
    advances(step, evidence.counter.value);
  if (riseFirst) {
    const before = state.presses.at(-1);
    applyLevel(step, evidence, true);
    const opened = state.presses.at(-1);
    if (opened !== before) step.openedBySteps = opened;
  }
  if (evidence.counter !== undefined) {
    const presses = lost ? pressesThatFit(step, sinceMs) : 1;
    // (Only a report that shows the input high again: one that shows it low ends the press itself, below, and
    // an MQTT event message has its level in a message of its own.)
    if (evidence.level === true) step.event = evidence.counter.event;
    applyCounter(step, evidence.counter.value, evidence.via, presses, lost && evidence.level !== false);
  }
  if (evidence.completed !== undefined && remember(step, evidence.completed.key)) {
    applyPushes(step, evidence.completed.presses, evidence.ts, evidence.via);
  }
  if (evidence.level === true && step.fellUnheard && !riseFirst) {
    // The press it ended was released, and the input is high again: this report shows a new rise.
    state.levels[evidence.via] = false;
    state.lastLevel = false;
  }
  if (evidence.level !== undefined && !riseFirst) applyLevel(step, evidence, evidence.level);
  return step.result;
}

/**
 * Were reports lost just before this one? Only CoIoT tells (a gap in its serial); without a serial a CoIoT report
 * is assumed to follow losses (the safe side: a jump rings each press), an MQTT message is not (TCP).
 */
