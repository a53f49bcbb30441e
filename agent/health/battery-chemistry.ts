/**
 * Cell chemistries the battery model knows. Sources (parts-facts.md, circuits/parts.yaml); everything marked
 * ASSUMED is a starting value that the config can override (`capacity_mah`, `threshold_v`, …) or that only shapes
 * the estimate, never a fact about a cell:
 *  - alkaline: fresh open-circuit 1.58 V and "closed-circuit voltage declines gradually as a function of the
 *    depth of discharge" (advanced-battery.com, alkaline); end points 0.8–0.9 V (parts-facts.md). The curve
 *    between them is the low-drain shape of the discharge figures in Energizer's "Alkaline Manganese Dioxide
 *    Handbook and Application Manual" (Alk2.0) read by eye: a quick fall from the open-circuit value, a long
 *    slope through 1.2–1.3 V, a knee near the end — the exact points are ASSUMED. Self-discharge 3 %/year
 *    (ASSUMED, parts-facts: "~2–3 %/year at room temperature", upper end taken); shelf life 10 years (ASSUMED).
 *  - lithium_fes2 (Energizer L92): 1.5 V nominal, shelf life up to 25 years at 21 °C (Energizer data, parts-facts);
 *    a flat curve near 1.5 V with a late knee and ~1 %/year self-discharge are ASSUMED (derived from the 25 years).
 *  - nimh: 1.2 V class, a flat curve and ~20 %/year self-discharge are ASSUMED (no source in parts-facts).
 */
export type Chemistry = 'alkaline' | 'lithium_fes2' | 'nimh';

export interface ChemistryFacts {
  /** Closed-circuit cell voltage at low drain by depth of discharge (0 = fresh, 1 = end point), ascending. */
  curve: ReadonlyArray<readonly [depth: number, volts: number]>;
  selfDischargePerYear: number;
  shelfLifeYears: number | null;
}

export const CHEMISTRIES: Readonly<Record<Chemistry, ChemistryFacts>> = {
  alkaline: {
    curve: [
      [0, 1.58],
      [0.05, 1.5],
      [0.2, 1.4],
      [0.4, 1.3],
      [0.6, 1.22],
      [0.75, 1.15],
      [0.88, 1.05],
      [0.95, 0.95],
      [1, 0.85],
    ],
    selfDischargePerYear: 0.03,
    shelfLifeYears: 10,
  },
  lithium_fes2: {
    curve: [
      [0, 1.75],
      [0.05, 1.55],
      [0.5, 1.48],
      [0.85, 1.4],
      [0.95, 1.2],
      [1, 0.9],
    ],
    selfDischargePerYear: 0.01,
    shelfLifeYears: 25,
  },
  nimh: {
    curve: [
      [0, 1.35],
      [0.1, 1.28],
      [0.8, 1.18],
      [0.95, 1.1],
      [1, 1.0],
    ],
    selfDischargePerYear: 0.2,
    shelfLifeYears: null,
  },
};

/** Cell volts at a state of charge (1 = fresh, 0 = end point): linear between the curve's points. */
export function voltsAtCharge(chemistry: Chemistry, charge: number): number {
  const depth = 1 - clamp01(charge);
  const curve = CHEMISTRIES[chemistry].curve;
  for (let i = 1; i < curve.length; i++) {
    const [d1, v1] = curve[i] as readonly [number, number];
    const [d0, v0] = curve[i - 1] as readonly [number, number];
    if (depth <= d1) return v0 + ((depth - d0) / (d1 - d0)) * (v1 - v0);
  }
  return (curve.at(-1) as readonly [number, number])[1];
}

/** State of charge (1 fresh … 0 end point) from a cell's volts: the inverse of `voltsAtCharge`. */
export function chargeAtVolts(chemistry: Chemistry, cellVolts: number): number {
  const curve = CHEMISTRIES[chemistry].curve;
  const first = curve[0] as readonly [number, number];
  if (cellVolts >= first[1]) return 1;
  for (let i = 1; i < curve.length; i++) {
    const [d1, v1] = curve[i] as readonly [number, number];
    const [d0, v0] = curve[i - 1] as readonly [number, number];
    if (cellVolts >= v1) return 1 - (d0 + ((v0 - cellVolts) / (v0 - v1)) * (d1 - d0));
  }
  return 0;
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}
