import type { MqttClient } from 'mqtt';
import { deviceMqtt } from './device-mqtt.ts';
import type { Gen1Uni } from './gen1-uni.ts';
import type { Through } from './link.ts';
import type { MqttSend } from './mqtt-send.ts';
import { SHUNI_FW, statusBody } from './uni-http-bodies.ts';

export interface Gen1MqttOptions {
  device: Gen1Uni;
  url: string;
  /** Publishes go through this (fault injection); the connection itself is real. */
  through?: Through<MqttSend>;
  onSend?: (send: MqttSend) => void;
}

export interface Gen1MqttNode {
  readonly client: MqttClient;
  /** Resolves once connected and announced. */
  ready: Promise<void>;
  close(): Promise<void>;
}

/** What a SHUNI-1 publishes over MQTT, without a connection: the caller says when it is connected. */
export interface Gen1MqttStream {
  /** The connection is up (first time or again after a boot): `online`, announce, the state, then periodic. */
  connected(): void;
  /** A message on `shellies/command` or `shellies/<id>/command`. */
  command(payload: string): void;
  stop(): void;
}

/**
 * Gen1 MQTT of an emulated SHUNI-1 (reference §4.1–4.2): `online` = `true`, `shellies/announce` and
 * `shellies/<id>/announce` on connect, then the state; `input/<i>` on every level change; `longpush/<i>` and
 * `input_event/<i>` `{"event","event_cnt"}` on every event; the state (no input events, FW ≥ 1.10) every
 * `mqtt_update_period`; `announce`/`update` commands answered. Every publish is retained when the `mqttRetain`
 * knob (`mqtt_retain`) is on.
 */
export function gen1MqttStream(device: Gen1Uni, publish: (send: MqttSend) => void): Gen1MqttStream {
  const base = `shellies/${device.id}`;
  let cancelPeriodic: (() => void) | undefined;
  const pub = (topic: string, payload: string) =>
    publish({ topic, payload, retain: device.knobs.mqttRetain, qos: 0 });
  const announceJson = () =>
    JSON.stringify({
      id: device.id,
      model: 'SHUNI-1',
      mac: device.mac,
      ip: device.ip,
      new_fw: false,
      fw_ver: SHUNI_FW,
    });
  const announce = () => {
    pub('shellies/announce', announceJson());
    pub(`${base}/announce`, announceJson());
  };
  const state = () => {
    pub(`${base}/relay/0`, 'off');
    pub(`${base}/relay/1`, 'off');
    for (const i of [0, 1]) pub(`${base}/input/${i}`, String(device.input(i).level));
    pub(`${base}/adc/0`, String(device.adcVolts));
  };
  const schedulePeriodic = () => {
    cancelPeriodic?.();
    if (device.mqttPeriodS <= 0) return;
    cancelPeriodic = device.scheduler.after(device.mqttPeriodS * 1000, () => {
      if (device.up) state();
      schedulePeriodic();
    });
  };
  const unsubscribe = device.on((change) => {
    if (change.kind === 'down') {
      cancelPeriodic?.();
      return;
    }
    if (change.kind !== 'input') return;
    const { input, state: now, previous } = change;
    if (now.level !== previous.level) pub(`${base}/input/${input}`, String(now.level));
    if (now.count !== previous.count && now.event !== '') {
      pub(`${base}/longpush/${input}`, now.event === 'L' ? '1' : '0');
      pub(`${base}/input_event/${input}`, JSON.stringify({ event: now.event, event_cnt: now.count }));
    }
  });
  return {
    connected: () => {
      pub(`${base}/online`, 'true');
      announce();
      state();
      schedulePeriodic();
    },
    command: (payload) => {
      const command = payload.trim();
      if (command === 'announce') {
        announce();
        pub(`${base}/info`, JSON.stringify(statusBody(device.snapshot())));
      } else if (command === 'update') state();
    },
    stop: () => {
      cancelPeriodic?.();
      unsubscribe();
    },
  };
}

/** `gen1MqttStream` on a real MQTT connection, with the device's last will `shellies/<id>/online` = `false`. */
export function startGen1Mqtt(options: Gen1MqttOptions): Gen1MqttNode {
  const { device } = options;
  const base = `shellies/${device.id}`;
  // `/settings` shows host:port, never credentials.
  device.mqttServer = new URL(options.url).host;
  return deviceMqtt({
    ...options,
    will: { topic: `${base}/online`, retain: device.knobs.mqttRetain },
    commandTopics: ['shellies/command', `${base}/command`],
    stream: (out) => gen1MqttStream(device, out),
  });
}
