import type { Socket } from 'node:net';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { brokerOptions } from '../../agent/core/broker-url.ts';

/** One MQTT publish of an emulated device. */
export interface MqttSend {
  topic: string;
  payload: string;
  retain: boolean;
  qos: 0 | 1;
  /** A QoS 1 re-delivery of an earlier publish (same payload), not a new one (Plus `gen2Redelivery` knob). */
  redelivery?: boolean;
}

/** An MQTT connection that behaves like a Shelly's: QoS 0 is dropped (not queued) while disconnected. */
export function connectDevice(url: string, options: IClientOptions): MqttClient {
  return connect({
    ...brokerOptions(url),
    reconnectPeriod: 1000,
    connectTimeout: 5000,
    queueQoSZero: false,
    ...options,
  });
}

/** A power cut: the TCP connection dies without DISCONNECT, so the broker publishes the last will. */
export async function cutPower(client: MqttClient): Promise<void> {
  (client.stream as Socket | undefined)?.destroy();
  await client.endAsync(true).catch(() => {});
}
