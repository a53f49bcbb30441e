import type { ScenarioResult } from '../scenario.ts';
import type { Installation } from '../types.ts';
import { type Check, describePoint, fail, pct } from './check.ts';
import { judgeTerminalSupply } from './terminal-supply.ts';

/** Below this share of its power while idle, the doorbell's electronics are browning out. */
const POWERED = 0.9;

/**
 * The doorbell's own terminal voltage while idle, simulated through the cable, the kit and the coil: does it get
 * what it is rated for, and does its electronics stay up (the model's constant-power load drops out below the
 * drop-out voltage)?
 */
export function checkDoorbellSupply(inst: Installation, results: readonly ScenarioResult[]): Check {
  const bell = inst.doorbell;
  const rating = `rated ${bell.ratedMinVac}–${bell.ratedMaxVac} VAC, drop-out ${bell.dropoutVac} VAC (assumed)`;
  const out = results.reduce((a, b) => (b.doorbellPowered < a.doorbellPowered ? b : a));
  if (out.doorbellPowered < POWERED) {
    const cause = inst.powerKit
      ? inst.cableOhm > 0
        ? `, through ${inst.cableOhm} Ω of cable`
        : ''
      : ': with no power kit its standby current must pass the relay coil';
    return {
      ...fail(
        'doorbell_supply_in_range',
        null,
        `the doorbell browns out at ${describePoint(out.point)}: ${out.doorbellVrms.min.toFixed(1)} VAC at its terminals${cause}; it draws ${bell.standbyW} W and drops out below ${bell.dropoutVac} VAC (powered ${pct(out.doorbellPowered)} of the idle time)`,
      ),
      basis: `doorbell ${rating}`,
      worst: out.point,
    };
  }
  return judgeTerminalSupply(inst, results, {
    id: 'doorbell_supply_in_range',
    device: 'doorbell',
    ratedMinVac: bell.ratedMinVac,
    ratedMaxVac: bell.ratedMaxVac,
    measured: (r) => r.doorbellVrms,
    ratingBasis: `doorbell ${rating}`,
  });
}
