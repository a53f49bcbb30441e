import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../agent/config/schema.ts';
import type { RingEvent } from '../../../agent/core/events.ts';
import { healthChannelsFrom, healthParamsFrom } from '../../../agent/health/config.ts';
import { HealthMonitor } from '../../../agent/health/monitor.ts';
import { type HealthRecord, type HealthTimes, MemoryHealthStore } from '../../../agent/health/record.ts';

const DOORBELLS = 450;
const device = (i: number) => `shellyuni-98CDAC${i.toString(16).toUpperCase().padStart(6, '0')}`;

/** Every write, in order, with the record as the store holds it after that write. */
class RecordingStore extends MemoryHealthStore {
  readonly writes: Array<{ key: string; record: HealthRecord; timesOnly: boolean }> = [];
  override saveHealth(key: string, record: HealthRecord): void {
    super.saveHealth(key, record);
    this.writes.push({ key, record: this.loadHealth(key) as HealthRecord, timesOnly: false });
  }
  override saveTimes(key: string, times: HealthTimes): void {
    super.saveTimes(key, times);
    this.writes.push({ key, record: this.loadHealth(key) as HealthRecord, timesOnly: true });
  }
  take(): Array<{ key: string; record: HealthRecord; timesOnly: boolean }> {
    return this.writes.splice(0);
  }
}

function fleet(coiot = true) {
  const config = configSchema.parse({
    ...(coiot ? {} : { coiot: { enabled: false } }),
    devices: Array.from({ length: DOORBELLS }, (_, i) => ({ id: device(i), chime: { mode: 'mechanical' } })),
  });
  const store = new RecordingStore();
  const monitor = new HealthMonitor(healthChannelsFrom(config), healthParamsFrom(config), store, 0);
  return { store, monitor };
}

/** A SHUNI-1's periodic CoIoT report (validity 38 s, as the Uni announces it). */
const report = (i: number) => ({ device: device(i), via: 'coiot' as const, validityS: 38 });

describe('health records on the store', () => {
  it('writes every doorbell at start, so that status lists them all', () => {
    const { store } = fleet();
    expect(new Set(store.take().map((w) => w.record.device)).size).toBe(DOORBELLS);
  });

  it('writes no report time on a report; the batch writes each a minute later, at most 200 records a step', () => {
    const { store, monitor } = fleet();
    store.take();
    const ticks: Array<{ t: number; devices: string[] }> = [];
    const heardAt = new Map<string, number>();
    for (let t = 0; t <= 300_000; t += 15_000) {
      for (let due = monitor.nextWakeMs(); due !== null && due <= t; due = monitor.nextWakeMs()) {
        monitor.tick(due);
        const written = store.take();
        for (const w of written) expect(w.record.lastReportMs).toBe(heardAt.get(w.record.device));
        ticks.push({ t: due, devices: written.map((w) => w.record.device) });
      }
      for (let i = 0; i < DOORBELLS; i++) {
        monitor.heard(report(i), t + i);
        heardAt.set(device(i), t + i);
      }
      expect(store.take()).toEqual([]);
    }
    const batches = ticks.filter((tick) => tick.devices.length > 0);
    expect(batches.map((b) => b.devices.length).slice(0, 3)).toEqual([200, 200, 50]);
    expect(batches[0]?.t).toBe(60_000);
    for (let i = 0; i < DOORBELLS; i++) {
      const times = batches.filter((b) => b.devices.includes(device(i))).map((b) => b.t);
      expect(times.length).toBeGreaterThanOrEqual(4);
      for (const [k, t] of times.entries())
        if (k > 0) expect(t - (times[k - 1] ?? 0)).toBeGreaterThanOrEqual(60_000);
    }
  });

  it('a time-only write leaves the stored record equal to a full one written at that time', () => {
    const { store, monitor } = fleet();
    // Reports with serial gaps (counted, below the missed_reports limit) and a Shelly heard for the first time.
    for (let i = 0; i < DOORBELLS; i++) monitor.heard({ ...report(i), serial: i % 3 === 0 ? 10 : 1 }, 1_000);
    for (const [k, t] of [16_000, 31_000, 46_000].entries())
      for (let i = 0; i < DOORBELLS; i++) monitor.heard({ ...report(i), serial: 2 + k + (i % 2) }, t);
    store.take();
    for (let t = 16_000; t <= 62_000; t++) if ((monitor.nextWakeMs() ?? t + 1) <= t) monitor.tick(t);
    const writes = store.take();
    expect(writes.filter((w) => w.timesOnly)).toHaveLength(DOORBELLS);
    const atWrite = new Map(writes.map((w) => [w.key, w.record.savedMs]));
    for (const [key, savedMs] of atWrite) {
      const full = monitor.snapshot(savedMs).find((r) => `${r.device}#${r.input}` === key);
      expect(store.loadHealth(key)).toEqual(full);
    }
  });

  it('writes a change at once, and takes that record out of the waiting batch', () => {
    const { store, monitor } = fleet();
    for (let i = 0; i < DOORBELLS; i++) monitor.heard(report(i), 1_000);
    store.take();
    const ring: RingEvent = {
      type: 'ring',
      t: 2,
      device: device(7),
      input: 0,
      press_id: 'shellyuni-98CDAC000007:0:b1:c1',
      chime: 'mechanical',
      hold_s: null,
      via: 'coiot',
      recovered: false,
    };
    monitor.detected(null, { rings: [ring], notes: [] }, 2_000);
    expect(store.take().map((w) => [w.record.device, w.record.presses])).toEqual([[device(7), 1]]);
    // The others go on reporting; nothing new comes of the Uni that rang.
    for (const t of [16_000, 31_000, 46_000])
      for (let i = 0; i < DOORBELLS; i++) if (i !== 7) monitor.heard(report(i), t);
    for (let t = 46_000; t < 61_000; t++) if ((monitor.nextWakeMs() ?? t + 1) <= t) monitor.tick(t);
    store.take();
    for (let t = 61_000; t <= 62_000; t++) if ((monitor.nextWakeMs() ?? t + 1) <= t) monitor.tick(t);
    const batch = store.take().map((w) => w.record.device);
    expect(batch).toHaveLength(DOORBELLS - 1);
    expect(batch).not.toContain(device(7));
  });

  it('a report during a sweep, of an input the sweep has passed, is written by the next sweep', () => {
    // Over MQTT (CoIoT off): no offline deadline writes the record of a Shelly that falls silent.
    const { store, monitor } = fleet(false);
    const mqtt = (i: number) => ({ device: device(i), via: 'mqtt' as const });
    for (const t of [1_000, 16_000, 31_000, 46_000])
      for (let i = 0; i < DOORBELLS; i++) monitor.heard(mqtt(i), t);
    store.take();
    monitor.tick(61_000); // the sweep's first step
    expect(store.take()).toHaveLength(200);
    monitor.heard(mqtt(0), 61_001); // written in that step already; then everything falls silent
    for (let due = monitor.nextWakeMs(); due !== null && due <= 600_000; due = monitor.nextWakeMs())
      monitor.tick(due);
    expect(store.loadHealth(`${device(0)}#0`)?.lastReportMs).toBe(61_001);
  });
});
