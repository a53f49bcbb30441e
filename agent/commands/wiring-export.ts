import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { UsageError } from '../core/errors.ts';
import { type CommandContext, exitCodeHelp } from './context.ts';
import { asAgentError, mustBeFile } from './wiring-args.ts';

export const WIRING_EXPORT_EXIT_CODES: ReadonlyArray<readonly [number, string]> = [
  [0, 'the drawing is written'],
  [3, 'could not: no such file, an invalid installation or parts file, bad arguments'],
];

type ExportOptions = { circuitjs?: boolean; output?: string; parts?: string };

/** `wiring export --circuitjs FILE.yaml`: the installation as a CircuitJS drawing, and the URL that opens it. */
export function wiringExportCommand(ctx: CommandContext): Command {
  return new Command('export')
    .description(
      'Write an installation (YAML) as a drawing for another tool: with --circuitjs, CircuitJS text (Falstad’s\n' +
        'circuit simulator) with every part labelled with its role, and the URL that opens it in the web app.\n' +
        '`wiring check --circuitjs` reads such a drawing back.',
    )
    .argument('<file>', 'installation file, e.g. circuits/examples/seed-final-12vac.yaml')
    .option('--circuitjs', 'write CircuitJS text (the only format so far)')
    .option('-o, --output <file>', 'write the drawing to this file (default: stdout) and print the URL')
    .option('--parts <file>', 'part parameters to use instead of circuits/parts.yaml (the values drawn)')
    .addHelpText('after', exitCodeHelp(WIRING_EXPORT_EXIT_CODES))
    .action(async (file: string, opts: ExportOptions) => {
      if (opts.circuitjs !== true)
        throw new UsageError(
          'wiring export: say which drawing to write: --circuitjs (the only format so far)',
        );
      mustBeFile(file, 'installation file (the <file> argument)');
      if (opts.parts !== undefined) mustBeFile(opts.parts, 'parts file (--parts)');
      const [{ loadParts }, { loadInstallationFile }, { exportCircuitJs }, { circuitJsUrl }] =
        await Promise.all([
          import('../../simulator/circuit/parts.ts'),
          import('../../simulator/circuit/installation-file.ts'),
          import('../../simulator/circuitjs/export.ts'),
          import('../../simulator/circuitjs/url.ts'),
        ]);
      const parts = await loadParts(opts.parts).catch((error: unknown) => {
        throw asAgentError(error, `--parts ${opts.parts}: not a parts file`);
      });
      const text = exportCircuitJs(await loadInstallationFile(file, parts), parts);
      const url = circuitJsUrl(text);
      if (opts.output === undefined) {
        ctx.stdout.write(text);
        // On stderr, so that stdout stays the drawing alone.
        ctx.stderr.write(`wiring export: open it in CircuitJS: ${url}\n`);
        return;
      }
      const out = resolve(opts.output);
      try {
        await writeFile(out, text);
      } catch (error) {
        throw new UsageError(
          `--output ${opts.output}: cannot write ${out} (${(error as NodeJS.ErrnoException).code})`,
        );
      }
      ctx.stdout.write(`wiring export: CircuitJS drawing written to ${out}\nopen it in CircuitJS: ${url}\n`);
    });
}
