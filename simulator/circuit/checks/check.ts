import { describeBattery } from '../battery.ts';
import type { ScenarioResult } from '../scenario.ts';
import type { Installation, OperatingPoint } from '../types.ts';

export type Verdict = 'pass' | 'warn' | 'fail';
export type CheckId =
  | 'doorbell_supply_in_range'
  | 'uni_supply_in_range'
  | 'coil_type_matches_supply'
  | 'coil_not_overdriven'
  | 'idle_relay_open'
  | 'press_relay_closes'
  | 'input_high_on_press'
  | 'input_low_at_idle'
  | 'pulse_matches_chime'
  | 'ac_on_input';

export interface Check {
  readonly id: CheckId;
  readonly verdict: Verdict;
  /** Distance to the limit that decides the verdict (negative: beyond it); null where no number applies. */
  readonly margin: number | null;
  readonly unit: 'V' | 's';
  readonly reason: string;
  /** What the verdict rests on: a guaranteed/documented figure, or a typical/field one that is assumed. */
  readonly basis: string;
  /** input_high_on_press only: margin against the field-evidence threshold, where it disagrees with the documented one. */
  readonly fieldMargin?: number;
  /** The sweep point that decided the verdict (the worst one), where one did. */
  readonly worst?: OperatingPoint;
}

/**
 * How far a ring's logical high period may differ from the chime setting: relay operate + release (≤ 30 ms each),
 * the half-cycle RMS the armature responds to (≤ 10 ms), and the poll + debounce (≤ 40 ms), rounded up.
 */
export const PULSE_TOLERANCE_S = 0.1;

const SEVERITY: Record<Verdict, number> = { pass: 0, warn: 1, fail: 2 };

export function exitCodeOf(checks: readonly Check[]): number {
  return Math.max(0, ...checks.map((c) => SEVERITY[c.verdict]));
}

/** One check of the wiring: what it decides from the installation and its simulated scenarios. */
export type CheckFn = (inst: Installation, results: readonly ScenarioResult[]) => Check;

export const pct = (f: number) => `${Math.round(f * 100)} %`;
/** `12 VAC` or `12 VDC`: how a relay's coil is rated. */
export const coilRating = (inst: Installation) =>
  `${inst.relay.coilV} ${inst.relay.coilKind === 'dc' ? 'VDC' : 'VAC'}`;
export const volts = (v: number) => `${v.toFixed(2)} V`;
export const worst = <T>(items: readonly T[], key: (t: T) => number): T =>
  items.reduce((a, b) => (key(b) > key(a) ? b : a));

export function pass(id: CheckId, margin: number | null, reason: string, unit: 'V' | 's' = 'V'): Check {
  return { id, verdict: 'pass', margin, unit, reason, basis: 'model' };
}
export function warn(id: CheckId, margin: number | null, reason: string, unit: 'V' | 's' = 'V'): Check {
  return { id, verdict: 'warn', margin, unit, reason, basis: 'model' };
}
export function fail(id: CheckId, margin: number | null, reason: string, unit: 'V' | 's' = 'V'): Check {
  return { id, verdict: 'fail', margin, unit, reason, basis: 'model' };
}

export function describePoint(p: OperatingPoint, inst?: Installation): string {
  const loop = inst?.loop;
  const cell =
    p.batteryState === undefined || loop?.source !== 'battery'
      ? ''
      : `, ${loop.battery.cells > 1 ? `${loop.battery.cells} cells` : 'cell'} ${describeBattery(loop.battery, p.batteryState).volts.toFixed(2)} V`;
  return `${p.vac} VAC ${p.hz} Hz${cell}`;
}
