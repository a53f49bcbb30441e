import {
  afterFallMs,
  type ChimeSettings,
  heldWindowEndMs,
  holdMatchesChime,
  pressSpacingMs,
} from './chime.ts';
import { type CounterMove, classifyCounter } from './counter.ts';
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
  chatterWindowMs: 5_000,
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
  /** Rising edges it took (more than one: it bounced or chattered). */
  rises: number;
  /** A counter report came after its fall (and the reorder window) without its step: the Uni did not count it. */
  uncounted: boolean;
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
  /** Recovered: the path its counter step came on (its own rise can only come late on the other one). */
  stepVia: Path | null;
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
  /**
   * Its report followed lost reports and did not show the input low: its steps may be older than any rise heard
   * after it on that path (with a heard fall, its newest step is the pulse that just fell).
   */
  afterLoss: boolean;
  /** Its latest step came after lost reports: when it happened is not known. */
  timeUnknown: boolean;
  /** Gen1: the event counter its latest step reached (null for Gen2 pushes). */
  value: number | null;
  /** Gen2: device time of its latest push (null for Gen1 steps). */
  ts: number | null;
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
  /** Gen2: device time of the latest edge heard, and of the latest fall. */
  edgeTs: number | null;
  fallTs: number | null;
  /** CoIoT serial of the latest report heard (to see reports lost before a counter jump), and when it came. */
  coiotSerial: number | null;
  coiotReportMs: number | null;
  /** When the latest counter step (any path) arrived, and the input was last heard falling. */
  stepMs: number | null;
  fallMs: number | null;
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
/** A larger CoIoT serial jump is a reboot or a long absence, not a few lost reports (as `health.missed_*`). */
const MAX_SERIAL_GAP = 256;
/** A Gen1 input event is cleared to "" this long after it happened. */
const EVENT_LIFETIME_MS = 5_000;
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
    fallTs: null,
    coiotSerial: null,
    coiotReportMs: null,
    stepMs: null,
    fallMs: null,
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
            timeUnknown: false,
            value: null,
            ts: null,
          }
        : {
            ...c,
            via: c.via ?? null,
            steps: c.steps ?? 1,
            afterLoss: c.afterLoss ?? false,
            timeUnknown: c.timeUnknown ?? false,
            value: c.value ?? null,
            ts: c.ts ?? null,
          },
    ),
    presses: (raw.presses ?? []).map((p) => ({
      id: p.id,
      startMs: p.startMs,
      via: p.via,
      recovered: p.recovered,
      budget: p.budget ?? (p.claimed === false ? 1 : 0),
      rises: p.rises ?? 1,
      uncounted: p.uncounted ?? false,
      paths: p.paths ?? (p.via === 'counter' ? [] : [p.via]),
      held: p.held ?? (!p.recovered && (p.lastFallMs ?? null) === null),
      lastRiseMs: p.lastRiseMs ?? p.startMs,
      firstFallMs: p.firstFallMs ?? null,
      lastFallMs: p.lastFallMs ?? null,
      lastStepMs: p.lastStepMs ?? null,
      stepVia: p.stepVia ?? null,
      tsStart: p.tsStart ?? null,
      tsEnd: p.tsEnd ?? null,
    })),
    completedKeys: raw.completedKeys ?? [],
    edgeTs: raw.edgeTs ?? null,
    fallTs: raw.fallTs ?? null,
    coiotSerial: raw.coiotSerial ?? null,
    coiotReportMs: raw.coiotReportMs ?? null,
    stepMs: raw.stepMs ?? null,
    fallMs: raw.fallMs ?? null,
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
    // A recovered press took place when its step came: before any press heard since (which stays the latest).
    const press = addPress(state, tMs, 'counter', true, Math.min(credit.stepMs, tMs));
    press.lastStepMs = Math.min(credit.stepMs, tMs);
    press.stepVia = credit.via;
    press.tsEnd = credit.ts;
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
function reportsLost(
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
function advances(step: Step, value: number): boolean {
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
function pressesThatFit(step: Step, sinceReportMs: number | null): number {
  const { state, nowMs, chime, tuning } = step;
  const spacing = pressSpacingMs(chime) - tuning.reorderWindowMs / 2;
  if (spacing <= 0) return Infinity;
  const sinceReport = sinceReportMs === null ? Infinity : Math.floor(1 + sinceReportMs / spacing);
  const sinceStep =
    state.stepMs === null || state.stepMs > nowMs ? Infinity : Math.floor((nowMs - state.stepMs) / spacing);
  return Math.min(sinceReport, sinceStep);
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
  if (previous === true && !level) {
    state.fallMs = step.nowMs;
    if (ts !== undefined) state.fallTs = ts;
  }
  if (previous === false && level && evidence.snapshot !== true) onRise(step, via, ts);
  // Any low report ends a held press, even from a path that never saw it high (its rise report was lost).
  else if (!level) onFall(step, via, ts);
}

function onRise(step: Step, via: Path, ts: number | undefined): void {
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
  const press = addPress(state, nowMs, via, false);
  press.paths = [via];
  press.held = true;
  press.tsStart = ts ?? null;
  // The counter step for this press may have arrived before its edge (paths reorder): then it is spent already.
  // A step of a pulse just before it (same press by the rules) leaves it its own to come.
  const credit = claimCredit(step, via, ts);
  if (credit === null || earlierPulse(credit, via, ts)) press.budget = 1;
  if (credit === null) countEdge(step);
  else if (earlierPulse(credit, via, ts)) press.rises = 2;
  result.rings.push({ tMs: nowMs, pressId: press.id, via, recovered: false, holdS: null });
}

function onFall(step: Step, via: Path, ts: number | undefined): void {
  const { state, nowMs, chime, tuning, result } = step;
  const latest = state.presses.at(-1);
  if (!latest?.held || !recent(step, latest) || nowMs < latest.lastRiseMs) return;
  // This path never reported the latest press's rise, and that rise is recent: its late fall of the press before.
  if (!latest.paths.includes(via) && nowMs - latest.startMs <= tuning.reorderWindowMs) return;
  latest.held = false;
  latest.lastFallMs = nowMs;
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
function mergeMs(step: Step, press?: PressRecord): number {
  const window = afterFallMs(step.chime);
  // A press that already bounced, or an input that chatters, is over only once it has been quiet a while.
  const bouncing = press !== undefined && press.rises > 1;
  return bouncing || chattering(step) ? Math.max(window, step.tuning.chatterMergeMs) : window;
}

/** Until when a rise (or a counter step nobody accounts for) still belongs to this press. */
function openUntilMs(step: Step, press: PressRecord, forStep = false): number {
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
function takeLeadingCredits(step: Step, press: PressRecord): void {
  const since = press.startMs - mergeMs(step);
  const kept = step.state.credits.filter((c) => c.stepMs < since || c.stepMs > press.startMs);
  if (kept.length !== step.state.credits.length) step.state.credits = kept;
}

/** Can this press still spend budget on a counter step arriving now? */
function budgetOpen(step: Step, press: PressRecord): boolean {
  const { nowMs, tuning } = step;
  if (press.budget <= 0 || !recent(step, press)) return false;
  // Held: its step may come with its fall, whenever that is heard.
  if (press.held || nowMs <= fellMs(press) + tuning.reorderWindowMs) return true;
  // Later, only a simple press's own step (its report lost, and re-sent later), until a counter report shows the
  // Uni did not count it. What re-triggers left unspent expires: it must not take a later press's step.
  return press.rises === 1 && !press.uncounted;
}

/** Gen2: when the press of a push at `pushTs` fell: at the fall heard after the push, if any. */
function fellTs(state: ChannelState, pushTs: number): number {
  return state.fallTs !== null && state.fallTs >= pushTs ? state.fallTs : pushTs;
}

/**
 * The input is high and no fall was heard since `sinceMs`: one hold. (Not known after lost reports, unless this
 * report shows the input still high.)
 */
function heldSince(step: Step, sinceMs: number | null): boolean {
  const { state } = step;
  if (step.lost && step.level !== true) return false;
  return sinceMs !== null && state.lastLevel === true && (state.fallMs ?? -Infinity) < sinceMs;
}

function fellMs(press: PressRecord): number {
  return press.lastFallMs ?? press.lastRiseMs;
}

/** A counter report without new steps: presses that fell before it (and the reorder window) were not counted. */
function markUncounted(step: Step): void {
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
function riseOfRecovered(step: Step, press: PressRecord, via: Path, ts: number | undefined): boolean {
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
function claimCredit(step: Step, via: Path, ts: number | undefined): Credit | null {
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
function earlierPulse(credit: Credit, via: Path, ts: number | undefined): boolean {
  if (credit.ts !== null && ts !== undefined) return credit.ts < ts;
  return credit.via === via;
}

/** `presses`: how many separate presses the steps of this report may be at most (1: grouped pulses of one). */
function applyCounter(step: Step, value: number, via: Path, presses: number, unplaced: boolean): void {
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
  result.notes.push({ kind: move.kind === 'reset' ? 'counter_reset' : 'counter_resync', from, to: value });
}

/** Gen2 pushes: matched by device time to the press whose rise came last before them. */
function applyPushes(step: Step, count: number, ts: number | undefined, via: Path): void {
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
function applySteps(
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
  const newest = state.credits.at(-1);
  // (A step that came after lost reports happened at a time not known: the next one is not its pulse by time.)
  const near = (c: Credit) => !c.timeUnknown && nowMs - c.stepMs < mergeMs(step);
  const joins = (c: Credit) => chatter || separate === 0 || near(c) || heldSince(step, c.stepMs);
  if (newest && nowMs >= newest.stepMs && joins(newest)) {
    // The first of them continue the pending credit's press.
    newest.stepMs = nowMs;
    newest.value = value;
    newest.afterLoss &&= unplaced;
    newest.timeUnknown &&= step.lost === true;
    if (ts !== null) newest.ts = Math.max(newest.ts ?? ts, ts);
    newest.steps += unaccounted - Math.max(0, separate - 1);
    separate = Math.max(0, separate - 1);
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
      steps: i === 0 ? unaccounted - separate + 1 : 1,
      afterLoss: unplaced,
      timeUnknown: step.lost === true,
      value,
      ts,
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

function addPress(
  state: ChannelState,
  startMs: number,
  via: RingVia,
  recovered: boolean,
  atMs = startMs,
): PressRecord {
  const base = `${state.device}:${state.input}:${Math.round(startMs)}`;
  let id = base;
  for (let n = 2; state.presses.some((p) => p.id === id); n++) id = `${base}.${n}`;
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
