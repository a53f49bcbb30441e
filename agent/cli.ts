import { Command, CommanderError } from 'commander';
import type { CommandContext } from './commands/context.ts';
import { demoCommand } from './commands/demo.ts';
import { emulateCommand } from './commands/emulate.ts';
import { replayCommand } from './commands/replay.ts';
import { runCommand } from './commands/run.ts';
import { statusCommand } from './commands/status.ts';
import { wiringCommand } from './commands/wiring.ts';
import { DoorbellAgentError } from './core/errors.ts';

/** Builds the program; every subcommand lives in `commands/` and reports its exit code through the context. */
export function buildProgram(ctx: CommandContext): Command {
  const program = new Command('doorbell-agent')
    .description(
      'Local, reliable doorbell rings from a Shelly Uni (CoIoT + MQTT) for Home Assistant and MQTT,\n' +
        'plus a SPICE model that checks the wiring before you install it.',
    )
    .version(ctx.version)
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.stdout.write(s), writeErr: (s) => ctx.stderr.write(s) });
  for (const make of [runCommand, replayCommand, wiringCommand, demoCommand, emulateCommand, statusCommand])
    program.addCommand(make(ctx).exitOverride());
  return program;
}

export async function main(argv: string[], ctx: CommandContext = defaultContext()): Promise<number> {
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ctx.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof DoorbellAgentError) {
      ctx.stderr.write(`doorbell-agent: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

function defaultContext(): CommandContext {
  return { stdout: process.stdout, stderr: process.stderr, exitCode: 0, version: '0.1.0' };
}
