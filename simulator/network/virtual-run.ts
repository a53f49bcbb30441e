import { stringify } from 'yaml';
import { configSchema } from '../../agent/config/schema.ts';
import { type CoiotSend, coiotStream } from '../emulator/coiot-node.ts';
import { gen1MqttStream } from '../emulator/gen1-mqtt.ts';
import { Gen1Uni } from '../emulator/gen1-uni.ts';
import { gen2MqttStream } from '../emulator/gen2-mqtt.ts';
import type { MqttSend } from '../emulator/mqtt-send.ts';
import { VirtualScheduler } from '../emulator/scheduler.ts';
import { uniId } from '../emulator/uni.ts';
import { type ChimeSpec, doorbellClosures, idealInput, type Press } from '../emulator/visitor.ts';
import type { LevelChange } from '../uni/input-model.ts';
import type { FirmwareKnobs } from '../uni/knobs.ts';
import { type Burst, buildHistory, burstEdges, type DeviceHistory } from './device-history.ts';
import { type FaultPlan, faultyLink, NO_FAULTS } from './faults.ts';
import { type DeviceExpectations, expectRings, type ProductSettings } from './press-oracle.ts';
import { productSettings } from './product-settings.ts';
import { deriveSeed } from './random.ts';
import { TraceRecorder } from './trace-recorder.ts';
import { type Emission, WireLog, type WirePath } from './wire-log.ts';

export interface VirtualRunOptions {
  gen: 'gen1' | 'plus';
  /** Gen1: which paths reach the agent (Plus: MQTT). */
  paths?: 'coiot' | 'mqtt' | 'both';
  knobs?: Partial<FirmwareKnobs>;
  chime: ChimeSpec;
  /** The visitor's presses, seconds after the warm-up. */
  presses: Press[];
  bursts?: Burst[];
  faults?: { coiot?: FaultPlan; mqtt?: FaultPlan };
  /** A scripted loss: this emission never arrives (checked for every copy). */
  lose?: (emission: Emission, history: DeviceHistory) => boolean;
  /** Device reboots and agent restarts, seconds after the warm-up. */
  script?: Array<{ atS: number; action: 'device-reboot' | 'agent-restart' }>;
  seed: number;
  mac?: string;
  eventLifetimeS?: number;
  mqttPeriodS?: number;
  bootS?: number;
  warmupS?: number;
  tailS?: number;
  /** Extra configuration (merged over the generated one). */
  config?: Record<string, unknown>;
}

export interface VirtualRun {
  trace: string;
  configYaml: string;
  id: string;
  history: DeviceHistory;
  log: WireLog;
  settings: ProductSettings;
  expected: DeviceExpectations;
  /** Clock time (ms) of the trace's t = 0. */
  originMs: number;
}

const LATENCY_MS = { coiot: 1, mqtt: 3 } as const;
/** 2025-11-24T16:00:00Z. */
export const VIRTUAL_EPOCH_MS = 1_764_000_000_000;

/**
 * One emulated Uni on a virtual clock, its traffic through seeded network faults into a trace (what the agent
 * would receive), with the oracle's expectations from what physically happened. No sockets, no waiting, the
 * same bytes the live emulator sends; for the trace corpus and fast checks.
 */
export function runVirtual(options: VirtualRunOptions): VirtualRun {
  // A wall-clock epoch, so a Plus's `ts` looks like a real one (Unix seconds).
  const scheduler = new VirtualScheduler(VIRTUAL_EPOCH_MS);
  const base = scheduler.now();
  const mac = options.mac ?? '98CDAC0F0001';
  const id = uniId(options.gen, mac);
  const paths = options.gen === 'plus' ? 'mqtt' : (options.paths ?? 'both');
  const warmupMs = (options.warmupS ?? 2) * 1000;
  const lifetimeS = options.eventLifetimeS ?? 5;
  const device = new Gen1Uni({
    mac,
    id,
    scheduler,
    ...(options.knobs && { knobs: options.knobs }),
    eventLifetimeS: lifetimeS,
    mqttPeriodS: options.mqttPeriodS ?? 30,
    bootS: options.bootS ?? 2.5,
  });
  const recorder = new TraceRecorder(() => scheduler.now());
  const log = new WireLog();
  const src = '192.168.1.50:5683';
  const retained = new Map<string, string>();

  // The visitor, the doorbell and the wiring (ideal), fed to the Uni up front.
  const { closures, of } = doorbellClosures(options.presses, options.chime);
  const abs = (changes: readonly LevelChange[], fromS: number) =>
    changes.map((c) => ({ t: Math.round((fromS + c.t) * 1e6) / 1e6, level: c.level }));
  const startS = (base + warmupMs) / 1000;
  const closureEdges = closures.map(([from, to]) => abs(idealInput([[0, to - from]]), startS + from));
  const burstList = (options.bursts ?? []).map((b) => abs(burstEdges(b), startS + b.atS));
  const timeline = [...closureEdges, ...burstList].flat().sort((a, b) => a.t - b.t);
  device.feed(0, timeline);
  const history = buildHistory({
    chime: options.chime,
    gen: options.gen,
    presses: options.presses,
    of,
    closureEdges: closureEdges.map((c) => c.map((e) => ({ t: e.t * 1000, level: e.level }))),
    burstEdges: burstList.map((c) => c.map((e) => ({ t: e.t * 1000, level: e.level }))),
    steps: device.steps,
  });

  const deliver = (path: WirePath, item: CoiotSend | MqttSend, emission: Emission) => {
    if (options.lose?.(emission, history)) return;
    log.sent(emission, scheduler.now());
    scheduler.after(LATENCY_MS[path], () => {
      const t = scheduler.now();
      if (path === 'coiot') {
        recorder.record({ kind: 'coiot', t, src, bytes: (item as CoiotSend).bytes });
        log.arrived('coiot', emission.key, t);
      } else {
        const m = item as MqttSend;
        if (m.retain) retained.set(m.topic, m.payload);
        recorder.record({ kind: 'mqtt', t, topic: m.topic, payload: Buffer.from(m.payload), retain: false });
        log.arrived('mqtt', emission.key, t);
      }
    });
  };
  const through = <T extends CoiotSend | MqttSend>(path: WirePath) => {
    const emissionOf = new WeakMap<object, Emission>();
    const faulty = faultyLink<T>(
      options.faults?.[path] ?? NO_FAULTS,
      deriveSeed(options.seed, path),
      scheduler,
      // MQTT is one TCP connection to the broker: its faults never reorder it (`faults.ts`).
      { ordered: path === 'mqtt' },
    )((item) => deliver(path, item, emissionOf.get(item) as Emission));
    return (item: T) => {
      emissionOf.set(item, log.emitted(0, path, item, device.nowMs(), device.boot));
      // The warm-up gives the agent its baselines: no faults yet.
      if (scheduler.now() < base + warmupMs) deliver(path, item, emissionOf.get(item) as Emission);
      else faulty(item);
    };
  };

  // The broker publishes the device's last will when its connection dies.
  const lwt = () =>
    scheduler.after(LATENCY_MS.mqtt, () =>
      recorder.record({
        kind: 'mqtt',
        t: scheduler.now(),
        topic: options.gen === 'gen1' ? `shellies/${id}/online` : `${id}/online`,
        payload: Buffer.from('false'),
        retain: false,
      }),
    );
  const coiot =
    paths === 'mqtt'
      ? undefined
      : coiotStream({
          device,
          to: '192.168.1.2:5683',
          unicast: true,
          firstMessageId: deriveSeed(options.seed, 'mid') & 0xffff,
          send: through<CoiotSend>('coiot'),
        });
  const gen1 =
    paths !== 'coiot' && options.gen === 'gen1'
      ? gen1MqttStream(device, through<MqttSend>('mqtt'))
      : undefined;
  const mqtt =
    gen1 ??
    (paths !== 'coiot' && options.gen === 'plus'
      ? gen2MqttStream(device, through<MqttSend>('mqtt'), { seed: deriveSeed(options.seed, 'device') })
      : undefined);
  mqtt?.connected();
  device.on((change) => {
    if (change.kind === 'down' && mqtt) lwt();
    if (change.kind === 'boot') mqtt?.connected();
  });

  for (const step of options.script ?? []) {
    scheduler.after(warmupMs + step.atS * 1000, () => {
      if (step.action === 'device-reboot') device.reboot();
      else {
        recorder.agentRestart();
        log.agentRestart(scheduler.now());
        // A new subscription gets the broker's retained messages (never evidence), and the agent asks the
        // Gen1 devices to announce themselves.
        for (const [topic, payload] of retained)
          recorder.record({
            kind: 'mqtt',
            t: scheduler.now(),
            topic,
            payload: Buffer.from(payload),
            retain: true,
          });
        gen1?.command('announce');
      }
    });
  }

  const lastS = Math.max(
    0,
    ...timeline.map((c) => c.t - startS),
    ...(options.script ?? []).map((s) => s.atS + (s.action === 'device-reboot' ? (options.bootS ?? 2.5) : 0)),
  );
  const endMs = base + warmupMs + (lastS + (options.tailS ?? lifetimeS + 3)) * 1000;
  scheduler.advanceTo(endMs);
  coiot?.stop();
  mqtt?.stop();
  device.stop();

  const configInput = {
    ...options.config,
    devices: [
      {
        id,
        input: 0,
        chime:
          options.chime.mode === 'mechanical'
            ? { mode: 'mechanical' }
            : { mode: 'electronic', duration_s: options.chime.durationS },
      },
    ],
  };
  const config = configSchema.parse(configInput);
  const settings = productSettings(config);
  const originMs = recorder.originMs ?? 0;
  const expected = expectRings(history, log.arrivalsOf(0), log.emissions, settings, log.restartTimes);
  return {
    trace: recorder.text(),
    configYaml: stringify(configInput),
    id,
    history,
    log,
    settings,
    expected,
    originMs,
  };
}
