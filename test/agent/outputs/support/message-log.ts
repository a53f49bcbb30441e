import { connectAsync, type MqttClient } from 'mqtt';

export interface Received {
  topic: string;
  text: string;
  retain: boolean;
  qos: number;
}

/**
 * A real MQTT subscriber that records every message and lets a test wait for one matching a predicate.
 * Waiting has no timer of its own: a message that never comes fails through vitest's test timeout.
 */
export class MessageLog {
  readonly messages: Received[] = [];
  private waiters: { match: (m: Received) => boolean; resolve: (m: Received) => void }[] = [];

  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      const message = { topic, text: payload.toString(), retain: packet.retain, qos: packet.qos };
      this.messages.push(message);
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(message)) return true;
        w.resolve(message);
        return false;
      });
    });
  }

  static async connect(url: string, filters: string[]): Promise<MessageLog> {
    const client = await connectAsync(url, { clean: true, reconnectPeriod: 0 });
    const log = new MessageLog(client);
    await client.subscribeAsync(filters, { qos: 1 });
    return log;
  }

  /** The first message matching, counting from message number `from` (default: every message so far). */
  waitFor(match: (m: Received) => boolean, from = 0): Promise<Received> {
    const found = this.messages.slice(from).find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}
