import * as z from 'zod';
import { DEFAULT_STORE_FILE, FORWARD_TARGET, listenAddress } from './schema-fields.ts';

export const coiotSchema = z
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
    device_sockets: z
      .boolean()
      .default(true)
      .describe(
        "Give the sender of each configured device the agent hears a UDP socket of its own on the CoIoT port, connected to it (Linux hands such a socket its sender's datagrams first; one bound to the multicast group when the Uni multicasts): its reports get a receive queue of their own, so a flood on the CoIoT port can neither delay them nor crowd them out of the kernel buffer. One socket per Uni; false: one socket for everything.",
      ),
    peers: z
      .array(z.ipv4())
      .default([])
      .describe('Device addresses that send CoIoT by unicast to the agent (Shelly `coiot_peer` setting).'),
    forward: z
      .array(
        z
          .string()
          .regex(FORWARD_TARGET, 'must be host:port, such as 192.168.1.10:5683')
          .refine((t) => Number(t.split(':').pop()) >= 1 && Number(t.split(':').pop()) <= 65535, {
            message: 'the port must be 1–65535',
          }),
      )
      .default([])
      .describe(
        "CoIoT listeners (`host:port`) that get a copy of every datagram the agent accepts (after address pinning), unchanged and rate-limited: Home Assistant's Shelly integration keeps hearing a Uni whose `coiot_peer` points at the agent.",
      ),
  })
  .prefault({})
  .describe('CoIoT source (Gen1 Shelly Uni).');

export const storeSchema = z
  .strictObject({
    path: z.string().min(1).default(DEFAULT_STORE_FILE).meta({
      description:
        'Database that keeps event counters and recent press ids across restarts. Default: in the data directory (`--data` or DOORBELL_AGENT_DATA) if one is given, else beside the configuration file.',
      file: true,
    }),
  })
  .prefault({})
  .describe('Persistent state.');

export const outboxSchema = z
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

export const securitySchema = z
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
      .describe(
        'Source addresses tracked by the rate limiter and the re-send cache (the longest not heard again forgotten first).',
      ),
  })
  .prefault({})
  .describe('Defences against forged and flooded CoIoT (unauthenticated UDP).');

export const logSchema = z
  .strictObject({
    level: z.enum(['debug', 'info', 'warn', 'error']).default('info').describe('Lowest level logged.'),
    format: z.enum(['json', 'text']).default('json').describe('`json` (one object per line) or `text`.'),
  })
  .prefault({})
  .describe('Logging.');

export const detectorSchema = z
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
    longpush_s: z
      .number()
      .min(0.1)
      .max(5)
      .nullable()
      .default(null)
      .describe(
        "Gen1: the Unis' long-push time (`longpush_time`, 0.8 s on real firmware), if you know it. Then a report that shows a press's fall and counts it as a short push (`S`) later than this after its rise is taken for a late re-send of a lost report: the press had fallen by then, and a re-press soon after the report is a new press. Off (null) by default: with a longer `longpush_time` on the Uni than this, a bounce after a long short push would ring twice.",
      ),
  })
  .prefault({})
  .describe('Press detection tuning; the defaults suit real devices.');
