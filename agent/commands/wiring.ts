import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command } from 'commander';
import type { SweepProgress } from '../../simulator/circuit/sweep.ts';
import { UsageError } from '../core/errors.ts';
import { descriptionOf } from './catalog.ts';
import { type CommandContext, exitCodeHelp, setExitCodes } from './context.ts';
import { checkOutputPath } from './output-path.ts';
import { asAgentError, looksLikeCircuitJs, mustBeFile } from './wiring-args.ts';
import { wiringExportCommand } from './wiring-export.ts';

const PROGRESS_AFTER_MS = 1000;
const BAR_WIDTH = 24;

/** The monitoring-plugin convention: a tool reading the code can tell "bad wiring" from "could not check". */
export const WIRING_EXIT_CODES: ReadonlyArray<readonly [number, string]> = [
  [0, 'PASS: every check passes'],
  [1, 'WARN: works, but a check rests on assumed values or a thin margin'],
  [2, 'FAIL: a check fails'],
  [3, 'could not decide: no such file, an invalid installation or parts file, bad arguments, engine failure'],
];

type CheckOptions = { json?: boolean; plot?: string; parts?: string; netlist?: string; circuitjs?: boolean };

export function wiringCommand(ctx: CommandContext): Command {
  const check = new Command('check')
    .description(
      'Simulate an installation (YAML) with ngspice across supply tolerance, mains frequency and battery life,\n' +
        'and judge whether the Uni will see one clean ring per press.',
    )
    .argument('<file>', 'installation file, e.g. circuits/examples/seed-final-12vac.yaml')
    .option('--circuitjs', '<file> is a CircuitJS drawing (text or XML) whose parts carry role labels')
    .option('--json', 'print the report as JSON')
    .option('--plot <file>', 'write the press waveforms of the run that decided the verdict to this SVG file')
    .option(
      '--parts <file>',
      'part parameters to use instead of circuits/parts.yaml (override assumed values)',
    )
    .option(
      '--netlist <dir>',
      'write the exact netlists run into DIR (ngspice -b -r out.raw DIR/FILE runs one)',
    )
    .addHelpText('after', exitCodeHelp(WIRING_EXIT_CODES))
    .action(async (file: string, opts: CheckOptions) => {
      mustBeFile(
        file,
        opts.circuitjs
          ? 'CircuitJS drawing (the <file> argument)'
          : 'installation file (the <file> argument)',
      );
      if (opts.parts !== undefined) mustBeFile(opts.parts, 'parts file (--parts)');
      // Before the sweep: a report printed and then a plot that cannot be written would end in exit 3.
      if (opts.plot !== undefined) checkOutputPath(opts.plot, '--plot');
      if (opts.netlist !== undefined) checkOutputPath(opts.netlist, '--netlist', 'folder');
      if (!opts.circuitjs && looksLikeCircuitJs(file))
        throw new UsageError(
          `${file}: this is a CircuitJS drawing, not an installation file: add --circuitjs`,
        );
      // ngspice starts now (its WebAssembly compiles on V8's background threads) while the installation is read;
      // checkWiring awaits the same engine and reports a failure to start.
      import('../../simulator/spice/engine.ts')
        .then(({ getSpiceEngine }) => getSpiceEngine())
        .catch(() => undefined);
      // Loaded here, not at start-up: the simulator (and its WebAssembly ngspice) is not `run`'s to carry.
      const [{ checkWiring }, { loadParts }, { renderPressPlot }, { formatTextReport }, { toJsonReport }] =
        await Promise.all([
          import('../../simulator/circuit/check-wiring.ts'),
          import('../../simulator/circuit/parts.ts'),
          import('../../simulator/report/svg-plot.ts'),
          import('../../simulator/report/text-report.ts'),
          import('../../simulator/report/wiring-result.ts'),
        ]);
      if (opts.parts !== undefined) {
        const parts = opts.parts;
        await loadParts(parts).catch((error: unknown) => {
          throw asAgentError(error, `--parts ${parts}: not a parts file`);
        });
      }
      const progress = progressBar(ctx.stderr);
      const result = await checkWiring(file, {
        partsFile: opts.parts,
        onProgress: progress.update,
        circuitjs: opts.circuitjs === true,
      })
        .catch((error: unknown) => {
          throw asAgentError(error, `${file}: the check could not run`);
        })
        .finally(() => progress.end());
      ctx.stdout.write(
        opts.json ? `${JSON.stringify(toJsonReport(result), null, 2)}\n` : formatTextReport(result),
      );
      if (opts.plot) {
        // The run that decided the verdict (its worst case), not only the nominal one.
        const shown = result.deciding?.scenario ?? result.nominalScenario;
        const title = `${file}: presses at ${shown.point.vac} VAC ${shown.point.hz} Hz`;
        const plot = resolve(opts.plot);
        try {
          await writeFile(plot, renderPressPlot(shown, title, result));
        } catch (error) {
          throw new UsageError(
            `--plot ${opts.plot}: cannot write ${plot} (${(error as NodeJS.ErrnoException).code})`,
          );
        }
        // On stderr, so that --json output stays one JSON document.
        ctx.stderr.write(`wiring check: press plot written to ${plot}\n`);
      }
      if (opts.netlist) {
        const { writeNetlists } = await import('../../simulator/report/netlists.ts');
        await writeNetlists(opts.netlist, result.inst, result.runs);
        ctx.stderr.write(`wiring check: netlists written to ${resolve(opts.netlist)}\n`);
      }
      ctx.exitCode = result.exitCode;
    });
  const wiring = new Command('wiring')
    .description(descriptionOf('wiring'))
    .addCommand(check)
    .addCommand(wiringExportCommand(ctx));
  return setExitCodes(wiring, { usage: 3, config: 3, failure: 3 });
}

/**
 * A bar on stderr, only on a terminal (redirected output gets no carriage returns), and only once a sweep has
 * run for more than a second.
 */
export function progressBar(stderr: NodeJS.WritableStream, afterMs = PROGRESS_AFTER_MS) {
  const started = Date.now();
  const terminal = (stderr as { isTTY?: boolean }).isTTY === true;
  let shown = false;
  return {
    update({ done, total }: SweepProgress) {
      if (!terminal || Date.now() - started < afterMs) return;
      shown = true;
      const filled = Math.round((done / total) * BAR_WIDTH);
      stderr.write(
        `\rwiring check: [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${done}/${total} points`,
      );
    },
    end() {
      if (shown) stderr.write('\n');
      shown = false;
    },
  };
}
