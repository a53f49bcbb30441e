import type { ScenarioResult } from '../scenario.ts';
import type { Installation } from '../types.ts';
import { type Check, coilRating, describePoint, fail, pass, pct, warn, worst } from './check.ts';

function closedDuringIdle(r: ScenarioResult, inst: Installation): boolean {
  const guard = inst.relay.releaseS + 3 / r.point.hz + 0.1;
  return r.contact.some(([a, b]) => !r.plan.presses.some(([s, e]) => a >= s && b <= e + guard));
}

export function checkIdleRelayOpen(inst: Installation, results: readonly ScenarioResult[]): Check {
  const w = worst(results, (r) => r.idleDrive);
  return { ...idleVerdict(inst, results, w), worst: w.point };
}

function idleVerdict(inst: Installation, results: readonly ScenarioResult[], w: ScenarioResult): Check {
  const relay = inst.relay;
  const f = w.idleDrive;
  const margin = (relay.mustReleaseFrac - f) * relay.coilV;
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

/** Why a press left the relay open, in the order a user can act on it. */
function whyMissed(r: ScenarioResult, inst: Installation): string {
  const relay = inst.relay;
  const at = describePoint(r.point);
  // Rounded: the press is the difference of two times (0.3 s read 0.2999999999999998 s).
  const shortest = Number(Math.min(...r.plan.presses.map(([a, b]) => b - a)).toFixed(3));
  if (r.pressDrive >= relay.typicalOperateFrac)
    return `a ${shortest} s press is shorter than the relay needs to pull in (operate ${Math.round(relay.operateS * 1e4) / 10} ms after the power kit opens): no ring at ${at}`;
  const kit = inst.powerKit;
  const low = `a press drives the coil to only ${pct(r.pressDrive)} of rated at ${at}, below the typical pull-in ${pct(relay.typicalOperateFrac)}`;
  if (kit?.kind === 'bypass' && r.kitOpen !== undefined && r.kitOpen < 0.5) {
    const limit = inst.cableOhm > 0 ? `; the ${inst.cableOhm} Ω cable limits it` : '';
    return `${low}: the power kit (${kit.name}) never opens, so the coil stays bypassed (it trips at ${(kit.tripV / kit.onOhm).toFixed(1)} A average through it; the press drives ${r.pressLoopA.toFixed(2)} A RMS${limit})`;
  }
  return `${low} (the supply is too low for a ${coilRating(inst)} coil)`;
}

export function checkPressRelayCloses(inst: Installation, results: readonly ScenarioResult[]): Check {
  const relay = inst.relay;
  const w = worst(results, (r) => -r.pressDrive);
  const p = w.pressDrive;
  const margin = (p - relay.mustOperateFrac) * relay.coilV;
  const at = describePoint(w.point);
  const missed = results.find((r) => !pressClosed(r, inst));
  if (missed) return { ...fail('press_relay_closes', margin, whyMissed(missed, inst)), worst: missed.point };
  const steady = `steady drive over a press ${pct(p)} of rated at ${at} (presses at ${r0(w)})`;
  if (p >= relay.mustOperateFrac) {
    return {
      ...pass(
        'press_relay_closes',
        margin,
        `${steady}, above the guaranteed must-operate ${pct(relay.mustOperateFrac)}`,
      ),
      basis: 'guaranteed must-operate (datasheet)',
      worst: w.point,
    };
  }
  return {
    ...warn(
      'press_relay_closes',
      margin,
      `${steady}: closes on a typical part (assumed pull-in ${pct(relay.typicalOperateFrac)}), below the guaranteed ${pct(relay.mustOperateFrac)}`,
    ),
    basis: 'typical pull-in (assumed)',
    worst: w.point,
  };
}

/** The phases of the mains cycle the presses started at, in degrees. */
function r0(r: ScenarioResult): string {
  const period = 1 / r.point.hz;
  const deg = r.plan.presses.map(
    ([a]) => Math.round(((((a % period) + period) % period) / period) * 360) % 360,
  );
  return `${deg.join('°, ')}° of the mains cycle`;
}
