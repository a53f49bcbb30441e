import { Command } from 'commander';
import type { CommandContext } from './context.ts';

export function runCommand(ctx: CommandContext): Command {
  return new Command('run')
    .description('Listen to the Shellys (CoIoT + MQTT) and publish one ring per press.')
    .option('-c, --config <file>', 'configuration file', 'doorbell-agent.yaml')
    .action(async () => {
      ctx.stderr.write('run: not wired yet\n');
      ctx.exitCode = 2;
    });
}
