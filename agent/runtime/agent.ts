import { redactUrl } from '../config/redact.ts';
import type { Config } from '../config/schema.ts';
import { Detector, type DetectorOutput } from '../detect/detector.ts';
import { DoorbellAgentError } from '../errors.ts';
import { LiveHealth } from '../health/live.ts';
import { earliest } from '../health/runtime.ts';
import { fetchCitD } from '../io/cit-d-fetch.ts';
import { startUdpListener, type UdpListener } from '../io/udp-listener.ts';
import {
  type EmbeddedBroker,
  embeddedBrokerProblem,
  startEmbeddedBroker,
} from '../outputs/embedded-broker.ts';
import { MqttPublisher } from '../outputs/mqtt-publisher.ts';
import { isStorageFailure, Outbox } from '../outputs/outbox.ts';
import type { AddressPins } from '../security/address-pins.ts';
import { PinTable } from '../security/pin-table.ts';
import { pinVerifier } from '../security/pin-verifier.ts';
import { pinsFrom, securityFrom } from '../security/setup.ts';
import type { ProblemEvent, RingEvent } from '../trace/events.ts';
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
  /** HTTP port of the devices' `/shelly` for address verification (tests); default 80. */
  verifyPort?: number;
}

/** One input as the agent received it (`docs/trace-format.md` `coiot`/`mqtt` lines); `t` in ms. */
export type AgentInput =
  | { kind: 'coiot'; t: number; src: string; bytes: Buffer }
  | { kind: 'mqtt'; t: number; topic: string; payload: Buffer; retain: boolean };

export interface RunningAgent {
  pipeline: Pipeline;
  publisher: MqttPublisher;
  coiotPort: number | null;
  brokerUrl: string;
  /** Rings and problems waiting for the broker's PUBACK (persisted). */
  outbox: Outbox;
  store: SqliteStore;
  /** CoIoT address pins (undefined when `security.pin_addresses` is off). */
  pins: AddressPins | undefined;
  /** Health monitors, their Home Assistant states and the metrics server. */
  health: LiveHealth;
  /** Port of `/metrics` and `/healthz`, null when `metrics.enabled` is false. */
  metricsPort: number | null;
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
  /** `devices[].address` written `host:port`: that device's HTTP API (`/cit/d`, `/shelly`) is not on 80. */
  const httpPorts = new Map(
    config.devices.flatMap((d) => (d.http_port ? [[d.id, d.http_port] as const] : [])),
  );
  let publisher: MqttPublisher;
  let publisherReady: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    publisherReady = resolve;
  });
  // Every ring and problem goes through the persisted outbox and leaves it only on PUBACK.
  const outbox = new Outbox(store.database, {
    maxEntries: config.outbox.max_entries,
    log,
    send: async (event) => {
      await started;
      if (event.type === 'ring') {
        await publisher.publishRing(event, devicesById.get(`${event.device}#${event.input}`));
        options.onRing?.(event);
        health.ringPublished(event);
      } else {
        await publisher.publishProblem(event);
      }
    },
  });
  let lastStoreErrorLogMs = Number.NEGATIVE_INFINITY;
  store.onWriteError = (error) => {
    if (now() - lastStoreErrorLogMs < 60_000) return;
    lastStoreErrorLogMs = now();
    log.error('store: cannot save channel state (disk full?); going on from memory', {
      error: String(error),
      write_errors: store.writeErrors,
    });
  };
  const pinTable = new PinTable(store.database);
  const pins = pinsFrom(config, (device, pin) => pinTable.save(device, pin));
  pins?.load(pinTable.load());
  /**
   * Runs one pipeline step in one SQLite transaction with the outbox inserts of its rings (and of any problem it
   * raised): the detector state that says a press was rung never commits without the ring queued.
   */
  let stepProblems: ProblemEvent[] = [];
  const health = new LiveHealth({
    config,
    log,
    version: options.version,
    now,
    database: store.database,
    onProblem: (problem) => {
      stepProblems.push(problem);
      outbox.enqueue(problem);
    },
  });
  let stopped = false;
  const deliver = (decide: () => DetectorOutput) => {
    // Input still arriving while stop() closes the sockets: the store may already be closed.
    if (stopped) return;
    const queued = outbox.stats.queued;
    let decided: DetectorOutput | undefined;
    stepProblems = [];
    let output: DetectorOutput;
    try {
      output = store.atomically(() => {
        decided = decide();
        for (const ring of decided.rings) outbox.enqueue(ring);
        health.flush();
        return decided;
      });
    } catch (error) {
      // The commit failed (disk full, I/O error): what the step decided still goes out, from memory.
      if (!decided || !isStorageFailure(error)) throw error;
      output = decided;
      log.error('store: cannot commit; rings kept in memory until published', { error: String(error) });
      outbox.keepInMemory([...output.rings, ...stepProblems]);
    }
    for (const note of output.notes) log.info(note.kind.replace('_', ' '), { ...note });
    for (const ring of output.rings) log.info('ring', { ...ring });
    if (outbox.stats.queued !== queued) outbox.pump();
    scheduleWake();
  };
  const raise = (problem: ProblemEvent) => {
    if (stopped) return;
    log.warn('problem', { ...problem });
    store.atomically(() => outbox.enqueue(problem));
    outbox.pump();
  };
  const verifyAddress = pins
    ? pinVerifier({
        pins,
        enabled: config.security.verify_http,
        ...(options.verifyPort ? { port: options.verifyPort } : {}),
        portOf: (id) => httpPorts.get(id),
        log,
        isStopped: () => stopped,
        raise,
        now,
      })
    : () => {};
  const scheduleWake = () => {
    if (wakeTimer) clearTimeout(wakeTimer);
    wakeTimer = undefined;
    if (stopped) return;
    const due = earliest(detector.nextWakeMs(), health.nextWakeMs());
    if (due === null) return;
    const tick = () => {
      const output = pipeline.tick(now());
      health.tick();
      return output;
    };
    wakeTimer = setTimeout(() => deliver(tick), Math.max(0, due - now()));
  };

  const pipeline = new Pipeline(
    detector,
    log,
    {
      onProblem: (problem) => {
        // Synchronous, inside the step's transaction when raised by a datagram.
        log.warn('problem', { ...problem });
        stepProblems.push(problem);
        outbox.enqueue(problem);
      },
      onAddressToVerify: verifyAddress,
      ...health.hooks(),
      onNewCoiotDevice: (deviceId, deviceType, host) => {
        if (options.fetchDescriptions === false || !detector.knows(deviceId)) return;
        fetchCitD(host, { httpPort: httpPorts.get(deviceId) ?? 80 })
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
    },
    securityFrom(config, pins),
  );

  let metricsPort: number | null = null;
  try {
    // CoIoT first: presses heard while the broker is unreachable wait in the outbox.
    if (config.coiot.enabled) {
      udp = await startUdpListener({
        host: config.coiot.listen,
        port: config.coiot.port,
        group: config.coiot.multicast ? config.coiot.multicast_group : null,
        interfaceAddress: config.coiot.interface,
        log,
        onDatagram: (bytes, source) => {
          options.onInput?.({ kind: 'coiot', t: now(), src: source, bytes });
          deliver(() => pipeline.coiotDatagram(bytes, source, now()));
        },
      });
      stoppers.unshift(() => (udp as UdpListener).close());
    }
    scheduleWake();
    metricsPort = await health.startHttp();
    stoppers.push(() => health.stop());
    let brokerUrl = config.mqtt.url;
    let mqttOptions = config.mqtt;
    if (brokerUrl === null) {
      const problem = embeddedBrokerProblem(config.embedded_broker);
      if (problem) throw new DoorbellAgentError(problem);
      broker = await startEmbeddedBroker(config.embedded_broker);
      // The agent's own client: the embedded broker's credentials; its certificate is our own (loopback).
      mqttOptions = {
        ...config.mqtt,
        username: config.embedded_broker.username,
        password: config.embedded_broker.password,
        tls: { ...config.mqtt.tls, reject_unauthorized: config.embedded_broker.tls.cert === null },
      };
      brokerUrl = broker.url;
      log.info('embedded MQTT broker listening', { host: config.embedded_broker.host, port: broker.port });
      stoppers.push(() => (broker as EmbeddedBroker).close());
    }
    publisher = new MqttPublisher({
      url: brokerUrl,
      mqtt: mqttOptions,
      homeassistant: config.homeassistant,
      devices: config.devices,
      version: options.version,
      onError: (error, context) => log.error('MQTT', { context, error: String(error) }),
      extraComponents: (device) => health.components(device),
    });
    await publisher.start();
    // A ring is one small packet: send it now rather than wait for Nagle to batch it with the next one.
    const noDelay = () =>
      (publisher.client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
    noDelay();
    publisher.client.on('connect', noDelay);
    stoppers.unshift(() => publisher.stop());
    log.info('MQTT connected', { url: redactUrl(brokerUrl) });
    publisherReady();
    health.attach(publisher);
    if (outbox.size > 0) log.info('outbox: sending what was queued', { entries: outbox.size });
    outbox.pump();

    if (config.shelly_mqtt.enabled) {
      await publisher.subscribe(shellySubscriptions(config), (topic, payload, retained) => {
        options.onInput?.({ kind: 'mqtt', t: now(), topic, payload, retain: retained });
        deliver(() => pipeline.mqttMessage(topic, payload, retained, now()));
      });
      // Gen1 devices answer with their current state: a baseline for edges, never a ring.
      await publisher.client.publishAsync(`${config.shelly_mqtt.gen1_prefix}/command`, 'announce', {
        qos: 0,
      });
    }
  } catch (error) {
    if (wakeTimer) clearTimeout(wakeTimer);
    outbox.close();
    for (const stop of stoppers) await stop().catch(() => {});
    store.close();
    throw error;
  }

  return {
    pipeline,
    publisher,
    coiotPort: udp?.port ?? null,
    brokerUrl: broker?.url ?? (config.mqtt.url as string),
    outbox,
    store,
    pins,
    health,
    metricsPort,
    stop: async () => {
      stopped = true;
      if (wakeTimer) clearTimeout(wakeTimer);
      for (const stop of stoppers)
        await stop().catch((error: unknown) => log.warn('stop', { error: String(error) }));
      outbox.close();
      store.close();
      log.info('stopped', { ...pipeline.stats, bad_input: pipeline.badInput.total });
    },
  };
}
