import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../agent/config/schema.ts';
import type { RingEvent } from '../../../agent/core/events.ts';
import { silentLogger } from '../../../agent/core/logger.ts';
import { replayTrace } from '../../../agent/runtime/replay.ts';
import { encodeStatus, shuniValues } from '../../../simulator/emulator/coiot-encode.ts';
import { VirtualScheduler } from '../../../simulator/emulator/scheduler.ts';
import { applyFaults, faultPlan, faultyLink, NO_FAULTS } from '../../../simulator/network/faults.ts';
import { TraceRecorder } from '../../../simulator/network/trace-recorder.ts';

const sends = (n: number, stepMs = 100) =>
  Array.from({ length: n }, (_, i) => ({ tMs: 1000 + i * stepMs, item: i }));

const planArb = fc.record({
  loss: fc.double({ min: 0, max: 1, noNaN: true }),
  duplicate: fc.double({ min: 0, max: 1, noNaN: true }),
  duplicateDelayMs: fc.integer({ min: 0, max: 500 }),
  reorder: fc.double({ min: 0, max: 1, noNaN: true }),
  reorderDelayMs: fc.integer({ min: 0, max: 500 }),
  jitterMs: fc.integer({ min: 0, max: 200 }),
  partitions: fc.array(fc.tuple(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 5000 })), {
    maxLength: 2,
  }),
});

describe('fault plans', () => {
  it('without faults, every send arrives once, on time, in order', () => {
    const out = applyFaults(sends(50), NO_FAULTS, 1);
    expect(out.map((d) => [d.item, d.tMs])).toEqual(sends(50).map((s) => [s.item, s.tMs]));
  });

  it('are pure: the same seed gives the same deliveries; each send arrives at most twice, never early', () => {
    fc.assert(
      fc.property(planArb, fc.integer(), (plan, seed) => {
        const input = sends(40);
        const a = applyFaults(input, plan, seed);
        expect(applyFaults(input, plan, seed)).toEqual(a);
        for (const d of a) expect(d.tMs).toBeGreaterThanOrEqual((input[d.index] as { tMs: number }).tMs);
        const perSend = new Map<number, number>();
        for (const d of a) perSend.set(d.index, (perSend.get(d.index) ?? 0) + 1);
        expect(Math.max(0, ...perSend.values())).toBeLessThanOrEqual(2);
      }),
      { numRuns: 200 },
    );
  });

  it('lose everything inside a partition and nothing else when that is the only fault', () => {
    const out = applyFaults(sends(30), faultPlan({ partitions: [[500, 1000]] }), 3);
    expect(out.map((d) => d.item)).toEqual(
      [...Array(30).keys()].filter((i) => i * 100 < 500 || i * 100 >= 1000),
    );
  });

  it('lose, duplicate and reorder at about the rates asked for', () => {
    const n = 4000;
    const lossy = applyFaults(sends(n), faultPlan({ loss: 0.3 }), 5);
    expect(lossy.length / n).toBeGreaterThan(0.65);
    expect(lossy.length / n).toBeLessThan(0.75);
    const dup = applyFaults(sends(n), faultPlan({ duplicate: 0.2, duplicateDelayMs: 50 }), 6);
    expect(dup.length / n).toBeGreaterThan(1.15);
    expect(dup.length / n).toBeLessThan(1.25);
    const reordered = applyFaults(sends(n, 10), faultPlan({ reorder: 0.2, reorderDelayMs: 100 }), 7);
    const overtaken = reordered.filter(
      (d, i) => i > 0 && d.index < (reordered[i - 1] as { index: number }).index,
    );
    expect(overtaken.length).toBeGreaterThan(0);
  });

  it('on an ordered stream (MQTT over TCP), drop and delay but never let a send or a copy overtake an older one', () => {
    fc.assert(
      fc.property(planArb, fc.integer(), (plan, seed) => {
        const input = sends(40, 30);
        const out = applyFaults(input, plan, seed, true);
        const indices = out.map((d) => d.index);
        expect(indices).toEqual([...indices].sort((a, b) => a - b));
        // The same fates as the unordered stream: only the times differ.
        expect(indices).toEqual(
          applyFaults(input, plan, seed)
            .map((d) => d.index)
            .sort((a, b) => a - b),
        );
        for (const d of out) expect(d.tMs).toBeGreaterThanOrEqual((input[d.index] as { tMs: number }).tMs);
      }),
      { numRuns: 200 },
    );
  });

  it('live on an ordered stream, deliver what the pure ordered plan says, in order even at equal times', () => {
    const plan = faultPlan({ duplicate: 0.5, duplicateDelayMs: 400, reorder: 0.3, reorderDelayMs: 250 });
    const scheduler = new VirtualScheduler(1000);
    const got: Array<[number, number]> = [];
    const send = faultyLink<number>(plan, 7, scheduler, { ordered: true })((item) =>
      got.push([item, scheduler.now()]),
    );
    for (const s of sends(100, 20)) {
      scheduler.advanceTo(s.tMs);
      send(s.item);
    }
    scheduler.advance(10_000);
    const expected = applyFaults(sends(100, 20), plan, 7, true).map((d) => [
      d.item,
      Math.round(d.tMs * 1000) / 1000,
    ]);
    expect(got.map(([i, t]) => [i, Math.round(t * 1000) / 1000])).toEqual(expected);
    expect(got.filter(([i], k) => k > 0 && i < (got[k - 1] as [number, number])[0])).toEqual([]);
  });

  it('live, on a virtual clock, deliver what the pure plan says', () => {
    const plan = faultPlan({ loss: 0.2, duplicate: 0.2, duplicateDelayMs: 80, jitterMs: 30 });
    const scheduler = new VirtualScheduler(1000);
    const got: Array<[number, number]> = [];
    const send = faultyLink<number>(plan, 42, scheduler)((item) => got.push([item, scheduler.now()]));
    for (const s of sends(100)) {
      scheduler.advanceTo(s.tMs);
      send(s.item);
    }
    scheduler.advance(10_000);
    const expected = applyFaults(sends(100), plan, 42).map((d) => [d.item, d.tMs]);
    expect(got.map(([i, t]) => [i, Math.round(t * 1000) / 1000])).toEqual(expected);
  });
});

describe('trace recorder', () => {
  it('writes what the agent received in the trace format, and replay decides the same ring', async () => {
    let now = 5_000_000;
    const recorder = new TraceRecorder(() => now);
    const device = 'shellyuni-AABBCC112233';
    const status = (messageId: number, serial: number, level: boolean, event: string, count: number) =>
      encodeStatus({
        deviceType: 'SHUNI-1',
        mac: 'AABBCC112233',
        messageId,
        serial,
        values: shuniValues({
          inputs: [
            { level, event, count },
            { level: false, event: '', count: 0 },
          ],
        }),
      });
    recorder.record({ kind: 'coiot', t: now, src: '127.0.0.1:40000', bytes: status(1, 1, false, '', 0) });
    now += 1000;
    recorder.record({ kind: 'coiot', t: now, src: '127.0.0.1:40000', bytes: status(2, 2, true, '', 0) });
    recorder.record({
      kind: 'mqtt',
      t: now + 3,
      topic: `shellies/${device}/input/0`,
      payload: Buffer.from('1'),
      retain: false,
    });
    now += 300;
    recorder.record({ kind: 'coiot', t: now, src: '127.0.0.1:40000', bytes: status(3, 3, false, 'S', 1) });
    recorder.agentRestart();
    now += 2000;
    const text = recorder.text();
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { t: number; kind: string });
    expect(lines.map((l) => l.kind)).toEqual(['coiot', 'coiot', 'mqtt', 'coiot', 'agent-restart', 'end']);
    expect(lines.map((l) => l.t)).toEqual([0, 1, 1.003, 1.3, 1.3, 3.3]);
    const rings: RingEvent[] = [];
    await replayTrace({
      config: configSchema.parse({ devices: [{ id: device }] }),
      lines: text.split('\n'),
      emit: (e) => e.type === 'ring' && rings.push(e),
      warn: (m) => {
        throw new Error(m);
      },
      log: silentLogger,
    });
    expect(rings).toMatchObject([{ device, t: 1, via: 'coiot', recovered: false }]);
  });
});
