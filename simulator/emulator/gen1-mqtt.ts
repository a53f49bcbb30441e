import type { MqttClient } from 'mqtt';
import type { Gen1Uni } from './gen1-uni.ts';
import { direct, type Through } from './link.ts';
import { connectDevice, cutPower, type MqttSend } from './mqtt-send.ts';
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

/**
 * Gen1 MQTT of an emulated SHUNI-1 (reference §4.1–4.2): last will `shellies/<id>/online` = `false`; on connect
 * `online` = `true`, `shellies/announce` and `shellies/<id>/announce`, then the state; `input/<i>` on every level
 * change; `longpush/<i>` and `input_event/<i>` `{"event","event_cnt"}` on every event; the state (no input
 * events, FW ≥ 1.10) every `mqtt_update_period`; `announce`/`update` commands answered.
 */
export function startGen1Mqtt(options: Gen1MqttOptions): Gen1MqttNode {
  const { device } = options;
  const base = `shellies/${device.id}`;
  // `/settings` shows host:port, never credentials.
  device.mqttServer = new URL(options.url).host;
  let client: MqttClient;
  let cancelPeriodic: (() => void) | undefined;
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
  const pub = (topic: string, payload: string) => out({ topic, payload, retain: false, qos: 0 });

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

  const open = () => {
    client = connectDevice(options.url, {
      clientId: device.id,
      clean: true,
      keepalive: 60,
      will: { topic: `${base}/online`, payload: Buffer.from('false'), retain: false, qos: 0 },
    });
    client.on('error', () => {});
    client.on('connect', () => {
      client.subscribe(['shellies/command', `${base}/command`], { qos: 0 }, () => {});
      pub(`${base}/online`, 'true');
      announce();
      state();
      schedulePeriodic();
      resolveReady();
    });
    client.on('message', (_topic, payload) => {
      const command = payload.toString().trim();
      if (command === 'announce') {
        announce();
        pub(`${base}/info`, JSON.stringify(statusBody(device.snapshot())));
      } else if (command === 'update') state();
    });
  };

  const unsubscribe = device.on((change) => {
    if (change.kind === 'down') {
      cancelPeriodic?.();
      void cutPower(client);
      return;
    }
    if (change.kind === 'boot') {
      if (!closed) open();
      return;
    }
    const { input, state: now, previous } = change;
    if (now.level !== previous.level) pub(`${base}/input/${input}`, String(now.level));
    if (now.count !== previous.count && now.event !== '') {
      pub(`${base}/longpush/${input}`, now.event === 'L' ? '1' : '0');
      pub(`${base}/input_event/${input}`, JSON.stringify({ event: now.event, event_cnt: now.count }));
    }
  });

  open();
  return {
    get client() {
      return client;
    },
    ready,
    close: async () => {
      closed = true;
      cancelPeriodic?.();
      unsubscribe();
      // A clean stop still looks like a Shelly going away: the broker publishes the will.
      await cutPower(client);
    },
  };
}
