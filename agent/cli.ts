import { Command, CommanderError } from 'commander';
import { type CommandContext, exitCodesOf } from './commands/context.ts';
import { DEMO_EXIT_CODES, demoCommand } from './commands/demo.ts';
import { DISCOVER_EXIT_CODES, discoverCommand } from './commands/discover.ts';
import { EMULATE_EXIT_CODES, emulateCommand } from './commands/emulate.ts';
import { HA_ADDON_CONFIG_EXIT_CODES, haAddonConfigCommand } from './commands/ha-addon-config.ts';
import { REPLAY_EXIT_CODES, replayCommand } from './commands/replay.ts';
import { RUN_EXIT_CODES, runCommand } from './commands/run.ts';
import { SETUP_EXIT_CODES, setupCommand } from './commands/setup.ts';
import { STATUS_EXIT_CODES, statusCommand } from './commands/status.ts';
import { TEST_PRESS_EXIT_CODES, testPressCommand } from './commands/test-press.ts';
import { WIRING_EXIT_CODES, wiringCommand } from './commands/wiring.ts';
import { WIRING_EXPORT_EXIT_CODES } from './commands/wiring-export.ts';
import { ConfigError, DoorbellAgentError, UsageError } from './core/errors.ts';

/** Builds the program; every subcommand lives in `commands/` and reports its exit code through the context. */
export function buildProgram(ctx: CommandContext): Command {
  const program = new Command('doorbell-agent')
    .description(
      'Local, reliable doorbell rings from a Shelly Uni (CoIoT + MQTT) for Home Assistant and MQTT,\n' +
        'plus a SPICE model that checks the wiring before you install it.',
    )
    .version(ctx.version)
    .addHelpText(
      'after',
      '\nEach command states its exit codes in its --help. Errors are one line (or a short list) naming the\n' +
        'file, key or port; DOORBELL_AGENT_LOG_LEVEL=debug adds stack traces.',
    );
  for (const make of [
    runCommand,
    replayCommand,
    wiringCommand,
    demoCommand,
    emulateCommand,
    statusCommand,
    discoverCommand,
    setupCommand,
    testPressCommand,
  ])
    program.addCommand(make(ctx));
  program.addCommand(haAddonConfigCommand(ctx));
  configureAll(program, ctx);
  return program;
}

/**
 * On every command: output through the context, a hint after a usage error, and commander's own errors
 * (unknown option, missing argument) exiting with the command's usage code rather than commander's 1.
 */
function configureAll(command: Command, ctx: CommandContext): void {
  command
    .configureOutput({ writeOut: (s) => ctx.stdout.write(s), writeErr: (s) => ctx.stderr.write(s) })
    .showHelpAfterError(`(${commandPath(command)} --help for usage)`)
    .exitOverride((error) => {
      if (error.exitCode === 0) throw error;
      throw new CommanderError(exitCodesOf(command).usage, error.code, error.message);
    });
  for (const sub of command.commands) configureAll(sub, ctx);
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

export async function main(argv: string[], ctx: CommandContext = defaultContext()): Promise<number> {
  const program = buildProgram(ctx);
  let active: Command = program;
  program.hook('preAction', (_program, command) => {
    active = command;
  });
  ctx.debug ||= /^debug$/i.test(process.env.DOORBELL_AGENT_LOG_LEVEL ?? '');
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ctx.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    const codes = exitCodesOf(active);
    ctx.stderr.write(`${describeError(error, ctx.debug === true)}\n`);
    if (error instanceof ConfigError) return codes.config;
    if (error instanceof UsageError) return codes.usage;
    return codes.failure;
  }
}

/**
 * One line (a short list for configuration files) for every error; a stack trace only at log level debug. An
 * error that is not a `DoorbellAgentError` is a bug, and says so.
 */
export function describeError(error: unknown, debug: boolean): string {
  const stack = debug && error instanceof Error && error.stack ? `\n${error.stack}` : '';
  if (error instanceof DoorbellAgentError) return `doorbell-agent: ${error.message}${stack}`;
  const message = error instanceof Error ? error.message : String(error);
  const first = message.split('\n')[0] ?? '';
  return (
    `doorbell-agent: unexpected error: ${first}` +
    (stack || '\n  (a bug: please report it; DOORBELL_AGENT_LOG_LEVEL=debug shows the stack trace)')
  );
}

/** The README's exit-code table, from the same lists each command's `--help` prints. */
export function exitCodesMarkdown(): string {
  const commands: Array<[string, ReadonlyArray<readonly [number, string]>]> = [
    ['run', RUN_EXIT_CODES],
    ['wiring check', WIRING_EXIT_CODES],
    ['wiring export', WIRING_EXPORT_EXIT_CODES],
    ['status', STATUS_EXIT_CODES],
    ['replay', REPLAY_EXIT_CODES],
    ['demo', DEMO_EXIT_CODES],
    ['emulate', EMULATE_EXIT_CODES],
    ['discover', DISCOVER_EXIT_CODES],
    ['setup', SETUP_EXIT_CODES],
    ['test-press', TEST_PRESS_EXIT_CODES],
    ['ha-addon-config', HA_ADDON_CONFIG_EXIT_CODES],
  ];
  return [
    '| command | code | meaning |',
    '| --- | --- | --- |',
    ...commands.flatMap(([name, rows]) =>
      rows.map(
        ([code, meaning], i) =>
          `| ${i === 0 ? `\`${name}\`` : ''} | ${code} | ${meaning.replace(/</g, '&lt;').replace(/>/g, '&gt;')} |`,
      ),
    ),
  ].join('\n');
}

function defaultContext(): CommandContext {
  return { stdout: process.stdout, stderr: process.stderr, exitCode: 0, version: '0.1.0' };
}
