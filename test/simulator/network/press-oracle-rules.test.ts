import { describe, expect, it } from 'vitest';
import { judgeDevice, type RingSeen } from '../../../simulator/network/oracle-judge.ts';
import { type DeviceExpectations, expectRings } from '../../../simulator/network/press-oracle.ts';
import {
  runVirtual,
  type VirtualRun,
  type VirtualRunOptions,
} from '../../../simulator/network/virtual-run.ts';
import type { Emission } from '../../../simulator/network/wire-log.ts';

/**
 * Rules of the oracle that random end-to-end runs found (README, the e2e property test's `FOUND`), each on a
 * scripted history: an emulated Uni on a virtual clock, scripted losses, no agent.
 */
const mechanical = { mode: 'mechanical' } as const;
const electronic = (durationS: number) => ({ mode: 'electronic', durationS }) as const;

function emulate(options: Partial<VirtualRunOptions>): VirtualRun {
  return runVirtual({ gen: 'gen1', paths: 'coiot', chime: mechanical, presses: [], seed: 1, ...options });
}

/** The oracle's expectations for `run`, its rings decided until `decidedByMs`. */
function expectationsOf(run: VirtualRun, decidedByMs?: number): DeviceExpectations {
  const { history, log, settings } = run;
  return expectRings(history, log.arrivalsOf(0), log.emissions, settings, log.restartTimes, decidedByMs);
}

const bounds = (e: DeviceExpectations) => e.segments.map((s) => [s.presses, s.min, s.max]);

/** When the first report matching `which` reached the agent. */
function arrivalOf(run: VirtualRun, which: (e: Emission) => boolean): number {
  const arrival = run.log.arrivalsOf(0).find((a) => which(a.emission));
  if (!arrival) throw new Error('no such arrival');
  return arrival.atMs;
}

const live = (tMs: number, pressId: string): RingSeen => ({ tMs, pressId, recovered: false, via: 'coiot' });
const recovered = (tMs: number, pressId: string): RingSeen => ({
  tMs,
  pressId,
  recovered: true,
  via: 'counter',
});
const judge = (run: VirtualRun, e: DeviceExpectations, rings: RingSeen[]) =>
  judgeDevice('d', e, rings, [], run.settings.reorderS);

describe('a reboot the agent cannot see', () => {
  // `before` presses in boot 0, a reboot at 3 s, two presses in boot 1 (counts 1 and 2). Of boot 1 only the
  // release of its second press (count 2) and the report after it arrive: to the agent the count went on from
  // where boot 0 left it.
  const reboot = (before: number) =>
    emulate({
      presses: [
        ...Array.from({ length: before }, (_, k) => ({ atS: 2 * k, holdS: 0.3 })),
        { atS: 7, holdS: 0.3 },
        { atS: 9, holdS: 0.3 },
      ],
      script: [{ atS: 3, action: 'device-reboot' }],
      lose: (e) => e.boot === 1 && ((e.count ?? 0) < 2 || e.level === 1),
    });
  /** The counts the agent got, in arrival order. */
  const counts = (run: VirtualRun) => run.log.arrivalsOf(0).map((a) => [a.emission.boot, a.emission.count]);

  it("a step first seen in the new boot's first report, past the old boot's last count, may ring and need not", () => {
    const run = reboot(1);
    expect(counts(run)).toEqual([
      [0, 0],
      [0, 0],
      [0, 1],
      [1, 2],
      [1, 2],
    ]);
    const e = expectationsOf(run);
    // Boot 0 last said 1, boot 1 first says 2: its step to 2 (press 2) looks like a press whose reports were all
    // lost; its step to 1 (press 1) is no step to the agent.
    expect(bounds(e)).toEqual([
      [[0], 1, 1],
      [[1], 0, 0],
      [[2], 0, 1],
    ]);
    const edgeAt = e.segments[0]?.liveAtMs as number;
    const stepAt = arrivalOf(run, (x) => x.boot === 1);
    expect(judge(run, e, [live(edgeAt, 'p1')])).toEqual([]);
    expect(judge(run, e, [live(edgeAt, 'p1'), recovered(stepAt + 600, 'p2')])).toEqual([]);
  });

  it("when the new boot's first report does not pass the old boot's last count, nothing of it may ring", () => {
    const run = reboot(2);
    expect(counts(run).slice(-3)).toEqual([
      [0, 2],
      [1, 2],
      [1, 2],
    ]);
    const e = expectationsOf(run);
    // Boot 0 last said 2, boot 1 first says 2: no step the agent could see.
    expect(bounds(e)).toEqual([
      [[0], 1, 1],
      [[1], 1, 1],
      [[2], 0, 0],
      [[3], 0, 0],
    ]);
    const [a, b] = e.segments.map((s) => s.liveAtMs) as [number, number];
    const stepAt = arrivalOf(run, (x) => x.boot === 1);
    expect(judge(run, e, [live(a, 'p1'), live(b, 'p2')])).toEqual([]);
    expect(judge(run, e, [live(a, 'p1'), live(b, 'p2'), recovered(stepAt + 600, 'p3')])).toEqual([
      expect.stringMatching(/p3 .*matches no press/),
    ]);
  });

  it('a chattering burst whose count jumps across the reboot may ring once a step, as within one boot', () => {
    // A press at 0 s, a burst of five pulses at 7 s; of the burst only the reports at count 5 arrive.
    const burst = { atS: 7, pulses: Array.from({ length: 5 }, () => [60, 60] as [number, number]) };
    const across = emulate({
      presses: [{ atS: 0, holdS: 0.3 }],
      bursts: [burst],
      script: [{ atS: 3, action: 'device-reboot' }],
      lose: (e) => e.boot === 1 && ((e.count ?? 0) < 5 || e.level === 1),
    });
    const within = emulate({
      presses: [{ atS: 0, holdS: 0.3 }],
      bursts: [burst],
      lose: (e) => (e.count ?? 0) >= 2 && ((e.count ?? 0) < 6 || e.level === 1),
    });
    // To the agent both are a jump past the last count it saw: 1 → 5 across the reboot, 1 → 6 within one boot.
    const distinct = (run: VirtualRun) => [...new Set(counts(run).map((c) => c.join(':')))];
    expect(distinct(across)).toEqual(['0:0', '0:1', '1:5']);
    expect(distinct(within)).toEqual(['0:0', '0:1', '0:6']);
    // Each step the agent sees in the jump may ring, as within one boot: 4 across (2–5 past 1), 5 within (2–6).
    expect(bounds(expectationsOf(across)).at(-1)).toEqual([[], 0, 5]);
    expect(bounds(expectationsOf(within)).at(-1)).toEqual([[], 0, 6]);
  });
});

describe('decidedByMs: rings collected until then', () => {
  it('a counter step that arrived within the reorder window before the end may ring and need not; earlier, it must', () => {
    // Press 1's rise is lost: only its counter step (the release, count 2) reaches the agent.
    const run = emulate({
      presses: [
        { atS: 0, holdS: 0.3 },
        { atS: 3, holdS: 0.3 },
      ],
      lose: (e, h) => e.level === 1 && e.atMs >= (h.units[1]?.firstRiseMs ?? 0),
    });
    const stepAt = arrivalOf(run, (x) => x.count === 2);
    const reorderMs = run.settings.reorderS * 1000;
    const edgeAt = expectationsOf(run).segments[0]?.liveAtMs as number;

    const late = expectationsOf(run, stepAt + reorderMs / 2);
    expect(bounds(late)).toEqual([
      [[0], 1, 1],
      [[1], 0, 1],
    ]);
    expect(judge(run, late, [live(edgeAt, 'p1')])).toEqual([]);
    expect(judge(run, late, [live(edgeAt, 'p1'), recovered(stepAt + 100, 'p2')])).toEqual([]);

    const early = expectationsOf(run, stepAt + reorderMs + 1000);
    expect(bounds(early)).toEqual([
      [[0], 1, 1],
      [[1], 1, 1],
    ]);
    expect(judge(run, early, [live(edgeAt, 'p1')])).toEqual([expect.stringMatching(/press 1 .*no ring/)]);
  });

  it('a Plus push that arrived within the reorder window before the end may ring and need not; earlier, it must', () => {
    // Press 1's btn_down is lost: its single_push (and btn_up) reach the agent.
    const run = emulate({
      gen: 'plus',
      presses: [
        { atS: 0, holdS: 0.3 },
        { atS: 2, holdS: 0.3 },
      ],
      lose: (e, h) => e.gen2?.kind === 'edge' && e.level === 1 && e.atMs >= (h.units[1]?.firstRiseMs ?? 0),
    });
    const pushes = run.log.arrivalsOf(0).filter((a) => a.emission.gen2?.kind === 'push');
    expect(pushes).toHaveLength(2);
    const pushAt = pushes[1]?.atMs as number;
    const reorderMs = run.settings.reorderS * 1000;

    expect(bounds(expectationsOf(run, pushAt + reorderMs / 2))).toEqual([
      [[0], 1, 1],
      [[1], 0, 1],
    ]);
    expect(bounds(expectationsOf(run, pushAt + reorderMs + 1000))).toEqual([
      [[0], 1, 1],
      [[1], 1, 1],
    ]);
  });
});

describe('a Gen1 low report after lows is no heard fall', () => {
  it('a re-press 0.4 s after a release whose rise was lost may be a new press (one or two rings)', () => {
    const presses = [
      { atS: 0, holdS: 0.2 },
      { atS: 0.6, holdS: 0.2 },
    ];
    // Everything arrives: press 0's release is a heard fall, press 1 rose 0.4 s after it, inside the 1 s
    // settle window: the same press.
    expect(bounds(expectationsOf(emulate({ presses })))).toEqual([[[0, 1], 1, 1]]);
    // Press 0's rise lost: its release (count 1) arrives after nothing but lows, as a periodic report would,
    // so the agent cannot know the input fell; press 1's rise may be a new press.
    const lostRise = emulate({
      presses,
      lose: (e, h) => e.level === 1 && e.atMs < (h.units[1]?.firstRiseMs ?? 0),
    });
    const arrived = lostRise.log.arrivalsOf(0).map((a) => a.emission.level);
    expect(arrived.slice(0, 3)).toEqual([0, 0, 1]);
    expect(bounds(expectationsOf(lostRise))).toEqual([[[0, 1], 1, 2]]);
  });

  it('a Plus btn_up is a fall even after lows (it is an event, never a re-publish)', () => {
    const run = emulate({
      gen: 'plus',
      presses: [
        { atS: 0, holdS: 0.2 },
        { atS: 0.6, holdS: 0.2 },
      ],
      lose: (e, h) => e.level === 1 && e.atMs < (h.units[1]?.firstRiseMs ?? 0),
    });
    expect(bounds(expectationsOf(run))).toEqual([[[0, 1], 1, 1]]);
  });

  it('MQTT: input/0 = 0 repeated (its rise lost) and a rise 3 ms later: a chattering burst may ring twice', () => {
    // The README's fourth random counterexample: a rise and its fall heard, 0.8 s later `input/0 = 0` again
    // (the rise before it lost), a rise 3 ms after that.
    const options: Partial<VirtualRunOptions> = {
      paths: 'mqtt',
      chime: electronic(3),
      bursts: [
        {
          atS: 0,
          pulses: [
            [60, 100],
            [700, 3],
            [60, 60],
          ],
        },
      ],
    };
    // All heard: the second rise 0.1 s after the first fall, the third 3 ms after the second: one ring at most.
    expect(bounds(expectationsOf(emulate(options)))).toEqual([[[], 0, 1]]);
    const run = emulate({
      ...options,
      lose: (e, h) => e.level === 1 && Math.abs(e.atMs - (h.pulses[1]?.riseMs ?? 0)) < 2,
    });
    const levels = run.log
      .arrivalsOf(0)
      .flatMap((a) => (a.emission.level === undefined ? [] : [a.emission.level]));
    expect(levels.slice(-5)).toEqual([1, 0, 0, 1, 0]);
    // The third rise came 0.8 s after the last fall the agent could see: past the 0.3 s bounce window.
    expect(bounds(expectationsOf(run))).toEqual([[[], 0, 2]]);
  });
});
