import { resolveInstallation } from '../circuit/installation.ts';
import { loadInstallationFile } from '../circuit/installation-file.ts';
import { CIRCUITS_DIR, loadParts } from '../circuit/parts.ts';
import { runScenario } from '../circuit/scenario.ts';
import { getSpiceEngine } from '../spice/engine.ts';
import type { LevelChange } from '../uni/input-model.ts';
import type { ClosureModel } from './visitor.ts';

const SETTLE_S = 0.3;
const TAIL_S = 0.6;

/**
 * Logical IN_1 edges for one doorbell closure through the SPICE model of an installation (default: the seed's
 * 12 VAC doorbell, power kit, relay and 1.5 V cell into a Gen1 Uni): ngspice runs the doorbell loop and the sense
 * loop, and the Uni input model turns the IN_1 voltage into edges. One run per closure length (to 50 ms),
 * cached: about half a second each, after a ~1.5 s engine start.
 */
export async function circuitClosureModel(
  installationFile = `${CIRCUITS_DIR}examples/seed-final-12vac.yaml`,
): Promise<ClosureModel> {
  const parts = await loadParts();
  const inst = resolveInstallation(await loadInstallationFile(installationFile, parts), parts);
  const engine = await getSpiceEngine();
  const point = {
    vac: inst.supply.vac,
    hz: inst.supply.hz[0] ?? 50,
    batteryState: inst.loop.source === 'ac' ? undefined : inst.loop.startState,
  };
  const cache = new Map<number, Promise<LevelChange[]>>();
  return (lengthS) => {
    const length = Math.max(0.05, Math.round(lengthS * 20) / 20);
    let edges = cache.get(length);
    if (!edges) {
      edges = runScenario(engine, inst, point, {
        presses: [[SETTLE_S, SETTLE_S + length]],
        stopS: SETTLE_S + length + TAIL_S,
      }).then((result) =>
        result.traces.logical.map((c) => ({ t: Math.round((c.t - SETTLE_S) * 1e6) / 1e6, level: c.level })),
      );
      cache.set(length, edges);
    }
    return edges;
  };
}
