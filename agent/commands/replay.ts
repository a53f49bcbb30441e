import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Command } from 'commander';
import { loadConfig } from '../config/load.ts';
import { DoorbellAgentError } from '../core/errors.ts';
import { createLogger } from '../core/logger.ts';
import { replayTrace } from '../runtime/replay.ts';
import { formatEvent } from '../trace/write.ts';
import type { CommandContext } from './context.ts';

export function replayCommand(ctx: CommandContext): Command {
  return new Command('replay')
    .description(
      'Run the real decoders and detector over a recorded trace (JSONL, shared trace format) on a virtual\n' +
        'clock, and print what the agent decides (ring/problem/battery events, one JSON object per line).',
    )
    .requiredOption('-c, --config <file>', 'configuration file (the devices and their chime settings)')
    .argument('<trace>', 'trace file, one JSON object per line; `-` reads standard input')
    .addHelpText(
      'after',
      '\nExample:\n  doorbell-agent replay --config example.yaml example.jsonl\n\n' +
        'Bad trace lines are reported on stderr with their line number and skipped.',
    )
    .action(async (trace: string, options: { config: string }) => {
      const config = loadConfig(options.config, process.env, { missingOk: false });
      if (trace !== '-' && !existsSync(trace)) throw new DoorbellAgentError(`${trace}: no such trace file`);
      const input = trace === '-' ? process.stdin : createReadStream(trace, 'utf8');
      const summary = await replayTrace({
        config,
        lines: createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY }),
        emit: (event) => ctx.stdout.write(`${formatEvent(event)}\n`),
        warn: (message) => ctx.stderr.write(`${trace}: ${message}\n`),
        log: createLogger({ level: 'warn', format: 'text', stream: ctx.stderr }),
      });
      ctx.stderr.write(
        `replayed ${summary.lines} lines (${summary.skipped} skipped, ${summary.restarts} restarts): ${summary.rings} rings\n`,
      );
    });
}
