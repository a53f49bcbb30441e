import { loadDrawing } from '../circuitjs/import.ts';
import { type KitComparison, summarise, type WiringCheckResult } from '../report/wiring-result.ts';
import { getSpiceEngine } from '../spice/engine.ts';
import { resolveInstallation } from './installation.ts';
import { loadInstallationFile } from './installation-file.ts';
import { loadParts } from './parts.ts';
import type { ScenarioResult } from './scenario.ts';
import { buildOperatingPoints, nominalPoint, runSweep, type SweepProgress } from './sweep.ts';
import type { PowerKitParams } from './types.ts';
import { type Check, evaluateChecks, exitCodeOf } from './verdicts.ts';

export interface CheckWiringOptions {
  readonly partsFile?: string;
  readonly onProgress?: (p: SweepProgress) => void;
  /** `file` is a CircuitJS drawing (its text format), not an installation file. */
  readonly circuitjs?: boolean;
}

/** `wiring check` minus the printing: load, resolve, sweep, judge. */
export async function checkWiring(
  file: string,
  options: CheckWiringOptions = {},
): Promise<WiringCheckResult> {
  const started = performance.now();
  const parts = await loadParts(options.partsFile);
  const described = options.circuitjs ? loadDrawing(file, parts) : loadInstallationFile(file, parts);
  const inst = resolveInstallation(await described, parts, file);
  const engine = await getSpiceEngine();
  const kits = [inst.powerKit, ...inst.kitAlternatives];
  const points = buildOperatingPoints(inst);
  // The other kit hypotheses change the doorbell loop, not the cell: they run with the cell as it is now.
  const now = points.filter((p) => p.batteryState === points[0]!.batteryState);
  const total = points.length + now.length * inst.kitAlternatives.length;
  const sweeps: ScenarioResult[][] = [];
  let done = 0;
  for (const [i, kit] of kits.entries()) {
    const before = done;
    const results = await runSweep(engine, inst, {
      kit,
      points: i === 0 ? points : now,
      onProgress: (p) => options.onProgress?.({ done: before + p.done, total }),
    });
    done += results.length;
    sweeps.push(results);
  }
  const results = sweeps[0]!;
  const checks = evaluateChecks(inst, results);
  const comparison = inst.kitAlternatives.map((kit, i) =>
    compareKit(kit, checks, evaluateChecks(inst, sweeps[i + 1]!)),
  );
  const nominal = nominalPoint(inst);
  const nominalResult =
    results.find(
      (r) =>
        r.point.vac === nominal.vac &&
        r.point.hz === nominal.hz &&
        r.point.batteryState === nominal.batteryState,
    ) ?? results[0]!;
  const doorbellRuns = new Set(buildOperatingPoints(inst).map((p) => `${p.vac}|${p.hz}`)).size;
  return summarise(file, inst, results, checks, nominalResult, {
    spiceRuns: doorbellRuns * kits.length + sweeps.flat().length,
    elapsedS: (performance.now() - started) / 1000,
    kitComparison: comparison,
    runs: sweeps.flat(),
  });
}

/** Where another hypothesis of the kit would decide a check differently. */
function compareKit(kit: PowerKitParams, primary: readonly Check[], other: readonly Check[]): KitComparison {
  const differ = other.filter((c) => primary.find((p) => p.id === c.id)?.verdict !== c.verdict);
  return {
    kit: kit.name,
    verdict: (['pass', 'warn', 'fail'] as const)[exitCodeOf(other)]!,
    disagreements: differ.map((c) => ({ id: c.id, verdict: c.verdict, reason: c.reason })),
  };
}
