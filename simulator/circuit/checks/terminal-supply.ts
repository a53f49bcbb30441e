import type { ScenarioResult } from '../scenario.ts';
import type { Installation } from '../types.ts';
import { type Check, type CheckId, describePoint, fail, pass, warn } from './check.ts';

/** A device's supply rating and what the simulation saw at its terminals. */
export interface TerminalSupply {
  readonly id: CheckId;
  readonly device: string;
  readonly ratedMinVac: number;
  readonly ratedMaxVac: number;
  /** Lowest and highest idle RMS at its terminals, per sweep point. */
  readonly measured: (r: ScenarioResult) => { readonly min: number; readonly max: number };
  /** What the rating rests on, for the report. */
  readonly ratingBasis: string;
}

const v1 = (v: number) => `${v.toFixed(1)} VAC`;

/**
 * Judges the simulated terminal voltage, not the nominal supply: a rating is read as nominal ±tolerance (what a
 * device rated 12–24 VAC must stand on mains that wanders ±10 %). The nominal point outside that band: FAIL; only a
 * tolerance point outside it: WARN (unspecified there, not known to fail).
 */
export function judgeTerminalSupply(
  inst: Installation,
  results: readonly ScenarioResult[],
  spec: TerminalSupply,
): Check {
  const tol = inst.toleranceFrac;
  const lo = spec.ratedMinVac * (1 - tol);
  const hi = spec.ratedMaxVac * (1 + tol);
  const band = `rating ${spec.ratedMinVac}–${spec.ratedMaxVac} VAC read as ±${Math.round(tol * 100)} % (${lo.toFixed(1)}–${v1(hi)})`;
  const marginOf = (r: ScenarioResult) => {
    const m = spec.measured(r);
    return Math.min(m.min - lo, hi - m.max);
  };
  const worst = results.reduce((a, b) => (marginOf(b) < marginOf(a) ? b : a));
  const margin = marginOf(worst);
  const at = (r: ScenarioResult) => {
    const m = spec.measured(r);
    const v = m.min - lo < hi - m.max ? m.min : m.max;
    return `${v1(v)} at its terminals at ${describePoint(r.point)}`;
  };
  const span = `${Math.min(...results.map((r) => spec.measured(r).min)).toFixed(1)}–${v1(Math.max(...results.map((r) => spec.measured(r).max)))} over the sweep`;
  const basis = spec.ratingBasis;
  const nominal = results.filter((r) => r.point.vac === inst.supply.vac);
  const nominalWorst = nominal.reduce((a, b) => (marginOf(b) < marginOf(a) ? b : a), nominal[0] ?? worst);
  if (marginOf(nominalWorst) < 0) {
    return {
      ...fail(spec.id, margin, `the ${spec.device} gets ${at(nominalWorst)}: outside its ${band}`),
      basis,
      worst: nominalWorst.point,
    };
  }
  if (margin < 0) {
    return {
      ...warn(
        spec.id,
        margin,
        `the ${spec.device} gets ${at(worst)}, outside its ${band}; within it at the nominal supply (${span})`,
      ),
      basis,
      worst: worst.point,
    };
  }
  return {
    ...pass(spec.id, margin, `${span} at the ${spec.device}'s terminals, within its ${band}`),
    basis,
    worst: worst.point,
  };
}
