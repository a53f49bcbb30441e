import type { MqttClient } from 'mqtt';
import type { Gen1Uni } from './gen1-uni.ts';
import { direct, type Through } from './link.ts';
import { connectDevice, cutPower, type MqttSend } from './mqtt-send.ts';

export type Gen2InputMode = 'button' | 'switch';

export interface Gen2MqttOptions {
  /** The input firmware (same S/L timing as Gen1); its id is the Plus Uni id and MQTT topic prefix. */
  device: Gen1Uni;
  url: string;
  /** `button` (a doorbell): NotifyEvent btn_down/btn_up/single_push/long_push; `switch`: NotifyStatus states. */
  inputMode?: Gen2InputMode;
  through?: Through<MqttSend>;
  onSend?: (send: MqttSend) => void;
}

export interface Gen2MqttNode {
  readonly client: MqttClient;
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * Shelly Plus Uni (SNSN-0043X) over MQTT (reference §4.3): last will `<prefix>/online` = `false`, `online` =
 * `true` at connect, and RPC notifications on `<prefix>/events/rpc` at QoS 1. Double/triple pushes are not
 * emulated: a short press is `single_push` at release, a long one `long_push` at `longpush_time`.
 */
export function startGen2Mqtt(options: Gen2MqttOptions): Gen2MqttNode {
  const { device } = options;
  const prefix = device.id;
  const mode = options.inputMode ?? 'button';
  let client: MqttClient;
  let closed = false;
  let resolveReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    resolveReady = resolve;
  });
  const out = (options.through ?? direct)((send: MqttSend) => {
    if (closed || !client.connected) return;
    options.onSend?.(send);
    client.publish(send.topic, send.payload, { qos: send.qos, retain: send.retain }, () => {});
  });
  const ts = () => Math.round(device.scheduler.now() / 10) / 100;
  const notify = (method: string, params: Record<string, unknown>) =>
    out({
      topic: `${prefix}/events/rpc`,
      payload: JSON.stringify({
        src: device.id,
        dst: `${prefix}/events`,
        method,
        params: { ts: ts(), ...params },
      }),
      retain: false,
      qos: 1,
    });
  const event = (input: number, name: string) =>
    notify('NotifyEvent', { events: [{ component: `input:${input}`, id: input, event: name, ts: ts() }] });

  const open = () => {
    client = connectDevice(options.url, {
      clientId: device.id,
      clean: true,
      keepalive: 60,
      will: { topic: `${prefix}/online`, payload: Buffer.from('false'), retain: false, qos: 0 },
    });
    client.on('error', () => {});
    client.on('connect', () => {
      out({ topic: `${prefix}/online`, payload: 'true', retain: false, qos: 0 });
      resolveReady();
    });
  };

  const unsubscribe = device.on((change) => {
    if (change.kind === 'down') {
      void cutPower(client);
      return;
    }
    if (change.kind === 'boot') {
      if (!closed) open();
      return;
    }
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

  open();
  return {
    get client() {
      return client;
    },
    ready,
    close: async () => {
      closed = true;
      unsubscribe();
      await cutPower(client);
    },
  };
}
