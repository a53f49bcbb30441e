import { Command } from 'commander';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../config/load.ts';
import { channelKey } from '../core/channel-key.ts';
import { createLogger, type Logger, type LogLevel } from '../core/logger.ts';
import { startAgent } from '../runtime/agent.ts';
import type { CommandContext } from './context.ts';

export function runCommand(ctx: CommandContext): Command {
  return new Command('run')
    .description(
      'Listen to the Shellys (CoIoT on UDP 5683 and MQTT) and publish one ring per press: to Home Assistant\n' +
        '(MQTT discovery, an `event` entity with device_class doorbell) and to <base_topic>/<device>/ring.\n' +
        'With no mqtt.url configured, an embedded MQTT broker is started on port 1883.',
    )
    .option('-c, --config <file>', 'configuration file (YAML)', DEFAULT_CONFIG_FILE)
    .option('--log-level <level>', 'debug | info | warn | error (overrides log.level)')
    .addHelpText(
      'after',
      '\nLogs are structured (one JSON object per line on stderr unless log.format is text).\n' +
        'SIGINT or SIGTERM stops the agent cleanly in any state, even while it is still waiting for an\n' +
        'unreachable broker: it publishes `offline` if connected, keeps unsent rings in the store for the\n' +
        'next start and exits 0. A second signal during the stop exits at once.',
    )
    .action(async (options: { config: string; logLevel?: LogLevel }) => {
      const config = loadConfig(options.config);
      const log = createLogger({
        level: options.logLevel ?? config.log.level,
        format: config.log.format,
        stream: ctx.stderr,
      });
      if (config.devices.length === 0) {
        log.warn(
          'no devices configured: nothing will ring. Add devices: [{id: shellyuni-<MAC>, …}] to the config',
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
            config: options.config,
          });
          await new Promise((resolve) => stopping.signal.addEventListener('abort', resolve, { once: true }));
        }
        await agent.stop();
      } finally {
        signals.remove();
      }
    });
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
