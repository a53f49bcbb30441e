import type { ScenarioResult } from '../scenario.ts';
import type { Installation } from '../types.ts';
import { type Check, describePoint, fail, pass, pct, warn, worst } from './check.ts';

function closedDuringIdle(r: ScenarioResult, inst: Installation): boolean {
  const guard = inst.relay.releaseS + 3 / r.point.hz + 0.1;
  return r.contact.some(([a, b]) => !r.plan.presses.some(([s, e]) => a >= s && b <= e + guard));
}

export function checkIdleRelayOpen(inst: Installation, results: readonly ScenarioResult[]): Check {
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

export function checkPressRelayCloses(inst: Installation, results: readonly ScenarioResult[]): Check {
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
