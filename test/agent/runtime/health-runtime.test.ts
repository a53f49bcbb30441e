import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../agent/config/schema.ts';
import type { RingEvent } from '../../../agent/core/events.ts';
import type { HealthRecord, HealthStore } from '../../../agent/health/record.ts';
import type { HealthEvent } from '../../../agent/health/types.ts';
import { HealthRuntime } from '../../../agent/runtime/health-runtime.ts';

const DEVICE = 'shellyuni-98CDAC25ABCD';

class RecordingStore implements HealthStore {
  readonly writes: HealthRecord[] = [];
  loadHealth(): HealthRecord | undefined {
    return undefined;
  }
  saveHealth(_key: string, record: HealthRecord): void {
    this.writes.push(record);
  }
  saveTimes(): void {}
}

const ring: RingEvent = {
  type: 'ring',
  t: 5,
  device: DEVICE,
  input: 0,
  press_id: `${DEVICE}:0:b1:c1`,
  chime: 'mechanical',
  hold_s: null,
  via: 'coiot',
  recovered: false,
};

function runtime() {
  const config = configSchema.parse({ devices: [{ id: DEVICE, chime: { mode: 'mechanical' } }] });
  const store = new RecordingStore();
  const flushed: HealthEvent[][] = [];
  const health = new HealthRuntime(config, store, (events) => flushed.push(events));
  const hooks = health.start(0);
  store.writes.length = 0;
  return { health, hooks, store, flushed };
}

describe('HealthRuntime', () => {
  it("leaves a ring's health work, and all that follows it in the step, for flush(): the ring goes out first", () => {
    const { health, hooks, store } = runtime();
    hooks.onHeard?.({ device: DEVICE, via: 'coiot', validityS: 38 }, 5_000);
    hooks.onDetected?.(null, { rings: [ring], notes: [] }, 5_000);
    hooks.onHeard?.({ device: DEVICE, via: 'coiot', validityS: 38 }, 5_000);
    expect(health.monitor?.snapshot(5_000)[0]?.presses).toBe(0);
    expect(store.writes).toEqual([]);

    health.flush();
    expect(health.monitor?.snapshot(5_000)[0]?.presses).toBe(1);
    expect(store.writes.map((r) => r.presses)).toEqual([1]);
  });

  it('hands over the events of the calls that waited in the order they were made, deadlines after them', () => {
    const { health, hooks, flushed } = runtime();
    // Nothing heard for 40 s: offline is due. A ring in the same step comes before the deadline's event.
    hooks.onDetected?.(null, { rings: [ring], notes: [] }, 40_000);
    health.due(40_000);
    expect(flushed).toEqual([]);
    health.flush();
    expect(flushed.flat().map((e) => (e.type === 'problem' ? e.problem : e.type))).toEqual(['offline']);
    expect(health.monitor?.snapshot(40_000)[0]?.presses).toBe(1);
  });
});
