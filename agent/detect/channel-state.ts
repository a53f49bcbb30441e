import type { Path } from './evidence.ts';

/** A channel's persisted state, its types and the tuning of the rules (`channel.ts` applies them). */
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
  /**
   * Gen1: the Uni's long-push time, when known (`detector.longpush_s`; 0.8 s on real firmware, shelly-protocols.md
   * §3.3, but a setting of the Uni). An `S` (short push) counted with a press's fall then says the press fell
   * within this of its last rise. Null: not known, and a fall is taken to be when it is heard.
   */
  longpushMs: number | null;
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
  longpushMs: null,
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
  /** When the counter's current baseline was taken (first contact, reset, resync): part of press ids. */
  counterEpochMs: number | null;
  /** The base of the latest press id and how many presses got it (`press-id.ts`). */
  pressIdBase: string | null;
  pressIdSeq: number;
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

export const MAX_PRESSES = 32;
/** A larger CoIoT serial jump is a reboot or a long absence, not a few lost reports (as `health.missed_*`). */
export const MAX_SERIAL_GAP = 256;
/** A Gen1 input event is cleared to "" this long after it happened. */
export const EVENT_LIFETIME_MS = 5_000;
export const MAX_COMPLETED_KEYS = 64;

export function newChannelState(device: string, input: number): ChannelState {
  return {
    device,
    input,
    levels: {},
    lastLevel: null,
    counter: null,
    counterChangedMs: null,
    counterEpochMs: null,
    pressIdBase: null,
    pressIdSeq: 0,
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

export type StoredPress = Partial<PressRecord> & Pick<PressRecord, 'id' | 'startMs' | 'via' | 'recovered'>;

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
    // State from before press ids were counter-based: the last change is as good a baseline time as any, and the
    // same on every read of that state.
    counterEpochMs: raw.counterEpochMs ?? (raw.counter == null ? null : (raw.counterChangedMs ?? null)),
    pressIdBase: raw.pressIdBase ?? null,
    pressIdSeq: raw.pressIdSeq ?? 0,
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
