import { Command, CommanderError, Help } from 'commander';
import { COMMANDS, type CommandName, isCommandName } from './commands/catalog.ts';
import { type CommandContext, exitCodesOf } from './commands/context.ts';
import { ConfigError, DoorbellAgentError, UsageError } from './core/errors.ts';

type ExitCodeRows = ReadonlyArray<readonly [number, string]>;

/**
 * Each command's module, imported only when that command runs (or its help is asked for): `run` then loads
 * neither the simulator nor the other commands' dependencies, and the top-level `--help` loads none of them.
 */
const LOADERS: Record<CommandName, () => Promise<(ctx: CommandContext) => Command>> = {
  run: async () => (await import('./commands/run.ts')).runCommand,
  replay: async () => (await import('./commands/replay.ts')).replayCommand,
  wiring: async () => (await import('./commands/wiring.ts')).wiringCommand,
  demo: async () => (await import('./commands/demo.ts')).demoCommand,
  emulate: async () => (await import('./commands/emulate.ts')).emulateCommand,
  status: async () => (await import('./commands/status.ts')).statusCommand,
  discover: async () => (await import('./commands/discover.ts')).discoverCommand,
  setup: async () => (await import('./commands/setup.ts')).setupCommand,
  'test-press': async () => (await import('./commands/test-press.ts')).testPressCommand,
  'ha-addon-config': async () => (await import('./commands/ha-addon-config.ts')).haAddonConfigCommand,
};

/**
 * Builds the program; every subcommand lives in `commands/` and reports its exit code through the context.
 * `load` names the commands built in full (default: all); the others are only listed, by name and description
 * (`commands/catalog.ts`), which is all the top-level `--help` shows.
 */
export async function buildProgram(
  ctx: CommandContext,
  load: readonly CommandName[] = COMMANDS.map((c) => c.name),
): Promise<Command> {
  const program = new Command('doorbell-agent')
    .description(
      'Local, reliable doorbell rings from a Shelly Uni (CoIoT + MQTT) for Home Assistant and MQTT,\n' +
        'plus a SPICE model that checks the wiring before you install it.',
    )
    .version(ctx.version)
    .configureHelp({ subcommandTerm: listedTerm })
    .addHelpText(
      'after',
      '\nEach command states its exit codes in its --help. Errors are one line (or a short list) naming the\n' +
        'file, key or port; DOORBELL_AGENT_LOG_LEVEL=debug adds stack traces.',
    );
  const built = await Promise.all(
    COMMANDS.map(async ({ name, description }) =>
      load.includes(name) ? (await LOADERS[name]())(ctx) : new Command(name).description(description),
    ),
  );
  for (const command of built) program.addCommand(command);
  configureAll(program, ctx);
  return program;
}

/** A command's line in the top-level list, the same whether the command is built in full or only listed. */
function listedTerm(command: Command): string {
  const listed = COMMANDS.find((c) => c.name === command.name());
  if (!listed) return new Help().subcommandTerm(command);
  return listed.usage ? `${listed.name} ${listed.usage}` : listed.name;
}

/**
 * The command `argv` runs, or whose help it asks for (`help <command>`): commander takes the first word that is
 * not an option (the program's own options take no value).
 */
export function commandOf(argv: readonly string[]): CommandName | undefined {
  const words = argv.filter((a) => !a.startsWith('-'));
  const name = words[0] === 'help' ? words[1] : words[0];
  return name !== undefined && isCommandName(name) ? name : undefined;
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
  const name = commandOf(argv);
  const program = await buildProgram(ctx, name ? [name] : []);
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
export async function exitCodesMarkdown(): Promise<string> {
  const commands: Array<[string, Promise<ExitCodeRows>]> = [
    ['run', import('./commands/run.ts').then((m) => m.RUN_EXIT_CODES)],
    ['wiring check', import('./commands/wiring.ts').then((m) => m.WIRING_EXIT_CODES)],
    ['wiring export', import('./commands/wiring-export.ts').then((m) => m.WIRING_EXPORT_EXIT_CODES)],
    ['status', import('./commands/status.ts').then((m) => m.STATUS_EXIT_CODES)],
    ['replay', import('./commands/replay.ts').then((m) => m.REPLAY_EXIT_CODES)],
    ['demo', import('./commands/demo.ts').then((m) => m.DEMO_EXIT_CODES)],
    ['emulate', import('./commands/emulate.ts').then((m) => m.EMULATE_EXIT_CODES)],
    ['discover', import('./commands/discover.ts').then((m) => m.DISCOVER_EXIT_CODES)],
    ['setup', import('./commands/setup.ts').then((m) => m.SETUP_EXIT_CODES)],
    ['test-press', import('./commands/test-press.ts').then((m) => m.TEST_PRESS_EXIT_CODES)],
    ['ha-addon-config', import('./commands/ha-addon-config.ts').then((m) => m.HA_ADDON_CONFIG_EXIT_CODES)],
  ];
  const tables = await Promise.all(commands.map(async ([name, rows]) => [name, await rows] as const));
  return [
    '| command | code | meaning |',
    '| --- | --- | --- |',
    ...tables.flatMap(([name, rows]) =>
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
