/**
 * ngspice (WebAssembly) timings for the wiring model: engine start, one 2 s transient of the doorbell loop
 * (first run and warm median), and full default `wiring check` sweeps. Targets (issue 4): one 2 s transient
 * ≤ 300 ms after engine start; the default sweep ≤ 20 s on a 2-core machine.
 * Usage: npx tsx bench/wiring-sim.ts [repeats=10]
 */
import { checkWiring } from '../simulator/circuit/check-wiring.ts';
import { buildDoorbellNetlist } from '../simulator/circuit/doorbell-loop.ts';
import { resolveInstallation } from '../simulator/circuit/installation.ts';
import { buildInstallationSchema } from '../simulator/circuit/installation-schema.ts';
import { loadParts } from '../simulator/circuit/parts.ts';
import type { PressPlan } from '../simulator/circuit/press-plan.ts';
import { loadTemplate } from '../simulator/circuit/templates.ts';
import { getSpiceEngine } from '../simulator/spice/engine.ts';

const repeats = Number(process.argv[2] ?? 10);
const ms = (from: number) => performance.now() - from;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

let t = performance.now();
const engine = await getSpiceEngine();
console.log(`engine start: ${ms(t).toFixed(0)} ms`);

const parts = await loadParts();
const file = buildInstallationSchema(parts).parse({
  supply: { vac: 24, hz: 50 },
  doorbell: { model: 'db1' },
  chime: { mode: 'electronic', duration_s: 1.2 },
  power_kit: true,
  relay: { part: 'rs-0376830' },
  loop: { source: 'battery', battery: { chemistry: 'alkaline', cells: 1, state: 'fresh' } },
  uni: { model: 'gen1' },
});
const inst = resolveInstallation(file, parts);
const plan: PressPlan = { presses: [[0.3, 1.5]], stopS: 2 };
const netlist = buildDoorbellNetlist(
  await loadTemplate('doorbell-loop'),
  inst,
  { vac: 24, hz: 50, batteryState: 0 },
  plan,
);

t = performance.now();
const first = await engine.run(netlist);
console.log(`2 s transient, first run: ${ms(t).toFixed(0)} ms (${first.time.length} points)`);
const times: number[] = [];
for (let i = 0; i < repeats; i++) {
  t = performance.now();
  await engine.run(netlist);
  times.push(ms(t));
}
console.log(
  `2 s transient, warm: median ${median(times).toFixed(0)} ms, max ${Math.max(...times).toFixed(0)} ms over ${repeats}`,
);

for (const example of ['seed-final-12vac', 'two-cells-unknown-mains', 'mistake-ac-on-gen1-input']) {
  t = performance.now();
  const result = await checkWiring(`circuits/examples/${example}.yaml`);
  console.log(
    `default sweep ${example}: ${ms(t).toFixed(0)} ms (${result.points.length} points, ${result.spiceRuns} ngspice runs, exit ${result.exitCode})`,
  );
}
process.exit(0);
