import type { Gen2Rpc } from '../io/shelly-gen2-rpc.ts';
import { type MqttSettings, mqttChange, nameChange, type PlannedChange, pending } from './setup-changes.ts';
import type { Identified } from './setup-identify.ts';
import type { Change, DeviceSession, Wanted } from './setup-plan.ts';

interface Gen2Config {
  [component: string]: unknown;
  mqtt?: MqttSettings;
  sys?: { device?: { name?: string | null } };
}

/**
 * A Plus Uni through RPC: `Input.SetConfig` (a `button` for a mechanical chime, a `switch` for an electronic
 * one, whose hold must be timed), `MQTT.SetConfig` (restart required) and `Sys.SetConfig` (the name).
 */
export class Gen2Session implements DeviceSession {
  constructor(
    readonly device: Identified,
    private readonly rpc: Gen2Rpc,
  ) {}

  async snapshot(): Promise<unknown> {
    // Both asked at once; when both fail (a password, say), the error is always the first call's, whichever of
    // the two failed first.
    const [config, status] = await Promise.allSettled([
      this.rpc.call('Shelly.GetConfig'),
      this.rpc.call('Shelly.GetStatus'),
    ]);
    if (config.status === 'rejected') throw config.reason;
    if (status.status === 'rejected') throw status.reason;
    return { config: config.value, status: status.value };
  }

  changes(wanted: Wanted, snapshot: unknown): Change[] {
    const all: PlannedChange[] = [];
    const i = wanted.input;
    const type = wanted.chime.mode === 'mechanical' ? 'button' : 'switch';
    const restart = (result: unknown) =>
      (result as { restart_required?: unknown } | null)?.restart_required === true;
    all.push({
      what: `input ${i} type`,
      to: type,
      why:
        type === 'button'
          ? 'a mechanical chime: each push is reported (btn_down, btn_up, single_push)'
          : 'an electronic chime: the start and end of its hold are reported, so the hold can be checked',
      reboot: false,
      apply: async () => restart(await this.rpc.call('Input.SetConfig', { id: i, config: { type } })),
      read: (x) => String((config(x)[`input:${i}`] as { type?: unknown } | undefined)?.type ?? '(none)'),
    });
    if (wanted.mqtt) {
      const m = wanted.mqtt;
      all.push(
        mqttChange(
          m,
          'a Plus Uni reaches the agent only over MQTT (notifications on <id>/events/rpc)',
          async () =>
            restart(
              await this.rpc.call('MQTT.SetConfig', {
                config: {
                  enable: true,
                  server: m.server,
                  user: m.user === '' ? null : m.user,
                  pass: m.pass === '' ? null : m.pass,
                  rpc_ntf: true,
                },
              }),
            ),
          (x) => config(x).mqtt,
        ),
      );
    }
    if (wanted.name !== undefined) {
      const name = wanted.name;
      all.push(
        nameChange(
          name,
          async () => restart(await this.rpc.call('Sys.SetConfig', { config: { device: { name } } })),
          (x) => config(x).sys?.device?.name,
        ),
      );
    }
    return pending(all, snapshot);
  }

  async uptime(): Promise<number> {
    const status = (await this.rpc.call('Shelly.GetStatus')) as { sys?: { uptime?: unknown } };
    return typeof status.sys?.uptime === 'number' ? status.sys.uptime : 0;
  }

  async reboot(): Promise<void> {
    await this.rpc.call('Shelly.Reboot');
  }

  ip(snapshot: unknown): string | null {
    const wifi = (snapshot as { status?: { wifi?: { sta_ip?: unknown } } }).status?.wifi;
    return typeof wifi?.sta_ip === 'string' ? wifi.sta_ip : null;
  }
}

function config(snapshot: unknown): Gen2Config {
  return ((snapshot as { config?: Gen2Config }).config ?? {}) as Gen2Config;
}
