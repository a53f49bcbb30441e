import { redactUrl } from '../config/redact.ts';
import type { Config } from '../config/schema.ts';
import { DoorbellAgentError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import {
  type EmbeddedBroker,
  embeddedBrokerProblem,
  startEmbeddedBroker,
} from '../outputs/embedded-broker.ts';
import type { DiscoveryComponent } from '../outputs/ha-discovery.ts';
import { type AnnouncedDiscovery, MqttPublisher } from '../outputs/mqtt-publisher.ts';
import type { Component } from './component.ts';

/**
 * MQTT out: the broker connection (the user's broker, or the embedded one when `mqtt.url` is null), with the
 * agent's birth and last will and Home Assistant discovery. `start` resolves once connected (retrying with backoff
 * meanwhile) and gives up when its signal aborts (a stop requested during a broker outage).
 */
export class BrokerLink implements Component {
  readonly name = 'mqtt';
  private broker: EmbeddedBroker | undefined;
  private mqtt: MqttPublisher | undefined;

  constructor(
    private readonly config: Config,
    private readonly log: Logger,
    private readonly version: string,
    private readonly extraComponents: (
      device: Config['devices'][number],
    ) => Record<string, DiscoveryComponent>,
    /** The discovery topics announced by earlier runs (in the agent's store). */
    private readonly announced?: AnnouncedDiscovery,
  ) {}

  get publisher(): MqttPublisher {
    if (!this.mqtt) throw new Error('the MQTT link is not started');
    return this.mqtt;
  }

  get url(): string {
    return this.broker?.url ?? (this.config.mqtt.url as string);
  }

  async start(signal?: AbortSignal): Promise<void> {
    const { config } = this;
    let mqttOptions = config.mqtt;
    if (config.mqtt.url === null) {
      const problem = embeddedBrokerProblem(config.embedded_broker);
      if (problem) throw new DoorbellAgentError(problem);
      this.broker = await startEmbeddedBroker(config.embedded_broker);
      // The agent's own client: the embedded broker's credentials; its certificate is our own (loopback).
      mqttOptions = {
        ...config.mqtt,
        username: config.embedded_broker.username,
        password: config.embedded_broker.password,
        tls: { ...config.mqtt.tls, reject_unauthorized: config.embedded_broker.tls.cert === null },
      };
      this.log.info('embedded MQTT broker listening', {
        host: config.embedded_broker.host,
        port: this.broker.port,
      });
    }
    const publisher = new MqttPublisher({
      url: this.url,
      mqtt: mqttOptions,
      homeassistant: config.homeassistant,
      devices: config.devices,
      version: this.version,
      onError: (error, context) => this.log.error('MQTT', { context, error: String(error) }),
      logger: this.log,
      extraComponents: this.extraComponents,
      ...(this.announced && { announced: this.announced }),
    });
    this.mqtt = publisher;
    try {
      await publisher.start(signal);
    } catch (error) {
      await this.broker?.close();
      throw error;
    }
    // A ring is one small packet: send it now rather than wait for Nagle to batch it with the next one.
    const noDelay = () =>
      (publisher.client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
    noDelay();
    publisher.client.on('connect', noDelay);
    this.log.info('MQTT connected', { url: redactUrl(this.url) });
  }

  async stop(): Promise<void> {
    try {
      await this.mqtt?.stop();
    } finally {
      await this.broker?.close();
    }
  }
}
