import type { StepRecord } from '../emulator/gen1-uni.ts';
import type { ChimeSpec, Press } from '../emulator/visitor.ts';
import type { LevelChange } from '../uni/input-model.ts';

/**
 * What physically happened at one doorbell: the visitor's presses, what the doorbell made of them (closures,
 * presses swallowed by an electronic hold), spontaneous relay chatter, the logical input the Uni saw, and the
 * counter steps its firmware made. Nothing here depends on the agent.
 */
export interface Pulse {
  riseMs: number;
  fallMs: number;
  unit: number;
}

/** A closure of the doorbell's contact (one or more visitor presses), or a burst of chatter. */
export interface Unit {
  index: number;
  kind: 'press' | 'burst';
  /** Visitor presses behind it (none for chatter). */
  presses: number[];
  /** Indexes into `DeviceHistory.pulses`. */
  pulses: number[];
  firstRiseMs: number;
  lastFallMs: number;
}

export interface DeviceHistory {
  chime: ChimeSpec;
  gen: 'gen1' | 'plus';
  units: Unit[];
  /** Every logical pulse of the input, in time order. */
  pulses: Pulse[];
  /** Visitor presses that an electronic doorbell swallowed inside its own hold (never expected to ring). */
  swallowed: number[];
  steps: readonly StepRecord[];
}

/** A burst of chatter: the relay closing and opening by itself (pulse and gap lengths in ms). */
export interface Burst {
  atS: number;
  pulses: Array<[number, number]>;
}

/** Logical edges of one closure or burst, relative to its start, seconds. */
export type Edges = LevelChange[];

/**
 * The history from the closures and bursts as fed to the Uni: `closureEdges[k]` are the logical edges of closure
 * `k` (absolute, ms), `burstEdges[k]` those of burst `k`; `of[i]` the closure of press `i` (-1 = swallowed).
 */
export function buildHistory(input: {
  chime: ChimeSpec;
  gen: 'gen1' | 'plus';
  presses: readonly Press[];
  of: readonly number[];
  closureEdges: ReadonlyArray<readonly LevelChange[]>;
  burstEdges: ReadonlyArray<readonly LevelChange[]>;
  steps?: readonly StepRecord[];
}): DeviceHistory {
  const raw: Array<{ kind: 'press' | 'burst'; presses: number[]; edges: readonly LevelChange[] }> = [
    ...input.closureEdges.map((edges, k) => ({
      kind: 'press' as const,
      presses: input.of.flatMap((c, i) => (c === k ? [i] : [])),
      edges,
    })),
    ...input.burstEdges.map((edges) => ({ kind: 'burst' as const, presses: [], edges })),
  ]
    .filter((u) => u.edges.some((e) => e.level === 1))
    .sort((a, b) => firstRise(a.edges) - firstRise(b.edges));
  const pulses: Pulse[] = [];
  const units: Unit[] = raw.map((u, index) => {
    const mine: number[] = [];
    let rise: number | undefined;
    for (const e of u.edges) {
      if (e.level === 1 && rise === undefined) rise = e.t;
      else if (e.level === 0 && rise !== undefined) {
        mine.push(pulses.push({ riseMs: rise, fallMs: e.t, unit: index }) - 1);
        rise = undefined;
      }
    }
    if (rise !== undefined) mine.push(pulses.push({ riseMs: rise, fallMs: Infinity, unit: index }) - 1);
    const first = pulses[mine[0] as number] as Pulse;
    const last = pulses[mine.at(-1) as number] as Pulse;
    return {
      index,
      kind: u.kind,
      presses: u.presses,
      pulses: mine,
      firstRiseMs: first.riseMs,
      lastFallMs: last.fallMs,
    };
  });
  return {
    chime: input.chime,
    gen: input.gen,
    units,
    pulses,
    swallowed: input.of.flatMap((c, i) => (c < 0 ? [i] : [])),
    steps: input.steps ?? [],
  };
}

function firstRise(edges: readonly LevelChange[]): number {
  return edges.find((e) => e.level === 1)?.t ?? Infinity;
}

/** The pulse the input was in at `atMs` (high), or the last one that ended before it (low); -1 before any. */
export function pulseAt(history: DeviceHistory, atMs: number): number {
  let k = -1;
  for (let i = 0; i < history.pulses.length; i++) {
    if ((history.pulses[i] as Pulse).riseMs <= atMs + 1) k = i;
    else break;
  }
  return k;
}

/** The unit of a pulse (or -1). */
export function unitOf(history: DeviceHistory, pulse: number): number {
  return pulse < 0 ? -1 : (history.pulses[pulse] as Pulse).unit;
}

/** The chatter model: 5–15 pulses (10–30 edges) of 40–90 ms each, gaps of 40–90 ms, as a no-power-kit relay. */
export function chatterBurst(random: () => number, atS: number): Burst {
  const n = 5 + Math.floor(random() * 11);
  const ms = () => 40 + Math.round(random() * 50);
  return { atS, pulses: Array.from({ length: n }, () => [ms(), ms()] as [number, number]) };
}

/** A burst's logical edges, seconds from its start. */
export function burstEdges(burst: Burst): LevelChange[] {
  const out: LevelChange[] = [];
  let t = 0;
  for (const [high, low] of burst.pulses) {
    out.push({ t: Math.round(t * 1e3) / 1e6, level: 1 });
    t += high;
    out.push({ t: Math.round(t * 1e3) / 1e6, level: 0 });
    t += low;
  }
  return out;
}
