import { redactUrl } from '../config/redact.ts';
import type { Config } from '../config/schema.ts';
import { Detector, type DetectorOutput } from '../detect/detector.ts';
import { fetchCitD } from '../io/cit-d-fetch.ts';
import { startUdpListener, type UdpListener } from '../io/udp-listener.ts';
import { type EmbeddedBroker, startEmbeddedBroker } from '../outputs/embedded-broker.ts';
import { MqttPublisher } from '../outputs/mqtt-publisher.ts';
import type { RingEvent } from '../trace/events.ts';
import { channelsFrom, tuningFrom } from './channels.ts';
import type { Logger } from './logger.ts';
import { Pipeline } from './pipeline.ts';
import { shellySubscriptions } from './shelly-topics.ts';
import { SqliteStore } from './store.ts';

export interface AgentOptions {
  config: Config;
  log: Logger;
  version: string;
  /** Wall clock in ms; injectable for tests. */
  now?: () => number;
  /** Called after a ring was acknowledged by the broker. */
  onRing?: (ring: RingEvent) => void;
  /** Skip the `/cit/d` fetch for new devices (tests on loopback with no HTTP server). */
  fetchDescriptions?: boolean;
  /** Sees every CoIoT datagram and Shelly MQTT message as it arrives, before decoding (trace recording). */
  onInput?: (input: AgentInput) => void;
}

/** One input as the agent received it (`shared/contracts/trace-format.md` `coiot`/`mqtt` lines); `t` in ms. */
export type AgentInput =
  | { kind: 'coiot'; t: number; src: string; bytes: Buffer }
  | { kind: 'mqtt'; t: number; topic: string; payload: Buffer; retain: boolean };

export interface RunningAgent {
  pipeline: Pipeline;
  publisher: MqttPublisher;
  coiotPort: number | null;
  brokerUrl: string;
  stop(): Promise<void>;
}

/** Wires the world to the pipeline: CoIoT socket and Shelly MQTT in, rings and discovery out, one timer. */
export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  const { config, log } = options;
  const now = options.now ?? Date.now;
  const store = new SqliteStore(config.store.path);
  const detector = new Detector(channelsFrom(config), store, tuningFrom(config));
  let broker: EmbeddedBroker | undefined;
  let udp: UdpListener | undefined;
  let wakeTimer: NodeJS.Timeout | undefined;
  const stoppers: Array<() => Promise<void>> = [];

  const devicesById = new Map(config.devices.map((d) => [`${d.id}#${d.input}`, d]));
  let publisher: MqttPublisher;
  const deliver = (output: DetectorOutput) => {
    for (const note of output.notes) log.info(note.kind.replace('_', ' '), { ...note });
    for (const ring of output.rings) {
      log.info('ring', { ...ring });
      publisher
        .publishRing(ring, devicesById.get(`${ring.device}#${ring.input}`))
        .then(() => options.onRing?.(ring))
        .catch((error: unknown) =>
          log.error('ring not published', { press_id: ring.press_id, error: String(error) }),
        );
    }
    scheduleWake();
  };
  const scheduleWake = () => {
    if (wakeTimer) clearTimeout(wakeTimer);
    wakeTimer = undefined;
    const due = detector.nextWakeMs();
    if (due === null) return;
    wakeTimer = setTimeout(() => deliver(pipeline.tick(now())), Math.max(0, due - now()));
  };

  const pipeline = new Pipeline(detector, log, {
    onNewCoiotDevice: (deviceId, deviceType, host) => {
      if (options.fetchDescriptions === false || !detector.knows(deviceId)) return;
      fetchCitD(host)
        .then((map) => {
          pipeline.setSensorMap(deviceId, map);
          log.info('CoIoT description loaded', { device: deviceId, host });
        })
        .catch((error: unknown) =>
          log.info('CoIoT description unavailable; using the built-in table', {
            device: deviceId,
            type: deviceType,
            reason: String(error),
          }),
        );
    },
  });

  try {
    let brokerUrl = config.mqtt.url;
    if (brokerUrl === null) {
      broker = await startEmbeddedBroker(config.embedded_broker);
      brokerUrl = broker.url;
      log.info('embedded MQTT broker listening', { host: config.embedded_broker.host, port: broker.port });
      stoppers.push(() => (broker as EmbeddedBroker).close());
    }
    publisher = new MqttPublisher({
      url: brokerUrl,
      mqtt: config.mqtt,
      homeassistant: config.homeassistant,
      devices: config.devices,
      version: options.version,
      onError: (error, context) => log.error('MQTT', { context, error: String(error) }),
    });
    await publisher.start();
    // A ring is one small packet: send it now rather than wait for Nagle to batch it with the next one.
    const noDelay = () =>
      (publisher.client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
    noDelay();
    publisher.client.on('connect', noDelay);
    stoppers.unshift(() => publisher.stop());
    log.info('MQTT connected', { url: redactUrl(brokerUrl) });

    if (config.shelly_mqtt.enabled) {
      await publisher.subscribe(shellySubscriptions(config), (topic, payload, retained) => {
        options.onInput?.({ kind: 'mqtt', t: now(), topic, payload, retain: retained });
        deliver(pipeline.mqttMessage(topic, payload, retained, now()));
      });
      // Gen1 devices answer with their current state: a baseline for edges, never a ring.
      await publisher.client.publishAsync(`${config.shelly_mqtt.gen1_prefix}/command`, 'announce', {
        qos: 0,
      });
    }
    if (config.coiot.enabled) {
      udp = await startUdpListener({
        host: config.coiot.listen,
        port: config.coiot.port,
        group: config.coiot.multicast ? config.coiot.multicast_group : null,
        interfaceAddress: config.coiot.interface,
        log,
        onDatagram: (bytes, source) => {
          options.onInput?.({ kind: 'coiot', t: now(), src: source, bytes });
          deliver(pipeline.coiotDatagram(bytes, source, now()));
        },
      });
      stoppers.unshift(() => (udp as UdpListener).close());
    }
    scheduleWake();
  } catch (error) {
    for (const stop of stoppers) await stop().catch(() => {});
    store.close();
    throw error;
  }

  return {
    pipeline,
    publisher,
    coiotPort: udp?.port ?? null,
    brokerUrl: broker?.url ?? (config.mqtt.url as string),
    stop: async () => {
      if (wakeTimer) clearTimeout(wakeTimer);
      for (const stop of stoppers)
        await stop().catch((error: unknown) => log.warn('stop', { error: String(error) }));
      store.close();
      log.info('stopped', { ...pipeline.stats, bad_input: pipeline.badInput.total });
    },
  };
}
