import { rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { CoiotPeer } from '../../simulator/emulator/coiot-node.ts';
import { startEmulatedUni, type UniGen, type WireSend } from '../../simulator/emulator/uni.ts';
import {
  type ChimeSpec,
  doorbellClosures,
  formatChime,
  idealInput,
  parseChime,
} from '../../simulator/emulator/visitor.ts';
import {
  applyKnob,
  describeKnobs,
  type FirmwareKnobs,
  formatKnobs,
  knobs as withDefaults,
} from '../../simulator/uni/knobs.ts';
import { socketError, UsageError } from '../core/errors.ts';
import { decodeCoiot } from '../protocol/coiot-packet.ts';
import { parseBrokerUrl } from './broker-client.ts';
import { descriptionOf } from './catalog.ts';
import { type CommandContext, DEFAULT_EXIT_CODES, exitCodeHelp, setExitCodes } from './context.ts';
import {
  collectRefused,
  describeManaged,
  MANAGED_HELP,
  type ManagedEmulateOptions,
  plainEmulator,
  type RunningEmulator,
  startManagedEmulator,
  wantsManaged,
} from './emulate-managed.ts';
import { checkOutputPath } from './output-path.ts';

export const EMULATE_EXIT_CODES: ReadonlyArray<readonly [number, string]> = [
  [0, 'stopped by Ctrl-C (SIGINT) or SIGTERM'],
  [1, 'could not start: the --http port taken, another failure while running'],
  [2, 'bad arguments: an id that is not shellyuni-<MAC>, a bad --coiot target'],
];

interface EmulateOptions extends ManagedEmulateOptions {
  gen: UniGen;
  id?: string;
  coiot?: string;
  mqtt?: string;
  http?: number;
  pressEvery?: number;
  hold: number;
  chime: ChimeSpec;
  pidFile?: string;
  firmware?: Partial<FirmwareKnobs>;
}

/** `shellyuni-<MAC>` / `shellyplusuni-<mac>` → the 12-hex MAC. */
export function macFromId(id: string, gen: UniGen): string {
  const prefix = gen === 'gen1' ? 'shellyuni-' : 'shellyplusuni-';
  const m = new RegExp(`^${prefix}([0-9A-Fa-f]{12})$`).exec(id);
  if (!m) throw new InvalidArgumentError(`${prefix}<12 hex digits of the MAC> for --gen ${gen}`);
  return (m[1] as string).toUpperCase();
}

export function parseCoiotTarget(value: string): CoiotPeer | null {
  if (value === 'mcast') return 'mcast';
  if (value === 'off') return null;
  const m = /^([0-9.]+|[A-Za-z0-9.-]+)(?::([0-9]{1,5}))?$/.exec(value);
  const port = Number(m?.[2] ?? 5683);
  if (!m || port < 1 || port > 65535) throw new InvalidArgumentError('mcast, off or HOST[:PORT]');
  return { host: m[1] as string, port };
}

/** One line per thing the device put on the wire. */
export function describeSend(send: WireSend): string {
  if (send.via === 'mqtt') return `mqtt  ${send.topic} ${send.payload}`;
  try {
    const m = decodeCoiot(send.bytes);
    const serial = m.serial === undefined ? '' : ` serial ${m.serial}`;
    return `coiot ${send.kind.padEnd(8)} → ${send.to} mid ${m.messageId}${serial} ${m.payload.toString().slice(0, 200)}`;
  } catch {
    return `coiot ${send.kind} → ${send.to} ${send.bytes.length} bytes`;
  }
}

/**
 * How to press from another shell. The pid is this process's own: the one a user sees for `npx doorbell-agent`
 * is npx's, and SIGUSR1 to a plain Node process opens its inspector instead of pressing.
 */
export function pressHelp(pid: number, pidFile?: string): string {
  const kill = `kill -USR1 ${pid}`;
  return pidFile
    ? `press: Enter here, or from another shell: ${kill} (or kill -USR1 $(cat ${pidFile}))`
    : `press: Enter here, or from another shell: ${kill} (pid ${pid} is this emulator, not npx)`;
}

export function emulateCommand(ctx: CommandContext): Command {
  const command = new Command('emulate')
    .description(descriptionOf('emulate'))
    .option('--gen <gen>', 'gen1 | plus', parseGen, 'gen1' as UniGen)
    .option('--id <id>', 'device id: shellyuni-<MAC> (gen1) or shellyplusuni-<mac> (plus)')
    .option(
      '--coiot <target>',
      'gen1: mcast (224.0.1.187:5683, the default), HOST[:PORT] (unicast coiot_peer) or off',
    )
    .option('--mqtt <url>', 'broker to connect to, e.g. mqtt://127.0.0.1:1883', parseBrokerUrl)
    .option(
      '--http <port>',
      'serve the HTTP API (/shelly, /settings, /status, /cit/d) on this port',
      parsePort,
    )
    .option('--press-every <s>', 'press the button every S seconds', parsePositive)
    .option('--hold <s>', 'how long each press holds the button', parsePositive, 0.3)
    .addOption(
      new Option('--chime <mode>', 'mechanical | electronic:N (the doorbell holds the line N s)')
        .argParser(parseChimeArg)
        .default({ mode: 'mechanical' } as ChimeSpec, 'mechanical'),
    )
    .option(
      '--pid-file <file>',
      "write this process's pid there, for scripts: kill -USR1 $(cat FILE) presses",
    )
    .option('--factory', 'start as a Uni fresh from the box, configured over its own API (see below)')
    .option('--password <password>', '--factory: protect its API with this password (user admin)')
    .option('--fw <version>', '--factory: the firmware version it reports (e.g. 1.9.4)')
    .option('--model <model>', '--factory: the model it reports (e.g. SHSW-1: not a Uni)')
    .option(
      '--refuse <setting>',
      '--factory: its firmware refuses this setting (repeatable)',
      collectRefused,
      [],
    )
    .option('--state <file>', '--factory: keep its settings in this file across emulator restarts')
    .option('--coiot-port <port>', '--factory: UDP port of its multicast publishes (default 5683)', parsePort)
    .option(
      '--coiot-period <s>',
      '--factory: CoIoT re-send period (coiot.update_period, 15 s)',
      parsePositive,
    )
    .option(
      '--firmware <key=value>',
      'what the firmware does where it is unconfirmed (repeat for several knobs; see below)',
      parseKnob,
    )
    .addHelpText(
      'after',
      `\nFirmware knobs (--firmware key=value; the first value is the default):\n${describeKnobs()}\n` +
        '\nExamples:\n  doorbell-agent emulate --coiot 127.0.0.1:5683 --press-every 10\n' +
        '  doorbell-agent emulate --gen plus --mqtt mqtt://127.0.0.1:1883 --firmware gen2Mode=switch\n' +
        '  doorbell-agent emulate --coiot 127.0.0.1:5683 --firmware unicastCode=2.05 --firmware reports=batched\n\n' +
        'Press with Enter, or with `kill -USR1 <pid>` using the pid the emulator prints at start (under npx, the pid\n' +
        "you see is npx's, and SIGUSR1 to it opens Node's inspector instead), or --pid-file.\n" +
        'Input events need btn_type momentary or detached; this Uni starts as detached (a real one ships as toggle:\n' +
        'set it with GET /settings/relay/0?btn_type=toggle to see the difference). SIGINT/SIGTERM stops it.\n' +
        MANAGED_HELP +
        exitCodeHelp(EMULATE_EXIT_CODES),
    )
    .action(async (options: EmulateOptions) => {
      if (options.pidFile !== undefined) checkOutputPath(options.pidFile, '--pid-file');
      const out = (line: string) => ctx.stdout.write(`${line}\n`);
      const id =
        options.id ?? (options.gen === 'gen1' ? 'shellyuni-AABBCC000001' : 'shellyplusuni-aabbcc000001');
      const mac = usage(() => macFromId(id, options.gen), '--id');
      const managed = wantsManaged(options, options.coiot !== undefined, options.mqtt !== undefined);
      // A Plus Uni speaks MQTT only: without a broker its presses would go nowhere (a managed one gets its broker
      // from setup, over its API).
      if (options.gen === 'plus' && !managed && options.mqtt === undefined)
        throw new UsageError(
          '--gen plus: a Plus Uni reports over MQTT only: give --mqtt URL (or --factory, for setup)',
        );
      if (options.gen === 'plus' && options.coiot !== undefined)
        throw new UsageError('--coiot: a Plus Uni has no CoIoT: give --mqtt URL');
      const peer =
        options.gen === 'gen1' && !managed
          ? usage(() => parseCoiotTarget(options.coiot ?? 'mcast'), '--coiot')
          : null;
      const onSend = (send: WireSend) => out(`${new Date().toISOString()} ${describeSend(send)}`);
      const uni: RunningEmulator = await (managed
        ? startManagedEmulator(options, options.gen, mac, options.http, onSend, options.firmware ?? {})
        : startEmulatedUni({
            gen: options.gen,
            mac,
            knobs: options.firmware ?? {},
            coiot: peer === null ? null : { peer },
            mqtt: options.mqtt ? { url: options.mqtt } : null,
            http: options.http === undefined ? null : { port: options.http, host: '0.0.0.0' },
            onSend,
          }).then(plainEmulator)
      ).catch((error: unknown) => {
        const port = (error as { port?: unknown }).port;
        if (options.http !== undefined && (port === options.http || port === undefined))
          throw socketError(error, HTTP_SETTINGS, '0.0.0.0', options.http);
        throw error;
      });
      let presses = 0;
      const press = () => {
        presses++;
        const { closures } = doorbellClosures([{ atS: 0, holdS: options.hold }], options.chime);
        out(`press ${presses}`);
        uni.input(idealInput(closures));
      };
      // Ready to press before the pid is shown or written: SIGUSR1 without a handler opens Node's inspector.
      process.on('SIGUSR1', press);
      const timer =
        options.pressEvery === undefined ? undefined : setInterval(press, options.pressEvery * 1000);
      const lines =
        process.stdin.isTTY || !process.stdin.readableEnded
          ? createInterface({ input: process.stdin })
          : undefined;
      lines?.on('line', press);
      const pidFile = options.pidFile === undefined ? undefined : resolve(options.pidFile);
      if (pidFile) writeFileSync(pidFile, `${process.pid}\n`);
      out(
        `emulating ${uni.id} (${options.gen === 'gen1' ? 'SHUNI-1' : 'SNSN-0043X'}), ${formatChime(options.chime)} chime` +
          (peer ? `, CoIoT → ${peer === 'mcast' ? '224.0.1.187:5683' : `${peer.host}:${peer.port}`}` : '') +
          (options.mqtt ? `, MQTT ${options.mqtt}` : '') +
          (uni.httpPort === undefined ? '' : `, HTTP on port ${uni.httpPort}`) +
          describeManaged(uni) +
          `, firmware ${formatKnobs(withDefaults(options.firmware ?? {}))}` +
          `; pid ${process.pid}. Ctrl-C stops.`,
      );
      out(pressHelp(process.pid, pidFile));
      await new Promise<void>((resolve) => {
        // Signal handlers hold nothing open: with --coiot off, no broker, no HTTP and stdin at its end, Node would
        // find nothing left to wait for and exit 13 (a top-level await never settled) instead of waiting for presses.
        const awake = setInterval(() => {}, 2 ** 30);
        const stop = () => {
          clearInterval(awake);
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      if (timer) clearInterval(timer);
      process.off('SIGUSR1', press);
      lines?.close();
      await uni.stop();
      if (pidFile) rmSync(pidFile, { force: true });
      out(`stopped after ${presses} presses`);
    });
  return setExitCodes(command, DEFAULT_EXIT_CODES);
}

const HTTP_SETTINGS = {
  what: 'emulated HTTP API',
  hostKey: '--http',
  portKey: '--http',
  usualSuspect: 'another emulator, or a web server',
};

/** An argument checked inside the action: its complaint becomes a usage error naming the option. */
function usage<T>(parse: () => T, option: string): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw new UsageError(`${option}: expected ${error.message}`);
    throw error;
  }
}

function parseGen(value: string): UniGen {
  if (value !== 'gen1' && value !== 'plus') throw new InvalidArgumentError('gen1 or plus');
  return value;
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('a TCP port (0 = any free one)');
  return n;
}

function parsePositive(value: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError('a positive number of seconds');
  return n;
}

function parseKnob(value: string, previous: Partial<FirmwareKnobs> | undefined): Partial<FirmwareKnobs> {
  try {
    return applyKnob(previous ?? {}, value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function parseChimeArg(value: string): ChimeSpec {
  try {
    return parseChime(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}
