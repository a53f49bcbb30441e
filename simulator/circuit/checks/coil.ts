import type { ScenarioResult } from '../scenario.ts';
import type { Installation } from '../types.ts';
import { type Check, coilRating, describePoint, fail, pass, pct, warn, worst } from './check.ts';

/**
 * The doorbell loop is AC. A DC coil has no shading ring: on AC its pull falls to nothing at every current zero
 * (twice a cycle), so the armature buzzes and the contact chatters (Omron relay FAQ: "AC power supply is applied to
 * the relay of DC coil ... it causes beat"). The model's contact follows the coil's RMS current, so it cannot show
 * this: the check decides from the coil type.
 */
export function checkCoilType(inst: Installation, results: readonly ScenarioResult[]): Check {
  const relay = inst.relay;
  const supply = `${inst.supply.vac} VAC doorbell loop`;
  if (relay.coilKind === 'dc') {
    return {
      ...fail(
        'coil_type_matches_supply',
        null,
        `a ${coilRating(inst)} coil on the ${supply}: a DC coil has no shading ring, so on AC the armature lets go at every current zero (100/120 times a second) and the contact chatters; use a ${inst.supply.vac} VAC coil`,
      ),
      basis: 'relay makers (Omron FAQ: AC on a DC coil causes beat)',
      worst: results[0]?.point,
    };
  }
  return {
    ...pass('coil_type_matches_supply', null, `${coilRating(inst)} coil on the ${supply}`),
    basis: 'coil rating',
  };
}

/**
 * Steady drive during a press (and at idle) against the coil's operating range: above `maxOperatingFrac` of rated it
 * runs hotter than the maker allows (WARN), above `overdriveFailFrac` (assumed) it overheats (FAIL).
 */
export function checkCoilDrive(inst: Installation, results: readonly ScenarioResult[]): Check {
  const relay = inst.relay;
  const peakOf = (r: ScenarioResult) => Math.max(r.idleDrive, ...r.pressDrives);
  const w = worst(results, peakOf);
  const drive = peakOf(w);
  const margin = (relay.maxOperatingFrac - drive) * relay.coilV;
  const v = `${(drive * relay.coilV).toFixed(1)} ${relay.coilKind === 'dc' ? 'V' : 'VAC'}`;
  const at = `${pct(drive)} of rated (${v} equivalent on the ${coilRating(inst)} coil) at ${describePoint(w.point)}`;
  const range = `its operating range up to ${pct(relay.maxOperatingFrac)}`;
  const hold =
    inst.chime.durationS >= 5 ? `; a ${inst.chime.durationS} s chime holds it there for the whole ring` : '';
  if (drive > relay.overdriveFailFrac) {
    return {
      ...fail(
        'coil_not_overdriven',
        margin,
        `a press drives the coil to ${at}: above ${pct(relay.overdriveFailFrac)}, the coil overheats${hold}; use a relay rated for the supply`,
      ),
      basis: `overheating above ${pct(relay.overdriveFailFrac)} (assumed)`,
      worst: w.point,
    };
  }
  if (drive > relay.maxOperatingFrac) {
    return {
      ...warn('coil_not_overdriven', margin, `a press drives the coil to ${at}: above ${range}${hold}`),
      basis: `operating range up to ${pct(relay.maxOperatingFrac)} (datasheet of a comparable relay)`,
      worst: w.point,
    };
  }
  return {
    ...pass('coil_not_overdriven', margin, `at most ${at}, within ${range}`),
    basis: `operating range up to ${pct(relay.maxOperatingFrac)} (datasheet of a comparable relay)`,
    worst: w.point,
  };
}
