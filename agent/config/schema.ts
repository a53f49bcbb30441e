import { isIP, isIPv4 } from 'node:net';
import { z } from 'zod';
import { channelKey } from '../core/channel-key.ts';

/**
 * The one description of the configuration: type, default and documentation of every key.
 * `doorbell-agent.yaml` may omit anything except `devices[].id` (and `duration_s` for electronic chimes).
 * Objects are strict so that a misspelt key is reported instead of silently ignored.
 */

/** `store.path` when nothing else is said: in the data directory, else beside the configuration file. */
export const DEFAULT_STORE_FILE = 'doorbell-agent.sqlite';

const MQTT_URL = /^(mqtts?|wss?|tcp|ssl|tls):\/\/[^\s]+$/;
/** A Shelly device id is also an MQTT topic level, so it must not contain `/`, `+`, `#` or spaces. */
const DEVICE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

const nullableString = (doc: string) => z.string().min(1).nullable().default(null).describe(doc);

/**
 * A file the agent reads or writes. Written relative, it is taken from the configuration file's folder (from the
 * current directory when an environment variable sets it): `load.ts` resolves every key marked `file`.
 */
const nullableFile = (doc: string) =>
  z.string().min(1).nullable().default(null).meta({ description: doc, file: true });

/** Is this schema (a key of the configuration) marked as a file path? */
export function isFileKey(schema: z.core.$ZodType): boolean {
  return (z.globalRegistry.get(schema as z.ZodType) as { file?: unknown } | undefined)?.file === true;
}

/**
 * An address to listen on: an IP address or a host name, without a port (each listener has its own port key).
 * `host:port` is refused with a message that names the port key, rather than failing later in DNS.
 */
const listenAddress = (portKey: string, defaultValue: string, doc: string) =>
  z
    .string()
    .min(1)
    .superRefine((value, ctx) => {
      if (isIP(value) !== 0) return;
      const hostPort = /^(?:\[([^\]]*)\]|([^:]*)):(\d*)$/.exec(value);
      if (hostPort) {
        ctx.addIssue({
          code: 'custom',
          message: `an address only, without a port: write ${hostPort[1] ?? hostPort[2]} here and the port in ${portKey}`,
        });
      } else if (!HOST_NAME.test(value)) {
        ctx.addIssue({
          code: 'custom',
          message: 'must be an IP address (0.0.0.0 = every interface) or a host name',
        });
      }
    })
    .default(defaultValue)
    .describe(doc);

const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*\.?$/;

/** `devices[].address`: an IPv4 address, optionally `:port` for the device's HTTP API (default 80). */
const DEVICE_ADDRESS = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?$/;

const tlsSchema = z
  .strictObject({
    ca: nullableFile('File with the CA certificate(s) that signed the broker certificate (PEM).'),
    cert: nullableFile(
      'File with the client certificate (PEM), for brokers that require client certificates.',
    ),
    key: nullableFile('File with the private key of `cert` (PEM).'),
    reject_unauthorized: z
      .boolean()
      .default(true)
      .describe('Refuse brokers whose certificate does not verify. Turn off only for testing.'),
  })
  .prefault({})
  .describe('TLS options, used with `mqtts://` and `wss://` URLs.');

const mqttSchema = z
  .strictObject({
    url: z
      .string()
      .regex(MQTT_URL, 'must be an MQTT URL such as mqtt://host:1883 or mqtts://host:8883')
      .nullable()
      .default(null)
      .describe('Broker to publish to. null starts the embedded broker (see `embedded_broker`).'),
    username: nullableString('User name for the broker.'),
    password: nullableString(
      'Password for the broker. Prefer `password_file` or DOORBELL_AGENT_MQTT_PASSWORD.',
    ),
    password_file: nullableFile('File whose content (trailing newline removed) is the broker password.'),
    client_id: nullableString('MQTT client id. null = `doorbell-agent_<hostname>`.'),
    base_topic: z
      .string()
      .min(1)
      .refine((t) => !/[+#]/.test(t) && !t.startsWith('/') && !t.endsWith('/'), {
        message: 'must not contain + or # nor start or end with /',
      })
      .default('doorbell')
      .describe(
        'Prefix of every topic the agent publishes (`<base_topic>/<device>/ring`, `<base_topic>/agent/status`).',
      ),
    tls: tlsSchema,
    reconnect_min_s: z
      .number()
      .positive()
      .max(3600)
      .default(1)
      .describe(
        'First wait before reconnecting to an unreachable broker; it doubles (with ±25 % jitter) up to `reconnect_max_s`.',
      ),
    reconnect_max_s: z
      .number()
      .positive()
      .max(3600)
      .default(60)
      .describe('Longest wait between two attempts to reach the broker.'),
  })
  .prefault({})
  .describe('Where rings, availability and discovery are published.');

const embeddedBrokerSchema = z
  .strictObject({
    host: listenAddress(
      'embedded_broker.port',
      '0.0.0.0',
      'Address the embedded broker listens on (no port: that is `port`).',
    ),
    port: z.number().int().min(0).max(65535).default(1883).describe('TCP port of the embedded broker.'),
    username: nullableString(
      'User name every client must give. Required (with a password) when `host` is not a loopback address.',
    ),
    password: nullableString(
      'Password every client must give. Prefer `password_file` or DOORBELL_AGENT_EMBEDDED_BROKER_PASSWORD.',
    ),
    password_file: nullableFile(
      'File whose content (trailing newline removed) is the embedded broker password.',
    ),
    tls: z
      .strictObject({
        cert: nullableFile('Server certificate (PEM). Set with `key` to serve MQTT over TLS (mqtts).'),
        key: nullableFile('Private key of `cert` (PEM).'),
        ca: nullableFile('CA (PEM) that client certificates must chain to; null = no client certificates.'),
      })
      .prefault({})
      .describe('TLS for the embedded broker: with `cert` and `key` it speaks only MQTT over TLS.'),
  })
  .prefault({})
  .describe(
    'The broker the agent runs itself when `mqtt.url` is null, for Shellys and Home Assistant to use.',
  );

const homeassistantSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Publish Home Assistant MQTT discovery.'),
    discovery_prefix: z
      .string()
      .min(1)
      .default('homeassistant')
      .describe('Home Assistant discovery prefix (`<prefix>/device/<object id>/config`).'),
    status_topic: z
      .string()
      .min(1)
      .default('homeassistant/status')
      .describe('Home Assistant birth topic; `online` there makes the agent re-announce its devices.'),
  })
  .prefault({})
  .describe('Home Assistant MQTT discovery.');

const coiotSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe('Listen to CoIoT (CoAP over UDP) status reports from Gen1 devices.'),
    listen: listenAddress(
      'coiot.port',
      '0.0.0.0',
      'Address the CoIoT UDP socket binds to (no port: that is `port`).',
    ),
    port: z.number().int().min(1).max(65535).default(5683).describe('CoIoT UDP port.'),
    multicast: z.boolean().default(true).describe('Join the CoIoT multicast group.'),
    multicast_group: z.ipv4().default('224.0.1.187').describe('CoIoT multicast group.'),
    interface: z
      .ipv4()
      .nullable()
      .default(null)
      .describe('Address of the local interface to join the multicast group on. null = every interface.'),
    peers: z
      .array(z.ipv4())
      .default([])
      .describe('Device addresses that send CoIoT by unicast to the agent (Shelly `coiot_peer` setting).'),
  })
  .prefault({})
  .describe('CoIoT source (Gen1 Shelly Uni).');

const shellyMqttSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Listen to the Shellys over MQTT on the same broker.'),
    gen1_prefix: z.string().min(1).default('shellies').describe('Topic prefix of Gen1 devices.'),
    gen2_prefixes: z
      .array(z.string().min(1))
      .default([])
      .describe(
        'Extra Gen2 topic prefixes; the Gen2 device ids themselves (the default prefix) are always subscribed.',
      ),
  })
  .prefault({})
  .describe('MQTT source (Gen1 and Gen2 Shellys).');

const storeSchema = z
  .strictObject({
    path: z.string().min(1).default(DEFAULT_STORE_FILE).meta({
      description:
        'Database that keeps event counters and recent press ids across restarts. Default: in the data directory (`--data` or DOORBELL_AGENT_DATA) if one is given, else beside the configuration file.',
      file: true,
    }),
  })
  .prefault({})
  .describe('Persistent state.');

const outboxSchema = z
  .strictObject({
    max_entries: z
      .number()
      .int()
      .min(1)
      .default(10_000)
      .describe(
        'Most rings and problems kept on disk while the broker does not acknowledge them; when full, the oldest problem (then the oldest ring) is dropped and counted.',
      ),
  })
  .prefault({})
  .describe('Persisted queue of rings and problems waiting for the broker (in the `store.path` database).');

const securitySchema = z
  .strictObject({
    pin_addresses: z
      .boolean()
      .default(true)
      .describe(
        'Accept CoIoT from a device only from its address (`devices[].address`, else learnt at first contact); others are dropped and raise a `spoofed` problem.',
      ),
    verify_http: z
      .boolean()
      .default(true)
      .describe(
        'Check a learnt or changed address over HTTP (`GET /shelly` must report the MAC of the id) before trusting it for good.',
      ),
    discovery: z
      .boolean()
      .default(false)
      .describe(
        'Discovery mode: learn (log and pin) CoIoT devices that are not in `devices`. Off: they are ignored and not remembered.',
      ),
    rate_per_source: z
      .number()
      .positive()
      .default(20)
      .describe('CoIoT datagrams per second accepted from one source address (token bucket).'),
    burst_per_source: z
      .number()
      .min(1)
      .default(60)
      .describe('Burst of CoIoT datagrams accepted from one source address.'),
    rate_unpinned: z
      .number()
      .positive()
      .default(1_000)
      .describe(
        'CoIoT datagrams per second accepted from all addresses that are not a known device, together.',
      ),
    max_sources: z
      .number()
      .int()
      .min(16)
      .default(4_096)
      .describe('Source addresses tracked by the rate limiter (least recently heard forgotten first).'),
  })
  .prefault({})
  .describe('Defences against forged and flooded CoIoT (unauthenticated UDP).');

const logSchema = z
  .strictObject({
    level: z.enum(['debug', 'info', 'warn', 'error']).default('info').describe('Lowest level logged.'),
    format: z.enum(['json', 'text']).default('json').describe('`json` (one object per line) or `text`.'),
  })
  .prefault({})
  .describe('Logging.');

const detectorSchema = z
  .strictObject({
    reorder_window_s: z
      .number()
      .min(0)
      .max(10)
      .default(0.6)
      .describe('How long reports are held to put CoIoT and MQTT evidence back in order.'),
    claim_window_s: z
      .number()
      .min(0)
      .default(600)
      .describe('How long a press id is remembered, so late evidence of the same press is not a new ring.'),
    electronic_tolerance_s: z
      .number()
      .min(0)
      .default(1.5)
      .describe(
        'How far from `duration_s` a trailing edge may be and still confirm an electronic hold; also how long past `duration_s` a press whose fall was never heard stays open.',
      ),
    chatter_merge_s: z
      .number()
      .min(0)
      .max(60)
      .default(1)
      .describe(
        'While the input chatters (`health.chatter_min_edges` rising edges within `health.chatter_window_s`), a rise within this time of the last fall or counter step is the same press: a burst rings once.',
      ),
  })
  .prefault({})
  .describe('Press detection tuning; the defaults suit real devices.');

const healthSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe('Watch the devices: offline, missed reports, stuck input, chatter, wiring, battery.'),
    coiot_update_period_s: z
      .number()
      .min(1)
      .default(15)
      .describe("The Shellys' CoIoT `update_period` (Gen1 default 15 s)."),
    offline_factor: z
      .number()
      .min(1)
      .default(2.2)
      .describe(
        'A Gen1 Shelly is offline after this × `coiot_update_period_s` without CoIoT (or its announced validity, if longer), as Home Assistant does.',
      ),
    mqtt_update_period_s: z
      .number()
      .min(0)
      .default(30)
      .describe('Gen1 `mqtt_update_period`: periodic MQTT state; longer silences count as missed. 0 = off.'),
    missed_window_s: z
      .number()
      .min(60)
      .default(3600)
      .describe('Window over which lost reports (CoIoT serial gaps, MQTT periodic gaps) are counted.'),
    missed_max: z
      .number()
      .int()
      .min(1)
      .default(3)
      .describe('Lost reports inside `missed_window_s` that raise `missed_reports`.'),
    input_stuck_after_s: z
      .number()
      .min(1)
      .default(60)
      .describe('Input high this much longer than the chime holds it (0 s mechanical) raises `input_stuck`.'),
    chatter_window_s: z.number().min(1).default(60).describe('Window over which input edges are counted.'),
    chatter_min_edges: z
      .number()
      .int()
      .min(2)
      .default(10)
      .describe(
        'Rising edges inside `chatter_window_s` that raise `chatter` (counted or not by the Shelly); it clears below half. While the input chatters, a burst rings at most once (`detector.chatter_merge_s`).',
      ),
    wiring_min_presses: z
      .number()
      .int()
      .min(1)
      .default(3)
      .describe('Presses in a row that must match a known wiring mistake before `wiring` is raised.'),
    battery_warn_days: z
      .number()
      .min(0)
      .default(60)
      .describe(
        'Raise `battery_low` this many days before the date the battery model says the cell falls below `threshold_v`.',
      ),
  })
  .prefault({})
  .describe('Health monitors and their thresholds.');

const metricsSchema = z
  .strictObject({
    enabled: z.boolean().default(false).describe('Serve Prometheus `/metrics` and `/healthz` over HTTP.'),
    host: listenAddress(
      'metrics.port',
      '127.0.0.1',
      'Address the metrics server binds to (loopback only by default; no port: that is `port`).',
    ),
    port: z.number().int().min(0).max(65535).default(9464).describe('TCP port of the metrics server.'),
  })
  .prefault({})
  .describe('Prometheus metrics and health endpoint.');

const batterySchema = z
  .strictObject({
    chemistry: z
      .enum(['alkaline', 'lithium_fes2', 'nimh'])
      .default('alkaline')
      .describe('Cell chemistry of the sense-loop battery (discharge curve, self-discharge, shelf life).'),
    cells: z.number().int().min(1).max(8).default(1).describe('Cells in series.'),
    capacity_mah: z
      .number()
      .positive()
      .default(1000)
      .describe('Capacity at low drain; 1000 mAh is an assumed AAA alkaline figure.'),
    installed: z.iso
      .date()
      .nullable()
      .default(null)
      .describe('Date the cell was fitted (YYYY-MM-DD). Needed by the model when `adc` is false.'),
    adc: z
      .boolean()
      .default(false)
      .describe("The Uni's ADC is wired to the cell: measure its voltage instead of modelling it."),
    loop_ma: z
      .number()
      .positive()
      .default(1)
      .describe('Loop current while the contact is closed (~1 mA at 1.5 V: a forum figure, unconfirmed).'),
    warn_below: z
      .number()
      .min(0)
      .max(1)
      .default(0.2)
      .describe('Raise `battery_low` at or below this remaining share.'),
    threshold_v: z
      .number()
      .positive()
      .default(1.2)
      .describe(
        'Pack voltage below which the Uni stops reading the input as high (documented 2.2 V DC; 1.2 V assumed from the working 1.5 V loop).',
      ),
  })
  .optional()
  .describe(
    'The cell in the sense loop, for the battery estimate and `battery_low`. Left out: the defaults below, and no estimate until `installed` or `adc` is set.',
  );

const CHIME_MODE_DOC =
  '`mechanical` (default: the contact closes while the button is held) or `electronic` (the doorbell holds ' +
  'the contact for a fixed `duration_s` per press; a second press inside the hold cannot be seen).';

const mechanicalChime = z.strictObject({
  mode: z.literal('mechanical').describe(CHIME_MODE_DOC),
  settle_s: z
    .number()
    .min(0)
    .max(60)
    .default(1.0)
    .describe(
      'Mechanical only: edges within this time after a press are the same press (bounce, repeated taps).',
    ),
});

const electronicChime = z.strictObject({
  mode: z.literal('electronic').describe(CHIME_MODE_DOC),
  duration_s: z
    .number()
    .min(1)
    .max(60)
    .describe('Electronic only, required: how long the doorbell holds the contact per press, 1–60 s.'),
  bounce_s: z
    .number()
    .min(0)
    .max(10)
    .default(0.3)
    .describe(
      'Electronic only: a rise within this time after the heard fall is contact bounce of the same press; a later one is a new press.',
    ),
});

const chimeSchema = z
  .discriminatedUnion('mode', [mechanicalChime, electronicChime])
  .prefault({ mode: 'mechanical' })
  .describe('How the doorbell drives the input. Default: mechanical.');

export type Generation = 'gen1' | 'gen2';

/** Gen2 ids start `shellyplus…` / `shellypro…` (`shellyplusuni-e465b847ca44`); Gen1 Uni is `shellyuni-…`. */
export function inferGeneration(id: string): Generation | undefined {
  if (/^shelly(plus|pro|mini)/i.test(id)) return 'gen2';
  if (/^shelly/i.test(id)) return 'gen1';
  return undefined;
}

const deviceSchema = z
  .strictObject({
    id: z
      .string()
      .regex(
        DEVICE_ID,
        'must be a Shelly device id such as shellyuni-98CDAC25ABCD (letters, digits, - and _)',
      )
      .describe(
        'Required. Shelly device id, as in its topics: `shellyuni-98CDAC25ABCD`, `shellyplusuni-e465b847ca44`.',
      ),
    name: z.string().min(1).optional().describe('Name shown in Home Assistant. Default: the id.'),
    input: z
      .number()
      .int()
      .min(0)
      .max(3)
      .default(0)
      .describe('Input the doorbell is wired to; each (id, input) may be configured once.'),
    gen: z
      .enum(['gen1', 'gen2'])
      .optional()
      .describe(
        'Device generation. Default: inferred from the id (`shellyplus…` = gen2, other `shelly…` = gen1).',
      ),
    address: z
      .string()
      .regex(
        DEVICE_ADDRESS,
        'must be an IPv4 address, optionally with the HTTP port: 192.168.1.20 or 192.168.1.20:8080',
      )
      .refine((a) => isIPv4(a.replace(/:\d+$/, '')), 'must be an IPv4 address such as 192.168.1.20')
      .refine((a) => {
        const port = Number(a.split(':')[1] ?? 80);
        return port >= 1 && port <= 65535;
      }, 'the HTTP port must be 1–65535')
      .optional()
      .describe(
        'IPv4 address of the device (CoIoT is accepted only from it), optionally `:port` of its HTTP API (default 80) for `/cit/d` and `/shelly`: `192.168.1.20` or `127.0.0.1:8080` for an emulator.',
      ),
    chime: chimeSchema,
    battery: batterySchema,
  })
  .superRefine((device, ctx) => {
    if (device.gen === undefined && inferGeneration(device.id) === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['gen'],
        message: 'cannot be inferred from this id: set gen1 or gen2',
      });
    }
  })
  .transform(({ address, ...device }) => ({
    ...device,
    name: device.name ?? device.id,
    gen: device.gen ?? inferGeneration(device.id) ?? 'gen1',
    // `address` keeps the host only (what CoIoT datagrams come from); the HTTP port goes apart.
    ...(address === undefined ? {} : splitAddress(address)),
  }));

function splitAddress(address: string): { address: string; http_port?: number } {
  const [host, port] = address.split(':') as [string, string | undefined];
  return port === undefined ? { address: host } : { address: host, http_port: Number(port) };
}

const devicesSchema = z
  .array(deviceSchema)
  .default([])
  .superRefine((devices, ctx) => {
    const seen = new Map<string, number>();
    devices.forEach((device, index) => {
      const key = channelKey(device.id, device.input);
      const first = seen.get(key);
      if (first === undefined) seen.set(key, index);
      else
        ctx.addIssue({
          code: 'custom',
          path: [index, 'input'],
          message: `device ${device.id} input ${device.input} is already configured at devices.${first}`,
        });
    });
  })
  .describe('The Shelly inputs wired to a doorbell, one entry per (id, input).');

export const configSchema = z
  .strictObject({
    mqtt: mqttSchema,
    embedded_broker: embeddedBrokerSchema,
    homeassistant: homeassistantSchema,
    coiot: coiotSchema,
    shelly_mqtt: shellyMqttSchema,
    store: storeSchema,
    outbox: outboxSchema,
    security: securitySchema,
    log: logSchema,
    detector: detectorSchema,
    health: healthSchema,
    metrics: metricsSchema,
    devices: devicesSchema,
  })
  .superRefine((config, ctx) => {
    if (config.mqtt.reconnect_max_s < config.mqtt.reconnect_min_s) {
      ctx.addIssue({
        code: 'custom',
        path: ['mqtt', 'reconnect_max_s'],
        message: 'must not be below mqtt.reconnect_min_s',
      });
    }
    if (config.mqtt.password !== null && config.mqtt.password_file !== null) {
      ctx.addIssue({
        code: 'custom',
        path: ['mqtt', 'password_file'],
        message: 'set either mqtt.password or mqtt.password_file, not both',
      });
    }
    const broker = config.embedded_broker;
    if (broker.password !== null && broker.password_file !== null) {
      ctx.addIssue({
        code: 'custom',
        path: ['embedded_broker', 'password_file'],
        message: 'set either embedded_broker.password or embedded_broker.password_file, not both',
      });
    }
    if ((broker.tls.cert === null) !== (broker.tls.key === null)) {
      ctx.addIssue({
        code: 'custom',
        path: ['embedded_broker', 'tls', broker.tls.cert === null ? 'cert' : 'key'],
        message: 'set both embedded_broker.tls.cert and embedded_broker.tls.key, or neither',
      });
    }
  })
  .describe('doorbell-agent configuration');

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type DeviceConfig = Config['devices'][number];
export type ChimeConfig = DeviceConfig['chime'];
