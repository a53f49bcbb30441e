import { describe, expect, it } from 'vitest';
import type { RingEvent } from '../../../agent/core/events.ts';
import type { ChimeSettings } from '../../../agent/detect/chime.ts';
import { classifyCounter } from '../../../agent/detect/counter.ts';
import { Detector, MemoryChannelStore } from '../../../agent/detect/detector.ts';
import type { Evidence } from '../../../agent/detect/evidence.ts';

const DEVICE = 'shellyuni-98CDAC25ABCD';
const MECHANICAL: ChimeSettings = { mode: 'mechanical', durationS: null, settleS: 1 };
const ELECTRONIC_5: ChimeSettings = { mode: 'electronic', durationS: 5, settleS: 1 };

type Step = [atS: number, evidence: Partial<Evidence>];

/** Feeds scripted evidence (times in seconds) and returns every ring, timers fired in between. */
function feed(chime: ChimeSettings, steps: Step[], store = new MemoryChannelStore(), until?: number) {
  const detector = new Detector([{ device: DEVICE, input: 0, chime }], store);
  const rings: RingEvent[] = [];
  const notes: unknown[] = [];
  const advance = (ms: number) => {
    for (let due = detector.nextWakeMs(); due !== null && due <= ms; due = detector.nextWakeMs()) {
      rings.push(...detector.tick(due).rings);
    }
  };
  for (const [atS, partial] of steps) {
    advance(atS * 1000);
    const out = detector.ingest({ device: DEVICE, input: 0, via: 'coiot', ...partial }, atS * 1000);
    rings.push(...out.rings);
    notes.push(...out.notes);
  }
  advance((until ?? (steps.at(-1)?.[0] ?? 0) + 60) * 1000);
  return { rings, notes, store };
}

const idle = (count: number): Partial<Evidence> => ({ level: false, counter: { value: count, event: '' } });
const high = (count: number): Partial<Evidence> => ({ level: true, counter: { value: count, event: '' } });
const released = (count: number, event = 'S'): Partial<Evidence> => ({
  level: false,
  counter: { value: count, event },
});

describe('mechanical chime', () => {
  it('rings at the leading edge, at once', () => {
    const { rings } = feed(MECHANICAL, [
      [0, idle(5)],
      [20.292, high(5)],
      [20.589, released(6)],
    ]);
    expect(rings).toHaveLength(1);
    expect(rings[0]).toMatchObject({
      t: 20.292,
      via: 'coiot',
      recovered: false,
      chime: 'mechanical',
      hold_s: null,
    });
  });

  it('treats a re-trigger inside the settle window as the same press, and one after it as a new press', () => {
    const { rings } = feed(MECHANICAL, [
      [0, idle(0)],
      [10, high(0)],
      [10.2, idle(0)],
      [10.7, high(0)], // bounce 0.5 s after the fall: same press
      [11, released(1)],
      [13, high(1)], // 2 s after the last fall: a new press
      [13.3, released(2)],
    ]);
    expect(rings.map((r) => r.t)).toEqual([10, 13]);
    expect(rings.every((r) => !r.recovered)).toBe(true);
  });
});

describe('electronic chime', () => {
  it('rings once at the leading edge of the N-second hold, absorbing chatter inside it', () => {
    const { rings, notes } = feed(ELECTRONIC_5, [
      [0, idle(0)],
      [30.334, high(0)],
      [31, idle(0)],
      [31.1, high(0)],
      [35.338, released(1, 'L')],
    ]);
    expect(rings).toHaveLength(1);
    expect(rings[0]).toMatchObject({ t: 30.334, chime: 'electronic' });
    expect(notes).toContainEqual(expect.objectContaining({ kind: 'press_end', matchesChime: false }));
  });

  it('confirms a trailing edge near N seconds', () => {
    const { notes } = feed(ELECTRONIC_5, [
      [0, idle(0)],
      [10, high(0)],
      [15.01, released(1, 'L')],
    ]);
    expect(notes).toContainEqual(
      expect.objectContaining({ kind: 'press_end', matchesChime: true, holdS: 5.01 }),
    );
  });

  it('sees a new press right after the hold ends', () => {
    const { rings } = feed(ELECTRONIC_5, [
      [0, idle(0)],
      [10, high(0)],
      [15, released(1, 'L')],
      [17, high(1)],
      [22, released(2, 'L')],
    ]);
    expect(rings.map((r) => r.t)).toEqual([10, 17]);
  });
});

describe('event counters', () => {
  it('rings late, marked recovered, for a counter step whose edge was never heard', () => {
    const { rings } = feed(MECHANICAL, [
      [0, idle(7)],
      [15, idle(8)],
    ]);
    expect(rings).toHaveLength(1);
    expect(rings[0]).toMatchObject({ via: 'counter', recovered: true, hold_s: null });
    expect(rings[0]?.t).toBeCloseTo(15.6, 6);
  });

  it('turns a jump of k into k presses with distinct ids', () => {
    const { rings } = feed(MECHANICAL, [
      [0, idle(7)],
      [15, idle(10)],
    ]);
    expect(rings).toHaveLength(3);
    expect(new Set(rings.map((r) => r.press_id)).size).toBe(3);
  });

  it('does not ring on first contact: the first counter is the baseline', () => {
    expect(feed(MECHANICAL, [[0, released(42)]]).rings).toEqual([]);
  });

  it('treats a counter that goes down as a reboot: new baseline, no ring, then counts from there', () => {
    const { rings, notes } = feed(MECHANICAL, [
      [0, idle(9)],
      [30, idle(0)],
      [45, idle(1)],
    ]);
    expect(notes).toContainEqual(expect.objectContaining({ kind: 'counter_reset', from: 9, to: 0 }));
    expect(rings).toHaveLength(1);
    expect(rings[0]?.recovered).toBe(true);
  });

  it('handles the uint16 wrap', () => {
    const { rings } = feed(MECHANICAL, [
      [0, idle(65_535)],
      [15, idle(1)],
    ]);
    expect(rings).toHaveLength(2);
  });

  it('ignores a late, slightly older copy of the counter from the other path', () => {
    const { rings } = feed(MECHANICAL, [
      [0, idle(3)],
      [10, high(3)],
      [10.3, released(4)],
      [10.5, { via: 'mqtt', counter: { value: 3, event: 'S' } }],
      [10.6, { via: 'mqtt', counter: { value: 4, event: 'S' } }],
    ]);
    expect(rings).toHaveLength(1);
  });

  it('classifies counter moves', () => {
    const rules = { staleWindowMs: 2000, maxJump: 64 };
    expect(classifyCounter(5, 5, 0, rules)).toEqual({ kind: 'same' });
    expect(classifyCounter(5, 7, 0, rules)).toEqual({ kind: 'advance', delta: 2 });
    expect(classifyCounter(65_534, 2, 10_000, rules)).toEqual({ kind: 'advance', delta: 4 });
    expect(classifyCounter(5, 4, 100, rules)).toEqual({ kind: 'stale' });
    expect(classifyCounter(0, 65_535, 100, rules)).toEqual({ kind: 'stale' });
    expect(classifyCounter(5, 4, 60_000, rules)).toEqual({ kind: 'reset' });
    expect(classifyCounter(5, 500, 0, rules)).toEqual({ kind: 'resync', delta: 495 });
  });
});

describe('cross-path de-duplication', () => {
  it('gives CoIoT, MQTT and counter evidence of one press a single press_id', () => {
    const { rings } = feed(MECHANICAL, [
      [0, idle(1)],
      [0.5, { via: 'mqtt', level: false }],
      [20, high(1)],
      [20.05, { via: 'mqtt', level: true }],
      [20.3, released(2)],
      [20.31, { via: 'mqtt', level: false }],
      [20.32, { via: 'mqtt', counter: { value: 2, event: 'S' } }],
    ]);
    expect(rings).toHaveLength(1);
    expect(rings[0]?.via).toBe('coiot');
  });

  it('lets a rising edge that arrives after its own counter step claim it (reordered paths)', () => {
    const { rings } = feed(MECHANICAL, [
      [0, idle(1)],
      [0.5, { via: 'mqtt', level: false }],
      [20.3, { via: 'mqtt', counter: { value: 2, event: 'S' } }],
      [20.5, high(1)],
      [20.6, released(2)],
    ]);
    expect(rings).toHaveLength(1);
    expect(rings[0]).toMatchObject({ t: 20.5, recovered: false });
  });

  it('counts a Gen2 push notification once however often it arrives', () => {
    const push = {
      via: 'mqtt' as const,
      completed: { presses: 1, key: 'input:0|single_push|1700000000.61' },
    };
    const { rings } = feed(MECHANICAL, [
      [0, { via: 'mqtt', level: false }],
      [5, push],
      [5.1, push],
    ]);
    expect(rings).toHaveLength(1);
    expect(rings[0]?.recovered).toBe(true);
  });
});

describe('restarts', () => {
  it('neither repeats a press rung before the restart nor forgets one that happened while down', () => {
    const store = new MemoryChannelStore();
    const before = feed(
      MECHANICAL,
      [
        [0, idle(1)],
        [10, high(1)],
      ],
      store,
      10,
    );
    expect(before.rings).toHaveLength(1);
    // Restart: a new detector on the same store hears the release of the press it already rang...
    const after = feed(
      MECHANICAL,
      [
        [12, released(2)],
        // ...and, later, a counter that moved while it was down.
        [100, idle(3)],
      ],
      store,
    );
    expect(after.rings).toHaveLength(1);
    expect(after.rings[0]).toMatchObject({ recovered: true });
    expect(after.rings[0]?.press_id).not.toBe(before.rings[0]?.press_id);
  });

  it('fires a credit persisted before the restart even if the device stays silent', () => {
    const store = new MemoryChannelStore();
    const detector = new Detector([{ device: DEVICE, input: 0, chime: MECHANICAL }], store);
    detector.ingest({ device: DEVICE, input: 0, via: 'coiot', ...idle(1) }, 0);
    expect(detector.ingest({ device: DEVICE, input: 0, via: 'coiot', ...idle(2) }, 1000).rings).toEqual([]);
    const restarted = new Detector([{ device: DEVICE, input: 0, chime: MECHANICAL }], store);
    expect(restarted.nextWakeMs()).toBe(1600);
    expect(restarted.tick(1600).rings).toHaveLength(1);
  });
});

describe('unknown inputs', () => {
  it('ignores evidence for inputs and devices that are not configured, and says whether the device is known', () => {
    const detector = new Detector(
      [{ device: DEVICE, input: 0, chime: MECHANICAL }],
      new MemoryChannelStore(),
    );
    expect(detector.ingest({ device: DEVICE, input: 1, via: 'coiot', level: true }, 0)).toMatchObject({
      rings: [],
      known: true,
    });
    expect(
      detector.ingest({ device: 'shellyuni-000000000000', input: 0, via: 'coiot', level: true }, 0),
    ).toMatchObject({
      rings: [],
      known: false,
    });
  });
});

describe('found end to end', () => {
  it('a reboot reported together with the next rising edge: one ring, claimed by the next counter step', () => {
    const { rings } = feed(MECHANICAL, [
      [0, idle(7)],
      [30, high(0)], // the boot report was lost: the reset and the new press arrive together
      [30.3, released(1)],
    ]);
    expect(rings).toHaveLength(1);
    expect(rings[0]).toMatchObject({ t: 30, recovered: false });
  });

  it('a Gen2 btn_down is an edge even before the device ever reported its level', () => {
    const { rings } = feed(MECHANICAL, [
      [5, { via: 'mqtt', level: true, edge: true }],
      [5.2, { via: 'mqtt', level: false, edge: true }],
      [5.3, { via: 'mqtt', completed: { presses: 1, key: 'input:0|single_push|5.3' } }],
    ]);
    expect(rings).toHaveLength(1);
    expect(rings[0]).toMatchObject({ t: 5, via: 'mqtt', recovered: false });
  });
});
