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
  // Each press is the doorbell shorting the line for the chime setting: the input should be high that long.
  const lag = inst.relay.operateS + inst.relay.releaseS + 0.2;
  let worstErr = 0;
  let worstAt = '';
  // Battery ageing is input_high_on_press's concern: judge the pulse with the cell as it is now.
  const now = results.filter(
    (r) => inst.loop.source === 'ac' || r.point.batteryState === inst.loop.startState,
  );
  let cases = 0;
  let firstBad: string | undefined;
  let tooShort: string | undefined;
  let bad = 0;
  for (const r of now) {
    for (const highs of r.fieldHighs) {
      cases++;
      const { perPress, stray } = matchHighs(highs, r.plan.presses, lag);
      const at = describePoint(r.point, inst);
      const wrong = perPress.find((p) => p.length !== 1);
      if (stray > 0 || wrong) {
        bad++;
        if (wrong?.length === 0) tooShort ??= shorterThanDebounce(inst, r, perPress.indexOf(wrong));
        firstBad ??=
          stray > 0
            ? `the input goes high with no press at ${at}`
            : `a press gives ${wrong!.length === 0 ? 'no high period' : `${wrong!.length} high periods (chatter)`} at ${at}`;
        continue;
      }
      for (const [k, periods] of perPress.entries()) {
        const [a, b] = periods[0]!;
        const [s, e] = r.plan.presses[k]!;
        const err = Math.abs(b - a - (e - s));
        if (err > worstErr) [worstErr, worstAt] = [err, at];
      }
    }
  }
  if (firstBad) {
    const failed = fail(
      'pulse_matches_chime',
      null,
      `${tooShort ?? firstBad} (${bad} of ${cases} supply/poll-phase cases go wrong)`,
      's',
    );
    return tooShort
      ? {
          ...failed,
          basis: `the Uni's input poll (${Math.round(inst.uni.samplePeriodS * 1e4) / 10} ms) and debounce (${inst.uni.debounceSamples} polls), both assumed`,
        }
      : failed;
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

/**
 * A press the relay did close for, but too briefly for the Uni: it reads a level only after `debounceSamples`
 * polls agree. Says how long the contact was closed against how long the (assumed) poll needs.
 */
function shorterThanDebounce(inst: Installation, r: ScenarioResult, press: number): string | undefined {
  const [s, e] = r.plan.presses[press]!;
  const lag = inst.relay.operateS + inst.relay.releaseS + 0.1;
  const closedS = Math.max(0, ...r.contact.filter(([a, b]) => b > s && a < e + lag).map(([a, b]) => b - a));
  const needS = inst.uni.samplePeriodS * inst.uni.debounceSamples;
  if (closedS <= 0 || closedS >= needS + inst.uni.samplePeriodS) return undefined;
  const ms = (v: number) => `${Math.round(v * 1000)} ms`;
  const n = inst.uni.debounceSamples;
  const minS = (n - 1) * inst.uni.samplePeriodS;
  return `a ${ms(e - s)} press closes the relay for only ${ms(closedS)} (the kit opening, then the relay's ${ms(inst.relay.operateS)} operate), and the Uni sees a level only once ${n} polls ${ms(inst.uni.samplePeriodS)} apart agree (assumed): it must be held ${ms(minS)}–${ms(needS)} depending on where the polls fall, so some presses give no ring (at ${describePoint(r.point, inst)})`;
}
