import type { Change, Wanted } from './setup-plan.ts';

/** A change before it is compared with the device: `from` is read from the snapshot. */
export type PlannedChange = Omit<Change, 'from'>;

/** A device's MQTT settings as a snapshot holds them (Gen1 `/settings` `mqtt`, Gen2 `MQTT.GetConfig`). */
export interface MqttSettings {
  enable?: boolean;
  server?: string | null;
  user?: string | null;
}

/** How an MQTT setting reads in the plan and in the read-back: `off`, `host:port`, or `host:port as user`. */
export function mqttText(enabled: boolean, server: string, user: string): string {
  if (!enabled) return 'off';
  return user === '' ? server : `${server} as ${user}`;
}

/** The broker the device is to log in to (applied on a reboot); `settings` finds its MQTT settings in a snapshot. */
export function mqttChange(
  wanted: NonNullable<Wanted['mqtt']>,
  why: string,
  apply: () => Promise<boolean>,
  settings: (snapshot: unknown) => MqttSettings | undefined,
): PlannedChange {
  return {
    what: 'MQTT',
    to: mqttText(true, wanted.server, wanted.user),
    why,
    reboot: true,
    apply,
    read: (x) => {
      const q = settings(x);
      return mqttText(q?.enable === true, q?.server ?? '', q?.user ?? '');
    },
  };
}

/** The device's name; `name` finds it in a snapshot. */
export function nameChange(
  to: string,
  apply: () => Promise<boolean>,
  name: (snapshot: unknown) => string | null | undefined,
): PlannedChange {
  return {
    what: 'name',
    to,
    why: 'the name in its web UI and in Home Assistant',
    reboot: false,
    apply,
    read: (x) => name(x) ?? '(none)',
  };
}

/** The changes that `snapshot` shows are not made yet, each with the value it has there. */
export function pending(changes: readonly PlannedChange[], snapshot: unknown): Change[] {
  return changes.map((c) => ({ ...c, from: c.read(snapshot) })).filter((c) => c.from !== c.to);
}
