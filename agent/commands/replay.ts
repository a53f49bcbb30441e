import { closeSync, createReadStream, fstatSync, openSync } from 'node:fs';
import { Command } from 'commander';
import { loadConfig } from '../config/load.ts';
import { UsageError } from '../core/errors.ts';
import { createLogger } from '../core/logger.ts';
import { replayTrace } from '../runtime/replay.ts';
import { traceLines } from '../trace/lines.ts';
import { formatEvent } from '../trace/write.ts';
import { descriptionOf } from './catalog.ts';
import { type CommandContext, DEFAULT_EXIT_CODES, exitCodeHelp, setExitCodes } from './context.ts';

export const REPLAY_EXIT_CODES: ReadonlyArray<readonly [number, string]> = [
  [0, 'the trace was replayed (bad lines are reported on stderr and skipped)'],
  [1, 'the replay failed part way'],
  [
    2,
    'bad configuration or arguments: no such trace or config file, an invalid key, no devices, not one trace line in the file',
  ],
];

export function replayCommand(ctx: CommandContext): Command {
  const command = new Command('replay')
    .description(descriptionOf('replay'))
    .requiredOption('-c, --config <file>', 'configuration file (the devices and their chime settings)')
    .argument('<trace>', 'trace file, one JSON object per line; `-` reads standard input')
    .addHelpText(
      'after',
      '\nExample:\n' +
        '  doorbell-agent replay --config examples/traces/example-mechanical-coiot.yaml \\\n' +
        '      examples/traces/example-mechanical-coiot.jsonl\n\n' +
        'Bad trace lines are reported on stderr with their line number and skipped.\n' +
        exitCodeHelp(REPLAY_EXIT_CODES),
    )
    .action(async (trace: string, options: { config: string }) => {
      const config = loadConfig(options.config, process.env, { requireDevices: true });
      const input = trace === '-' ? process.stdin : createReadStream('', { fd: openTrace(trace) });
      const summary = await replayTrace({
        config,
        lines: traceLines(input),
        emit: (event) => ctx.stdout.write(`${formatEvent(event)}\n`),
        warn: (message) => ctx.stderr.write(`${trace}: ${message}\n`),
        log: createLogger({ level: 'warn', format: 'text', stream: ctx.stderr }),
      });
      ctx.stderr.write(
        `replayed ${summary.lines} lines (${summary.skipped} skipped, ${summary.restarts} restarts): ${summary.rings} rings\n`,
      );
      // Every line bad: not a trace (the wrong file, say); a script must not read that as a replay.
      if (summary.lines > 0 && summary.skipped === summary.lines)
        throw new UsageError(`${trace}: not one line is a trace line (docs/trace-format.md)`);
    });
  return setExitCodes(command, DEFAULT_EXIT_CODES);
}

/** Opens the trace for reading, or says in one line why it cannot be read (exit 2). */
function openTrace(trace: string): number {
  const cannot = (why: string) => new UsageError(`${trace}: ${why} (the <trace> argument of replay)`);
  let fd: number;
  try {
    fd = openSync(trace, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw cannot(code === 'ENOENT' ? 'no such trace file' : `cannot read the trace file (${code})`);
  }
  if (fstatSync(fd).isDirectory()) {
    closeSync(fd);
    throw cannot('a folder, not a trace file');
  }
  return fd;
}
