/** A change of the Uni's logical input, as its firmware sees it. */
export interface LevelChange {
  readonly t: number;
  readonly level: 0 | 1;
}

export interface InputModelParams {
  /** Instantaneous voltage at IN_1 (vs the input reference) read as HIGH; the optocoupler conducts one way only. */
  readonly highV: number;
  /** Firmware poll period of the input pin (assumed). */
  readonly samplePeriodS: number;
  /** Consecutive polls that must agree before the logical level changes (assumed). */
  readonly debounceSamples: number;
  /** Where the first poll falls (0 ≤ phase < samplePeriodS); unknown in the field, so callers sweep it. */
  readonly samplePhaseS: number;
}

/**
 * From the node voltage at IN_1 to the logical input. A DC level gives one clean edge per change. AC gives a
 * pin that is HIGH only on part of each positive half-cycle, and the poll then aliases with the mains: depending
 * on the phase it reads the input as steadily high, steadily low, or toggling — the unreliability seen in the field.
 */
export function readLogicalInput(
  time: Float64Array,
  volts: Float64Array,
  params: InputModelParams,
): LevelChange[] {
  const changes: LevelChange[] = [];
  let level: 0 | 1 = 0;
  let agreeing = 0;
  let i = 0;
  const end = time[time.length - 1]!;
  const first = time[0]! + params.samplePhaseS;
  for (let k = 0; first + k * params.samplePeriodS <= end; k++) {
    const t = Math.round((first + k * params.samplePeriodS) * 1e6) / 1e6;
    while (i < time.length - 2 && time[i + 1]! <= t) i++;
    const span = time[i + 1]! - time[i]!;
    const f = span > 0 ? (t - time[i]!) / span : 0;
    const v = volts[i]! + f * (volts[i + 1]! - volts[i]!);
    const raw: 0 | 1 = v >= params.highV ? 1 : 0;
    agreeing = raw === level ? 0 : agreeing + 1;
    if (agreeing >= params.debounceSamples) {
      level = raw;
      agreeing = 0;
      changes.push({ t, level });
    }
  }
  return changes;
}

/** High periods [rise, fall] of a change list; a period still high at `endS` ends there. */
export function highPeriods(changes: readonly LevelChange[], endS: number): [number, number][] {
  const periods: [number, number][] = [];
  let rise: number | undefined;
  for (const c of changes) {
    if (c.level === 1 && rise === undefined) rise = c.t;
    if (c.level === 0 && rise !== undefined) {
      periods.push([rise, c.t]);
      rise = undefined;
    }
  }
  if (rise !== undefined) periods.push([rise, endS]);
  return periods;
}
