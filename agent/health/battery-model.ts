import { CHEMISTRIES, type Chemistry, chargeAtVolts, voltsAtCharge } from './battery-chemistry.ts';

/** One configured cell (`devices[].battery`). */
export interface BatterySpec {
  chemistry: Chemistry;
  cells: number;
  capacityMah: number;
  /** Install date of the cell (ms since the epoch); the model needs it, the ADC does not. */
  installedMs: number | null;
  /** The Uni's ADC is wired to the cell: measure instead of model. */
  adc: boolean;
  /** Loop current while the contact is closed. */
  loopMa: number;
  /** Warn at this remaining share (0–1). */
  warnBelow: number;
  /** Pack voltage below which the Uni no longer reads the input as high. */
  thresholdV: number;
}

export interface BatteryEstimate {
  /** Remaining share, 0–1. */
  ratio: number;
  /** Pack volts: measured (adc) or what the curve says at `ratio` (model). */
  volts: number;
  basis: 'adc' | 'model';
  /** Model only: when the pack is expected to fall below `thresholdV` (null: not within 100 years). */
  thresholdDateMs: number | null;
  pastShelfLife: boolean;
}

export const MS_PER_YEAR = 365 * 24 * 3600 * 1000;

/** Charge one press takes from the loop: hold × loop current (the simulator's loop-consumption, per press). */
export function pressChargeMah(holdS: number, loopMa: number): number {
  return (holdS * loopMa) / 3600;
}

/**
 * Coulomb counting: what the presses the agent saw took (`pressMah`), plus self-discharge by chemistry since
 * `installed`. Presses before the agent first ran are not counted (they are ~1 mAh a year at the seed's use).
 */
export function modelEstimate(spec: BatterySpec, pressMah: number, nowMs: number): BatteryEstimate | null {
  if (spec.installedMs === null) return null;
  const facts = CHEMISTRIES[spec.chemistry];
  const years = Math.max(0, (nowMs - spec.installedMs) / MS_PER_YEAR);
  const selfMahPerYear = spec.capacityMah * facts.selfDischargePerYear;
  const used = selfMahPerYear * years + pressMah;
  const ratio = clamp01(1 - used / spec.capacityMah);
  const volts = voltsAtCharge(spec.chemistry, ratio) * spec.cells;
  // The share at which the pack crosses the input threshold, and the drain rate seen so far.
  const thresholdRatio = chargeAtVolts(spec.chemistry, spec.thresholdV / spec.cells);
  const pressMahPerYear = years > 1 / 365 ? pressMah / years : 0;
  const rate = selfMahPerYear + pressMahPerYear;
  let thresholdDateMs: number | null = null;
  if (ratio <= thresholdRatio) thresholdDateMs = nowMs;
  else if (rate > 0) {
    const yearsLeft = ((ratio - thresholdRatio) * spec.capacityMah) / rate;
    if (yearsLeft < 100) thresholdDateMs = nowMs + yearsLeft * MS_PER_YEAR;
  }
  const pastShelfLife = facts.shelfLifeYears !== null && years > facts.shelfLifeYears;
  return { ratio, volts, basis: 'model', thresholdDateMs, pastShelfLife };
}

/** ADC volts of the pack → state of charge on the chemistry's curve. */
export function adcEstimate(spec: BatterySpec, packVolts: number): BatteryEstimate {
  const ratio = chargeAtVolts(spec.chemistry, packVolts / spec.cells);
  return { ratio, volts: packVolts, basis: 'adc', thresholdDateMs: null, pastShelfLife: false };
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}
