import { Command } from 'commander';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../config/load.ts';
import { channelKey } from '../core/channel-key.ts';
import { createLogger, type LogLevel } from '../core/logger.ts';
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
        'SIGINT or SIGTERM stops the agent cleanly (it publishes `offline` and closes the store).',
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
      const agent = await startAgent({ config, log, version: ctx.version });
      log.info('running', {
        devices: config.devices.map((d) => channelKey(d.id, d.input)),
        config: options.config,
      });
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          log.info('stopping', { signal });
          process.off('SIGINT', onInt);
          process.off('SIGTERM', onTerm);
          resolve();
        };
        const onInt = () => stop('SIGINT');
        const onTerm = () => stop('SIGTERM');
        process.once('SIGINT', onInt);
        process.once('SIGTERM', onTerm);
      });
      await agent.stop();
    });
}
