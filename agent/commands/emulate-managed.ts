import { InvalidArgumentError } from 'commander';
import { type ManagedUni, startManagedUni } from '../../simulator/emulator/managed-uni.ts';
import { factorySettings } from '../../simulator/emulator/persisted-settings.ts';
import type { EmulatedUni, UniGen, WireSend } from '../../simulator/emulator/uni.ts';
import type { FirmwareKnobs } from '../../simulator/uni/knobs.ts';
import { UsageError } from '../core/errors.ts';

/** The options of `emulate` that make a Uni configured through its own API (`--factory` and its knobs). */
export interface ManagedEmulateOptions {
  factory?: boolean;
  password?: string;
  fw?: string;
  model?: string;
  refuse: string[];
  state?: string;
  coiotPort?: number;
  coiotPeriod?: number;
}

export const REFUSABLE = ['btn_type', 'coiot_peer', 'mqtt', 'name', 'input'] as const;

export const MANAGED_HELP =
  '\nFactory state (--factory): the Uni starts as one fresh from the box (btn_type toggle: no input events;\n' +
  'CoIoT multicast; MQTT off), with --password P behind HTTP basic (Gen1) or SHA-256 digest (Plus, user admin).\n' +
  'Settings changed over its HTTP API or RPC persist across its reboots (GET /reboot, Shelly.Reboot), and with\n' +
  '--state FILE across emulator restarts; they change what it sends (CoIoT peer, MQTT server, input mode).\n' +
  '--fw and --model make it an older or another device; --refuse SETTING makes its firmware refuse one.\n';

/** Is this run a configured-through-its-API Uni? Its knobs without `--factory` are a usage error. */
export function wantsManaged(
  options: ManagedEmulateOptions,
  coiotGiven: boolean,
  mqttGiven: boolean,
): boolean {
  const knobs = [
    ['--password', options.password],
    ['--fw', options.fw],
    ['--model', options.model],
    ['--state', options.state],
    ['--coiot-port', options.coiotPort],
    ['--coiot-period', options.coiotPeriod],
    ['--refuse', options.refuse.length > 0 ? options.refuse : undefined],
  ].filter(([, v]) => v !== undefined);
  if (!options.factory) {
    if (knobs.length > 0)
      throw new UsageError(`${knobs[0]?.[0]} needs --factory (a Uni configured over its API)`);
    return false;
  }
  if (coiotGiven || mqttGiven)
    throw new UsageError(
      '--factory: CoIoT and MQTT come from the settings (set them over the HTTP API), not --coiot/--mqtt',
    );
  return true;
}

export function startManagedEmulator(
  options: ManagedEmulateOptions,
  gen: UniGen,
  mac: string,
  http: number | undefined,
  onSend: (send: WireSend) => void,
  knobs: Partial<FirmwareKnobs> = {},
): Promise<ManagedUni> {
  const settings = factorySettings();
  if (options.password !== undefined)
    settings.login = { enabled: true, username: 'admin', password: options.password };
  // Below the firmware's 15 s minimum only here: tests need not wait for a periodic report.
  if (options.coiotPeriod !== undefined) settings.coiot.updatePeriodS = options.coiotPeriod;
  return startManagedUni({
    gen,
    mac,
    knobs,
    settings,
    ...(options.state !== undefined && { stateFile: options.state }),
    identity: {
      ...(options.fw !== undefined && { version: options.fw }),
      ...(options.model !== undefined && { model: options.model }),
    },
    refuse: options.refuse,
    http: { port: http ?? 0, host: '0.0.0.0' },
    ...(options.coiotPort !== undefined && { coiotMulticastPort: options.coiotPort }),
    onSend,
  });
}

/** What `emulate` needs of either kind of emulated Uni. */
export type RunningEmulator = Pick<ManagedUni, 'id' | 'gen' | 'input' | 'stop'> & {
  httpPort?: number;
  settings?: ManagedUni['settings'];
};

/** An emulated Uni of the plain kind, as `emulate` sees it. */
export function plainEmulator(uni: EmulatedUni): RunningEmulator {
  return {
    id: uni.id,
    gen: uni.gen,
    input: uni.input,
    stop: uni.stop,
    ...(uni.http && { httpPort: uni.http.port }),
  };
}

/** What the managed Uni runs with, for its start line ('' for a plain one). */
export function describeManaged(uni: RunningEmulator): string {
  if (!uni.settings) return '';
  const s = uni.settings.running;
  const where = s.coiot.peer === '' ? 'multicast' : s.coiot.peer;
  const inputs = uni.gen === 'gen1' ? s.btnTypes.join('/') : s.inputTypes.join('/');
  return (
    `, settings: inputs ${inputs}` +
    (uni.gen === 'gen1' ? `, CoIoT ${s.coiot.enabled ? where : 'off'}` : '') +
    `, MQTT ${s.mqtt.enabled ? s.mqtt.server : 'off'}` +
    (s.login.enabled ? ', password set' : '')
  );
}

export function collectRefused(value: string, previous: string[]): string[] {
  if (!(REFUSABLE as readonly string[]).includes(value))
    throw new InvalidArgumentError(`one of ${REFUSABLE.join(', ')}`);
  return [...previous, value];
}
