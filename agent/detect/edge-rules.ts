import { MAX_COMPLETED_KEYS } from './channel-state.ts';
import { holdMatchesChime } from './chime.ts';
import type { Evidence, Path } from './evidence.ts';
import { counterBefore } from './press-id.ts';
import {
  addPress,
  claimCredit,
  countEdge,
  earlierPulse,
  openUntilMs,
  recent,
  riseOfRecovered,
  type Step,
  takeLeadingCredits,
} from './press-window.ts';

/** Levels and edges: a rise opens or joins a press, a fall ends it (rules 1 and 4 of `channel.ts`). */
export function remember(step: Step, key: string): boolean {
  const keys = step.state.completedKeys;
  if (keys.includes(key)) return false;
  keys.push(key);
  if (keys.length > MAX_COMPLETED_KEYS) keys.shift();
  step.result.changed = true;
  return true;
}

export function applyLevel(step: Step, evidence: Evidence, level: boolean): void {
  const { state, tuning } = step;
  const { via, ts } = evidence;
  if (evidence.key !== undefined && !remember(step, evidence.key)) return;
  if (ts !== undefined && state.edgeTs !== null && ts < state.edgeTs) {
    // Older than the latest edge the device told us about: a late copy, unless the device clock was reset.
    if ((state.edgeTs - ts) * 1000 <= tuning.clockResetMs) return;
  }
  if (ts !== undefined && evidence.edge === true) state.edgeTs = ts;
  const known = state.levels[via] ?? state.lastLevel;
  // A state report needs a known previous level to be an edge; a change notification is one by itself, and one
  // with a device time is one even when the level looks unchanged (the opposite edge was lost).
  let previous: boolean | null = known;
  if (evidence.edge === true) previous = ts !== undefined ? !level : (known ?? !level);
  if (state.levels[via] !== level || state.lastLevel !== level) step.result.changed = true;
  state.levels[via] = level;
  state.lastLevel = level;
  if (previous === true && !level) {
    state.fallMs = step.nowMs;
    if (ts !== undefined) state.fallTs = ts;
  }
  if (previous === false && level && evidence.snapshot !== true) onRise(step, via, ts);
  // Any low report ends a held press, even from a path that never saw it high (its rise report was lost).
  else if (!level) onFall(step, via, ts);
}

export function onRise(step: Step, via: Path, ts: number | undefined): void {
  const { state, nowMs, tuning, result } = step;
  result.changed = true;
  const latest = state.presses.at(-1);
  if (latest && recent(step, latest)) {
    const unheard = latest.recovered && latest.paths.length === 0;
    const copy = unheard
      ? riseOfRecovered(step, latest, via, ts)
      : // This path's copy of a rise already heard on the other path (soon after it, or while that path still
        // sees the input high: this path's own rise report was lost).
        !latest.paths.includes(via) && (latest.held || nowMs - latest.startMs <= tuning.reorderWindowMs);
    if (copy) {
      // (A recovered press is followed like any press from now on: held until its fall.)
      if (unheard) {
        latest.held = true;
        latest.lastRiseMs = nowMs;
      }
      latest.paths.push(via);
      return;
    }
    if (nowMs < openUntilMs(step, latest)) {
      // A re-trigger of an open press: the same press, and the counter step it may produce is its own.
      if (!latest.paths.includes(via)) latest.paths.push(via);
      latest.held = true;
      latest.rises++;
      latest.lastRiseMs = nowMs;
      latest.tsEnd = null;
      const credit = claimCredit(step, via, ts);
      if (credit === null || earlierPulse(credit, via, ts)) latest.budget++;
      if (credit === null) countEdge(step);
      takeLeadingCredits(step, latest);
      return;
    }
  }
  // The counter step for this press may have arrived before its edge (paths reorder): then it is spent already.
  // A step of a pulse just before it (same press by the rules) leaves it its own to come.
  const credit = claimCredit(step, via, ts);
  const press = addPress(state, nowMs, via, false, credit ? counterBefore(credit) : state.counter);
  press.paths = [via];
  press.held = true;
  press.tsStart = ts ?? null;
  if (credit === null || earlierPulse(credit, via, ts)) press.budget = 1;
  if (credit === null) countEdge(step);
  else if (earlierPulse(credit, via, ts)) press.rises = 2;
  result.rings.push({ tMs: nowMs, pressId: press.id, via, recovered: false, holdS: null });
}

export function onFall(step: Step, via: Path, ts: number | undefined): void {
  const { state, nowMs, chime, tuning, result } = step;
  const latest = state.presses.at(-1);
  if (!latest?.held || !recent(step, latest) || nowMs < latest.lastRiseMs) return;
  // This path never reported the latest press's rise, and that rise is recent: its late fall of the press before.
  if (!latest.paths.includes(via) && nowMs - latest.startMs <= tuning.reorderWindowMs) return;
  latest.held = false;
  // Counted in this report as a short push, the Uni's long-push time known: it fell within that of its last rise,
  // whenever the report came (a periodic re-send of a lost one comes up to 15 s late); its window starts then.
  const { longpushMs } = tuning;
  const fellByMs =
    step.shortPushOf === latest && longpushMs !== null ? latest.lastRiseMs + longpushMs : nowMs;
  latest.lastFallMs = Math.min(nowMs, fellByMs);
  latest.tsEnd = ts ?? null;
  result.changed = true;
  if (latest.firstFallMs !== null) return;
  latest.firstFallMs = nowMs;
  // A recovered press's hold is not known (its start is when it rang): no press_end for it.
  if (latest.recovered) return;
  const holdMs = nowMs - latest.startMs;
  result.notes.push({
    kind: 'press_end',
    pressId: latest.id,
    holdS: holdMs / 1000,
    matchesChime: holdMatchesChime(holdMs, chime, tuning.electronicToleranceMs),
  });
}

/** The window after a fall (or an unheard pulse) in which a new rise is the same press. */
