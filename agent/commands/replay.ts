import { Command } from 'commander';
import type { CommandContext } from './context.ts';

export function replayCommand(ctx: CommandContext): Command {
  return new Command('replay')
    .description('Run the real decoders and detector over a recorded trace (JSONL) on a virtual clock.')
    .requiredOption('-c, --config <file>', 'configuration file')
    .argument('<trace>', 'trace file in the shared trace format')
    .action(async () => {
      ctx.stderr.write('replay: not wired yet\n');
      ctx.exitCode = 2;
    });
}
