import { describe, expect, it } from 'vitest';
import { chatterBurst } from '../../../simulator/network/device-history.ts';
import { judgeDevice, type RingSeen } from '../../../simulator/network/oracle-judge.ts';
import { type Expectation, expectRings } from '../../../simulator/network/press-oracle.ts';
import { seededRandom } from '../../../simulator/network/random.ts';
import { runVirtual, type VirtualRunOptions } from '../../../simulator/network/virtual-run.ts';

/**
 * The oracle decides from physics and arrivals alone. These cases run an emulated Uni on a virtual clock with
 * scripted losses and check what the oracle expects, without any agent.
 */
const mechanical = { mode: 'mechanical' } as const;
const electronic = (durationS: number) => ({ mode: 'electronic', durationS }) as const;

function expected(options: Partial<VirtualRunOptions>) {
  const run = runVirtual({
    gen: 'gen1',
    paths: 'coiot',
    chime: mechanical,
    presses: [],
    seed: 1,
    ...options,
  });
  const rel = (ms: number | null) => (ms === null ? null : Math.round(ms - run.originMs) / 1000);
  return {
    run,
    segments: run.expected.segments.map((s: Expectation) => ({
      presses: s.presses,
      min: s.min,
      max: s.max,
      liveAt: rel(s.liveAtMs),
    })),
  };
}

describe('press oracle (from what physically happened and what arrived)', () => {
  it('clean presses: each must ring once, live, at its edge', () => {
    const { segments } = expected({
      paths: 'both',
      presses: [
        { atS: 0, holdS: 0.3 },
        { atS: 3, holdS: 0.3 },
      ],
    });
    expect(segments).toEqual([
      { presses: [0], min: 1, max: 1, liveAt: expect.any(Number) },
      { presses: [1], min: 1, max: 1, liveAt: expect.any(Number) },
    ]);
  });

  it('a lost rise: the press is reached by its counter step, a recovered ring is fine', () => {
    const { segments } = expected({
      presses: [
        { atS: 0, holdS: 0.3 },
        { atS: 3, holdS: 0.3 },
      ],
      lose: (e, h) => e.level === 1 && e.atMs >= (h.units[1]?.firstRiseMs ?? 0),
    });
    expect(segments.map((s) => [s.min, s.max, s.liveAt === null])).toEqual([
      [1, 1, false],
      [1, 1, true],
    ]);
  });

  it('nothing of a press arrives and no later report carries its count: it cannot ring', () => {
    const { segments } = expected({
      presses: [
        { atS: 0, holdS: 0.3 },
        { atS: 3, holdS: 0.3 },
      ],
      lose: (e, h) => e.atMs >= (h.units[1]?.firstRiseMs ?? 0),
    });
    expect(segments.map((s) => [s.min, s.max])).toEqual([
      [1, 1],
      [0, 0],
    ]);
  });

  it('an older CoIoT report arriving after a newer one (lower serial) is no edge, even at the same device time', () => {
    // Held 1.8 s with a 1 s event lifetime: `L` at 0.8 s expires at 1.8 s, the moment of the release, so the
    // expiry report (still high) and the release (low) have the same device time, in that order.
    const { run } = expected({ presses: [{ atS: 0, holdS: 1.8 }], eventLifetimeS: 1 });
    const [boot, ...rest] = run.log.emissions.filter((e) => e.level !== undefined);
    const release = rest.find((e) => e.level === 0 && (e.count ?? 0) === 1) as (typeof rest)[number];
    const expiry = rest.filter((e) => e.level === 1 && e.id < release.id).at(-1) as (typeof rest)[number];
    expect(expiry.atMs).toBe(release.atMs);
    const arrivals = [boot, release, expiry].map((emission, k) => ({
      emission: emission as (typeof rest)[number],
      atMs: release.atMs + 10 + k,
    }));
    const got = expectRings(run.history, arrivals, run.log.emissions, run.settings);
    expect(got.segments.map((s) => [s.min, s.max, s.liveAtMs])).toEqual([[1, 1, null]]);
  });

  it('electronic: a re-press 0.8 s after the heard fall is a new press; 0.1 s after it, the same one', () => {
    const apart = expected({
      chime: electronic(3),
      presses: [
        { atS: 0, holdS: 0.2 },
        { atS: 3.8, holdS: 0.2 },
      ],
    });
    expect(apart.segments.map((s) => [s.presses, s.min, s.max, s.liveAt !== null])).toEqual([
      [[0], 1, 1, true],
      [[1], 1, 1, true],
    ]);
    const bounce = expected({
      chime: electronic(3),
      presses: [
        { atS: 0, holdS: 0.2 },
        { atS: 3.1, holdS: 0.2 },
      ],
    });
    expect(bounce.segments.map((s) => [s.presses, s.min, s.max])).toEqual([[[0, 1], 1, 1]]);
  });

  it('electronic: presses inside the hold are swallowed, they never reach the wire', () => {
    const { run, segments } = expected({
      chime: electronic(3),
      presses: [
        { atS: 0, holdS: 0.2 },
        { atS: 1, holdS: 0.2 },
        { atS: 2.5, holdS: 0.2 },
      ],
    });
    expect(run.history.swallowed).toEqual([1, 2]);
    expect(segments.map((s) => [s.presses, s.min, s.max])).toEqual([[[0], 1, 1]]);
  });

  it('electronic: the fall lost, a re-press 0.8 s after it: one or two rings are both right', () => {
    const { segments } = expected({
      chime: electronic(3),
      presses: [
        { atS: 0, holdS: 0.2 },
        { atS: 3.8, holdS: 0.2 },
      ],
      lose: (e, h) =>
        e.level === 0 &&
        e.atMs > (h.units[0]?.lastFallMs ?? 0) - 1 &&
        e.atMs < (h.units[1]?.firstRiseMs ?? 0),
    });
    expect(segments.map((s) => [s.presses, s.min, s.max])).toEqual([[[0, 1], 1, 2]]);
  });

  it('chatter: each burst at most one ring, chatter required once enough edges arrived', () => {
    const random = seededRandom(3);
    const { run, segments } = expected({
      bursts: [chatterBurst(random, 0), chatterBurst(random, 5), chatterBurst(random, 10)],
    });
    expect(segments.map((s) => [s.min, s.max])).toEqual([
      [0, 1],
      [0, 1],
      [0, 1],
    ]);
    expect(run.expected.chatter).toBe('required');
  });

  it('steps of one burst arriving together in a jump of the count may each ring (they look like hidden presses)', () => {
    const { segments } = expected({
      knobs: { reports: 'batched' },
      presses: [{ atS: 0, holdS: 0.05 }],
      bursts: [{ atS: 3.05, pulses: Array.from({ length: 5 }, () => [40, 40] as [number, number]) }],
      lose: (e) => e.count === 1,
    });
    // Press 0's one report is lost: the count goes 0 → 3 (press 0 and two pulses), then 5, then 6. The two jumps
    // of two burst steps may each ring twice, besides the burst's one ring.
    expect(segments.map((s) => [s.min, s.max])).toEqual([
      [1, 1],
      [0, 5],
    ]);
  });

  it('Plus switch mode: the first state:true the agent ever gets is an edge', () => {
    const { segments } = expected({
      gen: 'plus',
      knobs: { gen2Mode: 'switch' },
      presses: [{ atS: 0, holdS: 0.3 }],
    });
    expect(segments).toEqual([{ presses: [0], min: 1, max: 1, liveAt: expect.any(Number) }]);
  });

  it('Plus button mode: a press whose btn_down was lost is reached by its own single_push', () => {
    const { segments } = expected({
      gen: 'plus',
      presses: [
        { atS: 0, holdS: 0.3 },
        { atS: 2, holdS: 0.3 },
      ],
      lose: (e, h) => e.gen2?.kind === 'edge' && e.level === 1 && e.atMs >= (h.units[1]?.firstRiseMs ?? 0),
    });
    expect(segments.map((s) => [s.min, s.max, s.liveAt === null])).toEqual([
      [1, 1, false],
      [1, 1, true],
    ]);
  });
});

describe('judging rings against the expectations', () => {
  const { run } = expected({
    presses: [
      { atS: 0, holdS: 0.3 },
      { atS: 3, holdS: 0.3 },
    ],
  });
  const [a, b] = run.expected.segments.map((s) => s.liveAtMs as number) as [number, number];
  const ring = (tMs: number, id: string, recovered = false): RingSeen => ({
    tMs,
    pressId: id,
    recovered,
    via: recovered ? 'counter' : 'coiot',
  });
  const judge = (rings: RingSeen[]) => judgeDevice('d', run.expected, rings, [], 0.6, 0);

  it('accepts one live ring per press at its edge', () => {
    expect(judge([ring(a, 'p1'), ring(b + 10, 'p2')])).toEqual([]);
  });

  it('a missing ring, a late recovered one, an extra one and a repeated press id are violations', () => {
    expect(judge([ring(a, 'p1')])).toEqual([expect.stringMatching(/press 1 .*no live ring/)]);
    expect(judge([ring(a, 'p1'), ring(b + 1400, 'p2', true)])).toEqual([
      expect.stringMatching(/press 1 .*no live ring \(got recovered at/),
      expect.stringMatching(/matches no press/),
    ]);
    expect(judge([ring(a, 'p1'), ring(b, 'p2'), ring(b + 700, 'p3', true)])).toEqual([
      expect.stringMatching(/p3 .*matches no press/),
    ]);
    expect(judge([ring(a, 'p1'), ring(b, 'p1')])).toEqual([expect.stringMatching(/press id p1 rang twice/)]);
  });

  it('recovered must say via counter, and a live ring must not', () => {
    expect(judge([ring(a, 'p1'), { ...ring(b, 'p2'), via: 'counter' }])).toEqual([
      expect.stringMatching(/recovered=false but via=counter/),
    ]);
  });
});
