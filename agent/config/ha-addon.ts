import { isAbsolute, join, relative, resolve } from 'node:path';
import * as z from 'zod';
import { type ConfigInput, configSchema, DEFAULT_STORE_FILE } from './schema.ts';

/**
 * The Home Assistant add-on's options (`/data/options.json`, shaped by the `schema` of
 * `contrib/homeassistant/doorbell-agent/config.yaml`) and the Supervisor's MQTT service, turned into the agent's
 * configuration. Pure: the `ha-addon-config` command reads the files and writes the result.
 */

/** The Supervisor's address on its network: Home Assistant's ingress proxy connects from it. */
export const SUPERVISOR_ADDRESS = '172.30.32.2';
/** Where the add-on's MQTT password is written (mode 0600), named by `mqtt.password_file`. */
export const PASSWORD_FILE = 'mqtt-password';

const doorbellOptions = z.object({
  id: z.string(),
  name: z.string().optional(),
  input: z.number().int().optional(),
  chime: z.enum(['mechanical', 'electronic']).optional(),
  duration_s: z.number().optional(),
  address: z.string().optional(),
  battery_installed: z.string().optional(),
  battery_adc: z.boolean().optional(),
  battery_chemistry: z.enum(['alkaline', 'lithium_fes2', 'nimh']).optional(),
  battery_cells: z.number().int().optional(),
  wiring_plot: z.string().optional(),
});

/** What the Supervisor writes to `/data/options.json` (it validated it against the add-on's schema first). */
export const addonOptionsSchema = z.object({
  doorbells: z.array(doorbellOptions),
  base_topic: z.string().optional(),
  coiot_peers: z.array(z.string()).optional(),
  log_level: z.enum(['debug', 'info', 'warn', 'error']).optional(),
});

/** `GET /services/mqtt` (`bashio::services mqtt`): the Supervisor documents `port` as a string. */
export const mqttServiceSchema = z.object({
  host: z.string().min(1),
  port: z.union([z.string(), z.number()]),
  ssl: z.boolean().optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  protocol: z.string().optional(),
});

export type AddonOptions = z.infer<typeof addonOptionsSchema>;
export type MqttService = z.infer<typeof mqttServiceSchema>;

export interface AddonPlace {
  /** The add-on's persistent folder (`/data`): store and password file. */
  dataDir: string;
  /** The folder `wiring_plot` is relative to (`/share`, mapped read-only). */
  shareDir: string;
  /** Where the status page listens for ingress (`bashio::addon.ip_address`, `bashio::addon.ingress_port`). */
  ingress: { host: string; port: number } | null;
}

export interface AddonConfig {
  config: ConfigInput;
  /** The broker password, to write to `<dataDir>/mqtt-password`; null when the service has none. */
  password: string | null;
}

/** One line per option that cannot be used, named as the add-on's Configuration tab names it. */
export class AddonOptionsError extends Error {
  override name = 'AddonOptionsError';
  constructor(readonly problems: string[]) {
    super(`the add-on's options cannot be used:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export function addonConfig(rawOptions: unknown, rawMqtt: unknown, place: AddonPlace): AddonConfig {
  const options = addonOptionsSchema.safeParse(rawOptions);
  if (!options.success) throw new AddonOptionsError(issues(options.error, 'options'));
  const mqtt = mqttServiceSchema.safeParse(rawMqtt);
  if (!mqtt.success)
    throw new AddonOptionsError(issues(mqtt.error, 'MQTT service (is the Mosquitto broker add-on running?)'));
  const o = options.data;
  const service = mqtt.data;
  const problems: string[] = [];
  if (o.doorbells.length === 0)
    problems.push('doorbells: add at least one doorbell (its Shelly id, e.g. shellyuni-98CDAC25ABCD)');

  const devices = o.doorbells.map((d, i) => {
    const chime =
      d.chime === 'electronic'
        ? { mode: 'electronic' as const, duration_s: d.duration_s as number }
        : { mode: 'mechanical' as const };
    if (d.chime === 'electronic' && d.duration_s === undefined)
      problems.push(
        `doorbells[${i}].duration_s: required with chime: electronic (how long the doorbell holds, 1–60 s)`,
      );
    const battery = {
      ...(d.battery_installed !== undefined && { installed: d.battery_installed }),
      ...(d.battery_adc !== undefined && { adc: d.battery_adc }),
      ...(d.battery_chemistry !== undefined && { chemistry: d.battery_chemistry }),
      ...(d.battery_cells !== undefined && { cells: d.battery_cells }),
    };
    let plot: string | undefined;
    if (d.wiring_plot !== undefined) {
      plot = resolve(place.shareDir, d.wiring_plot);
      const inside = relative(place.shareDir, plot);
      if (inside.startsWith('..') || isAbsolute(inside))
        problems.push(
          `doorbells[${i}].wiring_plot: must be a file in ${place.shareDir} (e.g. doorbell-agent/front.svg)`,
        );
    }
    return {
      id: d.id,
      ...(d.name !== undefined && { name: d.name }),
      ...(d.input !== undefined && { input: d.input }),
      ...(d.address !== undefined && { address: d.address }),
      chime,
      ...(Object.keys(battery).length > 0 && { battery }),
      ...(plot !== undefined && { wiring_plot: plot }),
    };
  });

  const host = service.host.includes(':') ? `[${service.host}]` : service.host;
  const config: ConfigInput = {
    mqtt: {
      url: `${service.ssl ? 'mqtts' : 'mqtt'}://${host}:${service.port}`,
      ...(service.username && { username: service.username }),
      ...(service.password && { password_file: join(place.dataDir, PASSWORD_FILE) }),
      ...(o.base_topic !== undefined && { base_topic: o.base_topic }),
    },
    coiot: { multicast: true, peers: o.coiot_peers ?? [] },
    store: { path: join(place.dataDir, DEFAULT_STORE_FILE) },
    log: { level: o.log_level ?? 'info', format: 'text' },
    metrics: place.ingress
      ? {
          enabled: true,
          host: place.ingress.host,
          port: place.ingress.port,
          allow_from: [SUPERVISOR_ADDRESS],
        }
      : { enabled: false },
    devices,
  };
  // The agent's own rules (id format, ranges, duplicates), reported under the add-on's option names.
  const checked = configSchema.safeParse(config);
  for (const problem of checked.success ? [] : checked.error.issues.map(optionProblem)) {
    const name = problem.slice(0, problem.indexOf(': ') + 2);
    if (!problems.some((p) => p.startsWith(name))) problems.push(problem);
  }
  if (problems.length > 0) throw new AddonOptionsError([...new Set(problems)]);
  return { config, password: service.password || null };
}

function issues(error: z.ZodError, what: string): string[] {
  return error.issues.map((i) => `${what}: ${i.path.join('.') || '(all)'}: ${i.message}`);
}

/** `devices.0.battery.installed` → `doorbells[0].battery_installed`; `coiot.peers.1` → `coiot_peers[1]`. */
function optionProblem(issue: z.core.$ZodIssue): string {
  const [section, index, key, sub] = issue.path.map(String);
  let name: string;
  if (section === 'devices' && index !== undefined) {
    const option =
      key === 'chime'
        ? sub === 'duration_s'
          ? 'duration_s'
          : 'chime'
        : key === 'battery'
          ? `battery_${sub}`
          : key;
    name = `doorbells[${index}]${option === undefined ? '' : `.${option}`}`;
  } else if (section === 'coiot' && index === 'peers')
    name = `coiot_peers${key === undefined ? '' : `[${key}]`}`;
  else if (section === 'mqtt' && index === 'base_topic') name = 'base_topic';
  else name = issue.path.join('.');
  // The add-on has no `gen` option: the generation comes from the id.
  if (name.endsWith('.gen'))
    return `${name.slice(0, -4)}.id: not a Shelly id (shellyuni-<MAC>, shellyplusuni-<mac>)`;
  return `${name}: ${issue.message.replace(/\bdevices\.(\d+)/g, 'doorbells[$1]')}`;
}
