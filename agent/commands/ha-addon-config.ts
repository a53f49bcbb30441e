import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { stringify } from 'yaml';
import { AddonOptionsError, addonConfig, PASSWORD_FILE } from '../config/ha-addon.ts';
import { ConfigError, UsageError } from '../core/errors.ts';
import { descriptionOf } from './catalog.ts';
import { type CommandContext, exitCodeHelp, setExitCodes } from './context.ts';

export const HA_ADDON_CONFIG_EXIT_CODES: ReadonlyArray<readonly [number, string]> = [
  [0, "the agent's configuration was written"],
  [2, "the add-on's options or the MQTT service cannot be used, or a file cannot be read or written"],
];

/**
 * `doorbell-agent ha-addon-config`: the Home Assistant add-on's start script (`contrib/homeassistant/…/run.sh`)
 * calls it with `/data/options.json` and the Supervisor's MQTT service (`bashio::services mqtt`, on stdin so the
 * password never shows in a process list), then runs the agent on what it wrote.
 */
export function haAddonConfigCommand(ctx: CommandContext): Command {
  const command = new Command('ha-addon-config')
    .description(descriptionOf('ha-addon-config'))
    .requiredOption('--options <file>', "the add-on's options (/data/options.json)")
    .requiredOption(
      '--mqtt <file>',
      'the MQTT service as JSON (`bashio::services mqtt`); `-` reads standard input',
    )
    .option(
      '--ingress <host:port>',
      'where the status page listens for ingress (the add-on IP and ingress port)',
      parseHostPort,
    )
    .option('--data <dir>', "the add-on's persistent folder: store and MQTT password file", '/data')
    .option('--share <dir>', 'the folder wiring_plot is relative to', '/share')
    .requiredOption('--out <file>', 'the configuration file to write (YAML)')
    .addHelpText('after', exitCodeHelp(HA_ADDON_CONFIG_EXIT_CODES))
    .action(
      (opts: {
        options: string;
        mqtt: string;
        ingress?: { host: string; port: number };
        data: string;
        share: string;
        out: string;
      }) => {
        const options = readJson(opts.options, '--options');
        const mqtt = readJson(opts.mqtt === '-' ? 0 : opts.mqtt, '--mqtt');
        let result: ReturnType<typeof addonConfig>;
        try {
          result = addonConfig(options, mqtt, {
            dataDir: opts.data,
            shareDir: opts.share,
            ingress: opts.ingress ?? null,
          });
        } catch (error) {
          if (error instanceof AddonOptionsError) throw new ConfigError(opts.options, error.problems);
          throw error;
        }
        if (result.password !== null) write(join(opts.data, PASSWORD_FILE), `${result.password}\n`, '--data');
        write(
          opts.out,
          `# Written by doorbell-agent ha-addon-config from the add-on's options at each start: edit those instead.\n${stringify(result.config)}`,
          '--out',
        );
        const devices = result.config.devices?.length ?? 0;
        ctx.stderr.write(
          `ha-addon-config: ${devices} doorbell${devices === 1 ? '' : 's'}, written to ${opts.out}\n`,
        );
      },
    );
  return setExitCodes(command, { usage: 2, config: 2, failure: 2 });
}

function parseHostPort(value: string): { host: string; port: number } {
  const match = /^(.+):(\d{1,5})$/.exec(value);
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65535)
    throw new InvalidArgumentError('expected HOST:PORT, e.g. 172.30.32.1:8099');
  return { host: (match[1] as string).replace(/^\[(.*)\]$/, '$1'), port };
}

function readJson(file: string | 0, option: string): unknown {
  const name = file === 0 ? 'standard input' : file;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`${option} ${name}: cannot read it (${(error as NodeJS.ErrnoException).code})`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${option} ${name}: not JSON (${(error as Error).message})`);
  }
}

/** Owner-only: the password file, and a config that names it. */
function write(file: string, text: string, option: string): void {
  try {
    writeFileSync(file, text, { mode: 0o600 });
  } catch (error) {
    throw new UsageError(`${option}: cannot write ${file} (${(error as NodeJS.ErrnoException).code})`);
  }
}
