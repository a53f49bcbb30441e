import type { MqttClient } from 'mqtt';
import type { Gen1Uni } from './gen1-uni.ts';
import { direct, type Through } from './link.ts';
import { connectDevice, cutPower, type MqttSend } from './mqtt-send.ts';

/** What a device's MQTT stream needs from its connection: somewhere to send, and to hear it is connected. */
export interface MqttStream {
  connected(): void;
  stop(): void;
  command?(payload: string): void;
}

export interface DeviceMqttNode {
  readonly client: MqttClient;
  /** Resolves once connected (and the stream announced itself). */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * A device's real MQTT connection, Gen1 or Plus alike: its last will `<willTopic>` = `false`, publishes (through
 * the fault injection) only while connected, QoS 0 dropped while not, the connection cut without DISCONNECT when the
 * device loses power (the broker then publishes the will) and opened again when it boots.
 */
export function deviceMqtt<S extends MqttStream>(options: {
  device: Gen1Uni;
  url: string;
  will: { topic: string; retain: boolean };
  /** Subscribed on every connect; messages go to the stream's `command`. */
  commandTopics?: string[];
  through?: Through<MqttSend>;
  onSend?: (send: MqttSend) => void;
  stream: (out: (send: MqttSend) => void) => S;
}): DeviceMqttNode {
  const { device } = options;
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
  const stream = options.stream(out);

  const open = () => {
    client = connectDevice(options.url, {
      clientId: device.id,
      clean: true,
      keepalive: 60,
      will: { topic: options.will.topic, payload: Buffer.from('false'), retain: options.will.retain, qos: 0 },
    });
    client.on('error', () => {});
    client.on('connect', () => {
      if (options.commandTopics) client.subscribe(options.commandTopics, { qos: 0 }, () => {});
      stream.connected();
      resolveReady();
    });
    if (options.commandTopics)
      client.on('message', (_topic, payload) => stream.command?.(payload.toString()));
  };

  const unsubscribe = device.on((change) => {
    if (change.kind === 'down') void cutPower(client);
    else if (change.kind === 'boot' && !closed) open();
  });

  open();
  return {
    get client() {
      return client;
    },
    ready,
    close: async () => {
      closed = true;
      stream.stop();
      unsubscribe();
      // A clean stop still looks like a Shelly going away: the broker publishes the will.
      await cutPower(client);
    },
  };
}
