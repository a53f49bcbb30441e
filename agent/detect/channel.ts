import { afterFallMs, type ChimeSettings, heldWindowEndMs, holdMatchesChime } from './chime.ts';
import { classifyCounter } from './counter.ts';
import type { Evidence, Path } from './evidence.ts';

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
 */
export interface Tuning {
  /** How long a counter step waits for its (reordered) rising edge before it rings as recovered. */
  reorderWindowMs: number;
  /** How long a rung press may still be matched by late evidence. */
  claimWindowMs: number;
  electronicToleranceMs: number;
  /** A counter decrease this soon after the last change is a late copy, not a reboot. */
  staleCounterWindowMs: number;
  /** A larger counter jump is resynchronised without ringing. */
  maxCounterJump: number;
  /** Gen2: a push may follow its press's last `btn_up` by this much device time (multi-push wait; UNCONFIRMED). */
  pushDelayMs: number;
  /** Gen2: an edge this much older (device time) than the latest one is a device clock reset, not a late copy. */
  clockResetMs: number;
  /** Rising edges within `chatterWindowMs` that make the input chatter (the same numbers as `health.chatter_*`). */
  chatterMinEdges: number;
  chatterWindowMs: number;
  /** While the input chatters, a rise this soon after the press's last fall or step is the same press. */
  chatterMergeMs: number;
}

export const DEFAULT_TUNING: Tuning = {
  reorderWindowMs: 600,
  claimWindowMs: 600_000,
  electronicToleranceMs: 1_500,
  staleCounterWindowMs: 2_000,
  maxCounterJump: 64,
  pushDelayMs: 1_000,
  clockResetMs: 600_000,
  chatterMinEdges: 10,
  chatterWindowMs: 60_000,
  chatterMergeMs: 1_000,
};

export type RingVia = Path | 'counter';

export interface PressRecord {
  id: string;
  startMs: number;
  via: RingVia;
  recovered: boolean;
  /** Counter steps this press may still account for: one per rising edge it took. */
  budget: number;
  /** Paths that reported its rise: a rise on another path soon after the start is a copy. */
  paths: Path[];
  /** The input is high as far as this press knows (no fall heard since its last rise). */
  held: boolean;
  lastRiseMs: number;
  firstFallMs: number | null;
  /** The first fall heard after its last rise. */
  lastFallMs: number | null;
  /** The latest counter step taken as one of its pulses whose edges were not heard. */
  lastStepMs: number | null;
  /** Gen2 device time (s) of its first rise, and of its fall while it has fallen. */
  tsStart: number | null;
  tsEnd: number | null;
}

/** Counter steps that no heard press accounts for (yet). */
export interface Credit {
  /** When it rings as recovered. */
  dueMs: number;
  /** Arrival of the latest step merged into it. */
  stepMs: number;
  /** The path its step came on (null in state persisted before this field existed). */
  via: Path | null;
  /** Counter steps merged into it (pulses of one press whose edges were not heard). */
  steps: number;
  /** Its report followed lost reports: its steps may be older than any rise heard after it on that path. */
  afterLoss: boolean;
  /** Gen1: the event counter its latest step reached (null for Gen2 pushes). */
  value: number | null;
}

export interface ChannelState {
  device: string;
  input: number;
  levels: Partial<Record<Path, boolean>>;
  /** The most recent level from any path, used when a path reports for the first time. */
  lastLevel: boolean | null;
  counter: number | null;
  counterChangedMs: number | null;
  /** The latest event counter each path reported (a rise on a path that already counted a step is not its edge). */
  pathCounters: Partial<Record<Path, number>>;
  credits: Credit[];
  /** Recent presses, oldest first. */
  presses: PressRecord[];
  /** Recently seen Gen2 notification keys (edges and pushes). */
  completedKeys: string[];
  /** Gen2: device time of the latest edge heard. */
  edgeTs: number | null;
  /** CoIoT serial of the latest report heard (to see reports lost before a counter jump). */
  coiotSerial: number | null;
  /** The latest rising edges (heard, or implied by counter steps no heard edge accounts for), for chatter. */
  edges: number[];
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
  /** Rising edges this step saw or implied (for the chatter monitor). */
  edges: number;
}

const MAX_PRESSES = 32;
const MAX_COMPLETED_KEYS = 64;

export function newChannelState(device: string, input: number): ChannelState {
  return {
    device,
    input,
    levels: {},
    lastLevel: null,
    counter: null,
    counterChangedMs: null,
    pathCounters: {},
    credits: [],
    presses: [],
    completedKeys: [],
    edgeTs: null,
    coiotSerial: null,
    edges: [],
  };
}

type StoredPress = Partial<PressRecord> & Pick<PressRecord, 'id' | 'startMs' | 'via' | 'recovered'>;

/**
 * A persisted state as the current code needs it: state written by an older version (presses with a `claimed`
 * flag, credits as bare due times, no Gen2 or chatter fields) is completed with safe defaults.
 */
export function upgradeChannelState(stored: ChannelState, device: string, input: number): ChannelState {
  const raw = stored as unknown as Partial<Omit<ChannelState, 'credits' | 'presses'>> & {
    credits?: Array<Credit | number>;
    presses?: Array<StoredPress & { claimed?: boolean }>;
  };
  const fresh = newChannelState(device, input);
  return {
    ...fresh,
    levels: raw.levels ?? {},
    lastLevel: raw.lastLevel ?? null,
    counter: raw.counter ?? null,
    counterChangedMs: raw.counterChangedMs ?? null,
    pathCounters: raw.pathCounters ?? {},
    credits: (raw.credits ?? []).map((c) =>
      typeof c === 'number'
        ? {
            dueMs: c,
            stepMs: c - DEFAULT_TUNING.reorderWindowMs,
            via: null,
            steps: 1,
            afterLoss: false,
            value: null,
          }
        : {
            ...c,
            via: c.via ?? null,
            steps: c.steps ?? 1,
            afterLoss: c.afterLoss ?? false,
            value: c.value ?? null,
          },
    ),
    presses: (raw.presses ?? []).map((p) => ({
      id: p.id,
      startMs: p.startMs,
      via: p.via,
      recovered: p.recovered,
      budget: p.budget ?? (p.claimed === false ? 1 : 0),
      paths: p.paths ?? (p.via === 'counter' ? [] : [p.via]),
      held: p.held ?? (!p.recovered && (p.lastFallMs ?? null) === null),
      lastRiseMs: p.lastRiseMs ?? p.startMs,
      firstFallMs: p.firstFallMs ?? null,
      lastFallMs: p.lastFallMs ?? null,
      lastStepMs: p.lastStepMs ?? null,
      tsStart: p.tsStart ?? null,
      tsEnd: p.tsEnd ?? null,
    })),
    completedKeys: raw.completedKeys ?? [],
    edgeTs: raw.edgeTs ?? null,
    coiotSerial: raw.coiotSerial ?? null,
    edges: raw.edges ?? [],
  };
}

export function nextWakeMs(state: ChannelState): number | null {
  return state.credits[0]?.dueMs ?? null;
}

function emptyResult(): StepResult {
  return { rings: [], notes: [], changed: false, edges: 0 };
}

/** Turns credits that are due by `nowMs` into recovered rings. */
export function fireDue(state: ChannelState, nowMs: number): StepResult {
  const result = emptyResult();
  for (let first = state.credits[0]; first !== undefined; first = state.credits[0]) {
    // Due, or stepped "in the future": the wall clock jumped back since, so it is due now.
    if (first.dueMs > nowMs && first.stepMs <= nowMs) break;
    const credit = state.credits.shift() as Credit;
    const tMs = Math.min(credit.dueMs, nowMs);
    const press = addPress(state, tMs, 'counter', true);
    press.lastStepMs = Math.min(credit.stepMs, tMs);
    result.rings.push({ tMs, pressId: press.id, via: 'counter', recovered: true, holdS: null });
    result.changed = true;
  }
  return result;
}

interface Step {
  state: ChannelState;
  nowMs: number;
  chime: ChimeSettings;
  tuning: Tuning;
  result: StepResult;
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
  // describes a press that began after the reboot, so the reset must not touch it; and a step carried by a
  // rise report belongs to an earlier pulse.
  const lost = reportsLost(step, evidence);
  if (evidence.counter !== undefined) applyCounter(step, evidence.counter.value, evidence.via, lost);
  if (evidence.completed !== undefined && remember(step, evidence.completed.key)) {
    applyPushes(step, evidence.completed.presses, evidence.ts, evidence.via);
  }
  if (evidence.level !== undefined) applyLevel(step, evidence, evidence.level);
  return step.result;
}

/**
 * Were reports lost just before this one? Only CoIoT tells (a gap in its serial); without a serial a CoIoT report
 * is assumed to follow losses (the safe side: a jump rings each press), an MQTT message is not (TCP).
 */
function reportsLost(step: Step, evidence: Evidence): boolean {
  if (evidence.via !== 'coiot') return false;
  if (evidence.serial === undefined) return true;
  const previous = step.state.coiotSerial;
  if (previous === evidence.serial) return false;
  step.state.coiotSerial = evidence.serial;
  step.result.changed = true;
  return previous === null || (evidence.serial - previous + 0x10000) % 0x10000 !== 1;
}

/** Records a Gen2 notification key; false if it was already seen (a QoS 1 re-delivery). */
function remember(step: Step, key: string): boolean {
  const keys = step.state.completedKeys;
  if (keys.includes(key)) return false;
  keys.push(key);
  if (keys.length > MAX_COMPLETED_KEYS) keys.shift();
  step.result.changed = true;
  return true;
}

function applyLevel(step: Step, evidence: Evidence, level: boolean): void {
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
  if (previous === false && level && evidence.snapshot !== true) onRise(step, via, ts);
  // Any low report ends a held press, even from a path that never saw it high (its rise report was lost).
  else if (!level) onFall(step, via, ts);
}

function onRise(step: Step, via: Path, ts: number | undefined): void {
  const { state, nowMs, tuning, result } = step;
  result.changed = true;
  const latest = state.presses.at(-1);
  if (latest && recent(step, latest)) {
    if (!latest.paths.includes(via) && nowMs - latest.startMs <= tuning.reorderWindowMs) {
      // This path's copy of a rise already heard on the other path (or a late edge of a recovered press).
      latest.paths.push(via);
      return;
    }
    if (nowMs < openUntilMs(step, latest)) {
      // A re-trigger of an open press: the same press, and the counter step it may produce is its own.
      if (!latest.paths.includes(via)) latest.paths.push(via);
      latest.held = true;
      latest.lastRiseMs = nowMs;
      latest.tsEnd = null;
      if (claimCredit(step, via) === null) {
        latest.budget++;
        countEdge(step);
      }
      return;
    }
  }
  const press = addPress(state, nowMs, via, false);
  press.paths = [via];
  press.held = true;
  press.tsStart = ts ?? null;
  // The counter step for this press may have arrived before its edge (paths reorder): then it is spent already.
  if (claimCredit(step, via) === null) {
    press.budget = 1;
    countEdge(step);
  }
  result.rings.push({ tMs: nowMs, pressId: press.id, via, recovered: false, holdS: null });
}

function onFall(step: Step, via: Path, ts: number | undefined): void {
  const { state, nowMs, chime, tuning, result } = step;
  const latest = state.presses.at(-1);
  if (!latest || latest.recovered || !latest.held || !recent(step, latest) || nowMs < latest.lastRiseMs)
    return;
  // This path never reported the latest press's rise, and that rise is recent: its late fall of the press before.
  if (!latest.paths.includes(via) && nowMs - latest.startMs <= tuning.reorderWindowMs) return;
  latest.held = false;
  latest.lastFallMs = nowMs;
  latest.tsEnd = ts ?? null;
  result.changed = true;
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

/** The window after a fall (or an unheard pulse) in which a new rise is the same press. */
function mergeMs(step: Step): number {
  const window = afterFallMs(step.chime);
  return chattering(step) ? Math.max(window, step.tuning.chatterMergeMs) : window;
}

/** Until when a rise (or a counter step nobody accounts for) still belongs to this press. */
function openUntilMs(step: Step, press: PressRecord): number {
  const merge = mergeMs(step);
  const stepped = press.lastStepMs === null ? -Infinity : press.lastStepMs + merge;
  if (press.recovered) return stepped;
  if (press.held)
    return Math.max(heldWindowEndMs(press, step.chime, step.tuning.electronicToleranceMs), stepped);
  return Math.max((press.lastFallMs ?? press.lastRiseMs) + merge, stepped);
}

/** Can this press still spend budget on a counter step arriving now? */
function budgetOpen(step: Step, press: PressRecord): boolean {
  const { nowMs, tuning } = step;
  if (press.budget <= 0 || !recent(step, press)) return false;
  // Held: its step may come with its fall, whenever that is heard.
  return press.held || nowMs <= (press.lastFallMs ?? press.lastRiseMs) + tuning.reorderWindowMs;
}

/**
 * A rise takes the newest pending credit as its own counter step if that step came on the other path and this
 * rise's path had not counted it yet (the paths reordered), or on the same path within the merge window with no
 * report lost in between (a pulse of this same press reported before its rise). Credits persisted by an older
 * version are taken by any rise.
 */
function claimCredit(step: Step, via: Path): Credit | null {
  const { state, nowMs } = step;
  const newest = state.credits.at(-1);
  if (!newest) return null;
  if (newest.via === via) {
    if (newest.afterLoss || nowMs - newest.stepMs >= mergeMs(step)) return null;
  } else if (newest.via !== null && newest.value !== null) {
    const seen = state.pathCounters[via];
    if (seen !== undefined && (seen - newest.value + 0x10000) % 0x10000 < 0x8000) return null;
  }
  state.credits.pop();
  return newest;
}

function applyCounter(step: Step, value: number, via: Path, lost: boolean): void {
  const { state, nowMs, tuning, result } = step;
  if (state.pathCounters[via] !== value) {
    state.pathCounters[via] = value;
    result.changed = true;
  }
  if (state.counter === null) {
    // First contact: the baseline. Presses already rung are taken to be included in it.
    state.counter = value;
    state.counterChangedMs = nowMs;
    spendAll(state);
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
    // Steps that arrive together in one report, no report lost before it, were grouped by the firmware: pulses
    // a few hundred ms apart at most, so one press. After lost reports a jump of k is k presses.
    applySteps(step, move.delta, via, true, lost, value);
    return;
  }
  spendAll(state);
  state.credits = [];
  result.notes.push({ kind: move.kind === 'reset' ? 'counter_reset' : 'counter_resync', from, to: value });
}

/** Gen2 pushes: matched by device time to the press whose rise came last before them. */
function applyPushes(step: Step, count: number, ts: number | undefined, via: Path): void {
  const { state, tuning } = step;
  // A double or triple push is several clicks within the device's multi-push wait: one press by the rules.
  if (ts === undefined) {
    applySteps(step, count, via, true, false, null);
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
  // Not a press we heard: its btn_down was lost.
  applySteps(step, count, via, false, false, null);
}

/**
 * `count` counter steps (or pushes) arriving together. Each first spends the budget of a press that took its
 * rising edge. What no budget accounts for are pulses whose edges were not heard: a pulse of the open press,
 * of a pending credit within the merge window, or a new credit. `separate`: the steps are presses of their own
 * (a jump after lost reports); otherwise they are the pulses of one press.
 */
function applySteps(
  step: Step,
  count: number,
  via: Path,
  useBudget: boolean,
  separate: boolean,
  value: number | null,
): void {
  const { state, nowMs, tuning } = step;
  let unaccounted = 0;
  for (let i = 0; i < count; i++) {
    const owner = useBudget ? state.presses.find((p) => budgetOpen(step, p)) : undefined;
    if (owner) owner.budget--;
    else unaccounted++;
  }
  if (unaccounted === 0) return;
  for (let i = 0; i < unaccounted; i++) countEdge(step);
  const chatter = chattering(step);
  const latest = state.presses.at(-1);
  // A pulse of the open press whose edges were not heard (its rise and fall were lost, or never reported).
  if (latest && recent(step, latest) && nowMs < openUntilMs(step, latest)) {
    latest.lastStepMs = nowMs;
    return;
  }
  const newest = state.credits.at(-1);
  if (newest && nowMs >= newest.stepMs && (chatter || nowMs - newest.stepMs < mergeMs(step))) {
    newest.stepMs = nowMs;
    newest.value = value;
    newest.steps += separate && !chatter ? 1 : unaccounted;
    if (!separate || chatter) return;
    unaccounted--;
  }
  const credits = separate && !chatter ? unaccounted : 1;
  for (let i = 0; i < credits; i++) {
    state.credits.push({
      dueMs: nowMs + tuning.reorderWindowMs,
      stepMs: nowMs,
      via,
      steps: credits === 1 ? unaccounted : 1,
      afterLoss: separate,
      value,
    });
  }
}

/** The press started within the claim window before now (not after it: the wall clock may jump back). */
function recent(step: Step, press: PressRecord): boolean {
  const age = step.nowMs - press.startMs;
  return age >= 0 && age <= step.tuning.claimWindowMs;
}

function countEdge(step: Step): void {
  const { state, nowMs, tuning } = step;
  state.edges.push(nowMs);
  while (state.edges.length > Math.max(1, tuning.chatterMinEdges)) state.edges.shift();
  step.result.edges++;
  step.result.changed = true;
}

/** The input chatters: at least `chatterMinEdges` rising edges within `chatterWindowMs`. */
function chattering(step: Step): boolean {
  const { state, nowMs, tuning } = step;
  const n = tuning.chatterMinEdges;
  if (n <= 0 || state.edges.length < n) return false;
  return nowMs - (state.edges[state.edges.length - n] as number) <= tuning.chatterWindowMs;
}

function spendAll(state: ChannelState): void {
  for (const press of state.presses) press.budget = 0;
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
    budget: 0,
    paths: [],
    held: false,
    lastRiseMs: startMs,
    firstFallMs: null,
    lastFallMs: null,
    lastStepMs: null,
    tsStart: null,
    tsEnd: null,
  };
  state.presses.push(press);
  if (state.presses.length > MAX_PRESSES) state.presses.shift();
  return press;
}
