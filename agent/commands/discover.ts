import { existsSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { connect, type MqttClient } from 'mqtt';
import { redactUrl } from '../config/redact.ts';
import { brokerOptions } from '../core/broker-url.ts';
import { DoorbellAgentError, UsageError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { startUdpListener, type UdpListener } from '../io/udp-listener.ts';
import { parseBrokerUrl } from './broker-client.ts';
import { descriptionOf } from './catalog.ts';
import { writeConfig } from './config-edit.ts';
import { type CommandContext, DEFAULT_EXIT_CODES, exitCodeHelp, setExitCodes } from './context.ts';
import { changedInputs, HeardShellys, heardLines, isUni } from './discover-table.ts';
import { checkOutputPath } from './output-path.ts';
import { starterConfig } from './starter-config.ts';

export const DISCOVER_EXIT_CODES: ReadonlyArray<readonly [number, string]> = [
  [0, 'at least one Shelly was heard (listed on stdout)'],
  [1, 'could not listen: the CoIoT port cannot be bound, the broker refused'],
  [2, 'bad arguments, or --write-config names a file that exists'],
  [3, 'no Shelly was heard while listening'],
];

/** MQTT topics where Shellys say they are there: Gen1 announce/online and inputs, Gen2 online and notifications. */
const TOPICS = [
  'shellies/announce',
  'shellies/+/announce',
  'shellies/+/online',
  'shellies/+/input/+',
  'shellies/+/input_event/+',
  '+/online',
  '+/events/rpc',
];

interface DiscoverOptions {
  seconds: number;
  port: number;
  mqtt?: string;
  writeConfig?: string;
}

export function discoverCommand(ctx: CommandContext): Command {
  const command = new Command('discover')
    .description(descriptionOf('discover'))
    .option('--seconds <n>', 'how long to listen', parseSeconds, 20)
    .option('--mqtt <url>', 'also listen on this broker, e.g. mqtt://192.168.1.10:1883', parseBrokerUrl)
    .option('--port <port>', 'CoIoT UDP port (multicast and unicast)', parsePort, 5683)
    .option('--write-config <file>', 'write a commented starter config with the Unis heard (not over a file)')
    .addHelpText(
      'after',
      '\nMulticast does not cross routers or VLANs, and a Uni with a coiot_peer sends only there: if yours is not\n' +
        'listed, try --mqtt, or set it up by address (doorbell-agent setup <address>). Run it while the agent is\n' +
        'stopped: both on port 5683, a unicast datagram reaches only one of them.\n' +
        exitCodeHelp(DISCOVER_EXIT_CODES),
    )
    .action(async (options: DiscoverOptions) => {
      if (options.writeConfig && existsSync(options.writeConfig))
        throw new UsageError(
          `--write-config: ${options.writeConfig} exists; add devices to it with doorbell-agent setup`,
        );
      if (options.writeConfig) checkOutputPath(options.writeConfig, '--write-config');
      const heard = new HeardShellys();
      const log = plainLog(ctx.stderr);
      const udp: UdpListener = await startUdpListener({
        host: '0.0.0.0',
        port: options.port,
        group: '224.0.1.187',
        interfaceAddress: null,
        log,
        onDatagram: (bytes, source) => heard.coiot(bytes, source),
        settings: {
          what: 'CoIoT listener (UDP)',
          hostKey: '--port',
          portKey: '--port',
          usualSuspect: 'the agent, or Home Assistant',
        },
      });
      let client: MqttClient | undefined;
      try {
        if (options.mqtt) client = await listenMqtt(options.mqtt, heard);
        ctx.stdout.write(
          `listening ${options.seconds} s: CoIoT on UDP ${udp.port} (multicast 224.0.1.187${udp.joined.length === 0 ? ': not joined' : ''})` +
            `${options.mqtt ? `, MQTT ${redactUrl(options.mqtt)}` : ''}. Press the doorbell now.\n`,
        );
        await countdown(options.seconds, ctx.stderr);
      } finally {
        await client?.endAsync(true).catch(() => {});
        await udp.close();
      }
      const list = heard.list();
      if (list.length === 0) {
        ctx.stdout.write(
          `heard no Shelly in ${options.seconds} s. Multicast does not cross routers or VLANs; a Uni with a coiot_peer sends only there.\n` +
            'Try --mqtt URL, a longer --seconds, or doorbell-agent setup <address> directly.\n',
        );
        ctx.exitCode = 3;
        return;
      }
      const unis = list.filter(isUni);
      ctx.stdout.write(`heard ${list.length} Shelly${list.length === 1 ? '' : 's'} (* = a Shelly Uni):\n`);
      for (const line of heardLines(list)) ctx.stdout.write(`  ${line}\n`);
      if (unis.length > 0)
        ctx.stdout.write(
          'next: doorbell-agent setup <address> for the Uni whose input changed when you pressed\n',
        );
      if (options.writeConfig) {
        const text = starterConfig(
          unis.map((u) => {
            const changed = changedInputs(u);
            return {
              id: u.id,
              input: changed.length === 1 ? (changed[0] as number) : 0,
              inputNote:
                changed.length === 1
                  ? 'the input that changed while discover listened'
                  : 'no input changed while discover listened: 0 = IN_1, 1 = IN_2',
              ...(u.address !== undefined && { address: u.address }),
            };
          }),
          {
            by: 'discover',
            ...(options.mqtt && { mqttUrl: stripCredentials(options.mqtt) }),
            ...(options.port !== 5683 && { coiotPort: options.port }),
          },
        );
        writeConfig(options.writeConfig, text);
        ctx.stdout.write(
          `wrote ${options.writeConfig} with ${unis.length} Uni${unis.length === 1 ? '' : 's'}\n`,
        );
      }
    });
  return setExitCodes(command, DEFAULT_EXIT_CODES);
}

async function listenMqtt(url: string, heard: HeardShellys): Promise<MqttClient> {
  const client = connect({
    ...brokerOptions(url),
    clientId: `doorbell-agent-discover-${process.pid}`,
    reconnectPeriod: 0,
    connectTimeout: 5000,
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', (error) =>
      reject(new DoorbellAgentError(`--mqtt ${redactUrl(url)}: ${error.message}`)),
    );
    client.once('close', () => reject(new DoorbellAgentError(`--mqtt ${redactUrl(url)}: could not connect`)));
  });
  client.on('message', (topic, payload) => heard.mqtt(topic, payload));
  await client.subscribeAsync(TOPICS, { qos: 0 });
  return client;
}

/** A countdown on a terminal (one line, rewritten); nothing otherwise. */
async function countdown(seconds: number, stream: NodeJS.WritableStream): Promise<void> {
  const tty = (stream as NodeJS.WriteStream).isTTY === true;
  for (let left = seconds; left > 0; left--) {
    if (tty) stream.write(`\r${left} s left `);
    await new Promise((r) => setTimeout(r, Math.min(1, left) * 1000));
  }
  if (tty) stream.write('\r           \r');
}

function plainLog(stream: NodeJS.WritableStream): Logger {
  const quiet = () => {};
  const loud = (msg: string, fields?: Record<string, unknown>) =>
    stream.write(`discover: ${msg}${fields ? ` ${JSON.stringify(fields)}` : ''}\n`);
  return { debug: quiet, info: quiet, warn: loud, error: loud };
}

function stripCredentials(url: string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  return u.toString().replace(/\/$/, '');
}

function parseSeconds(value: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError('a positive number of seconds');
  return n;
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError('a UDP port (1–65535)');
  return n;
}
