import { writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import type { SweepProgress } from '../../simulator/circuit/sweep.ts';
import type { CommandContext } from './context.ts';

const PROGRESS_AFTER_MS = 1000;
const BAR_WIDTH = 24;

type CheckOptions = { json?: boolean; plot?: string; parts?: string; netlist?: string };

export function wiringCommand(ctx: CommandContext): Command {
  const output = {
    writeOut: (s: string) => ctx.stdout.write(s),
    writeErr: (s: string) => ctx.stderr.write(s),
  };
  const check = new Command('check')
    .description(
      'Simulate an installation (YAML) with ngspice across supply tolerance, mains frequency and battery life;\n' +
        'exit 0 pass, 1 warn, 2 fail.',
    )
    .argument('<file>', 'installation file, e.g. circuits/examples/seed-final-12vac.yaml')
    .option('--json', 'print the report as JSON')
    .option('--plot <svg>', 'write the press waveforms at the nominal point as an SVG')
    .option(
      '--parts <file>',
      'part parameters to use instead of circuits/parts.yaml (override assumed values)',
    )
    .option(
      '--netlist <dir>',
      'write the exact netlists run into DIR (ngspice -b -r out.raw DIR/FILE runs one)',
    )
    .configureOutput(output)
    .exitOverride()
    .action(async (file: string, opts: CheckOptions) => {
      // Loaded here, not at start-up: the simulator (and its WebAssembly ngspice) is not `run`'s to carry.
      const [{ checkWiring }, { renderPressPlot }, { formatTextReport }, { toJsonReport }] =
        await Promise.all([
          import('../../simulator/circuit/check-wiring.ts'),
          import('../../simulator/report/svg-plot.ts'),
          import('../../simulator/report/text-report.ts'),
          import('../../simulator/report/wiring-result.ts'),
        ]);
      const progress = progressBar(ctx.stderr);
      const result = await checkWiring(file, { partsFile: opts.parts, onProgress: progress.update });
      progress.end();
      ctx.stdout.write(
        opts.json ? `${JSON.stringify(toJsonReport(result), null, 2)}\n` : formatTextReport(result),
      );
      if (opts.plot) {
        // The run that decided the verdict (its worst case), not only the nominal one.
        const shown = result.deciding?.scenario ?? result.nominalScenario;
        const title = `${file}: presses at ${shown.point.vac} VAC ${shown.point.hz} Hz`;
        await writeFile(opts.plot, renderPressPlot(shown, title, result));
      }
      if (opts.netlist) {
        const { writeNetlists } = await import('../../simulator/report/netlists.ts');
        await writeNetlists(opts.netlist, result.inst, result.runs);
      }
      ctx.exitCode = result.exitCode;
    });
  return new Command('wiring')
    .description('Check doorbell → relay → Uni wiring with a SPICE model before installing it.')
    .configureOutput(output)
    .addCommand(check);
}

/** A bar on stderr, shown only once a sweep has run for more than a second. */
function progressBar(stderr: NodeJS.WritableStream) {
  const started = Date.now();
  let shown = false;
  return {
    update({ done, total }: SweepProgress) {
      if (Date.now() - started < PROGRESS_AFTER_MS) return;
      shown = true;
      const filled = Math.round((done / total) * BAR_WIDTH);
      stderr.write(
        `\rwiring check: [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${done}/${total} points`,
      );
    },
    end() {
      if (shown) stderr.write('\n');
    },
  };
}
