import { isIPv4 } from 'node:net';
import { UsageError } from '../core/errors.ts';
import { DeviceUnreachable } from '../io/device-errors.ts';
import { type DeviceAddress, formatDeviceAddress, parseDeviceAddress } from '../io/device-request.ts';
import { Gen1Http } from '../io/shelly-gen1-http.ts';
import { Gen2Rpc } from '../io/shelly-gen2-rpc.ts';
import { addDeviceToConfig, writeConfig } from './config-edit.ts';
import { checkOutputPath } from './output-path.ts';
import { ask, canAsk } from './prompt.ts';
import { parseCoiotChoice, parseMqttTarget } from './setup-args.ts';
import { Declined, SettingNotKept } from './setup-errors.ts';
import { Gen1Session } from './setup-gen1.ts';
import { Gen2Session } from './setup-gen2.ts';
import { identify } from './setup-identify.ts';
import {
  type Change,
  type ChimeChoice,
  COIOT_TRAP,
  type CoiotChoice,
  type DeviceSession,
  planLines,
  type Wanted,
} from './setup-plan.ts';

export interface SetupOptions {
  username?: string;
  password?: string;
  input: number;
  chime: ChimeChoice;
  coiotPeer?: CoiotChoice;
  forward: string[];
  mqtt?: string;
  name?: string;
  config: string;
  dryRun?: boolean;
  yes?: boolean;
  rebootTimeout: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Reads the device, shows what it will change and why, applies it after confirmation, reads every change back,
 * reboots when needed and waits for the device, then writes the config file. Nothing is sent to the device
 * before the confirmation (so neither `--dry-run` nor a refused password changes anything).
 */
export async function runSetup(
  target: string,
  options: SetupOptions,
  out: NodeJS.WritableStream,
): Promise<void> {
  const say = (line: string) => out.write(`${line}\n`);
  const address = parseDeviceAddress(target);
  if (!address)
    throw new UsageError(`<host[:port]>: expected the device's address, such as 192.168.1.31, not ${target}`);
  const mqtt = options.mqtt === undefined ? undefined : parseMqttTarget(options.mqtt);
  const where = formatDeviceAddress(address);
  const device = await identify(address, options.password ?? null);
  say(
    `${device.id} at ${where}: ${device.model}, firmware ${device.version}${device.auth ? ', password protected' : ''}`,
  );
  if (device.gen === 'gen2' && (options.coiotPeer || options.forward.length > 0))
    throw new UsageError(
      '--coiot-peer/--forward: a Plus Uni has no CoIoT; it reaches the agent over MQTT (--mqtt URL)',
    );
  if (device.gen === 'gen1' && mqtt?.tls)
    throw new UsageError('--mqtt: a Gen1 Shelly cannot use TLS: give an mqtt:// URL (port 1883)');
  const session: DeviceSession =
    device.gen === 'gen1'
      ? new Gen1Session(
          device,
          new Gen1Http(
            address,
            options.password === undefined
              ? null
              : { username: options.username ?? 'admin', password: options.password },
          ),
        )
      : new Gen2Session(device, new Gen2Rpc(address, options.password ?? null));
  const before = await session.snapshot();

  const coiot = device.gen === 'gen1' ? await chooseCoiot(options, out) : undefined;
  const wanted: Wanted = {
    input: options.input,
    chime: options.chime,
    ...(coiot && { coiot }),
    ...(mqtt && { mqtt: { server: mqtt.server, user: mqtt.user, pass: mqtt.pass } }),
    ...(options.name !== undefined && { name: options.name }),
  };
  const changes = session.changes(wanted, before);
  say(changes.length === 0 ? 'nothing to change on the device' : 'changes:');
  for (const line of planLines(changes)) say(line);
  if (device.gen === 'gen1' && describesPeer(coiot, before)) {
    if (options.forward.length === 0) say(`\nnote: ${COIOT_TRAP.replace(/\n/g, '\n      ')}\n`);
    else say(`the agent forwards its CoIoT to ${options.forward.join(', ')} (coiot.forward)`);
  }
  if (device.gen === 'gen2' && !mqtt && !mqttEnabled(before))
    say('warning: MQTT is off: a Plus Uni reaches the agent only over MQTT (give --mqtt URL)');

  const edit = addDeviceToConfig(
    options.config,
    {
      id: device.id,
      ...(options.name !== undefined && { name: options.name }),
      input: options.input,
      ...addressFor(address, session.ip(before)),
      chime: options.chime,
    },
    { by: 'setup', ...(mqtt && { mqttUrl: mqtt.url }), forward: options.forward },
  );
  say(
    `config: ${options.config}: ${edit.outcome === 'created' ? 'new file with' : edit.outcome} ${device.id} input ${options.input}`,
  );

  if (options.dryRun) {
    say(`dry run: nothing changed on the device, nor in ${options.config}`);
    return;
  }
  // Before the device changes: a Uni set up but missing from the config would send to an agent that ignores it.
  if (edit.outcome !== 'unchanged') checkOutputPath(options.config, '--config');
  if (changes.length > 0 && !options.yes) {
    if (!canAsk())
      throw new UsageError('not a terminal to confirm on: give --yes to apply, or --dry-run to only show');
    const answer = await ask('apply these changes? [y/N] ', out);
    if (!/^y(es)?$/i.test(answer)) throw new Declined('nothing changed (the changes were not confirmed)');
  }

  let restart = false;
  for (const change of changes) {
    say(`setting ${change.what}: ${change.to}`);
    restart = (await change.apply()) || restart;
  }
  if (changes.length > 0) {
    checkKept(device.id, changes, await session.snapshot(), 'reads back');
    say('read back: every change kept');
  }
  if (restart) {
    const uptime = await session.uptime();
    say(
      `rebooting ${device.id} to apply them; waiting for it to answer again (up to ${options.rebootTimeout} s)`,
    );
    await session.reboot();
    await waitForReboot(session, uptime, options.rebootTimeout, where);
    checkKept(device.id, changes, await session.snapshot(), 'after its reboot reads');
    say('back after its reboot, every change kept');
  }
  if (edit.outcome !== 'unchanged') writeConfig(options.config, edit.text);
  say(
    `done: ${options.config} ${edit.outcome === 'unchanged' ? 'already had' : 'has'} ${device.id} input ${options.input}`,
  );
  say(
    `next: doorbell-agent run --config ${options.config}, then doorbell-agent test-press --config ${options.config}`,
  );
}

/** `--coiot-peer` if given; on a terminal, the choice of the `coiot_peer` trap; else leave it as it is. */
async function chooseCoiot(
  options: SetupOptions,
  out: NodeJS.WritableStream,
): Promise<CoiotChoice | undefined> {
  if (options.coiotPeer || options.yes || options.dryRun || !canAsk()) return options.coiotPeer;
  out.write(`\n${COIOT_TRAP}\n`);
  const choice = await ask('1 or 2 (Enter: leave CoIoT as it is)? ', out);
  if (choice === '1') return { kind: 'multicast' };
  if (choice !== '2') return undefined;
  const agent = await ask('the agent, as the Uni reaches it (HOST[:PORT]): ', out);
  const ha = await ask("Home Assistant's CoIoT listener to forward to (HOST:PORT, Enter: none): ", out);
  if (ha !== '') options.forward.push(ha.includes(':') ? ha : `${ha}:5683`);
  return parseCoiotChoice(agent);
}

function describesPeer(coiot: CoiotChoice | undefined, before: unknown): boolean {
  if (coiot) return coiot.kind === 'peer';
  const peer = (before as { coiot?: { peer?: string } }).coiot?.peer ?? '';
  return peer !== '' && peer !== 'mcast';
}

function mqttEnabled(snapshot: unknown): boolean {
  return (snapshot as { config?: { mqtt?: { enable?: boolean } } }).config?.mqtt?.enable === true;
}

/** The config's `address`: an IPv4 as given (or as the device reports itself), with the HTTP port if not 80. */
function addressFor(address: DeviceAddress, reported: string | null): { address?: string } {
  const host = isIPv4(address.host) ? address.host : reported !== null && isIPv4(reported) ? reported : null;
  if (host === null) return {};
  return { address: address.port === 80 ? host : `${host}:${address.port}` };
}

/** Every change as written, in a fresh snapshot; else the first one that is not, in one line. */
function checkKept(id: string, changes: readonly Change[], snapshot: unknown, how: string): void {
  for (const change of changes) {
    const now = change.read(snapshot);
    if (now !== change.to)
      throw new SettingNotKept(
        `${id}: ${change.what}: wrote ${change.to}, the device accepted it but ${how} ${now}`,
      );
  }
}

/**
 * Back after the reboot: it was seen down (no answer) and answers again, or it answers with an uptime that
 * began after the reboot was asked for (smaller than before, or smaller than the time since: uptimes are whole
 * seconds, hence the + 1).
 */
async function waitForReboot(session: DeviceSession, uptimeBefore: number, timeoutS: number, where: string) {
  const askedMs = Date.now();
  let sawDown = false;
  while (Date.now() - askedMs < timeoutS * 1000) {
    await sleep(200);
    try {
      const uptime = await session.uptime();
      const sinceS = (Date.now() - askedMs) / 1000;
      if (sawDown || uptime < uptimeBefore || uptime + 1 < sinceS) return;
    } catch (error) {
      if (!(error instanceof DeviceUnreachable)) throw error;
      sawDown = true;
    }
  }
  throw new DeviceUnreachable(`${where}: did not answer again within ${timeoutS} s of its reboot`);
}
