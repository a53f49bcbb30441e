import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Bench, DEVICE, UniCoiot } from './harness.ts';

const S = 1000;
const WEEK_MS = 7 * 24 * 3600 * S;

interface Press {
  atMs: number;
  holdMs: number;
}

/**
 * A healthy Uni for a week: CoIoT re-sends every 15 s and MQTT state every 30 s, each with its own jitter
 * (timer drift and Wi-Fi delay), presses at random times with ordinary holds, both paths reporting each press.
 */
function healthyWeek(
  jitterMs: number,
  delays: number[],
  presses: Press[],
): Array<{ atMs: number; run(b: Bench, u: UniCoiot): void }> {
  const steps: Array<{ atMs: number; run(b: Bench, u: UniCoiot): void }> = [];
  let k = 0;
  const delay = () => delays[k++ % delays.length] as number;
  for (let t = 5 * S; t < WEEK_MS; t += 15 * S) {
    const at = t + (delay() % (jitterMs + 1));
    steps.push({ atMs: at, run: (b, u) => b.coiot(at, u.packet()) });
  }
  const topic = `shellies/${DEVICE}/input/0`;
  // The level the Uni's MQTT connection last published: its periodic state is published on the same connection,
  // after its change messages, from the same input (not the level its CoIoT reports last showed, which may lag).
  let mqttLevel = false;
  for (let t = 7 * S; t < WEEK_MS; t += 30 * S) {
    const at = t + (delay() % (jitterMs + 1));
    steps.push({ atMs: at, run: (b) => b.mqtt(at, topic, mqttLevel ? '1' : '0') });
  }
  for (const { atMs, holdMs } of presses) {
    const d = () => delay() % 300;
    // One sender keeps its own order (a CoIoT report overtaken by the next one is dropped as stale anyway).
    const coiotRise = atMs + d();
    const coiotFall = Math.max(coiotRise + 1, atMs + holdMs + d());
    const coiotEvent = Math.max(coiotFall + 1, atMs + holdMs + 50 + d());
    steps.push({ atMs: coiotRise, run: (b, u) => b.coiot(coiotRise, u.change({ level: true })) });
    steps.push({ atMs: coiotFall, run: (b, u) => b.coiot(coiotFall, u.change({ level: false })) });
    steps.push({
      atMs: coiotEvent,
      run: (b, u) => b.coiot(coiotEvent, u.change({ count: u.count + 1, event: 'S' })),
    });
    const mqttRise = atMs + d();
    const mqttFall = Math.max(mqttRise + 1, atMs + holdMs + d());
    const publish = (b: Bench, at: number, level: boolean) => {
      mqttLevel = level;
      b.mqtt(at, topic, level ? '1' : '0');
    };
    steps.push({ atMs: mqttRise, run: (b) => publish(b, mqttRise, true) });
    steps.push({ atMs: mqttFall, run: (b) => publish(b, mqttFall, false) });
  }
  return steps.sort((a, b) => a.atMs - b.atMs);
}

describe('healthy device', () => {
  it('raises no problem over a simulated week of jittered periodic reports and ordinary presses', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3000 }),
        fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 16, maxLength: 64 }),
        fc
          .array(
            fc.record({
              day: fc.integer({ min: 0, max: 6 }),
              secondOfDay: fc.integer({ min: 60, max: 86_000 }),
              holdMs: fc.integer({ min: 150, max: 3000 }),
            }),
            { maxLength: 40 },
          )
          .map((list) =>
            list
              .map((p) => ({ atMs: (p.day * 86_400 + p.secondOfDay) * S, holdMs: p.holdMs }))
              .sort((a, b) => a.atMs - b.atMs)
              // Presses of one visitor are seconds apart at least.
              .filter((p, i, all) => i === 0 || p.atMs - (all[i - 1] as Press).atMs > 10 * S),
          ),
        (jitterMs, delays, presses) => {
          const bench = new Bench({
            devices: [{ id: DEVICE, battery: { installed: '1970-01-01' } }],
          });
          const uni = new UniCoiot();
          for (const step of healthyWeek(jitterMs, delays, presses)) step.run(bench, uni);
          bench.advance(WEEK_MS);
          expect(bench.problems()).toEqual([]);
          expect(bench.events.filter((e) => e.type === 'ring')).toHaveLength(presses.length);
        },
      ),
      // A run is a week of traffic (~60 000 messages, ~1 s): report the first counterexample, do not shrink it.
      { numRuns: 6, endOnFailure: true },
    );
  });
});
