import type { Config } from '../config/schema.ts';
import { channelKey } from '../core/channel-key.ts';
import type { RingEvent } from '../core/events.ts';
import type { Logger } from '../core/logger.ts';
import type { MqttPublisher } from '../outputs/mqtt-publisher.ts';
import { flushCorked } from '../outputs/mqtt-stream.ts';
import type { AddressPins } from '../security/address-pins.ts';
import { AnnouncedTopics } from '../store/announced-topics.ts';
import { SqliteStore } from '../store/channel-store.ts';
import type { Outbox, OutboxEvent } from '../store/outbox.ts';
import { PinTable } from '../store/pin-table.ts';
import { BrokerLink } from './broker-link.ts';
import { loadCoiotDescription } from './cit-d-loader.ts';
import { CoiotForwarder } from './coiot-forwarder.ts';
import { Components } from './component.ts';
import { buildDecisionGraph, type DecisionGraph, type DecisionGraphOptions } from './decision-graph.ts';
import { type AgentInput, decisionLoop } from './decision-loop.ts';
import { Delivery } from './delivery.ts';
import { LiveHealth } from './health-live.ts';
import { pinVerifier } from './pin-verifier.ts';
import type { Pipeline } from './pipeline.ts';
import { pinsFrom } from './security-setup.ts';

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
  /**
   * A stop requested while starting (SIGTERM during a broker outage): the start gives up, stops what it started,
   * keeps the outbox, logs `stopped` and rejects with `signal.reason`.
   */
  signal?: AbortSignal;
}

export type { AgentInput } from './decision-loop.ts';

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

/**
 * The composition root: the decision graph (shared with `replay`), the delivery guarantee, and the components
 * that connect them to the world, started in order (CoIoT first, so presses heard during a broker outage wait in
 * the outbox) and stopped in reverse. A component that fails to start stops the others and names itself.
 */
export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  const { config, log } = options;
  const now = options.now ?? Date.now;
  const store = new SqliteStore(config.store.path);
  throttleWriteErrors(store, log, now);
  const pins = persistedPins(config, store);

  const health = new LiveHealth({
    config,
    log,
    version: options.version,
    now,
    database: store.database,
    onProblem: (problem) => delivery.queueProblem(problem),
  });
  const link = new BrokerLink(
    config,
    log,
    options.version,
    (device) => health.components(device),
    new AnnouncedTopics(store.database),
  );
  const delivery = new Delivery(store, log, {
    maxEntries: config.outbox.max_entries,
    afterStep: () => health.flush(),
    send: publishThrough(link, config, health, options.onRing),
    flush: () => flushCorked(link.publisher.client.stream),
  });
  let stopped = false;
  const forwarder = new CoiotForwarder(config.coiot.forward, log, now);
  const graph: DecisionGraph = buildDecisionGraph({
    config,
    log,
    channels: store,
    health: health.runtime,
    pins,
    startMs: now(),
    hooks: {
      ...liveHooks(
        options,
        pins,
        delivery,
        () => graph.pipeline,
        () => stopped,
      ),
      onCoiotAccepted: (bytes, device, _nowMs, address, source) => {
        forwarder.forward(bytes);
        coiot.accepted(device, address, source);
      },
    },
  });
  const { waker, coiot, shellyMqtt } = decisionLoop({
    ...{ config, log, link, graph, delivery, now },
    onInput: options.onInput,
  });
  const components = new Components(log);
  const { teardown, stopNow } = stopper(
    { log, components, store, delivery, graph },
    () => {
      stopped = true;
      waker.stop();
    },
    () => ({ device_sockets: coiot.laneCount }),
  );
  let stopping: Promise<void> | undefined;
  const { signal } = options;
  try {
    await components.start([forwarder, coiot, health], signal);
    waker.schedule();
    await components.start([link], signal);
    health.attach(link.publisher);
    delivery.open();
    await components.start([shellyMqtt], signal);
  } catch (error) {
    if (signal?.aborted) await stopNow({ during: 'start' });
    else await teardown();
    throw error;
  }

  return {
    pipeline: graph.pipeline,
    publisher: link.publisher,
    coiotPort: coiot.port,
    brokerUrl: link.url,
    outbox: delivery.outbox,
    store,
    pins,
    health,
    metricsPort: health.port,
    // Once: a second call waits for the first.
    stop: () => {
      stopping ??= stopNow();
      return stopping;
    },
  };
}

/** Sends an outbox event over the broker link; a ring also counts in the metrics once acknowledged. */
function publishThrough(
  link: BrokerLink,
  config: Config,
  health: LiveHealth,
  onRing: AgentOptions['onRing'],
): (event: OutboxEvent) => Promise<void> {
  const devices = new Map(config.devices.map((d) => [channelKey(d.id, d.input), d]));
  return async (event) => {
    if (event.type !== 'ring') return link.publisher.publishProblem(event);
    await link.publisher.publishRing(event, devices.get(channelKey(event.device, event.input)));
    onRing?.(event);
    health.ringPublished(event);
  };
}

/**
 * How the agent stops: no new steps (`quiesce`), the outbox closed, the components in reverse, the store last.
 * `stopNow` also logs `stopped`, counting the outbox before the store closes: what waits there goes out after the
 * next start.
 */
function stopper(
  parts: {
    log: Logger;
    components: Components;
    store: SqliteStore;
    delivery: Delivery;
    graph: DecisionGraph;
  },
  quiesce: () => void,
  /** Figures of the components for the `stopped` line (each keeps its figure once stopped). */
  componentStats: () => Record<string, unknown>,
) {
  const { log, components, store, delivery, graph } = parts;
  const teardown = async () => {
    quiesce();
    delivery.close();
    await components.stop();
    store.close();
  };
  const stopNow = async (fields: Record<string, unknown> = {}) => {
    const outbox = delivery.outbox.size;
    await teardown();
    const { stats, badInput } = graph.pipeline;
    log.info('stopped', { ...stats, bad_input: badInput.total, outbox, ...componentStats(), ...fields });
  };
  return { teardown, stopNow };
}

/** What the live agent does with the decision graph's problems, new addresses and newly heard devices. */
function liveHooks(
  options: AgentOptions,
  pins: AddressPins | undefined,
  delivery: Delivery,
  pipeline: () => Pipeline,
  isStopped: () => boolean,
): DecisionGraphOptions['hooks'] {
  const { config, log } = options;
  /** `devices[].address` written `host:port`: that device's HTTP API (`/cit/d`, `/shelly`) is not on 80. */
  const httpPorts = new Map(
    config.devices.flatMap((d) => (d.http_port ? [[d.id, d.http_port] as const] : [])),
  );
  return {
    onProblem: (problem) => {
      log.warn('problem', { ...problem });
      delivery.queueProblem(problem); // synchronous, inside the step's transaction
    },
    ...(pins && {
      onAddressToVerify: pinVerifier({
        pins,
        enabled: config.security.verify_http,
        ...(options.verifyPort ? { port: options.verifyPort } : {}),
        portOf: (id) => httpPorts.get(id),
        log,
        isStopped,
        raise: (problem) => {
          log.warn('problem', { ...problem });
          delivery.raise(problem);
        },
        now: options.now ?? Date.now,
      }),
    }),
    ...(options.fetchDescriptions !== false && {
      onNewCoiotDevice: loadCoiotDescription(pipeline, log, (id) => httpPorts.get(id) ?? 80, isStopped),
    }),
  };
}

/** Address pins (when `security.pin_addresses`), saved in the agent's store so they outlive a restart. */
function persistedPins(config: Config, store: SqliteStore): AddressPins | undefined {
  const table = new PinTable(store.database);
  const pins = pinsFrom(config, (device, pin) => table.save(device, pin));
  pins?.load(table.load());
  return pins;
}

/** A full disk fails every write: say so once a minute, not once a datagram. */
function throttleWriteErrors(store: SqliteStore, log: Logger, now: () => number): void {
  let lastLogMs = Number.NEGATIVE_INFINITY;
  store.onWriteError = (error) => {
    if (now() - lastLogMs < 60_000) return;
    lastLogMs = now();
    log.error('store: cannot save channel state (disk full?); going on from memory', {
      error: String(error),
      write_errors: store.writeErrors,
    });
  };
}
