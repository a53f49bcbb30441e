import type { MqttClient } from 'mqtt';
import type { DeviceConfig } from '../config/schema.ts';
import type { HealthRecord } from '../health/record.ts';
import { HEALTH_PROBLEMS, type HealthProblem } from '../health/types.ts';
import { type DiscoveryComponent, deviceObjectId } from './ha-discovery.ts';

/**
 * Health in Home Assistant, in the doorbell's own discovery device: one diagnostic `problem` binary_sensor per
 * monitor, a `connectivity` binary_sensor for the Shelly, battery % (and volts when the ADC measures them) and a
 * press count. All read one retained JSON state per doorbell, `<base>/<device id>/<input>/health`; the entities
 * inherit the agent's availability, so "Shelly offline" shows as off, not as unavailable.
 */
export function healthTopic(baseTopic: string, device: Pick<DeviceConfig, 'id' | 'input'>): string {
  return `${baseTopic}/${device.id}/${device.input}/health`;
}

const PROBLEM_NAMES: Readonly<Record<HealthProblem, string>> = {
  offline: 'Shelly offline',
  missed_reports: 'Missed reports',
  input_stuck: 'Input stuck',
  chatter: 'Relay chatter',
  wiring: 'Wiring problem',
  battery_low: 'Battery low',
};

/** The payload behind the entities; `None` makes HA show "unknown". */
export interface HealthState {
  connectivity: 'ON' | 'OFF' | 'None';
  problems: Record<HealthProblem, 'ON' | 'OFF'>;
  details: Partial<Record<HealthProblem, string>>;
  battery: number | null;
  battery_v: number | null;
  battery_basis: 'adc' | 'model' | null;
  presses: number;
  last_ring: string | null;
}

export function hasBattery(device: DeviceConfig): boolean {
  return device.battery !== undefined && (device.battery.adc || device.battery.installed !== null);
}

export function healthComponents(
  device: DeviceConfig,
  baseTopic: string,
): Record<string, DiscoveryComponent> {
  const id = deviceObjectId(device);
  const stat_t = healthTopic(baseTopic, device);
  const components: Record<string, DiscoveryComponent> = {
    shelly_link: {
      p: 'binary_sensor',
      name: 'Shelly connection',
      device_class: 'connectivity',
      entity_category: 'diagnostic',
      stat_t,
      val_tpl: '{{ value_json.connectivity }}',
      uniq_id: `${id}_link`,
    },
    presses: {
      p: 'sensor',
      name: 'Presses',
      state_class: 'total_increasing',
      icon: 'mdi:doorbell',
      stat_t,
      val_tpl: '{{ value_json.presses }}',
      uniq_id: `${id}_presses`,
    },
  };
  for (const kind of HEALTH_PROBLEMS) {
    if (kind === 'battery_low' && !hasBattery(device)) continue;
    components[`problem_${kind}`] = {
      p: 'binary_sensor',
      name: PROBLEM_NAMES[kind],
      device_class: 'problem',
      entity_category: 'diagnostic',
      stat_t,
      val_tpl: `{{ value_json.problems.${kind} }}`,
      json_attr_t: stat_t,
      json_attr_tpl: `{{ {"detail": value_json.details.${kind} | default("")} | tojson }}`,
      uniq_id: `${id}_problem_${kind}`,
    };
  }
  if (hasBattery(device)) {
    components.battery = {
      p: 'sensor',
      name: 'Battery',
      device_class: 'battery',
      unit_of_measurement: '%',
      state_class: 'measurement',
      entity_category: 'diagnostic',
      stat_t,
      val_tpl: '{{ value_json.battery }}',
      uniq_id: `${id}_battery`,
    };
  }
  if (device.battery?.adc) {
    components.battery_v = {
      p: 'sensor',
      name: 'Battery voltage',
      device_class: 'voltage',
      unit_of_measurement: 'V',
      state_class: 'measurement',
      entity_category: 'diagnostic',
      stat_t,
      val_tpl: '{{ value_json.battery_v }}',
      uniq_id: `${id}_battery_v`,
    };
  }
  return components;
}

export function healthState(record: HealthRecord): HealthState {
  const active = new Map(record.problems.map((p) => [p.problem, p.detail]));
  const problems = Object.fromEntries(
    HEALTH_PROBLEMS.map((kind) => [kind, active.has(kind) ? 'ON' : 'OFF']),
  ) as Record<HealthProblem, 'ON' | 'OFF'>;
  return {
    connectivity: record.connected === null ? 'None' : record.connected ? 'ON' : 'OFF',
    problems,
    details: Object.fromEntries(active),
    battery: record.battery?.percent ?? null,
    battery_v: record.battery?.volts ?? null,
    battery_basis: record.battery?.basis ?? null,
    presses: record.presses,
    last_ring: record.lastRing === null ? null : new Date(record.lastRing.tMs).toISOString(),
  };
}

/** Publishes each doorbell's health state (QoS 1, retained) when it changed. */
export class HealthPublisher {
  private readonly last = new Map<string, string>();

  constructor(
    private readonly client: () => MqttClient,
    private readonly baseTopic: string,
  ) {}

  async publish(records: readonly HealthRecord[]): Promise<void> {
    const sends: Promise<unknown>[] = [];
    for (const record of records) {
      const topic = healthTopic(this.baseTopic, { id: record.device, input: record.input });
      const payload = JSON.stringify(healthState(record));
      if (this.last.get(topic) === payload) continue;
      this.last.set(topic, payload);
      sends.push(
        this.client()
          .publishAsync(topic, payload, { qos: 1, retain: true })
          .catch((error: unknown) => {
            this.last.delete(topic);
            throw error;
          }),
      );
    }
    await Promise.all(sends);
  }

  /** After a reconnect the broker may have lost retained states: send everything again next time. */
  forget(): void {
    this.last.clear();
  }
}
