import type { ScenarioResult } from '../scenario.ts';
import type { Installation } from '../types.ts';
import { type Check, describePoint, fail, pass, volts, worst } from './check.ts';

export function checkInputLowAtIdle(inst: Installation, results: readonly ScenarioResult[]): Check {
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
