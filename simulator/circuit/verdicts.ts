import { describeBattery } from './battery.ts';
import type { ScenarioResult } from './scenario.ts';
import type { Installation, Interval, OperatingPoint } from './types.ts';

export type Verdict = 'pass' | 'warn' | 'fail';
export type CheckId =
  | 'idle_relay_open'
  | 'press_relay_closes'
  | 'input_high_on_press'
  | 'input_low_at_idle'
  | 'pulse_matches_chime'
  | 'uni_supply_in_range'
  | 'ac_on_input';

export interface Check {
  readonly id: CheckId;
  readonly verdict: Verdict;
  /** Distance to the limit that decides the verdict (negative: beyond it); null where no number applies. */
  readonly margin: number | null;
  readonly unit: 'V' | 's';
  readonly reason: string;
  /** What the verdict rests on: a guaranteed/documented figure, or a typical/field one that is assumed. */
  readonly basis: string;
  /** input_high_on_press only: margin against the field-evidence threshold, where it disagrees with the documented one. */
  readonly fieldMargin?: number;
}

/**
 * How far a ring's logical high period may differ from the chime setting: relay operate + release (≤ 30 ms each),
 * the half-cycle RMS the armature responds to (≤ 10 ms), and the poll + debounce (≤ 40 ms), rounded up.
 */
export const PULSE_TOLERANCE_S = 0.1;

const SEVERITY: Record<Verdict, number> = { pass: 0, warn: 1, fail: 2 };

export function exitCodeOf(checks: readonly Check[]): number {
  return Math.max(0, ...checks.map((c) => SEVERITY[c.verdict]));
}

export function evaluateChecks(inst: Installation, results: readonly ScenarioResult[]): Check[] {
  return [
    checkIdleRelayOpen(inst, results),
    checkPressRelayCloses(inst, results),
    checkInputHighOnPress(inst, results),
    checkInputLowAtIdle(inst, results),
    checkPulseMatchesChime(inst, results),
    checkUniSupply(inst, results),
    checkAcOnInput(inst, results),
  ];
}

export function describePoint(p: OperatingPoint, inst?: Installation): string {
  const loop = inst?.loop;
  const cell =
    p.batteryState === undefined || loop?.source !== 'battery'
      ? ''
      : `, cell ${describeBattery(loop.battery, p.batteryState).volts.toFixed(2)} V`;
  return `${p.vac} VAC ${p.hz} Hz${cell}`;
}

const pct = (f: number) => `${Math.round(f * 100)} %`;
const volts = (v: number) => `${v.toFixed(2)} V`;
const worst = <T>(items: readonly T[], key: (t: T) => number): T =>
  items.reduce((a, b) => (key(b) > key(a) ? b : a));

function closedDuringIdle(r: ScenarioResult, inst: Installation): boolean {
  const guard = inst.relay.releaseS + 3 / r.point.hz + 0.1;
  return r.contact.some(([a, b]) => !r.plan.presses.some(([s, e]) => a >= s && b <= e + guard));
}

function checkIdleRelayOpen(inst: Installation, results: readonly ScenarioResult[]): Check {
  const relay = inst.relay;
  const w = worst(results, (r) => r.idleDrive);
  const f = w.idleDrive;
  const margin = (relay.mustReleaseFrac - f) * relay.coilVac;
  const at = describePoint(w.point);
  const closed = results.find((r) => closedDuringIdle(r, inst));
  if (f >= relay.typicalOperateFrac || closed) {
    const why =
      f >= relay.typicalOperateFrac
        ? `pulls in by itself (typical pull-in ${pct(relay.typicalOperateFrac)})`
        : `stays closed after a press (typical drop-out ${pct(relay.typicalReleaseFrac)})`;
    return fail(
      'idle_relay_open',
      margin,
      `standby current drives the coil to ${pct(f)} of rated at ${at}: it ${why}`,
    );
  }
  if (f > relay.typicalReleaseFrac) {
    return fail(
      'idle_relay_open',
      margin,
      `standby drive ${pct(f)} at ${at} is above the typical drop-out ${pct(relay.typicalReleaseFrac)}: after a press the relay hangs`,
    );
  }
  if (f > relay.mustReleaseFrac) {
    return {
      ...warn(
        'idle_relay_open',
        margin,
        `standby drive ${pct(f)} at ${at}: releases on a typical part, above the guaranteed must-release ${pct(relay.mustReleaseFrac)}`,
      ),
      basis: 'typical drop-out (assumed)',
    };
  }
  return {
    ...pass(
      'idle_relay_open',
      margin,
      `standby drive ${pct(f)} of rated at ${at}, below the guaranteed must-release ${pct(relay.mustReleaseFrac)}`,
    ),
    basis: 'guaranteed must-release (datasheet)',
  };
}

function pressClosed(r: ScenarioResult, inst: Installation): boolean {
  const lag = inst.relay.operateS + 2 / r.point.hz;
  return r.plan.presses.every(([s, e]) => r.contact.some(([a, b]) => a < e + lag && b > s));
}

function checkPressRelayCloses(inst: Installation, results: readonly ScenarioResult[]): Check {
  const relay = inst.relay;
  const w = worst(results, (r) => -r.pressDrive);
  const p = w.pressDrive;
  const margin = (p - relay.mustOperateFrac) * relay.coilVac;
  const at = describePoint(w.point);
  const missed = results.find((r) => !pressClosed(r, inst));
  if (missed) {
    const short = missed.pressDrive >= relay.typicalOperateFrac;
    const reason = short
      ? `a ${inst.chime.durationS} s press is shorter than the relay needs to pull in (operate ${relay.operateS * 1000} ms): no ring at ${describePoint(missed.point)}`
      : `a press drives the coil to only ${pct(missed.pressDrive)} of rated at ${describePoint(missed.point)}: below the typical pull-in ${pct(relay.typicalOperateFrac)}`;
    return fail('press_relay_closes', margin, reason);
  }
  if (p >= relay.mustOperateFrac) {
    return {
      ...pass(
        'press_relay_closes',
        margin,
        `a press drives the coil to ${pct(p)} of rated at ${at} (guaranteed must-operate ${pct(relay.mustOperateFrac)})`,
      ),
      basis: 'guaranteed must-operate (datasheet)',
    };
  }
  return {
    ...warn(
      'press_relay_closes',
      margin,
      `a press drives the coil to ${pct(p)} of rated at ${at}: closes on a typical part (assumed pull-in ${pct(relay.typicalOperateFrac)}), below the guaranteed ${pct(relay.mustOperateFrac)}`,
    ),
    basis: 'typical pull-in (assumed)',
  };
}

function checkInputHighOnPress(inst: Installation, results: readonly ScenarioResult[]): Check {
  const uni = inst.uni;
  const withInput = results.filter((r) => r.inputOnV !== undefined);
  if (withInput.length < results.length) {
    return fail(
      'input_high_on_press',
      null,
      'the relay never closes on a press, so IN_1 never sees the loop',
      'V',
    );
  }
  const w = worst(withInput, (r) => -r.inputOnV!);
  const v = w.inputOnV!;
  if (inst.loop.source === 'ac') {
    const margin = v - uni.documentedAcHighVrms;
    if (margin < 0)
      return fail(
        'input_high_on_press',
        margin,
        `${volts(v)} RMS at IN_1 at ${describePoint(w.point)}: below the documented AC HIGH ${uni.documentedAcHighVrms} V`,
      );
    return {
      ...warn(
        'input_high_on_press',
        margin,
        `${volts(v)} RMS at IN_1 is documented HIGH (≥ ${uni.documentedAcHighVrms} VAC), but the field disagrees: see ac_on_input`,
      ),
      basis: 'documented AC threshold, contradicted by field reports',
    };
  }
  const loop = inst.loop;
  const start = withInput.filter((r) => r.point.batteryState === loop.startState);
  const vStart = Math.min(...start.map((r) => r.inputOnV!));
  const margin = v - uni.documentedDcHighV;
  const fieldNote = `field threshold ${volts(uni.fieldHighV)} (assumed; a 1.5 V cell is seen working)`;
  const fieldMargin = v - uni.fieldHighV;
  if (vStart < uni.fieldHighV) {
    return {
      ...fail(
        'input_high_on_press',
        vStart - uni.documentedDcHighV,
        `${volts(vStart)} at IN_1 now: below the documented ${volts(uni.documentedDcHighV)} and the ${fieldNote}`,
      ),
      fieldMargin: vStart - uni.fieldHighV,
    };
  }
  if (margin >= 0) {
    return {
      ...pass(
        'input_high_on_press',
        margin,
        `lowest ${volts(v)} at IN_1 (${describePoint(w.point, inst)}) is above the documented HIGH ${volts(uni.documentedDcHighV)}`,
      ),
      basis: 'documented DC threshold',
    };
  }
  const ends =
    v < uni.fieldHighV
      ? `; detection stops below ~${volts(uni.fieldHighV)} at IN_1, before the cell's ${volts(loop.battery.endOfLifeV * loop.battery.cells)} end of life: replace it early`
      : '';
  if (uni.fieldHighV >= uni.documentedDcHighV) {
    // No field evidence below the documented level: the cell is fine now and runs out before its end of life.
    return {
      ...warn(
        'input_high_on_press',
        margin,
        `${volts(vStart)} at IN_1 now is above the documented HIGH ${volts(uni.documentedDcHighV)}; ${volts(v)} at ${describePoint(w.point, inst)} is not${ends}`,
      ),
      basis: 'documented DC threshold',
    };
  }
  return {
    ...warn(
      'input_high_on_press',
      margin,
      `${volts(vStart)} at IN_1 now, ${volts(v)} at ${describePoint(w.point, inst)}: below the documented HIGH ${volts(uni.documentedDcHighV)}; relies on the ${fieldNote}${ends}`,
    ),
    basis: 'field evidence (assumed threshold), contradicts the documented one',
    fieldMargin,
  };
}

function checkInputLowAtIdle(inst: Installation, results: readonly ScenarioResult[]): Check {
  const uni = inst.uni;
  const low = Math.min(uni.fieldHighV, uni.documentedDcHighV);
  const w = worst(results, (r) => r.inputIdleV);
  const margin = low - w.inputIdleV;
  if (margin <= 0) {
    return fail(
      'input_low_at_idle',
      margin,
      `${volts(w.inputIdleV)} at IN_1 with the doorbell idle (${describePoint(w.point)}): the Uni sees a ring that is not there`,
    );
  }
  return pass(
    'input_low_at_idle',
    margin,
    `at most ${volts(w.inputIdleV)} at IN_1 while idle, below the lowest HIGH threshold ${volts(low)}`,
  );
}

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

function checkPulseMatchesChime(inst: Installation, results: readonly ScenarioResult[]): Check {
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

function checkUniSupply(inst: Installation, results: readonly ScenarioResult[]): Check {
  const uni = inst.uni;
  const vac = inst.supply.vac;
  const margin = Math.min(vac - uni.supplyMinVac, uni.supplyMaxVac - vac);
  const measured = results.map((r) => r.supplyVrms);
  const span = `${Math.min(...measured).toFixed(1)}–${Math.max(...measured).toFixed(1)} VAC at its terminals over the sweep`;
  const rating = `${uni.supplyMinVac}–${uni.supplyMaxVac} VAC rating`;
  if (margin < 0)
    return fail('uni_supply_in_range', margin, `${vac} VAC nominal is outside the Uni's ${rating} (${span})`);
  return {
    ...pass(
      'uni_supply_in_range',
      margin,
      `${vac} VAC nominal is within the Uni's ${rating}, read as nominal ±10 % (${span})`,
    ),
    basis: 'documented rating',
  };
}

function checkAcOnInput(inst: Installation, results: readonly ScenarioResult[]): Check {
  if (inst.loop.source !== 'ac')
    return { ...pass('ac_on_input', null, 'DC loop: no AC reaches IN_1'), basis: 'model' };
  const lag = inst.relay.operateS + inst.relay.releaseS + 0.2;
  let clean = 0;
  let total = 0;
  for (const r of results) {
    for (const highs of r.fieldHighs) {
      total++;
      const { perPress, stray } = matchHighs(highs, r.plan.presses, lag);
      if (
        stray === 0 &&
        perPress.every(
          (p) => p.length === 1 && Math.abs(p[0]![1] - p[0]![0] - inst.chime.durationS) <= PULSE_TOLERANCE_S,
        )
      )
        clean++;
    }
  }
  const model = `the poll model rings cleanly in ${clean} of ${total} supply/poll-phase cases`;
  if (inst.uni.model === 'plus') {
    return {
      ...warn('ac_on_input', null, `AC on the Plus Uni input: no field evidence either way; ${model}`),
      basis: 'model (assumed poll timing)',
    };
  }
  return {
    ...fail(
      'ac_on_input',
      null,
      `AC on the Gen1 input is documented (≥ 12 VAC) but seen unreliable in the field (seed, Shelly forum); ${model}. Use a cell (DC) loop`,
    ),
    basis: 'field evidence over the documented AC threshold',
  };
}

function pass(id: CheckId, margin: number | null, reason: string, unit: 'V' | 's' = 'V'): Check {
  return { id, verdict: 'pass', margin, unit, reason, basis: 'model' };
}
function warn(id: CheckId, margin: number | null, reason: string, unit: 'V' | 's' = 'V'): Check {
  return { id, verdict: 'warn', margin, unit, reason, basis: 'model' };
}
function fail(id: CheckId, margin: number | null, reason: string, unit: 'V' | 's' = 'V'): Check {
  return { id, verdict: 'fail', margin, unit, reason, basis: 'model' };
}
