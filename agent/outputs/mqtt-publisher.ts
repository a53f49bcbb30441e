import type { MqttClient } from 'mqtt';
import type { Config, DeviceConfig } from '../config/schema.ts';
import { abortable, eachLimited, settlesWithin } from '../core/async.ts';
import type { ProblemEvent, RingEvent } from '../core/events.ts';
import { type Logger, silentLogger } from '../core/logger.ts';
import {
  buildAgentDiscovery,
  buildDeviceDiscovery,
  type DiscoveryComponent,
  type DiscoveryMessage,
  type DiscoveryOptions,
  deviceDiscoveryTopic,
  deviceObjectId,
  discoveryTopic,
  ringPayload,
} from './ha-discovery.ts';
import { clientOptions, connectWhenReachable } from './mqtt-connect.ts';
import type { Backoff } from './reconnect.ts';
import { topicMatches } from './topic-filter.ts';
import { agentStatusTopic, eventTopic, OFFLINE, ONLINE, problemTopic, ringTopic } from './topics.ts';

/** Receives the messages of a subscription on the shared connection. */
export type MessageHandler = (topic: string, payload: Buffer, retained: boolean) => void;

export interface MqttPublisherOptions {
  /** Broker to connect to: `mqtt.url`, or the embedded broker's URL when that is null. */
  url: string;
  mqtt: Config['mqtt'];
  homeassistant: Config['homeassistant'];
  devices: readonly DeviceConfig[];
  version: string;
  originUrl?: string;
  /**
   * Wait before re-announcing after Home Assistant's birth message, which HA recommends randomising so that
   * many integrations do not answer at once. Default: 0–2 s.
   */
  announceDelayMs?: () => number;
  /** Failures that have nobody to return to: background publishes, handler exceptions. */
  onError?: (error: unknown, context: string) => void;
  /** Where broker outages are logged: once when they begin, a reminder a minute, once when they end. */
  logger?: Logger;
  /** Waits between reconnect attempts; default `mqtt.reconnect_min_s` doubling to `mqtt.reconnect_max_s`. */
  backoff?: Backoff;
  /** Source of the backoff jitter (tests). */
  random?: () => number;
  /** More entities in each doorbell's discovery device (health: problem, connectivity, battery, presses). */
  extraComponents?: (device: DeviceConfig) => Record<string, DiscoveryComponent>;
  /**
   * Where the discovery topics the agent announced are remembered across restarts; those no longer configured
   * (a doorbell removed, discovery turned off, another prefix or base topic) are cleared on the next announce.
   */
  announced?: AnnouncedDiscovery;
}

/** The discovery topics announced so far (the agent's SQLite store: `store/announced-topics.ts`). */
export interface AnnouncedDiscovery {
  announced(): string[];
  record(topic: string): void;
  forget(topic: string): void;
}

interface Route {
  filters: string[];
  handler: MessageHandler;
}

/**
 * The agent's one MQTT connection: availability (birth `online`, LWT `offline`, both retained on
 * `<base>/agent/status`), Home Assistant discovery, rings, and subscriptions for the Shelly MQTT source.
 *
 * Discovery configs are retained so that Home Assistant finds the doorbells whenever it subscribes, even while
 * the agent is down or reconnecting and misses HA's birth message; they are also re-sent on each HA birth
 * (`homeassistant/status` = `online`) and on every (re)connect, for brokers that lost their retained messages.
 */
export class MqttPublisher {
  private mqttClient: MqttClient | undefined;
  private readonly routes: Route[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly statusTopic: string;
  private readonly discovery: DiscoveryOptions;

  constructor(private readonly opts: MqttPublisherOptions) {
    this.statusTopic = agentStatusTopic(opts.mqtt.base_topic);
    this.discovery = {
      discoveryPrefix: opts.homeassistant.discovery_prefix,
      baseTopic: opts.mqtt.base_topic,
      version: opts.version,
      ...(opts.originUrl === undefined ? {} : { originUrl: opts.originUrl }),
    };
  }

  /** The underlying MQTT.js client; prefer `subscribe()` so messages are routed with their retain flag. */
  get client(): MqttClient {
    if (!this.mqttClient) throw new Error('MqttPublisher is not started');
    return this.mqttClient;
  }

  /**
   * Resolves once the broker accepted the connection (retrying with backoff until then) and the birth and discovery
   * are out. Rejects at once on a refusal that retrying cannot fix (credentials, TLS), and with `signal.reason`
   * when `signal` aborts first (a stop requested while the broker is unreachable): nothing is left running.
   */
  async start(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const client = await this.connectWhenReachable(signal);
    this.mqttClient = client;
    client.on('message', (topic, payload, packet) => this.route(topic, payload, packet.retain));
    const birth = async () => {
      if (this.opts.homeassistant.enabled) {
        await this.subscribe(this.opts.homeassistant.status_topic, (_topic, payload, retained) => {
          // A retained birth is replayed on every subscribe; the connect itself has just announced.
          if (!retained && payload.toString().trim() === ONLINE) this.scheduleAnnounce();
        });
      }
      await this.onConnected(client);
    };
    try {
      await abortable(birth(), signal);
    } catch (error) {
      this.mqttClient = undefined;
      await client.endAsync(true);
      throw error;
    }
    client.on('connect', () => {
      this.onConnected(client).catch((error) => this.report(error, 'birth and discovery after reconnect'));
    });
  }

  /**
   * Subscribes on the shared connection (QoS 1); `handler` gets only the messages matching `filters`.
   * Returns a function that removes the handler and unsubscribes.
   */
  async subscribe(filters: string | string[], handler: MessageHandler): Promise<() => Promise<void>> {
    const list = Array.isArray(filters) ? filters : [filters];
    const route: Route = { filters: list, handler };
    const client = this.client;
    this.routes.push(route);
    const remove = () => {
      const index = this.routes.indexOf(route);
      if (index >= 0) this.routes.splice(index, 1);
    };
    try {
      await client.subscribeAsync(list, { qos: 1 });
    } catch (error) {
      remove();
      throw error;
    }
    return async () => {
      remove();
      const stillUsed = new Set(this.routes.flatMap((r) => r.filters));
      const unused = list.filter((f) => !stillUsed.has(f));
      if (unused.length > 0 && this.mqttClient === client && client.connected)
        await client.unsubscribeAsync(unused);
    };
  }

  /**
   * Publishes one ring, QoS 1 and not retained (a retained ring would ring again on every subscribe), to the HA
   * event topic and the plain `<base>/<device>/ring` topic. Resolves once the broker acknowledged both.
   */
  async publishRing(ring: RingEvent, device?: DeviceConfig): Promise<void> {
    const target = device ?? { id: ring.device, input: ring.input };
    const payload = JSON.stringify(ringPayload(ring));
    const topics = [ringTopic(this.opts.mqtt.base_topic, target)];
    if (this.opts.homeassistant.enabled) topics.push(eventTopic(this.opts.mqtt.base_topic, target));
    await Promise.all(
      topics.map((topic) => this.client.publishAsync(topic, payload, { qos: 1, retain: false })),
    );
  }

  /** Publishes one problem event (QoS 1, not retained) to `<base>/<device>/problem`; resolves on PUBACK. */
  async publishProblem(problem: ProblemEvent): Promise<void> {
    const topic = problemTopic(this.opts.mqtt.base_topic, problem.device);
    await this.client.publishAsync(topic, JSON.stringify(problem), { qos: 1, retain: false });
  }

  /** Publishes (retained) the discovery config of the agent and of every configured doorbell. */
  async announce(): Promise<void> {
    await this.announceOn(this.client);
  }

  /**
   * Publishes the discovery configs (retained), then clears the retained configs announced before that are no
   * longer wanted. A topic is remembered before its config goes out, so a crash in between cannot leave a config
   * on the broker that the agent does not know it published. At most ANNOUNCE_WINDOW publishes await their PUBACK
   * at once, each payload built in its turn: 1,000 configs built and queued at once held some 10 MB at start.
   */
  private async announceOn(client: MqttClient): Promise<void> {
    const devices = this.opts.homeassistant.enabled ? this.opts.devices : [];
    const agent = this.opts.homeassistant.enabled ? [buildAgentDiscovery(this.discovery)] : [];
    const topics = [
      ...agent.map((m) => m.topic),
      ...devices.map((d) => deviceDiscoveryTopic(d, this.discovery)),
    ];
    const ledger = this.opts.announced;
    const wanted = new Set(topics);
    const stale = ledger?.announced().filter((topic) => !wanted.has(topic)) ?? [];
    for (const topic of topics) ledger?.record(topic);
    const publish = ({ topic, payload }: DiscoveryMessage) =>
      client.publishAsync(topic, JSON.stringify(payload), { qos: 1, retain: true });
    const sends = [
      ...agent.map((message) => () => publish(message)),
      ...devices.map(
        (device) => () =>
          publish(buildDeviceDiscovery(device, this.discovery, this.opts.extraComponents?.(device))),
      ),
      ...stale.map((topic) => () => this.clear(client, topic)),
    ];
    await eachLimited(sends, ANNOUNCE_WINDOW, (send) => send());
  }

  /** Removes a doorbell from Home Assistant (an empty retained config deletes the device). */
  async forget(device: Pick<DeviceConfig, 'id' | 'input'>): Promise<void> {
    await this.clear(this.client, discoveryTopic(this.discovery.discoveryPrefix, deviceObjectId(device)));
  }

  private async clear(client: MqttClient, topic: string): Promise<void> {
    await client.publishAsync(topic, '', { qos: 1, retain: true });
    this.opts.announced?.forget(topic);
  }

  /**
   * Publishes `offline` (retained) and disconnects cleanly, so the broker does not also send the LWT. A broker that
   * stops answering gets STOP_GRACE_MS, then the connection is dropped (its last will then says `offline`).
   */
  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const client = this.mqttClient;
    if (!client) return;
    this.mqttClient = undefined;
    if (client.connected) {
      const graceful = (async () => {
        await client.publishAsync(this.statusTopic, OFFLINE, { qos: 1, retain: true });
        await client.endAsync();
      })();
      graceful.catch(() => {});
      if (await settlesWithin(graceful, STOP_GRACE_MS)) return;
    }
    // end() is already waiting for unacknowledged publishes: only closing the socket ends it.
    if (client.disconnecting) client.stream?.destroy();
    else await client.endAsync(true);
  }

  private async onConnected(client: MqttClient): Promise<void> {
    await client.publishAsync(this.statusTopic, ONLINE, { qos: 1, retain: true });
    await this.announceOn(client);
  }

  private scheduleAnnounce(): void {
    const delay = (this.opts.announceDelayMs ?? (() => Math.random() * 2000))();
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const client = this.mqttClient;
      if (client) this.announceOn(client).catch((error) => this.report(error, 'discovery after HA birth'));
    }, delay);
    this.timers.add(timer);
  }

  private route(topic: string, payload: Buffer, retained: boolean): void {
    for (const { filters, handler } of this.routes) {
      if (!filters.some((filter) => topicMatches(filter, topic))) continue;
      try {
        handler(topic, payload, retained);
      } catch (error) {
        this.report(error, `handler for ${topic}`);
      }
    }
  }

  private report(error: unknown, context: string): void {
    this.opts.onError?.(error, context);
  }

  private get backoff(): Backoff {
    const { mqtt } = this.opts;
    return this.opts.backoff ?? { minMs: mqtt.reconnect_min_s * 1000, maxMs: mqtt.reconnect_max_s * 1000 };
  }

  private connectWhenReachable(signal: AbortSignal | undefined): Promise<MqttClient> {
    return connectWhenReachable(
      {
        url: this.opts.url,
        options: clientOptions(this.opts.mqtt, this.statusTopic),
        backoff: this.backoff,
        random: this.opts.random ?? Math.random,
        logger: this.opts.logger ?? silentLogger,
        onError: (error) => this.report(error, 'mqtt connection'),
      },
      signal,
    );
  }
}

/** Discovery publishes in flight at once (`announceOn`). */
const ANNOUNCE_WINDOW = 32;

/** How long `stop` waits for the broker to acknowledge `offline` and the disconnect. */
const STOP_GRACE_MS = 3_000;
