import type { SpiceEngine } from '../spice/engine.ts';
import { PRESS_PHASES, type PressPlan, planPresses } from './press-plan.ts';
import { type DoorbellRunCache, runScenario, type ScenarioResult } from './scenario.ts';
import type { Installation, OperatingPoint, PowerKitParams } from './types.ts';

/** What the user cannot control: supply tolerance, both mains frequencies if unknown, battery from now to end of life. */
export function buildOperatingPoints(inst: Installation): OperatingPoint[] {
  const vacs = [1 - inst.toleranceFrac, 1, 1 + inst.toleranceFrac].map((f) => round(inst.supply.vac * f));
  const loop = inst.loop;
  const states =
    loop.source === 'ac'
      ? [undefined]
      : loop.startState >= 1
        ? [loop.startState]
        : [...new Set([loop.startState, (loop.startState + 1) / 2, 1])];
  return inst.supply.hz.flatMap((hz) =>
    vacs.flatMap((vac) => states.map((batteryState) => ({ vac, hz, batteryState }))),
  );
}

/** The nominal point: the plot shows it, and it leads the text report. */
export function nominalPoint(inst: Installation): OperatingPoint {
  const loop = inst.loop;
  return {
    vac: inst.supply.vac,
    hz: inst.supply.hz[0]!,
    batteryState: loop.source === 'ac' ? undefined : loop.startState,
  };
}

/** Presses after the first probe the phase; their steady part is the first one's, so they need not be long. */
export const PROBE_PRESS_S = 0.3;

/**
 * One press at each of `PRESS_PHASES` of the mains cycle: the first as long as the chime setting, the others (which
 * probe the switch-on at another phase) at most `PROBE_PRESS_S`.
 */
export function defaultPlan(inst: Installation, hz: number): PressPlan {
  return planPresses(inst.chime.durationS, 1, { hz, phases: PRESS_PHASES, probeS: PROBE_PRESS_S });
}

export interface SweepProgress {
  readonly done: number;
  readonly total: number;
}

export interface SweepOptions {
  /** The presses of each run (default: `defaultPlan`). */
  readonly planFor?: (hz: number) => PressPlan;
  readonly onProgress?: (p: SweepProgress) => void;
  /** The power kit hypothesis to run (default: the installation's). */
  readonly kit?: PowerKitParams | undefined;
  /** The points to run (default: `buildOperatingPoints`). */
  readonly points?: readonly OperatingPoint[];
}

export async function runSweep(
  engine: SpiceEngine,
  inst: Installation,
  options: SweepOptions = {},
): Promise<ScenarioResult[]> {
  const points = options.points ?? buildOperatingPoints(inst);
  const planFor = options.planFor ?? ((hz: number) => defaultPlan(inst, hz));
  const kit = 'kit' in options ? options.kit : inst.powerKit;
  const cache: DoorbellRunCache = new Map();
  const results: ScenarioResult[] = [];
  for (const point of points) {
    results.push(await runScenario(engine, inst, point, planFor(point.hz), cache, kit));
    options.onProgress?.({ done: results.length, total: points.length });
  }
  return results;
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
