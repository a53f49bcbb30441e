import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONFIG, play, START_MS, stepArb, tally } from './coiot-stream.ts';
import { GraphTwin } from './graph-twin.ts';

/**
 * The fast paths of the live graph against the plain ones, on the same random streams (`coiot-stream.ts`): they
 * must decide, forward, log and report exactly the same (decisions, rings, health events, every hook call, stats,
 * pins, the health store and snapshot, the next wake-up).
 *  - resend cache: a datagram that repeats the last one accepted from its address skips the decode;
 *  - quiet reports: a report evaluates its inputs' monitors only when one of them may have changed.
 * Runs: DOORBELL_FAST_PATH_RUNS (default 60 per case); seed: DOORBELL_FAST_PATH_SEED (fixed; `random` for new).
 */
const RUNS = Number(process.env.DOORBELL_FAST_PATH_RUNS ?? 60);
const SEED_ENV = process.env.DOORBELL_FAST_PATH_SEED ?? '20261206';
const SEED = SEED_ENV === 'random' ? {} : { seed: Number(SEED_ENV) };

const PLAIN = { resendCache: false, quietReports: false };
const CASES = [
  { name: 'the resend cache', fast: { ...PLAIN, resendCache: true } },
  { name: 'quiet reports', fast: { ...PLAIN, quietReports: true } },
  { name: 'both, as run has them', fast: { resendCache: true, quietReports: true } },
];

describe('fast paths of the live graph', () => {
  for (const { name, fast } of CASES)
    it(`${name}: the same decisions, forwarded copies, health events and stats as the plain path`, () => {
      const reached = new Map<string, number>();
      fc.assert(
        fc.property(fc.array(stepArb, { minLength: 1, maxLength: 300, size: 'max' }), (steps) => {
          const optimised = new GraphTwin(CONFIG, START_MS, fast);
          const plain = new GraphTwin(CONFIG, START_MS, PLAIN);
          play(steps, [optimised, plain]);
          expect(optimised.record).toEqual(plain.record);
          expect(optimised.state()).toEqual(plain.state());
          expect(optimised.unpublished).toEqual([]);
          expect(plain.unpublished).toEqual([]);
          tally(optimised, reached);
        }),
        { numRuns: RUNS, ...SEED },
      );
      const paths = ['duplicates', 'stale', 'spoofed', 'rateLimited', 'unknownDevices', 'rings', 'forward'];
      const problems = [
        'offline on',
        'offline off',
        'missed_reports on',
        'missed_reports off',
        'input_stuck on',
        'input_stuck off',
        'chatter on',
        'battery_low on',
      ];
      for (const key of [...paths, ...problems, 'battery', 'verify', 'new device'])
        expect(reached.get(key) ?? 0, key).toBeGreaterThan(0);
    });
});
