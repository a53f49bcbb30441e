import type { SpiceEngine } from '../spice/engine.ts';
import { type PressPlan, planPresses } from './press-plan.ts';
import { type DoorbellRunCache, runScenario, type ScenarioResult } from './scenario.ts';
import type { Installation, OperatingPoint } from './types.ts';

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

export function defaultPlan(inst: Installation): PressPlan {
  return planPresses(inst.chime.durationS);
}

export interface SweepProgress {
  readonly done: number;
  readonly total: number;
}

export async function runSweep(
  engine: SpiceEngine,
  inst: Installation,
  plan: PressPlan = defaultPlan(inst),
  onProgress: (p: SweepProgress) => void = () => {},
): Promise<ScenarioResult[]> {
  const points = buildOperatingPoints(inst);
  const cache: DoorbellRunCache = new Map();
  const results: ScenarioResult[] = [];
  for (const point of points) {
    results.push(await runScenario(engine, inst, point, plan, cache));
    onProgress({ done: results.length, total: points.length });
  }
  return results;
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
