import { describe, expect, it } from 'vitest';
import type { RingEvent } from '../../../agent/core/events.ts';
import { DEFAULT_TUNING } from '../../../agent/detect/channel-state.ts';
import type { ChimeSettings } from '../../../agent/detect/chime.ts';
import { Detector, MemoryChannelStore } from '../../../agent/detect/detector.ts';
import type { Evidence } from '../../../agent/detect/evidence.ts';

/**
 * A press's release report is lost, and the Uni's next periodic re-send (the same serial, up to 15 s later) is the
 * first report that shows the fall. Found by the garbage flood (issue 15): a visitor's re-press a moment after that
 * re-send arrived was taken for a bounce of the first press, and did not ring. With the Unis' long-push time known
 * (`detector.longpush_s`, here the real firmware's 0.8 s) the `S` the re-send counts tells it is late.
 */
const DEVICE = 'shellyuni-98CDAC25ABCD';
const MECHANICAL: ChimeSettings = { mode: 'mechanical', durationS: null, settleS: 1 };

/** A SHUNI-1 CoIoT report of input 0 as it arrives: serial, level, event letter and counter. */
type Report = [atS: number, serial: number, level: boolean, count: number, event: string];

function rings(reports: Report[], longpushMs: number | null = 800): RingEvent[] {
  const detector = new Detector([{ device: DEVICE, input: 0, chime: MECHANICAL }], new MemoryChannelStore(), {
    ...DEFAULT_TUNING,
    longpushMs,
  });
  const out: RingEvent[] = [];
  const advance = (ms: number) => {
    for (let due = detector.nextWakeMs(); due !== null && due <= ms; due = detector.nextWakeMs())
      out.push(...detector.tick(due).rings);
  };
  for (const [atS, serial, level, count, event] of reports) {
    advance(atS * 1000);
    const evidence: Evidence = {
      device: DEVICE,
      input: 0,
      via: 'coiot',
      serial,
      level,
      counter: { value: count, event },
    };
    out.push(...detector.ingest(evidence, atS * 1000).rings);
  }
  advance(((reports.at(-1)?.[0] ?? 0) + 60) * 1000);
  return out;
}

describe('a fall first seen in a late re-send', () => {
  // A press at 26.86 s heard rising; its release (serial 11, 26.98 s) lost; the periodic re-send of serial 11 at
  // 31.00 s shows it; a new press at 31.91 s.
  const history = (release: Report): Report[] => [
    [1, 1, false, 4, ''],
    [26.86, 10, true, 4, ''],
    release,
    [31.91, 12, true, 5, 'S'],
    [32.03, 13, false, 6, 'S'],
  ];

  it('a re-press soon after the re-send that counted the first one as a short push rings: two presses, two rings', () => {
    const rung = rings(history([31.0, 11, false, 5, 'S']));
    expect(rung.map((r) => [r.t, r.recovered])).toEqual([
      [26.86, false],
      [31.91, false],
    ]);
  });

  it('the same with a longer long-push time, as long as the re-send comes later than it', () => {
    expect(rings(history([31.0, 11, false, 5, 'S']), 3_000)).toHaveLength(2);
  });

  it('with the long-push time not known (the default), the re-press is taken for a bounce: one ring', () => {
    expect(rings(history([31.0, 11, false, 5, 'S']), null)).toHaveLength(1);
  });

  it('a re-press within the settle window of a fall reported on time is still the same press (a bounce)', () => {
    const bounce: Report[] = [
      [1, 1, false, 4, ''],
      [26.86, 10, true, 4, ''],
      [26.98, 11, false, 5, 'S'],
      [27.5, 12, true, 5, 'S'],
      [27.6, 13, false, 6, 'S'],
    ];
    expect(rings(bounce)).toHaveLength(1);
  });

  it('a long push (`L`) reported late is not taken to have fallen early: its re-press within the window merges', () => {
    // Held for 4 s (a long push): its release report at 30.86 s is on time, and a re-press 0.5 s later is a bounce.
    const held: Report[] = [
      [1, 1, false, 4, ''],
      [26.86, 10, true, 4, ''],
      [30.86, 11, false, 5, 'L'],
      [31.36, 12, true, 5, 'L'],
      [31.46, 13, false, 6, 'S'],
    ];
    expect(rings(held)).toHaveLength(1);
  });
});
