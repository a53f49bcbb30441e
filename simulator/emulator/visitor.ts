import type { LevelChange } from '../uni/input-model.ts';

/** A visitor's press of the doorbell button: when, and how long the finger stays on it. */
export interface Press {
  atS: number;
  holdS: number;
}

export type ChimeSpec = { mode: 'mechanical' } | { mode: 'electronic'; durationS: number };

/** `mechanical` or `electronic:N` (N seconds of hold per press), as on the command line. */
export function parseChime(text: string): ChimeSpec {
  if (text === 'mechanical') return { mode: 'mechanical' };
  const m = /^electronic:([0-9]+(?:\.[0-9]+)?)$/.exec(text);
  const durationS = m ? Number(m[1]) : Number.NaN;
  if (!m || !(durationS >= 1 && durationS <= 60))
    throw new RangeError(
      `chime must be mechanical or electronic:N with 1 ≤ N ≤ 60 (got ${JSON.stringify(text)})`,
    );
  return { mode: 'electronic', durationS };
}

export function formatChime(chime: ChimeSpec): string {
  return chime.mode === 'mechanical' ? 'mechanical' : `electronic:${chime.durationS}`;
}

/**
 * When the doorbell closes the line, per press: a mechanical chime follows the finger; an electronic one holds its
 * output for exactly N seconds from the press, and a press during that hold changes nothing (it cannot be seen).
 * Returns the closures and, for each press, the index of the closure it produced (or -1 when swallowed).
 */
export function doorbellClosures(
  presses: readonly Press[],
  chime: ChimeSpec,
): { closures: Array<[number, number]>; of: number[] } {
  const closures: Array<[number, number]> = [];
  const of: number[] = [];
  for (const press of [...presses].sort((a, b) => a.atS - b.atS)) {
    const end = chime.mode === 'mechanical' ? press.atS + press.holdS : press.atS + chime.durationS;
    const last = closures.at(-1);
    if (last && press.atS <= last[1]) {
      if (chime.mode === 'mechanical') last[1] = Math.max(last[1], end);
      of.push(chime.mode === 'mechanical' ? closures.length - 1 : -1);
      continue;
    }
    closures.push([press.atS, end]);
    of.push(closures.length - 1);
  }
  return { closures, of };
}

/** The logical input for ideal wiring: high for each closure, after `delayS` (contact and input filter). */
export function idealInput(closures: ReadonlyArray<readonly [number, number]>, delayS = 0.06): LevelChange[] {
  return closures.flatMap(([from, to]) => [
    { t: round(from + delayS), level: 1 as const },
    { t: round(to + delayS), level: 0 as const },
  ]);
}

/** A source of logical input edges for one closure of `lengthS`, relative to its start. */
export type ClosureModel = (lengthS: number) => Promise<LevelChange[]>;

export const idealClosure: ClosureModel = async (lengthS) => idealInput([[0, lengthS]]);

/** Logical input for a list of closures, each through `model` (the circuit, or ideal wiring). */
export async function inputFor(
  closures: ReadonlyArray<readonly [number, number]>,
  model: ClosureModel,
): Promise<LevelChange[]> {
  const out: LevelChange[] = [];
  for (const [from, to] of closures) {
    for (const change of await model(to - from)) out.push({ t: round(from + change.t), level: change.level });
  }
  return out;
}

function round(t: number): number {
  return Math.round(t * 1e6) / 1e6;
}
