import { describe, expect, it } from 'vitest';
import type { RingEvent } from '../../../agent/core/events.ts';
import type { ChimeSettings } from '../../../agent/detect/chime.ts';
import { Detector, MemoryChannelStore } from '../../../agent/detect/detector.ts';
import type { Evidence } from '../../../agent/detect/evidence.ts';
import { decodeGen2Mqtt } from '../../../agent/protocol/mqtt-gen2.ts';

/**
 * Issue 10: one ring per press whatever the Uni's firmware really does. Each case here was first seen failing on
 * the detector as it was before the issue (chatter rang per pulse, a quick re-press after an electronic hold rang
 * late as recovered, Gen2 switch-mode and QoS 1 copies).
 */
const DEVICE = 'shellyuni-98CDAC25ABCD';
const PLUS = 'shellyplusuni-e465b847ca44';
const MECHANICAL: ChimeSettings = { mode: 'mechanical', durationS: null, settleS: 1 };
const electronic = (n: number): ChimeSettings => ({ mode: 'electronic', durationS: n, settleS: 0 });

type Step = [atS: number, evidence: Partial<Evidence> | Evidence[]];

function feed(chime: ChimeSettings, steps: Step[], device = DEVICE, store = new MemoryChannelStore()) {
  const detector = new Detector([{ device, input: 0, chime }], store);
  const rings: RingEvent[] = [];
  const advance = (ms: number) => {
    for (let due = detector.nextWakeMs(); due !== null && due <= ms; due = detector.nextWakeMs()) {
      rings.push(...detector.tick(due).rings);
    }
  };
  for (const [atS, what] of steps) {
    advance(atS * 1000);
    const list = Array.isArray(what) ? what : [{ device, input: 0, via: 'coiot' as const, ...what }];
    for (const evidence of list) rings.push(...detector.ingest(evidence, atS * 1000).rings);
  }
  advance(((steps.at(-1)?.[0] ?? 0) + 60) * 1000);
  return { rings, store, detector };
}

/** A CoIoT report of input 0: level and event counter together, as a SHUNI-1 publishes them. */
const report = (level: boolean, count: number, event = ''): Partial<Evidence> => ({
  level,
  counter: { value: count, event },
});

/** Deterministic pulse and gap lengths of 40–90 ms, like the relay without its power kit in the issue. */
function jitter(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
    return 0.04 + (x / 2_147_483_648) * 0.05;
  };
}

/** A chattering closure: `edges` rising edges from `startS`, each reported; the Uni counts every pulse (or one). */
function burst(startS: number, edges: number, count: { value: number }, seed: number, everyPulse = true) {
  const next = jitter(seed);
  const steps: Step[] = [];
  let t = startS;
  for (let k = 0; k < edges; k++) {
    steps.push([t, report(true, count.value)]);
    t += next();
    if (everyPulse || k === edges - 1) count.value++;
    steps.push([t, report(false, count.value, 'S')]);
    t += next();
  }
  return steps;
}

describe('a press absorbs its own re-triggers', () => {
  it('issue repro: three chattering bursts of 14, 26 and 20 counted pulses ring three times, live', () => {
    for (const chime of [MECHANICAL, electronic(2)]) {
      const count = { value: 10 };
      const steps: Step[] = [[0, report(false, 10)]];
      steps.push(...burst(10, 14, count, 1), ...burst(20, 26, count, 2), ...burst(30, 20, count, 3));
      const { rings } = feed(chime, steps);
      expect(
        rings.map((r) => [r.t, r.recovered]),
        chime.mode,
      ).toEqual([
        [10, false],
        [20, false],
        [30, false],
      ]);
    }
  });

  it('a burst the firmware counts once is one ring too', () => {
    const count = { value: 3 };
    const { rings } = feed(MECHANICAL, [[0, report(false, 3)], ...burst(5, 12, count, 4, false)]);
    expect(rings).toHaveLength(1);
  });

  it('re-triggers inside an electronic hold, each counted, are one ring', () => {
    const { rings } = feed(electronic(5), [
      [0, report(false, 0)],
      [10, report(true, 0)],
      [10.8, report(true, 1, 'L')],
      [11, report(false, 1, 'L')],
      [11.1, report(true, 1, 'L')],
      [11.2, report(false, 2, 'S')],
      [11.25, report(true, 2, 'S')],
      [15, report(false, 2, 'S')],
    ]);
    expect(rings.map((r) => r.t)).toEqual([10]);
  });

  it('a counter step that arrives while the press is open and chattering (its edge lost) is not a new ring', () => {
    const { rings } = feed(MECHANICAL, [
      [0, report(false, 0)],
      [10, report(true, 0)],
      [10.05, report(false, 1, 'S')],
      [10.1, report(true, 1, 'S')],
      // the reports of two more pulses were lost: the next one says +2
      [10.4, report(false, 4, 'S')],
    ]);
    expect(rings).toHaveLength(1);
  });

  it('unused absorb budget expires: a later press whose edges were lost still rings, from its counter step', () => {
    const count = { value: 0 };
    const { rings } = feed(MECHANICAL, [
      [0, report(false, 0)],
      ...burst(5, 8, count, 5, false),
      // 3 s later: a real press whose rise and release were lost; the next periodic report carries its step
      [9, report(false, 2)],
    ]);
    expect(rings.map((r) => [r.t, r.recovered])).toEqual([
      [5, false],
      [9.6, true],
    ]);
  });

  it('also when the counter step of the lost press comes on MQTT right after the burst', () => {
    const count = { value: 0 };
    const { rings } = feed(electronic(2), [
      [0, report(false, 0)],
      ...burst(5, 8, count, 6, false),
      [8, { via: 'mqtt', counter: { value: 2, event: 'S' } }],
    ]);
    expect(rings.map((r) => r.recovered)).toEqual([false, true]);
  });
});

describe('a press ends at its heard fall', () => {
  it('issue repro: electronic N = 5, a press every 6 s: every press rings live at its edge', () => {
    const steps: Step[] = [[0, report(false, 0)]];
    let count = 0;
    for (let k = 0; k < 4; k++) {
      const t = 10 + 6 * k;
      steps.push([t, report(true, count)]);
      count++;
      steps.push([t + 0.8, report(true, count, 'L')]);
      steps.push([t + 5, report(false, count, 'L')]);
    }
    const { rings } = feed(electronic(5), steps);
    expect(rings.map((r) => [r.t, r.via, r.recovered])).toEqual([
      [10, 'coiot', false],
      [16, 'coiot', false],
      [22, 'coiot', false],
      [28, 'coiot', false],
    ]);
  });

  it('a re-press 0.8 s after an electronic hold visibly fell rings at once', () => {
    const { rings } = feed(electronic(3), [
      [0, report(false, 0)],
      [10, report(true, 0)],
      [10.8, report(true, 1, 'L')],
      [13, report(false, 1, 'L')],
      [13.8, report(true, 1, 'L')],
      [14.6, report(true, 2, 'L')],
      [16.8, report(false, 2, 'L')],
    ]);
    expect(rings.map((r) => [r.t, r.recovered])).toEqual([
      [10, false],
      [13.8, false],
    ]);
  });

  it('a rise within the bounce window after the fall belongs to the old press', () => {
    const { rings } = feed(electronic(3), [
      [0, report(false, 0)],
      [10, report(true, 0)],
      [13, report(false, 1, 'S')],
      [13.2, report(true, 1, 'S')],
      [13.3, report(false, 2, 'S')],
    ]);
    expect(rings.map((r) => r.t)).toEqual([10]);
  });

  it('the bounce window is a setting of the electronic chime', () => {
    const steps: Step[] = [
      [0, report(false, 0)],
      [10, report(true, 0)],
      [13, report(false, 1, 'S')],
      [13.5, report(true, 1, 'S')],
      [13.6, report(false, 2, 'S')],
    ];
    expect(feed({ ...electronic(3), bounceS: 0.3 }, steps).rings).toHaveLength(2);
    expect(feed({ ...electronic(3), bounceS: 1 }, steps).rings).toHaveLength(1);
  });

  it('when the fall was never heard, N + tolerance from the start still holds the press open', () => {
    const { rings } = feed(electronic(3), [
      [0, report(false, 0)],
      [10, report(true, 0)],
      // the fall at 13 was lost; a report at 13.8 says high again with the first press's step
      [13.8, report(true, 1, 'S')],
      [14.1, report(false, 2, 'S')],
    ]);
    expect(rings).toHaveLength(1);
  });
});

/** Decodes a Gen2 MQTT frame and returns its evidence. */
function gen2(method: string, params: Record<string, unknown>): Evidence[] {
  const payload = JSON.stringify({ src: PLUS, dst: `${PLUS}/events`, method, params });
  return decodeGen2Mqtt(`${PLUS}/events/rpc`, payload)?.evidence ?? [];
}
const state = (on: boolean, ts: number) => gen2('NotifyStatus', { ts, 'input:0': { id: 0, state: on } });
const ev = (event: string, ts: number) =>
  gen2('NotifyEvent', { ts, events: [{ component: 'input:0', id: 0, event, ts }] });

describe('Gen2 notifications', () => {
  it('switch mode: the first NotifyStatus state:true ever heard from the device rings', () => {
    const { rings } = feed(
      MECHANICAL,
      [
        [5, state(true, 1_700_000_005)],
        [5.3, state(false, 1_700_000_005.3)],
      ],
      PLUS,
    );
    expect(rings.map((r) => [r.t, r.via, r.recovered])).toEqual([[5, 'mqtt', false]]);
  });

  it('a QoS 1 re-delivery of state:true (same ts) after the release is not a new press', () => {
    const { rings } = feed(
      MECHANICAL,
      [
        [5, state(true, 1_700_000_005)],
        [5.3, state(false, 1_700_000_005.3)],
        [7, state(true, 1_700_000_005)],
        [12, state(true, 1_700_000_012)],
        [12.2, state(false, 1_700_000_012.2)],
      ],
      PLUS,
    );
    expect(rings.map((r) => [r.t, r.recovered])).toEqual([
      [5, false],
      [12, false],
    ]);
  });

  it('a re-delivered btn_down (same ts) after btn_up does not hide the next real btn_down', () => {
    const { rings } = feed(
      MECHANICAL,
      [
        [5, ev('btn_down', 1_700_000_005)],
        [5.2, ev('btn_up', 1_700_000_005.2)],
        [5.2, ev('single_push', 1_700_000_005.2)],
        [6, ev('btn_down', 1_700_000_005)],
        [10, ev('btn_down', 1_700_000_010)],
        [10.2, ev('btn_up', 1_700_000_010.2)],
        [10.2, ev('single_push', 1_700_000_010.2)],
      ],
      PLUS,
    );
    expect(rings.map((r) => [r.t, r.recovered])).toEqual([
      [5, false],
      [10, false],
    ]);
  });

  it('an older notification (by device ts) does not move the level', () => {
    const { rings } = feed(
      MECHANICAL,
      [
        [5, ev('btn_down', 1_700_000_005)],
        [5.2, ev('btn_up', 1_700_000_005.2)],
        // a late switch-style copy of the same press, older than the release
        [6, state(true, 1_700_000_005.1)],
        [7, state(false, 1_700_000_005.15)],
      ],
      PLUS,
    );
    expect(rings).toHaveLength(1);
  });

  it('NotifyFullStatus is a snapshot, not an edge', () => {
    const { rings } = feed(
      MECHANICAL,
      [[5, gen2('NotifyFullStatus', { ts: 1_700_000_005, 'input:0': { id: 0, state: true } })]],
      PLUS,
    );
    expect(rings).toEqual([]);
  });

  it('a single_push is matched to its own btn_down by device time, not to the oldest unclaimed press', () => {
    const { rings } = feed(
      MECHANICAL,
      [
        [5, ev('btn_down', 1_700_000_005)],
        [5.2, ev('btn_up', 1_700_000_005.2)],
        // the first press's single_push was lost; a second press's btn_down and btn_up were lost too
        [15.3, ev('single_push', 1_700_000_015.3)],
      ],
      PLUS,
    );
    expect(rings.map((r) => [r.t, r.recovered])).toEqual([
      [5, false],
      [15.9, true],
    ]);
  });

  it('a push that comes after its btn_up by up to the push delay belongs to that press', () => {
    const { rings } = feed(
      MECHANICAL,
      [
        [5, ev('btn_down', 1_700_000_005)],
        [5.2, ev('btn_up', 1_700_000_005.2)],
        [5.9, ev('single_push', 1_700_000_005.9)],
        [5.9, ev('single_push', 1_700_000_005.9)],
      ],
      PLUS,
    );
    expect(rings).toHaveLength(1);
  });
});

describe('agent restarts', () => {
  /** A channel state as the detector persisted it before issue 10. */
  const legacy = (fields: Record<string, unknown>) =>
    ({
      device: DEVICE,
      input: 0,
      levels: { coiot: false },
      lastLevel: false,
      counter: 7,
      counterChangedMs: 1_000,
      credits: [],
      presses: [],
      completedKeys: [],
      ...fields,
      // biome-ignore lint/suspicious/noExplicitAny: the old shape on purpose
    }) as any;

  it('loads presses persisted before issue 10 (a claimed flag instead of a budget)', () => {
    const store = new MemoryChannelStore();
    store.saveChannel(
      `${DEVICE}#0`,
      legacy({
        presses: [
          {
            id: `${DEVICE}:0:10000`,
            startMs: 10_000,
            via: 'coiot',
            recovered: false,
            claimed: false,
            firstFallMs: 10_300,
            lastFallMs: 10_300,
          },
        ],
      }),
    );
    const { rings } = feed(
      MECHANICAL,
      [
        [10.4, report(false, 8, 'S')], // the old press's own step, after the restart
        [30, report(true, 8)],
        [30.2, report(false, 9, 'S')],
      ],
      DEVICE,
      store,
    );
    expect(rings.map((r) => [r.t, r.recovered])).toEqual([[30, false]]);
  });

  it('loads credits persisted before issue 10 (bare due times) and fires them', () => {
    const store = new MemoryChannelStore();
    store.saveChannel(`${DEVICE}#0`, legacy({ counter: 8, counterChangedMs: 20_000, credits: [20_600] }));
    const { rings } = feed(
      MECHANICAL,
      [
        [20.3, report(false, 8, 'S')],
        [30, report(true, 8)],
        [30.2, report(false, 9, 'S')],
      ],
      DEVICE,
      store,
    );
    expect(rings.map((r) => [r.t, r.recovered])).toEqual([
      [20.6, true],
      [30, false],
    ]);
  });
});
