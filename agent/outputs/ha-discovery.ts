import type { DeviceConfig } from '../config/schema.ts';
import type { RingEvent } from '../core/events.ts';
import { agentStatusTopic, eventTopic } from './topics.ts';

/**
 * Home Assistant MQTT device-based discovery (`<prefix>/device/<object id>/config`), pure.
 * One HA device per configured (Shelly id, input): a Uni with two doorbells shows as two doorbells.
 */

export const ORIGIN_NAME = 'doorbell-agent';
/** Published as the discovery origin's `url` (`o.url`); the same as package.json `homepage`. */
export const PROJECT_URL = 'https://github.com/doorbell-agent/doorbell-agent';

export interface DiscoveryOptions {
  discoveryPrefix: string;
  baseTopic: string;
  /** The agent's version, published as `o.sw`. */
  version: string;
  /** Support URL published as `o.url`; default PROJECT_URL. */
  originUrl?: string;
}

/** One entry of `cmps`: `p` is the platform; options not given here are inherited from the payload root. */
export interface DiscoveryComponent {
  p: string;
  uniq_id: string;
  [option: string]: unknown;
}

export interface DevicePayload {
  dev: Record<string, unknown>;
  o: { name: string; sw: string; url: string };
  cmps: Record<string, DiscoveryComponent>;
  avty?: { t: string }[];
  qos: number;
}

export interface DiscoveryMessage {
  topic: string;
  payload: DevicePayload;
}

const MODELS = { gen1: 'Shelly Uni (SHUNI-1)', gen2: 'Shelly Plus Uni' } as const;

/** HA object ids and unique ids allow `[a-zA-Z0-9_-]` only. */
function safeId(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, '_');
}

/** The HA device identifier of the agent itself, which every doorbell names as `via_device`. */
export function agentDeviceId(baseTopic: string): string {
  return `doorbell_agent_${safeId(baseTopic)}`;
}

export function deviceObjectId(device: Pick<DeviceConfig, 'id' | 'input'>): string {
  return `doorbell_${safeId(device.id)}_${device.input}`;
}

export function discoveryTopic(discoveryPrefix: string, objectId: string): string {
  return `${discoveryPrefix}/device/${objectId}/config`;
}

/** The topic of `buildDeviceDiscovery(device, opts)`, without building its payload. */
export function deviceDiscoveryTopic(
  device: Pick<DeviceConfig, 'id' | 'input'>,
  opts: Pick<DiscoveryOptions, 'discoveryPrefix'>,
): string {
  return discoveryTopic(opts.discoveryPrefix, deviceObjectId(device));
}

/**
 * The entity id Home Assistant gives a component when it first sees it (`default_entity_id`, HA 2025.10+; it
 * replaced `object_id`, which HA ignores since 2026.4): `<platform>.<unique id>`, in the lowercase `[a-z0-9_]`
 * that entity ids allow. HA keeps an entity id once created, so a user's rename survives.
 */
export function defaultEntityId(component: Pick<DiscoveryComponent, 'p' | 'uniq_id'>): string {
  const slug = component.uniq_id
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return `${component.p}.${slug}`;
}

/** Every component with its `default_entity_id` (one given by the caller wins). */
function withEntityIds(components: Record<string, DiscoveryComponent>): Record<string, DiscoveryComponent> {
  return Object.fromEntries(
    Object.entries(components).map(([key, c]) => [key, { default_entity_id: defaultEntityId(c), ...c }]),
  );
}

/** The doorbell `event` entity: HA 2026.4+ requires `ring` among the event types of a doorbell. */
export function ringComponent(device: DeviceConfig, baseTopic: string): DiscoveryComponent {
  return {
    p: 'event',
    name: null,
    device_class: 'doorbell',
    event_types: ['ring'],
    stat_t: eventTopic(baseTopic, device),
    uniq_id: `${deviceObjectId(device)}_ring`,
  };
}

/**
 * Discovery for one doorbell. `extra` components (problem binary_sensors, battery sensor, …) are added beside
 * the ring event under their own key; they inherit `avty` and `qos` from the root.
 */
export function buildDeviceDiscovery(
  device: DeviceConfig,
  opts: DiscoveryOptions,
  extra: Record<string, DiscoveryComponent> = {},
): DiscoveryMessage {
  const objectId = deviceObjectId(device);
  const dev: Record<string, unknown> = {
    ids: [objectId],
    name: device.name,
    mf: 'Shelly',
    mdl: MODELS[device.gen],
    sn: device.id,
    via_device: agentDeviceId(opts.baseTopic),
  };
  if (device.address !== undefined) dev.cu = `http://${device.address}/`;
  return {
    topic: deviceDiscoveryTopic(device, opts),
    payload: {
      dev,
      o: origin(opts),
      cmps: withEntityIds({ ring: ringComponent(device, opts.baseTopic), ...extra }),
      avty: [{ t: agentStatusTopic(opts.baseTopic) }],
      qos: 1,
    },
  };
}

/**
 * The agent's own HA device, so that `via_device` resolves, with one diagnostic connectivity sensor reading the
 * agent's status topic. That sensor has no availability of its own: "offline" must show as off, not unavailable.
 */
export function buildAgentDiscovery(opts: DiscoveryOptions): DiscoveryMessage {
  const id = agentDeviceId(opts.baseTopic);
  return {
    topic: discoveryTopic(opts.discoveryPrefix, id),
    payload: {
      dev: { ids: [id], name: `doorbell-agent (${opts.baseTopic})`, mf: ORIGIN_NAME, sw: opts.version },
      o: origin(opts),
      cmps: withEntityIds({
        status: {
          p: 'binary_sensor',
          name: 'Agent',
          device_class: 'connectivity',
          entity_category: 'diagnostic',
          stat_t: agentStatusTopic(opts.baseTopic),
          pl_on: 'online',
          pl_off: 'offline',
          uniq_id: `${id}_status`,
        },
      }),
      qos: 1,
    },
  };
}

function origin(opts: DiscoveryOptions): DevicePayload['o'] {
  return { name: ORIGIN_NAME, sw: opts.version, url: opts.originUrl ?? PROJECT_URL };
}

/** What a ring looks like on both ring topics; HA exposes the fields beside `event_type` as attributes. */
export interface RingPayload {
  event_type: 'ring';
  device: string;
  input: number;
  press_id: string;
  hold_s: number | null;
  chime: RingEvent['chime'];
  via: RingEvent['via'];
  recovered: boolean;
  /** The agent's clock when it decided (Unix seconds in `run`, trace seconds in `replay`). */
  t: number;
}

export function ringPayload(ring: RingEvent): RingPayload {
  return {
    event_type: 'ring',
    device: ring.device,
    input: ring.input,
    press_id: ring.press_id,
    hold_s: ring.hold_s,
    chime: ring.chime,
    via: ring.via,
    recovered: ring.recovered,
    t: ring.t,
  };
}
