import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkWiring } from '../../../simulator/circuit/check-wiring.ts';
import { resolveInstallation } from '../../../simulator/circuit/installation.ts';
import { loadInstallationFile } from '../../../simulator/circuit/installation-file.ts';
import { loadParts } from '../../../simulator/circuit/parts.ts';
import { exportCircuitJs } from '../../../simulator/circuitjs/export.ts';
import { importDrawing } from '../../../simulator/circuitjs/import.ts';
import type { WiringCheckResult } from '../../../simulator/report/wiring-result.ts';
import { differences } from './close.ts';

const EXAMPLES = join(import.meta.dirname, '..', '..', '..', 'circuits', 'examples');
const NAMES = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml'));

function verdicts(result: WiringCheckResult) {
  return {
    exitCode: result.exitCode,
    checks: Object.fromEntries(result.checks.map((c) => [c.id, c.verdict])),
    kits: result.kitComparison.map((k) => [k.kit, k.verdict]),
    spiceRuns: result.spiceRuns,
  };
}

describe('export → import round trip of circuits/examples', () => {
  it('has the examples to run', () => {
    expect(NAMES.length).toBeGreaterThanOrEqual(8);
  });

  it.each(NAMES)('%s: the drawing reads back to the same installation', async (name) => {
    const parts = await loadParts();
    const file = await loadInstallationFile(join(EXAMPLES, name), parts);
    const back = importDrawing(exportCircuitJs(file, parts), `${name}.txt`, parts);
    expect(differences(resolveInstallation(back, parts), resolveInstallation(file, parts))).toEqual([]);
  });

  // Real ngspice runs: `wiring check` on the YAML and on its exported drawing decide every check the same way.
  it.each(NAMES)('%s: wiring check gives the same verdicts on the YAML and on the drawing', async (name) => {
    const parts = await loadParts();
    const yaml = join(EXAMPLES, name);
    const drawing = join(mkdtempSync(join(tmpdir(), 'circuitjs-')), name.replace(/\.yaml$/, '.txt'));
    writeFileSync(drawing, exportCircuitJs(await loadInstallationFile(yaml, parts), parts));
    const fromYaml = await checkWiring(yaml);
    const fromDrawing = await checkWiring(drawing, { circuitjs: true });
    expect(verdicts(fromDrawing)).toEqual(verdicts(fromYaml));
    expect(fromDrawing.checks.map((c) => c.reason)).toEqual(fromYaml.checks.map((c) => c.reason));
  });
});
