import type { Check } from './checks/check.ts';
import { checkCoilDrive, checkCoilType } from './checks/coil.ts';
import { checkDoorbellSupply } from './checks/doorbell.ts';
import { checkInputHighOnPress } from './checks/input-high.ts';
import { checkInputLowAtIdle } from './checks/input-low.ts';
import { checkPulseMatchesChime, matchHighs } from './checks/pulse.ts';
import { checkIdleRelayOpen, checkPressRelayCloses } from './checks/relay.ts';
import { checkAcOnInput, checkUniSupply } from './checks/supply.ts';
import type { ScenarioResult } from './scenario.ts';
import type { Installation } from './types.ts';

export {
  type Check,
  type CheckId,
  describePoint,
  exitCodeOf,
  PULSE_TOLERANCE_S,
  type Verdict,
} from './checks/check.ts';
export { matchHighs };

/** Every check of `wiring check`, in report order; each lives in its own module under checks/. */
export function evaluateChecks(inst: Installation, results: readonly ScenarioResult[]): Check[] {
  return [
    checkDoorbellSupply(inst, results),
    checkUniSupply(inst, results),
    checkCoilType(inst, results),
    checkCoilDrive(inst, results),
    checkIdleRelayOpen(inst, results),
    checkPressRelayCloses(inst, results),
    checkInputHighOnPress(inst, results),
    checkInputLowAtIdle(inst, results),
    checkPulseMatchesChime(inst, results),
    checkAcOnInput(inst, results),
  ];
}
