import type { Config } from '../config/schema.ts';
import type { BrokerLink } from './broker-link.ts';
import type { Component } from './component.ts';
import { shellySubscriptions } from './shelly-topics.ts';

/** Shelly MQTT in (Gen1 and Gen2 topics), over the agent's own broker connection. */
export class ShellyMqttSource implements Component {
  readonly name = 'shelly-mqtt';

  constructor(
    private readonly config: Config,
    private readonly link: BrokerLink,
    private readonly onMessage: (topic: string, payload: Buffer, retained: boolean) => void,
  ) {}

  async start(): Promise<void> {
    if (!this.config.shelly_mqtt.enabled) return;
    const { publisher } = this.link;
    await publisher.subscribe(shellySubscriptions(this.config), this.onMessage);
    // Gen1 devices answer with their current state: a baseline for edges, never a ring.
    await publisher.client.publishAsync(`${this.config.shelly_mqtt.gen1_prefix}/command`, 'announce', {
      qos: 0,
    });
  }

  /** The subscription ends with the broker connection. */
  async stop(): Promise<void> {}
}
