import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { UniGen } from '../../simulator/emulator/uni.ts';
import {
  type ChimeSpec,
  formatChime,
  idealClosure,
  type Press,
  parseChime,
} from '../../simulator/emulator/visitor.ts';
import { type DoorbellRunResult, runDoorbell, type SeenRing } from '../../simulator/network/doorbell-run.ts';
import { faultPlan } from '../../simulator/network/faults.ts';
import { seededRandom } from '../../simulator/network/random.ts';
import { descriptionOf } from './catalog.ts';
import { type CommandContext, DEFAULT_EXIT_CODES, exitCodeHelp, setExitCodes } from './context.ts';
import { checkOutputPath } from './output-path.ts';

export const DEMO_EXIT_CODES: ReadonlyArray<readonly [number, string]> = [
  [0, 'every press rang exactly once'],
  [
    1,
    'a press did not ring, or rang twice (the trace and config are written for replay), or the demo failed',
  ],
  [2, 'bad arguments'],
];

interface DemoOptions {
  presses: number;
  chime: ChimeSpec;
  loss: number;
  devices: number;
  gen: UniGen;
  seed: number;
  circuit: boolean;
  trace?: string;
}

const int = (min: number, max: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new InvalidArgumentError(`an integer from ${min} to ${max}`);
  return n;
};

/** The visitor: `count` presses spread round-robin over the devices, holds 0.15–1.2 s, far enough apart to be distinct. */
export function visitorPresses(count: number, devices: number, chime: ChimeSpec, seed: number): Press[][] {
  const random = seededRandom(seed);
  const out: Press[][] = Array.from({ length: devices }, () => []);
  const nextFree = Array.from({ length: devices }, () => 0);
  let t = 0;
  for (let j = 0; j < count; j++) {
    const device = j % devices;
    const holdS = Math.round((0.15 + random() * 1.05) * 20) / 20;
    const atS = Math.max(t, nextFree[device] as number);
    out[device]?.push({ atS: Math.round(atS * 1000) / 1000, holdS });
    const busyS =
      chime.mode === 'mechanical' ? holdS + 1.6 + random() * 0.8 : chime.durationS + 2 + random() * 0.5;
    nextFree[device] = atS + busyS;
    t = atS + 0.4 + random() * 0.6;
  }
  return out;
}

function percentile(sorted: readonly number[], p: number): number | undefined {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

export function demoCommand(ctx: CommandContext): Command {
  const command = new Command('demo')
    .description(descriptionOf('demo'))
    .option('--presses <n>', 'presses of the doorbell button', int(1, 1000), 5)
    .addOption(
      new Option('--chime <mode>', 'mechanical | electronic:N (the doorbell holds the line N s per press)')
        .argParser(parseChimeArg)
        .default({ mode: 'mechanical' } as ChimeSpec, 'mechanical'),
    )
    .option(
      '--loss <p>',
      'probability that the network loses each packet (CoIoT and MQTT), 0–1',
      parseLoss,
      0,
    )
    .option('--devices <k>', 'emulated Unis', int(1, 200), 1)
    .option('--gen <gen>', 'gen1 (CoIoT + MQTT) | plus (Shelly Plus Uni, MQTT)', parseGen, 'gen1' as UniGen)
    .option('--seed <s>', 'seed of the visitor and the network faults', int(0, 2 ** 31), 1)
    .option('--no-circuit', 'ideal wiring instead of the SPICE circuit (faster start)')
    .option('--trace <file>', 'write what the agent received as a trace (also written when the demo fails)')
    .addHelpText(
      'after',
      '\nExamples:\n  doorbell-agent demo\n  doorbell-agent demo --presses 10 --loss 0.3 --devices 3\n' +
        '  doorbell-agent demo --gen plus --chime electronic:2\n\n' +
        'A failing run writes its trace and config; replay it with `doorbell-agent replay --config <cfg> <trace>`.\n' +
        exitCodeHelp(DEMO_EXIT_CODES),
    )
    .action(async (options: DemoOptions) => {
      if (options.trace !== undefined) checkOutputPath(options.trace, '--trace');
      const started = performance.now();
      const out = (line: string) => ctx.stdout.write(`${line}\n`);
      const presses = visitorPresses(options.presses, options.devices, options.chime, options.seed);
      const paths = options.gen === 'gen1' ? 'CoIoT (unicast) + MQTT' : 'MQTT';
      out(
        `demo: ${options.devices} emulated ${options.gen === 'gen1' ? 'Shelly Uni (SHUNI-1)' : 'Shelly Plus Uni'} ` +
          `over ${paths}, ${formatChime(options.chime)} chime, ${options.presses} presses, loss ${options.loss}, seed ${options.seed}`,
      );
      let model = idealClosure;
      if (options.circuit) {
        out(
          'wiring: SPICE model of circuits/examples/seed-final-12vac.yaml (ngspice), one run per press length',
        );
        model = await (await import('../../simulator/emulator/circuit-closure.ts')).circuitClosureModel();
      } else out('wiring: ideal (--no-circuit)');
      const loss = faultPlan({ loss: options.loss });
      let count = 0;
      const printRing = (ring: SeenRing) => {
        count++;
        const p = ring.payload;
        const latency = ring.latencyMs === null ? '' : `  ${Math.round(ring.latencyMs)} ms after the press`;
        const hold = p.hold_s === null ? '' : `  hold ${p.hold_s.toFixed(2)} s`;
        out(
          `ring ${String(count).padStart(3)}  ${p.device}#${p.input}  via ${p.via}${p.recovered ? ' (recovered)' : ''}${hold}${latency}`,
        );
      };
      const result = await runDoorbell({
        gen: options.gen,
        devices: options.devices,
        presses,
        chime: options.chime,
        closureModel: model,
        faults: { coiot: loss, mqtt: loss },
        seed: options.seed,
        // Without loss every ring is heard live; with loss, wait for the event-expiry report (5 s) to recover.
        tailS: options.loss > 0 ? 6.5 : 2,
        onRing: printRing,
      });
      summarise(result, options, (performance.now() - started) / 1000, out);
      const ok = result.rings.length === options.presses - result.swallowed && result.violations.length === 0;
      if (!ok || options.trace) {
        const dir = mkdtempSync(join(tmpdir(), 'doorbell-demo-'));
        const traceFile = options.trace ?? join(dir, 'demo-trace.jsonl');
        const configFile = join(dir, 'demo-config.yaml');
        result.trace.write(traceFile);
        writeFileSync(configFile, result.configYaml);
        out(`trace: ${traceFile}\nreplay: doorbell-agent replay --config ${configFile} ${traceFile}`);
      }
      for (const v of result.violations) ctx.stderr.write(`demo: ${v}\n`);
      ctx.exitCode = ok ? 0 : 1;
    });
  return setExitCodes(command, DEFAULT_EXIT_CODES);
}

function summarise(
  result: DoorbellRunResult,
  options: DemoOptions,
  wallS: number,
  out: (l: string) => void,
): void {
  const latencies = result.rings
    .map((r) => r.latencyMs)
    .filter((l): l is number => l !== null)
    .sort((a, b) => a - b);
  const live = result.rings
    .filter((r) => !r.payload.recovered)
    .map((r) => r.latencyMs as number)
    .sort((a, b) => a - b);
  const ms = (v: number | undefined) => (v === undefined ? '—' : `${Math.round(v)} ms`);
  const recovered = result.rings.filter((r) => r.payload.recovered).length;
  out('');
  out(
    `presses            ${options.presses}${result.swallowed > 0 ? ` (${result.swallowed} inside an electronic hold)` : ''}`,
  );
  out(`rings              ${result.rings.length}`);
  out(`recovered          ${recovered} (edge lost, press inferred from the event counter)`);
  out(
    `duplicates dropped ${(result.stats.duplicates ?? 0) + (result.stats.stale ?? 0)} (CoIoT re-sends and late copies)`,
  );
  out(
    `latency p50/p99    ${ms(percentile(latencies, 0.5))} / ${ms(percentile(latencies, 0.99))} (all rings)`,
  );
  if (recovered > 0) out(`  heard live       ${ms(percentile(live, 0.5))} / ${ms(percentile(live, 0.99))}`);
  out(`wall time          ${wallS.toFixed(1)} s`);
  out(
    result.rings.length === options.presses - result.swallowed
      ? 'OK: one ring per press'
      : 'FAILED: rings ≠ presses',
  );
}

function parseChimeArg(value: string): ChimeSpec {
  try {
    return parseChime(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function parseLoss(value: string): number {
  const p = Number(value);
  if (!(p >= 0 && p <= 1)) throw new InvalidArgumentError('a probability from 0 to 1');
  return p;
}

function parseGen(value: string): UniGen {
  if (value !== 'gen1' && value !== 'plus') throw new InvalidArgumentError('gen1 or plus');
  return value;
}
