import type { ScenarioResult } from '../scenario.ts';
import type { Installation, Interval } from '../types.ts';
import { type Check, describePoint, fail, PULSE_TOLERANCE_S, pass, warn } from './check.ts';

/** For each press: the logical high periods that belong to it, plus any high period that belongs to none. */
export function matchHighs(
  highs: readonly (readonly [number, number])[],
  presses: readonly Interval[],
  lagS: number,
): { perPress: (readonly [number, number])[][]; stray: number } {
  // A high period belongs to a press only if it starts during it (or within the lag after it): an input that was
  // already high before the press is a ring with no press.
  const perPress = presses.map(([s, e]) => highs.filter(([a]) => a >= s && a < e + lagS));
  const matched = new Set(perPress.flat());
  return { perPress, stray: highs.filter((h) => !matched.has(h)).length };
}

export function checkPulseMatchesChime(inst: Installation, results: readonly ScenarioResult[]): Check {
  const expected = inst.chime.durationS;
  const lag = inst.relay.operateS + inst.relay.releaseS + 0.2;
  let worstErr = 0;
  let worstAt = '';
  // Battery ageing is input_high_on_press's concern: judge the pulse with the cell as it is now.
  const now = results.filter(
    (r) => inst.loop.source === 'ac' || r.point.batteryState === inst.loop.startState,
  );
  let cases = 0;
  let firstBad: string | undefined;
  let bad = 0;
  for (const r of now) {
    for (const highs of r.fieldHighs) {
      cases++;
      const { perPress, stray } = matchHighs(highs, r.plan.presses, lag);
      const at = describePoint(r.point, inst);
      const wrong = perPress.find((p) => p.length !== 1);
      if (stray > 0 || wrong) {
        bad++;
        firstBad ??=
          stray > 0
            ? `the input goes high with no press at ${at}`
            : `a press gives ${wrong!.length === 0 ? 'no high period' : `${wrong!.length} high periods (chatter)`} at ${at}`;
        continue;
      }
      for (const periods of perPress) {
        const [a, b] = periods[0]!;
        const err = Math.abs(b - a - expected);
        if (err > worstErr) [worstErr, worstAt] = [err, at];
      }
    }
  }
  if (firstBad) {
    return fail(
      'pulse_matches_chime',
      null,
      `${firstBad} (${bad} of ${cases} supply/poll-phase cases go wrong)`,
      's',
    );
  }
  const margin = PULSE_TOLERANCE_S - worstErr;
  const documentedDiffers = now.some((r) =>
    r.documentedHighs.some((h) => h.length !== r.plan.presses.length),
  );
  const note = documentedDiffers ? ' (with the field threshold; the documented one sees no ring)' : '';
  const text = `one high period per press, within ${(worstErr * 1000).toFixed(0)} ms of the ${expected} s chime${worstAt ? ` (worst at ${worstAt})` : ''}${note}`;
  if (margin < 0)
    return warn(
      'pulse_matches_chime',
      margin,
      `${text}: more than the ±${PULSE_TOLERANCE_S} s tolerance`,
      's',
    );
  return {
    ...pass('pulse_matches_chime', margin, `${text}, tolerance ±${PULSE_TOLERANCE_S} s`, 's'),
    basis: documentedDiffers ? 'field threshold (assumed)' : 'model',
  };
}
