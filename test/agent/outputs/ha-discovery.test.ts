import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema, type DeviceConfig } from '../../../agent/config/schema.ts';
import type { RingEvent } from '../../../agent/core/events.ts';
import {
  agentDeviceId,
  buildAgentDiscovery,
  buildDeviceDiscovery,
  type DiscoveryOptions,
  defaultEntityId,
  PROJECT_URL,
  ringPayload,
} from '../../../agent/outputs/ha-discovery.ts';
import { healthComponents } from '../../../agent/outputs/health-publisher.ts';

function device(raw: Record<string, unknown>): DeviceConfig {
  return configSchema.parse({ devices: [raw] }).devices[0]!;
}

const opts: DiscoveryOptions = {
  discoveryPrefix: 'homeassistant',
  baseTopic: 'doorbell',
  version: '0.1.0',
  originUrl: 'https://example.org/doorbell-agent',
};

describe('buildDeviceDiscovery', () => {
  const front = device({ id: 'shellyuni-98CDAC25ABCD', name: 'Front door', address: '192.168.1.20' });

  it('publishes one HA device per (id, input) under the device discovery topic', () => {
    const { topic, payload } = buildDeviceDiscovery(front, opts);
    expect(topic).toBe('homeassistant/device/doorbell_shellyuni-98CDAC25ABCD_0/config');
    expect(payload.dev).toEqual({
      ids: ['doorbell_shellyuni-98CDAC25ABCD_0'],
      name: 'Front door',
      mf: 'Shelly',
      mdl: 'Shelly Uni (SHUNI-1)',
      sn: 'shellyuni-98CDAC25ABCD',
      via_device: 'doorbell_agent_doorbell',
      cu: 'http://192.168.1.20/',
    });
    expect(payload.o).toEqual({
      name: 'doorbell-agent',
      sw: '0.1.0',
      url: 'https://example.org/doorbell-agent',
    });
  });

  it('declares a doorbell event entity with the mandatory ring event type', () => {
    const { payload } = buildDeviceDiscovery(front, opts);
    expect(payload.cmps).toEqual({
      ring: {
        p: 'event',
        name: null,
        device_class: 'doorbell',
        event_types: ['ring'],
        stat_t: 'doorbell/shellyuni-98CDAC25ABCD/0/event',
        uniq_id: 'doorbell_shellyuni-98CDAC25ABCD_0_ring',
        default_entity_id: 'event.doorbell_shellyuni_98cdac25abcd_0_ring',
      },
    });
  });

  it('makes every entity id predictable: <platform>.<unique id> in lowercase [a-z0-9_], as the README lists them', () => {
    const full = device({
      id: 'shellyplusuni-e465b847ca44',
      input: 1,
      battery: { adc: true },
    });
    const { payload } = buildDeviceDiscovery(full, opts, healthComponents(full, 'doorbell'));
    const ids = Object.values(payload.cmps).map((c) => c.default_entity_id);
    expect(ids).toEqual([
      'event.doorbell_shellyplusuni_e465b847ca44_1_ring',
      'binary_sensor.doorbell_shellyplusuni_e465b847ca44_1_link',
      'sensor.doorbell_shellyplusuni_e465b847ca44_1_presses',
      'binary_sensor.doorbell_shellyplusuni_e465b847ca44_1_problem_offline',
      'binary_sensor.doorbell_shellyplusuni_e465b847ca44_1_problem_missed_reports',
      'binary_sensor.doorbell_shellyplusuni_e465b847ca44_1_problem_input_stuck',
      'binary_sensor.doorbell_shellyplusuni_e465b847ca44_1_problem_chatter',
      'binary_sensor.doorbell_shellyplusuni_e465b847ca44_1_problem_wiring',
      'binary_sensor.doorbell_shellyplusuni_e465b847ca44_1_problem_battery_low',
      'sensor.doorbell_shellyplusuni_e465b847ca44_1_battery',
      'sensor.doorbell_shellyplusuni_e465b847ca44_1_battery_v',
    ]);
    // Valid Home Assistant entity ids: no upper case, no `-`, no double or edge underscores.
    for (const id of ids) expect(id).toMatch(/^[a-z_]+\.(?!_)(?!.*__)[a-z0-9_]+(?<!_)$/);
    expect(
      buildAgentDiscovery({ ...opts, baseTopic: 'home/bell' }).payload.cmps.status?.default_entity_id,
    ).toBe('binary_sensor.doorbell_agent_home_bell_status');
    expect(defaultEntityId({ p: 'sensor', uniq_id: '--A__b--' })).toBe('sensor.a_b');
  });

  it("ties availability to the agent's status topic and asks for QoS 1", () => {
    const { payload } = buildDeviceDiscovery(front, { ...opts, baseTopic: 'home/bell' });
    expect(payload.avty).toEqual([{ t: 'home/bell/agent/status' }]);
    expect(payload.qos).toBe(1);
    expect(payload.dev.via_device).toBe('doorbell_agent_home_bell');
  });

  it('keeps two inputs of one Shelly apart, and names a Gen2 model', () => {
    const back = device({ id: 'shellyplusuni-e465b847ca44', input: 1 });
    const { topic, payload } = buildDeviceDiscovery(back, opts);
    expect(topic).toBe('homeassistant/device/doorbell_shellyplusuni-e465b847ca44_1/config');
    expect(payload.dev.name).toBe('shellyplusuni-e465b847ca44');
    expect(payload.dev.mdl).toBe('Shelly Plus Uni');
    expect(payload.dev.cu).toBeUndefined();
    expect(payload.cmps.ring?.stat_t).toBe('doorbell/shellyplusuni-e465b847ca44/1/event');
  });

  it('adds further components beside the ring without touching it', () => {
    const stuck = {
      p: 'binary_sensor',
      device_class: 'problem',
      entity_category: 'diagnostic',
      stat_t: 'doorbell/shellyuni-98CDAC25ABCD/problem/input_stuck',
      uniq_id: 'doorbell_shellyuni-98CDAC25ABCD_0_input_stuck',
    };
    const { payload } = buildDeviceDiscovery(front, opts, { input_stuck: stuck });
    expect(Object.keys(payload.cmps)).toEqual(['ring', 'input_stuck']);
    expect(payload.cmps.input_stuck).toEqual({
      ...stuck,
      default_entity_id: 'binary_sensor.doorbell_shellyuni_98cdac25abcd_0_input_stuck',
    });
    expect(payload.cmps.ring?.device_class).toBe('doorbell');
  });

  it("publishes the project's URL (package.json homepage) as o.url unless another is given", () => {
    const { originUrl: _, ...withoutUrl } = opts;
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', 'package.json'), 'utf8'));
    expect(PROJECT_URL).toBe(pkg.homepage);
    expect(pkg.repository.url).toContain(PROJECT_URL.replace('https://', ''));
    expect(buildDeviceDiscovery(front, withoutUrl).payload.o).toEqual({
      name: 'doorbell-agent',
      sw: '0.1.0',
      url: PROJECT_URL,
    });
    expect(buildAgentDiscovery(withoutUrl).payload.o.url).toBe(PROJECT_URL);
  });
});

describe('buildAgentDiscovery', () => {
  it('announces the device every doorbell names as via_device, with a status sensor that is never unavailable', () => {
    const { topic, payload } = buildAgentDiscovery(opts);
    expect(topic).toBe(`homeassistant/device/${agentDeviceId('doorbell')}/config`);
    expect(payload.dev.ids).toEqual(['doorbell_agent_doorbell']);
    expect(payload.avty).toBeUndefined();
    expect(payload.cmps.status).toMatchObject({
      p: 'binary_sensor',
      device_class: 'connectivity',
      stat_t: 'doorbell/agent/status',
      pl_on: 'online',
      pl_off: 'offline',
    });
  });
});

describe('ringPayload', () => {
  it('carries event_type ring and the decision fields', () => {
    const ring: RingEvent = {
      type: 'ring',
      t: 1_764_000_000.25,
      device: 'shellyuni-98CDAC25ABCD',
      input: 0,
      press_id: '98CDAC25ABCD:0:1377',
      chime: 'electronic',
      hold_s: 4.98,
      via: 'coiot',
      recovered: false,
    };
    expect(JSON.parse(JSON.stringify(ringPayload(ring)))).toEqual({
      event_type: 'ring',
      device: 'shellyuni-98CDAC25ABCD',
      input: 0,
      press_id: '98CDAC25ABCD:0:1377',
      hold_s: 4.98,
      chime: 'electronic',
      via: 'coiot',
      recovered: false,
      t: 1_764_000_000.25,
    });
  });

  it('keeps an unseen hold as null', () => {
    const payload = ringPayload({
      type: 'ring',
      t: 3,
      device: 'd',
      input: 1,
      press_id: 'p',
      chime: 'mechanical',
      hold_s: null,
      via: 'counter',
      recovered: true,
    });
    expect(payload).toMatchObject({ hold_s: null, via: 'counter', recovered: true });
  });
});
