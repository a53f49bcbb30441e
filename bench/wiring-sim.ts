/**
 * `wiring check` timings: the command end to end (a fresh process: bundle check, ngspice WebAssembly start, sweep,
 * report), the default sweep warm in one process, and the same netlists under CLI ngspice (/usr/bin/ngspice, Debian)
 * one after the other. Targets (issue 13): end to end <= 3 s, the default sweep warm <= 1 s on these machines.
 * Usage: npx tsx bench/wiring-sim.ts [repeats=5] [example=seed-final-12vac]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkWiring } from '../simulator/circuit/check-wiring.ts';
import { writeNetlists } from '../simulator/report/netlists.ts';
import { getSpiceEngine } from '../simulator/spice/engine.ts';

const repeats = Number(process.argv[2] ?? 5);
const example = `circuits/examples/${process.argv[3] ?? 'seed-final-12vac'}.yaml`;
const ms = (from: number) => performance.now() - from;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const load = () => (execFileSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).split(' ')[0] ?? '?').trim();

console.log(`wiring check bench: ${example} (load average ${load()} on this machine)`);

// 1. End to end, as a user runs it (a fresh process each time).
const bin = join(import.meta.dirname, '..', 'bin', 'doorbell-agent.js');
spawnSync(process.execPath, [bin, '--version']); // bundle once, as a user's second run would find it
const e2e: number[] = [];
for (let i = 0; i < Math.min(repeats, 3); i++) {
  const t = performance.now();
  spawnSync(process.execPath, [bin, 'wiring', 'check', example], { stdio: 'ignore' });
  e2e.push(ms(t));
}
console.log(
  `wiring check end to end: median ${median(e2e).toFixed(0)} ms over ${e2e.length} (target <= 3000 ms)`,
);

// 2. The default sweep warm, in one process: every ngspice run timed.
let t = performance.now();
const engine = await getSpiceEngine();
console.log(`engine start: ${ms(t).toFixed(0)} ms`);
const run = engine.run.bind(engine);
let spiceMs = 0;
engine.run = async (netlist: string) => {
  const start = performance.now();
  const waves = await run(netlist);
  spiceMs += ms(start);
  return waves;
};
const first = await checkWiring(example);
const sweeps: number[] = [];
const inSpice: number[] = [];
for (let i = 0; i < repeats; i++) {
  spiceMs = 0;
  t = performance.now();
  await checkWiring(example);
  sweeps.push(ms(t));
  inSpice.push(spiceMs);
}
console.log(
  `default sweep warm: median ${median(sweeps).toFixed(0)} ms (${median(inSpice).toFixed(0)} ms in ngspice, ${first.spiceRuns} runs: ${first.points.length} points x ${1 + first.inst.kitAlternatives.length} kit hypotheses) (target <= 1000 ms)`,
);

// 3. The same netlists under CLI ngspice, one process each.
const dir = mkdtempSync(join(tmpdir(), 'wiring-bench-'));
await writeNetlists(dir, first.inst, first.runs);
if (spawnSync('ngspice', ['-v'], { stdio: 'ignore' }).status === 0) {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cir'));
  const cli: number[] = [];
  for (let i = 0; i < Math.min(repeats, 3); i++) {
    t = performance.now();
    for (const f of files)
      spawnSync('ngspice', ['-b', '-r', join(dir, 'out.raw'), join(dir, f)], { stdio: 'ignore' });
    cli.push(ms(t));
  }
  console.log(
    `CLI ngspice, the same ${files.length} netlists one after the other: median ${median(cli).toFixed(0)} ms (process start and raw file included)`,
  );
} else console.log('CLI ngspice: not installed (apt-get install ngspice)');
process.exit(0);
