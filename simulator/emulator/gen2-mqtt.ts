import type { MqttClient } from 'mqtt';
import { seededRandom } from '../network/random.ts';
import { REDELIVERY_DELAY_MS } from '../uni/knobs.ts';
import { deviceMqtt } from './device-mqtt.ts';
import type { Gen1Uni } from './gen1-uni.ts';
import type { Through } from './link.ts';
import type { MqttSend } from './mqtt-send.ts';

export type Gen2InputMode = 'button' | 'switch';

export interface Gen2MqttOptions {
  /** The input firmware (same S/L timing as Gen1); its id is the Plus Uni id and MQTT topic prefix. */
  device: Gen1Uni;
  url: string;
  /** Overrides the `gen2Mode` knob. */
  inputMode?: Gen2InputMode;
  /** Seed of the QoS 1 re-delivery draws (`gen2Redelivery` knob). */
  seed?: number;
  through?: Through<MqttSend>;
  onSend?: (send: MqttSend) => void;
}

export interface Gen2MqttNode {
  readonly client: MqttClient;
  ready: Promise<void>;
  close(): Promise<void>;
}

export interface Gen2MqttStream {
  connected(): void;
  stop(): void;
}

const REDELIVERED_SHARE = { none: 0, some: 1 / 3, all: 1 } as const;

/**
 * What a Shelly Plus Uni (SNSN-0043X) publishes over MQTT (reference §4.3), without a connection: `online` =
 * `true` at connect, and RPC notifications on `<prefix>/events/rpc` at QoS 1. `button` mode (a doorbell):
 * NotifyEvent btn_down/btn_up at the edges, single_push at the release of a short press, long_push at
 * `longpush_time`; `switch` mode: NotifyStatus `{"input:N":{"id":N,"state":…}}` on every change. Double/triple
 * pushes are not emulated. With the `gen2Redelivery` knob, a notification is published again (same `ts`) a
 * little later, as a QoS 1 sender does when its PUBACK was lost.
 */
export function gen2MqttStream(
  device: Gen1Uni,
  publish: (send: MqttSend) => void,
  options: { inputMode?: Gen2InputMode; seed?: number } = {},
): Gen2MqttStream {
  const prefix = device.id;
  const mode = options.inputMode ?? device.knobs.gen2Mode;
  const share = REDELIVERED_SHARE[device.knobs.gen2Redelivery];
  const random = seededRandom(options.seed ?? 1);
  const cancels = new Set<() => void>();
  const ts = () => Math.round(device.scheduler.now() / 10) / 100;
  const notify = (method: string, params: Record<string, unknown>) => {
    const send: MqttSend = {
      topic: `${prefix}/events/rpc`,
      payload: JSON.stringify({
        src: device.id,
        dst: `${prefix}/events`,
        method,
        params: { ts: ts(), ...params },
      }),
      retain: false,
      qos: 1,
    };
    publish(send);
    const [again, when] = [random(), random()];
    if (again < share) {
      const [from, to] = REDELIVERY_DELAY_MS;
      const cancel = device.scheduler.after(from + when * (to - from), () => {
        cancels.delete(cancel);
        if (device.up) publish({ ...send, redelivery: true });
      });
      cancels.add(cancel);
    }
  };
  const event = (input: number, name: string) =>
    notify('NotifyEvent', { events: [{ component: `input:${input}`, id: input, event: name, ts: ts() }] });

  const unsubscribe = device.on((change) => {
    if (change.kind !== 'input') return;
    const { input, state, previous } = change;
    if (mode === 'switch') {
      if (state.level !== previous.level)
        notify('NotifyStatus', { [`input:${input}`]: { id: input, state: state.level === 1 } });
      return;
    }
    if (state.level !== previous.level) event(input, state.level === 1 ? 'btn_down' : 'btn_up');
    if (state.count !== previous.count && state.event !== '')
      event(input, state.event === 'L' ? 'long_push' : 'single_push');
  });
  return {
    connected: () => publish({ topic: `${prefix}/online`, payload: 'true', retain: false, qos: 0 }),
    stop: () => {
      unsubscribe();
      for (const cancel of cancels) cancel();
      cancels.clear();
    },
  };
}

/** `gen2MqttStream` on a real MQTT connection, with the last will `<prefix>/online` = `false`. */
export function startGen2Mqtt(options: Gen2MqttOptions): Gen2MqttNode {
  const { device } = options;
  return deviceMqtt({
    ...options,
    will: { topic: `${device.id}/online`, retain: false },
    stream: (out) =>
      gen2MqttStream(device, out, {
        ...(options.inputMode !== undefined && { inputMode: options.inputMode }),
        ...(options.seed !== undefined && { seed: options.seed }),
      }),
  });
}
