import { summarise, type WiringCheckResult } from '../report/wiring-result.ts';
import { getSpiceEngine } from '../spice/engine.ts';
import { resolveInstallation } from './installation.ts';
import { loadInstallationFile } from './installation-file.ts';
import { loadParts } from './parts.ts';
import { buildOperatingPoints, defaultPlan, nominalPoint, runSweep, type SweepProgress } from './sweep.ts';
import { evaluateChecks } from './verdicts.ts';

export interface CheckWiringOptions {
  readonly partsFile?: string;
  readonly onProgress?: (p: SweepProgress) => void;
}

/** `wiring check` minus the printing: load, resolve, sweep, judge. */
export async function checkWiring(
  file: string,
  options: CheckWiringOptions = {},
): Promise<WiringCheckResult> {
  const started = performance.now();
  const parts = await loadParts(options.partsFile);
  const inst = resolveInstallation(await loadInstallationFile(file, parts), parts);
  const engine = await getSpiceEngine();
  const results = await runSweep(engine, inst, defaultPlan(inst), options.onProgress);
  const nominal = nominalPoint(inst);
  const nominalResult =
    results.find(
      (r) =>
        r.point.vac === nominal.vac &&
        r.point.hz === nominal.hz &&
        r.point.batteryState === nominal.batteryState,
    ) ?? results[0]!;
  const doorbellRuns = new Set(buildOperatingPoints(inst).map((p) => `${p.vac}|${p.hz}`)).size;
  return summarise(file, inst, results, evaluateChecks(inst, results), nominalResult, {
    spiceRuns: doorbellRuns + results.length,
    elapsedS: (performance.now() - started) / 1000,
  });
}
