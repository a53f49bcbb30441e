import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { stringify } from 'yaml';
import { type Config, configSchema } from '../../agent/config/schema.ts';
import { type Logger, silentLogger } from '../../agent/core/logger.ts';
import type { RingPayload } from '../../agent/outputs/ha-discovery.ts';
import { type RunningAgent, startAgent } from '../../agent/runtime/agent.ts';
import type { PipelineStats } from '../../agent/runtime/pipeline.ts';
import type { CoiotSend } from '../emulator/coiot-node.ts';
import type { Through } from '../emulator/link.ts';
import type { MqttSend } from '../emulator/mqtt-send.ts';
import { realScheduler } from '../emulator/scheduler.ts';
import { type EmulatedUni, startEmulatedUni, type UniGen, type WireSend } from '../emulator/uni.ts';
import {
  type ChimeSpec,
  type ClosureModel,
  doorbellClosures,
  idealClosure,
  inputFor,
  type Press,
} from '../emulator/visitor.ts';
import type { LevelChange } from '../uni/input-model.ts';
import { type FaultPlan, faultyLink, NO_FAULTS } from './faults.ts';
import { freeUdpPort } from './free-port.ts';
import { type Observation, observe, type PressWindow, pressesReached } from './press-oracle.ts';
import { deriveSeed } from './random.ts';
import { runScript, type ScriptStep } from './script.ts';
import { TraceRecorder } from './trace-recorder.ts';

export type Paths = 'coiot' | 'mqtt' | 'both';

export interface DoorbellRunOptions {
  gen: UniGen;
  /** Gen1 only: which paths the Unis use (Plus: MQTT). */
  paths?: Paths;
  devices: number;
  /** Per device: the visitor's presses, seconds from the start of the presses. */
  presses: Press[][];
  chime: ChimeSpec;
  /** Press → logical input: the SPICE circuit, or ideal wiring (default). */
  closureModel?: ClosureModel;
  faults?: { coiot?: FaultPlan; mqtt?: FaultPlan };
  script?: ScriptStep[];
  seed: number;
  /** External broker; default: the agent's embedded broker on a free loopback port. */
  brokerUrl?: string;
  /**
   * A broker this run may stop and start, for `broker-outage` script steps (its URL replaces `brokerUrl`). It
   * should keep sessions across restarts (persistence), since the subscriber reading the rings back is one.
   */
  broker?: { url: string; stop(): Promise<void>; start(): Promise<void> };
  /** Device timers; defaults are the real ones (15 s, 5 s, 30 s). Scaled down in tests. */
  coiotPeriodS?: number;
  eventLifetimeS?: number;
  mqttPeriodS?: number;
  bootS?: number;
  /** Quiet time before the first press (baselines, not subject to faults), and after the last. */
  warmupS?: number;
  tailS?: number;
  onRing?: (ring: SeenRing) => void;
  onSend?: (device: number, send: WireSend) => void;
  log?: Logger;
  /** A unique topic namespace on a shared broker. */
  baseTopic?: string;
}

export interface SeenRing {
  payload: RingPayload;
  /** Broker to subscriber, ms on the wall clock. */
  receivedMs: number;
  device: number;
  /** Index of the closure (press) it belongs to on that device, -1 if none. */
  closure: number;
  /** From the logical rising edge of its closure to the subscriber, ms. */
  latencyMs: number | null;
}

export interface ClosureOutcome {
  device: number;
  index: number;
  riseMs: number;
  reached: boolean;
  rings: number;
}

export interface DoorbellRunResult {
  rings: SeenRing[];
  closures: ClosureOutcome[];
  /** Presses that were swallowed by an electronic chime's hold (not expected to ring). */
  swallowed: number;
  /** The agent's pipeline counters (duplicates, stale, …), summed over restarts. */
  stats: Record<string, number>;
  trace: TraceRecorder;
  /** The agent configuration, as YAML, for `doorbell-agent replay`. */
  configYaml: string;
  /** Problems with the run's outcome (empty = every rule held). */
  violations: string[];
  wallMs: number;
}

const MAC_BASE = 0x98cdac000000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function macOf(seed: number, index: number): string {
  return (MAC_BASE + ((seed & 0xfff) << 12) + index).toString(16).toUpperCase().padStart(12, '0').slice(-12);
}

/**
 * One whole chain on this machine: K emulated Unis on loopback, network faults between them and the agent, the
 * live agent (`startAgent`), a broker, and an MQTT subscriber reading the rings back. Checks each ring against
 * the presses: every press whose evidence reached the agent rings exactly once, nothing else rings.
 */
export async function runDoorbell(options: DoorbellRunOptions): Promise<DoorbellRunResult> {
  const started = Date.now();
  const scheduler = realScheduler;
  const log = options.log ?? silentLogger;
  const paths: Paths = options.gen === 'plus' ? 'mqtt' : (options.paths ?? 'both');
  const dir = mkdtempSync(join(tmpdir(), 'doorbell-run-'));
  const base = options.baseTopic ?? 'doorbell';
  const warmupMs = (options.warmupS ?? 1) * 1000;
  const lifetimeS = options.eventLifetimeS ?? 5;
  const trace = new TraceRecorder();
  const coiotPort = await freeUdpPort();
  const ids = Array.from({ length: options.devices }, (_, i) =>
    options.gen === 'gen1'
      ? `shellyuni-${macOf(options.seed, i)}`
      : `shellyplusuni-${macOf(options.seed, i).toLowerCase()}`,
  );
  const configInput = {
    mqtt: {
      url: options.broker?.url ?? options.brokerUrl ?? null,
      base_topic: base,
      client_id: `${base}-agent`,
    },
    embedded_broker: { host: '127.0.0.1', port: 0 },
    homeassistant: { enabled: false },
    coiot: { enabled: paths !== 'mqtt', listen: '127.0.0.1', port: coiotPort, multicast: false },
    shelly_mqtt: { enabled: paths !== 'coiot' },
    store: { path: join(dir, 'state.sqlite') },
    devices: ids.map((id) => ({
      id,
      chime:
        options.chime.mode === 'mechanical'
          ? { mode: 'mechanical' as const }
          : { mode: 'electronic' as const, duration_s: options.chime.durationS },
    })),
  };
  const config: Config = configSchema.parse(configInput);
  let agent: RunningAgent | undefined;
  const unis: EmulatedUni[] = [];
  let subscriber: MqttClient | undefined;
  const rings: SeenRing[] = [];
  const boots = ids.map(() => 0);
  const observations: Observation[][] = ids.map(() => []);
  const emitted: Observation[][] = ids.map(() => []);
  const statsTotal: Record<string, number> = {};
  const addStats = (s: PipelineStats) => {
    for (const [key, value] of Object.entries(s))
      if (typeof value === 'number') statsTotal[key] = (statsTotal[key] ?? 0) + value;
  };
  let armed = false;
  const windows: PressWindow[][] = [];
  /** Records what the device emitted (before faults), then applies the faults once the warm-up is over. */
  const through = <T>(
    plan: FaultPlan | undefined,
    seed: number,
    noteEmitted: (item: T) => void,
  ): Through<T> => {
    const faulty = faultyLink<T>(plan ?? NO_FAULTS, seed, scheduler);
    return (send) => {
      const withFaults = faulty(send);
      return (item) => {
        noteEmitted(item);
        if (armed) withFaults(item);
        else send(item);
      };
    };
  };
  const emit = (i: number, send: WireSend) => {
    const o = observe(send, scheduler.now(), boots[i] as number);
    if (o) emitted[i]?.push(o);
  };
  const launchAgent = async () => {
    agent = await startAgent({
      config,
      log,
      version: 'demo',
      fetchDescriptions: false,
      onInput: trace.record,
    });
  };

  try {
    await launchAgent();
    const brokerUrl = (agent as RunningAgent).brokerUrl;
    // A persistent session: rings published while this reader reconnects after a broker outage still reach it.
    subscriber = await connectAsync(brokerUrl, {
      clientId: `${base}-reader`,
      clean: false,
      reconnectPeriod: 200,
    });
    subscriber.on('message', (_topic, payload) => {
      const ring = JSON.parse(payload.toString()) as RingPayload;
      const seen: SeenRing = {
        payload: ring,
        receivedMs: Date.now(),
        device: ids.indexOf(ring.device),
        closure: -1,
        latencyMs: null,
      };
      placeRing(seen, windows[seen.device] ?? []);
      rings.push(seen);
      options.onRing?.(seen);
    });
    await subscriber.subscribeAsync(`${base}/+/ring`, { qos: 1 });

    for (let i = 0; i < ids.length; i++) {
      const uni = await startEmulatedUni({
        gen: options.gen,
        mac: macOf(options.seed, i),
        scheduler,
        coiotPeriodS: options.coiotPeriodS ?? 15,
        eventLifetimeS: lifetimeS,
        mqttPeriodS: options.mqttPeriodS ?? 30,
        bootS: options.bootS ?? 3,
        coiot:
          paths === 'mqtt'
            ? null
            : {
                peer: { host: '127.0.0.1', port: coiotPort },
                bindAddress: '127.0.0.1',
                through: through<CoiotSend>(
                  options.faults?.coiot,
                  deriveSeed(options.seed, 'coiot', i),
                  (s) => emit(i, { via: 'coiot', ...s }),
                ),
                firstMessageId: deriveSeed(options.seed, 'mid', i) & 0xffff,
              },
        mqtt:
          paths === 'coiot'
            ? null
            : {
                url: brokerUrl,
                through: through<MqttSend>(options.faults?.mqtt, deriveSeed(options.seed, 'mqtt', i), (s) =>
                  emit(i, { via: 'mqtt', ...s }),
                ),
              },
        onSend: (send) => {
          options.onSend?.(i, send);
          const o = observe(send, scheduler.now(), boots[i] as number);
          if (o) observations[i]?.push(o);
        },
      });
      unis.push(uni);
    }
    await sleep(warmupMs);
    armed = true;

    // The visitor: closures per device through the chime, then the wiring/circuit (computed before the clock
    // starts, so a slow circuit model does not bunch the presses), fed to each Uni.
    const model = options.closureModel ?? idealClosure;
    let swallowed = 0;
    const timelines: LevelChange[][] = [];
    for (let i = 0; i < unis.length; i++) {
      const { closures, of } = doorbellClosures(options.presses[i] ?? [], options.chime);
      swallowed += of.filter((k) => k < 0).length;
      timelines.push(await inputFor(closures, model));
    }
    const t0 = scheduler.now() + 100;
    let endS = 0;
    timelines.forEach((changes, i) => {
      const rises = changes.filter((c) => c.level === 1).map((c) => t0 + c.t * 1000);
      windows.push(
        rises.map((fromMs, k) => ({
          fromMs,
          untilMs: rises[k + 1] ?? Number.POSITIVE_INFINITY,
          count: null,
          boot: 0,
        })),
      );
      endS = Math.max(endS, ...changes.map((c) => c.t));
      const lead = (scheduler.now() - t0) / 1000;
      (unis[i] as EmulatedUni).input(changes.map((c) => ({ t: c.t - lead, level: c.level })));
    });
    const script = options.script
      ? runScript(
          options.script,
          {
            rebootDevice: (index) => {
              boots[index] = (boots[index] ?? 0) + 1;
              unis[index]?.reboot();
            },
            restartAgent: async () => {
              const running = agent as RunningAgent;
              addStats(running.pipeline.stats);
              await running.stop();
              trace.agentRestart();
              await launchAgent();
            },
            stopBroker: async () => {
              if (!options.broker)
                throw new Error('a broker outage needs `broker` (a broker this run can stop)');
              await options.broker.stop();
            },
            startBroker: async () => {
              await options.broker?.start();
            },
          },
          scheduler,
        )
      : undefined;
    const tailS = options.tailS ?? lifetimeS + 2;
    await sleep(Math.max(0, t0 + (endS + tailS) * 1000 - scheduler.now()));
    await script?.done;

    // Which closure each ring belongs to, and what the firmware counted for each (from what it sent, before the
    // faults: a lost report still counted).
    for (let i = 0; i < unis.length; i++)
      assignCounts(windows[i] as PressWindow[], emitted[i] as Observation[]);
    const closures: ClosureOutcome[] = [];
    const violations: string[] = [];
    const reachedBy = unis.map((_u, i) =>
      pressesReached(windows[i] as PressWindow[], observations[i] as Observation[]),
    );
    // Rings heard at an edge belong to the press whose rise they follow. A recovered ring is decided later, from
    // a counter step, possibly after the next press began: it belongs to the earliest press before it that the
    // agent could know of and that has no ring yet.
    const byTime = [...rings].sort((a, b) => a.payload.t - b.payload.t);
    for (const ring of byTime.filter((r) => !r.payload.recovered))
      placeRing(ring, windows[ring.device] ?? []);
    for (const ring of byTime.filter((r) => r.payload.recovered)) {
      placeRing(ring, windows[ring.device] ?? []);
      const reached = reachedBy[ring.device] ?? [];
      const taken = (k: number) =>
        rings.some((r) => r !== ring && r.device === ring.device && r.closure === k);
      const earliest = (windows[ring.device] ?? []).findIndex(
        (_w, k) => k <= ring.closure && reached[k] === true && !taken(k),
      );
      if (earliest >= 0) placeRing(ring, windows[ring.device] ?? [], earliest);
    }
    for (const ring of rings) {
      if (ring.closure < 0) violations.push(`ring without a press: ${JSON.stringify(ring.payload)}`);
    }
    for (let i = 0; i < unis.length; i++) {
      const reached = reachedBy[i] as boolean[];
      (windows[i] as PressWindow[]).forEach((w, index) => {
        const mine = rings.filter((r) => r.device === i && r.closure === index);
        closures.push({
          device: i,
          index,
          riseMs: w.fromMs,
          reached: reached[index] as boolean,
          rings: mine.length,
        });
        const expected = reached[index] ? 1 : 0;
        if (mine.length !== expected)
          violations.push(
            `${ids[i]} press ${index} (t=${((w.fromMs - t0) / 1000).toFixed(3)}s): ${mine.length} rings, expected ${expected}${reached[index] ? '' : ' (no evidence reached the agent)'}`,
          );
        for (const r of mine) {
          // Heard live (an edge arrived) vs recovered (only a counter or push arrived afterwards).
          if (r.payload.recovered !== (r.payload.via === 'counter'))
            violations.push(
              `ring ${r.payload.press_id}: recovered=${r.payload.recovered} but via=${r.payload.via}`,
            );
        }
      });
    }
    addStats((agent as RunningAgent).pipeline.stats);
    return {
      rings,
      closures,
      swallowed,
      stats: statsTotal,
      trace,
      configYaml: stringify({ ...configInput, mqtt: { ...configInput.mqtt, url: null } }),
      violations,
      wallMs: Date.now() - started,
    };
  } finally {
    for (const uni of unis) await uni.stop().catch(() => {});
    await subscriber?.endAsync().catch(() => {});
    await agent?.stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The `event_cnt` each press produced, read from the device's own reports (first count above the last). */
function assignCounts(windows: PressWindow[], observations: readonly Observation[]): void {
  for (const w of windows) {
    const inside = observations.filter(
      (o) => o.count !== undefined && o.atMs >= w.fromMs && o.atMs < w.untilMs,
    );
    const before = observations.filter((o) => o.count !== undefined && o.atMs < w.fromMs).at(-1);
    const max = inside.reduce((m, o) => Math.max(m, o.count as number), -1);
    w.boot = inside[0]?.boot ?? before?.boot ?? 0;
    w.count = max > (before?.count ?? 0) || (before === undefined && max > 0) ? max : null;
  }
}

/** The closure a ring belongs to: the last one that started before the agent decided (a 50 ms clock slack). */
function placeRing(ring: SeenRing, windows: readonly PressWindow[], closure?: number): void {
  const tMs = ring.payload.t * 1000;
  let k = closure ?? -1;
  if (closure === undefined) {
    windows.forEach((w, index) => {
      if (w.fromMs <= tMs + 50) k = index;
    });
  }
  ring.closure = k;
  ring.latencyMs = k >= 0 ? ring.receivedMs - (windows[k] as PressWindow).fromMs : null;
}
