import { type ChimeSettings, holdMatchesChime, pressWindowEndMs } from './chime.ts';
import { classifyCounter } from './counter.ts';
import type { Evidence, Path } from './evidence.ts';

/**
 * One input of one Shelly: every piece of evidence about it, from any path, goes through `stepChannel`, which
 * decides rings. Pure: no I/O, time comes in as `nowMs`; the state is plain JSON so it can be persisted as is.
 *
 * The rules, in short:
 *  - a rising edge on any path rings at once, unless a press is already open (same press) or another path still
 *    sees the input high;
 *  - every event-counter step (Gen1 `event_cnt`, Gen2 `*_push`) first claims a press that was already rung;
 *    a step nobody claims becomes a credit, and a credit that no rising edge claims within the reorder window
 *    rings late as `recovered`;
 *  - a counter that goes down is a reboot: new baseline, no ring.
 */
export interface Tuning {
  /** How long a counter step waits for its (reordered) rising edge before it rings as recovered. */
  reorderWindowMs: number;
  /** How long a rung press may still be claimed by a counter step. */
  claimWindowMs: number;
  electronicToleranceMs: number;
  /** A counter decrease this soon after the last change is a late copy, not a reboot. */
  staleCounterWindowMs: number;
  /** A larger counter jump is resynchronised without ringing. */
  maxCounterJump: number;
}

export const DEFAULT_TUNING: Tuning = {
  reorderWindowMs: 600,
  claimWindowMs: 600_000,
  electronicToleranceMs: 1_500,
  staleCounterWindowMs: 2_000,
  maxCounterJump: 64,
};

export type RingVia = Path | 'counter';

export interface PressRecord {
  id: string;
  startMs: number;
  via: RingVia;
  recovered: boolean;
  /** A counter step has been matched to this press. */
  claimed: boolean;
  firstFallMs: number | null;
  lastFallMs: number | null;
}

export interface ChannelState {
  device: string;
  input: number;
  levels: Partial<Record<Path, boolean>>;
  /** The most recent level from any path, used when a path reports for the first time. */
  lastLevel: boolean | null;
  counter: number | null;
  counterChangedMs: number | null;
  /** Due times of counter steps that no heard press has claimed yet. */
  credits: number[];
  /** Recent presses, oldest first. */
  presses: PressRecord[];
  /** Recently seen Gen2 notification keys. */
  completedKeys: string[];
}

export interface RingDecision {
  tMs: number;
  pressId: string;
  via: RingVia;
  recovered: boolean;
  holdS: number | null;
}

export type ChannelNote =
  | { kind: 'counter_reset'; from: number; to: number }
  | { kind: 'counter_resync'; from: number; to: number }
  | { kind: 'press_end'; pressId: string; holdS: number; matchesChime: boolean };

export interface StepResult {
  rings: RingDecision[];
  notes: ChannelNote[];
  /** The state changed in a way worth persisting. */
  changed: boolean;
}

const MAX_PRESSES = 32;
const MAX_COMPLETED_KEYS = 32;

export function newChannelState(device: string, input: number): ChannelState {
  return {
    device,
    input,
    levels: {},
    lastLevel: null,
    counter: null,
    counterChangedMs: null,
    credits: [],
    presses: [],
    completedKeys: [],
  };
}

export function nextWakeMs(state: ChannelState): number | null {
  return state.credits[0] ?? null;
}

/** Turns credits that are due by `nowMs` into recovered rings. */
export function fireDue(state: ChannelState, nowMs: number): StepResult {
  const result: StepResult = { rings: [], notes: [], changed: false };
  while (state.credits.length > 0 && (state.credits[0] as number) <= nowMs) {
    const dueMs = state.credits.shift() as number;
    const press = addPress(state, dueMs, 'counter', true);
    press.claimed = true;
    result.rings.push({ tMs: dueMs, pressId: press.id, via: 'counter', recovered: true, holdS: null });
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
  const result = fireDue(state, nowMs);
  // Counters before levels: a report that carries both a counter reset (the Uni rebooted) and a rising edge
  // describes a press that began after the reboot, so the reset must not claim it.
  if (evidence.counter !== undefined) applyCounter(state, evidence.counter.value, nowMs, tuning, result);
  if (evidence.completed !== undefined) {
    const { key, presses } = evidence.completed;
    if (!state.completedKeys.includes(key)) {
      state.completedKeys.push(key);
      if (state.completedKeys.length > MAX_COMPLETED_KEYS) state.completedKeys.shift();
      applyCompletions(state, presses, nowMs, tuning);
      result.changed = true;
    }
  }
  if (evidence.level !== undefined) {
    applyLevel(state, evidence.via, evidence.level, evidence.edge === true, nowMs, chime, tuning, result);
  }
  return result;
}

function applyLevel(
  state: ChannelState,
  via: Path,
  level: boolean,
  isEdge: boolean,
  nowMs: number,
  chime: ChimeSettings,
  tuning: Tuning,
  result: StepResult,
): void {
  // A state report needs a known previous level to be an edge; an edge event (Gen2 btn_down) is one by itself.
  const previous = state.levels[via] ?? state.lastLevel ?? (isEdge ? !level : null);
  if (state.levels[via] !== level || state.lastLevel !== level) result.changed = true;
  state.levels[via] = level;
  state.lastLevel = level;
  if (previous === false && level) onRise(state, via, nowMs, chime, tuning, result);
  else if (previous === true && !level) onFall(state, nowMs, chime, tuning, result);
}

function onRise(
  state: ChannelState,
  via: Path,
  nowMs: number,
  chime: ChimeSettings,
  tuning: Tuning,
  result: StepResult,
): void {
  const latest = state.presses.at(-1);
  const otherPathHigh = Object.entries(state.levels).some(([path, high]) => path !== via && high === true);
  if (latest && nowMs < openUntilMs(latest, chime, tuning)) return;
  if (otherPathHigh) return;
  const press = addPress(state, nowMs, via, false);
  if (state.credits.length > 0) {
    // The counter step for this press arrived before its edge (paths reorder): the press is heard, not recovered.
    state.credits.shift();
    press.claimed = true;
  }
  result.rings.push({ tMs: nowMs, pressId: press.id, via, recovered: false, holdS: null });
}

function onFall(
  state: ChannelState,
  nowMs: number,
  chime: ChimeSettings,
  tuning: Tuning,
  result: StepResult,
): void {
  const latest = state.presses.at(-1);
  if (!latest || latest.recovered || nowMs - latest.startMs > tuning.claimWindowMs) return;
  latest.lastFallMs = nowMs;
  if (latest.firstFallMs !== null) return;
  latest.firstFallMs = nowMs;
  const holdMs = nowMs - latest.startMs;
  result.notes.push({
    kind: 'press_end',
    pressId: latest.id,
    holdS: holdMs / 1000,
    matchesChime: holdMatchesChime(holdMs, chime, tuning.electronicToleranceMs),
  });
}

function openUntilMs(press: PressRecord, chime: ChimeSettings, tuning: Tuning): number {
  // A recovered press was decided from a counter after it ended: only a late copy of its own edge can follow.
  if (press.recovered) return press.startMs + tuning.reorderWindowMs;
  return pressWindowEndMs(press, chime, tuning.electronicToleranceMs);
}

function applyCounter(
  state: ChannelState,
  value: number,
  nowMs: number,
  tuning: Tuning,
  result: StepResult,
): void {
  if (state.counter === null) {
    // First contact: the baseline. Presses already rung are taken to be included in it.
    state.counter = value;
    state.counterChangedMs = nowMs;
    claimAll(state);
    result.changed = true;
    return;
  }
  const move = classifyCounter(state.counter, value, nowMs - (state.counterChangedMs ?? nowMs), {
    staleWindowMs: tuning.staleCounterWindowMs,
    maxJump: tuning.maxCounterJump,
  });
  if (move.kind === 'same' || move.kind === 'stale') return;
  const from = state.counter;
  state.counter = value;
  state.counterChangedMs = nowMs;
  result.changed = true;
  if (move.kind === 'advance') {
    applyCompletions(state, move.delta, nowMs, tuning);
    return;
  }
  claimAll(state);
  state.credits = [];
  result.notes.push({ kind: move.kind === 'reset' ? 'counter_reset' : 'counter_resync', from, to: value });
}

function applyCompletions(state: ChannelState, count: number, nowMs: number, tuning: Tuning): void {
  for (let i = 0; i < count; i++) {
    const unclaimed = state.presses.find((p) => !p.claimed && nowMs - p.startMs <= tuning.claimWindowMs);
    if (unclaimed) unclaimed.claimed = true;
    else state.credits.push(nowMs + tuning.reorderWindowMs);
  }
}

function claimAll(state: ChannelState): void {
  for (const press of state.presses) press.claimed = true;
}

function addPress(state: ChannelState, startMs: number, via: RingVia, recovered: boolean): PressRecord {
  const base = `${state.device}:${state.input}:${Math.round(startMs)}`;
  let id = base;
  for (let n = 2; state.presses.some((p) => p.id === id); n++) id = `${base}.${n}`;
  const press: PressRecord = {
    id,
    startMs,
    via,
    recovered,
    claimed: false,
    firstFallMs: null,
    lastFallMs: null,
  };
  state.presses.push(press);
  if (state.presses.length > MAX_PRESSES) state.presses.shift();
  return press;
}
