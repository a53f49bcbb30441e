import type { RingEvent } from '../../agent/core/events.ts';
import type { ChimeSettings } from '../../agent/detect/chime.ts';
import { Detector, MemoryChannelStore } from '../../agent/detect/detector.ts';
import { seededRandom } from '../../simulator/network/random.ts';
import { type Delivery, emitTraffic, type Press } from './uni-evidence.ts';

/** Scripted faults over the evidence a Uni sends, and a run of the detector over them with restarts. */
export const DEVICE = 'shellyuni-AABBCC112233';
export const REORDER_MS = 300;

export interface Scenario {
  chime: ChimeSettings;
  gen: 'gen1' | 'gen2';
  paths: Array<'coiot' | 'mqtt'>;
  presses: Press[];
  reboots: number[];
  restarts: number[];
  lossRate: number;
  dupRate: number;
  seed: number;
  initialCounter: number;
  endMs: number;
}

export function deliver(scenario: Scenario): Delivery[] {
  const random = seededRandom(scenario.seed);
  const emitted = emitTraffic(scenario.presses, {
    device: DEVICE,
    input: 0,
    gen: scenario.gen,
    paths: scenario.paths,
    coiotPeriodMs: 15_000,
    mqttPeriodMs: 30_000,
    rebootsAtMs: scenario.reboots,
    endMs: scenario.endMs,
    initialCounter: scenario.initialCounter,
  }).filter(
    (d) => !scenario.reboots.some((boot) => d.cause === 'periodic' && d.atMs > boot - 2_000 && d.atMs < boot),
  );
  const out: Delivery[] = [];
  // Each path is FIFO (MQTT is one TCP stream; the CoIoT decoder drops packets older than the newest serial),
  // but the two paths overtake each other by up to REORDER_MS.
  const lastArrival = { coiot: 0, mqtt: 0 };
  for (const d of emitted) {
    const losable = d.cause !== 'periodic' && d.cause !== 'boot';
    if (losable && random() < scenario.lossRate) continue;
    const copies = random() < scenario.dupRate ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const via = d.evidence.via;
      const atMs = Math.max(lastArrival[via], d.atMs + Math.round(random() * REORDER_MS));
      lastArrival[via] = atMs;
      out.push({ atMs, evidence: d.evidence });
    }
  }
  return out.sort((a, b) => a.atMs - b.atMs);
}

export function run(scenario: Scenario, deliveries: Delivery[]): RingEvent[] {
  const store = new MemoryChannelStore();
  const channels = [{ device: DEVICE, input: 0, chime: scenario.chime }];
  let detector = new Detector(channels, store);
  const rings: RingEvent[] = [];
  const restarts = [...scenario.restarts].sort((a, b) => a - b);
  const advanceTo = (nowMs: number) => {
    for (let wake = detector.nextWakeMs(); wake !== null && wake <= nowMs; wake = detector.nextWakeMs()) {
      rings.push(...detector.tick(wake).rings);
    }
  };
  for (const d of deliveries) {
    while (restarts.length > 0 && (restarts[0] as number) <= d.atMs) {
      advanceTo(restarts.shift() as number);
      detector = new Detector(channels, store);
    }
    advanceTo(d.atMs);
    rings.push(...detector.ingest(d.evidence, d.atMs).rings);
  }
  advanceTo(scenario.endMs + 60_000);
  return rings;
}
