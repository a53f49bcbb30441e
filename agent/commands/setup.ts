import { Command, Option } from 'commander';
import { DEFAULT_CONFIG_FILE } from '../config/load.ts';
import { descriptionOf } from './catalog.ts';
import { type CommandContext, DEFAULT_EXIT_CODES, exitCodeHelp, setExitCodes } from './context.ts';
import {
  collectForward,
  parseChimeChoice,
  parseCoiotChoice,
  parseInput,
  parseSeconds,
} from './setup-args.ts';
import { SETUP_EXIT_CODES, setupExitCode } from './setup-errors.ts';
import { runSetup, type SetupOptions } from './setup-run.ts';

export { SETUP_EXIT_CODES };

export function setupCommand(ctx: CommandContext): Command {
  const command = new Command('setup')
    .description(descriptionOf('setup'))
    .argument('<host[:port]>', "the Uni's address (its HTTP API: port 80 unless given)")
    .option('--username <user>', 'Gen1 login user (Plus: always admin)', 'admin')
    .option('--password <password>', 'the password of its web UI, if it has one')
    .option('--input <n>', 'the input the doorbell is wired to: 0 (IN_1) or 1 (IN_2)', parseInput, 0)
    .addOption(
      new Option('--chime <mode>', 'mechanical | electronic:N (the doorbell holds the line N s)')
        .argParser(parseChimeChoice)
        .default({ mode: 'mechanical' }, 'mechanical'),
    )
    .option(
      '--coiot-peer <target>',
      'Gen1: multicast, or HOST[:PORT] of the agent (coiot_peer)',
      parseCoiotChoice,
    )
    .option(
      '--forward <host:port>',
      "with a coiot_peer: Home Assistant's CoIoT listener, for coiot.forward (repeatable)",
      collectForward,
      [],
    )
    .option('--mqtt <url>', 'the broker the device should use: mqtt://[user:password@]host[:port]')
    .option('--name <name>', 'name the device (and the doorbell in Home Assistant)')
    .option(
      '-c, --config <file>',
      'config file to add the device to (created if missing)',
      DEFAULT_CONFIG_FILE,
    )
    .option('--dry-run', 'show what would change, change nothing')
    .option('-y, --yes', 'apply without asking (for scripts)')
    .option('--reboot-timeout <s>', 'how long to wait for it to come back after a reboot', parseSeconds, 90)
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  doorbell-agent setup 192.168.1.31 --password secret --chime electronic:5 --mqtt mqtt://192.168.1.10:1883\n' +
        '  doorbell-agent setup 192.168.1.31 --coiot-peer 192.168.20.5 --forward 192.168.1.10:5683 --yes\n' +
        '\nNothing is sent to the device before the confirmation; --dry-run and a refused password change nothing.\n' +
        'A Gen1 Shelly has one coiot_peer: pointing it at the agent takes CoIoT away from Home Assistant unless the\n' +
        'agent forwards it (--forward, coiot.forward); setup explains the choice when it matters.\n' +
        exitCodeHelp(SETUP_EXIT_CODES),
    )
    .action(async (target: string, options: SetupOptions) => {
      try {
        await runSetup(target, options, ctx.stdout);
      } catch (error) {
        const code = setupExitCode(error);
        if (code === undefined) throw error;
        ctx.stderr.write(`doorbell-agent: ${(error as Error).message}\n`);
        ctx.exitCode = code;
      }
    });
  return setExitCodes(command, DEFAULT_EXIT_CODES);
}
