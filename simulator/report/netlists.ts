import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeBattery } from '../circuit/battery.ts';
import type { ScenarioResult } from '../circuit/scenario.ts';
import type { Installation } from '../circuit/types.ts';

/**
 * The exact netlists a `wiring check` ran, one file each, named by what they simulate; each holds its own `.tran`,
 * so `ngspice -b -r out.raw FILE` runs it. Doorbell-loop runs are shared by every cell state of a point.
 */
export function netlistFiles(inst: Installation, runs: readonly ScenarioResult[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const r of runs) {
    const point = `${r.point.vac}vac-${r.point.hz}hz`;
    const kit = r.kit?.name ?? 'no-kit';
    files.set(`doorbell-loop_${point}_${kit}.cir`, r.traces.netlists.doorbell);
    const loop = inst.loop;
    const cell =
      loop.source === 'battery' && r.point.batteryState !== undefined
        ? `cell-${describeBattery(loop.battery, r.point.batteryState).volts.toFixed(2)}v`
        : 'ac';
    files.set(`sense-loop_${point}_${kit}_${cell}.cir`, r.traces.netlists.sense);
  }
  return files;
}

/** Writes `netlistFiles` into `dir` (created if missing); returns the file names. */
export async function writeNetlists(
  dir: string,
  inst: Installation,
  runs: readonly ScenarioResult[],
): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files = netlistFiles(inst, runs);
  for (const [name, text] of files) await writeFile(join(dir, name), text);
  return [...files.keys()];
}
