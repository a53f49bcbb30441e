/** How a sense loop drains its cell: it only conducts while the relay contact is closed. */
export interface LoopUse {
  readonly pressesPerDay: number;
  /** How long the contact stays closed per press (the electronic chime setting). */
  readonly holdS: number;
  /** Loop current while closed (cell voltage / Uni input resistance). */
  readonly loopMa: number;
}

const DAYS_PER_YEAR = 365;

/** Charge drawn per year in mAh (the seed: 5 presses × 2 s × ~1 mA ≈ 1 mAh/year). */
export function loopConsumptionMahPerYear(use: LoopUse): number {
  const closedHoursPerYear = (use.pressesPerDay * use.holdS * DAYS_PER_YEAR) / 3600;
  return closedHoursPerYear * use.loopMa;
}

/**
 * Years until the cell is used up by the loop plus its own self-discharge (a fraction of capacity per year);
 * with no self-discharge this is the seed's "about a thousand years" for a ~1000 mAh AAA.
 */
export function yearsOfLoopLife(capacityMah: number, use: LoopUse, selfDischargePerYear = 0): number {
  const drainPerYear = loopConsumptionMahPerYear(use) + capacityMah * selfDischargePerYear;
  return drainPerYear > 0 ? capacityMah / drainPerYear : Infinity;
}

/** Loop current (mA) of a cell of `volts` through a series resistance into an input of `inputOhm`. */
export function loopCurrentMa(volts: number, inputOhm: number, seriesOhm = 0): number {
  return (volts / (inputOhm + seriesOhm)) * 1000;
}

/** The seed's "5 visitors per day" (assumed: a household's rate). */
export const PRESSES_PER_DAY = 5;

/**
 * The loop's use from a simulated run: the cell's current while the contact is closed (mean over the closures), the
 * chime setting as the hold, the seed's 5 presses a day.
 */
export function loopUseFromRun(
  time: Float64Array,
  cellCurrent: Float64Array,
  closed: readonly (readonly [number, number])[],
  holdS: number,
): LoopUse {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < time.length; i++) {
    const t = time[i]!;
    if (closed.some(([a, b]) => t > a + 0.005 && t < b - 0.005)) {
      sum += Math.abs(cellCurrent[i]!);
      n++;
    }
  }
  return { pressesPerDay: PRESSES_PER_DAY, holdS, loopMa: n > 0 ? (sum / n) * 1000 : 0 };
}
