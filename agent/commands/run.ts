import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Command, Option } from 'commander';
import { DATA_DIR_ENV, DEFAULT_CONFIG_FILE, loadConfig } from '../config/load.ts';
import { channelKey } from '../core/channel-key.ts';
import { ConfigError, DoorbellAgentError } from '../core/errors.ts';
import { createLogger, type Logger, type LogLevel } from '../core/logger.ts';
import { embeddedBrokerProblem } from '../outputs/embedded-broker.ts';
import { startAgent } from '../runtime/agent.ts';
import { descriptionOf } from './catalog.ts';
import { type CommandContext, DEFAULT_EXIT_CODES, exitCodeHelp, setExitCodes } from './context.ts';

export const RUN_EXIT_CODES: ReadonlyArray<readonly [number, string]> = [
  [0, 'stopped cleanly (SIGINT or SIGTERM)'],
  [
    1,
    'failed while starting or running: a port in use, a broker refusing the credentials, a store that cannot be opened',
  ],
  [2, 'bad configuration or arguments: no config file, an invalid key, no devices'],
];

export function runCommand(ctx: CommandContext): Command {
  const command = new Command('run')
    .description(descriptionOf('run'))
    .option('-c, --config <file>', `configuration file (YAML) (default: ./${DEFAULT_CONFIG_FILE})`)
    .option(
      '--data <dir>',
      `data directory: the store goes there unless store.path is set (or $${DATA_DIR_ENV})`,
    )
    .addOption(
      new Option(
        '--log-level <level>',
        'overrides log.level; debug also prints stack traces with errors',
      ).choices(['debug', 'info', 'warn', 'error']),
    )
    .addHelpText(
      'after',
      '\nLogs are structured (one JSON object per line on stderr unless log.format is text).\n' +
        'SIGINT or SIGTERM stops the agent cleanly in any state, even while it is still waiting for an\n' +
        'unreachable broker: it publishes `offline` if connected, keeps unsent rings in the store for the\n' +
        'next start and exits 0. A second signal during the stop exits at once.\n' +
        'Relative paths in the config file are taken from its folder.\n' +
        exitCodeHelp(RUN_EXIT_CODES),
    )
    .action(async (options: { config?: string; data?: string; logLevel?: LogLevel }) => {
      if (options.logLevel === 'debug') ctx.debug = true;
      const config = loadConfig(options.config, process.env, {
        requireDevices: true,
        ...(options.data === undefined ? {} : { dataDir: options.data }),
      });
      const file = options.config ?? DEFAULT_CONFIG_FILE;
      const level = options.logLevel ?? config.log.level;
      if (level === 'debug') ctx.debug = true;
      const log = createLogger({ level, format: config.log.format, stream: ctx.stderr });
      if (config.mqtt.url === null) {
        const problem = embeddedBrokerProblem(config.embedded_broker);
        if (problem) throw new ConfigError(file, [problem]);
      }
      // The data directory is created on first start (a fresh container volume, a new service account).
      try {
        mkdirSync(dirname(config.store.path), { recursive: true });
      } catch (error) {
        throw new DoorbellAgentError(
          `store.path: cannot create the folder of ${config.store.path} (${(error as NodeJS.ErrnoException).code}): give a writable data directory with --data DIR, or set store.path`,
        );
      }
      // Listen for SIGINT/SIGTERM before anything starts: a signal with no listener kills the process at once,
      // so one that came while the agent was still starting (the broker unreachable, say) was not a clean stop.
      const stopping = new AbortController();
      const signals = stopOnSignals(log, stopping);
      try {
        let agent: Awaited<ReturnType<typeof startAgent>>;
        try {
          agent = await startAgent({ config, log, version: ctx.version, signal: stopping.signal });
        } catch (error) {
          if (stopping.signal.aborted) return; // stopped during start: already logged `stopped`
          throw error;
        }
        if (!stopping.signal.aborted) {
          log.info('running', {
            devices: config.devices.map((d) => channelKey(d.id, d.input)),
            config: file,
            store: config.store.path,
          });
          await new Promise((resolve) => stopping.signal.addEventListener('abort', resolve, { once: true }));
        }
        await agent.stop();
      } finally {
        signals.remove();
      }
    });
  return setExitCodes(command, DEFAULT_EXIT_CODES);
}

/**
 * The first SIGINT or SIGTERM logs `stopping` and aborts `controller` (which stops the agent, whatever it is
 * doing); a second one while the stop is under way exits at once, with the shell's code for the signal.
 */
function stopOnSignals(log: Logger, controller: AbortController): { remove(): void } {
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      log.warn('second signal: exiting without waiting for the clean stop', { signal });
      process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
    }
    log.info('stopping', { signal });
    controller.abort(new Error(`stopped by ${signal}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    remove: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
